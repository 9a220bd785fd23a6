//! The analysis worker: the core's [`Engine`], run off the page's thread.
//!
//! It holds the engine (the loaded data set and its analysis) and the `File`s it came from,
//! answers tolerance and allowlist changes at once from memory (no re-reading), and has the
//! engine read the evidence rows (every original field of the chains' events) again from the
//! files in the background; the engine keeps what it read, so a later tolerance needs only
//! the rows it has not seen. The evidence stays here: the page gets the chains without it and
//! asks for one chain's evidence when it shows it.

mod blob_reader;
mod lists;
mod reading;

use crate::codec;
use crate::protocol::{
    ChainQuery, DownloadKind, FromWorker, InputView, ReportOrigin, ResultView, StreamView,
    TableView, ToWorker,
};
use blob_reader::BlobReader;
use copyexec_core::engine::{EvidenceSource, EvidenceWork, Settings};
use copyexec_core::evidence::{ReadAt, Sequential};
use copyexec_core::load::decode::Layer;
use copyexec_core::load::share::InputPiece;
use copyexec_core::load::LoadOptions;
use copyexec_core::load::StreamReport;
use copyexec_core::story::graph;
use copyexec_core::time::DateOrder;
use copyexec_core::ChainsDocument;
use copyexec_core::{Dataset, Engine};
use copyexec_report::{
    navigator_layer, parse_report, parse_report_meta, render, sha256_hex, timesketch_csv,
    timesketch_jsonl, InputMeta, ReportMeta,
};
use js_sys::{Array, Object, Reflect, Uint8Array};
use lists::{Lists, Source};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

/// Query rows sent to the page for its table (when it opens); the download has all of them.
const ROWS_SHOWN: usize = 5000;

struct Session {
    engine: Engine,
    files: Vec<File>,
    /// The latest request; evidence for an older one is not read.
    latest: u32,
    /// How long reading the files took.
    read_ms: f64,
    /// A result waits for its evidence.
    pending: bool,
    /// Its evidence is to be read `delay` ms after its first page of chains went out.
    delay_ms: i32,
    /// That reading is scheduled.
    scheduled: bool,
    /// What is left of that reading, between its steps.
    evidence: Option<EvidenceWork>,
}

/// The session's files, opened again for evidence and hashing.
struct Blobs<'a>(&'a [File]);

impl Blobs<'_> {
    fn reader(&self, input: u32) -> std::io::Result<BlobReader> {
        let file = self.0.get(input as usize).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, format!("no input {input}"))
        })?;
        BlobReader::new(file.clone().into())
    }
}

impl EvidenceSource for Blobs<'_> {
    fn open_at(&mut self, input: u32) -> std::io::Result<Box<dyn ReadAt + '_>> {
        Ok(Box::new(self.reader(input)?))
    }

    fn open(&mut self, input: u32) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(Sequential::new(self.reader(input)?, 0)))
    }
}

/// Wait before reading evidence after a tolerance change: while the user drags the slider,
/// only the value it comes to rest on has its evidence read.
const EVIDENCE_DELAY_MS: i32 = 150;

/// Evidence is read in steps of about this long: a request from the page waits at most that.
const EVIDENCE_STEP_MS: f64 = 30.0;

/// Wait before reading evidence when the page asks for no rows (it always does: this is a
/// safety net).
const EVIDENCE_FALLBACK_MS: i32 = 1000;

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// The chains document of an opened report (instead of a session).
    static OPENED: RefCell<Option<ChainsDocument>> = const { RefCell::new(None) };
    /// The matches of the page's last chain-list query.
    static LISTS: RefCell<Lists> = RefCell::new(Lists::default());
}

/// The chains of the opened report, else of the session, as lists draw them.
fn with_source<R>(f: impl FnOnce(&Source) -> R) -> Option<R> {
    OPENED.with(|o| {
        if let Some(doc) = o.borrow().as_ref() {
            return Some(f(&Source::document(doc)));
        }
        SESSION.with(|s| {
            s.borrow()
                .as_ref()
                .map(|session| f(&Source::results(session.engine.results())))
        })
    })
}

