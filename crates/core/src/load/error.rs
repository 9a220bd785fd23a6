//! Why a stream, or part of one, could not be read: typed, with where it happened.
//!
//! Loading never fails as a whole: each [`LoadError`] ends up as the reason a stream was not
//! analysed ([`super::StreamReport::skipped`] and an error diagnostic), worded by its
//! `Display`. Cancellation is the one error that stops the run ([`Cancelled`]).

use crate::schema::{Col, Table};
use std::fmt;
use std::io;

/// The run was cancelled through its progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Where in a stream's text something happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based physical line.
    pub line: u64,
    /// 1-based column (in bytes), where known.
    pub column: Option<u64>,
}

/// Why a stream could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The progress callback asked to stop.
    Cancelled(Cancelled),
    /// No bytes, or only white space.
    Empty,
    /// The stream's bytes could not be read at all.
    Unreadable(io::Error),
    /// Reading stopped part-way, at `line` when known.
    Stopped {
        /// The line being read.
        line: Option<u64>,
        /// What stopped it.
        source: io::Error,
    },
    /// A line longer than the cap ([`super::Limits::max_line`]).
    LineTooLong {
        /// The line being read.
        line: u64,
        /// The cap in bytes.
        limit: u64,
    },
    /// More to hold in memory at once than [`super::Limits::max_in_memory`] allows.
    TooLarge {
        /// What it was (`a JSON document`, `a zip archive`).
        what: &'static str,
        /// The cap in bytes.
        limit: u64,
    },
    /// A compressed stream unpacking past a cap ([`super::Limits`]): a decompression bomb.
    Bomb {
        /// Bytes it held when reading stopped.
        packed: u64,
        /// Bytes it had unpacked to.
        unpacked: u64,
        /// Which cap it crossed.
        cap: BombCap,
    },
    /// The CSV header row could not be read.
    NoHeader(csv::Error),
    /// A header of none of the hunt's tables (its first names).
    NotAnExport {
        /// Up to eight header names.
        header_start: Vec<String>,
    },
    /// A device timeline export lacking a column it cannot be read without (its own name).
    TimelineColumn(&'static str),
    /// An export of `table` lacking a column the query needs.
    MissingColumn {
        /// The table.
        table: Table,
        /// The column.
        column: Col,
    },
    /// JSON that does not parse: a document (with its position) or the first line.
    Json {
        /// Where, for a whole document.
        at: Option<Position>,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// Not an EVTX file the parser can read.
    Evtx(evtx::err::EvtxError),
    /// Archives inside archives beyond the nesting cap.
    NestedTooDeep,
    /// A zip archive that cannot be opened.
    NotZip(zip::result::ZipError),
    /// A zip entry whose header cannot be read.
    ZipEntry(zip::result::ZipError),
    /// A zip member that cannot be unpacked.
    Unpack(String),
    /// A zip archive with more members than [`super::Limits::max_members`].
    TooManyMembers {
        /// Members in the archive.
        members: usize,
        /// The cap.
        limit: usize,
    },
    /// A binary file of a known kind that is no export (`a PNG image`).
    Binary(&'static str),
}

/// Which decompression cap a stream crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BombCap {
    /// [`super::Limits::max_unpacked`].
    Size(u64),
    /// [`super::Limits::max_ratio`].
    Ratio(u64),
}

impl From<Cancelled> for LoadError {
    fn from(c: Cancelled) -> Self {
        LoadError::Cancelled(c)
    }
}

impl LoadError {
    /// Whether this is the run being cancelled rather than a stream that could not be read.
    pub fn cancelled(&self) -> Option<Cancelled> {
        match self {
            LoadError::Cancelled(c) => Some(*c),
            _ => None,
        }
    }

    /// A read error of the CSV reader, with its I/O kind kept (a cap crossed, a closed pipe).
    pub(crate) fn from_io(e: io::Error, line: Option<u64>) -> LoadError {
        if let Some(t) = super::lines::TooLong::from_io(&e) {
            return LoadError::LineTooLong {
                line: line.unwrap_or(0),
                limit: t.limit,
            };
        }
        if let Some(b) = e.get_ref().and_then(|i| i.downcast_ref::<BombError>()) {
            return LoadError::Bomb {
                packed: b.packed,
                unpacked: b.unpacked,
                cap: b.cap,
            };
        }
        LoadError::Stopped { line, source: e }
    }

    /// The cause alone, for a message that says itself where reading stopped.
    pub(crate) fn cause(&self) -> String {
        match self {
            LoadError::Stopped { source, .. } | LoadError::Unreadable(source) => source.to_string(),
            other => other.to_string(),
        }
    }

    /// A CSV error mapped through its kind: an I/O error stays one.
    pub(crate) fn from_csv(e: csv::Error, line: u64) -> LoadError {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => LoadError::from_io(io, Some(line)),
            other => LoadError::Stopped {
                line: Some(line),
                source: io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
            },
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::limits::bytes;
        match self {
            LoadError::Cancelled(c) => write!(f, "{c}"),
            LoadError::Empty => f.write_str("the file is empty"),
            LoadError::Unreadable(e) => write!(f, "could not be read: {e}"),
            LoadError::Stopped {
                line: Some(l),
                source,
            } => write!(f, "reading stopped at line {l}: {source}"),
            LoadError::Stopped { line: None, source } => write!(f, "reading stopped: {source}"),
            LoadError::LineTooLong { limit, .. } => {
                write!(f, "a line longer than {} (the limit)", bytes(*limit))
            }
            LoadError::TooLarge { what, limit } => write!(
                f,
                "{what} larger than {} (the limit for one read whole)",
                bytes(*limit)
            ),
            LoadError::Bomb {
                packed,
                unpacked,
                cap,
            } => {
                write!(
                    f,
                    "unpacking stopped after {unpacked} bytes from {packed} compressed: "
                )?;
                match cap {
                    BombCap::Size(limit) => {
                        write!(f, "more than {} unpacked (the limit)", bytes(*limit))
                    }
                    BombCap::Ratio(r) => write!(
                        f,
                        "it unpacks to more than {r} times its size (the limit; a decompression bomb?)"
                    ),
                }
            }
            LoadError::NoHeader(e) => write!(f, "no header row could be read: {e}"),
            LoadError::NotAnExport { header_start } => write!(
                f,
                "not an export of DeviceNetworkEvents, DeviceLogonEvents, DeviceFileEvents or \
                 DeviceProcessEvents (header starts {})",
                header_start.join(", ")
            ),
            LoadError::TimelineColumn(name) => {
                write!(f, "the timeline export has no {name} column")
            }
            LoadError::MissingColumn { table, column } => write!(
                f,
                "{table} needs column {} and this file has none",
                column.name()
            ),
            LoadError::Json {
                at: Some(p),
                source,
            } => write!(
                f,
                "not valid JSON (line {}, column {}): {}",
                p.line,
                p.column.unwrap_or(0),
                without_position(source)
            ),
            LoadError::Json { at: None, source } => write!(f, "not valid JSON: {source}"),
            LoadError::Evtx(e) => write!(f, "not a readable EVTX file: {e}"),
            LoadError::NestedTooDeep => f.write_str("archives nested too deep"),
            LoadError::NotZip(e) => write!(f, "not a readable zip archive: {e}"),
            LoadError::ZipEntry(e) => write!(f, "{e}"),
            LoadError::Unpack(e) => write!(f, "could not be unpacked: {e}"),
            LoadError::TooManyMembers { members, limit } => write!(
                f,
                "a zip archive of {members} members; only the first {limit} were read (the limit)"
            ),
            LoadError::Binary(what) => write!(f, "this is {what}, not an export"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Unreadable(e) | LoadError::Stopped { source: e, .. } => Some(e),
            LoadError::NoHeader(e) => Some(e),
            LoadError::Json { source, .. } => Some(source),
            LoadError::NotZip(e) | LoadError::ZipEntry(e) => Some(e),
            LoadError::Evtx(e) => Some(e),
            _ => None,
        }
    }
}

/// A JSON parser error without the position it appends (`… at line 1 column 9`): the
/// message gives the physical one, which the parser, counting only LF, has wrong on CR files.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(t) => t.to_string(),
        None => text,
    }
}

