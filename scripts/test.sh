#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust tests, the differential test against the
# reference KQL engine, and the browser end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "format"
cargo fmt --all --check
step "lints (native)"
cargo clippy --locked --all-targets -- -D warnings
if [ -d crates/app ]; then
  step "lints (web app, wasm32)"
  cargo clippy --locked -p copyexec-app --target wasm32-unknown-unknown -- -D warnings
fi
step "Rust tests"
cargo test --locked -q
step "fuzz targets, briefly (scripts/fuzz.sh; a long campaign: scripts/fuzz.sh 1200)"
FUZZ_JOBS=2 FUZZ_SEEDS_ONLY=1 scripts/fuzz.sh 5
step "release build of the CLI and the fleet generator"
# The differential test runs the query on a generated fleet too (copyexec-fleet).
cargo build --locked --release -q -p copyexec-cli -p copyexec-bench
step "differential test against duckdb-kql"
COPYEXEC_BIN="$PWD/target/release/copyexec" .venv/bin/python -m pytest -q tests/differential
if [ -x scripts/test-e2e.sh ]; then
  step "browser end-to-end tests"
  scripts/test-e2e.sh
fi
step "all tests passed"
