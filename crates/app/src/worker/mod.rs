//! The analysis worker: the core crate, run off the page's thread.
//!
//! It holds the loaded [`Dataset`] and the `File`s it came from, answers tolerance changes
//! at once from the dataset (no re-reading), and reads the evidence rows (every original
//! field of the chains' events) again from the files in the background, keeping what it
//! read so a later tolerance needs only the rows it has not seen.

mod blob_reader;

use crate::protocol::{
    DownloadKind, FromWorker, InputView, ResultView, StreamView, TableView, ToWorker, TotalsView,
};
use blob_reader::BlobReader;
use copyexec_core::chains::Chain;
use copyexec_core::evidence::Fields;
use copyexec_core::load::decode::Layer;
use copyexec_core::load::{LoadOptions, Loader};
use copyexec_core::store::Loc;
use copyexec_core::Dataset;
use js_sys::{Array, Object, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

/// Query rows sent to the page for its table; the download has all of them.
const ROWS_SHOWN: usize = 5000;

/// Bytes between two progress messages.
const PROGRESS_STEP: u64 = 2 * 1024 * 1024;

struct Session {
    data: Dataset,
    files: Vec<File>,
    tolerance: i64,
    /// Evidence read so far, by location.
    evidence: HashMap<Loc, Fields>,
    evidence_errors: Vec<String>,
    /// The latest request; evidence for an older one is not read.
    latest: u32,
    /// The result waiting for its evidence.
    pending: Option<Box<ResultView>>,
}

/// Wait before reading evidence after a tolerance change: while the user drags the slider,
/// only the value it comes to rest on has its evidence read.
const EVIDENCE_DELAY_MS: i32 = 150;

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// Installs the message handler of the worker.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let json = Reflect::get(&data, &"json".into())
            .ok()
            .and_then(|v| v.as_string());
        let Some(json) = json else { return };
        match serde_json::from_str::<ToWorker>(&json) {
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
    let json = serde_json::to_string(message).unwrap_or_default();
    let _ = Reflect::set(&obj, &"json".into(), &json.into());
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
        } => {
            let files: Vec<File> = Reflect::get(data, &"files".into())
                .ok()
                .map(|v| Array::from(&v).iter().map(|f| f.unchecked_into()).collect())
                .unwrap_or_default();
            load(
                seq,
                names,
                files,
                tolerance,
                LoadOptions {
                    offset_minutes,
                    date_order,
                },
            );
        }
        ToWorker::Tolerance { seq, tolerance } => {
            SESSION.with(|s| {
                if let Some(session) = s.borrow_mut().as_mut() {
                    session.tolerance = tolerance;
                    session.latest = seq;
                    analyse(seq, session, EVIDENCE_DELAY_MS);
                }
            });
        }
        ToWorker::Download { kind } => {
            SESSION.with(|s| {
                if let Some(session) = s.borrow_mut().as_mut() {
                    download(kind, session);
                }
            });
        }
    }
}

fn load(seq: u32, names: Vec<String>, files: Vec<File>, tolerance: i64, options: LoadOptions) {
    SESSION.with(|s| *s.borrow_mut() = None);
    let started = now();
    let mut loader = Loader::new(options);
    for (i, (name, file)) in names.iter().zip(&files).enumerate() {
        let total = file.size() as u64;
        post(
            &FromWorker::Progress {
                seq,
                file: i,
                loaded: 0,
                total,
            },
            None,
        );
        let mut last = 0u64;
        let mut progress = |bytes: u64| {
            if bytes >= last + PROGRESS_STEP {
                last = bytes;
                post(
                    &FromWorker::Progress {
                        seq,
                        file: i,
                        loaded: bytes.min(total),
                        total,
                    },
                    None,
                );
            }
            true
        };
        match BlobReader::new(file.clone().into()) {
            // A file that fails part-way is reported in its stream's diagnostics by the core.
            Ok(reader) => {
                let _ = loader.add_input(name, Some(total), reader, &mut progress);
            }
            Err(e) => {
                let _ = loader.add_input(name, Some(total), FailingReader(e), &mut progress);
            }
        }
        post(
            &FromWorker::Progress {
                seq,
                file: i,
                loaded: total,
                total,
            },
            None,
        );
    }
    let data = Dataset::new(loader.finish());
    let read_ms = now() - started;
    post(
        &FromWorker::Loaded {
            seq,
            inputs: input_views(&data),
            missing_tables: data
                .missing_tables()
                .into_iter()
                .map(|t| format!("no {t} loaded: no chain can match"))
                .collect(),
            read_ms,
        },
        None,
    );
    let mut session = Session {
        data,
        files,
        tolerance,
        evidence: HashMap::new(),
        evidence_errors: Vec::new(),
        latest: seq,
        pending: None,
    };
    analyse(seq, &mut session, 0);
    SESSION.with(|s| *s.borrow_mut() = Some(session));
}

/// A reader that fails at once (the file could not be opened).
struct FailingReader(std::io::Error);

