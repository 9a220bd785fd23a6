"""The reference: Microsoft's hunting query, verbatim, run by duckdb-kql.

Tables are created with every schema column (the query's joins rename
columns, which needs the full schema) and these types:

* KQL ``string``   -> VARCHAR, never NULL ('' instead: Kusto strings are never
  null, and an empty DeviceId joins an empty DeviceId in Kusto),
* ``int``/``long`` -> BIGINT, ``bool`` -> BOOLEAN (both nullable),
* ``datetime``     -> TIMESTAMP_NS (nullable), so 100 ns ticks survive and
  ``between`` is inclusive at that resolution.

Results are rendered to copyexec's CSV text form so the two can be compared
as multisets of tuples.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from pathlib import Path

import duckdb_kql

from gen import TABLES, load_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
QUERY_PATH = REPO_ROOT / "crates" / "core" / "src" / "seed_query.kql"

OUTPUT_COLUMNS = (
    "Timestamp", "DeviceName", "RemoteIP", "RemotePort", "AccountDomain", "AccountName", "AccountSid", "Protocol",
    "LogonId", "RemoteDeviceName", "IsLocalAdmin", "FileName", "FolderPath", "SHA1", "SHA256", "MD5",
    "ProcessCommandLine",
)

_SQL_TYPES = {"datetime": "TIMESTAMP_NS", "string": "VARCHAR", "int": "BIGINT", "long": "BIGINT", "bool": "BOOLEAN"}
_EPOCH = dt.datetime(1970, 1, 1)


def query_text(tolerance: int) -> str:
    """The seed query with its first line's tolerance replaced; nothing else changes."""
    text = QUERY_PATH.read_text(encoding="utf-8")
    new, n = re.subn(r"\Alet ToleranceInSeconds = 5;", f"let ToleranceInSeconds = {int(tolerance)};", text)
    if n != 1:
        raise ValueError(f"{QUERY_PATH} does not start with 'let ToleranceInSeconds = 5;'")
    return new


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def create_tables(con, schema) -> None:
    for t in TABLES:
        cols = ", ".join(f"{_q(n)} {_SQL_TYPES[ty]}" for n, ty in schema[t])
        con.execute(f"CREATE TABLE {_q(t)} ({cols})")


def load_truth(con, truth_dir: Path, schema) -> None:
    """Load gen.write_truth's JSON lines (datetimes as integer ns) into fresh tables."""
    create_tables(con, schema)
    for t in TABLES:
        path = truth_dir / f"{t}.jsonl"
        if path.stat().st_size == 0:
            continue
        columns = "{" + ", ".join(
            f"{_lit(n)}: '{'BIGINT' if ty == 'datetime' else _SQL_TYPES[ty]}'" for n, ty in schema[t]) + "}"
        select = ", ".join(
            f"make_timestamp_ns({_q(n)})" if ty == "datetime"
            else f"coalesce({_q(n)}, '')" if ty == "string" else _q(n)
            for n, ty in schema[t])
        con.execute(f"INSERT INTO {_q(t)} SELECT {select} FROM read_json({_lit(path)}, "
                    f"format='newline_delimited', records=true, columns={columns})")


def load_old_csv(con, files_by_table: dict[str, list[Path]], schema) -> None:
    """Load old-portal CSV exports (ISO 7-digit UTC datetimes, empty = null)
    with DuckDB's own CSV reader: the benchmark's end-to-end reference path."""
    create_tables(con, schema)
    for t in TABLES:
        files = files_by_table.get(t) or []
        if not files:
            continue
        # Read every column as text and convert in SQL: DuckDB's reader would
        # otherwise turn '' into NULL for strings and guess formats. A column the
        # export leaves out reads as Kusto reads it: '' for strings, null otherwise.
        # DuckDB maps `columns` to the file's columns by position: list them in the file's order.
        with open(files[0], encoding="utf-8") as f:
            header = next(csv.reader(f))
        known = {n for n, _ in schema[t]}
        present = set(header) if known.issuperset(header) else known
        order = header if known.issuperset(header) else [n for n, _ in schema[t]]
        columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in order) + "}"
        select = ", ".join(
            ("''" if ty == "string" else f"CAST(NULL AS {_SQL_TYPES[ty]})") if n not in present
            else f"CAST({_q(n)} AS TIMESTAMP_NS)" if ty == "datetime"
            else f"coalesce({_q(n)}, '')" if ty == "string"
            else f"CAST({_q(n)} AS {_SQL_TYPES[ty]})"
            for n, ty in schema[t])
        file_list = "[" + ", ".join(_lit(f) for f in files) + "]"
        con.execute(f"INSERT INTO {_q(t)} SELECT {select} FROM read_csv({file_list}, header=true, "
                    f"columns={columns}, quote='\"', escape='\"', delim=',', strict_mode=true, "
                    f"union_by_name=true)")


def render_ns(ns: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    return f"{_EPOCH + dt.timedelta(seconds=secs):%Y-%m-%dT%H:%M:%S}.{frac // 100:07d}Z"


def render(value) -> str:
    """copyexec's text form of one output value (Timestamp arrives as epoch ns)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@functools.cache
def translated(tolerance: int) -> str:
    """duckdb-kql's SQL for the query at ``tolerance``.  Translating is what
    duckdb_kql.query() does on every call (~70 ms of ANTLR parsing); the SQL
    only depends on the text and the table schema, so it is done once per
    tolerance and reused for every data set."""
    names = {t: [n for n, _ in cols] for t, cols in load_schema().items()}
    return duckdb_kql.to_sql(query_text(tolerance), names)


def run_query(con, tolerance: int) -> list[tuple[str, ...]]:
    """Run the verbatim query on ``con``; rows rendered as copyexec prints them."""
    # Python datetimes stop at microseconds: take Timestamp as epoch ns instead.
    cols = ", ".join('epoch_ns("Timestamp")' if c == "Timestamp" else _q(c) for c in OUTPUT_COLUMNS)
    out = []
    for row in con.execute(f"SELECT {cols} FROM ({translated(tolerance)})").fetchall():
        ts = "" if row[0] is None else render_ns(row[0])
        out.append((ts,) + tuple(render(v) for v in row[1:]))
    return out


def reference_rows(truth_dir: Path, tolerances, schema=None) -> dict[int, list[tuple[str, ...]]]:
    """One DuckDB connection per data set; the query once per tolerance."""
    schema = schema or load_schema()
    # One thread: the tables are tiny, and the test runs data sets in parallel.
    con = duckdb_kql.connect(config={"threads": 1})
    try:
        load_truth(con, truth_dir, schema)
        return {t: run_query(con, t) for t in tolerances}
    finally:
        con.close()


def main(argv=None) -> int:
    """Print the reference rows of a kept data set as CSV (for reproducing a mismatch)."""
    import argparse
    import csv
    import sys

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("truth", type=Path, help="a data set's truth/ folder (written by gen.py)")
    ap.add_argument("--tolerance", type=int, default=5)
    args = ap.parse_args(argv)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(OUTPUT_COLUMNS)
    w.writerows(sorted(reference_rows(args.truth, [args.tolerance])[args.tolerance]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
