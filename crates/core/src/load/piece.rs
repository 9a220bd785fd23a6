//! One large CSV or JSON-lines file read in pieces side by side (the app's reading workers),
//! merged into the stream a single reader makes: the same events in the same order, the same
//! lines, bytes, counts and diagnostics.
//!
//! Every piece's reader reads the file's head and finds the same boundaries: byte
//! `size × k / n`, moved on to the next start of a line that is not empty (never before the
//! end of the header). A piece reads the records that start in its range; its last may run
//! past the range's end. Lines are counted from the piece's start and renumbered when the
//! pieces are merged, in order, each after the line where the one before stopped.
//!
//! A quoted field may hold a line end, so a boundary can fall inside a record: the piece before
//! sees it (no record of its own starts at the boundary) and reads on to the end of the file,
//! and the merge drops the pieces after it. A piece that stops on damage (a line over the
//! cap) ends the stream there, as a single reader stops, and the pieces after it are dropped
//! too. Anything but plain or UTF-8-BOM text with a readable header in the head (compressed,
//! zip, EVTX, UTF-16, a JSON document, a device timeline) is read whole by the first piece.

use super::csv::{self, check_header, header_names, CsvRecords, Dialect};
use super::decode::{magic, Layer, Magic};
use super::dispatch::Opening;
use super::error::Cancelled;
use super::ingest::{EventSink, StreamCounts, StreamState, TableStats};
use super::json::{self, JsonLoad};
use super::lines::LineReader;
use super::{Format, Loaded, Loader, Part, StreamKind};
use crate::diag::Diagnostics;
use crate::evidence::{ReadAt, Sequential};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, BufReader};

/// Bytes of the head every piece reads: the header (or first JSON line) must end within it.
const HEAD: usize = 64 * 1024;

/// Piece `index` (from 0) of `of` of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    /// Which piece.
    pub index: u32,
    /// How many pieces the input is read in.
    pub of: u32,
}

/// How a piece's reading is bounded.
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    pub piece: Piece,
    /// The byte of the text where the next piece starts (none for the last).
    pub until: Option<u64>,
}

/// A piece whose stream waits for the pieces after it: what its report needs, not yet filled
/// in (the day/month order of numeric dates is decided on the whole stream).
#[derive(Serialize, Deserialize)]
pub(super) struct Open {
    pub piece: Piece,
    /// Its stream, for the first piece; the pieces after it join that one.
    pub stream: Option<u32>,
    /// The byte of the text where the piece's reader starts (its bytes are counted from
    /// there): the piece's first byte for the first piece, the line end before it for the
    /// others.
    pub start: u64,
    pub counts: StreamCounts,
    /// As JSON text in a part's bytes: diagnostics leave out empty fields.
    #[serde(with = "as_json")]
    pub diagnostics: Diagnostics,
    pub kind: Option<StreamKind>,
    pub format: Option<Format>,
}

/// How a file that can be read in pieces is laid out.
enum Layout {
    Csv {
        /// Bytes of the byte-order mark before the text.
        bom: u64,
        dialect: Dialect,
        headers: Vec<String>,
        /// The first byte after the header.
        body: u64,
    },
    JsonLines {
        bom: u64,
        /// The first byte after the first line (which tells JSON lines from a document).
        body: u64,
    },
}

impl Layout {
    /// The layout of a file whose first bytes are `head` (all of them when it is this short),
    /// when it can be read in pieces.
    fn of(head: &[u8], whole: bool, max_record: u64) -> Option<Layout> {
        let bom = match magic(head) {
            Magic::Text => 0,
            Magic::Utf8Bom => 3,
            _ => return None,
        };
        let text = &head[bom..];
        let bom = bom as u64;
        let first = text.iter().copied().find(|b| !b.is_ascii_whitespace())?;
        if first == b'{' || first == b'[' {
            let mut lines = LineReader::new(text, u64::MAX);
            let mut line = Vec::new();
            while let Ok(Some((_, start))) = lines.next_line(&mut line) {
                let value = line.trim_ascii();
                if value.is_empty() {
                    continue;
                }
                let end = start + line.len() as u64;
                let ended = line.ends_with(b"\n") || line.ends_with(b"\r") || whole;
                let complete = serde_json::from_slice::<serde::de::IgnoredAny>(value).is_ok();
                return (ended && complete).then_some(Layout::JsonLines {
                    bom,
                    body: bom + end,
                });
            }
            return None;
        }
        let dialect = Dialect {
            delimiter: csv::sniff_delimiter(text),
            had_bom: bom > 0,
            max_record,
        };
        let mut records = CsvRecords::new(text, dialect.delimiter, max_record);
        let mut record = ::csv::ByteRecord::new();
        records.next(&mut record).ok()??;
        let end = records.byte_reached();
        // The header's line end must be in the head, or the header might go on.
        if end >= text.len() as u64 && !whole {
            return None;
        }
        let headers = header_names(&record);
        if super::timeline::is_timeline(&headers) {
            return None;
        }
        check_header(headers.clone(), dialect.had_bom).ok()?;
        Some(Layout::Csv {
            bom,
            dialect,
            headers,
            body: bom + end,
        })
    }

