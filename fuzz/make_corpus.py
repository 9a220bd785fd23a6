#!/usr/bin/env python3
"""Builds the fuzz corpora in fuzz/corpus/TARGET/ (not committed) from the committed seeds in
fuzz/seeds/TARGET/, the project's fixtures and generator, and the shared public data sets.

    python3 fuzz/make_corpus.py [--datasets ../shared/datasets] [--bin target/release/copyexec]

Large files are cut to a prefix (an EVTX file to its header and first chunk), so every entry
stays small enough for the fuzzer to mutate quickly. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ = ROOT / "fuzz"
TABLES = ("DeviceNetworkEvents", "DeviceLogonEvents", "DeviceFileEvents", "DeviceProcessEvents")
MAX = 64 << 10
EVTX_PREFIX = 4096 + 65536  # file header and the first chunk


def add(target: str, data: bytes) -> None:
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
    # The same rows, read whole and in pieces.
    if target == "csv_portal":
        add("pieces", data)


def cut_lines(data: bytes, limit: int = MAX) -> bytes:
    """A prefix of whole lines, at most `limit` bytes."""
    if len(data) <= limit:
        return data
    head = data[:limit]
    end = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: end + 1] if end > 0 else head


def body(data: bytes) -> bytes:
    """A CSV file without its BOM and header line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for i, b in enumerate(data):
        if b in (10, 13):
            j = i + 1
            if b == 13 and data[j : j + 1] == b"\n":
                j += 1
            return data[j:]
    return b""


def table_index(name: str) -> int:
    for i, t in enumerate(TABLES):
        if t in name:
            return i
    return 4


def unpack(path: Path) -> list[tuple[str, bytes]]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return [(path.name[:-3], gzip.decompress(data))]
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(n, z.read(n)) for n in z.namelist() if not n.endswith("/")]
    return [(path.name, data)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--bin", type=Path, default=ROOT / "target" / "release" / "copyexec")
    args = ap.parse_args()
    shutil.rmtree(FUZZ / "corpus", ignore_errors=True)

    for seeds in sorted((FUZZ / "seeds").iterdir()):
        for f in seeds.iterdir():
            add(seeds.name, f.read_bytes())

    tmp = Path(tempfile.mkdtemp(prefix="copyexec-corpus-"))
    generated: list[Path] = []
    for fmt in ("old-csv", "new-csv", "api-json", "stream-jsonl", "old-csv+gz", "new-csv+zip", "stream-jsonl+gz", "api-json+zip"):
        for seed in (1, 2):
            out = tmp / f"{fmt}-{seed}"
            subprocess.run(
                [sys.executable, str(ROOT / "tests/differential/gen.py"), "small", "--seed", str(seed), "--format", fmt, str(out)],
                check=True, stdout=subprocess.DEVNULL,
            )
            generated += [p for p in sorted(out.rglob("*")) if p.is_file() and "truth" not in p.parts and p.suffix != ".md"]

    for p in generated:
        name = str(p.relative_to(tmp))
        raw = p.read_bytes()
        if len(raw) <= 256 << 10:
            add("detect", b"\0" + raw)
        if name.endswith((".gz", ".zip")):
            add("archive", raw)
            # nested: the archive inside another
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(p.name, raw)
            add("archive", gzip.compress(buf.getvalue()))
            continue
        data = raw
        sel = bytes([table_index(p.name)])
        if name.startswith("old-csv"):
            add("csv_portal", sel + cut_lines(body(data)))
            add("csv_sentinel", sel + cut_lines(b"\n".join(b"2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,t," + l for l in body(data).split(b"\n")[:200])))
        elif name.startswith("new-csv"):
            add("csv_portal_new", sel + cut_lines(body(data)))
        elif name.startswith("api-json"):
            add("json_hunting_api", b"\0" + data[: 256 << 10])
        elif name.startswith("stream-jsonl"):
            lines = cut_lines(data).splitlines()
            add("json_streaming", b"\0" + b"\n".join(lines))
            add("json_event_hub", b"\0" + b",".join(lines[:100]))

    for p in sorted((ROOT / "web" / "sample").iterdir()):
        if p.suffix == ".md":
            continue
        for name, data in unpack(p):
            add("detect", b"\0" + cut_lines(data))
            sel = bytes([table_index(name)])
            if name.endswith(".csv"):
                add("csv_portal", sel + cut_lines(body(data)))
            elif name.endswith(".json"):
                add("json_hunting_api", b"\0" + data[: 256 << 10])
            else:
                add("json_streaming", b"\0" + cut_lines(data))
    for p in sorted((ROOT / "tests" / "fixtures" / "hostile").rglob("*")):
        if p.is_file():
            add("detect", b"\0" + cut_lines(p.read_bytes()))
            add("csv_portal", bytes([table_index(p.name)]) + cut_lines(body(p.read_bytes())))
    for p in sorted((ROOT / "presets").glob("*.toml")):
        add("allowlist", p.read_bytes())

    ds = args.datasets
    if ds.is_dir():
        for p in sorted(ds.rglob("*.evtx")):
            head = p.read_bytes()[:EVTX_PREFIX]
            add("evtx", head)
            add("detect", b"\0" + head)
        for p in sorted(ds.rglob("*.jsonl")):
            add("json_windows_events", cut_lines(p.read_bytes()))
        for p in sorted(ds.rglob("*")):
            if p.suffix.lower() == ".zip" and p.stat().st_size <= 512 << 10:
                add("archive", p.read_bytes())
                for name, data in unpack(p):
                    target = "json_windows_events" if b'"EventID"' in data[:4096] else "json_streaming"
                    add(target, (b"" if target == "json_windows_events" else b"\0") + cut_lines(data))
        for p in sorted(ds.rglob("*.csv")):
            add("detect", b"\0" + cut_lines(p.read_bytes()))
            add("csv_portal", b"\4" + cut_lines(body(p.read_bytes())))
    else:
        print(f"make_corpus: {ds} not found: corpora from the project alone", file=sys.stderr)

    if args.bin.is_file():
        for out in sorted(tmp.glob("old-csv-*")) + sorted(tmp.glob("stream-jsonl-*")):
            doc = subprocess.run([str(args.bin), "chains", "--format", "json", "-q", "--near-misses", str(out)],
                                 capture_output=True).stdout
            if doc:
                add("chains_document", doc)
            html = tmp / "report.html"
            subprocess.run([str(args.bin), "report", "-q", "--near-misses", "-o", str(html), str(out)],
                           capture_output=True, env={"COPYEXEC_REPORT_TIME": "2024-01-01T00:00:00Z", "PATH": "/usr/bin:/bin"})
            if html.is_file():
                add("report_document", html.read_bytes())
    else:
        print(f"make_corpus: {args.bin} not built: no report or chains documents beyond the seeds", file=sys.stderr)

    shutil.rmtree(tmp)
    for d in sorted((FUZZ / "corpus").iterdir()):
        files = list(d.iterdir())
        print(f"{d.name:22} {len(files):5} inputs {sum(f.stat().st_size for f in files) >> 10:7} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
