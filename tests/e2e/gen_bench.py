#!/usr/bin/env python3
"""Generates the browser benchmark's export set (old portal CSV, four tables) of about
SIZE_MB megabytes into OUT (default: bench-data/browser/, git-ignored).

  python3 gen_bench.py [OUT] [SIZE_MB]

Mostly noise a real export carries (connections on many ports, interactive and service
logons, writes by ordinary processes, ordinary process starts) over 200 devices and a week,
with a few hundred true copy -> execute chains spread through it. Deterministic.
"""
import os
import random
import sys
from datetime import datetime, timedelta, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench-data", "browser")
SIZE_MB = float(sys.argv[2]) if len(sys.argv) > 2 else 210.0

NET = "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol,InitiatingProcessFileName,InitiatingProcessCommandLine,ReportId"
LOGON = "Timestamp,DeviceId,DeviceName,ActionType,AccountDomain,AccountName,AccountSid,LogonType,LogonId,RemoteDeviceName,RemoteIP,IsLocalAdmin,InitiatingProcessFileName,ReportId"
FILE = "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,FileSize,InitiatingProcessFileName,InitiatingProcessFolderPath,InitiatingProcessCommandLine,ShareName,ReportId"
PROC = "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,SHA1,SHA256,ProcessCommandLine,ProcessId,AccountDomain,AccountName,InitiatingProcessFileName,InitiatingProcessCommandLine,ReportId"

rng = random.Random(20240311)
BASE = datetime(2024, 3, 4, tzinfo=timezone.utc)
DEVICES = [("%040x" % rng.getrandbits(160), f"ws-{i:04d}.corp.example") for i in range(200)]
USERS = [f"user{i:03d}" for i in range(300)] + ["adm-jsmith", "svc-backup", "helpdesk"]
PROGRAMS = [("C:\\Windows\\System32\\svchost.exe", "svchost.exe -k netsvcs"),
            ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe --type=renderer"),
            ("C:\\Windows\\System32\\conhost.exe", "conhost.exe 0xffffffff -ForceV1"),
            ("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "OUTLOOK.EXE /recycle"),
            ("C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe"),
            ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\scripts\\inventory.ps1")]
report = [0]


def ts(sec):
    t = BASE + timedelta(seconds=sec)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}"[:3] + "Z"


def rid():
    report[0] += 1
    return str(report[0])


def ip():
    return f"10.{rng.randrange(1, 40)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def sha(n=64):
    return "%0*x" % (n, rng.getrandbits(n * 4))


def main():
    os.makedirs(OUT, exist_ok=True)
    target = SIZE_MB * 1e6
    paths = {k: os.path.join(OUT, f"{k}.csv") for k in
             ("DeviceNetworkEvents", "DeviceLogonEvents", "DeviceFileEvents", "DeviceProcessEvents")}
    fh = {k: open(p, "w", newline="") for k, p in paths.items()}
    fh["DeviceNetworkEvents"].write(NET + "\n")
    fh["DeviceLogonEvents"].write(LOGON + "\n")
    fh["DeviceFileEvents"].write(FILE + "\n")
    fh["DeviceProcessEvents"].write(PROC + "\n")
    written = 0
    sec = 0.0
    chains = 0
    week = 7 * 86400.0
    while written < target:
        sec = (sec + rng.expovariate(1 / 0.4)) % week
        d, name = DEVICES[rng.randrange(len(DEVICES))]
        kind = rng.random()
        lines = []
        if kind < 0.40:
            port = rng.choice([443, 80, 135, 445, 3389, 5985, 49152 + rng.randrange(1000)])
            lines.append(("DeviceNetworkEvents", f"{ts(sec)},{d},{name},InboundConnectionAccepted,{ip()},{rng.randrange(49152, 65535)},10.0.0.{rng.randrange(2, 250)},{port},Tcp,System,,{rid()}"))
        elif kind < 0.60:
            u = rng.choice(USERS)
            lines.append(("DeviceLogonEvents", f"{ts(sec)},{d},{name},LogonSuccess,CORP,{u},S-1-5-21-1004336348-1177238915-682003330-{rng.randrange(1000, 9999)},{rng.choice(['Interactive', 'Network', 'Service', 'RemoteInteractive'])},{rng.randrange(10**6, 10**7)},,{ip()},false,lsass.exe,{rid()}"))
        elif kind < 0.80:
            p, _ = rng.choice(PROGRAMS)
            fn = f"tmp{rng.randrange(10**6)}.dat"
            s = sha()
            lines.append(("DeviceFileEvents", f"{ts(sec)},{d},{name},FileCreated,{fn},C:\\Users\\user\\AppData\\Local\\Temp\\{fn},{s[:40]},{s},{s[:32]},{rng.randrange(100, 10**6)},{p.split(chr(92))[-1]},{p},\"{p}\",,{rid()}"))
        elif kind < 0.9995:
            p, cmd = rng.choice(PROGRAMS)
            s = sha()
            lines.append(("DeviceProcessEvents", f"{ts(sec)},{d},{name},ProcessCreated,{p.split(chr(92))[-1]},{p},{s[:40]},{s},\"{cmd}\",{rng.randrange(100, 60000)},CORP,{rng.choice(USERS)},explorer.exe,explorer.exe,{rid()}"))
        else:
            chains += 1
            src = ip()
            u = rng.choice(["adm-jsmith", "svc-backup", "helpdesk"])
            path = f"C:\\Windows\\Temp\\tool{chains:04d}.exe"
            s = sha()
            lines.append(("DeviceNetworkEvents", f"{ts(sec)},{d},{name},InboundConnectionAccepted,{src},{rng.randrange(49152, 65535)},10.0.0.9,445,Tcp,System,,{rid()}"))
            lines.append(("DeviceLogonEvents", f"{ts(sec + 0.4)},{d},{name},LogonSuccess,CORP,{u},S-1-5-21-1-2-3-4242,Network,{rng.randrange(10**6, 10**7)},,{src},true,lsass.exe,{rid()}"))
            lines.append(("DeviceFileEvents", f"{ts(sec + 1.1)},{d},{name},FileCreated,tool{chains:04d}.exe,{path},{s[:40]},{s},{s[:32]},143360,System,,,ADMIN$,{rid()}"))
            lines.append(("DeviceProcessEvents", f"{ts(sec + rng.uniform(1.5, 4.5))},{d},{name},ProcessCreated,tool{chains:04d}.exe,{path},{s[:40]},{s},\"tool{chains:04d}.exe -run\",{rng.randrange(100, 60000)},NT AUTHORITY,SYSTEM,services.exe,services.exe,{rid()}"))
        for table, line in lines:
            fh[table].write(line + "\n")
            written += len(line) + 1
    for f in fh.values():
        f.close()
    total = sum(os.path.getsize(p) for p in paths.values())
    print(f"gen_bench: {total / 1e6:.1f} MB in {OUT}, {chains} planted chains", file=sys.stderr)


if __name__ == "__main__":
    main()