    fn bom(&self) -> u64 {
        match self {
            Layout::Csv { bom, .. } | Layout::JsonLines { bom, .. } => *bom,
        }
    }

    fn body(&self) -> u64 {
        match self {
            Layout::Csv { body, .. } | Layout::JsonLines { body, .. } => *body,
        }
    }
}

impl Loader {
    /// Reads `piece` of input `name` (`size` bytes, read through `file`) into a part of its
    /// own, to merge in order with the other pieces' parts ([`Loaded::from_parts`]): the
    /// result is the one of reading the whole input with [`Loader::add_input`]. `progress`
    /// gets the bytes of the piece read so far and returns false to cancel.
    ///
    /// The loader must be new. An input that cannot be read in pieces is read whole by its
    /// first piece; the others read nothing.
    pub fn read_piece(
        mut self,
        name: &str,
        size: u64,
        file: &mut dyn ReadAt,
        piece: Piece,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<Part, Cancelled> {
        debug_assert!(
            self.set.inputs.is_empty(),
            "a piece is read into a part of its own"
        );
        let mut head = vec![0; HEAD.min(size as usize)];
        let layout = match fill(file, 0, &mut head) {
            Ok(()) if piece.of > 1 => {
                Layout::of(&head, head.len() as u64 == size, self.limits.max_line)
            }
            _ => None,
        };
        let Some(layout) = layout else {
            if piece.index == 0 {
                let whole = Sequential::new(file, 0);
                self.add_input(name, Some(size), whole, progress)?;
            }
            return Ok(self.into_part());
        };
        let boundary = |k: u32, file: &mut dyn ReadAt| -> u64 {
            if k == 0 {
                return 0;
            }
            if k >= piece.of {
                return size;
            }
            let nominal = (u128::from(size) * u128::from(k) / u128::from(piece.of)) as u64;
            line_start(file, nominal.max(layout.body()), size).unwrap_or(size)
        };
        let start = boundary(piece.index, file);
        let end = boundary(piece.index + 1, file);
        let bom = layout.bom();
        let span = Span {
            piece,
            until: (end < size).then(|| end - bom),
        };
        // A later piece's reader starts on the line end before it, so that a byte-order mark
        // opening its first row stays text of that row, as it is to a reader of the whole file
        // (which strips only the file's own): that row is then line 2 of the piece.
        let from = if piece.index == 0 { bom } else { start - 1 };
        let reader = Sequential::new(file, from);
        let count = reader.handed_out();
        let mut tick = || progress(count.get());
        if piece.index == 0 {
            let input = self.set.inputs.len() as u32;
            self.set.inputs.push(super::InputInfo {
                name: name.to_string(),
                size: Some(size),
            });
            let layers = if bom > 0 {
                vec![Layer::Utf8Bom]
            } else {
                Vec::new()
            };
            let opening = Opening {
                had_bom: bom > 0,
                span: Some(span),
            };
            self.text(input, name, &layers, Box::new(reader), opening, &mut tick)?;
            tick();
            return Ok(self.into_part());
        }
        let mut diagnostics = Diagnostics::default();
        let mut st = StreamState::new(name, self.set.options.offset_minutes, &mut diagnostics);
        st.until = span.until.map(|u| u - (from - bom));
        let mut sink = EventSink {
            stream: 0,
            store: &mut self.set.store,
            st: &mut st,
        };
        let mut format = None;
        let read = match &layout {
            // Nothing starts here: the piece before read to the end.
            _ if start >= size => Ok(()),
            Layout::Csv {
                dialect, headers, ..
            } => csv::load_piece(reader, *dialect, headers.clone(), &mut sink, &mut tick),
            Layout::JsonLines { .. } => {
                let mut jl = JsonLoad::new(sink);
                let lines = BufReader::with_capacity(1 << 16, reader);
                let read = json::load_piece(lines, self.limits.max_line, &mut jl, &mut tick);
                format = jl.format;
                read
            }
        };
        // The header was read from the head: only a cancel stops a piece here.
        if let Some(cancelled) = read.err().and_then(|e| e.cancelled()) {
            return Err(cancelled);
        }
        tick();
        self.set.open = Some(Open {
            piece,
            stream: None,
            start: from - bom,
            counts: st.into_counts(),
            diagnostics,
            kind: None,
            format,
        });
        Ok(self.into_part())
    }
}

impl Loaded {
    /// Joins a later piece (`other`, a part of its own) to the stream of the piece before it.
    /// A piece whose stream ended before it (read on to the end, stopped on damage, or not
    /// read in pieces) is dropped.
    pub(super) fn join(&mut self, mut other: Loaded) {
        let Some(later) = other.open.take() else {
            return;
        };
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let follows = open.piece.of == later.piece.of && open.piece.index + 1 == later.piece.index;
        let (true, Some(stream), Some(line)) = (follows, open.stream, open.counts.next_piece_line)
        else {
            return;
        };
        open.piece = later.piece;
        // The piece's reader started on the line end before the line where the one before
        // stopped: that line is its line 2.
        let line_base = line.saturating_sub(2);
        let lens = [
            self.store.net.len(),
            self.store.logons.len(),
            self.store.files.len(),
            self.store.procs.len(),
        ];
        let c = later.counts;
        let mine = &mut open.counts;
        for (into, from) in mine.stats.iter_mut().zip(&c.stats) {
            add_stats(into, from);
        }
        add_counts(&mut mine.stamps.styles, &c.stamps.styles);
        mine.stamps.coarsest = mine.stamps.coarsest.max(c.stamps.coarsest);
        mine.stamps.zoned += c.stamps.zoned;
        mine.stamps.naive += c.stamps.naive;
        mine.evidence.extend(&c.evidence, line_base);
        mine.pending.extend(c.pending.into_iter().map(|mut p| {
            p.index += lens[p.table.index()];
            p
        }));
        add_counts(&mut mine.other_tables, &c.other_tables);
        mine.next_piece_line = c.next_piece_line.map(|l| l + line_base);
        let mut diagnostics = later.diagnostics;
        for d in &mut diagnostics.items {
            d.line = d.line.map(|l| l + line_base);
        }
        open.diagnostics.extend(diagnostics);
        open.format = open.format.or(later.format);
        self.append_events(
            other,
            super::merge::Place::Piece {
                stream,
                line_base,
                byte_base: later.start,
            },
        );
    }

