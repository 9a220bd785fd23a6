//! Messages between the page and the analysis worker.
//!
//! Each message is a plain JS object `{ msg, files?, bytes? }`: `msg` is one of the enums
//! below as JSON text; `File` objects (to the worker), download bytes (from it) and what a
//! reading worker read (passed on by the page) travel beside it, because they do not survive
//! a trip through JSON.

use copyexec_core::allowlist::Allowlist;
use copyexec_core::chains::Chain;
use copyexec_core::diag::Diagnostic;
use copyexec_core::document::{AllowlistReport, Totals};
use copyexec_core::identity::IdentityKind;
use copyexec_core::load::share::InputPiece;
use copyexec_core::load::{DateChoice, Format};
use copyexec_core::near_miss::NearMiss;
use copyexec_core::story::graph::Graph;
use copyexec_core::story::spread::SpreadNote;
use copyexec_core::time::DateOrder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Devices up to which the overview draws a lane per device, as the report does: beyond, the
/// spread and the files tell the story, thousands of lanes do not.
pub const MAX_LANES: usize = 60;

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
        /// How many pieces each input is read in (none listed: one each).
        #[serde(default)]
        pieces: Vec<u32>,
        /// What reading workers read: it comes in [`ToWorker::Part`]s (the page passes them
        /// on); this worker reads the rest.
        #[serde(default)]
        elsewhere: Vec<InputPiece>,
    },
    /// To a reading worker: read these inputs or pieces of inputs (the `File`s travel in
    /// `files`, same order), each on its own, and answer one [`FromWorker::Part`] for each.
    Read {
        /// Request number of the load.
        seq: u32,
        /// What to read.
        pieces: Vec<InputPiece>,
        /// Display names.
        names: Vec<String>,
        /// Offset of zone-less timestamps, minutes east of UTC.
        offset_minutes: i32,
        /// Day/month order of numeric dates.
        date_order: DateOrder,
    },
    /// What a reading worker read of one input or piece (the bytes of a core `Part` travel
    /// beside).
    Part {
        /// Request number of the load.
        seq: u32,
        /// What was read.
        read: InputPiece,
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
    /// Place the rows whose day/month order their files did not tell, read in `order`, and
    /// analyse again (no re-reading).
    DateOrder {
        /// Request number; the replies are those of a load.
        seq: u32,
        /// The order chosen.
        order: DateOrder,
    },
    /// Run the query again with another tolerance (no re-reading).
    Tolerance {
        /// Request number.
        seq: u32,
        /// `ToleranceInSeconds`.
        tolerance: i64,
    },
    /// A page of chains: filtered, picked and sorted here, so the page holds only the rows
    /// it shows.
    Chains {
        /// Request number of the result the list belongs to.
        seq: u32,
        /// What to list and which rows of it.
        query: ChainQuery,
    },
    /// One chain, for its card; with `evidence`, with every original field of its events
    /// (read from the files when not read yet), for the event dialog.
    Chain {
        /// Request number of the result the chain belongs to.
        seq: u32,
        /// Chain id.
        id: String,
        /// Send the events' original fields too.
        evidence: bool,
    },
    /// The first query rows, for the rows table.
    Rows {
        /// Request number of the result.
        seq: u32,
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
        /// Which piece of it (0 for a file read whole).
        #[serde(default)]
        piece: u32,
        /// Bytes of the piece read.
        loaded: u64,
        /// Its size.
        total: u64,
    },
    /// From a reading worker: one input or piece read (the bytes of a core `Part` travel
    /// beside), for the analysis worker.
    Part {
        /// Request number of the load.
        seq: u32,
        /// What was read.
        read: InputPiece,
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
    /// A page of chains, as asked.
    Chains(Box<ChainPage>),
    /// The first query rows, projected (`ROW_COLUMNS` order), as asked.
    Rows {
        /// Request number of the result.
        seq: u32,
        /// The rows.
        rows: Vec<Vec<String>>,
    },
    /// One chain, as asked.
    Chain {
        /// Request number of the result.
        seq: u32,
        /// The chain; its events carry their original fields when `evidence` was asked.
        chain: Box<Chain>,
        /// Whether the original fields were asked for (and are there unless unreadable).
        evidence: bool,
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
    /// What the chains add up to. The chains themselves stay in the worker: the page asks
    /// for a page of them ([`ToWorker::Chains`]) and for one chain ([`ToWorker::Chain`]).
    pub stats: ChainStats,
    /// Copies that did not become chains (key fields only).
    #[serde(default)]
    pub near_misses: Vec<NearMiss>,
    /// What each allowlist rule did (absent without rules).
    #[serde(default)]
    pub allowlist: Option<AllowlistReport>,
    /// Groups and spread, as the CLI and the report show them, shaped for the first screen.
    #[serde(default)]
    pub story: StoryView,
    /// Set when the chains come from an opened report, not from files read.
    #[serde(default)]
    pub from_report: Option<ReportOrigin>,
    /// Count totals.
    pub totals: Totals,
    /// Size of the worker's WebAssembly memory, bytes.
    pub memory_bytes: u64,
    /// Milliseconds spent on rows and chains.
    pub query_ms: f64,
}

/// What the chains add up to, for the summary and the overview's time axis.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainStats {
    /// Chains.
    pub chains: usize,
    /// Chains the allowlist suppressed.
    pub suppressed: usize,
    /// Devices the chains ran on.
    pub devices: usize,
    /// Source addresses.
    pub remote_ips: usize,
    /// Accounts (case folded).
    pub accounts: usize,
    /// Earliest first connection and latest process start, ticks (none without chains).
    pub span: Option<(i64, i64)>,
    /// The overview draws a lane per device: the pages of kept chains carry their marks.
    pub lanes: bool,
}

/// Which chains a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// The chains.
    #[default]
    Kept,
    /// The chains the allowlist suppressed.
    Suppressed,
}

