//! The query itself: four tables joined on the device within the tolerance window.
//!
//! For each candidate connection `n` (LocalPort 445, RemoteIP not empty), every logon `l`,
//! candidate write `f` and start `p` on the same DeviceId with
//! `n.Timestamp <= x.Timestamp <= n.Timestamp + T` (both ends inclusive, 100 ns ticks),
//! `n.RemoteIP endswith l.RemoteIP` (case-insensitive) and `p.FolderPath == f.FolderPath`
//! (case-sensitive) gives one row. `kind=inner` keeps every combination, so a connection with
//! two logons, one write and two starts gives four rows.

use crate::kql_compare::ends_with_ci;
use crate::store::{Store, Sym};
use crate::time::Ticks;
use rustc_hash::FxHashMap;

/// One result row: indices into the store's event lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowRef {
    /// Connection (`Store::net`).
    pub net: u32,
    /// Logon (`Store::logons`).
    pub logon: u32,
    /// Write (`Store::files`).
    pub file: u32,
    /// Start (`Store::procs`).
    pub proc: u32,
}

/// Events grouped by join key and sorted by time, built once and reused for every tolerance.
#[derive(Debug, Default)]
pub struct JoinIndex {
    logons: FxHashMap<Sym, Vec<(Ticks, u32)>>,
    files: FxHashMap<Sym, Vec<(Ticks, u32)>>,
    procs: FxHashMap<(Sym, Sym), Vec<(Ticks, u32)>>,
    net_order: Vec<u32>,
}

fn sorted<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, Vec<(Ticks, u32)>>) {
    for v in map.values_mut() {
        v.sort_unstable();
    }
}

impl JoinIndex {
    /// Indexes `store`.
    pub fn new(store: &Store) -> Self {
        let mut ix = JoinIndex::default();
        for (i, l) in store.logons.iter().enumerate() {
            ix.logons
                .entry(l.device)
                .or_default()
                .push((l.at, i as u32));
        }
        for (i, f) in store.files.iter().enumerate() {
            ix.files.entry(f.device).or_default().push((f.at, i as u32));
        }
        // The query looks starts up by the device and path of a candidate write only: a start
        // of a path no write has (most of them) can never join, and is not indexed.
        for f in &store.files {
            ix.procs.entry((f.device, f.path_key)).or_default();
        }
        for (i, p) in store.procs.iter().enumerate() {
            if let Some(starts) = ix.procs.get_mut(&(p.device, p.path_key)) {
                starts.push((p.at, i as u32));
            }
        }
        sorted(&mut ix.logons);
        sorted(&mut ix.files);
        sorted(&mut ix.procs);
        ix.net_order = (0..store.net.len() as u32).collect();
        ix.net_order.sort_by_key(|&i| (store.net[i as usize].at, i));
        ix
    }
}

/// The events of `list` with `from <= at <= to`.
fn window(list: &[(Ticks, u32)], from: Ticks, to: Ticks) -> &[(Ticks, u32)] {
    let lo = list.partition_point(|&(t, _)| t < from);
    let hi = list.partition_point(|&(t, _)| t <= to);
    &list[lo..hi.max(lo)]
}

/// Runs the query with `ToleranceInSeconds = tolerance_seconds`. Rows come ordered by the
/// connection's time, then logon, write and start times.
pub fn query(store: &Store, ix: &JoinIndex, tolerance_seconds: i64) -> Vec<RowRef> {
    let mut rows = Vec::new();
    let mut logons: Vec<u32> = Vec::new();
    for &n in &ix.net_order {
        let net = &store.net[n as usize];
        let (from, to) = (net.at, net.at.plus_seconds(tolerance_seconds));
        let Some(dev_logons) = ix.logons.get(&net.device) else {
            continue;
        };
        let Some(dev_files) = ix.files.get(&net.device) else {
            continue;
        };
        let ip = store.strings.get(net.remote_ip);
        logons.clear();
        logons.extend(
            window(dev_logons, from, to)
                .iter()
                .filter(|&&(_, l)| {
                    ends_with_ci(ip, store.strings.get(store.logons[l as usize].remote_ip))
                })
                .map(|&(_, l)| l),
        );
        if logons.is_empty() {
            continue;
        }
        for &(_, f) in window(dev_files, from, to) {
            let file = &store.files[f as usize];
            let Some(starts) = ix.procs.get(&(net.device, file.path_key)) else {
                continue;
            };
            let starts = window(starts, from, to);
            for &l in &logons {
                for &(_, p) in starts {
                    rows.push(RowRef {
                        net: n,
                        logon: l,
                        file: f,
                        proc: p,
                    });
                }
            }
        }
    }
    rows
}

/// The header of `copyexec rows`: the query's `project`, in order.
pub const ROW_COLUMNS: [&str; 17] = [
    "Timestamp",
    "DeviceName",
    "RemoteIP",
    "RemotePort",
    "AccountDomain",
    "AccountName",
    "AccountSid",
    "Protocol",
    "LogonId",
    "RemoteDeviceName",
    "IsLocalAdmin",
    "FileName",
    "FolderPath",
    "SHA1",
    "SHA256",
    "MD5",
    "ProcessCommandLine",
];

/// The projected values of a row, as text, in [`ROW_COLUMNS`] order. Each comes from the table
/// KQL's join renaming gives it: the leftmost table that has the column.
pub fn project(store: &Store, r: RowRef) -> [String; 17] {
    let n = &store.net[r.net as usize];
    let l = &store.logons[r.logon as usize];
    let f = &store.files[r.file as usize];
    let p = &store.procs[r.proc as usize];
    let s = |sym| store.strings.get(sym).to_string();
    [
        n.at.to_string(),
        s(n.device_name),
        s(n.remote_ip),
        s(n.remote_port),
        s(l.account_domain),
        s(l.account_name),
        s(l.account_sid),
        s(n.protocol),
        s(l.logon_id),
        s(l.remote_device_name),
        s(l.is_local_admin),
        s(f.file_name),
        s(f.folder_path),
        s(f.sha1),
        s(f.sha256),
        s(f.md5),
        s(p.command_line),
    ]
}

/// Writes rows as CSV (the `copyexec rows` contract): header, RFC 4180 quoting, LF line ends.
pub fn write_rows_csv<W: std::io::Write>(
    store: &Store,
    rows: &[RowRef],
    out: W,
) -> Result<(), csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(ROW_COLUMNS)?;
    for &r in rows {
        w.write_record(project(store, r))?;
    }
    w.flush()?;
    Ok(())
}
