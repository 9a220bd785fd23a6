//! The chains as a Timesketch timeline: one event per connection, logon, write and start of
//! every chain, as JSON lines ([`timesketch_jsonl`]) or CSV ([`timesketch_csv`]).
//!
//! Timesketch requires `message`, `datetime` and `timestamp_desc`; every other field becomes a
//! searchable attribute, so each line is flat (strings and numbers only, no objects or arrays).
//! Its JSONL importer does not normalise datetimes, so `datetime` always carries its zone
//! (`+00:00`); it has microseconds, which every ISO 8601 parser takes, and the exact 100 ns
//! value is kept in `event_timestamp`. `timestamp` is microseconds since 1970, as older
//! Timesketch versions require. Timesketch takes files ending `.jsonl` or `.csv`.
//!
//! The CSV form has the same columns in a fixed order, RFC 4180 quoting and no byte-order mark
//! (Timesketch would read it into the first column's name); cells that a spreadsheet would run
//! as a formula are neutralised as in [`crate::chains_csv`].

use crate::attack::field;
use crate::csv::cell;
use copyexec_core::chains::{Chain, Event};
use copyexec_core::identity::file_identity;
use copyexec_core::schema::Table;
use copyexec_core::ChainsDocument;
use serde_json::Value;
use std::io::{self, Write};

/// Columns of every event, in the order of the CSV form.
pub const TIMESKETCH_COLUMNS: [&str; 25] = [
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "tag",
    "chain_id",
    "group",
    "group_kind",
    "step",
    "device",
    "device_id",
    "source",
    "source_host",
    "account",
    "path",
    "file_name",
    "sha256",
    "sha1",
    "md5",
    "command_line",
    "action_type",
    "event_id",
    "event_timestamp",
    "evidence",
    "notes",
];

/// One Timesketch event: values by [`TIMESKETCH_COLUMNS`] position.
struct Line {
    cells: Vec<Value>,
}

