//! Date-order resolution: numeric dates such as 05/12/2024 wait until their stream tells its
//! day/month order, then are placed (or their rows counted as skipped); when it cannot tell,
//! they wait aside until the reader chooses.

use super::ingest::{PendingStamp, TableStats, PENDING};
use super::{DateChoice, Loaded};
use crate::diag::{Diagnostic, DiagnosticKind, Diagnostics, Severity};
use crate::schema::Table;
use crate::store::{FileEvent, LogonEvent, NetEvent, ProcEvent};
use crate::time::{DateOrder, DateOrderProblem, NumericDate};
use serde::{Deserialize, Serialize};

impl Loaded {
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
                        "{} dates with day and month both 12 or less (as in 05/12/2024) could be day-first or month-first and none in this file tells; \
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
        // Undecided rows are set aside whole, to be placed when the reader chooses the order
        // ([`Loaded::decide_dates`]) without reading the file again.
        let mut parked = [0usize; 4];
        for p in &pending {
            let at = order.and_then(|o| p.date.resolve(o, p.offset_minutes));
            let t = p.table.index();
            let store = &mut self.store;
            let (slot, event) = match p.table {
                Table::DeviceNetworkEvents => {
                    let e = &mut store.net[p.index];
                    let copy = *e;
                    (&mut e.at, UndatedEvent::Net(copy))
                }
                Table::DeviceLogonEvents => {
                    let e = &mut store.logons[p.index];
                    let copy = *e;
                    (&mut e.at, UndatedEvent::Logon(copy))
                }
                Table::DeviceFileEvents => {
                    let e = &mut store.files[p.index];
                    let copy = *e;
                    (&mut e.at, UndatedEvent::File(copy))
                }
                Table::DeviceProcessEvents => {
                    let e = &mut store.procs[p.index];
                    let copy = *e;
                    (&mut e.at, UndatedEvent::Proc(copy))
                }
            };
            match at {
                Some(t) => *slot = t,
                None => {
                    let s = &mut stats[t];
                    s.used -= 1;
                    let reason = if order.is_some() {
                        NO_SUCH_DATE
                    } else {
                        // Pending rows of a table come in store order, and the ones before
                        // this one are set aside with it.
                        self.undated.push(Undated {
                            before: p.index - parked[t],
                            date: p.date,
                            offset_minutes: p.offset_minutes,
                            event,
                        });
                        parked[t] += 1;
                        ORDER_UNKNOWN
                    };
                    *s.skipped.entry(reason.to_string()).or_default() += 1;
                }
            }
        }
        if !pending.is_empty() {
            self.store.net.retain(|e| e.at != PENDING);
            self.store.logons.retain(|e| e.at != PENDING);
            self.store.files.retain(|e| e.at != PENDING);
            self.store.procs.retain(|e| e.at != PENDING);
        }
        (Some(why), choice)
    }
}

const NO_SUCH_DATE: &str = "date does not exist in the file's day/month order";
const ORDER_UNKNOWN: &str = "day/month order unknown";

/// A row whose numeric date waits for a day/month order its stream did not tell.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Undated {
    /// Events of its table before it once the undated rows are set aside: where it goes back.
    pub(super) before: usize,
    date: NumericDate,
    offset_minutes: i32,
    pub(super) event: UndatedEvent,
}

/// The event of an [`Undated`] row, its time not set.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(super) enum UndatedEvent {
    Net(NetEvent),
    Logon(LogonEvent),
    File(FileEvent),
    Proc(ProcEvent),
}

impl UndatedEvent {
    fn table(&self) -> Table {
        match self {
            UndatedEvent::Net(_) => Table::DeviceNetworkEvents,
            UndatedEvent::Logon(_) => Table::DeviceLogonEvents,
            UndatedEvent::File(_) => Table::DeviceFileEvents,
            UndatedEvent::Proc(_) => Table::DeviceProcessEvents,
        }
    }

