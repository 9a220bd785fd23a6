//! A [`Part`] as bytes: what one reader read crosses to the one that merges (the app reads
//! files in several workers, which share no memory).

use super::dates::Undated;
use super::piece::Open;
use super::{InputInfo, LoadOptions, Loaded, Part, StreamInfo};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a part's bytes hold. The reports go as JSON text inside: they leave out empty fields
/// (`skip_serializing_if`), which only a self-describing encoding reads back.
#[derive(Serialize)]
struct Out<'a> {
    options: &'a LoadOptions,
    store: &'a Store,
    streams: &'a [StreamInfo],
    reports: String,
    inputs: &'a [InputInfo],
    undated: &'a [Undated],
    open: Option<&'a Open>,
}

#[derive(Deserialize)]
struct In {
    options: LoadOptions,
    store: Store,
    streams: Vec<StreamInfo>,
    reports: String,
    inputs: Vec<InputInfo>,
    undated: Vec<Undated>,
    open: Option<Open>,
}

/// Bytes that are not a part this version wrote.
#[derive(Debug)]
pub struct PartBytesError(String);

impl fmt::Display for PartBytesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a part of a data set: {}", self.0)
    }
}

impl std::error::Error for PartBytesError {}

impl Part {
    /// The part as bytes, for [`Part::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let l = &self.0;
        let out = Out {
            options: &l.options,
            store: &l.store,
            streams: &l.streams,
            reports: serde_json::to_string(&l.reports).expect("reports serialize"),
            inputs: &l.inputs,
            undated: &l.undated,
            open: l.open.as_ref(),
        };
        bincode::serialize(&out).expect("a part serializes")
    }

    /// The part [`Part::to_bytes`] wrote. The bytes come from the same program (another of
    /// the app's workers), never from an input: they are decoded, not checked symbol by symbol.
    pub fn from_bytes(bytes: &[u8]) -> Result<Part, PartBytesError> {
        let i: In = bincode::deserialize(bytes).map_err(|e| PartBytesError(e.to_string()))?;
        let reports =
            serde_json::from_str(&i.reports).map_err(|e| PartBytesError(e.to_string()))?;
        Ok(Part(Loaded {
            options: i.options,
            store: i.store,
            streams: i.streams,
            reports,
            inputs: i.inputs,
            undated: i.undated,
            open: i.open,
        }))
    }
}
