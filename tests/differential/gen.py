"""Seeded generator of Defender Advanced Hunting tables for copyexec's tests.

Two modes:

* ``small``: a data set of tens to a few hundred rows per table, built around
  a handful of SMB connections ("anchors") and aimed at the edges of every
  predicate of the hunting query (window bounds at exactly ``Timestamp``,
  ``Timestamp + T`` and one quantum either side, ``endswith`` on IP text,
  ``=~`` and ``endswith`` case folding with Unicode look-alikes, the
  case-sensitive join on ``FolderPath``, fan-out, nulls, nasty text).  It can
  be written in every export format copyexec reads, plus a "truth" copy of the
  exact values for the reference engine (``reference.py``).
* ``bulk``: >= 1,000,000 realistic full-width events written as old-portal CSV,
  for the benchmark (``bench/bench.py``).

No expected results are encoded here: the reference engine decides.

Usage::

    python tests/differential/gen.py small --seed 7 --format new-csv+zip OUT_DIR
    python tests/differential/gen.py bulk --events 1000000 OUT_DIR
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import functools
import gzip
import heapq
import json
import os
import random
import sys
import zipfile
from pathlib import Path

TABLES = ("DeviceNetworkEvents", "DeviceLogonEvents", "DeviceFileEvents", "DeviceProcessEvents")

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The schema lives in the shared data sets folder, beside the repository (also in CI).
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "datasets" / "mde-schema" / "mde_device_tables_schema.json"

NS = 1_000_000_000
#: Kusto's datetime resolution (one tick); the default quantum of generated times.
TICK = 100
MS = 1_000_000

#: Tolerances whose window edges the small generator aims at; each data set
#: also aims at one of EXTRA_TOLERANCES (see SmallGen.tols) and is tested at all.
EDGE_TOLERANCES = (0, 1, 5, 30)
EXTRA_TOLERANCES = (2, 3, 7, 10, 60, 300, 3600)

# Every file format copyexec reads; "+gz" / "+zip" wrap the base format.
BASE_FORMATS = ("old-csv", "new-csv", "api-json", "stream-jsonl")
FORMATS = BASE_FORMATS + (
    "old-csv+gz", "new-csv+zip", "api-json+zip", "stream-jsonl+gz",
    "old-csv+zip", "new-csv+gz", "api-json+gz", "stream-jsonl+zip",
)


@functools.cache
def load_schema(path: Path | None = None) -> dict[str, list[tuple[str, str]]]:
    """Table name -> [(column, KQL type)] in documented order, for the four tables."""
    with open(path or SCHEMA_PATH, encoding="utf-8") as f:
        tables = json.load(f)["tables"]
    return {t: [(c["name"], c["type"]) for c in tables[t]] for t in TABLES}


@functools.cache
def load_extra_columns(path: Path | None = None) -> dict[str, list[tuple[str, str]]]:
    """Newer columns that real exports carry beyond the documented schema (listed
    in the schema file), with their KQL types; none of them is read by the query."""
    with open(path or SCHEMA_PATH, encoding="utf-8") as f:
        doc = json.load(f)
    known = {t: {c["name"] for c in doc["tables"][t]} for t in TABLES}
    extra = doc.get("extra_columns_seen_in_real_exports", {})

    def kql_type(name: str) -> str:
        if name.startswith("Is"):
            return "bool"
        if name.endswith("UniqueId") or name.endswith("SessionId"):
            return "long"
        return "string"

    return {t: [(n, kql_type(n)) for n in extra.get(t, []) if n not in known[t]] for t in TABLES}


def _extra_value(rng: random.Random, typ: str):
    if typ == "bool":
        return rng.choice((True, False, None))
    if typ == "long":
        return rng.choice((None, rng.randrange(2**40)))
    return rng.choice(("", "10.1.2.3", rng.choice(NASTY)))


def quantum_for(fmt: str) -> int:
    """The new portal only writes milliseconds, so its data sets are generated on a ms grid."""
    return MS if fmt.split("+")[0] == "new-csv" else TICK


# ---------------------------------------------------------------------------
# Time formatting (all instants are integer nanoseconds since the Unix epoch, UTC)
# ---------------------------------------------------------------------------

_EPOCH = dt.datetime(1970, 1, 1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ns_of(y, mo, d, h=0, mi=0, s=0, frac_ns=0) -> int:
    return calendar.timegm((y, mo, d, h, mi, s)) * NS + frac_ns


def _split(ns: int) -> tuple[dt.datetime, int]:
    secs, frac = divmod(ns, NS)
    return _EPOCH + dt.timedelta(seconds=secs), frac


def fmt_iso7(ns: int) -> str:
    """Old portal / copyexec output form: always 7 fractional digits, UTC 'Z'."""
    d, frac = _split(ns)
    return f"{d:%Y-%m-%dT%H:%M:%S}.{frac // 100:07d}Z"


def fmt_iso_var(ns: int, rng: random.Random) -> str:
    """API form: 0-7 fractional digits.  Mostly the shortest exact form (as the
    API does, '...14.082053Z'), sometimes padded to 7 digits."""
    d, frac = _split(ns)
    digits = f"{frac // 100:07d}"
    if rng.random() < 0.7:
        digits = digits.rstrip("0")
    return f"{d:%Y-%m-%dT%H:%M:%S}" + (f".{digits}" if digits else "") + "Z"


def fmt_new_portal(ns: int, rng: random.Random) -> str:
    """New portal form 'Oct 9, 2024 2:56:53.123 PM' (12 h clock, UTC); ms only.
    A whole second is written without a fraction or, now and then, with '.000'."""
    d, frac = _split(ns)
    assert frac % MS == 0, "new-portal data must be generated on a millisecond grid"
    h12 = d.hour % 12 or 12
    ms = frac // MS
    f = f".{ms:03d}" if ms or rng.random() < 0.3 else ""
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year} {h12}:{d:%M:%S}{f} {'AM' if d.hour < 12 else 'PM'}"


# ---------------------------------------------------------------------------
# Value pools for the small generator.  Each pool mixes values that satisfy a
# predicate with near misses; which is which is left to the reference engine.
# ---------------------------------------------------------------------------

#: Text that stresses CSV/JSON encoding: separators, quotes, line breaks,
#: tabs, non-ASCII, emoji, look-alikes, leading/trailing blanks, values that
#: look like nulls or dates.
NASTY = [
    "plain", "with,comma", 'with "quotes"', '"', '""', "a\nb", "cr\rlf\r\nend", "tab\there",
    "emoji 😀🚀 ok", "ünïcødé Жж 中文 عربى", "ſystem", " leading", "trailing ", "",
    "Invalid date", "null", "NULL", "x" * 300, "\u212a", "nbsp\u00a0here", "zero\u200bwidth",
    "bom\ufeffinside", "line\u2028sep", "nel\u0085char", "=cmd|' /C calc'!A0", "'single'",
    "\\\\server\\share\\x.exe", 'C:\\Program Files\\App\\app.exe "--arg=1,2" \'q\'',
    '{"json":"in field","n":[1,2]}', "ends with backslash\\", "#not a comment", "Ω≈ç√∫",
    "2024-03-11T08:00:14.0820530Z", "Oct 9, 2024 2:56:53 PM", "true", "-1", "\"quoted\",\"list\"",
]

_HEX = "0123456789abcdef"

DEVICE_ACTION_NET = ["InboundConnectionAccepted", "ConnectionSuccess", "ConnectionFailed", "ListeningConnectionCreated"]
LOGON_ACTIONS = ["LogonSuccess", "LogonFailed", "LogonAttempted"]
LOGON_TYPES = ["Network", "Interactive", "RemoteInteractive", "Service", "Batch", "Unlock"]

#: ActionType of file events: the two accepted values (case-sensitive 'in') and near misses.
FILE_ACTIONS = (
    ["FileCreated"] * 8 + ["FileModified"] * 5
    + ["filecreated", "FILEMODIFIED", "FileDeleted", "FileRenamed", " FileCreated", "FileCreated ", "", "Filecreated"]
)

#: InitiatingProcessFileName: '=~ System' hits and misses, incl. Unicode look-alikes
#: (U+017F LATIN SMALL LONG S, Cyrillic у, fullwidth letters).
INIT_FILE_NAMES = (
    ["System"] * 6
    + ["SYSTEM", "system", "sYsTeM", " System", "System ", "System.exe", "ſystem", "Sуstem", "ＳＹＳＴＥＭ",
       "svchost.exe", "ntoskrnl.exe", "", "Systemd", "MsMpEng.exe"]
)

#: InitiatingProcessFolderPath: 'endswith "ntoskrnl.exe"' (case-insensitive) hits and misses,
#: incl. U+212A KELVIN SIGN in place of k and U+017F in place of s.
INIT_FOLDER_PATHS = (
    ["c:\\windows\\system32\\ntoskrnl.exe"] * 3
    + ["C:\\Windows\\System32\\NTOSKRNL.EXE", "C:\\Windows\\System32\\NtOsKrNl.ExE", "ntoskrnl.exe",
       "C:\\Windows\\System32\\ntoskrnl.exe.bak", "C:\\Windows\\System32\\ntos\u212arnl.exe",
       "C:\\Windows\\System32\\nto\u017fkrnl.exe", "C:\\Windows\\System32\\ntoskrnl.ex",
       "C:\\Windows\\System32\\ntoskrnl.exe ", "C:\\Windows\\System32\\xntoskrnl.exe",
       "C:\\Windows\\System32\\svchost.exe", "", "C:\\Windows\\System32\\NTOSKRNL.exe\u0301"]
)

#: Initiators used by chains: mostly '=~' / 'endswith' hits in various cases,
#: a good share of look-alikes and blanks that must not (or must) fold.
CHAIN_INIT_FILE_NAMES = ["System", "System", "SYSTEM", "system", "sYsTeM", " System", "System ", "ſystem",
                         "ＳＹＳＴＥＭ", "System.exe", "Sуstem", "SYSTEM\u0301"]
CHAIN_INIT_FOLDER_PATHS = ["c:\\windows\\system32\\ntoskrnl.exe", "C:\\Windows\\System32\\NTOSKRNL.EXE",
                           "ntoskrnl.exe", "NtOsKrNl.ExE", "C:\\Windows\\System32\\ntos\u212arnl.exe",
                           "C:\\Windows\\System32\\NTOS\u212aRNL.EXE", "C:\\Windows\\System32\\nto\u017fkrnl.exe",
                           "C:\\Windows\\System32\\ntoskrnl.exe ", "C:\\Windows\\System32\\ntoskrnl.exe.bak",
                           "\u212a:\\ntoskrnl.exe"]

#: Remote IPs of connections (network side).  Suffix collisions, IPv4-mapped
#: IPv6, case variants of IPv6 hex, blanks.
NET_IPS = [
    "10.0.0.5", "110.0.0.5", "::ffff:10.0.0.5", "::FFFF:10.0.0.5", "172.18.39.5", "2.18.39.5",
    "fe80::1c2b:3aff:fe4d:5e6f", "FE80::1C2B:3AFF:FE4D:5E6F", "2001:db8::a", "2001:DB8::A",
    "192.168.1.10", "92.168.1.10", " ", "-",
]

#: Extra remote IPs seen only on logons: pure suffixes, wildcards of SQL LIKE
#: (which a translation to LIKE must escape), trailing blanks.
LOGON_ONLY_IPS = ["0.0.5", "5", "ffff:10.0.0.5", "::1", "10.0.0.5 ", "%", "_", "10.0.0._", "0.0.%", "a", "E6F"]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_HEX) for _ in range(n))


def _case_variant(rng: random.Random, s: str) -> str:
    """s in upper, lower or mixed case (may equal s)."""
    choice = rng.randrange(3)
    if choice == 0:
        return s.upper()
    if choice == 1:
        return s.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


class SmallGen:
    """Builds one small edge-case data set.  All instants are multiples of ``quantum`` ns."""

    def __init__(self, seed: int, schema, quantum: int = TICK):
        self.rng = random.Random(seed)
        self.schema = schema
        self.q = quantum
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLES}
        rng = self.rng
        # One extra tolerance per data set, so windows other than the fixed ones are aimed at too.
        self.extra_tolerance = rng.choice(EXTRA_TOLERANCES)
        self.tols = EDGE_TOLERANCES + (self.extra_tolerance,)

        # Devices: a few ids, plus an upper-case spelling of one (a different key
        # for Kusto's case-sensitive join) and the empty id (joins other empty ids).
        base = [_hex(rng, 40) for _ in range(rng.randint(2, 4))]
        self.devices = base + [base[0].upper(), ""]
        self.device_names = {d: rng.choice([f"ws-{i:03d}.contoso.local", rng.choice(NASTY), f"SRV{i}"])
                             for i, d in enumerate(self.devices)}

        # The data set sits around one "interesting" instant: whole days, noon/midnight
        # (12 h clock), year end, leap day, single-digit day, sub-second remainders.
        self.base = rng.choice([
            ns_of(2024, 3, 11, 8, 0, 14, 82_053_000),
            ns_of(2023, 12, 31, 23, 59, 50),
            ns_of(2024, 2, 29, 11, 59, 45, 500_000_000),
            ns_of(2024, 10, 9, 0, 0, 0),
            ns_of(2024, 10, 9, 11, 59, 59, 999_900_000),
            ns_of(2024, 1, 9, 9, 9, 9, 900_000_100),
            ns_of(2024, 7, 1, 12, 0, 0),
            ns_of(2024, 6, 30, 23, 59, 58),
            ns_of(2024, 11, 3, 1, 59, 59),
            rng.randrange(ns_of(2022, 1, 1), ns_of(2026, 1, 1)),
        ])
        self.base = self._quant(self.base)

    # -- helpers -------------------------------------------------------------

    def _quant(self, ns: int) -> int:
        return ns - ns % self.q

    def offset(self) -> int:
        """An offset from an anchor's Timestamp, mostly on a window edge:
        exactly 0 and T, one quantum either side of both, before the anchor,
        far after, or anywhere inside the widest window."""
        rng, q = self.rng, self.q
        r = rng.random()
        if r < 0.3:
            return self.inside_offset()
        if r < 0.7:
            return rng.choice(self.tols) * NS + rng.choice((-q, 0, q))
        if r < 0.8:
            return rng.choice((-q, -NS, -5 * NS, -2 * q))
        if r < 0.85:
            return rng.choice((60 * NS, 301 * NS, 3600 * NS))
        return self._quant(rng.randrange(0, 31 * NS))

    def inside_offset(self, tol: int | None = None) -> int:
        """An offset likely inside the window of tolerance ``tol`` (default: any
        tested one), often exactly on its bounds."""
        rng, q = self.rng, self.q
        t = (rng.choice(self.tols) if tol is None else tol) * NS
        r = rng.random()
        if r < 0.3:
            return 0
        if r < 0.55:
            return t
        if r < 0.7:
            return max(0, t - q)
        return self._quant(rng.randrange(0, t + 1))

    def maybe_null_time(self, ns: int, p: float = 0.04):
        return None if self.rng.random() < p else ns

    def text(self, p_nasty: float, normal: str) -> str:
        return self.rng.choice(NASTY) if self.rng.random() < p_nasty else normal

    def filler(self, table: str, ts) -> dict:
        """A full row with plausible values in every column; callers then set the
        columns the query reads."""
        rng = self.rng
        row = {}
        for name, typ in self.schema[table]:
            if typ == "datetime":
                if name == "Timestamp":
                    v = ts
                elif rng.random() < 0.15 or ts is None:
                    v = None
                else:
                    v = ts - self._quant(rng.randrange(0, 3600 * NS))
            elif typ == "bool":
                v = rng.choice((True, False, None))
            elif typ in ("int", "long"):
                if rng.random() < 0.15:
                    v = None
                elif typ == "int":
                    v = rng.choice((0, 1, 443, 445, 139, 65535, 2_147_483_647, -1, rng.randrange(1024, 65536)))
                else:
                    v = rng.choice((0, 4, 9_223_372_036_854_775_807, -9_223_372_036_854_775_808,
                                    rng.randrange(0, 2**40)))
            else:
                v = self.filler_string(name)
            row[name] = v
        return row

    def filler_string(self, name: str) -> str:
        rng = self.rng
        if rng.random() < 0.1:
            return rng.choice(NASTY)
        if name.endswith("SHA1"):
            return _hex(rng, 40)
        if name.endswith("SHA256"):
            return _hex(rng, 64)
        if name.endswith("MD5"):
            return _hex(rng, 32)
        if name.endswith("Sid"):
            return f"S-1-5-21-{rng.randrange(10**9)}-{rng.randrange(10**9)}-{rng.randrange(10**4)}"
        if name.endswith("FileName"):
            return rng.choice(("svchost.exe", "powershell.exe", "services.exe", "cmd.exe"))
        if name.endswith("FolderPath"):
            return rng.choice(("C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\explorer.exe"))
        if name.endswith("CommandLine"):
            return rng.choice(("svchost.exe -k netsvcs -p", 'powershell.exe -enc "SQBFAFgA"', ""))
        if name.endswith("IP"):
            return rng.choice(("10.1.2.3", "fe80::1", ""))
        if name.endswith("Domain"):
            return rng.choice(("CONTOSO", "nt authority", ""))
        if name.endswith("AdditionalFields"):
            return rng.choice(("", '{"IsLocalLogon":false}', "{}"))
        return rng.choice(("", "x", "Microsoft Corporation", "High", "TokenElevationTypeDefault", "10.0.19041.1"))

    def pick_device(self, anchor_dev: str) -> str:
        """Mostly the anchor's device; otherwise another id, its case variant or the empty id."""
        return anchor_dev if self.rng.random() < 0.8 else self.rng.choice(self.devices)

    def related_ip(self, ip: str) -> str:
        """RemoteIP of a logon near a connection from ``ip``: the same text, another
        case, a suffix of it, or an unrelated/odd value."""
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return ip
        if r < 0.55:
            return _case_variant(rng, ip)
        if r < 0.7 and ip:
            return ip[rng.randrange(len(ip)):]
        if r < 0.75:
            return ""
        return rng.choice(NET_IPS + LOGON_ONLY_IPS)

    # -- rows ----------------------------------------------------------------

    def network(self, ts, dev, ip, port) -> dict:
        rng = self.rng
        row = self.filler("DeviceNetworkEvents", ts)
        row.update(DeviceId=dev, DeviceName=self.device_names[dev], RemoteIP=ip, LocalPort=port,
                   ActionType=rng.choice(DEVICE_ACTION_NET),
                   RemotePort=rng.choice((None, 49152, rng.randrange(1024, 65536), 0)),
                   Protocol=rng.choice(("Tcp", "Udp", "", self.text(1, ""))))
        return row

    def logon(self, ts, dev, ip) -> dict:
        rng = self.rng
        row = self.filler("DeviceLogonEvents", ts)
        row.update(DeviceId=dev, DeviceName=self.device_names[dev], RemoteIP=ip,
                   ActionType=rng.choice(LOGON_ACTIONS), LogonType=rng.choice(LOGON_TYPES),
                   AccountDomain=self.text(0.3, rng.choice(("CONTOSO", "contoso", "WORKGROUP"))),
                   AccountName=self.text(0.4, rng.choice(("pgustavo", "Administrator", "svc_backup", "jdoe"))),
                   AccountSid=self.text(0.1, f"S-1-5-21-{rng.randrange(10**9)}-1104"),
                   Protocol=rng.choice(("NTLM", "Kerberos", "Negotiate", "")),
                   IsLocalAdmin=rng.choice((True, False, None)),
                   LogonId=rng.choice((None, 0, rng.randrange(1, 2**40), 9_223_372_036_854_775_807)),
                   RemoteDeviceName=self.text(0.3, rng.choice(("WORKSTATION5", "", "attacker-pc"))))
        return row

    def file(self, ts, dev, folder_path) -> dict:
        rng = self.rng
        row = self.filler("DeviceFileEvents", ts)
        # Initiator: either both fields look like the kernel, or each is drawn on its own.
        if rng.random() < 0.3:
            name, ipath = "System", "c:\\windows\\system32\\ntoskrnl.exe"
        else:
            name, ipath = rng.choice(INIT_FILE_NAMES), rng.choice(INIT_FOLDER_PATHS)
        fname = folder_path.rsplit("\\", 1)[-1] if rng.random() < 0.8 else self.text(1, "")
        row.update(DeviceId=dev, DeviceName=self.device_names[dev], ActionType=rng.choice(FILE_ACTIONS),
                   InitiatingProcessFileName=name, InitiatingProcessFolderPath=ipath,
                   FileName=fname, FolderPath=folder_path,
                   SHA1=self.text(0.1, _hex(rng, 40)), SHA256=self.text(0.1, _hex(rng, 64)),
                   MD5=self.text(0.1, _hex(rng, 32)))
        return row

    def process(self, ts, dev, folder_path) -> dict:
        row = self.filler("DeviceProcessEvents", ts)
        row.update(DeviceId=dev, DeviceName=self.device_names[dev], ActionType="ProcessCreated",
                   FolderPath=folder_path, FileName=folder_path.rsplit("\\", 1)[-1],
                   ProcessCommandLine=self.text(0.5, f'"{folder_path}" -install'))
        return row

    def target_paths(self) -> list[str]:
        """Candidate paths of a copied file; some contain CSV/JSON-hostile text."""
        rng = self.rng
        paths = ["C:\\Windows\\PSEXESVC.exe", f"C:\\ProgramData\\{_hex(rng, 6)}.exe",
                 "C:\\Windows\\Temp\\x,\"y\"\n.exe", "C:\\Users\\Ünïcødé\\😀.exe", "",
                 f"C:\\Windows\\Tasks\\{rng.choice(NASTY)}"]
        return [rng.choice(paths) for _ in range(rng.randint(1, 2))]

    def process_path(self, paths: list[str]) -> str:
        """FolderPath of a process start: the copied path, another case of it
        (a miss for the case-sensitive join), or something else."""
        rng = self.rng
        p = rng.choice(paths)
        r = rng.random()
        if r < 0.6:
            return p
        if r < 0.8:
            return _case_variant(rng, p)
        return rng.choice(("C:\\Windows\\System32\\svchost.exe", "", p + " ", p.replace("\\", "/")))

    # -- data set ------------------------------------------------------------

    def generate(self) -> dict[str, list[dict]]:
        rng = self.rng
        n_anchors = rng.randint(3, 12)
        t0 = self.base
        dev = rng.choice(self.devices)
        for _ in range(n_anchors):
            # Anchors often follow each other closely on one device, so one event
            # falls in several windows (fan-out); otherwise a fresh device and time.
            if rng.random() < 0.4:
                t0 = t0 + self.offset()
            else:
                dev = rng.choices(self.devices, weights=[8] * (len(self.devices) - 2) + [1, 1])[0]
                t0 = self.base + self._quant(rng.randrange(-60 * NS, 60 * NS))
            ip = rng.choice(NET_IPS[:12]) if rng.random() < 0.85 else rng.choice(("", " ", "-", "  "))
            port = rng.choices((445, 139, None, 4450, 44), weights=(20, 2, 2, 1, 1))[0]
            self.rows["DeviceNetworkEvents"].append(self.network(self.maybe_null_time(t0, 0.03), dev, ip, port))

            paths = self.target_paths()
            if rng.random() < 0.6:
                self.chain(t0, dev, ip, paths)
            for _ in range(rng.choice((0, 1, 1, 2))):
                self.rows["DeviceLogonEvents"].append(
                    self.logon(self.maybe_null_time(t0 + self.offset()), self.pick_device(dev), self.related_ip(ip)))
            for _ in range(rng.choice((0, 1, 1, 2))):
                self.rows["DeviceFileEvents"].append(
                    self.file(self.maybe_null_time(t0 + self.offset()), self.pick_device(dev), rng.choice(paths)))
            for _ in range(rng.choice((0, 1, 1, 2))):
                self.rows["DeviceProcessEvents"].append(
                    self.process(self.maybe_null_time(t0 + self.offset()), self.pick_device(dev),
                                 self.process_path(paths)))

        self.add_noise()
        # Exact duplicate rows: the result is a multiset, so duplicates must double matches.
        for t in TABLES:
            rows = self.rows[t]
            for _ in range(rng.choice((0, 0, 1, 2))):
                if rows:
                    rows.append(dict(rng.choice(rows)))
            rng.shuffle(rows)
        return self.rows

    def chain(self, t0: int, dev: str, ip: str, paths: list[str]) -> None:
        """One event per leg with values that lean towards satisfying the query
        (same device, the connection's IP or a suffix/other case of it, an
        accepted ActionType, a kernel-looking initiator, the copied path), at
        offsets inside or on the bounds of the windows.  Whether they match is
        still the reference's call: the pools keep their near misses."""
        rng = self.rng
        tol = rng.choice(self.tols)  # the window this chain aims at
        r = rng.random()
        if r < 0.45:
            ip1 = ip
        elif r < 0.65:
            ip1 = _case_variant(rng, ip)
        elif r < 0.9:
            ip1 = ip[rng.randrange(len(ip) or 1):]
        else:
            ip1 = ""
        t = self.maybe_null_time(t0 + self.inside_offset(tol), 0.02)
        self.rows["DeviceLogonEvents"].append(self.logon(t, dev, ip1))
        path = rng.choice(paths)
        f = self.file(self.maybe_null_time(t0 + self.inside_offset(tol), 0.02), dev, path)
        f["ActionType"] = rng.choice(("FileCreated", "FileModified", "FileCreated", rng.choice(FILE_ACTIONS)))
        # One of the two initiator tests is made to decide on its own: the other
        # field gets an ordinary process, so look-alikes are not masked.
        if rng.random() < 0.5:
            f["InitiatingProcessFileName"] = rng.choice(CHAIN_INIT_FILE_NAMES)
            f["InitiatingProcessFolderPath"] = "C:\\Windows\\System32\\svchost.exe"
        else:
            f["InitiatingProcessFileName"] = "svchost.exe"
            f["InitiatingProcessFolderPath"] = rng.choice(CHAIN_INIT_FOLDER_PATHS)
        self.rows["DeviceFileEvents"].append(f)
        for _ in range(rng.choice((1, 1, 2))):
            ppath = path if rng.random() < 0.8 else self.process_path(paths)
            self.rows["DeviceProcessEvents"].append(
                self.process(self.maybe_null_time(t0 + self.inside_offset(tol), 0.02), dev, ppath))

    def add_noise(self):
        """Unrelated events on the same devices and minutes, drawn from the same pools."""
        rng = self.rng
        for _ in range(rng.randint(3, 25)):
            ts = self.maybe_null_time(self.base + self._quant(rng.randrange(-90 * NS, 90 * NS)))
            dev = rng.choice(self.devices)
            kind = rng.randrange(4)
            if kind == 0:
                self.rows["DeviceNetworkEvents"].append(
                    self.network(ts, dev, rng.choice(NET_IPS), rng.choice((445, 443, 135, None))))
            elif kind == 1:
                self.rows["DeviceLogonEvents"].append(self.logon(ts, dev, rng.choice(NET_IPS + LOGON_ONLY_IPS)))
            elif kind == 2:
                self.rows["DeviceFileEvents"].append(self.file(ts, dev, rng.choice(self.target_paths())))
            else:
                self.rows["DeviceProcessEvents"].append(self.process(ts, dev, rng.choice(self.target_paths())))


