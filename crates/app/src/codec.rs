//! How a message crosses between the page and the worker: as JSON text, the `msg` member of
//! the posted object.
//!
//! JSON text rather than serde-wasm-bindgen's JS objects, measured in Chromium on the fleet
//! (10,007 chains; a load, its pages and four filter keystrokes, 26 messages each way, page and
//! worker together): encoding 8.5 ms and decoding 30.3 ms with serde_json, 21.1 ms and 64.8 ms
//! with serde-wasm-bindgen 0.6 — building a JS object field by field crosses the WebAssembly
//! boundary per value, while text crosses once; and a string is cheaper to post than an object
//! graph is to clone.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// The message as it is posted.
pub fn encode<T: Serialize>(value: &T) -> Result<JsValue, String> {
    serde_json::to_string(value)
        .map(JsValue::from)
        .map_err(|e| e.to_string())
}

/// The message posted as `value`.
pub fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    let text = value.as_string().ok_or("a message that is not text")?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}
