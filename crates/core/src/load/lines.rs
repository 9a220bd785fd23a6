//! Physical lines: the 1-based line and the byte where each record starts, counted the way an
//! editor counts them (a line ends at LF, CRLF or a lone CR).
//!
//! Diagnostics and evidence cite these positions, and evidence is read again by seeking to the
//! byte, so both must be the record's own. The csv crate records a record's position before
//! reading it: with CRLF the previous line's `\n` is consumed at the start of the next record,
//! which puts the position one line and one byte early (rust-csv issue #395), and it counts no
//! lines at all in CR files. [`Tracked`] counts line ends in the bytes as they pass under the
//! parser and turns the parser's position into the record's first byte and line.
//! [`LineReader`] splits JSON lines on the same line ends.
//!
//! Both refuse a record longer than a cap, so a hostile single-line file cannot make the
//! reader hold gigabytes.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Read};

/// A record or line longer than the cap: reading of its stream stops there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    /// The cap, in bytes.
    pub limit: u64,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a line longer than {} (the limit)",
            crate::load::limits::bytes(self.limit)
        )
    }
}

impl std::error::Error for TooLong {}

impl TooLong {
    fn io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// The cap an I/O error reports, when it is this error.
    pub fn from_io(e: &io::Error) -> Option<TooLong> {
        e.get_ref()?.downcast_ref::<TooLong>().copied()
    }
}

/// A reader that notes where lines end in the bytes it hands out, for a parser reading from it
/// (the CSV reader) to ask where its records start.
pub struct Tracked<R> {
    inner: R,
    /// Bytes handed out so far.
    read: u64,
    /// Offsets of the CR and LF bytes handed out and not yet passed, and whether each ends a
    /// line (the CR of a CRLF does not).
    ends: VecDeque<(u64, bool)>,
    /// A CR that was the last byte handed out: whether it ends a line depends on the next byte.
    cr_pending: Option<u64>,
    /// Line ends before `cursor`.
    lines: u64,
    /// Start of the last record located.
    cursor: u64,
    /// End of the last record the parser finished: the next one starts after it.
    last_end: u64,
    /// Longest record allowed, in bytes.
    max_record: u64,
}

impl<R: Read> Tracked<R> {
    /// Tracks `inner`, refusing records longer than `max_record` bytes.
    pub fn new(inner: R, max_record: u64) -> Self {
        Tracked {
            inner,
            read: 0,
            ends: VecDeque::new(),
            cr_pending: None,
            lines: 0,
            cursor: 0,
            last_end: 0,
            max_record,
        }
    }

    /// The record the parser began reading at byte `parser_pos` really starts at the first byte
    /// from there that is no line end (the parser skips line ends between records). Returns
    /// its line (1-based) and byte. Calls must come in increasing order of `parser_pos`.
    pub fn locate(&mut self, parser_pos: u64) -> (u64, u64) {
        while let Some(&(at, ends_line)) = self.ends.front() {
            if at >= parser_pos {
                break;
            }
            self.ends.pop_front();
            self.lines += u64::from(ends_line);
        }
        let mut start = parser_pos.max(self.cursor);
        while let Some(&(at, ends_line)) = self.ends.front() {
            if at != start {
                break;
            }
            self.ends.pop_front();
            self.lines += u64::from(ends_line);
            start += 1;
        }
        self.cursor = start;
        (self.lines + 1, start)
    }

    /// The parser finished a record at byte `end`.
    pub fn ended(&mut self, end: u64) {
        self.last_end = self.last_end.max(end);
    }

    /// The line where the record after the last one finished starts (the record being read
    /// when an error came).
    pub fn line_in_progress(&self) -> u64 {
        let mut lines = self.lines;
        let mut next = self.last_end;
        for &(at, ends_line) in &self.ends {
            if at < self.cursor {
                continue;
            }
            if at < self.last_end || at == next {
                lines += u64::from(ends_line);
                if at == next {
                    next += 1;
                }
            } else {
                break;
            }
        }
        lines + 1
    }

