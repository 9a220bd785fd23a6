//! The one event sink every reader writes into: one row of one table → a compact event, with
//! the query's per-table filters applied.
//!
//! The CSV, JSON, JSON lines and EVTX readers find rows and hand them to an [`EventSink`];
//! Windows events go through the mapping in [`super::winlog`], which writes into the same
//! sink. None of them touches the store or the counts otherwise.
//!
//! Every row read ends in exactly one bucket of its table's [`TableStats`]: used (it can take
//! part in the query), filtered (the query's own `where` excludes it, or its Timestamp is null
//! so no window can hold it), or skipped (it could not be read; a diagnostic says why).

use crate::diag::{Diagnostic, DiagnosticKind, Diagnostics, Severity};
use crate::kql_compare::{ends_with_ci, eq_ci};
use crate::schema::{Col, Kind, Table};
use crate::store::Loc;
use crate::store::{FileEvent, LogonEvent, NetEvent, ProcEvent, Store, Sym};
use crate::time::{parse_stamp, NumericDate, Precision, Stamp, StampStyle, Ticks};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A JSON value as the text KQL would show: strings bare, everything else as JSON.
pub fn value_text(v: &serde_json::Value) -> Cow<'_, str> {
    use serde_json::Value;
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        other => Cow::Owned(other.to_string()),
    }
}

/// Where readers put what they read: the store of events and the state of the stream being
/// read (counts, diagnostics, timestamps seen).
pub struct EventSink<'s, 'a> {
    /// The stream's index (`Loc::stream`).
    pub stream: u32,
    /// The events.
    pub store: &'s mut Store,
    /// The stream's counts and diagnostics.
    pub st: &'s mut StreamState<'a>,
}

impl EventSink<'_, '_> {
    /// The location of a row starting at `byte` on `line` (`sub`: its index within a JSON
    /// value or EVTX file).
    pub fn loc(&self, line: u64, byte: u64, sub: u32) -> Loc {
        Loc {
            stream: self.stream,
            line,
            byte,
            sub,
        }
    }

    /// A row of `table`.
    pub fn row(&mut self, table: Table, f: &dyn Fields, loc: Loc, utc_header: bool) {
        self.st.ingest(self.store, table, f, loc, utc_header);
    }
}

/// A value as a source holds it.
pub enum Field<'a> {
    /// The source has no such column.
    Missing,
    /// A null (JSON `null`).
    Null,
    /// Text (numbers and booleans of JSON rendered as text).
    Text(Cow<'a, str>),
}

/// Access to the columns of one row.
pub trait Fields {
    /// The value of `col`.
    fn get(&self, col: Col) -> Field<'_>;

    /// Whether the source has column `col` at all.
    fn has(&self, col: Col) -> bool {
        !matches!(self.get(col), Field::Missing)
    }
}

/// Per-table counts of one stream.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableStats {
    /// Rows of this table read.
    pub read: u64,
    /// Rows kept: they can take part in the query.
    pub used: u64,
    /// Rows the query itself excludes, by reason.
    pub filtered: BTreeMap<String, u64>,
    /// Rows that could not be read, by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// Timestamp forms seen in a stream.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StampStats {
    /// Forms seen, with counts.
    pub styles: BTreeMap<String, u64>,
    /// Coarsest resolution seen.
    pub coarsest: Option<Precision>,
    /// Values that carried their own zone.
    pub zoned: u64,
    /// Values without a zone, placed with the assumed offset.
    pub naive: u64,
}

/// A numeric date waiting for its stream's day/month order.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct PendingStamp {
    pub table: Table,
    pub index: usize,
    pub date: NumericDate,
    pub offset_minutes: i32,
}

/// Marks an event whose time is not known yet.
pub const PENDING: Ticks = Ticks(i64::MIN);

/// State of the stream being loaded.
pub struct StreamState<'a> {
    pub label: &'a str,
    pub offset_minutes: i32,
    pub stats: [TableStats; 4],
    pub stamps: StampStats,
    pub evidence: crate::time::DateOrderEvidence,
    pub pending: Vec<PendingStamp>,
    pub diagnostics: &'a mut Diagnostics,
    pub missing_warned: [bool; Col::COUNT],
    /// Rows of tables this hunt does not read, by what they are.
    pub other_tables: BTreeMap<String, u64>,
    /// Reading a piece of the stream: the byte (from where its reader started) where the next
    /// piece starts, so reading stops there ([`super::piece`]).
    pub until: Option<u64>,
    /// The line (counted from where its reader started) of the record at `until`, once
    /// reading stopped there.
    pub next_piece_line: Option<u64>,
}

