"""Benchmark: copyexec against duckdb-kql and against the CSV tokenizing floor.

Usage: .venv/bin/python bench/bench.py [--events N] [--peak-gb GB]

Generates (or reuses, cached under bench-data/ at the repository root) a bulk
data set of >= N events (default 1,000,000) as old-portal CSV, one file per
table, then measures in the same run:

  (a) ``copyexec rows`` on it: median wall time of 3 runs, peak RSS of the child;
  (b) duckdb-kql end to end: a child Python process loads the CSVs into DuckDB
      and runs the verbatim query (one run), peak RSS of that child;
  (c) the floor, ``copyexec-floor``: the csv crate tokenizing every record and
      nothing else (median of 3).

Prints MB/s (10^6 bytes of input per second), events/s and peak memory for
each, the speed-up of copyexec over duckdb-kql, copyexec's throughput as a
fraction of the floor's, and checks that (a) and (b) return the same rows.
All at the query's default tolerance of 5 s unless --tolerance says otherwise.

``--peak-gb 8`` (opt-in: it generates and caches that many GB, which takes a while) adds the
large-input check: ``copyexec rows`` and ``copyexec chains --no-evidence``, each on every CPU
and on one thread, on a bulk data set of at least that size; it prints the wall time and peak
RSS of each, and every peak must stay under 1 GB (10^9 bytes, issue 12) or the run fails.
"""

from __future__ import annotations

import argparse
import shutil
import collections
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DIFFERENTIAL = REPO_ROOT / "tests" / "differential"
GEN = DIFFERENTIAL / "gen.py"
DATA_ROOT = REPO_ROOT / "bench-data"


# ---------------------------------------------------------------------------
# Measuring a child process
# ---------------------------------------------------------------------------

def measure(cmd: list[str], stdout_path: Path | None = None) -> tuple[float, int, str]:
    """Run cmd; (wall seconds, peak RSS in bytes, stderr).  os.wait4 gives the
    child's own rusage, so the peak is the child's and not this script's, with
    one caveat: Linux carries the launcher's peak RSS over the exec into the
    child's ru_maxrss (see LAUNCHER_NOTE), so this script stays small."""
    with open(stdout_path or os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting again
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n{stderr}")
    return wall, usage.ru_maxrss * 1024, stderr  # Linux reports ru_maxrss in KiB


#: A child's ru_maxrss is at least the launcher's peak RSS at spawn time
#: (the kernel records the pre-exec address space's high-water mark), so a
#: value at that level only says "at most this much".
LAUNCHER_NOTE = "<= (at or below this script's own RSS, which the kernel counts into the child's peak)"


def self_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def median_of(n: int, cmd: list[str], stdout_path: Path | None = None) -> tuple[float, int, list[float]]:
    runs = [measure(cmd, stdout_path) for _ in range(n)]
    walls = [w for w, _, _ in runs]
    return statistics.median(walls), max(r for _, r, _ in runs), walls


def read_rows(path: Path) -> collections.Counter:
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows, None)  # header
        return collections.Counter(tuple(r) for r in rows)


# ---------------------------------------------------------------------------
# Data set
# ---------------------------------------------------------------------------

def ensure_data(events: int, seed: int) -> tuple[Path, dict]:
    """The cached bulk data set; generated when missing or incomplete.  The
    generator runs in its own process so this one stays small (see measure)."""
    folder = DATA_ROOT / f"events-{events}-seed-{seed}-v{bulk_version()}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if all((folder / f).exists() for f in manifest["files"]):
            print(f"data: reusing {folder}")
            return folder, manifest
    print(f"data: generating {events:,} events in {folder} ...", flush=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(GEN), "bulk", "--events", str(events), "--seed", str(seed), str(folder)],
                   check=True, stdout=subprocess.DEVNULL)
    manifest = json.loads(manifest_path.read_text())
    print(f"data: {manifest['events']:,} events, {manifest['bytes'] / 1e6:,.0f} MB "
          f"in {time.perf_counter() - start:.0f} s")
    return folder, manifest


