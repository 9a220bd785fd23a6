"""How strong is the generator?  A check to run after changing gen.py.

The differential test can only catch a wrong copyexec if the generated data
makes the wrong answer differ from the right one.  This script takes the SQL
duckdb-kql produces for the query and derives "mutants": the same query with
one plausible implementation mistake (an exclusive window bound, microsecond
time resolution, a case-sensitive endswith, ASCII-only case folding, a
case-insensitive join, DISTINCT rows...).  For each seed it runs the true
query and every mutant on the same data set; a mutant is "killed" when their
results differ.  A mutant no seed kills is a blind spot of the generator.

Usage: .venv/bin/python tests/differential/mutants.py [SEEDS]   (default 40)
Exits with 1 when some mutant survives.  Not part of the test suite: it takes
a few minutes (every mutant is a full query run).
"""

from __future__ import annotations

import collections
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb_kql  # noqa: E402

import gen  # noqa: E402
import reference  # noqa: E402

_ASCII_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_WINDOW = (r'"(Timestamp\d)" BETWEEN "Timestamp" AND '
           r'\(("Timestamp") \+ (to_seconds\(CAST\(CAST\(-?\d+ AS BIGINT\) AS BIGINT\)\))\)')
_IP_ENDSWITH = 'coalesce(("RemoteIP" ILIKE'
_NTOSKRNL = 'coalesce(("InitiatingProcessFolderPath" ILIKE'
_SYSTEM = "coalesce((lower(\"InitiatingProcessFileName\") = lower('System'))"
_ACTION = "coalesce((\"ActionType\" IN ('FileModified', 'FileCreated'))"
_DEVICE_JOIN = '_l."DeviceId" IS NOT DISTINCT FROM _r."DeviceId"'
_PATH_JOIN = '_l."FolderPath" IS NOT DISTINCT FROM _r."FolderPath"'


def mutants(sql: str) -> dict[str, str]:
    """Mistaken variants of duckdb-kql's SQL (written against duckdb-kql 1.1.2's output)."""
    m = {
        "window upper bound exclusive": re.sub(_WINDOW, r'("\1" >= \2 AND "\1" < (\2 + \3))', sql),
        "window lower bound exclusive": re.sub(_WINDOW, r'("\1" > \2 AND "\1" <= (\2 + \3))', sql),
        "times at 1 us resolution": re.sub(
            _WINDOW, r'CAST("\1" AS TIMESTAMP) BETWEEN CAST(\2 AS TIMESTAMP) AND (CAST(\2 AS TIMESTAMP) + \3)', sql),
        "times at 1 ms resolution": re.sub(
            _WINDOW, r'CAST("\1" AS TIMESTAMP_MS) BETWEEN CAST(\2 AS TIMESTAMP_MS) AND (CAST(\2 AS TIMESTAMP_MS) + \3)',
            sql),
        "RemoteIP endswith case-sensitive": sql.replace(_IP_ENDSWITH, 'coalesce(("RemoteIP" LIKE'),
        "RemoteIP endswith '' is false": sql.replace(_IP_ENDSWITH, '("RemoteIP1" <> \'\') AND ' + _IP_ENDSWITH),
        "RemoteIP endswith without LIKE escaping": re.sub(
            r"""coalesce\(\("RemoteIP" ILIKE '%' \|\| replace\(replace\(replace\("RemoteIP1".*?ESCAPE '\\'\)""",
            lambda _: """coalesce(("RemoteIP" ILIKE '%' || "RemoteIP1")""", sql),
        "RemoteIP unmaps ::ffff:": sql.replace(
            _IP_ENDSWITH, "coalesce((regexp_replace(\"RemoteIP\", '^::ffff:', '', 'i') ILIKE"),
        "isnotempty trims": sql.replace("AS VARCHAR) <> ''", "AS VARCHAR) <> '' AND trim(\"RemoteIP\") <> ''"),
        "LocalPort 139 too": sql.replace('("LocalPort" = CAST(445 AS BIGINT))', '("LocalPort" IN (445, 139))'),
        "ntoskrnl endswith case-sensitive": sql.replace(_NTOSKRNL, 'coalesce(("InitiatingProcessFolderPath" LIKE'),
        "ntoskrnl endswith ASCII-only folding": sql.replace(
            _NTOSKRNL, "coalesce((" + _ASCII_LOWER.format('"InitiatingProcessFolderPath"') + " LIKE"),
        "ntoskrnl endswith folds long s": sql.replace(
            _NTOSKRNL, "coalesce((replace(\"InitiatingProcessFolderPath\", 'ſ', 's') ILIKE"),
        "=~ System case-sensitive": sql.replace(_SYSTEM, "coalesce((\"InitiatingProcessFileName\" = 'System')"),
        "=~ System trims": sql.replace(_SYSTEM, "coalesce((lower(trim(\"InitiatingProcessFileName\")) = 'system')"),
        "=~ System folds long s": sql.replace(
            _SYSTEM, "coalesce((replace(lower(\"InitiatingProcessFileName\"), 'ſ', 's') = 'system')"),
        "ActionType in case-insensitive": sql.replace(
            _ACTION, "coalesce((lower(\"ActionType\") IN ('filemodified', 'filecreated'))"),
        "FolderPath join case-insensitive": sql.replace(
            _PATH_JOIN, 'lower(_l."FolderPath") IS NOT DISTINCT FROM lower(_r."FolderPath")'),
        "empty FolderPath joins nothing": sql.replace(
            _PATH_JOIN, '_l."FolderPath" = _r."FolderPath" AND _l."FolderPath" <> \'\''),
        "DeviceId join case-insensitive": sql.replace(_DEVICE_JOIN, 'lower(_l."DeviceId") = lower(_r."DeviceId")'),
        "empty DeviceId joins nothing": sql.replace(
            _DEVICE_JOIN, '_l."DeviceId" = _r."DeviceId" AND _l."DeviceId" <> \'\''),
        "duplicate rows collapsed": sql.replace("SELECT * FROM _s8", "SELECT DISTINCT * FROM _s8"),
    }
    unchanged = [k for k, v in m.items() if v == sql]
    if unchanged:
        raise SystemExit(f"mutants no longer apply to duckdb-kql's SQL (translation changed?): {unchanged}")
    return m


def main() -> int:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    schema = gen.load_schema()
    kills: collections.Counter = collections.Counter()
    runs = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds):
            fmt = gen.FORMATS[seed % len(gen.FORMATS)]
            tables, tolerances = gen.generate_with_tolerances(seed, schema, gen.quantum_for(fmt))
            truth = Path(tmp) / str(seed)
            gen.write_truth(tables, schema, truth)
            con = duckdb_kql.connect(config={"threads": 1})
            reference.load_truth(con, truth, schema)
            for tol in tolerances:
                sql = reference.translated(tol)
                want = collections.Counter(con.execute(sql).fetchall())
                runs += 1
                for name, mutant in mutants(sql).items():
                    if collections.Counter(con.execute(mutant).fetchall()) != want:
                        kills[name] += 1
            con.close()
    names = mutants(reference.translated(5))
    width = max(map(len, names))
    print(f"{seeds} seeds, {runs} (data set, tolerance) runs, {time.perf_counter() - start:.0f} s")
    for name in names:
        print(f"  {name:{width}s}  killed in {kills[name]:4d} runs" + ("   <- SURVIVES" if not kills[name] else ""))
    return 1 if any(not kills[n] for n in names) else 0


if __name__ == "__main__":
    sys.exit(main())