/// Chains picked in the story: the list shows only these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    /// What was picked, for the chip above the list ("host ws07", "group g3").
    pub label: String,
    /// Which chains.
    pub picked: Picked,
}

/// How picked chains are found (the worker resolves the picture's ids with its graph).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Picked {
    /// The chains of the moves into or out of the hosts of a node of the picture (a host, or
    /// a fold).
    Node(String),
    /// The chains of the moves an arrow of the picture stands for (node ids).
    Edge {
        /// Source node.
        from: String,
        /// Target node.
        to: String,
    },
    /// The chains of a group (by id).
    Group(String),
}

/// The story as the first screen draws it: the folded picture and the files rarest first,
/// without the chain-id lists and host records behind them (those stay in the worker).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoryView {
    /// The spread, folded and laid out.
    pub graph: Graph,
    /// Origins.
    pub origins: usize,
    /// Hosts.
    pub hosts: usize,
    /// Moves.
    pub moves: usize,
    /// What the spread could not settle.
    pub notes: Vec<SpreadNote>,
    /// The files, rarest first.
    pub groups: Vec<GroupRow>,
}

/// A group as its row shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    /// Group id.
    pub id: String,
    /// File name.
    pub file_name: String,
    /// What identifies the file.
    pub identity: IdentityKind,
    /// Its value.
    pub key: String,
    /// Chains.
    pub chains: usize,
    /// The source hosts: a host's name, or how many.
    pub from: String,
    /// The target hosts: a host's name, or how many.
    pub to: String,
    /// First process start (exact).
    pub first: String,
    /// Last process start (exact).
    pub last: String,
    /// Accounts.
    pub accounts: Vec<String>,
    /// Its chains are suppressed chains.
    pub suppressed: bool,
}

/// Which chains to list, in which order, and which of them to send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainQuery {
    /// Request number of this query (replies to older ones are dropped).
    pub req: u32,
    /// Kept or suppressed chains.
    pub list: ListKind,
    /// Text to find (case-insensitive).
    pub filter: String,
    /// Where to look for it.
    pub field: FilterField,
    /// Order.
    pub sort: SortKey,
    /// Chains picked in the story.
    pub pick: Option<Pick>,
    /// First row to send.
    pub offset: usize,
    /// Rows to send.
    pub limit: usize,
}

