//! Caps on what one input may make the reader hold or unpack.
//!
//! Every byte comes from a host that may be hostile: a gzip that inflates a thousandfold, a zip
//! of a hundred thousand members, a gigabyte on one line, JSON nested a million deep. Each cap
//! stops only the stream that crosses it, with an error naming where; everything read before
//! and every other input is kept.

use serde::{Deserialize, Serialize};

/// The caps, with defaults far above any real export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Longest CSV record or JSON line, in bytes.
    pub max_line: u64,
    /// Largest stream read whole into memory (a zip member, an EVTX file, a pretty-printed
    /// JSON document, UTF-16 text), in bytes.
    pub max_in_memory: u64,
    /// Most bytes a compressed stream may unpack to.
    pub max_unpacked: u64,
    /// Most bytes a compressed stream may unpack to per byte it holds, once it has unpacked
    /// more than [`Limits::ratio_after`].
    pub max_ratio: u64,
    /// Unpacked size below which the ratio is not checked (small files compress well).
    pub ratio_after: u64,
    /// Most members of one zip archive read.
    pub max_members: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 256 << 20,
            max_in_memory: 2 << 30,
            max_unpacked: 64 << 30,
            max_ratio: 200,
            ratio_after: 256 << 20,
            max_members: 50_000,
        }
    }
}

/// A byte count as people read it: `256 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut unit = 0;
    let mut v = n;
    while unit + 1 < UNITS.len() && v >= 1024 && v % 1024 == 0 {
        v /= 1024;
        unit += 1;
    }
    format!("{v} {}", UNITS[unit])
}