def generate(seed: int, schema=None, quantum: int = TICK) -> dict[str, list[dict]]:
    """The small edge-case data set for ``seed`` (rows as dicts: datetime -> int ns
    or None, string -> str, int/long -> int or None, bool -> bool or None)."""
    return generate_with_tolerances(seed, schema, quantum)[0]


def generate_with_tolerances(seed: int, schema=None, quantum: int = TICK):
    """(data set, tolerances its windows were aimed at): EDGE_TOLERANCES plus one
    drawn per seed."""
    g = SmallGen(seed, schema or load_schema(), quantum)
    return g.generate(), g.tols


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

def csv_field(s: str, always_quote: bool = False) -> str:
    """RFC 4180: quote when the field holds a separator, a quote or a line break."""
    if always_quote or any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _cell(value, typ: str, time_fmt) -> str:
    if value is None:
        return time_fmt(None) if typ == "datetime" else ""
    if typ == "datetime":
        return time_fmt(value)
    if typ == "bool":
        return "true" if value else "false"
    return str(value)


def _json_value(value, typ: str, rng: random.Random):
    if typ == "datetime":
        return None if value is None else fmt_iso_var(value, rng)
    if typ == "string" and value == "" and rng.random() < 0.5:
        return None  # Kusto strings are never null; exporters still write null for empty ones
    return value


