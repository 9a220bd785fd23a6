//! Loading exports: recognise each file from its content, read the rows the hunt needs, and
//! say what was read, assumed and dropped.
//!
//! [`Loader::add_input`] takes any reader (a file, a browser `Blob`, bytes in memory), so the
//! same code runs natively and in WebAssembly. Inputs may be plain, gzip or zip (nested too).
//!
//! How the work is divided:
//! - `container`: peeling gzip, zip (nested) and byte-order marks, with the caps of [`Limits`];
//! - `dispatch`: which format a stream's text is, and handing it to its reader;
//! - the readers, side by side: `csv`, `json` (documents and JSON lines), `evtx`; Windows
//!   events of either go through the mapping in [`winlog`];
//! - `ingest`: the one event sink every reader writes rows into;
//! - `report`: each stream's [`StreamReport`]; `dates`: placing numeric dates once a stream's
//!   day/month order is known; `merge`: parts read in parallel into one [`Loaded`]; `piece`:
//!   one large file read in pieces; [`share`]: what each of several readers reads;
//! - [`read`]: the readers' public face, through which evidence reads rows again.

mod container;
pub(crate) mod csv;
mod dates;
pub mod decode;
mod dispatch;
pub mod error;
pub(crate) mod evtx;
pub(crate) mod ingest;
pub(crate) mod json;
pub mod limits;
pub(crate) mod lines;
mod merge;
mod part;
mod piece;
pub mod read;
mod report;
pub mod share;
pub(crate) mod timeline;
pub mod winlog;

pub use error::{Cancelled, LoadError, RereadError};
pub use ingest::{StampStats, TableStats};
pub use limits::Limits;
pub use part::PartBytesError;
pub use piece::Piece;

use crate::diag::{Diagnostics, Severity};
use crate::schema::Table;
use crate::store::Store;
use crate::time::{DateOrder, Precision};
use decode::Layer;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

/// Export formats recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Defender portal Advanced Hunting CSV, older style (ISO 8601 UTC timestamps).
    PortalCsv,
    /// Defender portal Advanced Hunting CSV, newer style (BOM, CRLF, locale timestamps).
    PortalCsvNew,
    /// Sentinel / Log Analytics "Export to CSV".
    SentinelCsv,
    /// Advanced Hunting API or Graph `runHuntingQuery` JSON.
    HuntingApiJson,
    /// Streaming API records (storage blobs or Event Hub messages).
    StreamingJson,
    /// Rows as JSON objects, one per line or in an array.
    JsonRows,
    /// Windows event log file (Security, Sysmon).
    Evtx,
    /// Windows events as flattened JSON lines.
    WindowsEventJson,
    /// Defender device timeline export (one device, every event type, space-named columns).
    DefenderTimelineCsv,
}

impl Format {
    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            Format::PortalCsv => "Defender portal CSV",
            Format::PortalCsvNew => "Defender portal CSV (newer export, with BOM)",
            Format::SentinelCsv => "Sentinel / Log Analytics CSV",
            Format::HuntingApiJson => "Advanced Hunting API JSON",
            Format::StreamingJson => "Streaming API JSON",
            Format::JsonRows => "JSON rows",
            Format::Evtx => "Windows event log (EVTX)",
            Format::WindowsEventJson => "Windows events as JSON lines",
            Format::DefenderTimelineCsv => "Defender device timeline CSV",
        }
    }
}

/// How to read a stream's rows again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum StreamKind {
    /// CSV with these headers.
    Csv {
        /// Field delimiter.
        delimiter: u8,
        /// Header row.
        headers: Vec<String>,
    },
    /// One JSON value per line.
    JsonLines,
    /// One JSON document.
    JsonDocument,
    /// An EVTX file; rows are records by ordinal.
    Evtx,
}

/// A stream: one input file, or one member of an archive.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Index of the input it came from.
    pub input: u32,
    /// Display name (`exports.zip › logons.csv`).
    pub name: String,
    /// What lies between the input's bytes and the text.
    pub layers: Vec<Layer>,
    /// How its rows are laid out, when it was read.
    pub kind: Option<StreamKind>,
    /// Resolution of its timestamps.
    pub precision: Precision,
    /// Whether it holds Windows events (Security, Sysmon) rather than Defender rows.
    pub windows_log: bool,
}

/// Timestamps of a stream as found.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimestampReport {
    /// Forms seen and counts.
    pub styles: BTreeMap<String, u64>,
    /// Coarsest resolution seen.
    pub resolution: Option<String>,
    /// Where the time zone came from.
    pub zone: String,
    /// Day/month order of numeric dates, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_order: Option<String>,
    /// When the order could not be decided: how the stream's dates would read under each, so
    /// the reader can choose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_choice: Option<DateChoice>,
}

/// The numeric dates of a stream whose day/month order no value told, read both ways.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DateChoice {
    /// Dates waiting for the order.
    pub dates: u64,
    /// First and last instant read month first (null when no date exists that way).
    pub month_first: Option<(String, String)>,
    /// First and last instant read day first.
    pub day_first: Option<(String, String)>,
}

