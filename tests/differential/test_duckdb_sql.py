"""The browser benchmark's DuckDB peer asks the right question: tests/e2e/duckdb/hunt.sql (the
hunting query hand-written as DuckDB SQL over the CSV files) returns the same multiset of
projected rows as the seed's KQL text run by duckdb-kql, with native DuckDB (the engine that
DuckDB-WASM compiles).

* Generated edge-case data sets (gen.py small, old-portal CSV: any column order, CRLF or LF,
  quoted fields with separators and line breaks, 100 ns ticks, window bounds to the tick, look-
  alike letters, nulls), at every tolerance each set aims at; the reference reads the exact
  values (truth/), the SQL reads the CSV files as the browser page does.
* The benchmark's own export shapes, small: gen_bench.py's (fewer columns, ms timestamps) and,
  when the binary is built, copyexec-fleet's; the reference reads them with reference.load_old_csv.

web/sample/ is not used: two of its four files are JSON, which hunt.sql does not read.

Environment: COPYEXEC_DUCKDB_SQL_SEEDS (default 8), COPYEXEC_FLEET (default
target/release/copyexec-fleet).
"""

from __future__ import annotations

import collections
import csv
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb
import duckdb_kql
import pytest

import gen
import reference

REPO_ROOT = Path(__file__).resolve().parents[2]
HUNT_SQL = REPO_ROOT / "tests" / "e2e" / "duckdb" / "hunt.sql"
GEN_BENCH = REPO_ROOT / "tests" / "e2e" / "gen_bench.py"
FLEET = Path(os.environ.get("COPYEXEC_FLEET", REPO_ROOT / "target" / "release" / "copyexec-fleet"))
SEEDS = int(os.environ.get("COPYEXEC_DUCKDB_SQL_SEEDS", "8"))
WORKERS = max(1, min(4, os.cpu_count() or 1))



def duckdb_kql_connect():
    return duckdb_kql.connect(config={"threads": 1})


needs_schema = pytest.mark.skipif(not gen.SCHEMA_PATH.exists(),
                                  reason=f"shared data sets not found ({gen.SCHEMA_PATH})")


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def hunt_sql(files_by_table: dict[str, list[Path]], tolerance: int) -> str:
    """hunt.sql with its placeholders filled in, as tests/e2e/duckdb/hunt.mjs fills them."""
    text = HUNT_SQL.read_text(encoding="utf-8")
    for t in gen.TABLES:
        text = text.replace("{{" + t + "}}", "[" + ", ".join(_lit(p) for p in files_by_table[t]) + "]")
    return text.replace("{{ToleranceInSeconds}}", str(int(tolerance)))


def sql_rows(con, files_by_table, tolerance) -> list[tuple[str, ...]]:
    """hunt.sql's rows, rendered as reference.run_query renders duckdb-kql's."""
    cols = ", ".join('epoch_ns("Timestamp")' if c == "Timestamp" else reference._q(c)
                     for c in reference.OUTPUT_COLUMNS)
    out = []
    for row in con.execute(f"SELECT {cols} FROM ({hunt_sql(files_by_table, tolerance)})").fetchall():
        ts = "" if row[0] is None else reference.render_ns(row[0])
        out.append((ts,) + tuple(reference.render(v) for v in row[1:]))
    return out


def files_by_header(files: list[Path], schema) -> dict[str, list[Path]]:
    """Which table each export file holds: the one whose columns its header carries."""
    out = {t: [] for t in gen.TABLES}
    for f in files:
        with open(f, encoding="utf-8", newline="") as fh:
            header = set(next(csv.reader(fh)))
        tables = [t for t in gen.TABLES if {n for n, _ in schema[t]} <= header]
        assert len(tables) == 1, f"{f}: header matches {tables}"
        out[tables[0]].append(f)
    return out


def files_by_name(folder: Path) -> dict[str, list[Path]]:
    return {t: sorted(folder.glob(f"{t}*.csv")) for t in gen.TABLES}