/// Installs the message handler of the worker.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let Ok(msg) = Reflect::get(&data, &"msg".into()) else {
            return;
        };
        match codec::decode::<ToWorker>(msg) {
            Ok(message) => handle(message, &data),
            Err(e) => post(
                &FromWorker::Failed {
                    seq: 0,
                    message: format!("internal: bad message to the worker: {e}"),
                },
                None,
            ),
        }
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
}

fn now() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn post(message: &FromWorker, bytes: Option<&Uint8Array>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let obj = Object::new();
    let encoded = codec::encode(message).or_else(|e| {
        codec::encode(&FromWorker::Failed {
            seq: 0,
            message: format!("internal: a message of the worker could not be written: {e}"),
        })
    });
    let Ok(msg) = encoded else { return };
    let _ = Reflect::set(&obj, &"msg".into(), &msg);
    match bytes {
        Some(b) => {
            let _ = Reflect::set(&obj, &"bytes".into(), b);
            let transfer = Array::of1(&b.buffer());
            let _ = scope.post_message_with_transfer(&obj, &transfer);
        }
        None => {
            let _ = scope.post_message(&obj);
        }
    }
}

fn memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64
}

fn handle(message: ToWorker, data: &JsValue) {
    match message {
        ToWorker::Load {
            seq,
            names,
            tolerance,
            offset_minutes,
            date_order,
            allowlist,
            pieces,
            elsewhere,
        } => {
            let files = files_of(data);
            let options = LoadOptions {
                offset_minutes,
                date_order,
            };
            let settings = Settings {
                tolerance_seconds: tolerance,
                allowlist,
                near_misses: true,
            };
            load(seq, names, files, (options, settings), &pieces, &elsewhere);
        }
        ToWorker::Read {
            seq,
            pieces,
            names,
            offset_minutes,
            date_order,
        } => reading::read_for_others(
            seq,
            &pieces,
            &names,
            &files_of(data),
            LoadOptions {
                offset_minutes,
                date_order,
            },
        ),
        ToWorker::Part { seq, read } => {
            let bytes = Reflect::get(data, &"bytes".into())
                .ok()
                .and_then(|b| b.dyn_into::<Uint8Array>().ok())
                .map(|b| b.to_vec());
            if let Some(read) = reading::receive(seq, read, bytes) {
                start_session(seq, read);
            }
        }
        ToWorker::OpenReport { seq, name } => {
            reading::forget();
            let files = files_of(data);
            open_report(seq, name, files.into_iter().next());
        }
        ToWorker::Allowlist { seq, allowlist } => {
            SESSION.with(|s| {
                if let Some(session) = s.borrow_mut().as_mut() {
                    let started = now();
                    session.engine.set_allowlist(allowlist);
                    session.latest = seq;
                    analyse(seq, session, started, EVIDENCE_DELAY_MS);
                }
            });
        }
        ToWorker::DateOrder { seq, order } => decide_dates(seq, order),
        ToWorker::Tolerance { seq, tolerance } => {
            SESSION.with(|s| {
                if let Some(session) = s.borrow_mut().as_mut() {
                    let started = now();
                    session.engine.set_tolerance(tolerance);
                    session.latest = seq;
                    analyse(seq, session, started, EVIDENCE_DELAY_MS);
                }
            });
        }
        ToWorker::Chains { seq, query } => chains_page(seq, query),
        ToWorker::Rows { seq } => {
            let rows = with_opened(|doc| {
                doc.chains
                    .iter()
                    .flat_map(copyexec_report::chain_rows)
                    .take(ROWS_SHOWN)
                    .map(|r| r.to_vec())
                    .collect()
            })
            .or_else(|| {
                SESSION.with(|s| {
                    s.borrow().as_ref().map(|session| {
                        let engine = &session.engine;
                        // The rows `copyexec rows` prints with these rules: those no rule set
                        // aside.
                        engine
                            .results()
                            .kept
                            .iter()
                            .take(ROWS_SHOWN)
                            .map(|row| engine.data().project(*row).to_vec())
                            .collect()
                    })
                })
            });
            if let Some(rows) = rows {
                post(&FromWorker::Rows { seq, rows }, None);
            }
        }
        ToWorker::Chain { seq, id, evidence } => {
            let found = if evidence {
                // An opened report's chains carry their evidence already.
                with_opened(|doc| chain_of(doc, &id)).unwrap_or_else(|| {
                    SESSION.with(|s| {
                        s.borrow_mut()
                            .as_mut()
                            .and_then(|session| chain_evidence(session, &id))
                    })
                })
            } else {
                with_source(|source| source.chain(&id).map(without_evidence)).flatten()
            };
            match found {
                Some(c) => post(
                    &FromWorker::Chain {
                        seq,
                        chain: Box::new(c),
                        evidence,
                    },
                    None,
                ),
                None => fail(seq, format!("internal: no chain {id} in this analysis")),
            }
        }
        ToWorker::Download {
            kind,
            near_misses,
            title,
            notes,
            created,
        } => {
            let opened = OPENED.with(|o| o.borrow().clone());
            if let Some(doc) = opened {
                download_opened(kind, &doc);
                return;
            }
            SESSION.with(|s| {
                if let Some(session) = s.borrow_mut().as_mut() {
                    let report = ReportMeta {
                        title,
                        notes,
                        created,
                        inputs: Vec::new(),
                    };
                    download(kind, session, near_misses, report);
                }
            });
        }
    }
}

