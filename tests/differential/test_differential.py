"""Differential test: copyexec against Microsoft's query run by duckdb-kql.

For each seed, gen.py builds a small edge-case data set and writes it in one
of the export formats (seed % len(FORMATS) rotates through all of them, gzip
and zip included).  ``copyexec rows --tolerance T DIR`` and the verbatim query
(tolerance substituted) must return the same multiset of rows for every
tolerance the data set aims at.

On a mismatch the data set's folder is kept under tests/artifacts/differential/
with a README.txt holding the diff and the commands that reproduce it.

Environment:
    COPYEXEC_BIN         the binary (default target/release/copyexec)
    COPYEXEC_DIFF_SEEDS  how many seeds (default 200)
    COPYEXEC_DIFF_KEEP   set to 1 to keep every data set, not only failing ones
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
import functools
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import gen
import reference

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("COPYEXEC_BIN", REPO_ROOT / "target" / "release" / "copyexec"))
SEEDS = int(os.environ.get("COPYEXEC_DIFF_SEEDS", "200"))
KEEP = os.environ.get("COPYEXEC_DIFF_KEEP") == "1"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "differential"
SEED_CATALOG = REPO_ROOT.parent / "shared" / "seeds" / "001_fcb54bfb2d2d805d.txt"
HEADER = list(reference.OUTPUT_COLUMNS)
WORKERS = max(1, min(4, os.cpu_count() or 1))  # the target machine has 2 cores

needs_schema = pytest.mark.skipif(not gen.SCHEMA_PATH.exists(),
                                  reason=f"shared data sets not found ({gen.SCHEMA_PATH})")


# ---------------------------------------------------------------------------
# The query text itself
# ---------------------------------------------------------------------------

@pytest.mark.skipif(not SEED_CATALOG.exists(), reason=f"seed catalog not found ({SEED_CATALOG})")
def test_seed_query_is_the_catalog_query():
    """crates/core/src/seed_query.kql is, byte for byte up to trailing blank
    lines, the ```kql block of the catalog entry (all its copies agree)."""
    blocks = re.findall(r"```kql\n(.*?)```", SEED_CATALOG.read_text(encoding="utf-8"), re.S)
    assert blocks, "no ```kql block in the catalog entry"
    assert len({b.rstrip() for b in blocks}) == 1, "the catalog's copies of the query differ"
    ours = reference.QUERY_PATH.read_text(encoding="utf-8")
    assert ours.rstrip() == blocks[0].rstrip()


# ---------------------------------------------------------------------------
# The generator's own writers: read every format back in Python and compare
# with the truth, so a difference in the differential test is copyexec's.
# ---------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?Z\Z")
_PORTAL = re.compile(r"([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d\d):(\d\d)(?:\.(\d{3}))? (AM|PM)\Z")
_MONTHS = {m: i + 1 for i, m in enumerate(gen._MONTHS)}


def _parse_time(s):
    if s in (None, "", "Invalid date"):
        return None
    if m := _ISO.match(s):
        y, mo, d, h, mi, sec, frac = m.groups()
        return gen.ns_of(int(y), int(mo), int(d), int(h), int(mi), int(sec), int((frac or "").ljust(7, "0")) * 100)
    m = _PORTAL.match(s)
    assert m, f"unparsable datetime {s!r}"
    mon, d, y, h, mi, sec, ms, ampm = m.groups()
    h = int(h) % 12 + (12 if ampm == "PM" else 0)
    return gen.ns_of(int(y), _MONTHS[mon], int(d), h, int(mi), int(sec), int(ms or 0) * gen.MS)


def _typed(value, typ):
    if typ == "datetime":
        return _parse_time(value)
    if typ == "string":
        return value or ""
    if value in (None, ""):
        return None
    if typ == "bool":
        return value if isinstance(value, bool) else {"true": True, "false": False}[value]
    return int(value)


