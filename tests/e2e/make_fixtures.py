#!/usr/bin/env python3
"""Writes the e2e fixtures: four small exports in the older Defender portal CSV format
(header = column names, ISO 8601 timestamps with Z), and the bad inputs.

Deterministic; run again after editing and commit the output.

  fixtures/portal/   DeviceNetworkEvents.csv, DeviceLogonEvents.csv, DeviceFileEvents.csv,
                     DeviceProcessEvents.csv: true chains on three devices (one PsExec-style),
                     near misses just outside the default tolerance, rows the query filters,
                     a logon without an address, and markup in a command line.
  fixtures/bad/      a non-UTF-8 file, a truncated gzip, a CSV with a broken quote, a PNG.
"""
import csv
import gzip
import io
import os
import struct
import zlib
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")

NET = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "RemoteIP", "RemotePort", "LocalIP",
       "LocalPort", "Protocol", "InitiatingProcessFileName", "ReportId"]
LOGON = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "AccountDomain", "AccountName",
         "AccountSid", "LogonType", "LogonId", "RemoteDeviceName", "RemoteIP", "IsLocalAdmin",
         "ReportId"]
FILE = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "FileName", "FolderPath", "SHA1",
        "SHA256", "MD5", "FileSize", "InitiatingProcessFileName", "InitiatingProcessFolderPath",
        "ShareName", "ReportId"]
PROC = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "FileName", "FolderPath",
        "ProcessCommandLine", "ProcessId", "AccountName", "InitiatingProcessFileName", "ReportId"]

DEVICES = {
    "fin": ("3f2a9c1e0b7d4e55a1c2d3e4f5a6b7c8d9e0f1a2", "ws-fin-01.corp.example"),
    "hr": ("7b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c", "ws-hr-07.corp.example"),
    "srv": ("c0ffee00112233445566778899aabbccddeeff00", "srv-file-02.corp.example"),
}

BASE = datetime(2024, 3, 11, 8, 0, 0, tzinfo=timezone.utc)
report = [1000]


def ts(seconds):
    t = BASE + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}" + "Z"


def rid():
    report[0] += 1
    return str(report[0])


net, logon, files, procs = [], [], [], []


def connection(at, dev, ip, port=445, local_port=445):
    d, name = DEVICES[dev]
    net.append([ts(at), d, name, "InboundConnectionAccepted", ip, str(port), "10.1.2.10",
                str(local_port), "Tcp", "System", rid()])


def logon_ev(at, dev, ip, domain, account, action="LogonSuccess", logon_id="256929"):
    d, name = DEVICES[dev]
    logon.append([ts(at), d, name, action, domain, account,
                  "S-1-5-21-1004336348-1177238915-682003330-" + str(sum(account.encode()) * 7 % 9000 + 1000),
                  "Network", logon_id, "", ip, "true", rid()])


def write(at, dev, path, action="FileCreated", by="System", by_path="", sha=None):
    d, name = DEVICES[dev]
    fname = path.split("\\")[-1]
    sha = sha or (fname.encode().hex() * 8)[:64]
    files.append([ts(at), d, name, action, fname, path, sha[:40], sha, sha[:32], "143360", by,
                  by_path, "ADMIN$", rid()])


def start(at, dev, path, cmd, pid):
    d, name = DEVICES[dev]
    procs.append([ts(at), d, name, "ProcessCreated", path.split("\\")[-1], path, cmd, str(pid),
                  "system", "services.exe", rid()])


# 1. A tool copied to ws-fin-01 over ADMIN$ and started 3.1 s after the connection.
connection(0.100, "fin", "10.1.4.20")
logon_ev(0.900, "fin", "10.1.4.20", "CORP", "adm-jsmith")
write(1.500, "fin", "C:\\Windows\\Temp\\svc-update.exe")
start(3.200, "fin", "C:\\Windows\\Temp\\svc-update.exe", "svc-update.exe -install -silent", 4412)

# 2. PsExec-style on ws-hr-07: PSEXESVC.exe created then modified, one start.
h = 4510.0
connection(h, "hr", "10.1.4.20")
logon_ev(h + 0.35, "hr", "10.1.4.20", "CORP", "adm-jsmith", logon_id="348703")
write(h + 0.80, "hr", "C:\\Windows\\PSEXESVC.exe", sha="a" * 64)
write(h + 0.95, "hr", "C:\\Windows\\PSEXESVC.exe", action="FileModified", by="ntoskrnl.exe",
      by_path="c:\\windows\\system32\\ntoskrnl.exe", sha="a" * 64)
start(h + 1.60, "hr", "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe", 5120)

