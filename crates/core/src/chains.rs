//! Copy→execute chains: the query's rows grouped by the process start they end in.
//!
//! One chain per matched start, carrying every write of that path, every connection and every
//! logon that satisfied the query with it (PsExec's FileCreated and FileModified of
//! PSEXESVC.exe followed by one start is one chain, not two). Where the query's faithful result
//! may surprise, the chain carries a [`Note`] saying why it matched.

use crate::correlate::RowRef;
use crate::kql_compare::eq_ci;
use crate::load::StreamInfo;
use crate::schema::Table;
use crate::store::{Loc, Store};
use crate::time::{Precision, Ticks, TICKS_PER_SECOND};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One event of a chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Stable id within the analysis: `n12` (connection), `l3` (logon), `f7` (write), `p2` (start).
    pub id: String,
    /// Table it came from.
    pub table: Table,
    /// `Timestamp`, `2024-03-11T08:00:14.0820530Z`.
    pub timestamp: String,
    /// Ticks (100 ns) since 1970-01-01 UTC. Not serialized: it exceeds what JavaScript numbers
    /// hold exactly; `timestamp` is the exact value and `unix_ms` the one to plot.
    #[serde(skip)]
    pub ticks: i64,
    /// Milliseconds since 1970-01-01 UTC, for plotting (exact to about 0.2 µs).
    pub unix_ms: f64,
    /// Ticks after the chain's first connection.
    pub offset_ticks: i64,
    /// Where the row is: stream name and 1-based line.
    pub source: SourceRef,
    /// Key values for display, in a fixed order per table.
    pub key: Vec<(String, String)>,
    /// Every original field of the row, in source order; empty until evidence is read.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
}

/// Where a row came from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourceRef {
    /// Stream display name.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// Index in the document's rows, for JSON documents.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub record: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// Why a chain matched in a way a reader might not expect.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    /// Machine-readable code.
    pub code: String,
    /// Explanation.
    pub message: String,
}

/// A copy→execute chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Chain {
    /// `c1`, `c2`… in order of the start time.
    pub id: String,
    /// `DeviceId`.
    pub device_id: String,
    /// `DeviceName` of the connection.
    pub device_name: String,
    /// Path written and run.
    pub folder_path: String,
    /// File name written.
    pub file_name: String,
    /// Hashes of the written file (from the write events), when known.
    pub sha256: String,
    /// SHA1.
    pub sha1: String,
    /// MD5.
    pub md5: String,
    /// Remote addresses of the connections.
    pub remote_ips: Vec<String>,
    /// Accounts of the logons, `domain\name`.
    pub accounts: Vec<String>,
    /// The process start.
    pub start: Event,
    /// Writes of the path.
    pub writes: Vec<Event>,
    /// Inbound SMB connections.
    pub connections: Vec<Event>,
    /// Logons.
    pub logons: Vec<Event>,
    /// The query rows of this chain, as `[connection, logon, write, start]` event ids.
    pub rows: Vec<[String; 4]>,
    /// Ticks from the first connection to the start.
    pub span_ticks: i64,
    /// Why it matched where that may surprise.
    pub notes: Vec<Note>,
    /// Rows of this chain an allowlist rule set aside: `[connection, logon, write, start]` ids
    /// and the rule id. They are not in `rows`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside>,
    /// For a suppressed chain (every row set aside): the rules that did it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_by: Vec<String>,
}

impl Chain {
    /// Its events: connections, logons, writes, then the process start.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.connections
            .iter()
            .chain(&self.logons)
            .chain(&self.writes)
            .chain(std::iter::once(&self.start))
    }

    /// Its events, to change them, in the order of [`Chain::events`].
    pub fn events_mut(&mut self) -> impl Iterator<Item = &mut Event> {
        self.connections
            .iter_mut()
            .chain(self.logons.iter_mut())
            .chain(self.writes.iter_mut())
            .chain(std::iter::once(&mut self.start))
    }
}

/// A row an allowlist rule set aside.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SetAside {
    /// `[connection, logon, write, start]` event ids.
    pub row: [String; 4],
    /// The rule's id.
    pub rule: String,
}

