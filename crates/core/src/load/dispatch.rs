//! Format detection and dispatch: which reader a stream's text (or EVTX file) goes to.

use super::container::read_capped;
use super::error::{Cancelled, LoadError};
use super::ingest::{EventSink, StreamState};
use super::piece::{Open, Span};
use super::report::not_analysed;
use super::{csv, evtx, json, Format, Loader, StreamKind};
use crate::load::decode::Layer;
use std::io::{BufRead, BufReader, Read};

/// How a text stream begins.
#[derive(Clone, Copy, Default)]
pub(super) struct Opening {
    /// After a byte-order mark (the newer portal export).
    pub had_bom: bool,
    /// As the first piece of several.
    pub span: Option<Span>,
}

impl Loader {
    /// Reads a text stream: JSON (a document or JSON lines) when it starts with `{` or `[`,
    /// CSV otherwise. Returns its report's index. The first piece of a stream read in pieces
    /// (`span`) stops where the next starts, and its report waits for them.
    pub(super) fn text<'r>(
        &mut self,
        input: u32,
        name: &str,
        layers: &[Layer],
        reader: Box<dyn Read + 'r>,
        opening: Opening,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<usize, Cancelled> {
        let Opening { had_bom, span } = opening;
        let idx = self.set.new_report(input, name, layers);
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let head = match reader.fill_buf() {
            Ok(h) => h.to_vec(),
            Err(e) => {
                not_analysed(&mut self.set.reports[idx], name, LoadError::Unreadable(e));
                return Ok(idx);
            }
        };
        let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
        let start_lens = self.set.store_lens();
        let limits = self.limits;
        let mut diagnostics = std::mem::take(&mut self.set.reports[idx].diagnostics);
        let mut st = StreamState::new(name, self.set.options.offset_minutes, &mut diagnostics);
        st.until = span.and_then(|s| s.until);
        let mut sink = EventSink {
            stream: idx as u32,
            store: &mut self.set.store,
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
        match (span, outcome) {
            (Some(span), Ok((kind, format))) => {
                self.set.open = Some(Open {
                    piece: span.piece,
                    stream: Some(idx as u32),
                    start: 0,
                    counts,
                    diagnostics,
                    kind,
                    format,
                });
                Ok(idx)
            }
            (_, outcome) => {
                self.set
                    .text_report(idx, name, counts, diagnostics, outcome, start_lens)
            }
        }
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
        let idx = self.set.new_report(input, name, layers);
        let read = read_capped(&mut reader, self.limits.max_in_memory, "an EVTX file");
        let mut diagnostics = std::mem::take(&mut self.set.reports[idx].diagnostics);
        let mut st = StreamState::new(name, 0, &mut diagnostics);
        let mut sink = EventSink {
            stream: idx as u32,
            store: &mut self.set.store,
            st: &mut st,
        };
        let outcome = read.and_then(|bytes| evtx::load(bytes, &mut sink, tick));
        let counts = st.into_counts();
        self.set
            .evtx_report(idx, name, counts, diagnostics, outcome)
    }
}
