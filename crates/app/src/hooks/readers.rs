//! The reading workers: more workers running the same module, each reading some of the files
//! of a load (or pieces of a large one) into core parts, which the page passes on, untouched,
//! to the analysis worker.
//!
//! The core's plan (`load::share`) shares the files and pieces out by size, largest first, to
//! whichever worker has the fewest bytes so far; the analysis worker takes its share too. The
//! parts are merged there in file and piece order, so the result is the one a single worker
//! gives.

use crate::codec;
use crate::host::{self, Input};
use crate::protocol::{FromWorker, ToWorker};
use copyexec_core::load::share::{self, InputPiece};
use js_sys::{Array, Object, Reflect, Uint8Array};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// Most workers reading at once (the analysis worker included): each holds its own copy of
/// the module's memory while it reads.
const MAX_WORKERS: usize = 4;

/// Below this many bytes in all, the analysis worker reads everything: a second worker costs
/// more than it saves. Measured on 2 cores: the 8.8 MB fleet (4 files, 10,007 chains) showed its
/// count after 0.55 s read in one worker and 0.71 s in two (reading took 145 ms either way; the
/// query ran slower beside the second worker); the 210 MB set after 1.38 s in two, 1.92 s in one.
const SHARE_FROM_BYTES: f64 = 24.0 * 1024.0 * 1024.0;

/// Workers to read with on this machine (`navigator.hardwareConcurrency`, clamped).
pub fn workers() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    (cores as usize).clamp(1, MAX_WORKERS)
}

/// Below this many bytes a piece costs more than it saves (its worker reads the file's head,
/// its part crosses to the analysis worker and is merged).
const PIECE_FROM_BYTES: u64 = 8 << 20;

/// What each worker reads of files of these sizes (and whether each may be read in pieces):
/// the analysis worker's share first.
pub fn plan(files: &[(u64, bool)], workers: usize) -> share::Plan {
    let total: u64 = files.iter().map(|f| f.0).sum();
    let n = if (total as f64) < SHARE_FROM_BYTES {
        1
    } else {
        workers
    };
    share::plan(files, n, PIECE_FROM_BYTES)
}

type Handler<E> = Closure<dyn FnMut(E)>;

/// One reading worker.
pub struct Reader {
    worker: Worker,
    _on_message: Handler<MessageEvent>,
    _on_error: Handler<ErrorEvent>,
    /// Files it was asked to read and has not answered for yet.
    owed: Rc<Cell<usize>>,
}

impl Reader {
    /// A reading worker. `part` gets what it read of a file (request, file, the part's bytes);
    /// `message` gets its other messages (progress); `failed` is told when it stopped.
    pub fn start(
        part: Rc<dyn Fn(u32, InputPiece, JsValue)>,
        message: Rc<dyn Fn(FromWorker)>,
        failed: Rc<dyn Fn(String)>,
    ) -> Result<Reader, String> {
        let worker = host::make_worker()?;
        let owed = Rc::new(Cell::new(0usize));
        let on_message = {
            let owed = owed.clone();
            let failed = failed.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let Ok(msg) = Reflect::get(&data, &"msg".into()) else {
                    return;
                };
                match codec::decode::<FromWorker>(msg) {
                    Ok(FromWorker::Part { seq, read }) => {
                        owed.set(owed.get().saturating_sub(1));
                        let bytes = Reflect::get(&data, &"bytes".into()).unwrap_or_default();
                        part(seq, read, bytes);
                    }
                    Ok(other) => message(other),
                    Err(e) => failed(format!(
                        "internal: unreadable message from a reading worker: {e}"
                    )),
                }
            })
        };
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            failed(event.message());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Reader {
            worker,
            _on_message: on_message,
            _on_error: on_error,
            owed,
        })
    }

    /// Whether it is still reading for an earlier load (its answers would come late).
    pub fn busy(&self) -> bool {
        self.owed.get() > 0
    }

    /// Asks it to read `files` (a `ToWorker::Read` naming them and their pieces): it owes one
    /// part each.
    pub fn read(&self, message: &ToWorker, files: &[Input]) -> Result<(), String> {
        post(&self.worker, message, Some(files), None)?;
        self.owed.set(self.owed.get() + files.len());
        Ok(())
    }

    /// Ends it.
    pub fn stop(&self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Posts `message` to `worker`, with `files` and `bytes` (transferred: the page keeps no copy)
/// beside it.
pub fn post(
    worker: &Worker,
    message: &ToWorker,
    files: Option<&[Input]>,
    bytes: Option<&JsValue>,
) -> Result<(), String> {
    let obj = Object::new();
    let msg = codec::encode(message).map_err(|e| format!("internal: unsendable message: {e}"))?;
    let _ = Reflect::set(&obj, &"msg".into(), &msg);
    if let Some(files) = files {
        let list = Array::new();
        for f in files {
            list.push(&f.file);
        }
        let _ = Reflect::set(&obj, &"files".into(), &list);
    }
    let sent = match bytes.and_then(|b| b.dyn_ref::<Uint8Array>()) {
        Some(b) => {
            let _ = Reflect::set(&obj, &"bytes".into(), b);
            worker.post_message_with_transfer(&obj, &Array::of1(&b.buffer()))
        }
        None => worker.post_message(&obj),
    };
    sent.map_err(|e| format!("could not reach a worker: {}", host::describe(&e)))
}

#[cfg(test)]
mod tests {
    use super::plan;

    #[test]
    fn small_sets_stay_in_one_worker() {
        let p = plan(&[(1 << 20, true), (2 << 20, true), (3 << 20, true)], 4);
        assert_eq!(p.shares.len(), 1);
        assert_eq!(p.pieces, vec![1, 1, 1]);
        assert_eq!(plan(&[(100 << 20, true)], 4).shares.len(), 4);
    }
}
