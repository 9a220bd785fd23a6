//! The one analysis pipeline: a loaded data set and everything asked of it, for the CLI, the
//! report and the browser app's worker alike.
//!
//! An [`Engine`] owns a [`Dataset`] and the current [`Settings`] (tolerance, allowlist, near
//! misses). It runs the query, applies the allowlist, builds the chains, the near misses and
//! the [`Story`] once per setting, and keeps every evidence row it has read, so a new
//! tolerance re-reads only rows it has not seen. Evidence comes from an [`EvidenceSource`]:
//! files for the CLI, `Blob`s for the app.
//!
//! ```
//! use copyexec_core::engine::{Engine, Settings};
//! use copyexec_core::load::{Loader, LoadOptions};
//! use copyexec_core::Dataset;
//!
//! let net = "Timestamp,DeviceId,DeviceName,RemoteIP,RemotePort,LocalPort,Protocol,LocalIP\n\
//!            2024-03-11T08:00:00Z,d1,host1,10.0.0.5,50000,445,Tcp,10.0.0.9\n";
//! let logon = "Timestamp,DeviceId,RemoteIP,AccountDomain,AccountName,LogonType\n\
//!              2024-03-11T08:00:01Z,d1,10.0.0.5,corp,alice,Network\n";
//! let file = "Timestamp,DeviceId,ActionType,InitiatingProcessFileName,FileName,FolderPath,ShareName\n\
//!             2024-03-11T08:00:02Z,d1,FileCreated,System,evil.exe,C:\\Windows\\evil.exe,ADMIN$\n";
//! let procs = "Timestamp,DeviceId,FolderPath,ProcessCommandLine,ProcessId\n\
//!              2024-03-11T08:00:03Z,d1,C:\\Windows\\evil.exe,evil.exe -x,42\n";
//! let mut loader = Loader::new(LoadOptions::default());
//! for (name, text) in [("n.csv", net), ("l.csv", logon), ("f.csv", file), ("p.csv", procs)] {
//!     loader.add_input(name, None, text.as_bytes(), &mut |_| true).unwrap();
//! }
//! let engine = Engine::new(Dataset::new(loader.finish()), Settings::default());
//! let doc = engine.document();
//! assert_eq!(doc.chains.len(), 1);
//! // One group (evil.exe, by name: no hash was logged) and one move: 10.0.0.5 → host1.
//! assert_eq!(doc.groups[0].file_name, "evil.exe");
//! assert_eq!(doc.spread.origins, ["10.0.0.5"]);
//! assert_eq!(doc.spread.moves[0].to, "host1");
//! ```

use crate::allowlist::Allowlist;
use crate::chains::Chain;
use crate::correlate::RowRef;
use crate::dataset::{Dataset, EvidenceRequest, DEFAULT_TOLERANCE_SECONDS};
use crate::document::{
    AllowlistReport, ChainsDocument, InputDoc, MissingTable, SettingsDoc, Tool, Totals,
    CHAINS_SCHEMA,
};
use crate::evidence::{Fields, ReadAt};
use crate::load::RereadError;
use crate::near_miss::NearMiss;
use crate::store::Loc;
use crate::story::Story;
use crate::time::{format_offset, DateOrder};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Read};

/// What an analysis is run with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The query's `ToleranceInSeconds`.
    pub tolerance_seconds: i64,
    /// Allowlist rules in force.
    pub allowlist: Allowlist,
    /// Whether near misses are looked for.
    pub near_misses: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            allowlist: Allowlist::default(),
            near_misses: false,
        }
    }
}

/// Evidence rows still to read ([`Engine::evidence_work`]).
pub struct EvidenceWork {
    /// What is left, the next last.
    requests: Vec<EvidenceRequest>,
}

impl EvidenceWork {
    /// Whether nothing is left to read.
    pub fn is_done(&self) -> bool {
        self.requests.is_empty()
    }
}

