//! Reading the full original rows of the events in chains, and only those.
//!
//! Loading keeps a few values per event; a responder needs every field of the rows that
//! matched. They are read again from their inputs by position: a second sequential pass over
//! each stream that holds one, skipping everything else.

use crate::chains::{Chain, Event};
use crate::load::read::{evtx_records, reopen_stream, row_at, value_text, CsvRecords, LineReader};
use crate::load::{StreamInfo, StreamKind};
use crate::near_miss::NearMiss;
use crate::schema::Table;
use crate::store::{Loc, Store};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Read};

/// Original fields of a row, in source order.
pub type Fields = Vec<(String, String)>;

/// Why the rows of a stream could not be read again.
pub use crate::load::RereadError as EvidenceError;

/// Every event of `chains` and `near_misses`.
fn events<'a>(
    chains: impl IntoIterator<Item = &'a Chain>,
    near: &'a [NearMiss],
) -> impl Iterator<Item = &'a Event> {
    chains
        .into_iter()
        .flat_map(Chain::events)
        .chain(near.iter().flat_map(|m| {
            m.connections
                .iter()
                .chain(&m.logons)
                .chain(&m.writes)
                .chain(&m.starts)
        }))
}

/// The locations of every event, grouped by stream index.
pub fn wanted<'a>(
    store: &Store,
    chains: impl IntoIterator<Item = &'a Chain>,
    near: &'a [NearMiss],
) -> BTreeMap<u32, BTreeSet<Loc>> {
    let mut out: BTreeMap<u32, BTreeSet<Loc>> = BTreeMap::new();
    for e in events(chains, near) {
        if let Some(loc) = loc_of(store, e.table, &e.id) {
            out.entry(loc.stream).or_default().insert(loc);
        }
    }
    out
}

/// Whether every row [`wanted`] names is in `read`; stops at the first that is not.
pub fn all_read<'a>(
    store: &Store,
    chains: impl IntoIterator<Item = &'a Chain>,
    near: &'a [NearMiss],
    read: &HashMap<Loc, Fields>,
) -> bool {
    events(chains, near)
        .all(|e| loc_of(store, e.table, &e.id).is_none_or(|l| read.contains_key(&l)))
}

/// The location of event `id` (`n3`, `p7`…).
pub fn loc_of(store: &Store, table: Table, id: &str) -> Option<Loc> {
    let i: usize = id.get(1..)?.parse().ok()?;
    Some(match table {
        Table::DeviceNetworkEvents => store.net.get(i)?.loc,
        Table::DeviceLogonEvents => store.logons.get(i)?.loc,
        Table::DeviceFileEvents => store.files.get(i)?.loc,
        Table::DeviceProcessEvents => store.procs.get(i)?.loc,
    })
}

/// Reads the rows at `locs` (all of stream `info`) from the input's raw bytes.
pub fn read_stream(
    raw: Box<dyn Read + '_>,
    info: &StreamInfo,
    locs: &BTreeSet<Loc>,
) -> Result<HashMap<Loc, Fields>, EvidenceError> {
    let mut out = HashMap::new();
    if locs.is_empty() {
        return Ok(out);
    }
    let reader = reopen_stream(raw, info)?;
    match &info.kind {
        Some(StreamKind::Csv { delimiter, headers }) => {
            let by_byte: HashMap<u64, Loc> = locs.iter().map(|l| (l.byte, *l)).collect();
            let mut rdr = CsvRecords::new(reader, *delimiter, u64::MAX);
            let mut rec = csv::ByteRecord::new();
            let mut left = by_byte.len();
            while left > 0 {
                let Some((_, byte)) = rdr.next(&mut rec)? else {
                    break;
                };
                if let Some(loc) = by_byte.get(&byte) {
                    let fields = headers
                        .iter()
                        .zip(rec.iter())
                        .map(|(h, v)| (h.clone(), String::from_utf8_lossy(v).into_owned()))
                        .collect();
                    out.insert(*loc, fields);
                    left -= 1;
                }
            }
        }
        Some(StreamKind::JsonDocument) => {
            let mut all = Vec::new();
            let mut reader = reader;
            reader.read_to_end(&mut all)?;
            let value: serde_json::Value = serde_json::from_slice(&all)?;
            for l in locs {
                if let Some(row) = row_at(&value, l.sub) {
                    out.insert(*l, object_fields(row));
                }
            }
        }
        Some(StreamKind::JsonLines) => {
            let mut by_byte: BTreeMap<u64, Vec<Loc>> = BTreeMap::new();
            for l in locs {
                by_byte.entry(l.byte).or_default().push(*l);
            }
            let mut lines = LineReader::new(reader, u64::MAX);
            let mut line = Vec::new();
            let last = by_byte.keys().next_back().copied().unwrap_or(0);
            while let Some((_, byte)) = lines.next_line(&mut line)? {
                if byte > last {
                    break;
                }
                if let Some(want) = by_byte.get(&byte) {
                    let value: serde_json::Value = serde_json::from_slice(&line)?;
                    for l in want {
                        if let Some(row) = row_at(&value, l.sub) {
                            out.insert(*l, object_fields(row));
                        }
                    }
                }
            }
        }
        Some(StreamKind::Evtx) => {
            let mut bytes = Vec::new();
            let mut reader = reader;
            reader.read_to_end(&mut bytes)?;
            let subs = locs.iter().map(|l| l.sub).collect();
            let records = evtx_records(bytes, &subs)?;
            for (sub, record) in records {
                for l in locs.iter().filter(|l| l.sub == sub) {
                    out.insert(*l, object_fields(&record));
                }
            }
        }
        None => {}
    }
    Ok(out)
}