    fn stream(&self) -> u32 {
        match self {
            UndatedEvent::Net(e) => e.loc.stream,
            UndatedEvent::Logon(e) => e.loc.stream,
            UndatedEvent::File(e) => e.loc.stream,
            UndatedEvent::Proc(e) => e.loc.stream,
        }
    }
}

impl Loaded {
    /// Streams whose day/month order is still to be chosen.
    pub fn undecided_streams(&self) -> usize {
        self.reports
            .iter()
            .filter(|r| r.timestamps.date_choice.is_some())
            .count()
    }

    /// Places the rows of every stream whose day/month order could not be decided, read in
    /// `order`, as if those streams had been read with that order asked for: each such row
    /// goes back where it was read (the results are those of reading again), a date that
    /// does not exist that way is counted skipped, and the reports say the order was chosen.
    /// Streams that told their own order keep it. Returns the rows placed.
    pub fn decide_dates(&mut self, order: DateOrder) -> u64 {
        if order == DateOrder::Auto || self.undated.is_empty() {
            return 0;
        }
        let why = match order {
            DateOrder::Dmy => "day first (chosen after reading)",
            _ => "month first (chosen after reading)",
        };
        let mut back: [Vec<(usize, UndatedEvent)>; 4] = Default::default();
        let mut placed = 0;
        for u in std::mem::take(&mut self.undated) {
            let table = u.event.table();
            let report = &mut self.reports[u.event.stream() as usize];
            report.timestamps.date_order = Some(why.to_string());
            report.timestamps.date_choice = None;
            report.diagnostics.remove_kind(DiagnosticKind::DateOrder);
            let stats = report
                .tables
                .get_mut(&table)
                .expect("an undated row's table is in its report");
            uncount(&mut stats.skipped, ORDER_UNKNOWN);
            match u.date.resolve(order, u.offset_minutes) {
                Some(at) => {
                    stats.used += 1;
                    placed += 1;
                    let mut event = u.event;
                    match &mut event {
                        UndatedEvent::Net(e) => e.at = at,
                        UndatedEvent::Logon(e) => e.at = at,
                        UndatedEvent::File(e) => e.at = at,
                        UndatedEvent::Proc(e) => e.at = at,
                    }
                    back[table.index()].push((u.before, event));
                }
                None => *stats.skipped.entry(NO_SUCH_DATE.to_string()).or_default() += 1,
            }
        }
        let [net, logons, files, procs] = back;
        let store = &mut self.store;
        put_back(&mut store.net, net, |e| match e {
            UndatedEvent::Net(e) => e,
            _ => unreachable!("sorted by table"),
        });
        put_back(&mut store.logons, logons, |e| match e {
            UndatedEvent::Logon(e) => e,
            _ => unreachable!("sorted by table"),
        });
        put_back(&mut store.files, files, |e| match e {
            UndatedEvent::File(e) => e,
            _ => unreachable!("sorted by table"),
        });
        put_back(&mut store.procs, procs, |e| match e {
            UndatedEvent::Proc(e) => e,
            _ => unreachable!("sorted by table"),
        });
        placed
    }
}

fn uncount(counts: &mut std::collections::BTreeMap<String, u64>, reason: &str) {
    if let Some(n) = counts.get_mut(reason) {
        *n -= 1;
        if *n == 0 {
            counts.remove(reason);
        }
    }
}

/// Merges rows set aside back into `list`: each goes after the `before` rows of the list
/// that preceded it, in the order they were set aside (which is the order they were read).
fn put_back<T>(
    list: &mut Vec<T>,
    back: Vec<(usize, UndatedEvent)>,
    event: impl Fn(UndatedEvent) -> T,
) {
    if back.is_empty() {
        return;
    }
    let old = std::mem::take(list);
    let mut out = Vec::with_capacity(old.len() + back.len());
    let mut back = back.into_iter().peekable();
    for (i, e) in old.into_iter().enumerate() {
        while let Some((_, u)) = back.next_if(|(before, _)| *before <= i) {
            out.push(event(u));
        }
        out.push(e);
    }
    out.extend(back.map(|(_, u)| event(u)));
    *list = out;
}
