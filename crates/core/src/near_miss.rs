//! Near misses: a program copied over SMB that did not complete a chain.
//!
//! The query's rows stay exact and never include these. A near miss is anchored on a write the
//! query would accept (written by the kernel's SMB server, or a Windows-log write over a share)
//! of a program or script, or of any path that was started later, that is in no chain. It says
//! which steps are missing:
//!
//! - **start**: connected, logged on and copied, never run within the window (a staged tool);
//!   a later start of the same path is shown with its delay;
//! - **logon**: a connection and a write, but no logon from that address in the window;
//! - **connection** (and logon): the write and perhaps a start are there, but nothing says who
//!   connected; starts within the tolerance after the write are shown.

use crate::chains::{Ctx, Event, Note};
use crate::correlate::RowRef;
use crate::kql_compare::ends_with_ci;
use crate::load::StreamInfo;
use crate::schema::Table;
use crate::store::{Store, Sym};
use crate::time::{Ticks, TICKS_PER_SECOND};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Extensions of files that run or load as code.
const PROGRAM_EXTENSIONS: &[&str] = &[
    "exe", "dll", "sys", "scr", "com", "cpl", "ocx", "msi", "msp", "msu", "ps1", "psm1", "bat",
    "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "jar", "py",
];

/// A copy that did not become a chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NearMiss {
    /// `m1`, `m2`… in order of the first write.
    pub id: String,
    /// Device key.
    pub device_id: String,
    /// Device name.
    pub device_name: String,
    /// Path written.
    pub folder_path: String,
    /// File name written.
    pub file_name: String,
    /// SHA256 of the written file, when known.
    pub sha256: String,
    /// Steps missing: `connection`, `logon`, `start`.
    pub missing: Vec<String>,
    /// One sentence for the list.
    pub summary: String,
    /// The writes (one copy can be several events).
    pub writes: Vec<Event>,
    /// Connections whose window holds the write.
    pub connections: Vec<Event>,
    /// Logons matching those connections.
    pub logons: Vec<Event>,
    /// Starts of the path: in the window, or the first one after it.
    pub starts: Vec<Event>,
    /// Notes.
    pub notes: Vec<Note>,
}

fn is_program(path: &str) -> bool {
    let name = path.rsplit(['\\', '/']).next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        PROGRAM_EXTENSIONS
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
    })
}

fn seconds(ticks: i64) -> String {
    format!("{:.2} s", ticks as f64 / TICKS_PER_SECOND as f64)
}

