"""Device timeline exports made from generated Advanced Hunting tables.

``convert`` writes one timeline CSV per device (65 or 66 space-named columns,
BOM or none, CRLF or LF, newest first or shuffled, technique rows and other
event types mixed in, Event Time in a chosen zone without a zone suffix) and
returns the Advanced Hunting tables the reference must see for the same data:
IsLocalAdmin blank (the timeline has no such column), and, where a device's
file is written folder-only, the few values a timeline cannot carry adjusted
on both sides (see ``_folder_only``).  Nothing here predicts copyexec's rows:
the reference engine decides them on the returned tables.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import random
from pathlib import Path

from gen import MS, NS, TABLES

HEADER_66 = (
    "Event Time,Machine Id,Computer Name,Action Type,File Name,Folder Path,Sha1,Sha256,MD5,Process Command Line,"
    "Account Domain,Account Name,Account Sid,Logon Id,Process Id,Process Creation Time,Process Token Elevation,"
    "Registry Key,Registry Value Name,Registry Value Data,Remote Url,Remote Computer Name,Remote IP,Remote Port,"
    "Local IP,Local Port,File Origin Url,File Origin IP,Initiating Process SHA1,Initiating Process SHA256,"
    "Initiating Process File Name,Initiating Process Folder Path,Initiating Process Id,"
    "Initiating Process Command Line,Initiating Process Creation Time,Initiating Process Integrity Level,"
    "Initiating Process Token Elevation,Initiating Process Parent Id,Initiating Process Parent File Name,"
    "Initiating Process Parent Creation Time,Initiating Process MD5,Initiating Process Account Domain,"
    "Initiating Process Account Name,Initiating Process Account Sid,Initiating Process Logon Id,Report Id,"
    "Additional Fields,Typed Details,App Guard Container Id,Protocol,Logon Type,Process Integrity Level,"
    "Registry Value Type,Previous Registry Value Name,Previous Registry Value Data,Previous Registry Key,"
    "File Origin Referrer Url,Sensitivity Label,Sensitivity Sub Label,Is Endpoint Dlp Applied,"
    "Is Azure Info Protection Applied,Alert Ids,Categories,Severities,Is Marked,Data Type"
).split(",")
HEADER_65 = [h for h in HEADER_66 if h != "Typed Details"]
assert len(HEADER_66) == 66 and len(HEADER_65) == 65

RENAMED = {"Event Time": "Timestamp", "Machine Id": "DeviceId", "Computer Name": "DeviceName",
           "Remote Computer Name": "RemoteDeviceName"}

# The documented action types of each table (copyexec's schema.rs), then the families.
_NETWORK = {"ConnectionSuccess", "ConnectionFailed", "ConnectionAttempt", "ConnectionRequest", "ConnectionFound",
            "ConnectionAcknowledged", "InboundConnectionAccepted", "ListeningConnectionCreated",
            "InboundInternetScanInspected", "NetworkSignatureInspected"}
_LOGON = {"LogonSuccess", "LogonFailed", "LogonAttempted"}
_FILE = {"FileCreated", "FileModified", "FileDeleted", "FileRenamed"}


def table_of_action(action: str) -> str | None:
    if action in ("LogonRightsSettingEnabled", "FileTimestampModificationEvent"):
        return None  # DeviceEvents
    if action in _NETWORK or (action.endswith("ConnectionInspected") and " " not in action):
        return "DeviceNetworkEvents"
    if action in _LOGON:
        return "DeviceLogonEvents"
    if action in _FILE:
        return "DeviceFileEvents"
    if action == "ProcessCreated":
        return "DeviceProcessEvents"
    for prefix, table in (("Connection", "DeviceNetworkEvents"), ("Logon", "DeviceLogonEvents"),
                          ("File", "DeviceFileEvents")):
        if action.startswith(prefix):
            return table
    return None


def ends_with_name(path: str, name: str) -> bool:
    """copyexec's test of a full path: it is the name, or ends with a separator and the name."""
    return bool(name) and (path == name or (path.endswith(name) and path[:-len(name)].endswith(("\\", "/"))))


