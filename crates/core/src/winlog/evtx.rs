//! EVTX files, parsed with the `evtx` crate (single-threaded, so it runs in WebAssembly too).

use super::{from_flat, ingest};
use crate::diag::DiagnosticKind;
use crate::load::ingest::StreamState;
use crate::store::{Loc, Store};
use evtx::{EvtxParser, ParserSettings};
use serde_json::{Map, Value};

/// A record flattened by [`flatten`].
pub type FlatRecord = Map<String, Value>;

fn parser(bytes: Vec<u8>) -> Result<EvtxParser<std::io::Cursor<Vec<u8>>>, String> {
    let settings = ParserSettings::default().num_threads(1);
    EvtxParser::from_buffer(bytes)
        .map(|p| p.with_configuration(settings))
        .map_err(|e| format!("not a readable EVTX file: {e}"))
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
    stream: u32,
    store: &mut Store,
    st: &mut StreamState<'_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(), String> {
    let mut parser = parser(bytes)?;
    for (i, record) in parser.records_json_value().enumerate() {
        if i % 512 == 0 && !tick() {
            return Err("cancelled".into());
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                st.warn(
                    DiagnosticKind::EvtxRecord,
                    i as u64 + 1,
                    None,
                    format!("record {} could not be parsed: {e}; skipped", i + 1),
                );
                *st.other_tables
                    .entry("unreadable EVTX record".into())
                    .or_default() += 1;
                continue;
            }
        };
        let flat = flatten(&record.data);
        let loc = Loc {
            stream,
            line: record.event_record_id,
            byte: 0,
            sub: i as u32,
        };
        match from_flat(&flat) {
            Some(ev) => ingest(&ev, loc, store, st),
            None => {
                *st.other_tables
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
) -> Result<Vec<(u32, FlatRecord)>, String> {
    let mut parser = parser(bytes)?;
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
