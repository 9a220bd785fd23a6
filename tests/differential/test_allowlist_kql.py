"""Allowlists agree with their KQL: for random rule sets drawn from each data set's own values,
``copyexec rows --allowlist R`` and the KQL that ``copyexec kql --allowlist R`` prints, run by
duckdb-kql, return the same multiset of rows.

Environment: COPYEXEC_BIN, COPYEXEC_ALLOW_SEEDS (default 60).
"""

from __future__ import annotations

import collections
import os
import random
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb_kql
import pytest

import gen
import reference
from test_differential import BIN, HEADER, WORKERS, diff_report

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = int(os.environ.get("COPYEXEC_ALLOW_SEEDS", "60"))
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "allowlist-kql"

needs_schema = pytest.mark.skipif(not gen.SCHEMA_PATH.exists(),
                                  reason=f"shared data sets not found ({gen.SCHEMA_PATH})")


def toml_str(s: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _variants(rng: random.Random, value: str) -> str:
    """The value exactly, in another case, or as a prefix / suffix / infix / inner glob."""
    if not value:
        return value
    k = rng.randint(1, max(1, len(value)))
    choice = rng.randrange(7)
    if choice == 0:
        return value
    if choice == 1:
        return value.swapcase()
    if choice == 2:
        return value[:k] + "*"
    if choice == 3:
        return "*" + value[-k:]
    if choice == 4:
        i = rng.randrange(len(value))
        return "*" + value[i:i + k] + "*"
    if choice == 5:
        i = rng.randrange(len(value))
        return value[:i] + "?" + value[i + 1:]
    i = rng.randrange(len(value) + 1)
    return value[:i] + "*" + value[i:]


def _cidr(rng: random.Random, ip: str) -> str | None:
    plain = ip.lower().replace("::ffff:", "")
    parts = plain.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    bits = rng.choice([8, 16, 24, 30, 32])
    n = 0
    for p in parts:
        n = n * 256 + int(p)
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
    n &= mask
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}/{bits}"


def random_rules(rng: random.Random, tables) -> str:
    files = tables["DeviceFileEvents"] or [{}]
    logons = tables["DeviceLogonEvents"] or [{}]
    nets = tables["DeviceNetworkEvents"] or [{}]
    procs = tables["DeviceProcessEvents"] or [{}]

    def pick(rows, col):
        v = rng.choice(rows).get(col)
        return v if isinstance(v, str) else ""

    fields = {
        "sha256": lambda: pick(files, "SHA256"),
        "sha1": lambda: pick(files, "SHA1"),
        "md5": lambda: pick(files, "MD5"),
        "file_name": lambda: _variants(rng, pick(files, "FileName")),
        "extension": lambda: pick(files, "FileName").rsplit(".", 1)[-1],
        "folder_path": lambda: _variants(rng, pick(files, "FolderPath")),
        "account": lambda: _variants(rng, (lambda r: (r.get("AccountDomain") or "") + "\\" + (r.get("AccountName") or ""))(rng.choice(logons))
                                      if rng.random() < 0.5 else pick(logons, "AccountName")),
        "account_sid": lambda: pick(logons, "AccountSid"),
        "source_ip": lambda: (_cidr(rng, pick(nets, "RemoteIP")) or pick(nets, "RemoteIP")) if rng.random() < 0.5
                             else pick(nets, "RemoteIP").replace("::ffff:", ""),
        "source_device": lambda: _variants(rng, pick(logons, "RemoteDeviceName")),
        "device": lambda: _variants(rng, pick(nets, "DeviceName")),
        "device_id": lambda: pick(nets, "DeviceId"),
        "command_line": lambda: _variants(rng, pick(procs, "ProcessCommandLine")),
        "parent_process": lambda: _variants(rng, pick(procs, "InitiatingProcessFileName")),
    }
    out = []
    for i in range(rng.randint(1, 4)):
        chosen = rng.sample(sorted(fields), rng.randint(1, 3))
        lines = [f'[[rule]]', f'id = "r{i}"', f'reason = "generated rule {i}"']
        for f in chosen:
            values = [fields[f]() for _ in range(rng.randint(1, 2))]
            values = [v for v in values if v] or ["no-such-value"]
            lines.append(f"{f} = [" + ", ".join(toml_str(v) for v in values) + "]")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def run_copyexec(input_dir: Path, tolerance: int, rules: Path):
    """Rows `copyexec rows --allowlist` prints (None on failure) and its stderr."""
    import csv
    import io
    proc = subprocess.run([str(BIN), "rows", "-q", "--tolerance", str(tolerance), "--allowlist", str(rules),
                           str(input_dir)], capture_output=True, timeout=120)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        return None, f"exit code {proc.returncode}: {stderr}"
    rows = list(csv.reader(io.StringIO(proc.stdout.decode("utf-8"), newline=""), strict=True))
    if not rows or rows[0] != HEADER:
        return None, f"unexpected header {rows[:1]!r}"
    return [tuple(r) for r in rows[1:]], stderr