/// What happened to one stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StreamReport {
    /// Display name.
    pub name: String,
    /// Input index.
    pub input: u32,
    /// Recognised format.
    pub format: Option<Format>,
    /// Compression and encoding layers.
    pub layers: Vec<Layer>,
    /// Rows by table.
    pub tables: BTreeMap<Table, TableStats>,
    /// Rows of other tables (a union export, or the wrong table), by what they are.
    pub other_tables: BTreeMap<String, u64>,
    /// Timestamps.
    pub timestamps: TimestampReport,
    /// Why the whole stream was not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

impl StreamReport {
    /// Rows read of the four tables.
    pub fn rows_read(&self) -> u64 {
        self.tables.values().map(|t| t.read).sum()
    }

    /// Whether the stream could not be read, in whole or in part: an error diagnostic says
    /// why. A stream read to its end that holds nothing the hunt reads has `skipped` set but
    /// did not fail.
    pub fn read_failed(&self) -> bool {
        self.diagnostics.any_at_least(Severity::Error)
    }
}

/// An input as given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputInfo {
    /// Its name.
    pub name: String,
    /// Its size in bytes, when known.
    pub size: Option<u64>,
}

/// Settings for reading.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct LoadOptions {
    /// Offset east of UTC of timestamps written without a zone (the portal's time-zone
    /// setting is not in its exports).
    pub offset_minutes: i32,
    /// Day/month order of numeric dates.
    pub date_order: DateOrder,
}
/// Reads inputs one after the other into one data set.
pub struct Loader {
    limits: Limits,
    /// Bytes of the current input read so far: what a compressed stream's ratio is taken to.
    raw: Rc<Cell<u64>>,
    /// What is read so far.
    set: Loaded,
}

/// Everything loaded.
pub struct Loaded {
    /// Settings used.
    pub options: LoadOptions,
    /// The events.
    pub store: Store,
    /// Streams, indexed by `Loc::stream`.
    pub streams: Vec<StreamInfo>,
    /// One report per stream.
    pub reports: Vec<StreamReport>,
    /// Inputs, indexed by `StreamInfo::input`.
    pub inputs: Vec<InputInfo>,
    /// Rows of streams whose day/month order is still to be chosen
    /// ([`Loaded::decide_dates`]).
    undated: Vec<dates::Undated>,
    /// A piece of a stream whose later pieces are still to come (while merging).
    open: Option<piece::Open>,
}

/// What one [`Loader`] read, before merging.
pub struct Part(Loaded);

impl Loader {
    /// A loader with these settings.
    pub fn new(options: LoadOptions) -> Self {
        Loader {
            limits: Limits::default(),
            raw: Rc::default(),
            set: Loaded {
                options,
                store: Store::default(),
                streams: Vec::new(),
                reports: Vec::new(),
                inputs: Vec::new(),
                undated: Vec::new(),
                open: None,
            },
        }
    }

    /// The same loader with other caps on what one input may make it hold or unpack.
    ///
    /// A stream that crosses a cap stops there with an error; what it held before the cap
    /// and every other input are kept:
    ///
    /// ```
    /// use copyexec_core::load::{Limits, LoadOptions, Loader};
    ///
    /// let limits = Limits { max_line: 64, ..Limits::default() };
    /// let mut loader = Loader::new(LoadOptions::default()).with_limits(limits);
    /// let csv = format!(
    ///     "Timestamp,DeviceId,FolderPath,ProcessCommandLine\r\n\
    ///      2024-03-11T08:00:03Z,d1,C:\\x.exe,x\r\n\
    ///      2024-03-11T08:00:04Z,d1,C:\\y.exe,{}\r\n",
    ///     "y".repeat(1000)
    /// );
    /// loader.add_input("p.csv", None, csv.as_bytes(), &mut |_| true).unwrap();
    /// let loaded = loader.finish();
    /// let report = &loaded.reports[0];
    /// assert!(report.read_failed());
    /// let error = report.diagnostics.items.iter().find(|d| d.line.is_some()).unwrap();
    /// assert_eq!(error.line, Some(3));
    /// assert!(error.message.contains("a line longer than 64 bytes (the limit)"));
    /// assert_eq!(report.rows_read(), 1, "the row before the long one");
    /// ```
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads one input. `progress` receives the input bytes consumed so far and returns
    /// false to cancel.
    pub fn add_input<R: Read>(
        &mut self,
        name: &str,
        size: Option<u64>,
        reader: R,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), Cancelled> {
        let input = self.set.inputs.len() as u32;
        self.set.inputs.push(InputInfo {
            name: name.to_string(),
            size,
        });
        self.raw = Rc::default();
        let count = Rc::clone(&self.raw);
        let counting = container::Counting {
            inner: reader,
            count: Rc::clone(&count),
        };
        let mut tick = || progress(count.get());
        let r: Box<dyn Read + '_> = Box::new(counting);
        let result = self.stream(input, name.to_string(), Vec::new(), r, 0, &mut tick);
        tick();
        result
    }

    /// Finishes loading.
    pub fn finish(self) -> Loaded {
        Loaded::from_parts(vec![self.into_part()])
    }

    /// What this loader read, to merge with what other loaders read in parallel
    /// ([`Loaded::from_parts`]).
    pub fn into_part(self) -> Part {
        Part(self.set)
    }
}

/// Opens the text of a stream again, from its input's raw bytes.
pub fn reopen_stream<'a>(
    raw: Box<dyn Read + 'a>,
    info: &StreamInfo,
) -> Result<Box<dyn BufRead + 'a>, RereadError> {
    let r = decode::reopen(raw, &info.layers)?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, r)))
}