impl std::io::Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(self.0.kind(), self.0.to_string()))
    }
}

/// Rows and chains for the session's tolerance: posted at once with the evidence already
/// known, then again once the missing evidence has been read (in a later task, after
/// `delay_ms`, unless a newer request came first).
fn analyse(seq: u32, session: &mut Session, delay_ms: i32) {
    let started = now();
    let tolerance = session.tolerance;
    let rows = session.data.rows(tolerance);
    let mut chains = session.data.chains(&rows, tolerance);
    let near_misses = session.data.near_misses(&rows, tolerance);
    let query_ms = now() - started;
    let missing = missing_evidence(session, &chains);
    session
        .data
        .attach_evidence(&mut chains, &mut [], &session.evidence);
    let shown: Vec<Vec<String>> = rows
        .iter()
        .take(ROWS_SHOWN)
        .map(|r| session.data.project(*r).to_vec())
        .collect();
    let totals = totals_view(&session.data, rows.len(), chains.len());
    let result = ResultView {
        seq,
        tolerance,
        evidence_complete: !missing,
        evidence_errors: session.evidence_errors.clone(),
        chains,
        near_misses,
        totals,
        rows: shown,
        memory_bytes: memory_bytes(),
        query_ms,
    };
    if !missing {
        post(&FromWorker::Result(Box::new(result)), None);
        return;
    }
    post(&FromWorker::Result(Box::new(result.clone())), None);
    session.pending = Some(Box::new(result));
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

/// Reads the evidence of the pending result, if it is still the latest, and posts it whole.
fn complete_evidence(seq: u32, session: &mut Session) {
    if session.latest != seq {
        return;
    }
    let Some(mut result) = session.pending.take() else {
        return;
    };
    if result.seq != seq {
        return;
    }
    read_evidence(session, &result.chains);
    session
        .data
        .attach_evidence(&mut result.chains, &mut [], &session.evidence);
    result.evidence_complete = true;
    result.evidence_errors = session.evidence_errors.clone();
    result.memory_bytes = memory_bytes();
    post(&FromWorker::Result(result), None);
}

fn missing_evidence(session: &Session, chains: &[Chain]) -> bool {
    session
        .data
        .evidence_requests(chains, &[])
        .iter()
        .any(|r| r.locs.iter().any(|l| !session.evidence.contains_key(l)))
}

fn read_evidence(session: &mut Session, chains: &[Chain]) {
    for mut request in session.data.evidence_requests(chains, &[]) {
        request.locs.retain(|l| !session.evidence.contains_key(l));
        if request.locs.is_empty() {
            continue;
        }
        let Some(file) = session.files.get(request.input as usize) else {
            continue;
        };
        let name = session.data.inputs()[request.input as usize].name.clone();
        let found = BlobReader::new(file.clone().into())
            .and_then(|r| session.data.read_evidence(&request, Box::new(r)));
        match found {
            Ok(rows) => session.evidence.extend(rows),
            Err(e) => {
                let message = format!("{name}: could not read the evidence rows again: {e}");
                if !session.evidence_errors.contains(&message) {
                    session.evidence_errors.push(message);
                }
            }
        }
    }
}

fn download(kind: DownloadKind, session: &mut Session) {
    let tolerance = session.tolerance;
    let rows = session.data.rows(tolerance);
    let mut out = Vec::new();
    match kind {
        DownloadKind::RowsCsv => {
            if let Err(e) = session.data.write_rows_csv(&rows, &mut out) {
                post(
                    &FromWorker::Failed {
                        seq: 0,
                        message: format!("could not write the rows: {e}"),
                    },
                    None,
                );
                return;
            }
        }
        DownloadKind::ChainsJson => {
            let mut chains = session.data.chains(&rows, tolerance);
            read_evidence(session, &chains);
            session
                .data
                .attach_evidence(&mut chains, &mut [], &session.evidence);
            let doc = session
                .data
                .document(tolerance, rows.len(), chains, Vec::new());
            // Exactly as `copyexec chains --format json` writes it.
            if serde_json::to_writer_pretty(&mut out, &doc).is_err() {
                return;
            }
            out.push(b'\n');
        }
    }
    let bytes = Uint8Array::new_with_length(out.len() as u32);
    bytes.copy_from(&out);
    post(&FromWorker::Download { kind }, Some(&bytes));
}

fn totals_view(data: &Dataset, rows: usize, chains: usize) -> TotalsView {
    let t = data.totals(rows, chains);
    TotalsView {
        rows_read: t.rows_read,
        rows_used: t.rows_used,
        rows_filtered: t.rows_filtered,
        rows_skipped: t.rows_skipped,
        rows_other_tables: t.rows_other_tables,
        streams_skipped: t.streams_skipped,
        query_rows: t.query_rows,
        chains: t.chains,
    }
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
                .map(|r| StreamView {
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
                    skipped: r.skipped.clone(),
                    diagnostics: r.diagnostics.items.clone(),
                    suppressed: r.diagnostics.suppressed.clone(),
                })
                .collect(),
        })
        .collect()
}
