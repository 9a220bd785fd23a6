#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and exits non-zero when one crashes.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Builds the targets with cargo-fuzz on stable Rust (RUSTC_BOOTSTRAP=1: libFuzzer needs
# -Zsanitizer, which stable rustc accepts only so), builds the corpora when missing
# (fuzz/make_corpus.py), and keeps what each run learns in fuzz/corpus/TARGET. A crash leaves
# its input in fuzz/artifacts/TARGET/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...
# FUZZ_JOBS=N runs N targets at once (default 1). FUZZ_SEEDS_ONLY=1 starts each run from the
# committed seeds alone (in a scratch folder), not the grown corpus: what scripts/test.sh does,
# so that replaying a large corpus does not eat its time budget. Each run's last libFuzzer stats line
# (executions, cov, ft) is printed at the end and kept in fuzz/stats/TARGET.txt.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
seconds="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1
export PATH="$HOME/.cargo/bin:$PATH"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is not installed (scripts/setup.sh installs it)" >&2
  exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
# -O: optimised with debug assertions, as libFuzzer is usually run.
cargo fuzz build -O || exit 2
if [ -z "${FUZZ_SEEDS_ONLY:-}" ] && [ ! -d corpus ]; then
  python3 make_corpus.py >&2 || exit 2
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p stats

run_one() {
  local t="$1" log="stats/$1.log"
  local max_len=65536
  case "$t" in evtx|detect) max_len=$((4096 + 65536 + 1)) ;; report_document|json_hunting_api) max_len=262144 ;; esac
  local corpus="corpus/$t"
  if [ -n "${FUZZ_SEEDS_ONLY:-}" ]; then
    corpus="$scratch/$t"
    mkdir -p "$corpus"
    cp seeds/"$t"/* "$corpus"/ 2>/dev/null
  fi
  mkdir -p "$corpus"
  local dict=()
  case "$t" in
    json_*|detect|chains_document) dict=(-dict=dicts/json.dict) ;;
    csv_*) dict=(-dict=dicts/csv.dict) ;;
  esac
  # -timeout counts wall-clock time: at nice 19 on a busy machine an input that runs in 1 s
  # was once cut off after 28 s; 120 s still catches a hang.
  cargo fuzz run -O "$t" "$corpus" -- -max_total_time="$seconds" -max_len="$max_len" \
    -rss_limit_mb=2048 -timeout=120 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1
  local rc=$?
  local execs cov ft
  execs="$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')"
  cov="$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')"
  ft="$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')"
  printf '%-22s %s  executions %-10s cov %-6s ft %-6s seconds %s\n' "$t" \
    "$([ $rc -eq 0 ] && echo ok || echo CRASH)" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$seconds" | tee "stats/$t.txt"
  return $rc
}

failed=0
jobs="${FUZZ_JOBS:-1}"
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
if [ $failed -ne 0 ]; then
  echo "fuzz: a target crashed; inputs in fuzz/artifacts/, logs in fuzz/stats/" >&2
  ls artifacts/*/ 2>/dev/null >&2
  exit 1
fi