/// A page of a chain list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChainPage {
    /// Request number of the result.
    pub seq: u32,
    /// The query answered.
    pub query: ChainQuery,
    /// Chains that match the query.
    pub matched: usize,
    /// Chains in the list.
    pub total: usize,
    /// Chains the pick stands for (before the filter), when there is one.
    pub picked: Option<usize>,
    /// Rows `query.offset ..` of the matches.
    pub rows: Vec<ChainRow>,
    /// Every match's overview marker, in time order (kept chains, when the overview draws
    /// lanes).
    pub marks: Option<Vec<Mark>>,
}

/// A chain as its row in the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRow {
    /// Chain id.
    pub id: String,
    /// Device name.
    pub device_name: String,
    /// File name.
    pub file_name: String,
    /// Folder path.
    pub folder_path: String,
    /// Source addresses.
    pub remote_ips: Vec<String>,
    /// Accounts.
    pub accounts: Vec<String>,
    /// Process start, as the export wrote it.
    pub start: String,
    /// Events.
    pub events: usize,
    /// Query rows.
    pub rows: usize,
    /// Rules that suppressed it.
    pub suppressed_by: Vec<String>,
}

/// A chain on the overview: its device's lane, from its first connection to its start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Chain id.
    pub id: String,
    /// Device id (the lane).
    pub device_id: String,
    /// Device name (the lane's label).
    pub device_name: String,
    /// The marker's tooltip.
    pub title: String,
    /// First connection, ticks.
    pub first: i64,
    /// Process start, ticks.
    pub start: i64,
}

/// How chains are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Start time.
    #[default]
    Time,
    /// Device name.
    Device,
    /// First account.
    Account,
    /// First source address.
    SourceIp,
    /// File name.
    FileName,
    /// Number of events, most first.
    Events,
}

impl SortKey {
    /// All, in menu order.
    pub const ALL: [SortKey; 6] = [
        SortKey::Time,
        SortKey::Device,
        SortKey::Account,
        SortKey::SourceIp,
        SortKey::FileName,
        SortKey::Events,
    ];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Time => "Start time",
            SortKey::Device => "Device",
            SortKey::Account => "Account",
            SortKey::SourceIp => "Source IP",
            SortKey::FileName => "File name",
            SortKey::Events => "Most events",
        }
    }

    /// Form value.
    pub fn value(self) -> &'static str {
        match self {
            SortKey::Time => "time",
            SortKey::Device => "device",
            SortKey::Account => "account",
            SortKey::SourceIp => "ip",
            SortKey::FileName => "file",
            SortKey::Events => "events",
        }
    }

    /// From a form value.
    pub fn from_value(v: &str) -> SortKey {
        SortKey::ALL
            .into_iter()
            .find(|k| k.value() == v)
            .unwrap_or(SortKey::Time)
    }
}

/// Which chain fields a filter looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterField {
    /// Any of them.
    #[default]
    Any,
    /// Device name or id.
    Device,
    /// Accounts.
    Account,
    /// Source addresses.
    SourceIp,
    /// File name or path.
    FileName,
    /// SHA256, SHA1 or MD5.
    Hash,
}

impl FilterField {
    /// All, in menu order.
    pub const ALL: [FilterField; 6] = [
        FilterField::Any,
        FilterField::Device,
        FilterField::Account,
        FilterField::SourceIp,
        FilterField::FileName,
        FilterField::Hash,
    ];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            FilterField::Any => "Any field",
            FilterField::Device => "Device",
            FilterField::Account => "Account",
            FilterField::SourceIp => "Source IP",
            FilterField::FileName => "File name / path",
            FilterField::Hash => "Hash",
        }
    }

    /// Form value.
    pub fn value(self) -> &'static str {
        match self {
            FilterField::Any => "any",
            FilterField::Device => "device",
            FilterField::Account => "account",
            FilterField::SourceIp => "ip",
            FilterField::FileName => "file",
            FilterField::Hash => "hash",
        }
    }

    /// From a form value.
    pub fn from_value(v: &str) -> FilterField {
        FilterField::ALL
            .into_iter()
            .find(|k| k.value() == v)
            .unwrap_or(FilterField::Any)
    }
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
