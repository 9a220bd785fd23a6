//! A loaded data set and what can be asked of it: the query's rows for any tolerance, the
//! chains, the near misses and the evidence behind them. [`crate::engine::Engine`] runs them
//! as one pipeline.

use crate::allowlist::Allowlist;
use crate::chains::{self, Chain};
use crate::correlate::{self, JoinIndex, RowRef};
use crate::document::{AllowlistReport, RuleEffect, Totals};
use crate::evidence;
use crate::load::{InputInfo, LoadOptions, Loaded, StreamReport};
use crate::near_miss::{self, NearMiss};
use crate::schema::Table;
use crate::store::{Loc, Store};
use crate::time::DateOrder;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read};

/// The seed query's default `ToleranceInSeconds`.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 5;

/// Loaded events with their join index.
pub struct Dataset {
    loaded: Loaded,
    /// `None` once let go ([`Dataset::release_index`]): each query then indexes for itself.
    index: Option<JoinIndex>,
}

/// One stream whose rows must be read again for evidence.
pub struct EvidenceRequest {
    /// Input to open (`Dataset::inputs`).
    pub input: u32,
    /// Stream within it.
    pub stream: u32,
    /// Rows wanted.
    pub locs: BTreeSet<Loc>,
}

impl Dataset {
    /// Indexes what was loaded.
    pub fn new(loaded: Loaded) -> Self {
        let index = Some(JoinIndex::new(&loaded.store));
        Dataset { loaded, index }
    }

    /// Lets the join index go, for a caller that runs the query once and goes on to the chains
    /// with the memory it held; a later query builds one for itself (the same rows, slower).
    pub fn release_index(&mut self) {
        self.index = None;
    }

    /// The events.
    pub fn store(&self) -> &Store {
        &self.loaded.store
    }

    /// Inputs as given.
    pub fn inputs(&self) -> &[InputInfo] {
        &self.loaded.inputs
    }

    /// One report per stream.
    pub fn reports(&self) -> &[StreamReport] {
        &self.loaded.reports
    }

    /// Streams whose day/month order is still to be chosen.
    pub fn undecided_streams(&self) -> usize {
        self.loaded.undecided_streams()
    }

    /// Places the rows of the streams whose day/month order could not be decided, read in
    /// `order` ([`Loaded::decide_dates`]); the join index is built again with them. Returns
    /// the rows placed.
    pub fn decide_dates(&mut self, order: DateOrder) -> u64 {
        let placed = self.loaded.decide_dates(order);
        if placed > 0 && self.index.is_some() {
            self.index = Some(JoinIndex::new(&self.loaded.store));
        }
        placed
    }

    /// Reading settings.
    pub fn options(&self) -> LoadOptions {
        self.loaded.options
    }

    /// The query's rows for `ToleranceInSeconds = tolerance_seconds`.
    pub fn rows(&self, tolerance_seconds: i64) -> Vec<RowRef> {
        let store = &self.loaded.store;
        match &self.index {
            Some(index) => correlate::query(store, index, tolerance_seconds),
            None => correlate::query(store, &JoinIndex::new(store), tolerance_seconds),
        }
    }

    /// Writes rows in the `copyexec rows` CSV form.
    pub fn write_rows_csv<W: io::Write>(&self, rows: &[RowRef], out: W) -> io::Result<()> {
        correlate::write_rows_csv(&self.loaded.store, rows, out).map_err(io::Error::from)
    }

    /// Projected values of one row.
    pub fn project(&self, row: RowRef) -> [String; 17] {
        correlate::project(&self.loaded.store, row)
    }

    /// Splits `rows` into those kept and those set aside by `allowlist` (with the index of the
    /// first rule that matched).
    pub fn apply_allowlist(&self, rows: &[RowRef], allowlist: &Allowlist) -> Filtered {
        let mut out = Filtered::default();
        for &r in rows {
            match allowlist.first_match(&self.loaded.store, r) {
                Some(i) => out.set_aside.push((r, i)),
                None => out.kept.push(r),
            }
        }
        out
    }

    /// Chains of the kept rows (with what was set aside in them) and the suppressed chains.
    pub fn chains_with_allowlist(
        &self,
        filtered: &Filtered,
        allowlist: &Allowlist,
        tolerance_seconds: i64,
    ) -> (Vec<Chain>, Vec<Chain>) {
        let aside: Vec<(RowRef, String)> = filtered
            .set_aside
            .iter()
            .map(|(r, i)| (*r, allowlist.rules[*i].rule.id.clone()))
            .collect();
        chains::build_with_allowlist(
            &self.loaded.store,
            &self.loaded.streams,
            &filtered.kept,
            &aside,
            tolerance_seconds,
        )
    }

