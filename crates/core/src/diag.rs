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

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
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
    per_kind: BTreeMap<&'static str, u32>,
}

/// Diagnostics kept per kind and source.
pub const KEEP_PER_KIND: u32 = 20;

impl Diagnostics {
    /// Adds `d` unless `kind` already has [`KEEP_PER_KIND`] entries.
    pub fn push(&mut self, kind: &'static str, d: Diagnostic) {
        let n = self.per_kind.entry(kind).or_default();
        if *n < KEEP_PER_KIND {
            *n += 1;
            self.items.push(d);
        } else {
            *self.suppressed.entry(kind.to_string()).or_default() += 1;
        }
    }

    /// Whether any diagnostic is at least `severity`.
    pub fn any_at_least(&self, severity: Severity) -> bool {
        self.items.iter().any(|d| d.severity >= severity)
    }
}