    /// The line holding byte `at` (the last line read, for errors without a position).
    pub fn line_at(&self, at: u64) -> u64 {
        self.lines + 1 + self.ends.iter().filter(|&&(o, e)| e && o < at).count() as u64
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The parser asks for more only once it has used all it was given, so the record in
        // progress (after the last one finished) is already this long.
        if self.read - self.last_end > self.max_record {
            return Err(TooLong {
                limit: self.max_record,
            }
            .io());
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            if let Some(at) = self.cr_pending.take() {
                self.ends.push_back((at, true));
            }
            return Ok(0);
        }
        let chunk = &buf[..n];
        if let Some(at) = self.cr_pending.take() {
            self.ends.push_back((at, chunk[0] != b'\n'));
        }
        for i in memchr::memchr2_iter(b'\r', b'\n', chunk) {
            let at = self.read + i as u64;
            if chunk[i] == b'\n' {
                self.ends.push_back((at, true));
            } else if i + 1 < n {
                self.ends.push_back((at, chunk[i + 1] != b'\n'));
            } else {
                self.cr_pending = Some(at);
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Splits text into physical lines (LF, CRLF or lone CR), with each line's number and first
/// byte.
pub struct LineReader<R> {
    inner: R,
    byte: u64,
    line: u64,
    max_line: u64,
}

impl<R: BufRead> LineReader<R> {
    /// Lines of `inner`, refusing lines longer than `max_line` bytes.
    pub fn new(inner: R, max_line: u64) -> Self {
        LineReader {
            inner,
            byte: 0,
            line: 0,
            max_line,
        }
    }

    /// Reads the next line into `buf` (cleared first; its line end included), returning its
    /// line number and first byte, or `None` at the end.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<(u64, u64)>> {
        buf.clear();
        let start = self.byte;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            match memchr::memchr2(b'\r', b'\n', chunk) {
                Some(i) => {
                    let cr = chunk[i] == b'\r';
                    buf.extend_from_slice(&chunk[..=i]);
                    self.inner.consume(i + 1);
                    self.byte += i as u64 + 1;
                    if cr {
                        // A CRLF is one line end.
                        if self.inner.fill_buf()?.first() == Some(&b'\n') {
                            buf.push(b'\n');
                            self.inner.consume(1);
                            self.byte += 1;
                        }
                    }
                    break;
                }
                None => {
                    let n = chunk.len();
                    buf.extend_from_slice(chunk);
                    self.inner.consume(n);
                    self.byte += n as u64;
                }
            }
            if buf.len() as u64 > self.max_line {
                return Err(TooLong {
                    limit: self.max_line,
                }
                .io());
            }
        }
        if buf.is_empty() {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some((self.line, start)))
    }

    /// The reader, positioned after the last line returned.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The line being read (for errors while reading it).
    pub fn next_line_number(&self) -> u64 {
        self.line + 1
    }
}

/// Line ends (LF, CRLF or lone CR) in `text[from..to]`, for text held whole (a JSON
/// document): a CR is one unless an LF follows it, even past `to`.
pub(crate) fn line_ends(text: &[u8], from: usize, to: usize) -> u64 {
    memchr::memchr2_iter(b'\r', b'\n', &text[from..to])
        .filter(|&i| text[from + i] == b'\n' || text.get(from + i + 1) != Some(&b'\n'))
        .count() as u64
}

/// The first byte of the line holding byte `at` of `text` (held whole).
pub(crate) fn line_start(text: &[u8], at: usize) -> usize {
    let mut end = at.min(text.len());
    while let Some(k) = memchr::memrchr2(b'\r', b'\n', &text[..end]) {
        if text[k] == b'\n' || text.get(k + 1) != Some(&b'\n') {
            return k + 1;
        }
        end = k; // the CR of a CRLF whose LF is at `at`
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_starts(text: &[u8]) -> Vec<(u64, u64)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(3) // line ends split across reads
            .from_reader(Tracked::new(text, u64::MAX));
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let p = rec.position().unwrap().byte();
            out.push(rdr.get_mut().locate(p));
        }
        out
    }

    #[test]
    fn csv_records_start_where_an_editor_shows_them() {
        let want = vec![(1, 0), (2, 4), (3, 8)];
        assert_eq!(csv_starts(b"h,i\na,b\nc,d\n"), want);
        assert_eq!(
            csv_starts(b"h,i\r\na,b\r\nc,d\r\n"),
            vec![(1, 0), (2, 5), (3, 10)]
        );
        assert_eq!(csv_starts(b"h,i\ra,b\rc,d\r"), want);
        // A quoted field over three lines; blank lines between records.
        assert_eq!(
            csv_starts(b"h,i\r\n\"x\r\ny\rz\",b\r\n\r\n\nc,d"),
            vec![(1, 0), (2, 5), (7, 20)]
        );
    }

    fn lines(text: &[u8]) -> Vec<(u64, u64, Vec<u8>)> {
        let mut r = LineReader::new(io::BufReader::with_capacity(2, text), u64::MAX);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some((l, b)) = r.next_line(&mut buf).unwrap() {
            out.push((l, b, buf.clone()));
        }
        out
    }

    #[test]
    fn lines_end_at_lf_crlf_and_cr() {
        let got = lines(b"a\r\nbb\rc\n\r\nd");
        let want: Vec<(u64, u64, &[u8])> = vec![
            (1, 0, b"a\r\n"),
            (2, 3, b"bb\r"),
            (3, 6, b"c\n"),
            (4, 8, b"\r\n"),
            (5, 10, b"d"),
        ];
        let got: Vec<(u64, u64, &[u8])> = got.iter().map(|(l, b, t)| (*l, *b, &t[..])).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn line_ends_and_starts_in_text_held_whole() {
        let t = b"a\r\nbb\rc\n\r\nd";
        assert_eq!(line_ends(t, 0, t.len()), 4);
        // The CR of a CRLF is not counted alone, even when the LF is past the range.
        assert_eq!(line_ends(t, 0, 2), 0);
        assert_eq!(line_ends(t, 0, 3), 1);
        assert_eq!(line_ends(t, 3, 6), 1);
        let starts: Vec<usize> = (0..=t.len()).map(|i| line_start(t, i)).collect();
        assert_eq!(starts, vec![0, 0, 0, 3, 3, 3, 6, 6, 8, 8, 10, 10]);
    }

    #[test]
    fn a_line_over_the_cap_is_refused() {
        let mut r = LineReader::new(io::BufReader::with_capacity(4, &b"ok\n0123456789\n"[..]), 8);
        let mut buf = Vec::new();
        assert!(r.next_line(&mut buf).unwrap().is_some());
        let e = r.next_line(&mut buf).unwrap_err();
        assert_eq!(TooLong::from_io(&e), Some(TooLong { limit: 8 }));
        let mut t = Tracked::new(&b"0123456789"[..], 4);
        let mut out = [0u8; 6];
        assert_eq!(t.read(&mut out).unwrap(), 6);
        assert!(TooLong::from_io(&t.read(&mut out).unwrap_err()).is_some());
    }
}
