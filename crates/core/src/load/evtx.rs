//! EVTX files, parsed with the `evtx` crate (single-threaded, so it runs in WebAssembly too);
//! each record is flattened and handed to the Windows-event mapping ([`super::winlog`]).

use super::error::{Cancelled, LoadError, RereadError};
use super::ingest::EventSink;
use super::winlog::from_flat;
use crate::diag::DiagnosticKind;
use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings};
use serde_json::{Map, Value};

/// A record flattened by [`flatten`].
pub type FlatRecord = Map<String, Value>;

/// The parser, or why the bytes are no EVTX file it can read.
fn parser(bytes: Vec<u8>) -> Result<EvtxParser<std::io::Cursor<Vec<u8>>>, EvtxError> {
    let settings = ParserSettings::default().num_threads(1);
    EvtxParser::from_buffer(bytes).map(|p| p.with_configuration(settings))
}

/// Flattens an EVTX record's JSON (`Event.System`, `Event.EventData` / `Event.UserData`) into
/// the flat form JSON-lines exports use: `EventID`, `Channel`, `Computer`, `SourceName`,
/// `TimeCreated`, `EventRecordID`, then the event data fields.
pub fn flatten(data: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let event = data.get("Event").unwrap_or(data);
    if let Some(system) = event.get("System") {
        let id = system
            .get("EventID")
            .map(|v| v.get("#text").unwrap_or(v).clone());
        if let Some(id) = id {
            out.insert("EventID".into(), id);
        }
        for key in ["Channel", "Computer", "EventRecordID"] {
            if let Some(v) = system.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        if let Some(name) = system.pointer("/Provider/#attributes/Name") {
            out.insert("SourceName".into(), name.clone());
        }
        if let Some(t) = system.pointer("/TimeCreated/#attributes/SystemTime") {
            out.insert("TimeCreated".into(), t.clone());
        }
    }
    let mut add_fields = |obj: &Map<String, Value>| {
        for (k, v) in obj {
            if k == "#attributes" {
                continue;
            }
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
    };
    if let Some(Value::Object(ed)) = event.get("EventData") {
        add_fields(ed);
    }
    if let Some(Value::Object(ud)) = event.get("UserData") {
        for inner in ud.values() {
            if let Value::Object(o) = inner {
                add_fields(o);
            }
        }
    }
    out
}

/// Loads every record. Record-level damage is reported and skipped.
pub(crate) fn load(
    bytes: Vec<u8>,
    sink: &mut EventSink<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(), LoadError> {
    let mut parser = parser(bytes).map_err(LoadError::Evtx)?;
    for (i, record) in parser.records_json_value().enumerate() {
        if i % 512 == 0 && !tick() {
            return Err(Cancelled.into());
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                sink.st.warn(
                    DiagnosticKind::EvtxRecord,
                    i as u64 + 1,
                    None,
                    format!("record {} could not be parsed: {e}; skipped", i + 1),
                );
                *sink
                    .st
                    .other_tables
                    .entry("unreadable EVTX record".into())
                    .or_default() += 1;
                continue;
            }
        };
        let flat = flatten(&record.data);
        let loc = sink.loc(record.event_record_id, 0, i as u32);
        match from_flat(&flat) {
            Some(ev) => super::winlog::ingest(&ev, loc, sink),
            None => {
                *sink
                    .st
                    .other_tables
                    .entry("an event without an EventID".into())
                    .or_default() += 1
            }
        }
    }
    Ok(())
}

/// The flattened records at `subs` (record ordinals), for evidence.
pub fn records(
    bytes: Vec<u8>,
    subs: &std::collections::BTreeSet<u32>,
) -> Result<Vec<(u32, FlatRecord)>, RereadError> {
    let mut parser = parser(bytes).map_err(RereadError::Evtx)?;
    let last = subs.iter().next_back().copied().unwrap_or(0);
    let mut out = Vec::new();
    for (i, record) in parser.records_json_value().enumerate() {
        let i = i as u32;
        if i > last {
            break;
        }
        if subs.contains(&i) {
            if let Ok(r) = record {
                out.push((i, flatten(&r.data)));
            }
        }
    }
    Ok(out)
}