/// Where evidence rows are read again from: the inputs, by their index in
/// [`Dataset::inputs`].
pub trait EvidenceSource {
    /// Input `input` for reading at offsets (plain-text inputs jump to each row).
    fn open_at(&mut self, input: u32) -> io::Result<Box<dyn ReadAt + '_>>;
    /// Input `input` for one pass from its start (compressed inputs and whole documents).
    fn open(&mut self, input: u32) -> io::Result<Box<dyn Read + '_>>;
}

/// The results for the current settings.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Every row of the query.
    pub rows: Vec<RowRef>,
    /// Rows no allowlist rule set aside: what `copyexec rows` prints.
    pub kept: Vec<RowRef>,
    /// Chains of the kept rows, by start time (`c1`…), without evidence.
    pub chains: Vec<Chain>,
    /// Chains every row of which a rule set aside (`s1`…).
    pub suppressed: Vec<Chain>,
    /// Near misses (empty unless asked for).
    pub near_misses: Vec<NearMiss>,
    /// What each rule did (absent without rules).
    pub allowlist: Option<AllowlistReport>,
    /// Groups and spread.
    pub story: Story,
}

/// What an [`Engine`] is made for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Any number of analyses of the data (a new tolerance reuses the join index).
    Many,
    /// One analysis: the join index goes once the query has run.
    Once,
    /// One run of the query alone (no chains, near misses or story).
    RowsOnce,
}

/// A loaded data set and the analysis of it.
pub struct Engine {
    data: Dataset,
    settings: Settings,
    /// What is wanted of the data.
    scope: Scope,
    results: Results,
    evidence: HashMap<Loc, Fields>,
    evidence_errors: Vec<String>,
}

impl Engine {
    /// Analyses `data` with `settings`.
    pub fn new(data: Dataset, settings: Settings) -> Engine {
        Engine::start(data, settings, Scope::Many)
    }

    /// Analyses `data` with `settings` for a caller that asks for one analysis (a command
    /// line run): the same results as [`Engine::new`], but the join index is let go once the
    /// query has run, so the chains and the story are built in the memory it held. Another
    /// setting still works; each query then indexes the events again.
    pub fn once(data: Dataset, settings: Settings) -> Engine {
        Engine::start(data, settings, Scope::Once)
    }

    /// Runs only the query and the allowlist on `data`, once (see [`Engine::once`]): the
    /// rows, without chains, near misses or story (they stay empty, and the allowlist report
    /// counts no suppressed chain), for a caller that prints the rows alone and need not hold
    /// the chains of a large input.
    pub fn rows_only(data: Dataset, settings: Settings) -> Engine {
        Engine::start(data, settings, Scope::RowsOnce)
    }

    fn start(data: Dataset, settings: Settings, scope: Scope) -> Engine {
        let mut e = Engine {
            data,
            settings,
            scope,
            results: Results::default(),
            evidence: HashMap::new(),
            evidence_errors: Vec::new(),
        };
        e.run();
        e
    }

    fn run(&mut self) {
        let rows = self.data.rows(self.settings.tolerance_seconds);
        if self.scope != Scope::Many {
            self.data.release_index();
        }
        let s = &self.settings;
        let data = &self.data;
        let filtered = data.apply_allowlist(&rows, &s.allowlist);
        if self.scope == Scope::RowsOnce {
            let allowlist = (!s.allowlist.is_empty())
                .then(|| data.allowlist_report(&s.allowlist, &filtered, &[]));
            self.results = Results {
                rows,
                kept: filtered.kept,
                allowlist,
                ..Results::default()
            };
            return;
        }
        let (chains, suppressed) =
            data.chains_with_allowlist(&filtered, &s.allowlist, s.tolerance_seconds);
        let near_misses = if s.near_misses {
            data.near_misses(&rows, s.tolerance_seconds)
        } else {
            Vec::new()
        };
        let allowlist = (!s.allowlist.is_empty())
            .then(|| data.allowlist_report(&s.allowlist, &filtered, &suppressed));
        let story = Story::build(data.store(), &chains, &suppressed);
        self.results = Results {
            rows,
            kept: filtered.kept,
            chains,
            suppressed,
            near_misses,
            allowlist,
            story,
        };
    }