fn text(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// `2024-03-11T08:00:14.0820530Z` → (`2024-03-11T08:00:14.082053+00:00`, microseconds).
/// From the serialized timestamp: a document read back from a report has no ticks.
fn datetime(e: &Event) -> (String, i64) {
    let ticks = crate::time::parse_utc(&e.timestamp).unwrap_or(e.ticks);
    let micros = ticks.div_euclid(10);
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let whole = crate::time::rfc3339_seconds(secs);
    let whole = whole.trim_end_matches('Z');
    (format!("{whole}.{frac:06}+00:00"), micros)
}

fn account(e: &Event) -> String {
    let domain = field(e, "AccountDomain").unwrap_or("");
    let name = field(e, "AccountName").unwrap_or("");
    match (domain.is_empty(), name.is_empty()) {
        (_, true) => String::new(),
        (true, false) => name.to_string(),
        (false, false) => format!("{domain}\\{name}"),
    }
}

fn lines(chain: &Chain) -> Vec<Line> {
    let (kind, group) = file_identity(chain);
    let device = &chain.device_name;
    let sources = chain.remote_ips.join("; ");
    let accounts = chain.accounts.join("; ");
    let notes: Vec<&str> = chain.notes.iter().map(|n| n.code.as_str()).collect();
    let shown_device = if device.is_empty() {
        chain.device_id.as_str()
    } else {
        device.as_str()
    };
    let events = chain
        .connections
        .iter()
        .chain(&chain.logons)
        .chain(&chain.writes)
        .chain(std::iter::once(&chain.start));
    events
        .map(|e| {
            let ip = field(e, "RemoteIP").unwrap_or("");
            let who = account(e);
            let (desc, step, message, source, acct) = match e.table {
                Table::DeviceNetworkEvents => (
                    "SMB connection",
                    "connection",
                    format!("SMB connection from {ip} to {shown_device}"),
                    ip.to_string(),
                    accounts.clone(),
                ),
                Table::DeviceLogonEvents => {
                    let failed = field(e, "ActionType") == Some("LogonFailed");
                    (
                        "Logon",
                        "logon",
                        format!(
                            "SMB logon{} {who} from {ip} on {shown_device}",
                            if failed { " (failed)" } else { "" }
                        ),
                        ip.to_string(),
                        who.clone(),
                    )
                }
                Table::DeviceFileEvents => (
                    "File write (SMB)",
                    "write",
                    format!(
                        "{} written over SMB on {shown_device}",
                        field(e, "FolderPath").unwrap_or(&chain.folder_path)
                    ),
                    sources.clone(),
                    accounts.clone(),
                ),
                Table::DeviceProcessEvents => (
                    "Process start",
                    "start",
                    format!(
                        "SMB logon {} from {} → {} started on {shown_device}",
                        if accounts.is_empty() { "?" } else { &accounts },
                        if sources.is_empty() { "?" } else { &sources },
                        file_name_or_path(chain)
                    ),
                    sources.clone(),
                    accounts.clone(),
                ),
            };
            let (dt, micros) = datetime(e);
            let source_host = chain
                .logons
                .iter()
                .filter_map(|l| field(l, "RemoteDeviceName"))
                .next()
                .unwrap_or("");
            let cells = vec![
                text(format!("copyexec {}: {message}", chain.id)),
                text(dt),
                Value::from(micros),
                text(desc),
                text("copyexec"),
                text(&chain.id),
                text(&group),
                text(kind.as_str()),
                text(step),
                text(device),
                text(&chain.device_id),
                text(source),
                text(source_host),
                text(acct),
                text(&chain.folder_path),
                text(&chain.file_name),
                text(&chain.sha256),
                text(&chain.sha1),
                text(&chain.md5),
                text(field(&chain.start, "ProcessCommandLine").unwrap_or("")),
                text(field(e, "ActionType").unwrap_or("")),
                text(&e.id),
                text(&e.timestamp),
                text(format!("{}:{}", e.source.file, e.source.line)),
                text(notes.join("; ")),
            ];
            debug_assert_eq!(cells.len(), TIMESKETCH_COLUMNS.len());
            Line { cells }
        })
        .collect()
}

/// The file name, or the path when the write carried no name.
fn file_name_or_path(chain: &Chain) -> &str {
    if chain.file_name.is_empty() {
        &chain.folder_path
    } else {
        &chain.file_name
    }
}

/// Writes the chains of `doc` as Timesketch JSON lines (one flat object per event, keys in
/// [`TIMESKETCH_COLUMNS`] order, LF-terminated), a chain at a time.
pub fn write_timesketch_jsonl<W: Write>(doc: &ChainsDocument, mut out: W) -> io::Result<()> {
    for chain in &doc.chains {
        for line in lines(chain) {
            let mut text = String::from("{");
            for (i, (key, value)) in TIMESKETCH_COLUMNS.iter().zip(&line.cells).enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&Value::from(*key).to_string());
                text.push(':');
                text.push_str(&value.to_string());
            }
            text.push_str("}\n");
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes the chains of `doc` as Timesketch CSV (header of [`TIMESKETCH_COLUMNS`], CRLF).
pub fn write_timesketch_csv<W: Write>(doc: &ChainsDocument, mut out: W) -> io::Result<()> {
    out.write_all(TIMESKETCH_COLUMNS.join(",").as_bytes())?;
    out.write_all(b"\r\n")?;
    for chain in &doc.chains {
        for line in lines(chain) {
            let row: Vec<String> = line
                .cells
                .iter()
                .map(|v| match v {
                    Value::String(s) => cell(s),
                    other => other.to_string(),
                })
                .collect();
            out.write_all(row.join(",").as_bytes())?;
            out.write_all(b"\r\n")?;
        }
    }
    Ok(())
}

/// [`write_timesketch_jsonl`] into a string.
pub fn timesketch_jsonl(doc: &ChainsDocument) -> String {
    let mut out = Vec::new();
    let _ = write_timesketch_jsonl(doc, &mut out); // writing to a Vec cannot fail
    String::from_utf8(out).unwrap_or_default()
}

/// [`write_timesketch_csv`] into a string.
pub fn timesketch_csv(doc: &ChainsDocument) -> String {
    let mut out = Vec::new();
    let _ = write_timesketch_csv(doc, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
