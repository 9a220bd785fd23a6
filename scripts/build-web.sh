#!/usr/bin/env bash
# Builds the browser app: dist/ (served build, via Trunk) and dist/copyexec.html (the whole
# app in one file that runs from file://). scripts/setup.sh web installs the pinned tools
# first when missing (Trunk, wasm-bindgen-cli at the version Cargo.lock pins, wasm-opt).
#   scripts/build-web.sh            release build
#   scripts/build-web.sh --dev      unoptimised (faster to build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode=(--release)
if [ "${1:-}" = "--dev" ]; then mode=(); fi

export PATH="$root/tests/e2e/node_modules/.bin:$HOME/.cargo/bin:$PATH"

scripts/setup.sh web
want_bindgen="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if ! grep -q "wasm_bindgen = \"$want_bindgen\"" Trunk.toml; then
  echo "build-web: Trunk.toml [tools] wasm_bindgen must be $want_bindgen (Cargo.lock)" >&2
  exit 1
fi

# Debug info is of no use in the shipped module and would only make it bigger. SIMD128
# (every current browser has it) lets memchr and the CSV reader scan 16 bytes at a time;
# the getrandom flag repeats the one in .cargo/config.toml (an env value replaces it).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='--cfg getrandom_backend="wasm_js" -C target-feature=+simd128'
# One codegen unit and full LTO: the module is faster (the core's hot loops inline across
# crates) and smaller; the build takes a minute longer.
CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  trunk build "${mode[@]}"
node scripts/single-file.mjs dist
