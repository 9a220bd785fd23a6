//! Format detection and dispatch: which reader a stream's text (or EVTX file) goes to.

use super::container::read_capped;
use super::error::{Cancelled, LoadError};
use super::ingest::{EventSink, StreamState};
use super::report::not_analysed;
use super::{csv, evtx, json, Format, Loader, StreamKind};
use crate::load::decode::Layer;
use std::io::{BufRead, BufReader, Read};

impl Loader {
    /// Reads a text stream: JSON (a document or JSON lines) when it starts with `{` or `[`,
    /// CSV otherwise. Returns its report's index.
    pub(super) fn text<'r>(
        &mut self,
        input: u32,
        name: &str,
        layers: &[Layer],
        reader: Box<dyn Read + 'r>,
        had_bom: bool,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<usize, Cancelled> {
        let idx = self.new_report(input, name, layers);
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let head = match reader.fill_buf() {
            Ok(h) => h.to_vec(),
            Err(e) => {
                not_analysed(&mut self.reports[idx], name, LoadError::Unreadable(e));
                return Ok(idx);
            }
        };
        let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
        let start_lens = self.store_lens();
        let limits = self.limits;
        let mut diagnostics = std::mem::take(&mut self.reports[idx].diagnostics);
        let mut st = StreamState::new(name, self.options.offset_minutes, &mut diagnostics);
        let mut sink = EventSink {
            stream: idx as u32,
            store: &mut self.store,
            st: &mut st,
        };
        let outcome: Result<(Option<StreamKind>, Option<Format>), LoadError> = match first {
            None => Err(LoadError::Empty),
            Some(b'{') | Some(b'[') => {
                let mut jl = json::JsonLoad::new(sink);
                json::load(reader, limits.max_line, limits.max_in_memory, &mut jl, tick).map(
                    |document| {
                        let kind = if document {
                            StreamKind::JsonDocument
                        } else {
                            StreamKind::JsonLines
                        };
                        (Some(kind), jl.format)
                    },
                )
            }
            Some(_) => {
                let how = csv::Dialect {
                    delimiter: csv::sniff_delimiter(&head),
                    had_bom,
                    max_record: limits.max_line,
                };
                csv::load(reader, how, &mut sink, tick).map(|(k, f)| (Some(k), Some(f)))
            }
        };
        let counts = st.into_counts();
        self.text_report(idx, name, counts, diagnostics, outcome, start_lens)
    }

    /// Reads an EVTX file. Returns its report's index.
    pub(super) fn evtx<'r>(
        &mut self,
        input: u32,
        name: &str,
        layers: &[Layer],
        mut reader: Box<dyn Read + 'r>,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<usize, Cancelled> {
        let idx = self.new_report(input, name, layers);
        let read = read_capped(&mut reader, self.limits.max_in_memory, "an EVTX file");
        let mut diagnostics = std::mem::take(&mut self.reports[idx].diagnostics);
        let mut st = StreamState::new(name, 0, &mut diagnostics);
        let mut sink = EventSink {
            stream: idx as u32,
            store: &mut self.store,
            st: &mut st,
        };
        let outcome = read.and_then(|bytes| evtx::load(bytes, &mut sink, tick));
        let counts = st.into_counts();
        self.evtx_report(idx, name, counts, diagnostics, outcome)
    }
}