fn with_opened<R>(f: impl FnOnce(&ChainsDocument) -> R) -> Option<R> {
    OPENED.with(|o| o.borrow().as_ref().map(f))
}

fn chain_of(doc: &ChainsDocument, id: &str) -> Option<copyexec_core::chains::Chain> {
    doc.chains
        .iter()
        .chain(&doc.suppressed_chains)
        .find(|c| c.id == id)
        .cloned()
}

/// A chain for its card: the events' original fields stay here until the dialog asks.
fn without_evidence(c: &copyexec_core::chains::Chain) -> copyexec_core::chains::Chain {
    let mut c = c.clone();
    for e in c.events_mut() {
        e.fields = Vec::new();
    }
    c
}

/// A page of a chain list of the latest result.
fn chains_page(seq: u32, query: ChainQuery) {
    let page = with_source(|source| LISTS.with(|l| l.borrow_mut().page(seq, source, query)));
    if let Some(page) = page {
        post(&FromWorker::Chains(Box::new(page)), None);
    }
    // The first rows are out: the evidence reading (a second on a fleet, in steps between
    // which this worker answers the page) may start.
    SESSION.with(|s| {
        if let Some(session) = s.borrow_mut().as_mut() {
            if session.pending && session.latest == seq && !session.scheduled {
                session.scheduled = true;
                read_evidence_later(seq, session.delay_ms);
            }
        }
    });
}

fn files_of(data: &JsValue) -> Vec<File> {
    Reflect::get(data, &"files".into())
        .ok()
        .map(|v| Array::from(&v).iter().map(|f| f.unchecked_into()).collect())
        .unwrap_or_default()
}

fn fail(seq: u32, message: String) {
    post(&FromWorker::Failed { seq, message }, None);
}

/// Opens a copyexec HTML report: its embedded chains document becomes the result.
fn open_report(seq: u32, name: String, file: Option<File>) {
    SESSION.with(|s| *s.borrow_mut() = None);
    OPENED.with(|o| *o.borrow_mut() = None);
    let started = now();
    let Some(file) = file else {
        return fail(seq, "internal: no report file was passed".into());
    };
    let mut bytes = Vec::new();
    let read = BlobReader::new(file.into()).and_then(|r| {
        use std::io::Read;
        Sequential::new(r, 0).read_to_end(&mut bytes)
    });
    if let Err(e) = read {
        return fail(seq, format!("{name}: could not be read: {e}"));
    }
    let html = String::from_utf8_lossy(&bytes);
    let doc = match parse_report(&html) {
        Ok(d) => d,
        Err(e) => return fail(seq, format!("{name}: {e}")),
    };
    let meta = parse_report_meta(&html).unwrap_or_default();
    let inputs = doc
        .inputs
        .iter()
        .map(|i| InputView {
            name: i.name.clone(),
            size: i.size.unwrap_or(0),
            streams: i.streams.iter().map(stream_view).collect(),
        })
        .collect();
    post(
        &FromWorker::Loaded {
            seq,
            inputs,
            missing_tables: doc
                .missing_tables
                .iter()
                .map(|m| m.message.clone())
                .collect(),
            read_ms: now() - started,
        },
        None,
    );
    let mut doc = doc;
    // The JSON leaves the events' instants as text; the lists and the overview need them.
    crate::format::restore_ticks(&mut doc.chains);
    crate::format::restore_ticks(&mut doc.suppressed_chains);
    let source = Source::document(&doc);
    let stats = lists::stats(&source);
    let graph = graph::layout(&doc.spread);
    let story = lists::story_view(&source, graph.clone());
    LISTS.with(|l| l.borrow_mut().reset(seq, &stats, graph));
    let result = ResultView {
        seq,
        tolerance: doc.settings.tolerance_seconds,
        evidence_complete: true,
        evidence_errors: Vec::new(),
        stats,
        near_misses: doc.near_misses.clone(),
        allowlist: doc.allowlist.clone(),
        story,
        from_report: Some(ReportOrigin {
            file: name,
            title: meta.title,
            notes: meta.notes,
            created: meta.created,
            version: doc.tool.version.clone(),
        }),
        totals: doc.totals.clone(),
        memory_bytes: memory_bytes(),
        query_ms: 0.0,
    };
    OPENED.with(|o| *o.borrow_mut() = Some(doc));
    post(&FromWorker::Result(Box::new(result)), None);
}