    /// The loaded data.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The results for them (chains without evidence: see [`Engine::with_evidence`]).
    pub fn results(&self) -> &Results {
        &self.results
    }

    /// Runs the analysis again with another tolerance (nothing is read again).
    pub fn set_tolerance(&mut self, tolerance_seconds: i64) {
        self.settings.tolerance_seconds = tolerance_seconds;
        self.run();
    }

    /// Places the rows whose day/month order their files did not tell, read in `order`, and
    /// runs the analysis again: the results of reading those files again with that order
    /// asked for, without reading them. Returns whether any stream was waiting for it.
    pub fn decide_dates(&mut self, order: DateOrder) -> bool {
        if order == DateOrder::Auto || self.data.undecided_streams() == 0 {
            return false;
        }
        self.data.decide_dates(order);
        self.run();
        true
    }

    /// Runs the analysis again with other allowlist rules.
    pub fn set_allowlist(&mut self, allowlist: Allowlist) {
        self.settings.allowlist = allowlist;
        self.run();
    }

    /// Runs the analysis again with or without near misses.
    pub fn set_near_misses(&mut self, near_misses: bool) {
        if self.settings.near_misses != near_misses {
            self.settings.near_misses = near_misses;
            self.run();
        }
    }

    /// Writes the kept rows in the `copyexec rows` CSV form.
    pub fn write_rows_csv<W: io::Write>(&self, out: W) -> io::Result<()> {
        self.data.write_rows_csv(&self.results.kept, out)
    }

    /// Counts over the inputs and the results.
    pub fn totals(&self) -> Totals {
        self.data
            .totals(self.results.kept.len(), self.results.chains.len())
    }

    /// Tables with no rows, each with the message every front end shows.
    pub fn missing_tables(&self) -> Vec<MissingTable> {
        self.data
            .missing_tables()
            .into_iter()
            .map(MissingTable::new)
            .collect()
    }

    /// A chain (kept `c…` or suppressed `s…`) by id.
    pub fn chain(&self, id: &str) -> Option<&Chain> {
        let r = &self.results;
        r.chains.iter().chain(&r.suppressed).find(|c| c.id == id)
    }

    /// Reads the evidence rows not read yet: of the chains `ids` (kept or suppressed; every
    /// chain for `None`) and, with `near_misses`, of the near misses. An input that cannot be
    /// read again leaves its events without fields and is named in
    /// [`Engine::evidence_errors`].
    pub fn read_evidence(
        &mut self,
        ids: Option<&[String]>,
        near_misses: bool,
        source: &mut dyn EvidenceSource,
    ) {
        let mut work = self.evidence_work(ids, near_misses);
        self.read_evidence_step(&mut work, source, &mut || true);
    }

    /// The evidence rows not read yet of the chains `ids` (as [`Engine::read_evidence`]), to
    /// read a step at a time ([`Engine::read_evidence_step`]) by a reader that must stay
    /// responsive meanwhile (the app's worker answers the page between steps).
    pub fn evidence_work(&self, ids: Option<&[String]>, near_misses: bool) -> EvidenceWork {
        let mut requests = self.requests(ids, near_misses);
        for request in &mut requests {
            request.locs.retain(|l| !self.evidence.contains_key(l));
        }
        requests.retain(|r| !r.locs.is_empty());
        requests.reverse();
        EvidenceWork { requests }
    }