def bulk_version() -> str:
    """gen.BULK_VERSION, read from the source (this process does not import gen:
    see measure), so a changed generator does not reuse an old cached data set."""
    m = re.search(r"^BULK_VERSION = (\d+)", GEN.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else "0"


# ---------------------------------------------------------------------------
# duckdb-kql child
# ---------------------------------------------------------------------------

def duckdb_child(folder: Path, tolerance: int, rows_out: Path) -> None:
    """Runs in a separate process: load the CSVs, run the query, write the rows
    in copyexec's text form, print timings as JSON."""
    sys.path.insert(0, str(DIFFERENTIAL))
    import duckdb_kql
    import gen
    import reference

    schema = gen.load_schema()
    manifest = json.loads((folder / "manifest.json").read_text())
    t0 = time.perf_counter()
    con = duckdb_kql.connect()
    files = {t: [folder / f"{t}.csv"] for t in gen.TABLES if f"{t}.csv" in manifest["files"]}
    reference.load_old_csv(con, files, schema)
    t1 = time.perf_counter()
    rel = duckdb_kql.query(con, reference.query_text(tolerance))  # translate + plan, as a user would
    cols = ", ".join('epoch_ns("Timestamp")' if c == "Timestamp" else f'"{c}"' for c in reference.OUTPUT_COLUMNS)
    result = rel.project(cols).fetchall()
    t2 = time.perf_counter()
    with open(rows_out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(reference.OUTPUT_COLUMNS)
        for row in result:
            w.writerow((reference.render_ns(row[0]),) + tuple(reference.render(v) for v in row[1:]))
    print(json.dumps({"load_s": t1 - t0, "query_s": t2 - t1, "rows": len(result)}))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events in the data set (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tolerance", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3, help="runs of copyexec and of the floor (median)")
    ap.add_argument("--no-build", action="store_true", help="use the binaries in target/release as they are")
    ap.add_argument("--evtx-copies", type=int, default=200,
                    help="copies of the EVTX recordings in the EVTX part (default 200; 0 skips it)")
    ap.add_argument("--fleet", type=int, default=2000,
                    help="workstations of the fleet part (groups, spread, report at scale; 0 skips it)")
    ap.add_argument("--peak-gb", type=float, default=0,
                    help="also measure copyexec's peak memory on an input of at least this many GB "
                         "(must stay under 1 GB; opt-in, the data set is generated and cached)")
    ap.add_argument("--duckdb-child", nargs=2, metavar=("DIR", "ROWS_OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.duckdb_child:
        duckdb_child(Path(args.duckdb_child[0]), args.tolerance, Path(args.duckdb_child[1]))
        return 0

    copyexec = Path(os.environ.get("COPYEXEC_BIN", REPO_ROOT / "target" / "release" / "copyexec"))
    floor = REPO_ROOT / "target" / "release" / "copyexec-floor"
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "copyexec-cli", "-p", "copyexec-bench"],
                       cwd=REPO_ROOT, check=True)

    folder, manifest = ensure_data(args.events, args.seed)
    csvs = [str(folder / f) for f in manifest["files"]]
    mb, events = manifest["bytes"] / 1e6, manifest["events"]
    print(f"input: {events:,} events ({', '.join(f'{t} {n:,}' for t, n in manifest['rows'].items())}), "
          f"{mb:,.1f} MB, {manifest['bytes'] / events:.0f} bytes/event; tolerance {args.tolerance} s; "
          f"{os.cpu_count()} CPUs\n", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Children first, result parsing last: a child's peak RSS can read no
        # lower than this script's own (see LAUNCHER_NOTE), so keep it small.
        # (c) the floor
        fl_wall, fl_rss, fl_walls = median_of(args.runs, [str(floor), *csvs])
        print(f"floor runs: {', '.join(f'{w:.2f}' for w in fl_walls)} s", flush=True)

        # (a) copyexec
        ce_out = tmp / "copyexec.csv"
        ce_wall, ce_rss, ce_walls = median_of(
            args.runs, [str(copyexec), "rows", "--tolerance", str(args.tolerance), *csvs], ce_out)
        print(f"copyexec runs: {', '.join(f'{w:.2f}' for w in ce_walls)} s", flush=True)
        # The floor is single-threaded: copyexec on one thread is the like-for-like figure.
        c1_wall, c1_rss, c1_walls = median_of(
            args.runs, [str(copyexec), "rows", "--threads", "1", "--tolerance", str(args.tolerance), *csvs])
        print(f"copyexec --threads 1 runs: {', '.join(f'{w:.2f}' for w in c1_walls)} s", flush=True)

        # (b) duckdb-kql, in a child Python process so wait4 measures it alone
        dk_out = tmp / "duckdb.csv"
        timing_path = tmp / "timing.json"
        dk_wall, dk_rss, _ = measure([sys.executable, __file__, "--tolerance", str(args.tolerance),
                                      "--duckdb-child", str(folder), str(dk_out)], timing_path)
        timing = json.loads(timing_path.read_text())
        print(f"duckdb-kql: load {timing['load_s']:.2f} s, query {timing['query_s']:.2f} s\n", flush=True)

        launcher = self_rss()
        ce_rows, dk_rows = read_rows(ce_out), read_rows(dk_out)

    print(f"{'':18s} {'wall s':>8s} {'MB/s':>8s} {'events/s':>12s} {'peak RSS MB':>12s}")
    rows_ = (("copyexec", ce_wall, ce_rss), ("copyexec, 1 thread", c1_wall, c1_rss),
             ("duckdb-kql", dk_wall, dk_rss), ("floor", fl_wall, fl_rss))
    for name, wall, rss in rows_:
        bound = rss <= launcher * 1.05
        print(f"{name:18s} {wall:8.2f} {mb / wall:8.1f} {events / wall:12,.0f} "
              f"{('<=' if bound else '') + f'{rss / 1e6:.1f}':>12s}" + (" *" if bound else ""))
    if any(r <= launcher * 1.05 for r in (ce_rss, c1_rss, dk_rss, fl_rss)):
        print(f"* {LAUNCHER_NOTE}: {launcher / 1e6:.1f} MB")
    print(f"\ncopyexec speed-up over duckdb-kql: {dk_wall / ce_wall:.1f}x")
    print(f"copyexec speed-up over duckdb-kql on one thread: {dk_wall / c1_wall:.1f}x")
    print(f"copyexec throughput as a fraction of the floor (both one thread): {fl_wall / c1_wall:.0%}; "
          f"with {os.cpu_count()} threads: {fl_wall / ce_wall:.0%}")
    n_ce, n_dk = sum(ce_rows.values()), sum(dk_rows.values())
    print(f"rows: copyexec {n_ce:,}, duckdb-kql {n_dk:,}: "
          f"{'equal' if n_ce == n_dk else 'DIFFERENT'} counts, "
          f"{'identical' if ce_rows == dk_rows else 'DIFFERENT'} multisets")
    if ce_rows != dk_rows:
        for title, side in (("only in copyexec", ce_rows - dk_rows), ("only in duckdb-kql", dk_rows - ce_rows)):
            for row in list(side)[:5]:
                print(f"  {title}: {row}")
        return 1
    if args.fleet:
        fleet_part(copyexec, args.fleet, args.tolerance, args.runs)
    if args.evtx_copies:
        evtx_part(copyexec, args.evtx_copies, args.runs)
    if args.peak_gb:
        return large_part(copyexec, args.peak_gb, manifest, args.seed, args.tolerance)
    return 0


def fleet_part(copyexec: Path, workstations: int, tolerance: int, runs: int) -> None:
    """The story at fleet scale: a push to `workstations` hosts (5 chains each) hiding an
    intrusion. The query alone (`rows`), then `groups` and `spread` (query, chains and the
    story model), then the report; duckdb-kql runs the query on the same files as the peer."""
    fleet_bin = REPO_ROOT / "target" / "release" / "copyexec-fleet"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "fleet"
        subprocess.run([str(fleet_bin), str(folder), str(workstations)], check=True)
        csvs = sorted(str(p) for p in folder.iterdir())
        (folder / "manifest.json").write_text(json.dumps({"files": [Path(p).name for p in csvs]}))
        mb = sum(Path(p).stat().st_size for p in csvs) / 1e6
        print(f"\nfleet: {workstations:,} workstations, {mb:.1f} MB", flush=True)
        timings = {}
        for name, cmd in (
            ("rows (query)", ["rows", "--threads", "1"]),
            ("chains --no-evidence", ["chains", "--format", "json", "--no-evidence", "--threads", "1"]),
            ("groups", ["groups", "--format", "json", "--threads", "1"]),
            ("spread", ["spread", "--format", "json", "--threads", "1"]),
        ):
            out = tmp / ("rows.csv" if name.startswith("rows") else "out")
            wall, rss, walls = median_of(runs, [str(copyexec), *cmd, "-q", "--tolerance", str(tolerance), *csvs], out)
            timings[name] = (wall, rss)
            print(f"  {name:22s} {wall:6.3f} s  (runs {', '.join(f'{w:.3f}' for w in walls)})  peak RSS {rss / 1e6:6.1f} MB",
                  flush=True)
        spread = json.loads((tmp / "out").read_text())
        print(f"  spread: {len(spread['hosts']):,} hosts, {len(spread['moves']):,} moves, "
              f"{spread['totals']['chains']:,} chains, {len(spread['origins'])} origins")
        report = tmp / "report.html"
        wall, rss = measure([str(copyexec), "report", "-q", "--threads", "1", "-o", str(report), *csvs])[:2]
        print(f"  report                 {wall:6.3f} s  peak RSS {rss / 1e6:6.1f} MB  size {report.stat().st_size / 1e6:.1f} MB"
              f"  (load time in Chromium: tests/e2e/report.test.mjs)")
        dk_out = tmp / "duckdb.csv"
        timing_path = tmp / "timing.json"
        dk_wall, dk_rss, _ = measure([sys.executable, __file__, "--tolerance", str(tolerance),
                                      "--duckdb-child", str(folder), str(dk_out)], timing_path)
        print(f"  duckdb-kql (query)     {dk_wall:6.3f} s  peak RSS {dk_rss / 1e6:6.1f} MB")
        ce_rows, dk_rows = read_rows(tmp / "rows.csv"), read_rows(dk_out)
        print(f"  rows: copyexec {sum(ce_rows.values()):,}, duckdb-kql {sum(dk_rows.values()):,}: "
              f"{'identical' if ce_rows == dk_rows else 'DIFFERENT'} multisets")
        inproc = subprocess.run([str(REPO_ROOT / "target" / "release" / "copyexec-story-bench"), str(workstations), "5"],
                                check=True, capture_output=True, text=True).stdout.strip()
        print("  in process: " + inproc.replace("\n", "; "))
        story = timings["spread"][0] - timings["rows (query)"][0]
        print(f"  groups and spread beyond the query: {max(story, 0.0):.3f} s; "
              f"copyexec spread (query + chains + story) is {dk_wall / timings['spread'][0]:.1f}x faster than "
              f"duckdb-kql's query alone")
#: Peak memory allowed on a large input (issue 12: an 8 GB input under 1 GB), in bytes.
PEAK_LIMIT = 10**9

#: The commands measured on the large input: the query alone, and the chains (query, chains
#: and story, written as the chains document) without re-reading evidence; each on every CPU
#: and on one thread (one thread holds one file's events in flight, every CPU one per thread).
LARGE_COMMANDS = (
    ("rows", ["rows"]),
    ("rows, 1 thread", ["rows", "--threads", "1"]),
    ("chains --no-evidence", ["chains", "--format", "json", "--no-evidence"]),
    ("chains --no-evidence, 1 thread", ["chains", "--format", "json", "--no-evidence", "--threads", "1"]),
)


def large_part(copyexec: Path, gb: float, small: dict, seed: int, tolerance: int) -> int:
    """copyexec rows and chains on a bulk data set of at least `gb` GB: wall time and peak
    RSS of each (one run each), all of which must stay under PEAK_LIMIT."""
    per_event = small["bytes"] / small["events"]
    events = int(gb * 1e9 / per_event) + 1
    folder, manifest = ensure_data(events, seed)
    csvs = [str(folder / f) for f in manifest["files"]]
    mb = manifest["bytes"] / 1e6
    print(f"\nlarge input: {manifest['events']:,} events, {mb:,.0f} MB; peak RSS limit "
          f"{PEAK_LIMIT / 1e6:,.0f} MB", flush=True)
    results = []
    for name, cmd in LARGE_COMMANDS:
        wall, rss, _ = measure([str(copyexec), *cmd, "-q", "--tolerance", str(tolerance), *csvs])
        results.append((name, wall, rss))
        print(f"  {name:32s} {wall:7.1f} s {mb / wall:6.0f} MB/s  peak RSS {rss / 1e6:7,.0f} MB", flush=True)
    # A peak at the level of this script's own cannot be told from it (see LAUNCHER_NOTE):
    # then it is only an upper bound, which still decides the verdict.
    launcher = self_rss()
    if any(rss <= launcher * 1.05 for _, _, rss in results):
        print(f"  (a peak at or below {launcher / 1e6:.0f} MB is only an upper bound: {LAUNCHER_NOTE})")
    over = [name for name, _, rss in results if rss >= PEAK_LIMIT]
    print(f"  {'all under' if not over else 'OVER'} the {PEAK_LIMIT / 1e6:,.0f} MB limit"
          + (f": {', '.join(over)}" if over else ""))
    return 1 if over else 0


# Recordings without chains: copies of a recording with a chain would multiply its rows
# (every copy's connection joins every copy's logon, write and start on the same device).
EVTX_SOURCES = [
    "evtx-attack-samples/LM_5145_Remote_FileCopy.evtx",
    "evtx-attack-samples/smbmap_upload_exec_sysmon.evtx",
]


def evtx_part(copyexec: Path, copies: int, runs: int) -> None:
    """Windows event logs: copyexec on many EVTX files beside the evtx crate's own
    single-threaded parse of the same files (the floor for this input kind)."""
    shared = REPO_ROOT.parent / "shared" / "datasets"
    sources = [shared / s for s in EVTX_SOURCES if (shared / s).exists()]
    if not sources:
        print("\nEVTX: skipped (../shared/datasets not present)")
        return
    folder = REPO_ROOT / "bench-data" / f"evtx-v2-{copies}"
    if not folder.exists():
        folder.mkdir(parents=True)
        for i in range(copies):
            src = sources[i % len(sources)]
            os.link(src, folder / f"{i:04d}.evtx") if src.stat().st_dev == folder.stat().st_dev \
                else shutil.copy(src, folder / f"{i:04d}.evtx")
    files = sorted(str(p) for p in folder.glob("*.evtx"))
    total = sum(os.path.getsize(f) for f in files)
    floor = REPO_ROOT / "target" / "release" / "copyexec-evtx-floor"
    fl_wall, _, _ = median_of(runs, [str(floor), *files])
    probe = subprocess.run([str(floor), *files], capture_output=True, text=True, check=True).stdout
    records = int(probe.split("records=")[1])
    ce_wall, ce_rss, _ = median_of(runs, [str(copyexec), "rows", "-q", "--threads", "1", *files])
    mb = total / 1e6
    print(f"\nEVTX: {len(files)} files ({', '.join(Path(s).name for s in EVTX_SOURCES)} repeated), "
          f"{mb:.1f} MB, {records:,} records")
    print(f"{'':18s} {'wall s':>8s} {'MB/s':>8s} {'events/s':>12s}")
    for name, wall in (("copyexec, 1 thread", ce_wall), ("evtx crate", fl_wall)):
        print(f"{name:18s} {wall:8.2f} {mb / wall:8.1f} {records / wall:12,.0f}")
    print(f"copyexec EVTX throughput as a fraction of the evtx crate's own parse: {fl_wall / ce_wall:.0%}"
          f" (peak RSS {ce_rss / 1e6:.0f} MB)")


if __name__ == "__main__":
    sys.exit(main())