    /// What each rule did, for the summary and reports.
    pub fn allowlist_report(
        &self,
        allowlist: &Allowlist,
        filtered: &Filtered,
        suppressed: &[Chain],
    ) -> AllowlistReport {
        AllowlistReport {
            rules: allowlist
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| RuleEffect {
                    id: r.rule.id.clone(),
                    reason: r.rule.reason.clone(),
                    source: r.source.clone(),
                    rule: r.rule.clone(),
                    rows_set_aside: filtered.set_aside.iter().filter(|(_, k)| *k == i).count()
                        as u64,
                    chains_suppressed: suppressed
                        .iter()
                        .filter(|c| c.suppressed_by.contains(&r.rule.id))
                        .count() as u64,
                })
                .collect(),
            rows_kept: filtered.kept.len() as u64,
            rows_set_aside: filtered.set_aside.len() as u64,
        }
    }

    /// Chains of `rows`, without evidence.
    pub fn chains(&self, rows: &[RowRef], tolerance_seconds: i64) -> Vec<Chain> {
        chains::build(
            &self.loaded.store,
            &self.loaded.streams,
            rows,
            tolerance_seconds,
        )
    }

    /// Near misses: copies that did not become chains (see [`near_miss`]).
    pub fn near_misses(&self, rows: &[RowRef], tolerance_seconds: i64) -> Vec<NearMiss> {
        near_miss::find(
            &self.loaded.store,
            &self.loaded.streams,
            rows,
            tolerance_seconds,
        )
    }

    /// Which streams must be read again for the evidence of `chains` and `near_misses`.
    pub fn evidence_requests<'a>(
        &self,
        chains: impl IntoIterator<Item = &'a Chain>,
        near_misses: &'a [NearMiss],
    ) -> Vec<EvidenceRequest> {
        evidence::wanted(&self.loaded.store, chains, near_misses)
            .into_iter()
            .map(|(stream, locs)| EvidenceRequest {
                input: self.loaded.streams[stream as usize].input,
                stream,
                locs,
            })
            .collect()
    }

    /// Whether every row [`Dataset::evidence_requests`] would ask for is in `read`, without
    /// making the requests: it stops at the first row not read (at once after a load).
    pub fn evidence_read<'a>(
        &self,
        chains: impl IntoIterator<Item = &'a Chain>,
        near_misses: &'a [NearMiss],
        read: &HashMap<Loc, evidence::Fields>,
    ) -> bool {
        evidence::all_read(&self.loaded.store, chains, near_misses, read)
    }

    /// Reads the rows of `request` by jumping to each (plain-text inputs); `None` when the
    /// stream is compressed or a whole document, to be read with [`Dataset::read_evidence`].
    pub fn read_evidence_at(
        &self,
        request: &EvidenceRequest,
        input: &mut dyn evidence::ReadAt,
    ) -> Option<Result<HashMap<Loc, evidence::Fields>, evidence::EvidenceError>> {
        evidence::read_stream_at(
            input,
            &self.loaded.streams[request.stream as usize],
            &request.locs,
        )
    }

    /// Reads the rows of `request` from its input's raw bytes, in one pass.
    pub fn read_evidence(
        &self,
        request: &EvidenceRequest,
        raw: Box<dyn Read + '_>,
    ) -> Result<HashMap<Loc, evidence::Fields>, evidence::EvidenceError> {
        evidence::read_stream(
            raw,
            &self.loaded.streams[request.stream as usize],
            &request.locs,
        )
    }

    /// Puts evidence rows into `chains` and `near_misses`.
    pub fn attach_evidence(
        &self,
        chains: &mut [Chain],
        near_misses: &mut [NearMiss],
        rows: &HashMap<Loc, evidence::Fields>,
    ) {
        evidence::attach(&self.loaded.store, chains, near_misses, rows);
    }

    /// Tables with no rows loaded at all: no chain can match without them.
    pub fn missing_tables(&self) -> Vec<Table> {
        Table::ALL
            .into_iter()
            .filter(|t| {
                let read = self
                    .loaded
                    .reports
                    .iter()
                    .any(|r| r.tables.get(t).is_some_and(|s| s.read > 0));
                // Windows logs may have connections only as stand-ins.
                let inferred =
                    *t == Table::DeviceNetworkEvents && !self.loaded.store.net.is_empty();
                !read && !inferred
            })
            .collect()
    }

    /// Totals over all streams.
    pub fn totals(&self, query_rows: usize, chains: usize) -> Totals {
        let mut t = Totals {
            query_rows: query_rows as u64,
            chains: chains as u64,
            ..Totals::default()
        };
        for r in &self.loaded.reports {
            for s in r.tables.values() {
                t.rows_read += s.read;
                t.rows_used += s.used;
                t.rows_filtered += s.filtered.values().sum::<u64>();
                t.rows_skipped += s.skipped.values().sum::<u64>();
            }
            t.rows_other_tables += r.other_tables.values().sum::<u64>();
            if r.skipped.is_some() {
                t.streams_skipped += 1;
            }
        }
        t
    }
}
/// Rows after an allowlist.
#[derive(Clone, Debug, Default)]
pub struct Filtered {
    /// Rows no rule matched.
    pub kept: Vec<RowRef>,
    /// Rows set aside, with the index of the first rule that matched.
    pub set_aside: Vec<(RowRef, usize)>,
}
