//! Helpers to write small exports in tests.
#![allow(dead_code)]

use copyexec_core::load::{LoadOptions, Loader, Part};
use copyexec_core::Dataset;
use std::io::Write;

pub const NET: &str =
    "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol";
pub const LOGON: &str = "Timestamp,DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,Protocol,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP,RemotePort";
pub const FILE: &str = "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,InitiatingProcessFileName,InitiatingProcessFolderPath,ShareName";
pub const PROC: &str = "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,ProcessId,AccountName,LogonId,Protocol";

/// `2024-03-11T08:00:00Z` plus `ticks` (100 ns).
pub fn at(ticks: i64) -> String {
    copyexec_core::time::Ticks(1_710_144_000 * 10_000_000 + ticks).to_string()
}

pub const S: i64 = 10_000_000;

pub fn csv(header: &str, rows: &[String]) -> String {
    let mut s = String::from(header);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

pub fn net(t: i64, dev: &str, ip: &str, port: &str) -> String {
    format!(
        "{},{dev},host-{dev},InboundConnectionAccepted,{ip},50123,10.0.0.9,{port},Tcp",
        at(t)
    )
}

pub fn logon(t: i64, dev: &str, ip: &str, account: &str) -> String {
    format!(
        "{},{dev},logon-name-{dev},LogonSuccess,Network,corp,{account},S-1-5-21-1-{account},NTLM,true,999,attacker-pc,{ip},0",
        at(t)
    )
}

pub fn write(t: i64, dev: &str, path: &str, action: &str, initiator: &str) -> String {
    let name = path.rsplit('\\').next().unwrap_or(path);
    format!(
        "{},{dev},host-{dev},{action},{name},{path},sha1x,sha256x,md5x,{initiator},,ADMIN$",
        at(t)
    )
}

pub fn start(t: i64, dev: &str, path: &str, cmd: &str) -> String {
    let name = path.rsplit('\\').next().unwrap_or(path);
    format!(
        "{},{dev},host-{dev},ProcessCreated,{name},{path},{cmd},4242,SYSTEM,777,Kerberos",
        at(t)
    )
}

pub fn load(files: &[(&str, String)]) -> Dataset {
    load_with(files, LoadOptions::default())
}

pub fn load_with(files: &[(&str, String)], opts: LoadOptions) -> Dataset {
    load_bytes(
        &files
            .iter()
            .map(|(n, s)| (*n, s.clone().into_bytes()))
            .collect::<Vec<_>>(),
        opts,
    )
}

pub fn load_bytes(files: &[(&str, Vec<u8>)], opts: LoadOptions) -> Dataset {
    let mut loader = Loader::new(opts);
    for (name, bytes) in files {
        loader
            .add_input(
                name,
                Some(bytes.len() as u64),
                bytes.as_slice(),
                &mut |_| true,
            )
            .unwrap();
    }
    Dataset::new(loader.finish())
}

/// One input read alone (default options), as each of the app's reading workers or the
/// CLI's threads read it, to merge with others.
pub fn part_of(name: &str, bytes: &[u8]) -> Part {
    let mut loader = Loader::new(LoadOptions::default());
    loader
        .add_input(name, Some(bytes.len() as u64), bytes, &mut |_| true)
        .unwrap();
    loader.into_part()
}

/// The four tables from row lists.
pub fn tables(n: &[String], l: &[String], f: &[String], p: &[String]) -> Dataset {
    load(&[
        ("net.csv", csv(NET, n)),
        ("logon.csv", csv(LOGON, l)),
        ("file.csv", csv(FILE, f)),
        ("proc.csv", csv(PROC, p)),
    ])
}

/// Rows of the query as CSV text lines (without header), in output order.
pub fn row_lines(d: &Dataset, tolerance: i64) -> Vec<String> {
    let rows = d.rows(tolerance);
    let mut out = Vec::new();
    d.write_rows_csv(&rows, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

/// The shared public data sets (`../shared/datasets`), when this checkout has them beside it.
pub fn datasets() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/datasets is not present in this checkout");
        None
    }
}

/// A chain's four exports as old-style portal CSV.
pub fn chain_csvs() -> Vec<(&'static str, String)> {
    vec![
        ("net.csv", csv(NET, &[net(0, "d1", "10.0.0.5", "445")])),
        (
            "logon.csv",
            csv(LOGON, &[logon(S, "d1", "10.0.0.5", "alice")]),
        ),
        (
            "file.csv",
            csv(
                FILE,
                &[write(2 * S, "d1", r"C:\x.exe", "FileCreated", "System")],
            ),
        ),
        (
            "proc.csv",
            csv(PROC, &[start(3 * S, "d1", r"C:\x.exe", "x")]),
        ),
    ]
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn zip(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Every file of the public data sets the tests read, in one analysis: Defender CSV and JSON,
/// archives, Windows Security and Sysmon logs (EVTX, XML, JSON lines).
pub fn every_dataset_file() -> Option<Vec<(String, Vec<u8>)>> {
    let root = datasets()?;
    // And the four exports of a chain, so that there are chains to compare.
    let mut out: Vec<(String, Vec<u8>)> = chain_csvs()
        .into_iter()
        .map(|(n, t)| (n.to_string(), t.into_bytes()))
        .collect();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::metadata(&p).unwrap().len() < 64 << 20 {
                let name = p.strip_prefix(&root).unwrap().display().to_string();
                out.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    Some(out)
}
