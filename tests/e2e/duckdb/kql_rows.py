#!/usr/bin/env python3
"""The reference rows for the DuckDB-WASM peer's check: the seed's KQL text run by duckdb-kql over
a folder of old-portal CSV exports named by table (DeviceNetworkEvents*.csv, …), read as
tests/differential/test_duckdb_sql.py reads the benchmark's export shapes. Prints the rows, sorted,
as a JSON list of lists of strings (rendered as copyexec prints them).

  .venv/bin/python tests/e2e/duckdb/kql_rows.py FOLDER [TOLERANCE]
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "differential"))
import duckdb_kql  # noqa: E402

import gen  # noqa: E402
import reference  # noqa: E402


def main() -> int:
    folder = Path(sys.argv[1])
    tolerance = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    by_table = {t: sorted(folder.glob(f"{t}*.csv")) for t in gen.TABLES}
    missing = [t for t, files in by_table.items() if not files]
    if missing:
        print(f"kql_rows: {folder}: no file for {', '.join(missing)}", file=sys.stderr)
        return 2
    con = duckdb_kql.connect(config={"threads": 1})
    try:
        reference.load_old_csv(con, by_table, gen.load_schema())
        rows = sorted(reference.run_query(con, tolerance))
    finally:
        con.close()
    json.dump([list(r) for r in rows], sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