/// What a stream's state holds once its reader is done.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StreamCounts {
    /// Rows by table.
    pub stats: [TableStats; 4],
    /// Timestamp forms seen.
    pub stamps: StampStats,
    /// What the numeric dates say about their day/month order.
    pub evidence: crate::time::DateOrderEvidence,
    /// Numeric dates waiting for that order.
    pub pending: Vec<PendingStamp>,
    /// Rows of tables this hunt does not read, by what they are.
    pub other_tables: BTreeMap<String, u64>,
    /// Where a piece's reading stopped for the next piece ([`StreamState::next_piece_line`]).
    pub next_piece_line: Option<u64>,
}

impl<'a> StreamState<'a> {
    /// The counts, releasing the diagnostics.
    pub fn into_counts(self) -> StreamCounts {
        StreamCounts {
            stats: self.stats,
            stamps: self.stamps,
            evidence: self.evidence,
            pending: self.pending,
            other_tables: self.other_tables,
            next_piece_line: self.next_piece_line,
        }
    }

    /// Whether the record starting at `byte` on `line` is the next piece's, so reading stops
    /// before it. A record that starts past the next piece's start spans it (a quoted line
    /// end): that piece began inside a record, and this one reads on to the end instead.
    pub fn piece_ends_before(&mut self, line: u64, byte: u64) -> bool {
        match self.until {
            Some(until) if byte == until => {
                self.next_piece_line = Some(line);
                true
            }
            Some(until) if byte > until => {
                self.until = None;
                false
            }
            _ => false,
        }
    }

    pub fn new(label: &'a str, offset_minutes: i32, diagnostics: &'a mut Diagnostics) -> Self {
        StreamState {
            label,
            offset_minutes,
            stats: Default::default(),
            stamps: StampStats::default(),
            evidence: Default::default(),
            pending: Vec::new(),
            diagnostics,
            missing_warned: [false; Col::COUNT],
            other_tables: BTreeMap::new(),
            until: None,
            next_piece_line: None,
        }
    }

    /// Counts a row that belongs to no table of the hunt.
    pub fn other_table(&mut self, what: String, _line: u64) {
        *self.other_tables.entry(what).or_default() += 1;
    }

    pub fn warn(&mut self, kind: DiagnosticKind, line: u64, column: Option<&str>, message: String) {
        self.diagnostics.push(Diagnostic {
            kind,
            severity: Severity::Warning,
            file: self.label.to_string(),
            line: Some(line),
            column: column.map(str::to_string),
            message,
        });
    }

    /// The stream could not be read to its end: what was read before `line` is kept.
    pub fn read_error(&mut self, line: u64, message: String) {
        self.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::ReadError,
            severity: Severity::Error,
            file: self.label.to_string(),
            line: Some(line),
            column: None,
            message,
        });
    }

    fn skip(&mut self, table: Table, reason: &str) {
        *self.stats[table.index()]
            .skipped
            .entry(reason.to_string())
            .or_default() += 1;
    }

    fn filter(&mut self, table: Table, reason: &'static str) {
        *self.stats[table.index()]
            .filtered
            .entry(reason.to_string())
            .or_default() += 1;
    }
}

