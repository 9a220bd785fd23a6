//! The bridge to the analysis worker, and the app context built on it.
//!
//! [`use_app`] creates the worker once, turns its messages into [`Action`]s, and returns an
//! [`AppContext`] whose methods are the only way components start work: load files, change
//! the tolerance, ask for a download, cancel.

use crate::codec;
use crate::hooks::readers::{self, Reader};
use crate::host::{self, Input};
use crate::protocol::{ChainQuery, DownloadKind, FromWorker, ListKind, ToWorker};
use crate::state::{Action, Phase, ReadOptions, Rules, State};
use copyexec_core::load::share::{self, InputPiece};
use copyexec_core::time::DateOrder;
use js_sys::{Array, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, ErrorEvent, MessageEvent, Url, Worker};
use yew::prelude::*;

type Handler<E> = Closure<dyn FnMut(E)>;

struct Bridge {
    worker: Option<Worker>,
    on_message: Option<Handler<MessageEvent>>,
    on_error: Option<Handler<ErrorEvent>>,
    /// Reading workers beside the analysis worker.
    readers: Vec<Reader>,
    seq: Cell<u32>,
    /// The latest load: parts read for an older one are not passed on.
    load_seq: Cell<u32>,
    last_url: Option<String>,
}

/// What components get from the context: the state and the ways to change it.
#[derive(Clone)]
pub struct AppContext {
    /// The state.
    pub state: UseReducerHandle<State>,
    bridge: Rc<RefCell<Bridge>>,
}

impl PartialEq for AppContext {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && Rc::ptr_eq(&self.bridge, &other.bridge)
    }
}

impl AppContext {
    /// Sends an action to the reducer.
    pub fn dispatch(&self, action: Action) {
        self.state.dispatch(action);
    }

    fn next_seq(&self) -> u32 {
        let b = self.bridge.borrow();
        let n = b.seq.get() + 1;
        b.seq.set(n);
        n
    }

    fn post(&self, message: &ToWorker, files: Option<&[Input]>) {
        let dispatcher = self.state.dispatcher();
        ensure_worker(&self.bridge, &dispatcher);
        let b = self.bridge.borrow();
        let Some(worker) = &b.worker else { return };
        if let Err(e) = readers::post(worker, message, files, None) {
            self.dispatch(Action::Problem(e));
        }
    }

