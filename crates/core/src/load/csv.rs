//! CSV exports: the Defender portal's (old and new), Sentinel / Log Analytics', and `union`
//! exports holding several tables.

use super::error::{Cancelled, LoadError};
use super::ingest::{EventSink, Field, Fields, StreamState};
use super::lines::{TooLong, Tracked};
use super::{Format, StreamKind};
use crate::diag::DiagnosticKind;
use crate::schema::{
    classify_headers, header_says_utc, is_table_column, Col, HeaderVerdict, Table,
};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, Read};

/// For each column the hunt reads, the header positions holding it, best first.
#[derive(Clone, Debug, Default)]
pub struct ColumnMap {
    slots: Vec<Vec<usize>>,
    /// Whether the Timestamp header says UTC (Sentinel's ` [UTC]`).
    pub timestamp_utc: bool,
}

impl ColumnMap {
    pub fn new(headers: &[String]) -> Self {
        let mut slots = vec![Vec::new(); Col::COUNT];
        let mut timestamp_utc = false;
        for col in Col::all() {
            let mut found: Vec<(u8, usize)> = headers
                .iter()
                .enumerate()
                .filter_map(|(i, h)| {
                    let s = col.header_match(h);
                    (s > 0).then_some((s, i))
                })
                .collect();
            found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            if col == Col::Timestamp {
                timestamp_utc = found
                    .first()
                    .is_some_and(|&(_, i)| header_says_utc(&headers[i]));
            }
            slots[col as usize] = found.into_iter().map(|(_, i)| i).collect();
        }
        ColumnMap {
            slots,
            timestamp_utc,
        }
    }

    pub fn has(&self, col: Col) -> bool {
        !self.slots[col as usize].is_empty()
    }
}

struct CsvRow<'a> {
    record: &'a csv::ByteRecord,
    map: &'a ColumnMap,
    /// A column read whose bytes were not UTF-8 (only columns the hunt reads are checked).
    bad_utf8: Cell<Option<Col>>,
}

impl Fields for CsvRow<'_> {
    fn has(&self, col: Col) -> bool {
        self.map.has(col)
    }

    fn get(&self, col: Col) -> Field<'_> {
        let slots = &self.map.slots[col as usize];
        if slots.is_empty() {
            return Field::Missing;
        }
        // A union export writes a value in whichever of `X`, `X_long`, `X_string` its table used.
        let mut chosen: &[u8] = b"";
        for &i in slots {
            if let Some(v) = self.record.get(i) {
                if !v.is_empty() {
                    chosen = v;
                    break;
                }
            }
        }
        match std::str::from_utf8(chosen) {
            Ok(s) => Field::Text(Cow::Borrowed(s)),
            Err(_) => {
                self.bad_utf8.set(Some(col));
                Field::Text(String::from_utf8_lossy(chosen))
            }
        }
    }
}

/// Picks the delimiter from the header line: the most frequent of `,`, tab and `;`.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or(head);
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

pub fn reader_builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16);
    b
}

/// CSV records with the physical line and byte where each starts (see [`super::lines`]).
pub struct CsvRecords<R: Read> {
    rdr: csv::Reader<Tracked<R>>,
    max_record: u64,
}

impl<R: Read> CsvRecords<R> {
    /// Records of `reader`, refusing any longer than `max_record` bytes.
    pub fn new(reader: R, delimiter: u8, max_record: u64) -> Self {
        CsvRecords {
            rdr: reader_builder(delimiter).from_reader(Tracked::new(reader, max_record)),
            max_record,
        }
    }

    /// Reads the next record into `record`: its line and first byte, or `None` at the end.
    pub fn next(&mut self, record: &mut csv::ByteRecord) -> Result<Option<(u64, u64)>, csv::Error> {
        if !self.rdr.read_byte_record(record)? {
            return Ok(None);
        }
        let parser_pos = record.position().map_or(0, |p| p.byte());
        let end = self.rdr.position().byte();
        let tracked = self.rdr.get_mut();
        let (line, byte) = tracked.locate(parser_pos);
        // The same cap whether or not the record straddled a refill of the parser's buffer
        // (it stays the record in progress, for the error's line).
        if end.saturating_sub(byte) > self.max_record {
            let too_long = TooLong {
                limit: self.max_record,
            };
            return Err(io::Error::new(io::ErrorKind::InvalidData, too_long).into());
        }
        tracked.ended(end);
        Ok(Some((line, byte)))
    }

