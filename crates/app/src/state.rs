//! The page's state: one [`State`], changed only through [`Action`]s.
//!
//! Large values (inputs, results) are held in `Rc`s so an action never copies them.

use crate::host::Input;
use crate::protocol::{
    ChainPage, FilterField, FromWorker, InputView, ListKind, Pick, ResultView, SortKey,
};
use copyexec_core::allowlist::Allowlist;
use copyexec_core::chains::Chain;
use copyexec_core::time::DateOrder;
use copyexec_core::DEFAULT_TOLERANCE_SECONDS;
use std::rc::Rc;
use yew::Reducible;

/// A shared value compared by identity, for component properties: a result is replaced
/// whole, never changed in place, so pointer equality is value equality here and costs
/// nothing.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Where the user is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Nothing loaded.
    Landing,
    /// Files being read.
    Loading,
    /// Results shown.
    Results,
}

/// Reading progress of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProgress {
    /// Name.
    pub name: String,
    /// Bytes read of each piece it is read in.
    pub pieces: Vec<u64>,
    /// Bytes read in all (a piece may read a little past its end: at most the size).
    pub loaded: u64,
    /// Size.
    pub total: u64,
}

/// Light or dark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// As the system prefers.
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// How files are read (changing it reads them again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Minutes east of UTC for zone-less timestamps.
    pub offset_minutes: i32,
    /// Day/month order.
    pub date_order: DateOrder,
}

/// The allowlist settings: presets turned on, and the rules typed or loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Per preset (in `PRESETS` order): turned on.
    pub presets: Vec<bool>,
    /// The editor's text (TOML).
    pub text: String,
    /// The name the editor's rules go by (labels what they set aside).
    pub name: String,
    /// Why the rules cannot be used: (1-based line, message as shown).
    pub error: Option<(Option<usize>, String)>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            presets: vec![false; copyexec_core::allowlist::presets::PRESETS.len()],
            text: String::new(),
            name: "rules.toml".into(),
            error: None,
        }
    }
}

impl Rules {
    /// The rules in force: the presets turned on, then the editor's rules. Errors carry the
    /// file and line.
    pub fn allowlist(&self) -> Result<Allowlist, copyexec_core::allowlist::RuleError> {
        let mut list = Allowlist::default();
        for ((file, text), on) in copyexec_core::allowlist::presets::PRESETS
            .iter()
            .zip(&self.presets)
        {
            if *on {
                list.add_toml(&preset_source(file), text)?;
            }
        }
        if !self.text.trim().is_empty() {
            list.add_toml(&self.name, &self.text)?;
        }
        Ok(list)
    }
}

/// How a preset's rules are labelled: as `copyexec --preset NAME` labels them.
pub fn preset_source(file: &str) -> String {
    format!("preset {}", file.trim_end_matches(".toml"))
}

/// The whole page state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Where the user is.
    pub phase: Phase,
    /// Number of the latest request to the worker.
    pub seq: u32,
    /// Number of the latest load.
    pub load_seq: u32,
    /// Files of the current analysis.
    pub files: Rc<Vec<Input>>,
    /// Reading progress, per file.
    pub progress: Vec<FileProgress>,
    /// What was found in each input.
    pub inputs: Rc<Vec<InputView>>,
    /// Tables with no rows.
    pub missing_tables: Rc<Vec<String>>,
    /// The latest result.
    pub result: Option<Rc<ResultView>>,
    /// Tolerance asked for.
    pub tolerance: i64,
    /// Reading options.
    pub options: ReadOptions,
    /// Milliseconds spent reading.
    pub read_ms: f64,
    /// Workers the files were read in.
    pub readers: usize,
    /// Most pieces a file was read in (1: each whole).
    pub pieces: u32,
    /// A problem to show.
    pub error: Option<String>,
    /// An informational message.
    pub notice: Option<String>,
    /// Filter text.
    pub filter: String,
    /// Filter field.
    pub filter_field: FilterField,
    /// Order of chains.
    pub sort: SortKey,
    /// Chains picked in the story, when some are.
    pub pick: Option<Pick>,
    /// The first query rows, once the rows table asked for them.
    pub rows: Option<Rc<Vec<Vec<String>>>>,
    /// The page of the chain list shown, as the worker sent it.
    pub kept: Option<Rc<ChainPage>>,
    /// The page of the suppressed chains shown.
    pub suppressed: Option<Rc<ChainPage>>,
    /// The chain whose card is open: its list and id.
    pub open: Option<(ListKind, String)>,
    /// That chain, once the worker sent it.
    pub open_chain: Option<Rc<Chain>>,
    /// Event whose fields are open: (chain id, event id).
    pub selected: Option<(String, String)>,
    /// The selected event's chain with its evidence, once the worker sent it.
    pub evidence: Option<Rc<Chain>>,
    /// Number of the latest result whose evidence the worker has read whole.
    pub evidence_seq: u32,
    /// Theme.
    pub theme: Theme,
    /// Allowlist settings.
    pub rules: Rules,
    /// The rules in force (the last valid ones).
    pub allowlist: Rc<Allowlist>,
    /// The near-miss list is open: downloads and reports include near misses.
    pub near_view: bool,
    /// Report title.
    pub report_title: String,
    /// Report notes.
    pub report_notes: String,
}