/// Near misses for `rows` at `tolerance_seconds`.
pub fn find(
    store: &Store,
    streams: &[StreamInfo],
    rows: &[RowRef],
    tolerance_seconds: i64,
) -> Vec<NearMiss> {
    let ctx = Ctx { store, streams };
    let in_chain: FxHashSet<u32> = rows.iter().map(|r| r.file).collect();
    let started: FxHashSet<(Sym, Sym)> =
        store.procs.iter().map(|p| (p.device, p.path_key)).collect();
    // Writes by (device, path), in time order, grouped into copies: writes within the tolerance
    // of the copy's first write belong to it.
    let mut by_path: BTreeMap<(Sym, Sym), Vec<u32>> = BTreeMap::new();
    for (i, f) in store.files.iter().enumerate() {
        if in_chain.contains(&(i as u32)) {
            continue;
        }
        let path = store.strings.get(f.folder_path);
        if is_program(path) || started.contains(&(f.device, f.path_key)) {
            by_path
                .entry((f.device, f.path_key))
                .or_default()
                .push(i as u32);
        }
    }
    let mut nets_by_dev: BTreeMap<Sym, Vec<u32>> = BTreeMap::new();
    for (i, n) in store.net.iter().enumerate() {
        nets_by_dev.entry(n.device).or_default().push(i as u32);
    }
    let mut out = Vec::new();
    for ((device, path_key), mut writes) in by_path {
        writes.sort_by_key(|&w| (store.files[w as usize].at, w));
        let mut copies: Vec<Vec<u32>> = Vec::new();
        for w in writes {
            let at = store.files[w as usize].at;
            match copies.last_mut() {
                Some(c)
                    if at
                        <= store.files[c[0] as usize]
                            .at
                            .plus_seconds(tolerance_seconds) =>
                {
                    c.push(w)
                }
                _ => copies.push(vec![w]),
            }
        }
        for copy in copies {
            out.push(one(
                &ctx,
                device,
                path_key,
                &copy,
                nets_by_dev.get(&device).map_or(&[][..], Vec::as_slice),
                tolerance_seconds,
            ));
        }
    }
    out.sort_by(|a, b| {
        (a.writes[0].unix_ms, &a.device_id)
            .partial_cmp(&(b.writes[0].unix_ms, &b.device_id))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for (i, m) in out.iter_mut().enumerate() {
        m.id = format!("m{}", i + 1);
    }
    out
}

fn one(
    ctx: &Ctx<'_>,
    device: Sym,
    path_key: Sym,
    writes: &[u32],
    nets: &[u32],
    t: i64,
) -> NearMiss {
    let st = ctx.store;
    let first = &st.files[writes[0] as usize];
    let tw = first.at;
    // Connections whose window holds the first write.
    let conns: Vec<u32> = nets
        .iter()
        .copied()
        .filter(|&n| {
            let n = &st.net[n as usize];
            n.at <= tw && tw <= n.at.plus_seconds(t)
        })
        .collect();
    let mut logons: Vec<u32> = Vec::new();
    for &n in &conns {
        let net = &st.net[n as usize];
        let ip = st.strings.get(net.remote_ip);
        for (i, l) in st.logons.iter().enumerate() {
            if l.device == device
                && net.at <= l.at
                && l.at <= net.at.plus_seconds(t)
                && ends_with_ci(ip, st.strings.get(l.remote_ip))
                && !logons.contains(&(i as u32))
            {
                logons.push(i as u32);
            }
        }
    }
    // Where a start would have had to be.
    let (from, to) = match conns.iter().map(|&n| st.net[n as usize].at).min() {
        Some(c) => (
            c,
            conns
                .iter()
                .map(|&n| st.net[n as usize].at)
                .max()
                .unwrap_or(c)
                .plus_seconds(t),
        ),
        None => (tw, tw.plus_seconds(t)),
    };
    let mut starts: Vec<u32> = Vec::new();
    let mut later: Option<(Ticks, u32)> = None;
    for (i, p) in st.procs.iter().enumerate() {
        if p.device != device || p.path_key != path_key {
            continue;
        }
        if from <= p.at && p.at <= to {
            starts.push(i as u32);
        } else if p.at > to && later.is_none_or(|(at, _)| p.at < at) {
            later = Some((p.at, i as u32));
        }
    }
    let mut missing = Vec::new();
    if conns.is_empty() {
        missing.push("connection".to_string());
        missing.push("logon".to_string());
    } else if logons.is_empty() {
        missing.push("logon".to_string());
    }
    let started_in_window = !starts.is_empty();
    if !started_in_window {
        missing.push("start".to_string());
    }
    let origin = conns
        .iter()
        .map(|&n| st.net[n as usize].at)
        .min()
        .unwrap_or(tw);
    let ev = |table: Table, list: &[u32]| -> Vec<Event> {
        list.iter().map(|&i| ctx.event(table, i, origin)).collect()
    };
    let mut start_events = ev(Table::DeviceProcessEvents, &starts);
    let mut notes = Vec::new();
    if let Some((at, i)) = later {
        if !started_in_window {
            start_events.push(ctx.event(Table::DeviceProcessEvents, i, origin));
            notes.push(Note {
                code: "started_later".into(),
                message: format!(
                    "started {} after {}, outside the {t} s tolerance",
                    seconds(at.0 - origin.0),
                    if conns.is_empty() {
                        "the write"
                    } else {
                        "the connection"
                    }
                ),
            });
        }
    }
    let path = ctx.s(first.folder_path);
    let addresses: Vec<String> = {
        let mut v: Vec<String> = conns
            .iter()
            .map(|&n| ctx.s(st.net[n as usize].remote_ip))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let accounts: Vec<String> = {
        let mut v: Vec<String> = logons
            .iter()
            .map(|&l| {
                let e = &st.logons[l as usize];
                format!(
                    "{}\\{}",
                    st.strings.get(e.account_domain),
                    st.strings.get(e.account_name)
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let summary = match (conns.is_empty(), logons.is_empty(), started_in_window) {
        (false, false, false) => format!(
            "copied from {} by {} and never run within {t} s",
            addresses.join(", "),
            accounts.join(", ")
        ),
        (false, true, true) => format!("copied from {} and run, with no logon from that address in the window", addresses.join(", ")),
        (false, true, false) => format!("copied from {}, with no logon from that address and never run within {t} s", addresses.join(", ")),
        (true, _, true) => format!(
            "written by the SMB server and started {} later, with no connection or logon recorded",
            seconds(st.procs[starts[0] as usize].at.0 - tw.0)
        ),
        (true, _, false) => format!("written by the SMB server with no connection or logon recorded, and never run within {t} s"),
        (false, false, true) => "all four steps are present: this is a chain".to_string(),
    };
    let pick = |f: fn(&crate::store::FileEvent) -> Sym| {
        writes
            .iter()
            .map(|&w| st.strings.get(f(&st.files[w as usize])))
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_string()
    };
    NearMiss {
        id: String::new(),
        device_id: ctx.s(device),
        device_name: conns
            .first()
            .map(|&n| ctx.s(st.net[n as usize].device_name))
            .unwrap_or_else(|| ctx.s(first.device_name)),
        folder_path: path,
        file_name: pick(|f| f.file_name),
        sha256: pick(|f| f.sha256),
        missing,
        summary,
        writes: ev(Table::DeviceFileEvents, writes),
        connections: ev(Table::DeviceNetworkEvents, &conns),
        logons: ev(Table::DeviceLogonEvents, &logons),
        starts: start_events,
        notes,
    }
}
