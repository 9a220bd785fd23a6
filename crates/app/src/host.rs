//! What the page's small JavaScript host provides (`globalThis.copyexecHost`, set up by
//! `web/host.js` before the WebAssembly starts): creating the worker from the same module,
//! the bundled sample files, and walking dropped folders.
//!
//! Those are the few things that differ between the served build and the single file, or
//! that are far simpler with promises than with callbacks.

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, Worker};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = copyexecHost, js_name = makeWorker, catch)]
    fn make_worker_js() -> Result<Worker, JsValue>;

    #[wasm_bindgen(js_namespace = copyexecHost, js_name = sampleFiles)]
    fn sample_files_js() -> Promise<JsValue>;

    #[wasm_bindgen(js_namespace = copyexecHost, js_name = filesFromDataTransfer)]
    fn files_from_data_transfer_js(dt: &DataTransfer) -> Promise<JsValue>;
}

/// A file to analyse and the name to show for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// Name (relative path inside a dropped folder).
    pub name: String,
    /// The file.
    pub file: File,
}

/// A new analysis worker running this same module.
pub fn make_worker() -> Result<Worker, String> {
    make_worker_js().map_err(|e| describe(&e))
}

/// The bundled sample export set.
pub async fn sample_files() -> Result<Vec<Input>, String> {
    let v = JsFuture::from(sample_files_js())
        .await
        .map_err(|e| describe(&e))?;
    Ok(inputs_of(&v))
}

/// Every file of a drop, folders walked. The drop's entries are taken at once (they are
/// gone after the event); the walk completes later.
pub fn files_from_drop(
    dt: &DataTransfer,
) -> impl std::future::Future<Output = Result<Vec<Input>, String>> {
    let pending = JsFuture::from(files_from_data_transfer_js(dt));
    async move {
        let v = pending.await.map_err(|e| describe(&e))?;
        Ok(inputs_of(&v))
    }
}

/// `[{ name, file }]` from the host.
fn inputs_of(v: &JsValue) -> Vec<Input> {
    Array::from(v)
        .iter()
        .filter_map(|item| {
            let name = js_sys::Reflect::get(&item, &"name".into())
                .ok()?
                .as_string()?;
            let file = js_sys::Reflect::get(&item, &"file".into())
                .ok()?
                .dyn_into::<File>()
                .ok()?;
            Some(Input { name, file })
        })
        .collect()
}

/// Text of a JS error.
pub fn describe(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    e.dyn_ref::<js_sys::Error>()
        .and_then(|e| e.message().as_string())
        .unwrap_or_else(|| "unknown error".into())
}