    /// Reads the rows of `work`, asking `more` between steps whether to go on; returns true
    /// when all are read. A step is one read of a plain-text input (the rows within a window
    /// of its bytes; each row is reached by its byte) or a whole compressed input or document
    /// (read through in one pass).
    pub fn read_evidence_step(
        &mut self,
        work: &mut EvidenceWork,
        source: &mut dyn EvidenceSource,
        more: &mut dyn FnMut() -> bool,
    ) -> bool {
        while let Some(mut request) = work.requests.pop() {
            // Plain-text inputs: jump to each row; compressed ones and documents: read through.
            let at = source.open_at(request.input).map(|mut at| {
                // The first rows, taken off the front: as many as one read of the input
                // covers.
                let mut step = EvidenceRequest {
                    input: request.input,
                    stream: request.stream,
                    locs: BTreeSet::new(),
                };
                let first = request.locs.first().map_or(0, |l| l.byte);
                while let Some(&loc) = request.locs.first() {
                    if loc.byte - first >= crate::evidence::WINDOW as u64 {
                        break;
                    }
                    request.locs.pop_first();
                    step.locs.insert(loc);
                }
                let found = self.data.read_evidence_at(&step, &mut *at);
                match found {
                    // Read through instead, all of them.
                    None => request.locs.append(&mut step.locs),
                    Some(_) if request.locs.is_empty() => request = step,
                    Some(_) => work.requests.push(std::mem::replace(&mut request, step)),
                }
                found
            });
            let found = match at {
                Ok(Some(found)) => found,
                Ok(None) => source
                    .open(request.input)
                    .map_err(RereadError::from)
                    .and_then(|raw| self.data.read_evidence(&request, raw)),
                Err(e) => Err(e.into()),
            };
            match found {
                Ok(rows) => self.evidence.extend(rows),
                Err(e) => {
                    let name = &self.data.inputs()[request.input as usize].name;
                    let message = format!("{name}: could not read the evidence rows again: {e}");
                    if !self.evidence_errors.contains(&message) {
                        self.evidence_errors.push(message);
                    }
                    // The rest of this input fails the same way.
                    work.requests.retain(|r| r.input != request.input);
                }
            }
            if !work.requests.is_empty() && !more() {
                return false;
            }
        }
        true
    }

    /// Whether every event of the chains `ids` (every chain and near miss for `None`) has
    /// its evidence read.
    pub fn evidence_complete(&self, ids: Option<&[String]>) -> bool {
        let r = &self.results;
        match ids {
            None => self.data.evidence_read(
                r.chains.iter().chain(&r.suppressed),
                &r.near_misses,
                &self.evidence,
            ),
            Some(ids) => self
                .data
                .evidence_read(self.named(ids), &[], &self.evidence),
        }
    }