    /// The line where the record being read when an error came starts.
    pub fn line_in_progress(&self) -> u64 {
        self.rdr.get_ref().line_in_progress()
    }

    /// The byte the parser has reached (after the last record read).
    pub fn byte_reached(&self) -> u64 {
        self.rdr.position().byte()
    }

    /// The line the reader has reached (where an error without a position happened).
    pub fn line_reached(&self) -> u64 {
        self.rdr.get_ref().line_at(u64::MAX)
    }
}

/// What the header says about the export.
pub struct CsvShape {
    pub headers: Vec<String>,
    pub verdict: HeaderVerdict,
    pub map: ColumnMap,
    pub table_column: Option<usize>,
    pub format: Format,
}

pub fn shape(headers: Vec<String>, had_bom: bool) -> CsvShape {
    let verdict = classify_headers(headers.iter().map(String::as_str));
    let map = ColumnMap::new(&headers);
    let table_column = headers.iter().position(|h| is_table_column(h));
    let sentinel = headers
        .iter()
        .any(|h| h.ends_with(" [UTC]") || h == "TenantId");
    let format = if sentinel {
        Format::SentinelCsv
    } else if had_bom {
        Format::PortalCsvNew
    } else {
        Format::PortalCsv
    };
    CsvShape {
        headers,
        verdict,
        map,
        table_column,
        format,
    }
}

/// How a CSV stream is written, as far as reading it goes.
#[derive(Clone, Copy, Debug)]
pub struct Dialect {
    /// Field delimiter.
    pub delimiter: u8,
    /// Whether the text began with a byte-order mark (the newer portal export).
    pub had_bom: bool,
    /// Longest record allowed, in bytes.
    pub max_record: u64,
}