/// The exports made from the chains document alone, as the CLI writes them.
fn document_export(kind: DownloadKind, doc: &ChainsDocument) -> Option<Vec<u8>> {
    Some(match kind {
        DownloadKind::TimesketchJsonl => timesketch_jsonl(doc).into_bytes(),
        DownloadKind::TimesketchCsv => timesketch_csv(doc).into_bytes(),
        DownloadKind::NavigatorLayer => navigator_layer(doc).into_bytes(),
        _ => return None,
    })
}

/// Downloads of an opened report: its chains document as the CLI writes it, and what is made
/// from that document alone.
fn download_opened(kind: DownloadKind, doc: &ChainsDocument) {
    if let Some(out) = document_export(kind, doc) {
        return send_bytes(kind, &out);
    }
    if kind != DownloadKind::ChainsJson {
        return fail(
            0,
            "This analysis was opened from a report: only its chains JSON can be downloaded \
             (open the original exports for rows and a new report)."
                .into(),
        );
    }
    let mut out = Vec::new();
    if serde_json::to_writer_pretty(&mut out, doc).is_err() {
        return;
    }
    out.push(b'\n');
    send_bytes(kind, &out);
}

fn load(
    seq: u32,
    names: Vec<String>,
    files: Vec<File>,
    analysis: (LoadOptions, Settings),
    pieces: &[u32],
    elsewhere: &[InputPiece],
) {
    SESSION.with(|s| *s.borrow_mut() = None);
    OPENED.with(|o| *o.borrow_mut() = None);
    if let Some(read) = reading::start(seq, names, files, analysis, pieces, elsewhere) {
        start_session(seq, read);
    }
}

/// The data set of load `seq` is read: the query runs and the session begins.
fn start_session(seq: u32, read: reading::Read) {
    let analysed = now();
    let engine = Engine::new(read.data, read.settings);
    post_loaded(seq, &engine, read.read_ms);
    let mut session = Session {
        engine,
        files: read.files,
        latest: seq,
        read_ms: read.read_ms,
        pending: false,
        evidence: None,
        delay_ms: 0,
        scheduled: false,
    };
    analyse(seq, &mut session, analysed, 0);
    SESSION.with(|s| *s.borrow_mut() = Some(session));
}

/// What was read, for the files' reports and the summary.
fn post_loaded(seq: u32, engine: &Engine, read_ms: f64) {
    post(
        &FromWorker::Loaded {
            seq,
            inputs: input_views(engine.data()),
            missing_tables: engine
                .missing_tables()
                .into_iter()
                .map(|m| m.message)
                .collect(),
            read_ms,
        },
        None,
    );
}

/// The day/month order chosen after reading: the rows that waited for it are placed and the
/// analysis runs again, answered as a load is (the files' reports change too).
fn decide_dates(seq: u32, order: DateOrder) {
    SESSION.with(|s| {
        if let Some(session) = s.borrow_mut().as_mut() {
            let started = now();
            session.engine.decide_dates(order);
            session.latest = seq;
            post_loaded(seq, &session.engine, session.read_ms);
            analyse(seq, session, started, 0);
        }
    });
}

