"""Differential test of the device timeline reader.

For each seed, gen.py builds a small edge-case data set of the four Advanced
Hunting tables (on a millisecond grid: the timeline writes milliseconds);
timeline.py writes it as one device timeline CSV per device.  ``copyexec rows
--timezone Z`` on the timelines and the verbatim query run by duckdb-kql on
the tables (IsLocalAdmin blank, which the timeline does not carry) must give
the same multiset of rows for every tolerance the data set aims at.

Environment: COPYEXEC_BIN as for test_differential.py;
COPYEXEC_TIMELINE_SEEDS (default 120).
"""

from __future__ import annotations

import collections
import csv
import io
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import gen
import reference
import timeline
from test_differential import ARTIFACTS, BIN, KEEP, WORKERS, _schema, diff_report, needs_schema, run_copyexec

SEEDS = int(os.environ.get("COPYEXEC_TIMELINE_SEEDS", "120"))


def test_split_and_join_round_trip():
    for path, name in [("C:\\Windows\\x.exe", "x.exe"), ("C:\\\\x.exe", "x.exe"), ("C:/a/x.exe", "x.exe"),
                       ("", "x.exe"), ("C:\\x", ""), ("a\\b\\c", "c")]:
        folder = timeline.split(path, name)
        assert folder is not None and timeline.join(folder, name) == path, (path, name, folder)
    for path, name in [("x.exe", "x.exe"), ("C:\\Windows\\y.exe", "x.exe"), ("\\x.exe", "x.exe")]:
        folder = timeline.split(path, name)
        assert folder is None or timeline.join(folder, name) == path, (path, name, folder)


def check_seed(seed: int) -> str | None:
    schema = _schema()
    work = ARTIFACTS / f"timeline-seed-{seed:04d}"
    shutil.rmtree(work, ignore_errors=True)
    tables, tolerances = gen.generate_with_tolerances(seed, schema, gen.MS)
    ah, zone, described = timeline.convert(tables, schema, work / "input", seed)
    gen.write_truth(ah, schema, work / "truth")
    expected = reference.reference_rows(work / "truth", tolerances, schema)
    problems, stderr = [], ""
    for tol in tolerances:
        rows, note = run_copyexec_zone(work / "input", tol, zone)
        if rows is None:
            problems.append(f"--tolerance {tol}: copyexec failed: {note}")
            continue
        want, got = collections.Counter(expected[tol]), collections.Counter(rows)
        if want != got:
            problems.append(f"--tolerance {tol}: {sum(want.values())} rows expected, {sum(got.values())} printed\n"
                            + diff_report(want, got))
            stderr = stderr or note
    if stderr.strip():
        problems.append("copyexec's stderr:\n" + stderr.rstrip())
    if not problems:
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)
        return None
    report = (f"timeline seed {seed}, --timezone {zone}, data set kept in {work}\n  "
              + "\n  ".join(described) + "\n"
              f"  copyexec:  {BIN} rows --timezone {zone} --tolerance T {work / 'input'}\n"
              f"  reference: .venv/bin/python {Path(__file__).parent / 'reference.py'} --tolerance T {work / 'truth'}\n"
              + "\n".join(problems))
    (work / "README.txt").write_text(report + "\n", encoding="utf-8")
    return report


def run_copyexec_zone(input_dir: Path, tolerance: int, zone: str):
    """run_copyexec with --timezone (the timeline's Event Time has no zone)."""
    if zone == "UTC":
        return run_copyexec(input_dir, tolerance)
    cmd = [str(BIN), "rows", "--timezone", zone, "--tolerance", str(tolerance), str(input_dir)]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    if proc.returncode != 0:
        return None, f"exit code {proc.returncode}\nstderr:\n{proc.stderr.decode('utf-8', 'replace')}"
    rows = list(csv.reader(io.StringIO(proc.stdout.decode("utf-8"), newline=""), strict=True))
    if not rows or rows[0] != list(reference.OUTPUT_COLUMNS):
        return None, f"unexpected header {rows[:1]!r}"
    return [tuple(r) for r in rows[1:]], proc.stderr.decode("utf-8", "replace")


@needs_schema
def test_timeline_differential():
    if not BIN.exists():
        pytest.fail(f"copyexec binary not found at {BIN}: build it with "
                    f"`cargo build --release -p copyexec-cli` or set COPYEXEC_BIN")
    for tol in gen.EDGE_TOLERANCES + gen.EXTRA_TOLERANCES:
        reference.translated(tol)
    with ProcessPoolExecutor(WORKERS) as pool:
        reports = [r for r in pool.map(check_seed, range(SEEDS), chunksize=4) if r]
    assert not reports, f"{len(reports)} of {SEEDS} timeline data sets differ\n\n" + "\n\n".join(reports[:5])


@needs_schema
def test_timeline_data_sets_exercise_the_reader():
    """The converted data sets are not vacuous: across the seeds they hold query rows, both
    path forms, both column versions, technique rows and several devices per data set."""
    schema = _schema()
    seen = collections.Counter()
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(40):
            tables, tolerances = gen.generate_with_tolerances(seed, schema, gen.MS)
            ah, _, described = timeline.convert(tables, schema, Path(tmp) / str(seed), seed)
            for d in described:
                for k in ("66 columns", "65 columns", "folder-only paths", "full paths", "bom True", "bom False"):
                    seen[k] += k in d
            seen["devices>1"] += len(described) > 1
            for f in (Path(tmp) / str(seed)).iterdir():
                seen["techniques"] += b",Techniques" in f.read_bytes()
            gen.write_truth(ah, schema, Path(tmp) / f"{seed}-truth")
            rows += sum(len(v) for v in reference.reference_rows(Path(tmp) / f"{seed}-truth", [5], schema).values())
    assert rows > 20, rows
    for k in ("66 columns", "65 columns", "folder-only paths", "full paths", "bom True", "bom False", "devices>1",
              "techniques"):
        assert seen[k] > 0, (k, seen)