impl Default for State {
    fn default() -> Self {
        State {
            phase: Phase::Landing,
            seq: 0,
            load_seq: 0,
            files: Rc::new(Vec::new()),
            progress: Vec::new(),
            inputs: Rc::new(Vec::new()),
            missing_tables: Rc::new(Vec::new()),
            result: None,
            tolerance: DEFAULT_TOLERANCE_SECONDS,
            options: ReadOptions {
                offset_minutes: 0,
                date_order: DateOrder::Auto,
            },
            read_ms: 0.0,
            readers: 1,
            pieces: 1,
            error: None,
            notice: None,
            filter: String::new(),
            filter_field: FilterField::Any,
            sort: SortKey::Time,
            pick: None,
            rows: None,
            kept: None,
            suppressed: None,
            open: None,
            open_chain: None,
            selected: None,
            evidence: None,
            evidence_seq: 0,
            theme: Theme::System,
            rules: Rules::default(),
            allowlist: Rc::new(Allowlist::default()),
            near_view: false,
            report_title: String::new(),
            report_notes: String::new(),
        }
    }
}

/// Everything that changes the state.
#[derive(Debug)]
pub enum Action {
    /// A load was sent to the worker.
    StartLoad {
        /// Request number.
        seq: u32,
        /// The files.
        files: Rc<Vec<Input>>,
        /// Workers that read them.
        readers: usize,
        /// How many pieces each file is read in.
        pieces: Vec<u32>,
    },
    /// What the worker said (its messages are the actions: no second type for each).
    Worker(FromWorker),
    /// Something failed on the page (a drop, a download, the worker itself): shown, and a
    /// load under way ends.
    Problem(String),
    /// The user cancelled reading; the worker was replaced.
    Cancelled,
    /// Tolerance asked for (the request has this number).
    SetTolerance {
        /// Request number.
        seq: u32,
        /// Seconds.
        tolerance: i64,
    },
    /// Reading options changed (a reload follows).
    SetOptions(ReadOptions),
    /// The day/month order was chosen for the rows that waited for it: the replies to this
    /// request are those of a load.
    DecideDates {
        /// Request number.
        seq: u32,
    },
    /// Filter text.
    SetFilter(String),
    /// Filter field.
    SetFilterField(FilterField),
    /// Sort order.
    SetSort(SortKey),
    /// Chains picked in the story (or none).
    Pick(Option<Pick>),
    /// Open or close a chain's card.
    Open(Option<(ListKind, String)>),
    /// Open or close an event's fields.
    Select(Option<(String, String)>),
    /// Theme.
    SetTheme(Theme),
    /// Allowlist settings changed; with the rules now in force when they are valid (and the
    /// request that runs them).
    SetRules {
        /// The settings.
        rules: Rules,
        /// Rules in force, when they changed.
        allowlist: Option<Rc<Allowlist>>,
        /// Request number, when one was sent.
        seq: Option<u32>,
    },
    /// Near-miss list opened or closed.
    SetNearView(bool),
    /// Report title.
    SetReportTitle(String),
    /// Report notes.
    SetReportNotes(String),
    /// Back to the landing view.
    Reset,
    /// Dismiss messages.
    DismissMessages,
}

