//! JSON exports: the Advanced Hunting API / Graph `runHuntingQuery` document, Streaming API
//! records (one per line, or an Event Hub message's `records`), and plain rows one per line.

use super::csv::{note_missing_projected, ColumnMap};
use super::error::{Cancelled, LoadError, Position};
use super::ingest::{value_text, EventSink, Field, Fields};
use super::lines::{line_ends, line_start, LineReader};
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
        self.value_at(v, byte, &|_| line);
    }

    /// Loads all rows held by `v`, which starts at `byte`; `line(i)` is the line where its
    /// `i`th record opens (the value's own line for a single record).
    fn value_at(&mut self, v: &Value, byte: u64, line: &dyn Fn(usize) -> u64) {
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
                    let loc = self.sink.loc(line(i), byte, i as u32);
                    match r {
                        Value::Object(o) => self.row(o, table, loc),
                        _ => self.sink.st.warn(
                            DiagnosticKind::JsonRow,
                            loc.line,
                            None,
                            format!("Results[{i}] is not an object; skipped"),
                        ),
                    }
                }
            }
            Shape::Records(records) => {
                self.set_format(Format::StreamingJson);
                for (i, r) in records.iter().enumerate() {
                    let loc = self.sink.loc(line(i), byte, i as u32);
                    match shape(r) {
                        Shape::StreamRecord {
                            category,
                            properties,
                        } => self.stream_record(category, properties, loc),
                        _ => self
                            .sink
                            .st
                            .other_table("a record with no category".into(), loc.line),
                    }
                }
            }
            Shape::StreamRecord {
                category,
                properties,
            } => {
                self.set_format(Format::StreamingJson);
                let loc = self.sink.loc(line(0), byte, 0);
                self.stream_record(category, properties, loc);
            }
            Shape::Row(o) => {
                let loc = self.sink.loc(line(0), byte, 0);
                self.row(o, None, loc);
            }
            Shape::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let loc = self.sink.loc(line(i), byte, i as u32);
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
                            loc.line,
                            None,
                            format!("element {i} of the array is not a row; skipped"),
                        ),
                    }
                }
            }
            Shape::Other => self.sink.st.warn(
                DiagnosticKind::JsonRow,
                line(0),
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
    lines(reader, max_line, max_document, loader, tick, true)
}

/// Loads the lines of a piece of JSON lines after the first ([`super::piece`]).
pub fn load_piece<R: BufRead>(
    reader: R,
    max_line: u64,
    loader: &mut JsonLoad<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(), LoadError> {
    lines(reader, max_line, 0, loader, tick, false).map(|_| ())
}

/// Loads JSON lines; the stream's `first` line may open a document instead.
fn lines<R: BufRead>(
    reader: R,
    max_line: u64,
    max_document: u64,
    loader: &mut JsonLoad<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
    mut first: bool,
) -> Result<bool, LoadError> {
    let mut lines = LineReader::new(reader, max_line);
    let mut line = Vec::new();
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
        if loader.sink.st.piece_ends_before(line_no, start) {
            break;
        }
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
                // `all` starts with the document's first line (blank lines before it skipped).
                let v: Value = serde_json::from_slice(&all).map_err(|e| LoadError::Json {
                    at: error_position(&all, &e, line_no),
                    source: e,
                })?;
                let opens = record_starts(&all, &v).unwrap_or_default();
                let lines = lines_of(&all, &opens, line_no);
                loader.value_at(&v, start, &|i| lines.get(i).copied().unwrap_or(line_no));
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

/// The physical line and column of a parse error in a document whose first line is
/// `first_line` of its stream. The JSON parser counts only LF as a line end, so on a CR file
/// it would name line 1 and a column in the millions; its position is turned back into a byte
/// and that byte's line counted as everywhere else (LF, CRLF, lone CR).
fn error_position(doc: &[u8], e: &serde_json::Error, first_line: u64) -> Option<Position> {
    if e.line() == 0 {
        return None;
    }
    let serde_line_start = match e.line() {
        1 => 0,
        l => memchr::memchr_iter(b'\n', doc)
            .nth(l - 2)
            .map_or(0, |i| i + 1),
    };
    let at = (serde_line_start + e.column()).min(doc.len());
    Some(Position {
        line: first_line + line_ends(doc, 0, at),
        column: Some((at - line_start(doc, at)) as u64),
    })
}

/// The line of each byte of `starts` (increasing) in `doc`, whose first line is `first_line`.
fn lines_of(doc: &[u8], starts: &[usize], first_line: u64) -> Vec<u64> {
    let mut line = first_line;
    let mut from = 0;
    starts
        .iter()
        .map(|&at| {
            line += line_ends(doc, from, at);
            from = at;
            line
        })
        .collect()
}

/// Where each record of the document `doc` (parsed as `v`) opens: the first byte of each
/// element of the array [`JsonLoad::value`] reads rows from, or of the document itself when it
/// is one record. `None` when the bytes do not match the value (they always should).
fn record_starts(doc: &[u8], v: &Value) -> Option<Vec<usize>> {
    let top = skip_ws(doc, 0);
    let (array, len) = match shape(v) {
        Shape::HuntingResult { results, .. } => (
            member_value(doc, top, |m| get_ci(m, "Results"))?,
            results.len(),
        ),
        Shape::Records(records) => (member_value(doc, top, |m| m.get("records"))?, records.len()),
        Shape::Array(items) => (top, items.len()),
        Shape::StreamRecord { .. } | Shape::Row(_) | Shape::Other => return Some(vec![top]),
    };
    let starts = elements(doc, array)?;
    (starts.len() == len).then_some(starts)
}

/// The first byte of the member of the object at `at` that `pick` chooses from a map of the
/// object's keys, built as the parsed value's was (so duplicate keys and case-insensitive
/// lookups choose the same member).
fn member_value(
    doc: &[u8],
    at: usize,
    pick: impl Fn(&Map<String, Value>) -> Option<&Value>,
) -> Option<usize> {
    let members = members(doc, at)?;
    let mut keys = Map::new();
    for (i, (k, _)) in members.iter().enumerate() {
        keys.insert(k.clone(), Value::from(i));
    }
    let i = pick(&keys)?.as_u64()? as usize;
    Some(members.get(i)?.1)
}

// A scanner over bytes already parsed as JSON, to find where values start: the parser keeps
// no positions. Iterative (no recursion on nesting) and bounds-checked, returning `None` on
// anything unexpected rather than trusting its input.

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The byte after the string opening at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let k = j + memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[k] == b'"' {
            return Some(k + 1);
        }
        j = k + 2;
    }
}