/// Loads every record after the header. Returns the stream's shape for re-reading evidence,
/// or the reason the stream is not usable.
pub fn load<R: Read>(
    reader: R,
    how: Dialect,
    sink: &mut EventSink<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(StreamKind, Format), LoadError> {
    let Dialect {
        delimiter,
        had_bom,
        max_record,
    } = how;
    let mut rdr = CsvRecords::new(reader, delimiter, max_record);
    let mut record = csv::ByteRecord::new();
    match rdr.next(&mut record) {
        Ok(Some(_)) => {}
        Ok(None) => return Err(LoadError::Empty),
        Err(e) => return Err(LoadError::NoHeader(e)),
    }
    let headers = header_names(&record);
    if super::timeline::is_timeline(&headers) {
        return super::timeline::load(rdr, headers, delimiter, sink, tick);
    }
    let (shape, single) = check_header(headers, had_bom)?;
    if let Some(t) = single {
        note_missing_projected(sink.st, &shape.map, t);
    }
    records(rdr, &shape, single, sink, tick)?;
    Ok((
        StreamKind::Csv {
            delimiter,
            headers: shape.headers,
        },
        shape.format,
    ))
}

/// The names of a header record.
pub fn header_names(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect()
}

/// What a header says, or why the stream is no export the hunt reads: its table (`None` for
/// a union export) and its columns.
pub fn check_header(
    headers: Vec<String>,
    had_bom: bool,
) -> Result<(CsvShape, Option<Table>), LoadError> {
    let shape = shape(headers, had_bom);
    let single = match shape.verdict {
        HeaderVerdict::Single(t) => Some(t),
        HeaderVerdict::Union => None,
        HeaderVerdict::Unknown => {
            return Err(LoadError::NotAnExport {
                header_start: shape.headers.iter().take(8).cloned().collect(),
            });
        }
    };
    if let Some(t) = single {
        if let Some(&col) = t.required().iter().find(|&&c| !shape.map.has(c)) {
            return Err(LoadError::MissingColumn {
                table: t,
                column: col,
            });
        }
    }
    Ok((shape, single))
}

/// Loads the records of a piece of a stream after the first ([`super::piece`]): the header
/// was read from the start of the input, the records from the piece's start.
pub fn load_piece<R: Read>(
    reader: R,
    how: Dialect,
    headers: Vec<String>,
    sink: &mut EventSink<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(), LoadError> {
    let (shape, single) = check_header(headers, how.had_bom)?;
    let rdr = CsvRecords::new(reader, how.delimiter, how.max_record);
    records(rdr, &shape, single, sink, tick)
}

/// Loads every record left in `rdr` (a piece stops before the next piece's first).
fn records<R: Read>(
    mut rdr: CsvRecords<R>,
    shape: &CsvShape,
    single: Option<Table>,
    sink: &mut EventSink<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(), LoadError> {
    let mut record = csv::ByteRecord::new();
    let expected = shape.headers.len();
    let mut n: u64 = 0;
    loop {
        let (line, byte) = match rdr.next(&mut record) {
            Ok(Some(at)) => at,
            Ok(None) => break,
            Err(e) => {
                // Reading stops where the bytes stop making sense (a truncated or corrupt
                // compressed stream, a record over the cap): the rows before are kept.
                // A record over the cap is cited where it starts; other damage where it is.
                let e = LoadError::from_csv(e, 0);
                let line = match e {
                    LoadError::LineTooLong { .. } => rdr.line_in_progress(),
                    _ => rdr.line_reached(),
                };
                sink.st.read_error(
                    line,
                    format!(
                        "reading stopped at this line: {}; the records before it were analysed",
                        e.cause()
                    ),
                );
                break;
            }
        };
        if sink.st.piece_ends_before(line, byte) {
            break;
        }
        n += 1;
        if n % 4096 == 0 && !tick() {
            return Err(Cancelled.into());
        }
        let loc = sink.loc(line, byte, 0);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue; // blank line
        }
        let table = match single {
            Some(t) => t,
            None => match union_table(&record, shape) {
                UnionRow::Of(t) => t,
                UnionRow::Other(other) => {
                    sink.st.other_table(other, loc.line);
                    continue;
                }
            },
        };
        if record.len() != expected {
            sink.st.stats[table.index()].read += 1;
            let hint = if record.iter().any(|f| f.contains(&b'\n')) {
                " (an unbalanced quote may have joined lines)"
            } else {
                ""
            };
            sink.st.warn(
                DiagnosticKind::FieldCount,
                loc.line,
                None,
                format!(
                    "record has {} fields, the header has {expected}{hint}; row skipped",
                    record.len()
                ),
            );
            *sink.st.stats[table.index()]
                .skipped
                .entry("wrong number of fields".into())
                .or_default() += 1;
            continue;
        }
        let row = CsvRow {
            record: &record,
            map: &shape.map,
            bad_utf8: Cell::new(None),
        };
        sink.row(table, &row, loc, shape.map.timestamp_utc);
        if let Some(col) = row.bad_utf8.get() {
            sink.st.warn(
                DiagnosticKind::Utf8,
                loc.line,
                Some(col.name()),
                "invalid UTF-8; the bad bytes read as U+FFFD".into(),
            );
        }
    }
    Ok(())
}

/// What one row of a union export is.
enum UnionRow {
    /// A row of one of the hunt's tables.
    Of(Table),
    /// Something else, named for the counts.
    Other(String),
}

/// The table of one row of a union export: from its table column, else from its ActionType.
fn union_table(record: &csv::ByteRecord, shape: &CsvShape) -> UnionRow {
    if let Some(i) = shape.table_column {
        let v = String::from_utf8_lossy(record.get(i).unwrap_or(b""));
        if !v.is_empty() {
            return match Table::from_name(&v) {
                Some(t) => UnionRow::Of(t),
                None => UnionRow::Other(v.into_owned()),
            };
        }
    }
    let row = CsvRow {
        record,
        map: &shape.map,
        bad_utf8: Cell::new(None),
    };
    let action = match row.get(Col::ActionType) {
        Field::Text(t) => t,
        _ => Cow::Borrowed(""),
    };
    match Table::from_action_type(&action) {
        Some(t) => UnionRow::Of(t),
        None if action.is_empty() => {
            UnionRow::Other("a row with no table column and no ActionType".to_string())
        }
        None => UnionRow::Other(format!("another table (ActionType {action})")),
    }
}

pub fn note_missing_projected(st: &mut StreamState<'_>, map: &ColumnMap, table: Table) {
    for &col in table.columns() {
        if !map.has(col) && !table.required().contains(&col) && !st.missing_warned[col as usize] {
            st.missing_warned[col as usize] = true;
            st.diagnostics.push(crate::diag::Diagnostic {
                kind: crate::diag::DiagnosticKind::MissingColumn,
                severity: crate::diag::Severity::Info,
                file: st.label.to_string(),
                line: None,
                column: Some(col.name().to_string()),
                message: format!("{table} export has no {} column: read as empty", col.name()),
            });
        }
    }
}