    /// Analyses `files` (sorted by name, so ids do not depend on drop order).
    pub fn load(&self, mut files: Vec<Input>) {
        if files.is_empty() {
            self.dispatch(Action::Problem("No files were given.".into()));
            return;
        }
        let is_report = |n: &str| {
            let n = n.to_ascii_lowercase();
            n.ends_with(".html") || n.ends_with(".htm")
        };
        if files.len() == 1 && is_report(&files[0].name) {
            self.open_report(files.remove(0));
            return;
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let files = Rc::new(files);
        self.start_load(files, self.state.options);
    }

    /// Shows the chains of a copyexec HTML report again, from its embedded document.
    pub fn open_report(&self, input: Input) {
        let seq = self.next_seq();
        let name = input.name.clone();
        let files = Rc::new(vec![input]);
        self.dispatch(Action::StartLoad {
            seq,
            files: files.clone(),
            readers: 1,
            pieces: Vec::new(),
        });
        self.post(&ToWorker::OpenReport { seq, name }, Some(&files));
    }

    /// Changes the allowlist settings; valid rules are put in force at once (the worker runs
    /// the query again from memory), invalid ones leave the last valid rules in force.
    pub fn set_rules(&self, mut rules: Rules) {
        match rules.allowlist() {
            Ok(list) => {
                rules.error = None;
                if list == *self.state.allowlist {
                    self.dispatch(Action::SetRules {
                        rules,
                        allowlist: None,
                        seq: None,
                    });
                    return;
                }
                let live = self.state.phase == Phase::Results
                    && self
                        .state
                        .result
                        .as_ref()
                        .is_some_and(|r| r.from_report.is_none());
                let seq = live.then(|| self.next_seq());
                self.dispatch(Action::SetRules {
                    rules,
                    allowlist: Some(Rc::new(list.clone())),
                    seq,
                });
                if let Some(seq) = seq {
                    self.post(
                        &ToWorker::Allowlist {
                            seq,
                            allowlist: list,
                        },
                        None,
                    );
                }
            }
            Err(e) => {
                rules.error = Some((e.line, e.to_string()));
                self.dispatch(Action::SetRules {
                    rules,
                    allowlist: None,
                    seq: None,
                });
            }
        }
    }

    fn start_load(&self, files: Rc<Vec<Input>>, options: ReadOptions) {
        let seq = self.next_seq();
        self.bridge.borrow().load_seq.set(seq);
        let sizes: Vec<(u64, bool)> = files
            .iter()
            .map(|f| (f.file.size() as u64, share::may_split(&f.name)))
            .collect();
        let plan = readers::plan(&sizes, readers::workers());
        self.dispatch(Action::StartLoad {
            seq,
            files: files.clone(),
            readers: plan.shares.len(),
            pieces: plan.pieces.clone(),
        });
        // The reading workers start first; the analysis worker reads its share meanwhile.
        let mut elsewhere = Vec::new();
        for (k, share) in plan.shares.iter().enumerate().skip(1) {
            let message = ToWorker::Read {
                seq,
                pieces: share.clone(),
                names: share.iter().map(|u| files[u.input].name.clone()).collect(),
                offset_minutes: options.offset_minutes,
                date_order: options.date_order,
            };
            let share_files: Vec<Input> = share.iter().map(|u| files[u.input].clone()).collect();
            match ensure_reader(&self.bridge, &self.state.dispatcher(), k - 1, false) {
                Ok(()) => {
                    let b = self.bridge.borrow();
                    match b.readers[k - 1].read(&message, &share_files) {
                        Ok(()) => elsewhere.extend_from_slice(share),
                        // The analysis worker reads that share itself.
                        Err(e) => self.dispatch(Action::Problem(e)),
                    }
                }
                Err(e) => self.dispatch(Action::Problem(e)),
            }
        }
        let message = ToWorker::Load {
            seq,
            names: files.iter().map(|f| f.name.clone()).collect(),
            tolerance: self.state.tolerance,
            offset_minutes: options.offset_minutes,
            date_order: options.date_order,
            allowlist: (*self.state.allowlist).clone(),
            pieces: plan.pieces,
            elsewhere,
        };
        self.post(&message, Some(&files));
    }

    /// Changes the reading options and reads the current files again.
    pub fn set_options(&self, options: ReadOptions) {
        self.dispatch(Action::SetOptions(options));
        let files = self.state.files.clone();
        if !files.is_empty() {
            self.start_load(files, options);
        }
    }

    /// Places the rows whose day/month order their files did not tell, read in `order`, and
    /// analyses again; the files are not read again.
    pub fn decide_dates(&self, order: DateOrder) {
        let seq = self.next_seq();
        self.dispatch(Action::DecideDates { seq });
        self.post(&ToWorker::DateOrder { seq, order }, None);
    }

    /// Runs the query again with another tolerance.
    pub fn set_tolerance(&self, tolerance: i64) {
        let seq = self.next_seq();
        self.dispatch(Action::SetTolerance { seq, tolerance });
        self.post(&ToWorker::Tolerance { seq, tolerance }, None);
    }

    /// Asks the worker for a download; it starts when the bytes arrive.
    pub fn download(&self, kind: DownloadKind) {
        let seconds = (js_sys::Date::now() / 1000.0).floor() as i64;
        self.post(
            &ToWorker::Download {
                kind,
                near_misses: self.state.near_view,
                title: self.state.report_title.clone(),
                notes: self.state.report_notes.clone(),
                created: copyexec_report::rfc3339_utc(seconds),
            },
            None,
        );
    }

    /// Stops reading: the worker is ended and a fresh one takes its place.
    pub fn cancel(&self) {
        stop_worker(&self.bridge);
        self.next_seq();
        self.dispatch(Action::Cancelled);
        ensure_worker(&self.bridge, &self.state.dispatcher());
    }

    /// Opens an event's fields (or closes them with `None`), asking the worker for its
    /// chain's evidence.
    pub fn select(&self, selected: Option<(String, String)>) {
        let chain = selected.as_ref().map(|(c, _)| c.clone());
        self.dispatch(Action::Select(selected));
        if let Some(id) = chain {
            self.ask_chain(id, true);
        }
    }

    /// Opens a chain's card (or closes it with `None`), asking the worker for the chain.
    pub fn open_chain(&self, open: Option<(ListKind, String)>) {
        let id = open.as_ref().map(|(_, id)| id.clone());
        self.dispatch(Action::Open(open));
        if let Some(id) = id {
            self.ask_chain(id, false);
        }
    }

    fn ask_chain(&self, id: String, evidence: bool) {
        let seq = self.state.seq;
        self.post(&ToWorker::Chain { seq, id, evidence }, None);
    }

    /// Asks the worker for the first query rows of the current result.
    pub fn ask_rows(&self) {
        let seq = self.state.seq;
        self.post(&ToWorker::Rows { seq }, None);
    }

    /// Asks the worker for a page of a chain list of the current result.
    pub fn query_chains(&self, query: ChainQuery) {
        let seq = self.state.seq;
        self.post(&ToWorker::Chains { seq, query }, None);
    }

    /// Back to the landing view.
    pub fn reset(&self) {
        self.next_seq();
        self.dispatch(Action::Reset);
    }
}

fn stop_worker(bridge: &Rc<RefCell<Bridge>>) {
    let mut b = bridge.borrow_mut();
    if let Some(w) = b.worker.take() {
        w.set_onmessage(None);
        w.set_onerror(None);
        w.terminate();
    }
    b.on_message = None;
    b.on_error = None;
    for r in b.readers.drain(..) {
        r.stop();
    }
}

/// Makes reading worker `k` ready for a new load: started if missing, replaced if it is still
/// reading for an earlier one (or, `fresh`, in any case).
fn ensure_reader(
    bridge: &Rc<RefCell<Bridge>>,
    dispatch: &UseReducerDispatcher<State>,
    k: usize,
    fresh: bool,
) -> Result<(), String> {
    {
        let b = bridge.borrow();
        if let Some(r) = b.readers.get(k) {
            if !r.busy() && !fresh {
                return Ok(());
            }
            r.stop();
        }
    }
    let weak = Rc::downgrade(bridge);
    let renewing = dispatch.clone();
    let part = Rc::new(move |seq: u32, read: InputPiece, bytes: JsValue| {
        let Some(bridge) = weak.upgrade() else { return };
        let b = bridge.borrow();
        if seq != b.load_seq.get() {
            return;
        }
        if let Some(worker) = &b.worker {
            let _ = readers::post(worker, &ToWorker::Part { seq, read }, None, Some(&bytes));
        }
        // Its part delivered, the reader holds all it read in memory a worker never gives
        // back: a fresh one takes its place.
        if b.readers.get(k).is_some_and(|r| !r.busy()) {
            drop(b);
            renew_reader(&bridge, &renewing, k);
        }
    });
    let message = {
        let dispatch = dispatch.clone();
        Rc::new(move |m: FromWorker| dispatch.dispatch(Action::Worker(m)))
    };
    let failed = {
        let dispatch = dispatch.clone();
        let weak = Rc::downgrade(bridge);
        Rc::new(move |why: String| {
            dispatch.dispatch(Action::Problem(format!(
                "Reading stopped unexpectedly ({why}). Please report this with the files' formats; the analysis was reset."
            )));
            if let Some(bridge) = weak.upgrade() {
                stop_worker(&bridge);
            }
        })
    };
    let reader = Reader::start(part, message, failed)
        .map_err(|e| format!("A reading worker could not be started: {e}"))?;
    let mut b = bridge.borrow_mut();
    if k < b.readers.len() {
        b.readers[k] = reader;
    } else {
        b.readers.push(reader);
    }
    Ok(())
}

fn ensure_worker(bridge: &Rc<RefCell<Bridge>>, dispatch: &UseReducerDispatcher<State>) {
    if bridge.borrow().worker.is_some() {
        return;
    }
    let worker = match host::make_worker() {
        Ok(w) => w,
        Err(e) => {
            dispatch.dispatch(Action::Problem(format!(
                "The analysis worker could not be started: {e}"
            )));
            return;
        }
    };
    let on_message = {
        let dispatch = dispatch.clone();
        let bridge = Rc::downgrade(bridge);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let Ok(msg) = Reflect::get(&data, &"msg".into()) else {
                return;
            };
            let message = match codec::decode::<FromWorker>(msg) {
                Ok(m) => m,
                Err(e) => {
                    dispatch.dispatch(Action::Problem(format!(
                        "internal: unreadable message from the worker: {e}"
                    )));
                    return;
                }
            };
            match message {
                FromWorker::Chain {
                    seq,
                    mut chain,
                    evidence,
                } => {
                    crate::format::restore_ticks(std::slice::from_mut(&mut *chain));
                    dispatch.dispatch(Action::Worker(FromWorker::Chain {
                        seq,
                        chain,
                        evidence,
                    }))
                }
                FromWorker::Download { kind } => {
                    let bytes = Reflect::get(&data, &"bytes".into())
                        .ok()
                        .and_then(|b| b.dyn_into::<Uint8Array>().ok());
                    if let (Some(bytes), Some(bridge)) = (bytes, bridge.upgrade()) {
                        if let Err(e) = save(&bridge, kind, &bytes) {
                            dispatch.dispatch(Action::Problem(format!(
                                "The download could not be started: {e}"
                            )));
                        }
                    }
                }
                other => dispatch.dispatch(Action::Worker(other)),
            }
        })
    };
    let on_error = {
        let dispatch = dispatch.clone();
        let weak = Rc::downgrade(bridge);
        Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            dispatch.dispatch(Action::Problem(format!(
                    "The analysis stopped unexpectedly ({}). Please report this with the files' formats; the analysis was reset.",
                    event.message()
                )));
            // WebAssembly state after a trap cannot be trusted: start over with a new worker.
            if let Some(bridge) = weak.upgrade() {
                stop_worker(&bridge);
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut b = bridge.borrow_mut();
    b.worker = Some(worker);
    b.on_message = Some(on_message);
    b.on_error = Some(on_error);
}

/// Offers text made on the page (rules, KQL) as a file download.
pub fn offer_text(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let bytes = Uint8Array::from(text.as_bytes());
    let url = object_url(mime, &bytes)?;
    click_download(&url, name)?;
    // Revoked once the download has surely started.
    let later = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 60_000);
    }
    Ok(())
}

