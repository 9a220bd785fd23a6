//! Date-order resolution: numeric dates such as 05/12/2024 wait until their stream tells its
//! day/month order, then are placed (or their rows counted as skipped).

use super::ingest::{PendingStamp, TableStats, PENDING};
use super::{DateChoice, Loader};
use crate::diag::{Diagnostic, DiagnosticKind, Diagnostics, Severity};
use crate::schema::Table;
use crate::time::{DateOrder, DateOrderProblem};

impl Loader {
    /// Places the stream's numeric dates once its day/month order is known; when it cannot be
    /// decided, says how they would read either way.
    pub(super) fn resolve_dates(
        &mut self,
        name: &str,
        evidence: crate::time::DateOrderEvidence,
        pending: Vec<PendingStamp>,
        stats: &mut [TableStats; 4],
        diagnostics: &mut Diagnostics,
    ) -> (Option<String>, Option<DateChoice>) {
        if pending.is_empty() && evidence.count == 0 {
            return (None, None);
        }
        let decided = evidence.decide(self.options.date_order);
        let (order, why) = match decided {
            Ok(order) => {
                let why = match (
                    self.options.date_order,
                    evidence.day_first_line,
                    evidence.month_first_line,
                ) {
                    (DateOrder::Auto, Some(l), _) => {
                        format!("day first (inferred: line {l} has a first field above 12)")
                    }
                    (DateOrder::Auto, _, Some(l)) => {
                        format!("month first (inferred: line {l} has a second field above 12)")
                    }
                    (DateOrder::Dmy, ..) => "day first (as requested)".to_string(),
                    _ => "month first (as requested)".to_string(),
                };
                (Some(order), why)
            }
            Err(problem) => {
                let message = match problem {
                    DateOrderProblem::Ambiguous => format!(
                        "{} dates such as 05/12/2024 could be day-first or month-first and none in this file tells; \
                         those rows were not analysed: choose the order (CLI: --date-order dmy or --date-order mdy)",
                        evidence.count
                    ),
                    DateOrderProblem::Contradictory { day_first_line, month_first_line } => format!(
                        "line {day_first_line} can only be day-first and line {month_first_line} only month-first; \
                         rows with numeric dates were not analysed: choose the order (--date-order)"
                    ),
                };
                diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::DateOrder,
                    severity: Severity::Error,
                    file: name.to_string(),
                    line: None,
                    column: Some("Timestamp".into()),
                    message: message.clone(),
                });
                (
                    None,
                    "unknown: day/month order could not be decided".to_string(),
                )
            }
        };
        let choice = order.is_none().then(|| {
            let span = |o: DateOrder| {
                let mut all = pending
                    .iter()
                    .filter_map(|p| p.date.resolve(o, p.offset_minutes));
                let first = all.next()?;
                let (lo, hi) = all.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t)));
                Some((lo.to_string(), hi.to_string()))
            };
            DateChoice {
                dates: pending.len() as u64,
                month_first: span(DateOrder::Mdy),
                day_first: span(DateOrder::Dmy),
            }
        });
        for p in &pending {
            let at = order.and_then(|o| p.date.resolve(o, p.offset_minutes));
            let slot = match p.table {
                Table::DeviceNetworkEvents => &mut self.store.net[p.index].at,
                Table::DeviceLogonEvents => &mut self.store.logons[p.index].at,
                Table::DeviceFileEvents => &mut self.store.files[p.index].at,
                Table::DeviceProcessEvents => &mut self.store.procs[p.index].at,
            };
            match at {
                Some(t) => *slot = t,
                None => {
                    let s = &mut stats[p.table.index()];
                    s.used -= 1;
                    let reason = if order.is_some() {
                        "date does not exist in the file's day/month order"
                    } else {
                        "day/month order unknown"
                    };
                    *s.skipped.entry(reason.to_string()).or_default() += 1;
                }
            }
        }
        if pending.iter().any(|_| true) {
            self.store.net.retain(|e| e.at != PENDING);
            self.store.logons.retain(|e| e.at != PENDING);
            self.store.files.retain(|e| e.at != PENDING);
            self.store.procs.retain(|e| e.at != PENDING);
        }
        (Some(why), choice)
    }
}