/// Reading values: each with a diagnostic when it does not parse.
impl StreamState<'_> {
    /// `LocalPort == 445`, with a diagnostic when the value is not an integer.
    fn port_is_445(&mut self, f: &dyn Fields, line: u64) -> bool {
        let Field::Text(t) = f.get(Col::LocalPort) else {
            return false;
        };
        let v = t.trim();
        if v == "445" {
            return true;
        }
        if !v.is_empty() && parse_integer(v).is_none() {
            self.warn(
                DiagnosticKind::BadInteger,
                line,
                Some("LocalPort"),
                format!("{v:?} is not an integer; read as null"),
            );
        }
        parse_integer(v) == Some(445)
    }

    /// Text of a string column: Kusto strings are never null, so null and missing read as "".
    fn text<'f>(&mut self, f: &'f dyn Fields, col: Col) -> Cow<'f, str> {
        match f.get(col) {
            Field::Text(t) => t,
            _ => Cow::Borrowed(""),
        }
    }

    /// A typed value normalised to text ("" for null), with a diagnostic if it does not parse.
    fn typed(&mut self, f: &dyn Fields, col: Col, line: u64) -> String {
        let Field::Text(t) = f.get(col) else {
            return String::new();
        };
        let v = t.trim();
        if v.is_empty() {
            return String::new();
        }
        match col.kind() {
            Kind::Integer => match parse_integer(v) {
                Some(n) => n.to_string(),
                None => {
                    self.warn(
                        DiagnosticKind::BadInteger,
                        line,
                        Some(col.name()),
                        format!("{v:?} is not an integer; read as null"),
                    );
                    String::new()
                }
            },
            Kind::Boolean => match v {
                "true" | "True" | "TRUE" | "1" => "true".into(),
                "false" | "False" | "FALSE" | "0" => "false".into(),
                _ => {
                    self.warn(
                        DiagnosticKind::BadBoolean,
                        line,
                        Some(col.name()),
                        format!("{v:?} is not a boolean; read as null"),
                    );
                    String::new()
                }
            },
            _ => v.to_string(),
        }
    }

    /// The row's Timestamp: `Ok(None)` for null, `Err` when unreadable (the row is skipped).
    fn timestamp(
        &mut self,
        f: &dyn Fields,
        table: Table,
        line: u64,
        utc_header: bool,
    ) -> Result<Option<Stamp>, ()> {
        let text = match f.get(Col::Timestamp) {
            Field::Text(t) => t,
            Field::Null => return Ok(None),
            Field::Missing => {
                self.skip(table, "no Timestamp column");
                return Err(());
            }
        };
        let offset = if utc_header { 0 } else { self.offset_minutes };
        match parse_stamp(&text, offset) {
            Ok(Stamp::Null) => Ok(None),
            Ok(s) => {
                let (style, precision, zoned) = match s {
                    Stamp::Exact {
                        style,
                        precision,
                        zoned,
                        ..
                    } => (style, precision, zoned || utc_header),
                    Stamp::Pending(d) => {
                        self.evidence.observe(&d, line);
                        (StampStyle::Numeric, d.precision, utc_header)
                    }
                    Stamp::Null => unreachable!(),
                };
                *self
                    .stamps
                    .styles
                    .entry(style.describe().to_string())
                    .or_default() += 1;
                self.stamps.coarsest = self.stamps.coarsest.max(Some(precision));
                if zoned {
                    self.stamps.zoned += 1;
                } else {
                    self.stamps.naive += 1;
                }
                Ok(Some(s))
            }
            Err(why) => {
                let shown: String = text.chars().take(60).collect();
                self.warn(
                    DiagnosticKind::BadTimestamp,
                    line,
                    Some("Timestamp"),
                    format!("{shown:?}: {why}; row skipped"),
                );
                self.skip(table, "unreadable Timestamp");
                Err(())
            }
        }
    }
}