def _input_blobs(root: Path):
    """(name, bytes) of every file under root, inside .gz and .zip too."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        yield info.filename, zf.read(info)
        elif path.suffix == ".gz":
            yield path.name[:-3], gzip.decompress(data)
        else:
            yield path.name, data


def read_back(root: Path, schema) -> dict[str, collections.Counter]:
    """Rows per table (schema columns only) of every input file under root."""
    out = {t: collections.Counter() for t in gen.TABLES}

    def table_of(columns) -> str:
        # Exports may carry newer columns too: the table is the one whose schema they cover.
        columns = set(columns)
        tables = [t for t, cols in schema.items() if {n for n, _ in cols} <= columns]
        assert len(tables) == 1, f"columns match {tables}"
        return tables[0]

    def add(table, get):
        out[table][tuple(_typed(get(n), ty) for n, ty in schema[table])] += 1

    for _, data in _input_blobs(root):
        text = data.decode("utf-8-sig")
        if text.startswith("{") and '"Schema"' in text[:200] and '"category"' not in text[:300]:
            doc = json.loads(text)
            table = table_of(c["Name"] for c in doc["Schema"])
            for rec in doc["Results"]:
                add(table, rec.get)
        elif text.startswith("{"):
            # Records end at LF only: JSON escapes CR/LF inside strings, but raw
            # U+2028 or U+0085 may remain, which str.splitlines() would split on.
            for line in text.split("\n"):
                if line.strip():
                    rec = json.loads(line)
                    table = rec["category"].removeprefix("AdvancedHunting-")
                    if table in out:  # other tables' records are not part of the data set
                        add(table, rec["properties"].get)
        else:
            rows = csv.reader(io.StringIO(text, newline=""), strict=True)
            header = next(rows)
            table = table_of(header)
            for r in rows:
                assert len(r) == len(header)
                add(table, dict(zip(header, r, strict=True)).get)
    return out


@needs_schema
@pytest.mark.parametrize("fmt", gen.FORMATS)
def test_writers_round_trip(fmt, tmp_path):
    schema = gen.load_schema()
    for seed in range(5):
        tables = gen.generate(seed, schema, gen.quantum_for(fmt))
        gen.write_dataset(tables, schema, fmt, tmp_path / str(seed), seed)
        got = read_back(tmp_path / str(seed), schema)
        for t in gen.TABLES:
            want = collections.Counter(tuple(row[n] for n, _ in schema[t]) for row in tables[t])
            assert got[t] == want, f"{fmt} seed {seed}: {t} does not read back as written"


# ---------------------------------------------------------------------------
# The differential test
# ---------------------------------------------------------------------------

def run_copyexec(input_dir: Path, tolerance: int) -> tuple[list[tuple[str, ...]] | None, str]:
    """Rows printed by copyexec (None when the run failed) and a note for the report."""
    cmd = [str(BIN), "rows", "--tolerance", str(tolerance), str(input_dir)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, "timed out after 120 s"
    except OSError as e:  # e.g. the binary was replaced by a concurrent build
        return None, f"could not run {BIN}: {e}"
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        return None, f"exit code {proc.returncode}\nstderr:\n{stderr}"
    try:
        rows = list(csv.reader(io.StringIO(proc.stdout.decode("utf-8"), newline=""), strict=True))
    except (UnicodeDecodeError, csv.Error) as e:
        return None, f"output is not UTF-8 CSV: {e}\nstderr:\n{stderr}"
    if not rows or rows[0] != HEADER:
        return None, f"unexpected header {rows[:1]!r}\nstderr:\n{stderr}"
    return [tuple(r) for r in rows[1:]], stderr


def _fmt_row(row) -> str:
    return "  {" + ", ".join(f"{c}: {v!r}" for c, v in zip(HEADER, row, strict=True) if v != "") + "}"


def diff_report(want: collections.Counter, got: collections.Counter, limit: int = 15) -> str:
    lines = []
    for title, side in (("only in copyexec", got - want), ("only in duckdb-kql", want - got)):
        if side:
            lines.append(f" {title} ({sum(side.values())} rows):")
            for row, n in list(side.items())[:limit]:
                lines.append(_fmt_row(row) + (f"  x{n}" if n > 1 else ""))
            if len(side) > limit:
                lines.append(f"  ... {len(side) - limit} more")
    return "\n".join(lines)


@functools.cache
def _schema():
    return gen.load_schema()


def check_seed(seed: int) -> str | None:
    """Run one data set through both engines; a report on mismatch, else None."""
    schema = _schema()
    fmt = gen.FORMATS[seed % len(gen.FORMATS)]
    work = ARTIFACTS / f"seed-{seed:04d}-{fmt}"
    shutil.rmtree(work, ignore_errors=True)
    tables, tolerances = gen.generate_with_tolerances(seed, schema, gen.quantum_for(fmt))
    gen.write_dataset(tables, schema, fmt, work / "input", seed)
    gen.write_truth(tables, schema, work / "truth")
    expected = reference.reference_rows(work / "truth", tolerances, schema)

    problems, stderr = [], ""
    for tol in tolerances:
        rows, note = run_copyexec(work / "input", tol)
        if rows is None:
            problems.append(f"--tolerance {tol}: copyexec failed: {note}")
            continue
        want, got = collections.Counter(expected[tol]), collections.Counter(rows)
        if want != got:
            problems.append(f"--tolerance {tol}: {sum(want.values())} rows expected, {sum(got.values())} printed\n"
                            + diff_report(want, got))
            stderr = stderr or note  # the per-file summary is the same for every tolerance
    if stderr.strip():
        problems.append("copyexec's stderr:\n" + stderr.rstrip())
    if not problems:
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)
        return None
    here = Path(__file__).resolve().parent
    report = (f"seed {seed}, format {fmt}, data set kept in {work}\n"
              f"  copyexec:  {BIN} rows --tolerance T {work / 'input'}\n"
              f"  reference: .venv/bin/python {here / 'reference.py'} --tolerance T {work / 'truth'}\n"
              f"  (truth/*.jsonl holds the exact values, datetimes as epoch ns; regenerate with\n"
              f"   .venv/bin/python {here / 'gen.py'} small --seed {seed} --format {fmt} DIR)\n"
              + "\n".join(problems))
    (work / "README.txt").write_text(report + "\n", encoding="utf-8")
    return report


@needs_schema
def test_differential():
    if not BIN.exists():
        pytest.fail(f"copyexec binary not found at {BIN}: build it with "
                    f"`cargo build --release -p copyexec-cli` or set COPYEXEC_BIN")
    for tol in gen.EDGE_TOLERANCES + gen.EXTRA_TOLERANCES:
        reference.translated(tol)  # translated once here; forked workers inherit the cache
    # Worker processes, not threads: the reference spends its time in Python
    # and in DuckDB calls that hold the GIL.
    with ProcessPoolExecutor(WORKERS) as pool:
        reports = [r for r in pool.map(check_seed, range(SEEDS), chunksize=4) if r]
    assert not reports, f"{len(reports)} of {SEEDS} data sets differ\n\n" + "\n\n".join(reports[:10])
