#!/usr/bin/env bash
# Builds the web app (when its sources changed) and serves dist/ on this machine only.
#   scripts/serve.sh [PORT]      default 8080; open the printed URL. Ctrl-C stops.
# The single file is dist/copyexec.html: it also works opened directly (file://).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
port="${1:-${PORT:-8080}}"
stamp=dist/copyexec.html
if [ ! -f "$stamp" ] || [ -n "$(find crates web index.html Trunk.toml Cargo.lock scripts/single-file.mjs scripts/web-sample.sh -newer "$stamp" -type f -print -quit)" ]; then
  scripts/build-web.sh
fi
echo "copyexec: http://127.0.0.1:$port/   (single file: file://$root/dist/copyexec.html)"
exec node tests/e2e/static-server.mjs dist "$port"