/// Ids of events.
pub fn event_id(table: Table, index: u32) -> String {
    let p = match table {
        Table::DeviceNetworkEvents => 'n',
        Table::DeviceLogonEvents => 'l',
        Table::DeviceFileEvents => 'f',
        Table::DeviceProcessEvents => 'p',
    };
    format!("{p}{index}")
}

pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a Store,
    pub(crate) streams: &'a [StreamInfo],
}

impl Ctx<'_> {
    pub(crate) fn s(&self, sym: crate::store::Sym) -> String {
        self.store.strings.get(sym).to_string()
    }

    pub(crate) fn event(&self, table: Table, index: u32, origin: Ticks) -> Event {
        let st = self.store;
        let (loc, at, key): (Loc, Ticks, Vec<(&str, String)>) = match table {
            Table::DeviceNetworkEvents => {
                let e = &st.net[index as usize];
                (
                    e.loc,
                    e.at,
                    vec![
                        ("RemoteIP", self.s(e.remote_ip)),
                        ("RemotePort", self.s(e.remote_port)),
                        ("Protocol", self.s(e.protocol)),
                        ("DeviceName", self.s(e.device_name)),
                    ],
                )
            }
            Table::DeviceLogonEvents => {
                let e = &st.logons[index as usize];
                (
                    e.loc,
                    e.at,
                    vec![
                        ("ActionType", self.s(e.action)),
                        ("AccountDomain", self.s(e.account_domain)),
                        ("AccountName", self.s(e.account_name)),
                        ("AccountSid", self.s(e.account_sid)),
                        ("LogonId", self.s(e.logon_id)),
                        ("RemoteIP", self.s(e.remote_ip)),
                        ("RemoteDeviceName", self.s(e.remote_device_name)),
                        ("IsLocalAdmin", self.s(e.is_local_admin)),
                    ],
                )
            }
            Table::DeviceFileEvents => {
                let e = &st.files[index as usize];
                (
                    e.loc,
                    e.at,
                    vec![
                        ("ActionType", self.s(e.action)),
                        ("FolderPath", self.s(e.folder_path)),
                        ("FileName", self.s(e.file_name)),
                        ("SHA256", self.s(e.sha256)),
                        ("SHA1", self.s(e.sha1)),
                        ("MD5", self.s(e.md5)),
                    ],
                )
            }
            Table::DeviceProcessEvents => {
                let e = &st.procs[index as usize];
                (
                    e.loc,
                    e.at,
                    vec![
                        ("FolderPath", self.s(e.folder_path)),
                        ("ProcessCommandLine", self.s(e.command_line)),
                    ],
                )
            }
        };
        Event {
            id: event_id(table, index),
            table,
            timestamp: at.to_string(),
            ticks: at.0,
            unix_ms: at.0 as f64 / 10_000.0,
            offset_ticks: at.0 - origin.0,
            source: SourceRef {
                file: self
                    .streams
                    .get(loc.stream as usize)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                line: loc.line,
                record: loc.sub,
            },
            key: key.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            fields: Vec::new(),
        }
    }

    pub(crate) fn stream_name(&self, loc: Loc) -> String {
        self.streams
            .get(loc.stream as usize)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    fn precision_of(&self, loc: Loc) -> Precision {
        self.streams
            .get(loc.stream as usize)
            .map(|s| s.precision)
            .unwrap_or(Precision::Tick)
    }
}

fn precision_ticks(p: Precision) -> i64 {
    match p {
        Precision::Tick => 1,
        Precision::Microsecond => 10,
        Precision::Millisecond => 10_000,
        Precision::Second => TICKS_PER_SECOND,
    }
}

/// Kept rows and rows set aside (with the rule id) of one start.
type StartRows = (Vec<RowRef>, Vec<(RowRef, String)>);

fn row_ids(r: &RowRef) -> [String; 4] {
    [
        event_id(Table::DeviceNetworkEvents, r.net),
        event_id(Table::DeviceLogonEvents, r.logon),
        event_id(Table::DeviceFileEvents, r.file),
        event_id(Table::DeviceProcessEvents, r.proc),
    ]
}

fn order_and_number(chains: &mut [Chain], prefix: char) {
    chains.sort_by(|a, b| {
        (a.start.ticks, &a.device_id, &a.start.id).cmp(&(b.start.ticks, &b.device_id, &b.start.id))
    });
    for (i, c) in chains.iter_mut().enumerate() {
        c.id = format!("{prefix}{}", i + 1);
    }
}