#: Streaming categories of tables the query does not read.
OTHER_CATEGORIES = ("AdvancedHunting-DeviceEvents", "AdvancedHunting-DeviceRegistryEvents",
                    "AdvancedHunting-DeviceImageLoadEvents", "AdvancedHunting-DeviceInfo")

_JSON_TYPES = {"datetime": "DateTime", "string": "String", "int": "Int32", "long": "Int64", "bool": "Boolean"}


def _split_rows(rng: random.Random, rows: list[dict]) -> list[list[dict]]:
    """Usually one file per table, sometimes two (a table may span files)."""
    if len(rows) > 2 and rng.random() < 0.2:
        k = rng.randrange(1, len(rows))
        return [rows[:k], rows[k:]]
    return [rows]


def write_old_csv(rng, tables, schema, out: Path) -> list[Path]:
    files = []
    for t in TABLES:
        for part in _split_rows(rng, tables[t]):
            cols = list(schema[t])
            rng.shuffle(cols)  # any column order
            eol = rng.choice(("\n", "\r\n"))
            always = rng.random() < 0.15
            sub = out / rng.choice(("", "", "nested", "nested/deeper"))
            sub.mkdir(parents=True, exist_ok=True)
            path = sub / f"export-{len(files)}.csv"
            lines = [",".join(csv_field(n, always) for n, _ in cols)]
            for row in part:
                lines.append(",".join(csv_field(_cell(row[n], ty, fmt_iso7_or_empty), always) for n, ty in cols))
            text = eol.join(lines) + (eol if rng.random() < 0.9 else "")
            path.write_bytes(text.encode("utf-8"))
            files.append(path)
    return files