/// The byte after the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match *b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            Some(j)
        }
    }
}

/// The first byte of each element of the array opening at `i`.
fn elements(b: &[u8], i: usize) -> Option<Vec<usize>> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b']') {
        return Some(out);
    }
    loop {
        out.push(j);
        j = skip_ws(b, value_end(b, j)?);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b']' => return Some(out),
            _ => return None,
        }
    }
}

/// The key and the value's first byte of each member of the object opening at `i`.
fn members(b: &[u8], i: usize) -> Option<Vec<(String, usize)>> {
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b'}') {
        return Some(out);
    }
    loop {
        let key_end = string_end(b, j)?;
        let key: String = serde_json::from_slice(b.get(j..key_end)?).ok()?;
        j = skip_ws(b, key_end);
        if b.get(j) != Some(&b':') {
            return None;
        }
        j = skip_ws(b, j + 1);
        out.push((key, j));
        j = skip_ws(b, value_end(b, j)?);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b'}' => return Some(out),
            _ => return None,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each start found must be where the element itself parses from.
    fn check(doc: &str) {
        let v: Value = serde_json::from_str(doc).unwrap();
        let starts = record_starts(doc.as_bytes(), &v).expect("starts");
        let elements: Vec<&Value> = match shape(&v) {
            Shape::HuntingResult { results, .. } => results.iter().collect(),
            Shape::Records(r) | Shape::Array(r) => r.iter().collect(),
            _ => vec![&v],
        };
        assert_eq!(starts.len(), elements.len(), "{doc}");
        for (s, e) in starts.iter().zip(elements) {
            let mut it = serde_json::Deserializer::from_slice(&doc.as_bytes()[*s..]).into_iter();
            let got: Value = it.next().unwrap().unwrap();
            assert_eq!(&got, e, "{doc} at {s}");
        }
    }

    #[test]
    fn record_starts_are_where_each_record_parses_from() {
        check(
            r#"{"Schema":[{"Name":"a"}],"Results":[{"a":"x\"}],{"},{"a":[[1],{"b":"]"}]}, 3 ,"s",null]}"#,
        );
        // The member the loader reads: exact name first, else the first in the map's order.
        check("{\"results\":[1,2],\"Schema\":[],\"RESULTS\":[{\"a\":1}]}");
        check("{\"Schema\":[],\"Results\":[1],\"results\":[2,3]}");
        // Duplicate keys: the last one wins, as when parsing.
        check("{\"Schema\":[],\"Results\":[1],\"Results\":[2,{\"x\":\"\\\\\"},4]}");
        check("{\"records\":[{\"category\":\"c\",\"properties\":{}}\r ,\r{}],\"x\\u0072\":[]}");
        check("\t[ {\"a\":-1.5e3} ,\n\r\n 17 , true,[]]");
        check("{\"Schema\":[],\"Results\":[]}");
        check("{\"a\":1}");
        check("  \"text\"  ");
    }

    #[test]
    fn a_parse_error_is_placed_by_physical_lines() {
        // The parser's own position is right on LF text: CRLF and CR text must get the same.
        for lf in [
            "{\n\"a\":1,\n\"b\" 2}",
            "[1,\n2,\n",
            "\n\n[1,\n\n  }",
            "{\"a\":\n\"\u{e9}\" x}",
        ] {
            let e = serde_json::from_str::<Value>(lf).unwrap_err();
            let want = (e.line() as u64 + 9, Some(e.column() as u64));
            for end in ["\n", "\r\n", "\r"] {
                let doc = lf.replace('\n', end);
                let e = serde_json::from_str::<Value>(&doc).unwrap_err();
                let p = error_position(doc.as_bytes(), &e, 10).unwrap();
                assert_eq!((p.line, p.column), want, "{doc:?}");
            }
        }
    }
}
