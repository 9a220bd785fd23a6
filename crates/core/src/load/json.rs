//! JSON exports: the Advanced Hunting API / Graph `runHuntingQuery` document, Streaming API
//! records (one per line, or an Event Hub message's `records`), and plain rows one per line.

use super::csv::{note_missing_projected, ColumnMap};
use super::error::{Cancelled, LoadError, Position};
use super::ingest::{value_text, EventSink, Field, Fields};
use super::lines::LineReader;
use super::Format;
use crate::diag::DiagnosticKind;
use crate::schema::{classify_headers, is_table_column, Col, HeaderVerdict, Table};
use crate::store::Loc;
use serde_json::{Map, Value};
use std::io::{BufRead, Read};

/// A row held as a JSON object.
struct JsonRow<'a> {
    obj: &'a Map<String, Value>,
}

fn key_of(obj: &Map<String, Value>, col: Col) -> Option<&Value> {
    if let Some(v) = obj.get(col.name()) {
        return Some(v);
    }
    // Union output (`X_long`), Sentinel (`X [UTC]`), or API clients that changed the case.
    let mut best: Option<(u8, &Value)> = None;
    for (k, v) in obj {
        let s = col.header_match(k);
        if s > 0 && !v.is_null() && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, v));
        }
    }
    best.map(|(_, v)| v)
}

impl Fields for JsonRow<'_> {
    fn get(&self, col: Col) -> Field<'_> {
        match key_of(self.obj, col) {
            None => Field::Missing,
            Some(Value::Null) => Field::Null,
            Some(v) => Field::Text(value_text(v)),
        }
    }
}