def fmt_iso7_or_empty(ns):
    return "" if ns is None else fmt_iso7(ns)


def write_new_csv(rng, tables, schema, out: Path) -> list[Path]:
    files = []
    for t in TABLES:
        for part in _split_rows(rng, tables[t]):
            cols = list(schema[t])
            # Real new-portal exports carry newer columns than the documented schema.
            extras = load_extra_columns()[t] if rng.random() < 0.4 else []
            cols += extras
            rng.shuffle(cols)
            path = out / f"new-portal-{len(files)}.csv"

            def tf(ns):
                return "Invalid date" if ns is None else fmt_new_portal(ns, rng)

            lines = [",".join(csv_field(n) for n, _ in cols)]
            for row in part:
                row = {**row, **{n: _extra_value(rng, ty) for n, ty in extras}}
                lines.append(",".join(csv_field(_cell(row[n], ty, tf)) for n, ty in cols))
            path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
            files.append(path)
    return files


def write_api_json(rng, tables, schema, out: Path) -> list[Path]:
    files = []
    for t in TABLES:
        for part in _split_rows(rng, tables[t]):
            # The API returns every current column, newer ones included.
            extras = load_extra_columns()[t] if rng.random() < 0.3 else []
            cols = schema[t] + extras
            part = [{**row, **{n: _extra_value(rng, ty) for n, ty in extras}} for row in part]
            doc = {
                "Schema": [{"Name": n, "Type": _JSON_TYPES[ty]} for n, ty in cols],
                "Results": [{n: _json_value(row[n], ty, rng) for n, ty in cols} for row in part],
            }
            path = out / f"api-{len(files)}.json"
            # Pretty or compact; raw UTF-8 or \\u escapes (surrogate pairs for emoji).
            text = json.dumps(doc, ensure_ascii=rng.random() < 0.5, indent=rng.choice((None, 2)))
            path.write_bytes(text.encode("utf-8"))
            files.append(path)
    return files