fn object_fields(row: &serde_json::Map<String, serde_json::Value>) -> Fields {
    row.iter()
        .map(|(k, v)| (k.clone(), value_text(v).into_owned()))
        .collect()
}

/// Puts the rows read into the events.
pub fn attach(
    store: &Store,
    chains: &mut [Chain],
    near: &mut [NearMiss],
    rows: &HashMap<Loc, Fields>,
) {
    let fill = |e: &mut Event| {
        if let Some(fields) = loc_of(store, e.table, &e.id).and_then(|l| rows.get(&l)) {
            e.fields = fields.clone();
        }
    };
    for c in chains {
        c.connections.iter_mut().for_each(fill);
        c.logons.iter_mut().for_each(fill);
        c.writes.iter_mut().for_each(fill);
        fill(&mut c.start);
    }
    for m in near {
        m.connections.iter_mut().for_each(fill);
        m.logons.iter_mut().for_each(fill);
        m.writes.iter_mut().for_each(fill);
        m.starts.iter_mut().for_each(fill);
    }
}

/// Random access to an input's raw bytes (a file, a browser `Blob`).
pub trait ReadAt {
    /// Size in bytes.
    fn size(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// Rows near each other are read with one window of this many bytes: a read costs more than
/// its bytes (a browser Blob slice, a seek), so sparse rows cost one read each and dense ones
/// share.
pub(crate) const WINDOW: usize = 1 << 20;

impl<R: ReadAt + ?Sized> ReadAt for &mut R {
    fn size(&self) -> u64 {
        (**self).size()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

/// Bytes asked of the input at a time when reading it front to back: a browser reads a 66 MB
/// file in 16 MiB slices in 61-91 ms, in 4 MiB slices in 92-205 ms (headless Chromium).
const CHUNK: usize = 16 << 20;

/// Reads a [`ReadAt`] front to back from a byte (loading, hashing, evidence read through),
/// in large reads, counting what it hands out.
pub struct Sequential<R> {
    file: R,
    pos: u64,
    buf: Vec<u8>,
    at: usize,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: ReadAt> Sequential<R> {
    /// A reader of `file` from byte `from`.
    pub fn new(file: R, from: u64) -> Self {
        Sequential {
            file,
            pos: from,
            buf: Vec::new(),
            at: 0,
            count: Default::default(),
        }
    }

    /// The bytes handed out so far, as they grow.
    pub(crate) fn handed_out(&self) -> std::rc::Rc<std::cell::Cell<u64>> {
        self.count.clone()
    }
}

impl<R: ReadAt> Read for Sequential<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.buf.len() {
            let size = self.file.size();
            if self.pos >= size {
                return Ok(0);
            }
            let len = CHUNK.min((size - self.pos).try_into().unwrap_or(usize::MAX));
            self.buf.resize(len, 0);
            let n = self.file.read_at(self.pos, &mut self.buf)?;
            self.buf.truncate(n);
            self.at = 0;
            self.pos += n as u64;
            if n == 0 {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A [`ReadAt`] over any seekable reader.
pub struct SeekReader<R>(pub R);

impl<R: Read + std::io::Seek> ReadAt for SeekReader<R> {
    fn size(&self) -> u64 {
        // Only called on readers whose size the caller knows; see `read_stream_at`.
        u64::MAX
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.0.seek(std::io::SeekFrom::Start(offset))?;
        let mut n = 0;
        while n < buf.len() {
            match self.0.read(&mut buf[n..])? {
                0 => break,
                k => n += k,
            }
        }
        Ok(n)
    }
}

/// Bytes `[offset, offset + len)` (fewer at the end of the input).
fn chunk(input: &mut dyn ReadAt, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    let n = input.read_at(offset, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// Reads the rows at `locs` by jumping to each one, for streams stored as plain text (no
/// compression, no archive, no UTF-16): the cost is the rows read, not the file. Other streams
/// return `None`; read them with [`read_stream`].
pub fn read_stream_at(
    input: &mut dyn ReadAt,
    info: &StreamInfo,
    locs: &BTreeSet<Loc>,
) -> Option<Result<HashMap<Loc, Fields>, EvidenceError>> {
    use crate::load::decode::Layer;
    let base = match info.layers.as_slice() {
        [] => 0,
        [Layer::Utf8Bom] => 3,
        _ => return None,
    };
    match &info.kind {
        Some(StreamKind::Csv { .. }) | Some(StreamKind::JsonLines) => {}
        _ => return None,
    }
    const ROW: usize = 1 << 16;
    let mut out = HashMap::new();
    let locs: Vec<&Loc> = locs.iter().collect();
    let mut i = 0;
    while i < locs.len() {
        let start = base + locs[i].byte;
        // Cover the following rows that lie within WINDOW, plus room for the last of them.
        let reach = locs[i..]
            .iter()
            .take_while(|l| l.byte - locs[i].byte < WINDOW as u64)
            .last()
            .map_or(0, |l| (l.byte - locs[i].byte) as usize);
        let mut len = reach + ROW;
        let bytes = loop {
            let bytes = match chunk(input, start, len) {
                Ok(b) => b,
                Err(e) => return Some(Err(e.into())),
            };
            let at_end = bytes.len() < len;
            // The first row must fit; grow the window until it does.
            if at_end || len >= 1 << 30 || one_row(info, &bytes, locs[i].sub, false).is_some() {
                break bytes;
            }
            len *= 4;
        };
        let at_end = bytes.len() < len;
        let first = i;
        if let Some(StreamKind::Csv { delimiter, headers }) = &info.kind {
            // One parser through the window: building a CSV reader costs more than a row
            // (its state machine and a 64 KiB buffer), and a fleet's evidence is mostly
            // neighbouring rows.
            i = csv_window(&bytes, *delimiter, headers, at_end, &locs, i, &mut out);
        }
        while i < locs.len() {
            let offset = (base + locs[i].byte - start) as usize;
            if offset >= bytes.len() {
                break;
            }
            match one_row(info, &bytes[offset..], locs[i].sub, at_end) {
                Some(fields) => {
                    if let Some(f) = fields {
                        out.insert(*locs[i], f);
                    }
                    i += 1;
                }
                // Runs past the window: the next window starts at this row.
                None => break,
            }
        }
        if i == first {
            i += 1; // a row longer than any window: left without fields
        }
    }
    Some(Ok(out))
}

/// `bytes` (which start where a row starts) behind one line end, as the row stands in its file:
/// the CSV reader takes a UTF-8 byte order mark at the very start of its input for an
/// encoding mark and drops it, but a row that starts with those bytes in the middle of a file
/// holds them in its first field, as reading through the file keeps them (the blank line is
/// skipped, and every position is one byte further on).
fn behind_a_line_end(bytes: &[u8]) -> impl Read + '_ {
    (&b"\n"[..]).chain(bytes)
}

/// Reads the CSV rows of `window` (which starts at the row of `locs[i]`) in one pass, keeping
/// those `locs` asks for; returns the index of the first loc not settled: a row that runs
/// past the window, or one that is not where a record starts (the caller reads those alone).
fn csv_window(
    window: &[u8],
    delimiter: u8,
    headers: &[String],
    at_end: bool,
    locs: &[&Loc],
    mut i: usize,
    out: &mut HashMap<Loc, Fields>,
) -> usize {
    let origin = locs[i].byte;
    let mut rdr = CsvRecords::new(behind_a_line_end(window), delimiter, u64::MAX);
    let mut rec = csv::ByteRecord::new();
    while i < locs.len() {
        let Ok(Some((_, byte))) = rdr.next(&mut rec) else {
            return i;
        };
        // The record must have ended inside the window (its terminator read).
        if !at_end && rdr.byte_reached() as usize > window.len() {
            return i;
        }
        // One byte on for the line end put before the window (`behind_a_line_end`).
        let at = (origin + byte).saturating_sub(1);
        if at < locs[i].byte {
            continue;
        }
        if at > locs[i].byte {
            return i;
        }
        let fields = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        out.insert(*locs[i], fields);
        i += 1;
    }
    i
}

/// The row starting at the beginning of `bytes`: `None` when it may continue past them (read
/// more), `Some(None)` when there is no such row.
fn one_row(info: &StreamInfo, bytes: &[u8], sub: u32, at_end: bool) -> Option<Option<Fields>> {
    match &info.kind {
        Some(StreamKind::Csv { delimiter, headers }) => {
            let mut rdr = CsvRecords::new(behind_a_line_end(bytes), *delimiter, u64::MAX);
            let mut rec = csv::ByteRecord::new();
            match rdr.next(&mut rec) {
                Ok(Some(_)) => {
                    // The record must have ended inside the chunk (its terminator read).
                    if !at_end && rdr.byte_reached() as usize > bytes.len() {
                        return None;
                    }
                    Some(Some(
                        headers
                            .iter()
                            .zip(rec.iter())
                            .map(|(h, v)| (h.clone(), String::from_utf8_lossy(v).into_owned()))
                            .collect(),
                    ))
                }
                _ if !at_end => None,
                _ => Some(None),
            }
        }
        Some(StreamKind::JsonLines) => {
            let end = match memchr::memchr2(b'\n', b'\r', bytes) {
                Some(i) => i,
                None if at_end => bytes.len(),
                None => return None,
            };
            let value: serde_json::Value = serde_json::from_slice(&bytes[..end]).ok()?;
            Some(row_at(&value, sub).map(object_fields))
        }
        _ => Some(None),
    }
}
