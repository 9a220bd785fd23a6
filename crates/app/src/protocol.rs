//! Messages between the page and the analysis worker.
//!
//! Each message is a plain JS object `{ json, files?, bytes? }`: `json` is one of the enums
//! below as JSON text; `File` objects (to the worker) and download bytes (from it) travel
//! beside it, because they do not survive a trip through JSON.

use copyexec_core::allowlist::Allowlist;
use copyexec_core::chains::Chain;
use copyexec_core::diag::Diagnostic;
use copyexec_core::document::{AllowlistReport, Totals};
use copyexec_core::load::{DateChoice, Format};
use copyexec_core::near_miss::NearMiss;
use copyexec_core::story::Story;
use copyexec_core::time::DateOrder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the page asks of the worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Read these files (in `files`, same order as `names`) and analyse them.
    Load {
        /// Request number; replies carry it so stale ones can be dropped.
        seq: u32,
        /// Display names (relative paths for dropped folders).
        names: Vec<String>,
        /// `ToleranceInSeconds`.
        tolerance: i64,
        /// Offset of zone-less timestamps, minutes east of UTC.
        offset_minutes: i32,
        /// Day/month order of numeric dates.
        date_order: DateOrder,
        /// Allowlist rules in force.
        #[serde(default)]
        allowlist: Allowlist,
    },
    /// Open a copyexec HTML report (the `File` travels in `files`): its embedded chains
    /// document is shown again.
    OpenReport {
        /// Request number.
        seq: u32,
        /// File name.
        name: String,
    },
    /// Run the query again with other allowlist rules (no re-reading).
    Allowlist {
        /// Request number.
        seq: u32,
        /// The rules in force.
        allowlist: Allowlist,
    },
    /// Run the query again with another tolerance (no re-reading).
    Tolerance {
        /// Request number.
        seq: u32,
        /// `ToleranceInSeconds`.
        tolerance: i64,
    },
    /// Send one chain with every original field of its events (read from the files when not
    /// read yet): what the event dialog shows. Results carry the chains without them.
    Evidence {
        /// Request number of the result the chain belongs to.
        seq: u32,
        /// Chain id.
        chain: String,
    },
    /// Produce a download of the current results.
    Download {
        /// Which.
        kind: DownloadKind,
        /// Include near misses (as `--near-misses` does).
        #[serde(default)]
        near_misses: bool,
        /// Report title (reports only).
        #[serde(default)]
        title: String,
        /// Report notes (reports only).
        #[serde(default)]
        notes: String,
        /// Report creation time, RFC 3339 UTC (reports only).
        #[serde(default)]
        created: String,
    },
}

/// Downloads the app offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownloadKind {
    /// `copyexec rows` CSV.
    RowsCsv,
    /// `copyexec chains --format json`.
    ChainsJson,
    /// `copyexec report`.
    ReportHtml,
    /// `copyexec chains --format timesketch`.
    TimesketchJsonl,
    /// `copyexec chains --format timesketch-csv`.
    TimesketchCsv,
    /// `copyexec chains --format navigator`.
    NavigatorLayer,
}

impl DownloadKind {
    /// File name offered.
    pub fn file_name(self) -> &'static str {
        match self {
            DownloadKind::RowsCsv => "copyexec-rows.csv",
            DownloadKind::ChainsJson => "copyexec-chains.json",
            DownloadKind::ReportHtml => "copyexec-report.html",
            // Timesketch takes only files ending .jsonl or .csv.
            DownloadKind::TimesketchJsonl => "copyexec-timesketch.jsonl",
            DownloadKind::TimesketchCsv => "copyexec-timesketch.csv",
            DownloadKind::NavigatorLayer => "copyexec-navigator-layer.json",
        }
    }

    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            DownloadKind::RowsCsv => "text/csv",
            DownloadKind::ChainsJson => "application/json",
            DownloadKind::ReportHtml => "text/html",
            DownloadKind::TimesketchJsonl => "application/x-ndjson",
            DownloadKind::TimesketchCsv => "text/csv",
            DownloadKind::NavigatorLayer => "application/json",
        }
    }
}