/// A compressed stream crossing a cap, as the I/O error its reader returns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BombError {
    pub packed: u64,
    pub unpacked: u64,
    pub cap: BombCap,
}

impl fmt::Display for BombError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        LoadError::Bomb {
            packed: self.packed,
            unpacked: self.unpacked,
            cap: self.cap,
        }
        .fmt(f)
    }
}

impl std::error::Error for BombError {}

/// Why a stream's rows could not be read again (evidence).
#[derive(Debug)]
#[non_exhaustive]
pub enum RereadError {
    /// Reading the input failed.
    Io(io::Error),
    /// The input is no longer the zip archive it was, or lacks the member.
    Zip(zip::result::ZipError),
    /// A CSV record could not be read (not an I/O error: those are [`RereadError::Io`]).
    Csv(String),
    /// A JSON line or document no longer parses.
    Json(serde_json::Error),
    /// The EVTX file no longer parses.
    Evtx(evtx::err::EvtxError),
}

impl fmt::Display for RereadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RereadError::Io(e) => write!(f, "{e}"),
            RereadError::Zip(e) => write!(f, "{e}"),
            RereadError::Csv(e) => write!(f, "{e}"),
            RereadError::Json(e) => write!(f, "{e}"),
            RereadError::Evtx(e) => write!(f, "not a readable EVTX file: {e}"),
        }
    }
}

impl std::error::Error for RereadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RereadError::Io(e) => Some(e),
            RereadError::Zip(e) => Some(e),
            RereadError::Csv(_) => None,
            RereadError::Json(e) => Some(e),
            RereadError::Evtx(e) => Some(e),
        }
    }
}

impl From<io::Error> for RereadError {
    fn from(e: io::Error) -> Self {
        RereadError::Io(e)
    }
}

impl From<csv::Error> for RereadError {
    /// Mapped through its kind, so that an I/O error stays one.
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => RereadError::Io(io),
            other => RereadError::Csv(format!("{other:?}")),
        }
    }
}

impl From<serde_json::Error> for RereadError {
    fn from(e: serde_json::Error) -> Self {
        RereadError::Json(e)
    }
}

impl From<zip::result::ZipError> for RereadError {
    fn from(e: zip::result::ZipError) -> Self {
        RereadError::Zip(e)
    }
}