/// Groups `rows` into chains, ordered by start time.
pub fn build(
    store: &Store,
    streams: &[StreamInfo],
    rows: &[RowRef],
    tolerance_seconds: i64,
) -> Vec<Chain> {
    build_with_allowlist(store, streams, rows, &[], tolerance_seconds).0
}

/// Groups kept rows into chains, and rows set aside by rules (with the rule id) into the
/// chains they belong to or, where a start has no kept row, into suppressed chains
/// (`s1`, `s2`…).
pub fn build_with_allowlist(
    store: &Store,
    streams: &[StreamInfo],
    kept: &[RowRef],
    set_aside: &[(RowRef, String)],
    tolerance_seconds: i64,
) -> (Vec<Chain>, Vec<Chain>) {
    let ctx = Ctx { store, streams };
    let mut by_start: BTreeMap<u32, StartRows> = BTreeMap::new();
    for &r in kept {
        by_start.entry(r.proc).or_default().0.push(r);
    }
    for (r, rule) in set_aside {
        by_start
            .entry(r.proc)
            .or_default()
            .1
            .push((*r, rule.clone()));
    }
    let mut chains = Vec::new();
    let mut suppressed = Vec::new();
    for (p, (rows, aside)) in by_start {
        if rows.is_empty() {
            let all: Vec<RowRef> = aside.iter().map(|(r, _)| *r).collect();
            let mut c = chain(&ctx, p, &all, tolerance_seconds);
            let mut rules: Vec<String> = aside.iter().map(|(_, id)| id.clone()).collect();
            rules.sort();
            rules.dedup();
            c.suppressed_by = rules;
            suppressed.push(c);
        } else {
            let mut c = chain(&ctx, p, &rows, tolerance_seconds);
            c.set_aside = aside
                .iter()
                .map(|(r, rule)| SetAside {
                    row: row_ids(r),
                    rule: rule.clone(),
                })
                .collect();
            chains.push(c);
        }
    }
    order_and_number(&mut chains, 'c');
    order_and_number(&mut suppressed, 's');
    (chains, suppressed)
}

fn chain(ctx: &Ctx<'_>, p: u32, rows: &[RowRef], tolerance_seconds: i64) -> Chain {
    let st = ctx.store;
    let nets: BTreeSet<u32> = rows.iter().map(|r| r.net).collect();
    let logons: BTreeSet<u32> = rows.iter().map(|r| r.logon).collect();
    let files: BTreeSet<u32> = rows.iter().map(|r| r.file).collect();
    let origin = nets
        .iter()
        .map(|&n| st.net[n as usize].at)
        .min()
        .unwrap_or(Ticks(0));
    let by_time = |mut v: Vec<Event>| {
        v.sort_by(|a, b| (a.ticks, &a.id).cmp(&(b.ticks, &b.id)));
        v
    };
    let connections = by_time(
        nets.iter()
            .map(|&n| ctx.event(Table::DeviceNetworkEvents, n, origin))
            .collect(),
    );
    let logon_events = by_time(
        logons
            .iter()
            .map(|&l| ctx.event(Table::DeviceLogonEvents, l, origin))
            .collect(),
    );
    let writes = by_time(
        files
            .iter()
            .map(|&f| ctx.event(Table::DeviceFileEvents, f, origin))
            .collect(),
    );
    let start = ctx.event(Table::DeviceProcessEvents, p, origin);
    let proc_ = &st.procs[p as usize];
    let first_net = &st.net[*nets.iter().next().expect("a chain has a row") as usize];
    let first_file = &st.files[*files.iter().next().expect("a chain has a row") as usize];
    let pick = |f: fn(&crate::store::FileEvent) -> crate::store::Sym| {
        files
            .iter()
            .map(|&i| st.strings.get(f(&st.files[i as usize])))
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_string()
    };
    let mut remote_ips: Vec<String> = nets
        .iter()
        .map(|&n| ctx.s(st.net[n as usize].remote_ip))
        .collect();
    remote_ips.sort();
    remote_ips.dedup();
    let mut accounts: Vec<String> = logons
        .iter()
        .map(|&l| {
            let e = &st.logons[l as usize];
            let (d, n) = (
                st.strings.get(e.account_domain),
                st.strings.get(e.account_name),
            );
            if d.is_empty() {
                n.to_string()
            } else {
                format!("{d}\\{n}")
            }
        })
        .collect();
    accounts.sort();
    accounts.dedup();
    let notes = notes(ctx, rows, proc_.at, tolerance_seconds);
    Chain {
        id: String::new(),
        device_id: ctx.s(first_net.device),
        device_name: ctx.s(first_net.device_name),
        folder_path: ctx.s(first_file.folder_path),
        file_name: pick(|f| f.file_name),
        sha256: pick(|f| f.sha256),
        sha1: pick(|f| f.sha1),
        md5: pick(|f| f.md5),
        remote_ips,
        accounts,
        span_ticks: proc_.at.0 - origin.0,
        start,
        writes,
        connections,
        logons: logon_events,
        rows: rows.iter().map(row_ids).collect(),
        notes,
        set_aside: Vec::new(),
        suppressed_by: Vec::new(),
    }
}

