#!/usr/bin/env bash
# End-to-end tests of the web app: builds what is stale (the CLI, the web app), serves dist/ on
# 127.0.0.1, runs the suite (tests/e2e/app.test.mjs, features.test.mjs, report.test.mjs) against the served build and against
# dist/copyexec.html from file://, then stops the server. Headless Debian Chromium.
# Screenshots go to tests/artifacts/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
cargo build --release -p copyexec-cli -p copyexec-bench
stamp=dist/copyexec.html
if [ ! -f "$stamp" ] || [ -n "$(find crates web index.html Trunk.toml Cargo.lock scripts/single-file.mjs scripts/web-sample.sh -newer "$stamp" -type f -print -quit)" ]; then
  scripts/build-web.sh
fi

log="$(mktemp)"
node tests/e2e/static-server.mjs dist 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q '^serving ' "$log" && break
  sleep 0.1
done
url="$(sed -n 's/^serving //p' "$log")"
[ -n "$url" ] || { cat "$log"; echo "test-e2e: the static server did not start" >&2; exit 1; }

export COPYEXEC_URLS="${url}index.html file://$root/dist/copyexec.html"
cd tests/e2e
node --test --test-concurrency=1 --test-reporter=spec app.test.mjs features.test.mjs report.test.mjs