fn object_url(mime: &str, bytes: &Uint8Array) -> Result<String, String> {
    let parts = Array::of1(bytes);
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| host::describe(&e))?;
    Url::create_object_url_with_blob(&blob).map_err(|e| host::describe(&e))
}

fn click_download(url: &str, name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| host::describe(&e))?
        .unchecked_into();
    a.set_href(url);
    a.set_download(name);
    a.click();
    Ok(())
}

/// Offers `bytes` as a file download.
fn save(
    bridge: &Rc<RefCell<Bridge>>,
    kind: DownloadKind,
    bytes: &Uint8Array,
) -> Result<(), String> {
    let url = object_url(kind.mime(), bytes)?;
    click_download(&url, kind.file_name())?;
    // The previous download has surely started by now; its URL can go.
    let mut b = bridge.borrow_mut();
    if let Some(old) = b.last_url.replace(url) {
        let _ = Url::revoke_object_url(&old);
    }
    Ok(())
}

/// Replaces reading worker `k` with a fresh one, once the message being handled (its own)
/// is done.
fn renew_reader(bridge: &Rc<RefCell<Bridge>>, dispatch: &UseReducerDispatcher<State>, k: usize) {
    let weak = Rc::downgrade(bridge);
    let dispatch = dispatch.clone();
    let later = Closure::once_into_js(move || {
        let Some(bridge) = weak.upgrade() else { return };
        let idle = bridge.borrow().readers.get(k).is_some_and(|r| !r.busy());
        if idle {
            if let Err(e) = ensure_reader(&bridge, &dispatch, k, true) {
                dispatch.dispatch(Action::Problem(e));
            }
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback(later.unchecked_ref());
    }
}

/// The app's state and worker, created once.
#[hook]
pub fn use_app() -> AppContext {
    let state = use_reducer(State::default);
    let bridge = use_mut_ref(|| Bridge {
        worker: None,
        on_message: None,
        on_error: None,
        readers: Vec::new(),
        seq: Cell::new(0),
        load_seq: Cell::new(0),
        last_url: None,
    });
    {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            // Start the workers early so the module is instantiated there before files arrive.
            ensure_worker(&bridge, &dispatcher);
            for k in 0..readers::workers() - 1 {
                if let Err(e) = ensure_reader(&bridge, &dispatcher, k, false) {
                    dispatcher.dispatch(Action::Problem(e));
                    break;
                }
            }
            move || stop_worker(&bridge)
        });
    }
    AppContext { state, bridge }
}