/// Rows and chains for the session's tolerance, posted at once; the evidence the engine has
/// not read yet is read later, `delay_ms` after the page got its first rows (unless a newer
/// request came first), and the page is told when it is in.
fn analyse(seq: u32, session: &mut Session, started: f64, delay_ms: i32) {
    let mut result = view(seq, session);
    // From the settings given (the engine runs the query then) to the view shaped.
    result.query_ms = now() - started;
    let complete = result.evidence_complete;
    post(&FromWorker::Result(Box::new(result)), None);
    session.pending = !complete;
    session.evidence = None;
    session.delay_ms = delay_ms;
    session.scheduled = false;
    if !complete {
        // Read when the page has its first rows (see `chains_page`), or anyway after a while.
        read_evidence_later(seq, EVIDENCE_FALLBACK_MS.max(delay_ms));
    }
}

/// The evidence of result `seq` is read in a later task, after `delay_ms`, unless a newer
/// request came first.
fn read_evidence_later(seq: u32, delay_ms: i32) {
    let later = Closure::once_into_js(move || {
        SESSION.with(|s| {
            if let Some(session) = s.borrow_mut().as_mut() {
                complete_evidence(seq, session);
            }
        })
    });
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope
        .set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), delay_ms);
}

/// What the page shows of the engine's results: the chains without their evidence.
fn view(seq: u32, session: &Session) -> ResultView {
    let engine = &session.engine;
    let r = engine.results();
    let source = Source::results(r);
    let stats = lists::stats(&source);
    let graph = graph::layout(&r.story.spread);
    let story = lists::story_view(&source, graph.clone());
    LISTS.with(|l| l.borrow_mut().reset(seq, &stats, graph));
    ResultView {
        seq,
        tolerance: engine.settings().tolerance_seconds,
        evidence_complete: engine.evidence_complete(Some(&chain_ids(engine))),
        evidence_errors: engine.evidence_errors().to_vec(),
        stats,
        near_misses: r.near_misses.clone(),
        allowlist: r.allowlist.clone(),
        story,
        from_report: None,
        totals: engine.totals(),
        memory_bytes: memory_bytes(),
        query_ms: 0.0,
    }
}

/// Ids of every chain and suppressed chain: the evidence the page may ask for.
fn chain_ids(engine: &Engine) -> Vec<String> {
    let r = engine.results();
    r.chains
        .iter()
        .chain(&r.suppressed)
        .map(|c| c.id.clone())
        .collect()
}

/// Reads the evidence of the pending result, if it is still the latest, a step at a time:
/// the page's requests (a keystroke in the filter, a chain opened) are answered between the
/// steps. Says when it is all in.
fn complete_evidence(seq: u32, session: &mut Session) {
    if session.latest != seq || !session.pending {
        return;
    }
    let engine = &mut session.engine;
    let mut work = session
        .evidence
        .take()
        .unwrap_or_else(|| engine.evidence_work(Some(&chain_ids(engine)), false));
    let until = now() + EVIDENCE_STEP_MS;
    let done =
        engine.read_evidence_step(&mut work, &mut Blobs(&session.files), &mut || now() < until);
    if done {
        session.pending = false;
        post(&FromWorker::EvidenceReady { seq }, None);
    } else {
        session.evidence = Some(work);
        read_evidence_later(seq, 0);
    }
}

/// One chain (kept or suppressed) with its evidence; the engine reads only the rows it has
/// not read yet.
fn chain_evidence(session: &mut Session, id: &str) -> Option<copyexec_core::chains::Chain> {
    let chain = session.engine.chain(id)?.clone();
    session.engine.read_evidence(
        Some(std::slice::from_ref(&chain.id)),
        false,
        &mut Blobs(&session.files),
    );
    session.engine.with_evidence(&[chain]).pop()
}

/// The chains document exactly as `copyexec chains --format json [--near-misses]` builds it:
/// allowlist applied, evidence for chains, near misses and suppressed chains.
fn document(session: &mut Session, near_misses: bool) -> ChainsDocument {
    session
        .engine
        .read_evidence(None, near_misses, &mut Blobs(&session.files));
    let mut doc = session.engine.document();
    if !near_misses {
        doc.near_misses.clear();
    }
    doc
}

