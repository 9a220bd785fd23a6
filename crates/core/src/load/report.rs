//! Per-stream reports: what each stream is, what was read from it, and why it was not used.

use super::error::{Cancelled, LoadError};
use super::ingest::{StampStats, StreamCounts, TableStats};
use super::{Format, Loaded, StreamInfo, StreamKind, StreamReport, TimestampReport};
use crate::diag::{Diagnostic, DiagnosticKind, Diagnostics, Severity};
use crate::load::decode::Layer;
use crate::schema::Table;
use crate::time::{format_offset, Precision};
use std::collections::BTreeMap;

impl Loaded {
    /// A new stream and its empty report; returns their index.
    pub(super) fn new_report(&mut self, input: u32, name: &str, layers: &[Layer]) -> usize {
        self.streams.push(StreamInfo {
            input,
            name: name.to_string(),
            layers: layers.to_vec(),
            kind: None,
            precision: Precision::Tick,
            windows_log: false,
        });
        self.reports.push(StreamReport {
            name: name.to_string(),
            input,
            format: None,
            layers: layers.to_vec(),
            tables: BTreeMap::new(),
            other_tables: BTreeMap::new(),
            timestamps: TimestampReport::default(),
            skipped: None,
            diagnostics: Diagnostics::default(),
        });
        self.reports.len() - 1
    }

    /// A stream not analysed at all, and why.
    pub(super) fn skip_stream(&mut self, input: u32, name: &str, layers: &[Layer], why: LoadError) {
        let i = self.new_report(input, name, layers);
        not_analysed(&mut self.reports[i], name, why);
    }

    /// Fills in the report of text stream `idx` once its reader is done.
    pub(super) fn text_report(
        &mut self,
        idx: usize,
        name: &str,
        counts: StreamCounts,
        diagnostics: Diagnostics,
        outcome: Result<(Option<StreamKind>, Option<Format>), LoadError>,
        start_lens: [usize; 4],
    ) -> Result<usize, Cancelled> {
        match outcome {
            Ok((kind, format)) => {
                self.finish_text(idx, name, counts, diagnostics, kind, format);
                Ok(idx)
            }
            Err(why) => {
                self.count_text(idx, name, counts, diagnostics);
                let report = &mut self.reports[idx];
                let cancelled = why.cancelled();
                not_analysed(report, name, why);
                // Rows of a stream that stopped are kept only if it was read (not for a bad header).
                if report.tables.is_empty() {
                    self.truncate(start_lens);
                }
                match cancelled {
                    Some(c) => Err(c),
                    None => Ok(idx),
                }
            }
        }
    }

    /// Fills in the report of text stream `idx`, read to its end as `kind` and `format`.
    pub(super) fn finish_text(
        &mut self,
        idx: usize,
        name: &str,
        counts: StreamCounts,
        diagnostics: Diagnostics,
        kind: Option<StreamKind>,
        format: Option<Format>,
    ) {
        self.count_text(idx, name, counts, diagnostics);
        let report = &mut self.reports[idx];
        self.streams[idx].kind = kind;
        self.streams[idx].windows_log = format == Some(Format::WindowsEventJson);
        if self.streams[idx].windows_log {
            report.timestamps.zone = "UTC (Windows logs UTC)".into();
        }
        report.format = format;
        // A device timeline without such events is read whole: it shows their absence.
        if report.tables.is_empty() && format != Some(Format::DefenderTimelineCsv) {
            report.skipped = Some(nothing_of_the_hunt(report));
        }
    }

    /// The counts, timestamps and diagnostics of text stream `idx` into its report, once its
    /// numeric dates are placed.
    fn count_text(
        &mut self,
        idx: usize,
        name: &str,
        counts: StreamCounts,
        mut diagnostics: Diagnostics,
    ) {
        let StreamCounts {
            mut stats,
            stamps,
            evidence,
            pending,
            other_tables,
            next_piece_line: _,
        } = counts;
        let (date_order, date_choice) =
            self.resolve_dates(name, evidence, pending, &mut stats, &mut diagnostics);
        let report = &mut self.reports[idx];
        report.diagnostics = diagnostics;
        report.other_tables = other_tables;
        insert_tables(report, &stats);
        report.timestamps = timestamp_report(&stamps, self.options.offset_minutes, date_order);
        report.timestamps.date_choice = date_choice;
        self.streams[idx].precision = stamps.coarsest.unwrap_or(Precision::Tick);
    }