def join(folder: str, name: str) -> str:
    """copyexec's Folder Path + File Name."""
    if not folder or not name:
        return folder
    if folder.endswith(("\\", "/")):
        return folder + name
    return folder + "\\" + name


def split(path: str, name: str) -> str | None:
    """The folder that ``join`` turns back into ``path`` with ``name``, or None."""
    if not path or not name:
        return path
    if not ends_with_name(path, name) or len(path) == len(name):
        return None
    sep = path[-len(name) - 1]
    head = path[:-len(name) - 1]
    if sep == "\\" and head and not head.endswith(("\\", "/")):
        return head
    return path[:-len(name)]


def _column(header: str, schema_cols: dict[str, str]) -> str | None:
    if header in RENAMED:
        return RENAMED[header] if RENAMED[header] in schema_cols else None
    squeezed = header.replace(" ", "").lower()
    return next((c for c in schema_cols if c.lower() == squeezed), None)


def _evidence(rows, folder_of) -> tuple[int, int]:
    ends = not_ends = 0
    for table, row in rows:
        if table in ("DeviceFileEvents", "DeviceProcessEvents"):
            path, name = folder_of(row), row["FileName"]
            if path and name:
                if ends_with_name(path, name):
                    ends += 1
                else:
                    not_ends += 1
    return ends, not_ends


def _full(rows):
    """Full paths, as Advanced Hunting writes them.  copyexec reads a file this way when at
    least as many rows end with their name as do not; where a device's rows say otherwise
    (a generator FileName unrelated to its path), those names are blanked on both sides."""
    ends, not_ends = _evidence(rows, lambda r: r["FolderPath"])
    if not_ends > ends:
        for table, row in rows:
            if table in ("DeviceFileEvents", "DeviceProcessEvents") and row["FolderPath"] \
                    and not ends_with_name(row["FolderPath"], row["FileName"]):
                row["FileName"] = ""
    return {id(r): r["FolderPath"] for t, r in rows if t in ("DeviceFileEvents", "DeviceProcessEvents")}, {}


def _folder_only(rows):
    """Only the folder in Folder Path.  A path the folder and the name cannot rebuild (a
    generator FileName unrelated to its path) gets an empty FileName on both sides; the
    initiator's path takes the value copyexec builds from what the file holds.  None when
    copyexec would not read the device's file as folder-only (the rows do not say so)."""
    written, initiator = {}, {}
    for table, row in rows:
        if table not in ("DeviceFileEvents", "DeviceProcessEvents"):
            continue
        folder = split(row["FolderPath"], row["FileName"])
        if folder is None:
            row["FileName"] = ""
            folder = row["FolderPath"]
        written[id(row)] = folder
        if table == "DeviceFileEvents":
            raw, name = row["InitiatingProcessFolderPath"], row["InitiatingProcessFileName"]
            head = split(raw, name)
            w = head if head is not None and not ends_with_name(head, name) else raw
            initiator[id(row)] = w
            row["InitiatingProcessFolderPath"] = w if ends_with_name(w, name) else join(w, name)
    ends, not_ends = _evidence(rows, lambda r: written.get(id(r), r["FolderPath"]))
    if not_ends <= ends:
        return None
    return written, initiator


def _event_time(ns, offset_minutes: int) -> str:
    if ns is None:
        return ""
    assert ns % MS == 0, "timeline data sets are generated on a millisecond grid"
    secs, frac = divmod(ns + offset_minutes * 60 * NS, NS)
    d = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=secs)
    return f"{d:%Y-%m-%dT%H:%M:%S}.{frac // MS:03d}"


def _cell(value, typ: str, offset: int) -> str:
    if typ == "datetime":
        return _event_time(value, offset)
    if value is None:
        return ""
    if typ == "bool":
        return "True" if value else "False"
    return str(value)