fn download(kind: DownloadKind, session: &mut Session, near_misses: bool, mut meta: ReportMeta) {
    let mut out = Vec::new();
    match kind {
        DownloadKind::RowsCsv => {
            // As `copyexec rows` with the same rules: the rows no rule set aside.
            if let Err(e) = session.engine.write_rows_csv(&mut out) {
                return fail(0, format!("could not write the rows: {e}"));
            }
        }
        DownloadKind::ChainsJson => {
            let doc = document(session, near_misses);
            // Exactly as `copyexec chains --format json` writes it.
            if serde_json::to_writer_pretty(&mut out, &doc).is_err() {
                return;
            }
            out.push(b'\n');
        }
        DownloadKind::ReportHtml => {
            // As `copyexec report`: the evidence of the chains the report details.
            let ids = copyexec_report::detailed_chains(&session.engine.results().story.groups);
            session
                .engine
                .read_evidence(Some(&ids), near_misses, &mut Blobs(&session.files));
            let mut doc = session.engine.document_with(Some(&ids));
            if !near_misses {
                doc.near_misses.clear();
            }
            // The chain of custody: each input's size and SHA-256, read again from the File.
            for (file, input) in session.files.iter().zip(&doc.inputs) {
                let hash = BlobReader::new(file.clone().into())
                    .and_then(|r| sha256_hex(Sequential::new(r, 0)));
                match hash {
                    Ok(sha256) => meta.inputs.push(InputMeta {
                        name: input.name.clone(),
                        size: file.size() as u64,
                        sha256,
                    }),
                    Err(e) => {
                        return fail(
                            0,
                            format!("{}: could not be hashed for the report: {e}", input.name),
                        )
                    }
                }
            }
            out = render(&doc, &meta).into_bytes();
        }
        DownloadKind::TimesketchJsonl
        | DownloadKind::TimesketchCsv
        | DownloadKind::NavigatorLayer => {
            let doc = document(session, near_misses);
            out = document_export(kind, &doc).unwrap_or_default();
        }
    }
    send_bytes(kind, &out);
}

fn send_bytes(kind: DownloadKind, out: &[u8]) {
    post_bytes(&FromWorker::Download { kind }, out);
}

/// Posts `message` with a copy of `out` beside it (transferred: the worker keeps no second copy).
fn post_bytes(message: &FromWorker, out: &[u8]) {
    let bytes = Uint8Array::new_with_length(out.len() as u32);
    bytes.copy_from(out);
    post(message, Some(&bytes));
}

fn layer_text(layer: &Layer) -> String {
    match layer {
        Layer::Gzip => "gzip".into(),
        Layer::ZipMember(m) => format!("zip member {m}"),
        Layer::Utf8Bom => "UTF-8 with BOM".into(),
        Layer::Utf16 { le: true } => "UTF-16 LE".into(),
        Layer::Utf16 { le: false } => "UTF-16 BE".into(),
    }
}

fn input_views(data: &Dataset) -> Vec<InputView> {
    data.inputs()
        .iter()
        .enumerate()
        .map(|(i, input)| InputView {
            name: input.name.clone(),
            size: input.size.unwrap_or(0),
            streams: data
                .reports()
                .iter()
                .filter(|r| r.input as usize == i)
                .map(stream_view)
                .collect(),
        })
        .collect()
}

fn stream_view(r: &StreamReport) -> StreamView {
    StreamView {
        name: r.name.clone(),
        format: r.format,
        layers: r.layers.iter().map(layer_text).collect(),
        tables: r
            .tables
            .iter()
            .map(|(t, s)| TableView {
                table: t.name().to_string(),
                read: s.read,
                used: s.used,
                filtered: s.filtered.values().sum(),
                skipped: s.skipped.clone(),
            })
            .collect(),
        other_tables: r.other_tables.clone(),
        timestamp_styles: r
            .timestamps
            .styles
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect(),
        resolution: r.timestamps.resolution.clone(),
        zone: r.timestamps.zone.clone(),
        date_order: r.timestamps.date_order.clone(),
        date_choice: r.timestamps.date_choice.clone(),
        skipped: r.skipped.clone(),
        diagnostics: r.diagnostics.items.clone(),
        suppressed: r.diagnostics.suppressed.clone(),
    }
}
