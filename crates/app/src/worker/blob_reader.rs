//! Random access to a browser `Blob` (a `File`), for the worker: read front to back through the
//! core's `Sequential` (loading, hashing, reports) or a row at a time (evidence).
//!
//! Workers may read files synchronously (`FileReaderSync`), which is what the core's
//! reader-based API wants: slices are read one after the other, so a file of hundreds of
//! megabytes never sits in memory whole.

use copyexec_core::evidence::ReadAt;
use js_sys::Uint8Array;
use std::io;
use web_sys::{Blob, FileReaderSync};

/// A blob and the synchronous reader of its slices.
pub struct BlobReader {
    blob: Blob,
    reader: FileReaderSync,
    size: f64,
}

impl BlobReader {
    /// A reader of `blob`.
    pub fn new(blob: Blob) -> io::Result<Self> {
        let reader = FileReaderSync::new().map_err(js_err)?;
        let size = blob.size();
        Ok(BlobReader { blob, reader, size })
    }
}

/// One slice per read: a row of evidence, or a large slice of a file read front to back.
impl ReadAt for BlobReader {
    fn size(&self) -> u64 {
        self.size as u64
    }

    fn read_at(&mut self, offset: u64, out: &mut [u8]) -> io::Result<usize> {
        let start = (offset as f64).min(self.size);
        let end = (start + out.len() as f64).min(self.size);
        let slice = self
            .blob
            .slice_with_f64_and_f64(start, end)
            .map_err(js_err)?;
        let array = self.reader.read_as_array_buffer(&slice).map_err(js_err)?;
        let bytes = Uint8Array::new(&array);
        let n = bytes.length() as usize;
        bytes.copy_to(&mut out[..n]);
        Ok(n)
    }
}

fn js_err(e: wasm_bindgen::JsValue) -> io::Error {
    let text = js_sys::Error::from(e)
        .message()
        .as_string()
        .unwrap_or_else(|| "the browser could not read the file".into());
    io::Error::other(format!("the browser could not read the file: {text}"))
}