    /// Fills in the report of the stream whose pieces are all joined.
    pub(super) fn close_piece(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        if let Some(stream) = open.stream {
            let idx = stream as usize;
            let name = self.streams[idx].name.clone();
            let Open {
                counts,
                diagnostics,
                kind,
                format,
                ..
            } = open;
            self.finish_text(idx, &name, counts, diagnostics, kind, format);
        }
    }
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, n) in from {
        *into.entry(k.clone()).or_default() += n;
    }
}

fn add_stats(into: &mut TableStats, from: &TableStats) {
    into.read += from.read;
    into.used += from.used;
    add_counts(&mut into.filtered, &from.filtered);
    add_counts(&mut into.skipped, &from.skipped);
}

/// Fills `buf` from `offset` (fewer bytes at the end are an error).
fn fill(file: &mut dyn ReadAt, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(offset + n as u64, &mut buf[n..])? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            k => n += k,
        }
    }
    Ok(())
}

/// The first byte at or after `from` that starts a line and is no line end itself (where a
/// record or JSON line starts, outside quotes), or `size`.
fn line_start(file: &mut dyn ReadAt, from: u64, size: u64) -> io::Result<u64> {
    let is_end = |b: u8| b == b'\n' || b == b'\r';
    if from == 0 || from >= size {
        return Ok(from.min(size));
    }
    let mut buf = vec![0; HEAD];
    let mut at = from - 1;
    let mut prev: Option<u8> = None;
    while at < size {
        let n = file.read_at(at, &mut buf)?;
        if n == 0 {
            break;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if prev.is_some_and(is_end) && !is_end(b) {
                return Ok(at + i as u64);
            }
            prev = Some(b);
        }
        at += n as u64;
    }
    Ok(size)
}

/// A value as JSON text inside another encoding.
mod as_json {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(v).map_err(serde::ser::Error::custom)?;
        text.serialize(s)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}
