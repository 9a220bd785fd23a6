//! # copyexec-app
//!
//! The browser app of copyexec: a responder drops Defender exports and sees every
//! copy→execute chain the "File Copy and Execution" query finds, on timelines, with the
//! evidence behind each step. Nothing leaves the browser.
//!
//! One WebAssembly module runs in two places. On the page it is the Yew user interface
//! ([`components::app::App`]), which never parses logs; in a dedicated Web Worker created
//! from the same module (see `web/host.js`) it is the analysis ([`worker`]): the core crate
//! reads the files, answers tolerance changes from memory and reads the evidence rows again
//! on demand. The two talk through [`protocol`] messages.
#![deny(missing_docs)]

mod codec;
mod components;
mod format;
mod hooks;
mod host;
mod protocol;
mod state;
mod worker;

use wasm_bindgen::JsCast;

fn main() {
    let global = js_sys::global();
    let in_page = js_sys::Reflect::get(&global, &"document".into())
        .map(|d| !d.is_undefined())
        .unwrap_or(false);
    if !in_page {
        worker::start();
        return;
    }
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .and_then(|e| e.dyn_into::<web_sys::Element>().ok());
    match root {
        Some(root) => {
            yew::Renderer::<components::app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<components::app::App>::new().render();
        }
    }
}
