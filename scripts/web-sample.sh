#!/usr/bin/env bash
# Trunk post-build hook: puts the sample export set into the build, with sample/manifest.json
# listing the files present now (a JSON array of names), so new sample files are picked up.
# Source: web/sample/ when it holds data files, else the e2e fixtures (tests/e2e/fixtures/portal).
set -euo pipefail
root="${TRUNK_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
out="${TRUNK_STAGING_DIR:-$root/dist}/sample"
is_data() {
  case "$(basename "$1")" in
    manifest.json | README* | *.md | *.py | .*) return 1 ;;
  esac
  [ -f "$1" ]
}
src="$root/web/sample"
have=0
if [ -d "$src" ]; then
  for f in "$src"/*; do
    if is_data "$f"; then have=1; break; fi
  done
fi
if [ "$have" = 0 ]; then
  src="$root/tests/e2e/fixtures/portal"
  echo "web-sample: web/sample/ has no data files; using $src" >&2
fi
rm -rf "$out"
mkdir -p "$out"
names=()
for f in "$src"/*; do
  is_data "$f" || continue
  cp "$f" "$out/"
  names+=("$(basename "$f")")
done
python3 - "$out/manifest.json" "${names[@]}" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    json.dump(sorted(sys.argv[2:]), f, indent=1)
    f.write("\n")
PY
echo "web-sample: ${#names[@]} sample files" >&2