/// The query's per-table filters, then the compact event.
impl StreamState<'_> {
    /// Reads one row of `table` into `store`.
    pub fn ingest(
        &mut self,
        store: &mut Store,
        table: Table,
        f: &dyn Fields,
        loc: Loc,
        utc_header: bool,
    ) {
        self.stats[table.index()].read += 1;
        let line = loc.line;
        for &col in table.required() {
            if !f.has(col) {
                self.skip(table, &format!("no {} column", col.name()));
                return;
            }
        }
        // The query's own filters first: most rows of the two big tables stop here, before any
        // timestamp is parsed or string interned.
        match table {
            Table::DeviceNetworkEvents => {
                if !self.port_is_445(f, line) {
                    self.filter(table, "LocalPort is not 445");
                    return;
                }
                if self.text(f, Col::RemoteIP).is_empty() {
                    self.filter(table, "RemoteIP is empty");
                    return;
                }
            }
            Table::DeviceFileEvents => {
                let action = self.text(f, Col::ActionType);
                if action != "FileCreated" && action != "FileModified" {
                    self.filter(table, "ActionType is not FileCreated or FileModified");
                    return;
                }
                let by_kernel = eq_ci(&self.text(f, Col::InitiatingProcessFileName), "System")
                    || ends_with_ci(
                        &self.text(f, Col::InitiatingProcessFolderPath),
                        "ntoskrnl.exe",
                    );
                if !by_kernel {
                    self.filter(table, "not written by System / ntoskrnl.exe");
                    return;
                }
            }
            _ => {}
        }
        let Ok(stamp) = self.timestamp(f, table, line, utc_header) else {
            return;
        };
        let Some(stamp) = stamp else {
            self.filter(table, "Timestamp is null: no window can hold it");
            return;
        };
        let (at, pending) = match stamp {
            Stamp::Exact { at, .. } => (at, None),
            Stamp::Pending(d) => (PENDING, Some(d)),
            Stamp::Null => unreachable!(),
        };
        let device = {
            let t = self.text(f, Col::DeviceId);
            store.strings.intern(&t)
        };
        let index = match table {
            Table::DeviceNetworkEvents => {
                let remote_ip = intern(store, &self.text(f, Col::RemoteIP));
                let e = NetEvent {
                    loc,
                    at,
                    device,
                    remote_ip,
                    device_name: intern(store, &self.text(f, Col::DeviceName)),
                    remote_port: intern(store, &self.typed(f, Col::RemotePort, line)),
                    protocol: intern(store, &self.text(f, Col::Protocol)),
                    local_ip: intern(store, &self.text(f, Col::LocalIP)),
                    inferred: false,
                };
                store.net.push(e);
                store.net.len() - 1
            }
            Table::DeviceLogonEvents => {
                let e = LogonEvent {
                    loc,
                    at,
                    device,
                    remote_ip: intern(store, &self.text(f, Col::RemoteIP)),
                    account_domain: intern(store, &self.text(f, Col::AccountDomain)),
                    account_name: intern(store, &self.text(f, Col::AccountName)),
                    account_sid: intern(store, &self.text(f, Col::AccountSid)),
                    logon_id: intern(store, &self.typed(f, Col::LogonId, line)),
                    remote_device_name: intern(store, &self.text(f, Col::RemoteDeviceName)),
                    is_local_admin: intern(store, &self.typed(f, Col::IsLocalAdmin, line)),
                    action: intern(store, &self.text(f, Col::ActionType)),
                };
                store.logons.push(e);
                store.logons.len() - 1
            }
            Table::DeviceFileEvents => {
                let action = self.text(f, Col::ActionType);
                let action = store.strings.intern(&action);
                let folder_path = intern(store, &self.text(f, Col::FolderPath));
                let e = FileEvent {
                    loc,
                    at,
                    device,
                    action,
                    folder_path,
                    path_key: folder_path,
                    device_name: intern(store, &self.text(f, Col::DeviceName)),
                    file_name: intern(store, &self.text(f, Col::FileName)),
                    sha1: intern(store, &self.text(f, Col::SHA1)),
                    sha256: intern(store, &self.text(f, Col::SHA256)),
                    md5: intern(store, &self.text(f, Col::MD5)),
                };
                store.files.push(e);
                store.files.len() - 1
            }
            Table::DeviceProcessEvents => {
                let folder_path = intern(store, &self.text(f, Col::FolderPath));
                let e = ProcEvent {
                    loc,
                    at,
                    device,
                    folder_path,
                    path_key: folder_path,
                    command_line: intern(store, &self.text(f, Col::ProcessCommandLine)),
                    parent: intern(store, &self.text(f, Col::InitiatingProcessFileName)),
                };
                store.procs.push(e);
                store.procs.len() - 1
            }
        };
        self.stats[table.index()].used += 1;
        if let Some(date) = pending {
            let offset_minutes = if utc_header { 0 } else { self.offset_minutes };
            self.pending.push(PendingStamp {
                table,
                index,
                date,
                offset_minutes,
            });
        }
    }
}

fn intern(store: &mut Store, s: &str) -> Sym {
    store.strings.intern(s)
}

/// Integers as exports write them: `445`, `-1`, and `445.0` from tools that went through floats.
fn parse_integer(v: &str) -> Option<i64> {
    v.parse::<i64>().ok().or_else(|| {
        let f = v.strip_suffix(".0")?;
        f.parse::<i64>().ok()
    })
}