def diff(want: collections.Counter, got: collections.Counter, limit: int = 10) -> str:
    lines = []
    for title, side in (("only from hunt.sql", got - want), ("only from duckdb-kql", want - got)):
        for row, n in list(side.items())[:limit]:
            lines.append(f" {title}: {dict(zip(reference.OUTPUT_COLUMNS, row))}" + (f" x{n}" if n > 1 else ""))
    return "\n".join(lines)


def test_placeholders_are_all_filled():
    text = hunt_sql({t: [Path(f"{t}.csv")] for t in gen.TABLES}, 5)
    assert "{{" not in text and "}}" not in text


def check_seed(seed: int, root: str) -> tuple[str | None, int]:
    """One generated data set through both: (a report on mismatch or None, rows compared)."""
    schema = gen.load_schema()
    work = Path(root) / str(seed)
    tables, tolerances = gen.generate_with_tolerances(seed, schema, gen.TICK)
    files = gen.write_dataset(tables, schema, "old-csv", work / "input", seed)
    gen.write_truth(tables, schema, work / "truth")
    expected = reference.reference_rows(work / "truth", tolerances, schema)
    by_table = files_by_header(files, schema)
    con = duckdb.connect(config={"threads": 1})
    rows = 0
    try:
        for tol in tolerances:
            want = collections.Counter(expected[tol])
            got = collections.Counter(sql_rows(con, by_table, tol))
            if got != want:
                return (f"seed {seed}, tolerance {tol}: duckdb-kql {sum(want.values())} rows, "
                        f"hunt.sql {sum(got.values())} (data set in {work})\n{diff(want, got)}"), rows
            rows += sum(want.values())
    finally:
        con.close()
    return None, rows


@needs_schema
def test_hunt_sql_equals_kql_on_generated_sets(tmp_path):
    """Old-portal CSV data sets aimed at every edge of the query, every tolerance they aim at."""
    with ProcessPoolExecutor(WORKERS) as pool:
        results = list(pool.map(check_seed, range(SEEDS), [str(tmp_path)] * SEEDS))
    problems = [r for r, _ in results if r]
    assert not problems, "\n\n".join(problems)
    # The comparison means something only if the query finds rows.
    total = sum(n for _, n in results)
    assert total > 10 * SEEDS, f"only {total} rows over {SEEDS} data sets"


def _compare_csv_set(folder: Path, tolerances=(0, 5, 30)) -> int:
    """hunt.sql = the KQL on a folder of exports named by table; the rows compared."""
    by_table = files_by_name(folder)
    assert all(by_table.values()), f"{folder}: a table has no file"
    ref = duckdb_kql_connect()
    con = duckdb.connect(config={"threads": 1})
    rows = 0
    try:
        reference.load_old_csv(ref, by_table, gen.load_schema())
        for tol in tolerances:
            want = collections.Counter(reference.run_query(ref, tol))
            got = collections.Counter(sql_rows(con, by_table, tol))
            assert got == want, f"{folder}, tolerance {tol}:\n{diff(want, got)}"
            rows += sum(want.values())
    finally:
        con.close()
        ref.close()
    return rows


@needs_schema
def test_hunt_sql_on_the_benchmark_export_shape(tmp_path):
    """gen_bench.py's exports (the 210 MB benchmark set's columns and timestamps), 1 MB of them."""
    subprocess.run([sys.executable, str(GEN_BENCH), str(tmp_path), "1"], check=True, capture_output=True)
    assert _compare_csv_set(tmp_path) > 0


@needs_schema
@pytest.mark.skipif(not FLEET.exists(), reason=f"{FLEET} not built (cargo build --release -p copyexec-bench)")
def test_hunt_sql_on_the_fleet_export_shape(tmp_path):
    """copyexec-fleet's exports (the chain-heavy benchmark set), 40 workstations."""
    subprocess.run([str(FLEET), str(tmp_path), "40"], check=True, capture_output=True)
    assert _compare_csv_set(tmp_path) > 200