/// Case-insensitive member lookup (the API writes `Schema`, Graph writes `schema`).
fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// What one JSON value holding rows is.
enum Shape<'a> {
    /// `{"Schema": [...], "Results": [...]}`.
    HuntingResult {
        schema: Vec<String>,
        results: &'a [Value],
    },
    /// `{"records": [...]}` (Event Hub).
    Records(&'a [Value]),
    /// `{"category": "AdvancedHunting-X", "properties": {...}}`.
    StreamRecord {
        category: &'a str,
        properties: &'a Map<String, Value>,
    },
    /// A plain row object.
    Row(&'a Map<String, Value>),
    /// A JSON array of any of these.
    Array(&'a [Value]),
    Other,
}

fn shape(v: &Value) -> Shape<'_> {
    match v {
        Value::Array(a) => Shape::Array(a),
        Value::Object(o) => {
            if let (Some(Value::Array(schema)), Some(Value::Array(results))) =
                (get_ci(o, "Schema"), get_ci(o, "Results"))
            {
                let schema = schema
                    .iter()
                    .filter_map(|c| c.as_object())
                    .filter_map(|c| get_ci(c, "Name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                return Shape::HuntingResult { schema, results };
            }
            if let Some(Value::Array(records)) = o.get("records") {
                return Shape::Records(records);
            }
            if let (Some(Value::String(category)), Some(Value::Object(properties))) =
                (get_ci(o, "category"), get_ci(o, "properties"))
            {
                return Shape::StreamRecord {
                    category,
                    properties,
                };
            }
            Shape::Row(o)
        }
        _ => Shape::Other,
    }
}

/// Loader of JSON values of one stream.
pub struct JsonLoad<'s, 'a> {
    /// Where the rows go.
    pub sink: EventSink<'s, 'a>,
    /// The format recognised, from the first value that tells.
    pub format: Option<Format>,
}

impl<'s, 'a> JsonLoad<'s, 'a> {
    /// Rows of JSON values into `sink`.
    pub fn new(sink: EventSink<'s, 'a>) -> Self {
        JsonLoad { sink, format: None }
    }

    fn set_format(&mut self, f: Format) {
        if self.format.is_none() {
            self.format = Some(f);
        }
    }

    /// Loads all rows held by `v`, which starts at `byte` on `line`.
    pub fn value(&mut self, v: &Value, line: u64, byte: u64) {
        match shape(v) {
            Shape::HuntingResult { schema, results } => {
                self.set_format(Format::HuntingApiJson);
                let table = match classify_headers(schema.iter().map(String::as_str)) {
                    HeaderVerdict::Single(t) => {
                        note_missing_projected(self.sink.st, &ColumnMap::new(&schema), t);
                        Some(t)
                    }
                    _ => None,
                };
                for (i, r) in results.iter().enumerate() {
                    let loc = self.sink.loc(line, byte, i as u32);
                    match r {
                        Value::Object(o) => self.row(o, table, loc),
                        _ => self.sink.st.warn(
                            DiagnosticKind::JsonRow,
                            line,
                            None,
                            format!("Results[{i}] is not an object; skipped"),
                        ),
                    }
                }
            }
            Shape::Records(records) => {
                self.set_format(Format::StreamingJson);
                for (i, r) in records.iter().enumerate() {
                    let loc = self.sink.loc(line, byte, i as u32);
                    match shape(r) {
                        Shape::StreamRecord {
                            category,
                            properties,
                        } => self.stream_record(category, properties, loc),
                        _ => self
                            .sink
                            .st
                            .other_table("a record with no category".into(), line),
                    }
                }
            }
            Shape::StreamRecord {
                category,
                properties,
            } => {
                self.set_format(Format::StreamingJson);
                let loc = self.sink.loc(line, byte, 0);
                self.stream_record(category, properties, loc);
            }
            Shape::Row(o) => {
                let loc = self.sink.loc(line, byte, 0);
                self.row(o, None, loc);
            }
            Shape::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let loc = self.sink.loc(line, byte, i as u32);
                    match shape(item) {
                        Shape::Row(o) => self.row(o, None, loc),
                        Shape::StreamRecord {
                            category,
                            properties,
                        } => {
                            self.set_format(Format::StreamingJson);
                            self.stream_record(category, properties, loc);
                        }
                        _ => self.sink.st.warn(
                            DiagnosticKind::JsonRow,
                            line,
                            None,
                            format!("element {i} of the array is not a row; skipped"),
                        ),
                    }
                }
            }
            Shape::Other => self.sink.st.warn(
                DiagnosticKind::JsonRow,
                line,
                None,
                "a JSON value that is neither a row nor a known export; skipped".into(),
            ),
        }
    }

    fn stream_record(&mut self, category: &str, properties: &Map<String, Value>, loc: Loc) {
        let name = category
            .strip_prefix("AdvancedHunting-")
            .unwrap_or(category);
        match Table::from_name(name) {
            Some(t) => {
                let row = JsonRow { obj: properties };
                self.sink.row(t, &row, loc, false);
            }
            None => self.sink.st.other_table(name.to_string(), loc.line),
        }
    }

    fn row(&mut self, o: &Map<String, Value>, known: Option<Table>, loc: Loc) {
        if known.is_none() && super::winlog::looks_like_windows_event(o) {
            self.set_format(Format::WindowsEventJson);
            if let Some(ev) = super::winlog::from_flat(o) {
                super::winlog::ingest(&ev, loc, &mut self.sink);
            }
            return;
        }
        if known.is_none() {
            self.set_format(Format::JsonRows);
        }
        match known.or_else(|| row_table(o)) {
            Some(t) => {
                let row = JsonRow { obj: o };
                self.sink.row(t, &row, loc, false);
            }
            None => self.sink.st.other_table(describe_other(o), loc.line),
        }
    }
}

/// What a row of no table of the hunt is, for the counts.
fn describe_other(o: &Map<String, Value>) -> String {
    for (k, v) in o {
        if is_table_column(k) {
            if let Some(t) = v.as_str() {
                return t.to_string();
            }
        }
    }
    match o.get("ActionType").and_then(Value::as_str) {
        Some(a) if !a.is_empty() => format!("another table (ActionType {a})"),
        _ => "a row of no known table".to_string(),
    }
}

/// Which table a free-standing row object belongs to.
fn row_table(o: &Map<String, Value>) -> Option<Table> {
    for (k, v) in o {
        if is_table_column(k) {
            if let Some(t) = v.as_str().and_then(Table::from_name) {
                return Some(t);
            }
        }
    }
    if let Some(Value::String(a)) = o.get("ActionType") {
        if let Some(t) = Table::from_action_type(a) {
            return Some(t);
        }
    }
    match classify_headers(o.keys().map(String::as_str)) {
        HeaderVerdict::Single(t) => Some(t),
        _ => None,
    }
}

/// Reads JSON lines (one value per line), or one document when the first line is not a whole
/// value. `tick` is called now and then; it returns false to cancel. Returns whether the
/// stream was one document.
pub fn load<R: BufRead>(
    reader: R,
    max_line: u64,
    max_document: u64,
    loader: &mut JsonLoad<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<bool, LoadError> {
    let mut lines = LineReader::new(reader, max_line);
    let mut line = Vec::new();
    let mut first = true;
    loop {
        let (line_no, start) = match lines.next_line(&mut line) {
            Ok(Some(at)) => at,
            Ok(None) => break,
            Err(e) => {
                let at = lines.next_line_number();
                let e = LoadError::from_io(e, Some(at));
                if first {
                    return Err(e);
                }
                loader.sink.st.read_error(
                    at,
                    format!(
                        "reading stopped at this line: {}; the lines before were analysed",
                        e.cause()
                    ),
                );
                break;
            }
        };
        let text = trim_ascii(&line);
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(text) {
            Ok(v) => loader.value(&v, line_no, start),
            Err(e) if first && e.is_eof() => {
                // A pretty-printed document: read the rest and parse it whole.
                let mut all = std::mem::take(&mut line);
                let room = max_document.saturating_sub(all.len() as u64);
                let mut rest = lines.into_inner().take(room.saturating_add(1));
                rest.read_to_end(&mut all)
                    .map_err(|e| LoadError::from_io(e, None))?;
                if all.len() as u64 > max_document {
                    return Err(LoadError::TooLarge {
                        what: "a JSON document",
                        limit: max_document,
                    });
                }
                let v: Value = serde_json::from_slice(&all).map_err(|e| LoadError::Json {
                    at: Some(Position {
                        line: e.line() as u64,
                        column: Some(e.column() as u64),
                    }),
                    source: e,
                })?;
                loader.value(&v, 1, 0);
                return Ok(true);
            }
            Err(e) => {
                if first {
                    return Err(LoadError::Json {
                        at: None,
                        source: e,
                    });
                }
                loader.sink.st.warn(
                    DiagnosticKind::JsonLine,
                    line_no,
                    None,
                    format!("not valid JSON (column {}): {e}; line skipped", e.column()),
                );
                *loader
                    .sink
                    .st
                    .other_tables
                    .entry("unreadable JSON line".into())
                    .or_default() += 1;
            }
        }
        first = false;
        if line_no % 2048 == 0 && !tick() {
            return Err(Cancelled.into());
        }
    }
    Ok(false)
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Finds the row at `loc` again in a JSON line or document.
pub fn row_at(v: &Value, sub: u32) -> Option<&Map<String, Value>> {
    match shape(v) {
        Shape::HuntingResult { results, .. } => results.get(sub as usize)?.as_object(),
        Shape::Records(records) => match shape(records.get(sub as usize)?) {
            Shape::StreamRecord { properties, .. } => Some(properties),
            _ => None,
        },
        Shape::StreamRecord { properties, .. } => Some(properties),
        Shape::Row(o) => Some(o),
        Shape::Array(items) => match shape(items.get(sub as usize)?) {
            Shape::Row(o) => Some(o),
            Shape::StreamRecord { properties, .. } => Some(properties),
            _ => None,
        },
        Shape::Other => None,
    }
}