# 3. srv-file-02, from another host, start 4.5 s after the connection (gone at tolerance 4);
#    the command line carries markup that must show as text.
s = 10920.0
connection(s, "srv", "10.1.7.33")
logon_ev(s + 1.0, "srv", "10.1.7.33", "CORP", "svc-backup")
write(s + 2.0, "srv", "C:\\ProgramData\\upd\\<b>rclone</b>.exe")
start(s + 4.5, "srv", "C:\\ProgramData\\upd\\<b>rclone</b>.exe",
      "\"C:\\ProgramData\\upd\\<b>rclone</b>.exe\" copy <img src=x onerror=alert(1)> remote:", 7788)

# 4. Near miss on ws-fin-01: started 7.2 s after the connection (a chain from tolerance 8 on).
n = 14400.0
connection(n, "fin", "10.1.9.14")
logon_ev(n + 0.5, "fin", "10.1.9.14", "CORP", "helpdesk")
write(n + 1.2, "fin", "C:\\Windows\\Temp\\inventory.exe")
start(n + 7.2, "fin", "C:\\Windows\\Temp\\inventory.exe", "inventory.exe /collect", 9100)

# 5. Written by explorer.exe, not the SMB server: the query filters the write.
e = 18000.0
connection(e, "hr", "10.1.4.21")
logon_ev(e + 0.2, "hr", "10.1.4.21", "CORP", "mlee")
write(e + 0.5, "hr", "C:\\Users\\mlee\\Downloads\\report.exe", by="explorer.exe",
      by_path="C:\\Windows\\explorer.exe")
start(e + 1.0, "hr", "C:\\Users\\mlee\\Downloads\\report.exe", "report.exe", 3300)

# 6. RDP, not SMB: the connection is filtered (LocalPort 3389).
r = 21600.0
connection(r, "srv", "10.1.4.20", port=51123, local_port=3389)
logon_ev(r + 0.4, "srv", "10.1.4.20", "CORP", "adm-jsmith")
write(r + 1.0, "srv", "C:\\Windows\\Temp\\rdpclip-helper.exe")
start(r + 2.0, "srv", "C:\\Windows\\Temp\\rdpclip-helper.exe", "rdpclip-helper.exe", 6612)

# 7. A logon without RemoteIP: `endswith ''` is true, so the query still matches (a note says so).
q = 25200.0
connection(q, "hr", "10.1.4.20")
logon_ev(q + 0.6, "hr", "", "CORP", "adm-jsmith", logon_id="490144")
write(q + 1.1, "hr", "C:\\Windows\\Temp\\collector.exe")
start(q + 2.3, "hr", "C:\\Windows\\Temp\\collector.exe", "collector.exe --quiet", 4040)

# Background noise.
for i in range(12):
    connection(30000 + i * 300, "fin", f"10.1.{i % 3}.{50 + i}", port=49000 + i)
    start(30000 + i * 300 + 40, "srv", "C:\\Windows\\System32\\svchost.exe", "svchost.exe -k netsvcs", 800 + i)


def write_csv(path, header, rows):
    rows = sorted(rows, key=lambda r: r[0])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def png_bytes():
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x80\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    portal = os.path.join(OUT, "portal")
    bad = os.path.join(OUT, "bad")
    os.makedirs(portal, exist_ok=True)
    os.makedirs(bad, exist_ok=True)
    write_csv(os.path.join(portal, "DeviceNetworkEvents.csv"), NET, net)
    write_csv(os.path.join(portal, "DeviceLogonEvents.csv"), LOGON, logon)
    write_csv(os.path.join(portal, "DeviceFileEvents.csv"), FILE, files)
    write_csv(os.path.join(portal, "DeviceProcessEvents.csv"), PROC, procs)

    # Latin-1 bytes in a process export: not UTF-8.
    with open(os.path.join(bad, "latin1-processes.csv"), "wb") as f:
        f.write(",".join(PROC).encode() + b"\n")
        f.write(b"2024-03-11T08:00:03.200Z,x,h\xe9te,ProcessCreated,a.exe,C:\\\\a.exe,caf\xe9 \xff\xfe,1,u,s,1\n")
    # A gzip cut in the middle.
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        with open(os.path.join(portal, "DeviceLogonEvents.csv"), "rb") as src:
            g.write(src.read() * 40)
    data = buf.getvalue()
    with open(os.path.join(bad, "truncated-logons.csv.gz"), "wb") as f:
        f.write(data[: len(data) // 2])
    # A quote that never closes.
    with open(os.path.join(bad, "broken-quote-files.csv"), "w", encoding="utf-8") as f:
        f.write(",".join(FILE) + "\n")
        f.write('2024-03-11T08:00:01.500Z,dev,host,FileCreated,"evil.exe,C:\\Windows\\evil.exe,,,,1,System,,ADMIN$,1\n')
        f.write('2024-03-11T08:00:02.500Z,dev,host,FileCreated,ok.exe,C:\\Windows\\ok.exe,,,,1,System,,ADMIN$,2\n')
    with open(os.path.join(bad, "screenshot.png"), "wb") as f:
        f.write(png_bytes())


if __name__ == "__main__":
    main()