impl State {
    /// Applies a worker message; false when it changes nothing (a stale reply).
    fn hear(&mut self, message: FromWorker) -> bool {
        match message {
            FromWorker::Progress {
                seq,
                file,
                piece,
                loaded,
                total,
            } => {
                if seq != self.load_seq {
                    return false;
                }
                if let Some(p) = self.progress.get_mut(file) {
                    if let Some(slot) = p.pieces.get_mut(piece as usize) {
                        *slot = loaded;
                    }
                    p.total = total;
                    p.loaded = p.pieces.iter().sum::<u64>().min(total);
                }
            }
            FromWorker::Loaded {
                seq,
                inputs,
                missing_tables,
                read_ms,
            } => {
                if seq != self.load_seq {
                    return false;
                }
                self.inputs = Rc::new(inputs);
                self.missing_tables = Rc::new(missing_tables);
                self.read_ms = read_ms;
                for p in &mut self.progress {
                    p.loaded = p.total;
                }
            }
            FromWorker::Result(r) => {
                if r.seq != self.seq || self.phase == Phase::Landing {
                    return false;
                }
                self.phase = Phase::Results;
                if r.evidence_complete {
                    self.evidence_seq = r.seq;
                }
                // Chain ids are numbered per result: an open card or event's dialog would
                // name another chain, so they close; the lists ask for their pages again.
                self.selected = None;
                self.evidence = None;
                self.open = None;
                self.open_chain = None;
                self.kept = None;
                self.suppressed = None;
                self.rows = None;
                self.result = Some(Rc::new(*r));
            }
            FromWorker::EvidenceReady { seq } => {
                if seq != self.seq {
                    return false;
                }
                self.evidence_seq = seq;
            }
            FromWorker::Chains(page) => {
                if page.seq != self.seq {
                    return false;
                }
                let page = Some(Rc::new(*page));
                match page.as_ref().map(|p| p.query.list) {
                    Some(ListKind::Suppressed) => self.suppressed = page,
                    _ => self.kept = page,
                }
            }
            FromWorker::Rows { seq, rows } => {
                if seq != self.seq {
                    return false;
                }
                self.rows = Some(Rc::new(rows));
            }
            FromWorker::Chain {
                seq,
                chain,
                evidence,
            } => {
                if seq != self.seq {
                    return false;
                }
                if evidence {
                    let wanted = self
                        .selected
                        .as_ref()
                        .is_some_and(|(id, _)| *id == chain.id);
                    if !wanted {
                        return false;
                    }
                    self.evidence = Some(Rc::new(*chain));
                } else {
                    let wanted = self.open.as_ref().is_some_and(|(_, id)| *id == chain.id);
                    if !wanted {
                        return false;
                    }
                    self.open_chain = Some(Rc::new(*chain));
                }
            }
            FromWorker::Failed { seq, message } => {
                if seq != 0 && seq != self.seq {
                    return false;
                }
                self.problem(message);
            }
            // Handled by the bridge: the bytes go to a file, not to the state.
            FromWorker::Download { .. } | FromWorker::Part { .. } => return false,
        }
        true
    }

    /// Shows a problem; a load under way ends.
    fn problem(&mut self, message: String) {
        self.error = Some(message);
        if self.phase == Phase::Loading {
            self.phase = Phase::Landing;
        }
    }

