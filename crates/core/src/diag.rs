//! Diagnostics: what was wrong with the input, where, and what was done about it.
//!
//! Loading never stops at a bad row: the row is counted under a reason and a diagnostic names
//! its file, line and column. A file with a million bad rows keeps the first few diagnostics of
//! each kind and counts the rest, so memory stays bounded.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Context worth knowing (an assumption made, a column absent but optional).
    Info,
    /// Data was dropped or a value could not be read; the rest was analysed.
    Warning,
    /// A whole file or stream could not be used.
    Error,
}

/// What kind of problem a diagnostic reports. Diagnostics are capped per kind, and the
/// counts of those not kept are keyed by its text ([`DiagnosticKind::as_str`]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A whole stream not analysed.
    #[serde(rename = "stream")]
    Stream,
    /// Reading stopped before the end of the stream.
    #[serde(rename = "read error")]
    ReadError,
    /// Unpaired UTF-16 surrogates.
    #[serde(rename = "utf16")]
    Utf16,
    /// Bytes that are not UTF-8 in a column the hunt reads.
    #[serde(rename = "utf8")]
    Utf8,
    /// The day/month order of numeric dates could not be decided.
    #[serde(rename = "date order")]
    DateOrder,
    /// An optional column absent from an export.
    #[serde(rename = "missing column")]
    MissingColumn,
    /// A CSV record with more or fewer fields than its header.
    #[serde(rename = "field count")]
    FieldCount,
    /// A JSON value that holds no row.
    #[serde(rename = "json row")]
    JsonRow,
    /// A JSON line that does not parse.
    #[serde(rename = "json line")]
    JsonLine,
    /// An EVTX record that does not parse.
    #[serde(rename = "evtx record")]
    EvtxRecord,
    /// An integer column that holds no integer.
    #[serde(rename = "bad integer")]
    BadInteger,
    /// A boolean column that holds no boolean.
    #[serde(rename = "bad boolean")]
    BadBoolean,
    /// A Timestamp that could not be read.
    #[serde(rename = "bad timestamp")]
    BadTimestamp,
    /// What a device timeline holds, and how its paths were read.
    #[serde(rename = "timeline")]
    Timeline,
    /// A document written before diagnostics carried their kind.
    #[default]
    #[serde(rename = "other")]
    Other,
}

impl DiagnosticKind {
    /// The kind as text (`bad timestamp`), as [`Diagnostics::suppressed`] is keyed.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::Stream => "stream",
            DiagnosticKind::ReadError => "read error",
            DiagnosticKind::Utf16 => "utf16",
            DiagnosticKind::Utf8 => "utf8",
            DiagnosticKind::DateOrder => "date order",
            DiagnosticKind::MissingColumn => "missing column",
            DiagnosticKind::FieldCount => "field count",
            DiagnosticKind::JsonRow => "json row",
            DiagnosticKind::JsonLine => "json line",
            DiagnosticKind::EvtxRecord => "evtx record",
            DiagnosticKind::BadInteger => "bad integer",
            DiagnosticKind::BadBoolean => "bad boolean",
            DiagnosticKind::BadTimestamp => "bad timestamp",
            DiagnosticKind::Timeline => "timeline",
            DiagnosticKind::Other => "other",
        }
    }
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// What kind of problem (documents written before it was stored read as `other`).
    #[serde(default)]
    pub kind: DiagnosticKind,
    /// How serious.
    pub severity: Severity,
    /// The file (and archive member) it concerns.
    pub file: String,
    /// 1-based line, where the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column, where the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// What is wrong and what was done.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{sev}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, " (column {col})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Diagnostics of one source, capped per kind.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Kept diagnostics, in the order found.
    pub items: Vec<Diagnostic>,
    /// Diagnostics not kept, by kind, because their kind reached the cap.
    pub suppressed: BTreeMap<String, u64>,
    #[serde(skip)]
    per_kind: BTreeMap<DiagnosticKind, u32>,
}

/// Diagnostics kept per kind and source.
pub const KEEP_PER_KIND: u32 = 20;

impl Diagnostics {
    /// Adds `d` unless its kind already has [`KEEP_PER_KIND`] entries.
    pub fn push(&mut self, d: Diagnostic) {
        let n = self.per_kind.entry(d.kind).or_default();
        if *n < KEEP_PER_KIND {
            *n += 1;
            self.items.push(d);
        } else {
            *self
                .suppressed
                .entry(d.kind.as_str().to_string())
                .or_default() += 1;
        }
    }

    /// Adds the diagnostics of a later stretch of the same source, as if pushed here one by
    /// one (the caps hold for both together).
    pub fn extend(&mut self, later: Diagnostics) {
        // The counts are not stored with the diagnostics (a part's bytes): they are those of
        // the items kept.
        self.per_kind.clear();
        for d in &self.items {
            *self.per_kind.entry(d.kind).or_default() += 1;
        }
        for d in later.items {
            self.push(d);
        }
        for (kind, n) in later.suppressed {
            *self.suppressed.entry(kind).or_default() += n;
        }
    }

    /// Drops the diagnostics of `kind`: what they said no longer holds.
    pub fn remove_kind(&mut self, kind: DiagnosticKind) {
        self.items.retain(|d| d.kind != kind);
        self.suppressed.remove(kind.as_str());
        self.per_kind.remove(&kind);
    }

    /// Whether any diagnostic is at least `severity`.
    pub fn any_at_least(&self, severity: Severity) -> bool {
        self.items.iter().any(|d| d.severity >= severity)
    }
}