def convert(tables, schema, out: Path, seed: int):
    """Writes the timelines under ``out``; returns (tables for the reference, --timezone
    value, a description of the files)."""
    rng = random.Random(f"timeline-{seed}")
    tables = copy.deepcopy(tables)
    for row in tables["DeviceLogonEvents"]:
        row["IsLocalAdmin"] = None
    types = {t: dict(schema[t]) for t in TABLES}
    offset, zone = rng.choice(((0, "UTC"), (0, "UTC"), (120, "+02:00"), (-330, "-05:30")))

    by_device: dict[str, list[tuple[str, dict]]] = {}
    for t in TABLES:
        for row in tables[t]:
            mapped = table_of_action(row["ActionType"])
            if mapped != t:
                # Only file rows the query's own ActionType test drops may leave their table.
                assert t == "DeviceFileEvents" and row["ActionType"] not in ("FileCreated", "FileModified"), \
                    (t, row["ActionType"])
            by_device.setdefault(row["DeviceId"], []).append((t, row))

    out.mkdir(parents=True, exist_ok=True)
    described = []
    for i, (device, rows) in enumerate(sorted(by_device.items())):
        # The timeline's table of a row is its Action Type's.
        mapped_rows = [(table_of_action(r["ActionType"]), r) for _, r in rows]
        form = "folder-only" if rng.random() < 0.5 else "full"
        paths = None
        if form == "folder-only":
            saved = copy.deepcopy([r for _, r in rows])
            paths = _folder_only(mapped_rows)
            if paths is None:  # the rows would not tell copyexec: undo and write full paths
                for (_, r), s in zip(rows, saved, strict=True):
                    r.clear()
                    r.update(s)
                form = "full"
        if paths is None:
            paths = _full(mapped_rows)
        written, initiator = paths

        header = HEADER_66 if rng.random() < 0.5 else HEADER_65
        bom, eol = rng.random() < 0.5, rng.choice(("\r\n", "\n"))
        lines = []
        for table, (t_mapped, row) in zip((t for t, _ in rows), mapped_rows, strict=True):
            cells = []
            for h in header:
                if h == "Data Type":
                    cells.append("Events")
                    continue
                col = _column(h, types[table])
                if col is None:
                    cells.append("")
                elif col == "FolderPath" and id(row) in written:
                    cells.append(written[id(row)])
                elif col == "InitiatingProcessFolderPath" and id(row) in initiator:
                    cells.append(initiator[id(row)])
                else:
                    cells.append(_cell(row[col], types[table][col], offset))
            lines.append((row["Timestamp"], cells))
            if rng.random() < 0.15:  # a technique row annotating this event, with its fields
                lines.append((row["Timestamp"], cells[:-1] + ["Techniques"]))
        for _ in range(rng.randrange(3)):  # events of tables the hunt does not read
            cells = ["" for _ in header]
            cells[header.index("Event Time")] = _event_time(rows[0][1]["Timestamp"], offset)
            cells[header.index("Machine Id")] = device
            cells[header.index("Action Type")] = rng.choice(("RegistryValueSet", "ImageLoaded", "DnsQueryResponse"))
            cells[header.index("Data Type")] = "Events"
            lines.append((rows[0][1]["Timestamp"], cells))
        if rng.random() < 0.7:  # newest first, as the portal lists them; nulls last
            lines.sort(key=lambda x: (x[0] is not None, x[0] or 0), reverse=True)
        else:
            rng.shuffle(lines)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator=eol)
        w.writerow(header)
        w.writerows(c for _, c in lines)
        path = out / f"timeline-{i}.csv"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
        described.append(f"{path.name}: device {device!r}, {len(header)} columns, {form} paths, "
                         f"bom {bom}, {'crlf' if eol == chr(13) + chr(10) else 'lf'}")
    return tables, zone, described