fn notes(ctx: &Ctx<'_>, rows: &[RowRef], start_at: Ticks, tolerance_seconds: i64) -> Vec<Note> {
    let st = ctx.store;
    let mut out = BTreeSet::new();
    for r in rows {
        let n = &st.net[r.net as usize];
        let l = &st.logons[r.logon as usize];
        let f = &st.files[r.file as usize];
        let nip = st.strings.get(n.remote_ip);
        let lip = st.strings.get(l.remote_ip);
        if lip.is_empty() {
            out.insert(Note {
                code: "empty_logon_address".into(),
                message: format!(
                    "logon {} has no RemoteIP; the query's `RemoteIP endswith RemoteIP1` is true for an empty suffix, so it matches connection {} from {nip}",
                    event_id(Table::DeviceLogonEvents, r.logon),
                    event_id(Table::DeviceNetworkEvents, r.net)
                ),
            });
        } else if !eq_ci(nip, lip) {
            let prefix = &nip[..nip.len() - lip.len().min(nip.len())];
            if !prefix.eq_ignore_ascii_case("::ffff:") {
                out.insert(Note {
                    code: "address_suffix_match".into(),
                    message: format!(
                        "the connection came from {nip} and the logon from {lip}: a different address, matched because the query compares with `endswith`"
                    ),
                });
            }
        }
        if st.strings.get(l.action) == "LogonFailed" {
            out.insert(Note {
                code: "failed_logon".into(),
                message: format!(
                    "logon {} failed; the query does not look at ActionType, so it still matches",
                    event_id(Table::DeviceLogonEvents, r.logon)
                ),
            });
        }
        if start_at < f.at {
            out.insert(Note {
                code: "start_before_write".into(),
                message: "the process started before this write of its path: the query measures every step from the connection, not from each other".into(),
            });
        }
        if n.inferred {
            out.insert(Note {
                code: "inferred_connection".into(),
                message: format!(
                    "no connection from {nip} was logged on this device; the first share access or network logon of its session ({} line {}) stands in for it",
                    ctx.stream_name(n.loc),
                    n.loc.line
                ),
            });
        }
        let p = &st.procs[r.proc as usize];
        if f.folder_path != p.folder_path {
            out.insert(Note {
                code: "path_case_differs".into(),
                message: format!(
                    "written as {} and started as {}: Windows logs are compared without regard to case",
                    st.strings.get(f.folder_path),
                    st.strings.get(p.folder_path)
                ),
            });
        }
        let edge_end = n.at.plus_seconds(tolerance_seconds);
        for (loc, at) in [
            (l.loc, l.at),
            (f.loc, f.at),
            (st.procs[r.proc as usize].loc, st.procs[r.proc as usize].at),
        ] {
            let p = ctx.precision_of(loc).max(ctx.precision_of(n.loc));
            let unit = precision_ticks(p);
            if unit > 1 && (at.0 - n.at.0 < unit || edge_end.0 - at.0 < unit) {
                out.insert(Note {
                    code: "coarse_time_at_edge".into(),
                    message: format!(
                        "timestamps here are written to {}: an event this close to the edge of the window may really lie outside it (or another just outside may belong in it)",
                        p.describe()
                    ),
                });
            }
        }
    }
    out.into_iter().collect()
}
