#!/usr/bin/env bash
# Installs everything copyexec's build and tests need on a fresh Debian machine with Rust,
# Node.js and Python; skips what is already there at the right version.
#   scripts/setup.sh web    what building the web app needs (wasm target, Trunk, wasm-bindgen,
#                           the npm packages with binaryen's wasm-opt)
#   scripts/setup.sh        everything, for the tests too (adds Chromium and the Python venv)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-all}"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132

# wasm-bindgen-cli must equal the wasm-bindgen crate version in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (several minutes)"
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

WB=$(wasm_bindgen_version)
if [ -n "$WB" ] && [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB" ]; then
  say "installing wasm-bindgen-cli $WB (a few minutes)"
  # Not --locked: its lock file pins a crate version the registry mirror lacks.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install wasm-bindgen-cli --version "$WB"
fi

if [ -f tests/e2e/package.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
    say "installing the browser-test packages (playwright-core, binaryen $BINARYEN_VERSION)"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

[ "$MODE" = web ] && exit 0

# Fuzzing (scripts/fuzz.sh): cargo-fuzz on stable, with RUSTC_BOOTSTRAP=1 (see docs/fuzzing.md).
CARGO_FUZZ_VERSION=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about a minute)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian chromium and chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
fi


if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import duckdb_kql, duckdb, pytest' 2>/dev/null; then
  say "creating .venv with the reference KQL engine (duckdb-kql) and pytest"
  python3 -m venv .venv
  .venv/bin/pip install -q -r tests/requirements.txt
fi

say "fetching crates"
cargo fetch --locked -q