    /// Fills in the report of EVTX stream `idx` once its reader is done.
    pub(super) fn evtx_report(
        &mut self,
        idx: usize,
        name: &str,
        counts: StreamCounts,
        diagnostics: Diagnostics,
        outcome: Result<(), LoadError>,
    ) -> Result<usize, Cancelled> {
        let report = &mut self.reports[idx];
        report.diagnostics = diagnostics;
        report.other_tables = counts.other_tables;
        report.format = Some(Format::Evtx);
        report.timestamps = TimestampReport {
            zone: "UTC (Windows logs UTC)".into(),
            resolution: Some(Precision::Tick.describe().into()),
            ..Default::default()
        };
        insert_tables(report, &counts.stats);
        self.streams[idx].kind = Some(StreamKind::Evtx);
        self.streams[idx].windows_log = true;
        match outcome {
            Ok(()) if report.tables.is_empty() => {
                report.skipped = Some(
                    "no event of the hunt's four steps (Sysmon 1/3/11, Security 4624/4688/5145/5156)".into(),
                );
            }
            Ok(()) => {}
            Err(why) => {
                let cancelled = why.cancelled();
                not_analysed(report, name, why);
                if let Some(c) = cancelled {
                    return Err(c);
                }
            }
        }
        Ok(idx)
    }
}

impl Loaded {
    /// How many events the store holds, to drop a failed stream's with [`Loader::truncate`].
    pub(super) fn store_lens(&self) -> [usize; 4] {
        [
            self.store.net.len(),
            self.store.logons.len(),
            self.store.files.len(),
            self.store.procs.len(),
        ]
    }

    /// Drops the events of a stream that failed before being read.
    fn truncate(&mut self, lens: [usize; 4]) {
        self.store.net.truncate(lens[0]);
        self.store.logons.truncate(lens[1]);
        self.store.files.truncate(lens[2]);
        self.store.procs.truncate(lens[3]);
    }
}

fn insert_tables(report: &mut StreamReport, stats: &[TableStats; 4]) {
    for t in Table::ALL {
        let s = &stats[t.index()];
        if s.read > 0 {
            report.tables.insert(t, s.clone());
        }
    }
}

/// Why a stream read to its end holds nothing the hunt uses.
fn nothing_of_the_hunt(report: &StreamReport) -> String {
    if report.other_tables.is_empty() {
        return "no rows of DeviceNetworkEvents, DeviceLogonEvents, DeviceFileEvents or DeviceProcessEvents".to_string();
    }
    let what: Vec<String> = report
        .other_tables
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect();
    format!(
        "it holds only rows this hunt does not read ({})",
        what.join(", ")
    )
}

/// The last part of a stream's name: the file name of a path, the member of an archive.
pub(super) fn leaf(name: &str) -> &str {
    let name = name.rsplit(" › ").next().unwrap_or(name);
    let name = name.rsplit(" → ").next().unwrap_or(name);
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Marks a whole stream as not analysed, with an error diagnostic saying why.
pub(super) fn not_analysed(report: &mut StreamReport, name: &str, why: LoadError) {
    let why = why.to_string();
    report.diagnostics.push(Diagnostic {
        kind: DiagnosticKind::Stream,
        severity: Severity::Error,
        file: name.to_string(),
        line: None,
        column: None,
        message: format!("not analysed: {why}"),
    });
    report.skipped = Some(why);
}

fn timestamp_report(
    stamps: &StampStats,
    offset: i32,
    date_order: Option<String>,
) -> TimestampReport {
    let zone = match (stamps.zoned, stamps.naive) {
        (0, 0) => String::new(),
        (_, 0) => "from the file".to_string(),
        (0, _) => format!("assumed {} (the file does not say)", format_offset(offset)),
        (z, n) => format!(
            "{z} values carry a zone; {n} assumed {}",
            format_offset(offset)
        ),
    };
    TimestampReport {
        styles: stamps.styles.clone(),
        resolution: stamps.coarsest.map(|p| p.describe().to_string()),
        zone,
        date_order,
        date_choice: None,
    }
}
