//! The readers' public face: what reading a stream's rows again needs (evidence, in the CLI and
//! the app), so that nothing outside loading depends on how the readers work inside.
//!
//! A row is found again by the [`crate::store::Loc`] it was loaded at: the physical line and
//! first byte of a CSV record or JSON line, the index of a row within a JSON value, the ordinal
//! of an EVTX record. The readers here report exactly the positions loading recorded.

pub use super::csv::CsvRecords;
pub use super::evtx::{flatten, records as evtx_records, FlatRecord};
pub use super::ingest::value_text;
pub use super::json::row_at;
pub use super::lines::LineReader;
pub use super::reopen_stream;
