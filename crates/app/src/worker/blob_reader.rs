//! `std::io::Read` over a browser `Blob` (a `File`), for the worker.
//!
//! Workers may read files synchronously (`FileReaderSync`), which is what the core's
//! reader-based API wants: slices of a few MiB are read one after the other, so a file of
//! hundreds of megabytes never sits in memory whole.

use copyexec_core::evidence::ReadAt;
use js_sys::Uint8Array;
use std::io::{self, Read};
use web_sys::{Blob, FileReaderSync};

/// Bytes per slice read from the blob.
const SLICE: f64 = 16.0 * 1024.0 * 1024.0;

/// Reads a blob front to back.
pub struct BlobReader {
    blob: Blob,
    reader: FileReaderSync,
    size: f64,
    pos: f64,
    buf: Vec<u8>,
    at: usize,
}

impl BlobReader {
    /// A reader at the start of `blob`.
    pub fn new(blob: Blob) -> io::Result<Self> {
        let reader = FileReaderSync::new().map_err(js_err)?;
        let size = blob.size();
        Ok(BlobReader {
            blob,
            reader,
            size,
            pos: 0.0,
            buf: Vec::new(),
            at: 0,
        })
    }

    fn refill(&mut self) -> io::Result<()> {
        let end = (self.pos + SLICE).min(self.size);
        let slice = self
            .blob
            .slice_with_f64_and_f64(self.pos, end)
            .map_err(js_err)?;
        let array = self.reader.read_as_array_buffer(&slice).map_err(js_err)?;
        let bytes = Uint8Array::new(&array);
        self.buf.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut self.buf);
        self.at = 0;
        self.pos = end;
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.buf.len() {
            if self.pos >= self.size {
                return Ok(0);
            }
            self.refill()?;
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Random access for the evidence rows: one small slice per row instead of the whole file.
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