def kql_rows(truth: Path, kql: str, schema) -> list[tuple[str, ...]]:
    names = {t: [n for n, _ in cols] for t, cols in schema.items()}
    sql = duckdb_kql.to_sql(kql, names)
    con = duckdb_kql.connect(config={"threads": 1})
    try:
        reference.load_truth(con, truth, schema)
        cols = ", ".join('epoch_ns("Timestamp")' if c == "Timestamp" else reference._q(c) for c in HEADER)
        out = []
        for row in con.execute(f"SELECT {cols} FROM ({sql})").fetchall():
            ts = "" if row[0] is None else reference.render_ns(row[0])
            out.append((ts,) + tuple(reference.render(v) for v in row[1:]))
        return out
    finally:
        con.close()


def check_seed(seed: int) -> tuple[str | None, int, int]:
    """(mismatch report or None, rows without rules, rows with rules) summed over tolerances."""
    schema = gen.load_schema()
    rng = random.Random(seed * 7919)
    work = ARTIFACTS / f"seed-{seed:04d}"
    shutil.rmtree(work, ignore_errors=True)
    tables, tolerances = gen.generate_with_tolerances(seed, schema, gen.TICK)
    gen.write_dataset(tables, schema, "old-csv", work / "input", seed)
    gen.write_truth(tables, schema, work / "truth")
    rules = work / "rules.toml"
    rules.write_text(random_rules(rng, tables), encoding="utf-8")
    problems = []
    total = kept = 0
    for tol in tolerances[:2]:
        kql = subprocess.run([str(BIN), "kql", "--tolerance", str(tol), "--allowlist", str(rules)],
                             capture_output=True, timeout=60)
        if kql.returncode != 0:
            problems.append(f"copyexec kql failed: {kql.stderr.decode('utf-8', 'replace')}")
            break
        text = kql.stdout.decode("utf-8")
        (work / f"query-{tol}.kql").write_text(text, encoding="utf-8")
        try:
            want = collections.Counter(kql_rows(work / "truth", text, schema))
        except Exception as e:  # the generated KQL must parse and run
            problems.append(f"--tolerance {tol}: duckdb-kql could not run the generated KQL: {e}")
            continue
        got_rows, note = run_copyexec(work / "input", tol, rules)
        if got_rows is None:
            problems.append(f"--tolerance {tol}: copyexec failed: {note}")
            continue
        got = collections.Counter(got_rows)
        kept += len(got_rows)
        total += len(kql_rows(work / "truth", reference.query_text(tol), schema))
        if want != got:
            problems.append(f"--tolerance {tol}: KQL gives {sum(want.values())} rows, copyexec {sum(got.values())}\n"
                            + diff_report(want, got))
    if not problems:
        shutil.rmtree(work, ignore_errors=True)
        return None, total, kept
    report = f"seed {seed}: data set, rules and generated KQL kept in {work}\n" + "\n".join(problems)
    (work / "README.txt").write_text(report + "\n", encoding="utf-8")
    return report, total, kept


@needs_schema
def test_generated_kql_equals_filtered_rows():
    if not BIN.exists():
        pytest.fail(f"copyexec binary not found at {BIN}")
    with ProcessPoolExecutor(WORKERS) as pool:
        results = list(pool.map(check_seed, range(1, SEEDS + 1)))
    reports = [r for r, _, _ in results if r]
    assert not reports, f"{len(reports)} of {SEEDS} seeds disagree:\n\n" + "\n\n".join(reports[:3])
    # The generated rules must really bite: some seeds set rows aside, some keep rows.
    with_rows = [(t, k) for _, t, k in results if t]
    assert sum(1 for t, k in with_rows if k < t) >= len(with_rows) // 5, with_rows
    assert sum(1 for t, k in with_rows if k > 0) >= len(with_rows) // 5, with_rows