    /// Whether the current result's evidence is all read (or came with it).
    pub fn evidence_complete(&self) -> bool {
        self.result
            .as_ref()
            .is_some_and(|r| r.seq == self.evidence_seq)
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::StartLoad {
                seq,
                files,
                readers,
                pieces,
            } => {
                s.phase = Phase::Loading;
                s.readers = readers;
                s.pieces = pieces.iter().copied().max().unwrap_or(1);
                s.seq = seq;
                s.load_seq = seq;
                s.progress = files
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FileProgress {
                        name: f.name.clone(),
                        pieces: vec![0; pieces.get(i).copied().unwrap_or(1).max(1) as usize],
                        loaded: 0,
                        total: f.file.size() as u64,
                    })
                    .collect();
                s.files = files;
                s.inputs = Rc::new(Vec::new());
                s.missing_tables = Rc::new(Vec::new());
                s.result = None;
                s.error = None;
                s.notice = None;
                s.selected = None;
                s.evidence = None;
                s.pick = None;
                s.open = None;
                s.open_chain = None;
                s.kept = None;
                s.suppressed = None;
                s.rows = None;
            }
            Action::Worker(message) => {
                if !s.hear(message) {
                    return self;
                }
            }
            Action::Problem(message) => s.problem(message),
            Action::Cancelled => {
                s.phase = Phase::Landing;
                s.result = None;
                s.progress.clear();
                s.notice = Some("Analysis cancelled. No results were kept.".into());
            }
            Action::SetTolerance { seq, tolerance } => {
                s.seq = seq;
                s.tolerance = tolerance;
            }
            Action::SetOptions(o) => s.options = o,
            Action::DecideDates { seq } => {
                s.seq = seq;
                s.load_seq = seq;
            }
            Action::SetFilter(f) => s.filter = f,
            Action::SetFilterField(f) => s.filter_field = f,
            Action::SetSort(k) => s.sort = k,
            Action::Pick(p) => s.pick = p,
            Action::Open(open) => {
                if s.open != open {
                    s.open_chain = None;
                }
                s.open = open;
            }
            Action::Select(sel) => {
                if s.selected.as_ref().map(|x| &x.0) != sel.as_ref().map(|x| &x.0) {
                    s.evidence = None;
                }
                s.selected = sel;
            }
            Action::SetTheme(t) => s.theme = t,
            Action::SetRules {
                rules,
                allowlist,
                seq,
            } => {
                s.rules = rules;
                if let Some(list) = allowlist {
                    s.allowlist = list;
                }
                if let Some(seq) = seq {
                    s.seq = seq;
                }
            }
            Action::SetNearView(v) => s.near_view = v,
            Action::SetReportTitle(t) => s.report_title = t,
            Action::SetReportNotes(n) => s.report_notes = n,
            Action::Reset => {
                let old = s;
                s = State::default();
                s.theme = old.theme;
                s.options = old.options;
                s.seq = old.seq;
                s.rules = old.rules;
                s.allowlist = old.allowlist;
                s.near_view = old.near_view;
                s.report_title = old.report_title;
                s.report_notes = old.report_notes;
            }
            Action::DismissMessages => {
                s.error = None;
                s.notice = None;
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_results_are_dropped() {
        let s = Rc::new(State {
            seq: 3,
            phase: Phase::Results,
            ..State::default()
        });
        let r = ResultView {
            seq: 2,
            tolerance: 5,
            evidence_complete: true,
            evidence_errors: vec![],
            stats: Default::default(),
            near_misses: vec![],
            allowlist: None,
            story: Default::default(),
            from_report: None,
            totals: Default::default(),
            memory_bytes: 0,
            query_ms: 0.0,
        };
        let after = s
            .clone()
            .reduce(Action::Worker(FromWorker::Result(Box::new(r))));
        assert!(Rc::ptr_eq(&s, &after));
    }

    #[test]
    fn evidence_is_kept_only_for_the_open_chain_of_the_latest_result() {
        let chain = |id: &str| {
            let mut c: Chain = serde_json::from_value(serde_json::json!({
                "id": id, "device_id": "d", "device_name": "h", "folder_path": "p", "file_name": "f",
                "sha256": "", "sha1": "", "md5": "", "remote_ips": [], "accounts": [],
                "start": {"id": "p1", "table": "DeviceProcessEvents", "timestamp": "", "unix_ms": 0.0,
                          "offset_ticks": 0, "source": {"file": "x", "line": 2}, "key": []},
                "writes": [], "connections": [], "logons": [], "rows": [], "span_ticks": 0, "notes": []
            }))
            .unwrap();
            c.id = id.into();
            Box::new(c)
        };
        let s = Rc::new(State {
            seq: 4,
            phase: Phase::Results,
            selected: Some(("c2".into(), "p1".into())),
            ..State::default()
        });
        let reply = |seq: u32, id: &str| {
            s.clone().reduce(Action::Worker(FromWorker::Chain {
                seq,
                chain: chain(id),
                evidence: true,
            }))
        };
        let stale = reply(3, "c2");
        assert!(
            Rc::ptr_eq(&s, &stale),
            "an older result's evidence is dropped"
        );
        let other = reply(4, "c1");
        assert!(
            Rc::ptr_eq(&s, &other),
            "evidence of a chain no longer open is dropped"
        );
        let shown = reply(4, "c2");
        assert_eq!(shown.evidence.as_ref().map(|c| c.id.as_str()), Some("c2"));
        let closed = shown.reduce(Action::Select(None));
        assert!(
            closed.evidence.is_none(),
            "closing the dialog lets the chain go"
        );
        // A card's chain (without evidence) is kept only for the card asked for.
        let card = |open: &str, id: &str| {
            let s = Rc::new(State {
                seq: 4,
                phase: Phase::Results,
                open: Some((ListKind::Kept, open.into())),
                ..State::default()
            });
            s.reduce(Action::Worker(FromWorker::Chain {
                seq: 4,
                chain: chain(id),
                evidence: false,
            }))
            .open_chain
            .clone()
        };
        assert!(
            card("c1", "c2").is_none(),
            "another card's chain is dropped"
        );
        assert_eq!(card("c2", "c2").map(|c| c.id.clone()), Some("c2".into()));
    }

    #[test]
    fn pages_of_another_result_are_dropped_and_a_result_clears_the_lists() {
        let s = Rc::new(State {
            seq: 4,
            phase: Phase::Results,
            ..State::default()
        });
        let page = |seq: u32, list: ListKind| {
            Action::Worker(FromWorker::Chains(Box::new(ChainPage {
                seq,
                query: crate::protocol::ChainQuery {
                    list,
                    ..Default::default()
                },
                ..Default::default()
            })))
        };
        assert!(Rc::ptr_eq(&s, &s.clone().reduce(page(3, ListKind::Kept))));
        let kept = s.clone().reduce(page(4, ListKind::Kept));
        assert!(kept.kept.is_some() && kept.suppressed.is_none());
        let both = kept.reduce(page(4, ListKind::Suppressed));
        assert!(both.kept.is_some() && both.suppressed.is_some());
    }
}