    /// The chains, kept or suppressed, whose ids are among `ids`.
    fn named<'a>(&'a self, ids: &'a [String]) -> impl Iterator<Item = &'a Chain> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let r = &self.results;
        r.chains
            .iter()
            .chain(&r.suppressed)
            .filter(move |c| wanted.contains(c.id.as_str()))
    }

    /// The rows to read for the chains `ids` (every chain for `None`) and, with `near_misses`,
    /// the near misses: one request per stream.
    fn requests(&self, ids: Option<&[String]>, near_misses: bool) -> Vec<EvidenceRequest> {
        let r = &self.results;
        let near: &[NearMiss] = if near_misses { &r.near_misses } else { &[] };
        let parts = match ids {
            None => [
                self.data.evidence_requests(&r.chains, near),
                self.data.evidence_requests(&r.suppressed, &[]),
            ],
            Some(ids) => [
                self.data.evidence_requests(self.named(ids), near),
                Vec::new(),
            ],
        };
        let mut by_stream: BTreeMap<u32, EvidenceRequest> = BTreeMap::new();
        for q in parts.into_iter().flatten() {
            match by_stream.get_mut(&q.stream) {
                Some(merged) => merged.locs.extend(q.locs),
                None => {
                    by_stream.insert(q.stream, q);
                }
            }
        }
        by_stream.into_values().collect()
    }

    /// Inputs whose evidence could not be read again, with why.
    pub fn evidence_errors(&self) -> &[String] {
        &self.evidence_errors
    }

    /// `chains` with the evidence read so far attached.
    pub fn with_evidence(&self, chains: &[Chain]) -> Vec<Chain> {
        let mut out = chains.to_vec();
        self.data.attach_evidence(&mut out, &mut [], &self.evidence);
        out
    }

    /// The chains document, with the evidence read so far.
    pub fn document(&self) -> ChainsDocument {
        self.document_with(None)
    }

    /// The chains document with the evidence read so far of the chains `ids` only (of every
    /// chain for `None`) and of the near misses: a report carries the evidence of the chains
    /// it details, whatever else was read.
    pub fn document_with(&self, ids: Option<&[String]>) -> ChainsDocument {
        let r = &self.results;
        self.assemble(
            ids,
            r.chains.clone(),
            r.suppressed.clone(),
            r.near_misses.clone(),
            r.story.clone(),
        )
    }

    /// The chains document with the evidence read so far, made of the results themselves
    /// rather than of copies: what a caller that writes the document once and is done with the
    /// analysis uses, so a large input's chains are held once.
    pub fn into_document(mut self) -> ChainsDocument {
        let r = &mut self.results;
        let (chains, suppressed) = (
            std::mem::take(&mut r.chains),
            std::mem::take(&mut r.suppressed),
        );
        let (near, story) = (
            std::mem::take(&mut r.near_misses),
            std::mem::take(&mut r.story),
        );
        self.assemble(None, chains, suppressed, near, story)
    }

    fn assemble(
        &self,
        ids: Option<&[String]>,
        mut chains: Vec<Chain>,
        mut suppressed: Vec<Chain>,
        mut near: Vec<NearMiss>,
        story: Story,
    ) -> ChainsDocument {
        let r = &self.results;
        let data = &self.data;
        let opts = data.options();
        let wanted: Option<BTreeSet<&str>> =
            ids.map(|ids| ids.iter().map(String::as_str).collect());
        data.attach_evidence(&mut [], &mut near, &self.evidence);
        for c in chains.iter_mut().chain(suppressed.iter_mut()) {
            if wanted.as_ref().is_none_or(|w| w.contains(c.id.as_str())) {
                data.attach_evidence(std::slice::from_mut(c), &mut [], &self.evidence);
            }
        }
        let totals = data.totals(r.kept.len(), chains.len());
        ChainsDocument {
            schema: CHAINS_SCHEMA.to_string(),
            tool: Tool {
                name: "copyexec".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            settings: SettingsDoc {
                tolerance_seconds: self.settings.tolerance_seconds,
                assumed_time_zone: format_offset(opts.offset_minutes),
                date_order: opts.date_order,
            },
            inputs: data
                .inputs()
                .iter()
                .enumerate()
                .map(|(i, inp)| InputDoc {
                    name: inp.name.clone(),
                    size: inp.size,
                    streams: data
                        .reports()
                        .iter()
                        .filter(|r| r.input as usize == i)
                        .cloned()
                        .collect(),
                })
                .collect(),
            missing_tables: self.missing_tables(),
            totals,
            chains,
            groups: story.groups,
            spread: story.spread,
            near_misses: near,
            allowlist: r.allowlist.clone(),
            suppressed_chains: suppressed,
        }
    }
}

/// Inputs held in memory, in input order: an [`EvidenceSource`] for tests and for callers that
/// read whole inputs anyway.
pub struct MemorySource<'a>(pub Vec<&'a [u8]>);

impl MemorySource<'_> {
    fn bytes(&self, input: u32) -> io::Result<&[u8]> {
        self.0
            .get(input as usize)
            .copied()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no input {input}")))
    }
}

impl EvidenceSource for MemorySource<'_> {
    fn open_at(&mut self, input: u32) -> io::Result<Box<dyn ReadAt + '_>> {
        Ok(Box::new(crate::evidence::SeekReader(io::Cursor::new(
            self.bytes(input)?,
        ))))
    }

    fn open(&mut self, input: u32) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.bytes(input)?))
    }
}