def write_stream_jsonl(rng, tables, schema, out: Path) -> list[Path]:
    """Streaming API records, all tables mixed; the Azure Storage export names
    these JSON-lines files PT1H.json, so the extension says nothing about the content."""
    tenant = "7a1c3e2f-0b5d-4c8e-9f61-2d4b6a8c0e13"
    distractors = rng.random() < 0.4
    records = []
    for t in TABLES:
        for row in tables[t]:
            props = {n: _json_value(row[n], ty, rng) for n, ty in schema[t]}
            if rng.random() < 0.5:
                props["MachineGroup"] = rng.choice(("", "Servers", None))  # seen in real streams
            ts = row["Timestamp"] if row["Timestamp"] is not None else ns_of(2024, 1, 1)
            # "time" is when the record was published, not when the event happened:
            # a varying delay, so a reader taking it for the event time gets other matches.
            rec = {"time": fmt_iso_var(ts + rng.randrange(1, 300) * NS + rng.randrange(NS) // 100 * 100, rng),
                   "tenantId": tenant, "operationName": "Publish",
                   "category": f"AdvancedHunting-{t}", "properties": props}
            if rng.random() < 0.5:
                rec["_TimeReceivedBySvc"] = fmt_iso_var(ts + rng.randrange(1, 300) * NS, rng)
            records.append(rec)
            # Records of other Advanced Hunting tables share the stream (and
            # often the shape of these rows): only the category tells them apart.
            if distractors and rng.random() < 0.3:
                records.append({**rec, "category": rng.choice(OTHER_CATEGORIES)})
    rng.shuffle(records)
    files = []
    chunks = [records] if rng.random() < 0.6 else [records[: len(records) // 2], records[len(records) // 2:]]
    for i, chunk in enumerate(chunks):
        if rng.random() < 0.5:
            sub = out / f"insights-logs-advancedhunting/y=2024/m=03/d=11/h=0{i}/m=00"
            name = "PT1H.json"
        else:
            sub, name = out, f"stream-{i}.jsonl"
        sub.mkdir(parents=True, exist_ok=True)
        eol = rng.choice(("\n", "\r\n"))
        ensure_ascii = rng.random() < 0.5
        text = eol.join(json.dumps(r, ensure_ascii=ensure_ascii) for r in chunk) + eol
        path = sub / name
        path.write_bytes(text.encode("utf-8"))
        files.append(path)
    return files


_WRITERS = {"old-csv": write_old_csv, "new-csv": write_new_csv, "api-json": write_api_json,
            "stream-jsonl": write_stream_jsonl}


def write_dataset(tables, schema, fmt: str, out: Path, seed: int) -> list[Path]:
    """Write ``tables`` in format ``fmt`` (see FORMATS) under ``out``; returns the files."""
    base, _, wrap = fmt.partition("+")
    rng = random.Random(f"{seed}-{fmt}")
    out.mkdir(parents=True, exist_ok=True)
    files = _WRITERS[base](rng, tables, schema, out)
    if wrap == "gz":
        gz_files = []
        for f in files:
            g = f.with_name(f.name + ".gz")
            g.write_bytes(gzip.compress(f.read_bytes(), mtime=0))
            f.unlink()
            gz_files.append(g)
        files = gz_files
    elif wrap == "zip":
        z = out / "export.zip"
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.relative_to(out).as_posix())
        for f in files:
            f.unlink()
        for d in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            d.rmdir()
        files = [z]
    elif wrap:
        raise ValueError(f"unknown wrapper {wrap!r}")
    return files


def write_truth(tables, schema, out: Path) -> None:
    """The exact values, one JSON object per row (datetimes as integer ns), for the reference loader."""
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        with open(out / f"{t}.jsonl", "w", encoding="utf-8") as f:
            for row in tables[t]:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------
# Bulk mode: realistic full-width rows for the benchmark
# ---------------------------------------------------------------------------

#: (file name, folder, company, product, version, description, command line, integrity)
_PROFILES = [
    ("svchost.exe", "c:\\windows\\system32\\svchost.exe", "Microsoft Corporation",
     "Microsoft® Windows® Operating System",
     "10.0.19041.1", "Host Process for Windows Services", "svchost.exe -k netsvcs -p -s Schedule", "System"),
    ("chrome.exe", "c:\\program files\\google\\chrome\\application\\chrome.exe", "Google LLC", "Google Chrome",
     "120.0.6099.130", "Google Chrome",
     '"chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US', "Low"),
    ("msedge.exe", "c:\\program files (x86)\\microsoft\\edge\\application\\msedge.exe", "Microsoft Corporation",
     "Microsoft Edge", "120.0.2210.91", "Microsoft Edge", '"msedge.exe" --type=renderer --lang=en-US', "Low"),
    ("powershell.exe", "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe", "Microsoft Corporation",
     "Microsoft® Windows® Operating System", "10.0.19041.3570", "Windows PowerShell",
     'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "C:\\ProgramData\\scripts\\inventory.ps1"', "High"),
    ("MsMpEng.exe", "c:\\programdata\\microsoft\\windows defender\\platform\\4.18.23110.3-0\\msmpeng.exe",
     "Microsoft Corporation", "Microsoft® Windows® Operating System", "4.18.23110.3",
     "Antimalware Service Executable",
     '"MsMpEng.exe"', "System"),
    ("OUTLOOK.EXE", "c:\\program files\\microsoft office\\root\\office16\\outlook.exe", "Microsoft Corporation",
     "Microsoft Outlook", "16.0.17126.20132", "Microsoft Outlook", '"OUTLOOK.EXE" /recycle', "Medium"),
    ("lsass.exe", "c:\\windows\\system32\\lsass.exe", "Microsoft Corporation", "Microsoft® Windows® Operating System",
     "10.0.19041.3636", "Local Security Authority Process", "C:\\Windows\\system32\\lsass.exe", "System"),
    ("explorer.exe", "c:\\windows\\explorer.exe", "Microsoft Corporation", "Microsoft® Windows® Operating System",
     "10.0.19041.3693", "Windows Explorer", "C:\\Windows\\Explorer.EXE", "Medium"),
    ("Teams.exe", "c:\\users\\jdoe\\appdata\\local\\microsoft\\teams\\current\\teams.exe", "Microsoft Corporation",
     "Microsoft Teams", "1.6.0.33567", "Microsoft Teams",
     '"Teams.exe" --type=renderer --autoplay-policy=no-user-gesture-required', "Medium"),
    ("System", "", "", "", "", "", "", "System"),
    ("ntoskrnl.exe", "c:\\windows\\system32\\ntoskrnl.exe", "Microsoft Corporation",
     "Microsoft® Windows® Operating System", "10.0.19041.3693", "NT Kernel & System", "", "System"),
    ("wmiprvse.exe", "c:\\windows\\system32\\wbem\\wmiprvse.exe", "Microsoft Corporation",
     "Microsoft® Windows® Operating System", "10.0.19041.3636", "WMI Provider Host",
     "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", "System"),
]


class _Profile:
    """Per (device, process) values, pre-escaped for CSV, reused for every row of that process."""

    def __init__(self, rng: random.Random, spec, hashes: tuple[str, str, str], user: tuple[str, str, str, str, str],
                 t_start: int):
        (self.name, self.folder, self.company, self.product, self.version, self.desc, self.cmd, self.integ) = spec
        self.sha1, self.sha256, self.md5 = hashes  # one binary, one hash, on every device
        self.size = str(rng.randrange(50_000, 5_000_000))
        self.pid = str(rng.randrange(4, 30000))
        self.ppid = str(rng.randrange(4, 30000))
        self.parent = rng.choice(("services.exe", "explorer.exe", "svchost.exe", "wininit.exe"))
        self.created = fmt_iso7(t_start - rng.randrange(0, 86400) * NS - rng.randrange(NS) // 100 * 100)
        self.pcreated = fmt_iso7(t_start - rng.randrange(86400, 200000) * NS)
        self.domain, self.account, self.sid, self.upn, self.oid = user
        self.elev = "TokenElevationTypeDefault" if self.integ == "System" else "TokenElevationTypeLimited"
        self.session = "0" if self.integ == "System" else "1"
        self.logon_id = str(rng.randrange(100000, 2**32))

    def columns(self) -> dict[str, str]:
        """Values of the InitiatingProcess* columns (shared by all four tables)."""
        return {
            "InitiatingProcessSHA1": self.sha1, "InitiatingProcessSHA256": self.sha256,
            "InitiatingProcessMD5": self.md5,
            "InitiatingProcessFileName": self.name, "InitiatingProcessFileSize": self.size,
            "InitiatingProcessVersionInfoCompanyName": self.company,
            "InitiatingProcessVersionInfoProductName": self.product,
            "InitiatingProcessVersionInfoProductVersion": self.version,
            "InitiatingProcessVersionInfoInternalFileName": self.name.split(".")[0],
            "InitiatingProcessVersionInfoOriginalFileName": self.name,
            "InitiatingProcessVersionInfoFileDescription": self.desc,
            "InitiatingProcessId": self.pid, "InitiatingProcessCommandLine": self.cmd,
            "InitiatingProcessCreationTime": self.created, "InitiatingProcessFolderPath": self.folder,
            "InitiatingProcessParentFileName": self.parent, "InitiatingProcessParentId": self.ppid,
            "InitiatingProcessParentCreationTime": self.pcreated,
            "InitiatingProcessAccountDomain": self.domain, "InitiatingProcessAccountName": self.account,
            "InitiatingProcessAccountSid": self.sid, "InitiatingProcessAccountUpn": self.upn,
            "InitiatingProcessAccountObjectId": self.oid, "InitiatingProcessIntegrityLevel": self.integ,
            "InitiatingProcessTokenElevation": self.elev, "InitiatingProcessLogonId": self.logon_id,
            "InitiatingProcessSessionId": self.session, "IsInitiatingProcessRemoteSession": "false",
            "InitiatingProcessRemoteSessionDeviceName": "", "InitiatingProcessRemoteSessionIP": "",
            "InitiatingProcessSignerType": "OsVendor", "InitiatingProcessSignatureStatus": "Valid",
            "AppGuardContainerId": "",
        }


#: Bump when BulkGen's output changes: bench/bench.py keys its cached data set on it.
BULK_VERSION = 1


class BulkGen:
    """Streams >= N realistic events to old-portal CSV files, one per table.

    Rows are built from per-(device, process) templates: a list of pre-escaped
    CSV cells copied per row with only the varying cells replaced, so a million
    rows take seconds.  True chains (SMB connection -> network logon -> file
    written by System -> process started from that path, all within 5 s) make
    up a few percent of the events; near misses (late start, other path case,
    non-System writer) about as many again.
    """

    CHAIN_RATE = 0.006      # chains per event: ~5 events each -> ~3 % of events
    NEAR_MISS_RATE = 0.004

    def __init__(self, seed: int, schema, events: int):
        self.rng = random.Random(seed)
        self.schema = schema
        self.events = events
        rng = self.rng
        self.n_devices = max(50, events // 500)
        self.t_start = ns_of(2024, 3, 11, 0, 0, 0)
        self.span = 86400 * NS
        self.devices = [_hex(rng, 40) for _ in range(self.n_devices)]
        self.names = [f"{rng.choice(('ws', 'lt', 'srv', 'dc'))}-{i:05d}.corp.contoso.com"
                      for i in range(self.n_devices)]
        self.ips = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256 + 1}" for i in range(self.n_devices)]
        users = []
        for i in range(max(20, self.n_devices // 3)):
            name = f"user{i:05d}"
            sid = f"S-1-5-21-1004336348-1177238915-682003330-{1000 + i}"
            users.append(("CONTOSO", name, sid, f"{name}@contoso.com",
                          f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"))
        self.users = users
        self.system_user = ("nt authority", "system", "S-1-5-18", "", "")
        self.hashes = [(_hex(rng, 40), _hex(rng, 64), _hex(rng, 32)) for _ in _PROFILES]
        self.cols = {t: [n for n, _ in schema[t]] for t in TABLES}
        self.idx = {t: {n: i for i, n in enumerate(self.cols[t])} for t in TABLES}
        self._templates: dict[tuple[str, int, int], list[str]] = {}
        self._sec_cache: dict[int, str] = {}
        self.report_id = 1000

    # -- formatting ----------------------------------------------------------

    def ts(self, ns: int) -> str:
        s, frac = divmod(ns, NS)
        head = self._sec_cache.get(s)
        if head is None:
            head = f"{_EPOCH + dt.timedelta(seconds=s):%Y-%m-%dT%H:%M:%S}"
            if len(self._sec_cache) > 200_000:
                self._sec_cache.clear()
            self._sec_cache[s] = head
        return f"{head}.{frac // 100:07d}Z"

    def template(self, table: str, dev: int, prof: int) -> list[str]:
        key = (table, dev, prof)
        tpl = self._templates.get(key)
        if tpl is None:
            rng = self.rng
            spec = _PROFILES[prof]
            user = self.system_user if spec[7] == "System" else self.users[dev % len(self.users)]
            p = _Profile(rng, spec, self.hashes[prof], user, self.t_start)
            values = p.columns()
            values.update(DeviceId=self.devices[dev], DeviceName=self.names[dev], AdditionalFields="")
            tpl = [csv_field(values.get(c, "")) for c in self.cols[table]]
            self._templates[key] = tpl
        return tpl

    def row(self, table: str, dev: int, prof: int, ns: int, **cells: str) -> str:
        cells["Timestamp"] = self.ts(ns)
        self.report_id += 1
        cells["ReportId"] = str(self.report_id)
        r = list(self.template(table, dev, prof))
        idx = self.idx[table]
        for k, v in cells.items():
            r[idx[k]] = v
        return ",".join(r)

    # -- events --------------------------------------------------------------

    def background(self, table: str, ns: int) -> str:
        """One ordinary event of ``table`` at ``ns`` on a random device."""
        rng = self.rng
        dev = rng.randrange(self.n_devices)
        prof = rng.randrange(len(_PROFILES))
        if table == "DeviceNetworkEvents":
            return self._background_network(dev, prof, ns)
        if table == "DeviceLogonEvents":
            return self._background_logon(dev, ns)
        if table == "DeviceFileEvents":
            return self._background_file(dev, prof, ns)
        return self._background_process(dev, prof, ns)

    def _background_network(self, dev: int, prof: int, ns: int) -> str:
        rng = self.rng
        inbound = rng.random() < 0.05  # some of it SMB to this device: the query's first leg
        if rng.random() < 0.7:
            remote = self.ips[rng.randrange(self.n_devices)]
        else:
            remote = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        if inbound:
            action, remote_port, url = "InboundConnectionAccepted", rng.randrange(49152, 65536), ""
            local_port = rng.choice((445, 445, 3389, 135))
        else:
            action = rng.choice(("ConnectionSuccess", "ConnectionSuccess", "ConnectionFailed"))
            remote_port = rng.choice((443, 443, 80, 53, 135))
            url = rng.choice(("", "login.microsoftonline.com", "www.bing.com", "graph.microsoft.com"))
            local_port = rng.randrange(49152, 65536)
        return self.row(
            "DeviceNetworkEvents", dev, 0 if inbound else prof, ns, ActionType=action, RemoteIP=remote,
            RemotePort=str(remote_port), RemoteUrl=url, LocalIP=self.ips[dev], LocalPort=str(local_port),
            Protocol="Tcp", LocalIPType="Private", RemoteIPType="Private" if remote.startswith("10.") else "Public")

    def _background_logon(self, dev: int, ns: int) -> str:
        rng = self.rng
        u = self.users[rng.randrange(len(self.users))]
        net = rng.random() < 0.4
        return self.row(
            "DeviceLogonEvents", dev, 6, ns, ActionType=rng.choice(("LogonSuccess",) * 9 + ("LogonFailed",)),
            LogonType="Network" if net else rng.choice(("Interactive", "Service", "Unlock", "RemoteInteractive")),
            AccountDomain=u[0], AccountName=u[1], AccountSid=u[2],
            Protocol=rng.choice(("Kerberos", "NTLM", "Negotiate")), FailureReason="",
            IsLocalAdmin=rng.choice(("true", "false", "false")), LogonId=str(rng.randrange(100000, 2**32)),
            RemoteDeviceName=self.names[rng.randrange(self.n_devices)] if net else "",
            RemoteIP=self.ips[rng.randrange(self.n_devices)] if net else "",
            RemoteIPType="Private" if net else "", RemotePort=str(rng.randrange(49152, 65536)) if net else "")

    def _background_file(self, dev: int, prof: int, ns: int) -> str:
        rng = self.rng
        system = rng.random() < 0.03  # the kernel writes files too, mostly not over SMB
        fname = rng.choice(("report.docx", "setup.exe", "data.json", "update.msi", "log.txt", "cache.tmp"))
        folder = rng.choice(("C:\\Users\\jdoe\\Downloads\\", "C:\\ProgramData\\Microsoft\\",
                             "C:\\Windows\\Temp\\", "C:\\Users\\jdoe\\AppData\\Local\\Temp\\"))
        return self.row(
            "DeviceFileEvents", dev, 9 if system else prof, ns,
            ActionType=rng.choice(("FileCreated", "FileModified", "FileModified", "FileDeleted", "FileRenamed")),
            FileName=fname, FolderPath=folder + fname, SHA1=_hex(rng, 40), SHA256=_hex(rng, 64), MD5=_hex(rng, 32),
            FileSize=str(rng.randrange(100, 10_000_000)), FileOriginUrl="", FileOriginReferrerUrl="",
            FileOriginIP="", PreviousFolderPath="", PreviousFileName="",
            RequestProtocol="Smb" if system else "Local", RequestSourceIP="", RequestSourcePort="",
            RequestAccountName="", RequestAccountDomain="", RequestAccountSid="", ShareName="",
            SensitivityLabel="", SensitivitySubLabel="", IsAzureInfoProtectionApplied="false")

    def _background_process(self, dev: int, prof: int, ns: int) -> str:
        rng = self.rng
        child = _PROFILES[rng.randrange(len(_PROFILES) - 3)]
        name, folder, company, product, version, desc, cmd, integrity = child
        user = f"user{dev % len(self.users):05d}"
        return self.row(
            "DeviceProcessEvents", dev, prof, ns, ActionType="ProcessCreated", FileName=name, FolderPath=folder,
            SHA1=_hex(rng, 40), SHA256=_hex(rng, 64), MD5=_hex(rng, 32), FileSize=str(rng.randrange(50_000, 5_000_000)),
            ProcessVersionInfoCompanyName=csv_field(company), ProcessVersionInfoProductName=csv_field(product),
            ProcessVersionInfoProductVersion=version, ProcessVersionInfoInternalFileName=name.split(".")[0],
            ProcessVersionInfoOriginalFileName=name, ProcessVersionInfoFileDescription=csv_field(desc),
            ProcessId=str(rng.randrange(4, 60000)), ProcessCommandLine=csv_field(cmd),
            ProcessIntegrityLevel=integrity, ProcessTokenElevation="TokenElevationTypeDefault",
            ProcessCreationTime=self.ts(ns), AccountDomain="CONTOSO", AccountName=user,
            AccountSid=f"S-1-5-21-1004336348-1177238915-682003330-{1000 + dev % len(self.users)}",
            AccountUpn=f"{user}@contoso.com", AccountObjectId="", LogonId=str(rng.randrange(100000, 2**32)))

    def chain(self, t0: int, miss: bool) -> list[tuple[str, int, str]]:
        """One copy-then-execute chain (or a near miss): [(table, ns, csv row)]."""
        rng = self.rng
        dev = rng.randrange(self.n_devices)
        src = rng.randrange(self.n_devices)
        ip = self.ips[src]
        net_ip = ip if rng.random() < 0.8 else "::ffff:" + ip  # IPv4-mapped form still ends with the logon's IP
        u = self.users[src % len(self.users)]
        out = []
        out.append(("DeviceNetworkEvents", t0, self.row(
            "DeviceNetworkEvents", dev, 9, t0, ActionType="InboundConnectionAccepted", RemoteIP=net_ip,
            RemotePort=str(rng.randrange(49152, 65536)), RemoteUrl="", LocalIP=self.ips[dev], LocalPort="445",
            Protocol="Tcp", LocalIPType="Private", RemoteIPType="Private")))
        for _ in range(rng.choice((1, 1, 1, 2))):
            t = t0 + rng.randrange(0, 2 * NS) // 100 * 100
            out.append(("DeviceLogonEvents", t, self.row(
                "DeviceLogonEvents", dev, 6, t, ActionType="LogonSuccess", LogonType="Network",
                AccountDomain=u[0], AccountName=u[1], AccountSid=u[2], Protocol=rng.choice(("NTLM", "Kerberos")),
                FailureReason="", IsLocalAdmin="true", LogonId=str(rng.randrange(100000, 2**32)),
                RemoteDeviceName=self.names[src], RemoteIP=ip, RemoteIPType="Private", RemotePort="")))
        name = rng.choice(("PSEXESVC.exe", "svc" + _hex(rng, 6) + ".exe", "GruntHTTP.exe", "update.exe"))
        path = rng.choice(("C:\\Windows\\", "C:\\ProgramData\\", "C:\\Windows\\Temp\\")) + name
        writer = 10 if rng.random() < 0.3 else 9  # ntoskrnl.exe by path, or "System" by name
        t_file = t0 + rng.randrange(NS // 2, 3 * NS) // 100 * 100
        out.append(("DeviceFileEvents", t_file, self.row(
            "DeviceFileEvents", dev, (7 if miss and rng.random() < 0.5 else writer), t_file, ActionType="FileCreated",
            FileName=name, FolderPath=path, SHA1=_hex(rng, 40), SHA256=_hex(rng, 64), MD5=_hex(rng, 32),
            FileSize=str(rng.randrange(100_000, 900_000)), RequestProtocol="Smb", RequestSourceIP=ip,
            RequestSourcePort=str(rng.randrange(49152, 65536)), RequestAccountName=u[1], RequestAccountDomain=u[0],
            RequestAccountSid=u[2], ShareName="ADMIN$", IsAzureInfoProtectionApplied="false")))
        t_proc = t_file + rng.randrange(NS // 10, 2 * NS) // 100 * 100
        proc_path = path
        if miss:
            r = rng.random()
            if r < 0.5:
                t_proc = t0 + rng.randrange(6 * NS, 60 * NS)  # started too late
            else:
                proc_path = path.lower()  # other case: no match for the case-sensitive join
        out.append(("DeviceProcessEvents", t_proc, self.row(
            "DeviceProcessEvents", dev, 0, t_proc, ActionType="ProcessCreated", FileName=name, FolderPath=proc_path,
            SHA1=_hex(rng, 40), SHA256=_hex(rng, 64), MD5=_hex(rng, 32), ProcessId=str(rng.randrange(4, 60000)),
            ProcessCommandLine=csv_field(f'"{path}" -accepteula -s cmd.exe /c "whoami, hostname"'),
            ProcessIntegrityLevel="System", ProcessTokenElevation="TokenElevationTypeDefault",
            ProcessCreationTime=self.ts(t_proc), AccountDomain="NT AUTHORITY", AccountName="SYSTEM",
            AccountSid="S-1-5-18", LogonId="999")))
        return out

    def write(self, out: Path) -> dict[str, Path]:
        """Write one CSV per table under ``out``; returns table -> path."""
        rng = self.rng
        out.mkdir(parents=True, exist_ok=True)
        n_chains = int(self.events * self.CHAIN_RATE)
        n_miss = int(self.events * self.NEAR_MISS_RATE)
        # Chain events are kept in a heap per table and merged into the
        # time-ordered background stream, so each file is in time order.
        pending: dict[str, list] = {t: [] for t in TABLES}
        n_chain_events = 0
        for i in range(n_chains + n_miss):
            t0 = self.t_start + rng.randrange(0, self.span - 120 * NS) // 100 * 100
            for table, ns, line in self.chain(t0, miss=i >= n_chains):
                heapq.heappush(pending[table], (ns, line))
                n_chain_events += 1
        chain_rows = {t: len(pending[t]) for t in TABLES}
        background = max(0, self.events - n_chain_events)
        shares = {"DeviceNetworkEvents": 0.35, "DeviceLogonEvents": 0.10, "DeviceFileEvents": 0.30,
                  "DeviceProcessEvents": 0.25}
        paths = {}
        self.counts = {}
        for table in TABLES:
            n = int(background * shares[table]) if table != "DeviceProcessEvents" else background - sum(
                int(background * shares[t]) for t in TABLES[:3])
            path = out / f"{table}.csv"
            heap = pending[table]
            step = self.span // max(1, n)
            ns = self.t_start
            with open(path, "w", encoding="utf-8", newline="") as f:
                buf = [",".join(self.cols[table])]
                for _ in range(n):
                    ns += rng.randrange(0, 2 * step) // 100 * 100
                    while heap and heap[0][0] <= ns:
                        buf.append(heapq.heappop(heap)[1])
                    buf.append(self.background(table, ns))
                    if len(buf) >= 20000:
                        f.write("\n".join(buf) + "\n")
                        buf.clear()
                while heap:
                    buf.append(heapq.heappop(heap)[1])
                f.write("\n".join(buf) + "\n")
            paths[table] = path
            self.counts[table] = n + chain_rows[table]
        return paths


def write_bulk(out: Path, events: int = 1_000_000, seed: int = 1) -> dict[str, tuple[Path, int]]:
    """Write the bulk data set; table -> (CSV path, data rows)."""
    g = BulkGen(seed, load_schema(), events)
    paths = g.write(out)
    return {t: (paths[t], g.counts[t]) for t in TABLES}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("small", help="one edge-case data set (input files + truth/)")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--format", default="old-csv", choices=FORMATS)
    s.add_argument("out", type=Path)
    b = sub.add_parser("bulk", help="benchmark data set as old-portal CSV, plus manifest.json")
    b.add_argument("--events", type=int, default=1_000_000)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    schema = load_schema()
    if args.mode == "small":
        tables = generate(args.seed, schema, quantum_for(args.format))
        files = write_dataset(tables, schema, args.format, args.out / "input", args.seed)
        write_truth(tables, schema, args.out / "truth")
        print("\n".join(str(f) for f in files))
    else:
        written = write_bulk(args.out, args.events, args.seed)
        for t, (p, n) in written.items():
            print(f"{t}: {p} ({n:,} rows, {os.path.getsize(p):,} bytes)")
        # The manifest is written last, so its presence marks a complete data set.
        manifest = {"events": sum(n for _, n in written.values()), "rows": {t: n for t, (_, n) in written.items()},
                    "files": [p.name for p, _ in written.values()],
                    "bytes": sum(os.path.getsize(p) for p, _ in written.values()), "seed": args.seed}
        (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