/// What the worker tells the page.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// Bytes read of one input.
    Progress {
        /// Request number.
        seq: u32,
        /// Input index.
        file: usize,
        /// Bytes read.
        loaded: u64,
        /// Its size.
        total: u64,
    },
    /// All inputs were read: what was found in them.
    Loaded {
        /// Request number.
        seq: u32,
        /// Per input, what was read.
        inputs: Vec<InputView>,
        /// Tables with no rows at all, with the consequence.
        missing_tables: Vec<String>,
        /// Milliseconds spent reading.
        read_ms: f64,
    },
    /// Chains for a tolerance.
    Result(Box<ResultView>),
    /// Every chain's evidence has been read: any chain now comes back at once.
    EvidenceReady {
        /// Request number of the result.
        seq: u32,
    },
    /// One chain with its evidence, as asked.
    Evidence {
        /// Request number of the result.
        seq: u32,
        /// The chain, events with their original fields.
        chain: Box<Chain>,
    },
    /// Something failed outside of any one file.
    Failed {
        /// Request number.
        seq: u32,
        /// What.
        message: String,
    },
    /// A download is ready (the bytes travel beside this message).
    Download {
        /// Which.
        kind: DownloadKind,
    },
}

/// One analysis result.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ResultView {
    /// Request number.
    pub seq: u32,
    /// `ToleranceInSeconds` used.
    pub tolerance: i64,
    /// Whether every event carries its original fields.
    pub evidence_complete: bool,
    /// Evidence problems (an input that could not be read again).
    pub evidence_errors: Vec<String>,
    /// The chains, without the events' original fields (those come one chain at a time,
    /// [`ToWorker::Evidence`]): a fleet's evidence is several times the size of its chains.
    pub chains: Vec<Chain>,
    /// Copies that did not become chains (key fields only).
    #[serde(default)]
    pub near_misses: Vec<NearMiss>,
    /// Chains every row of which an allowlist rule set aside.
    #[serde(default)]
    pub suppressed: Vec<Chain>,
    /// What each allowlist rule did (absent without rules).
    #[serde(default)]
    pub allowlist: Option<AllowlistReport>,
    /// Groups and spread, as the CLI and the report show them.
    #[serde(default)]
    pub story: Story,
    /// Set when the chains come from an opened report, not from files read.
    #[serde(default)]
    pub from_report: Option<ReportOrigin>,
    /// Count totals.
    pub totals: Totals,
    /// The first query rows, projected (`ROW_COLUMNS` order).
    pub rows: Vec<Vec<String>>,
    /// Size of the worker's WebAssembly memory, bytes.
    pub memory_bytes: u64,
    /// Milliseconds spent on rows and chains.
    pub query_ms: f64,
}

/// Where an opened report came from and what it says about itself.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportOrigin {
    /// File name of the report.
    pub file: String,
    /// Its title.
    pub title: String,
    /// Its notes.
    pub notes: String,
    /// When it was made.
    pub created: String,
    /// Tool version that made it.
    pub version: String,
}

/// An input and its streams.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputView {
    /// Name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Streams found in it (one, or one per archive member).
    pub streams: Vec<StreamView>,
}

/// What was read from one stream.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StreamView {
    /// Display name.
    pub name: String,
    /// Recognised format.
    pub format: Option<Format>,
    /// Compression and encoding, described.
    pub layers: Vec<String>,
    /// Per table: (table, read, used, filtered, skipped).
    pub tables: Vec<TableView>,
    /// Rows of tables this hunt does not read.
    pub other_tables: BTreeMap<String, u64>,
    /// Timestamp forms seen.
    pub timestamp_styles: Vec<String>,
    /// Coarsest resolution.
    pub resolution: Option<String>,
    /// Time zone: from the file or assumed.
    pub zone: String,
    /// Day/month order.
    pub date_order: Option<String>,
    /// When that order could not be decided: how the dates read either way.
    #[serde(default)]
    pub date_choice: Option<DateChoice>,
    /// Why the stream was not used.
    pub skipped: Option<String>,
    /// Problems found (the first of each kind).
    pub diagnostics: Vec<Diagnostic>,
    /// Problems not listed, by kind.
    pub suppressed: BTreeMap<String, u64>,
}

/// Rows of one table in one stream.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableView {
    /// Table name.
    pub table: String,
    /// Rows read.
    pub read: u64,
    /// Rows usable.
    pub used: u64,
    /// Rows excluded by the query's filters.
    pub filtered: u64,
    /// Rows that could not be read, by reason.
    pub skipped: BTreeMap<String, u64>,
}
