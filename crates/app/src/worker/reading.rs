//! Reading the files, in this worker and in reading workers.
//!
//! Each input, or each piece of an input read in pieces, is read on its own into a core `Part`.
//! The page hands some of them to reading workers (the same module, started from the same
//! compiled code) and passes what they read on to the analysis worker as bytes; the analysis
//! worker reads the rest itself, then merges every part in input and piece order, so the data
//! set is the one a single reader would have made.

use super::blob_reader::BlobReader;
use super::{now, post, post_bytes};
use crate::protocol::FromWorker;
use copyexec_core::engine::Settings;
use copyexec_core::load::share::InputPiece;
use copyexec_core::load::{LoadOptions, Loaded, Loader, Part, Piece};
use copyexec_core::Dataset;
use std::cell::RefCell;
use web_sys::File;

/// Bytes read between two progress messages.
const PROGRESS_STEP: u64 = 2 * 1024 * 1024;

/// A load waiting for the parts its reading workers read.
struct Gathering {
    seq: u32,
    names: Vec<String>,
    files: Vec<File>,
    options: LoadOptions,
    settings: Settings,
    /// Per input, per piece.
    parts: Vec<Vec<Option<Part>>>,
    started: f64,
}

/// A load whose parts are all in.
pub struct Read {
    /// The merged data set.
    pub data: Dataset,
    /// Its files, for the evidence.
    pub files: Vec<File>,
    /// The analysis asked for with the load.
    pub settings: Settings,
    /// From the load asked for to the data set merged.
    pub read_ms: f64,
}

thread_local! {
    static GATHERING: RefCell<Option<Gathering>> = const { RefCell::new(None) };
}

/// Starts load `seq`: reads here every input and piece not in `elsewhere` (the others come as
/// parts); input `i` is read in `pieces[i]` pieces (one when not listed). Returns the data set
/// when nothing is left to wait for.
pub fn start(
    seq: u32,
    names: Vec<String>,
    files: Vec<File>,
    (options, settings): (LoadOptions, Settings),
    pieces: &[u32],
    elsewhere: &[InputPiece],
) -> Option<Read> {
    let started = now();
    let mut parts: Vec<Vec<Option<Part>>> = (0..files.len())
        .map(|i| {
            (0..pieces.get(i).copied().unwrap_or(1).max(1))
                .map(|_| None)
                .collect()
        })
        .collect();
    for (input, slots) in parts.iter_mut().enumerate() {
        let of = slots.len() as u32;
        for (index, slot) in slots.iter_mut().enumerate() {
            let at = InputPiece {
                input,
                piece: Piece {
                    index: index as u32,
                    of,
                },
            };
            if !elsewhere.contains(&at) {
                *slot = Some(read_one(seq, at, &names[input], &files[input], options));
            }
        }
    }
    let gathering = Gathering {
        seq,
        names,
        files,
        options,
        settings,
        parts,
        started,
    };
    GATHERING.with(|g| *g.borrow_mut() = Some(gathering));
    finish_if_complete()
}

/// A part a reading worker read, for load `seq`. Bytes that do not decode (they never should)
/// make this worker read it itself. Returns the data set when it was the last part.
pub fn receive(seq: u32, at: InputPiece, bytes: Option<Vec<u8>>) -> Option<Read> {
    GATHERING.with(|g| {
        let mut g = g.borrow_mut();
        let gathering = g.as_mut().filter(|g| g.seq == seq)?;
        let part = bytes
            .and_then(|b| Part::from_bytes(&b).ok())
            .unwrap_or_else(|| {
                read_one(
                    seq,
                    at,
                    &gathering.names[at.input],
                    &gathering.files[at.input],
                    gathering.options,
                )
            });
        let slot = gathering
            .parts
            .get_mut(at.input)?
            .get_mut(at.piece.index as usize)?;
        *slot = Some(part);
        Some(())
    })?;
    finish_if_complete()
}

/// Forgets a load in progress (a newer request replaced it).
pub fn forget() {
    GATHERING.with(|g| *g.borrow_mut() = None);
}

fn finish_if_complete() -> Option<Read> {
    let gathering = GATHERING.with(|g| {
        let mut g = g.borrow_mut();
        if g.as_ref()?.parts.iter().flatten().all(Option::is_some) {
            g.take()
        } else {
            None
        }
    })?;
    let parts = gathering.parts.into_iter().flatten().flatten().collect();
    let data = Dataset::new(Loaded::from_parts(parts));
    Some(Read {
        data,
        files: gathering.files,
        settings: gathering.settings,
        read_ms: now() - gathering.started,
    })
}

/// As a reading worker: reads each input or piece and posts its part as bytes.
pub fn read_for_others(
    seq: u32,
    pieces: &[InputPiece],
    names: &[String],
    files: &[File],
    options: LoadOptions,
) {
    for ((&at, name), file) in pieces.iter().zip(names).zip(files) {
        let bytes = read_one(seq, at, name, file, options).to_bytes();
        post_bytes(&FromWorker::Part { seq, read: at }, &bytes);
    }
}

/// Reads an input, or a piece of it, on its own, telling the page how far it got.
fn read_one(seq: u32, at: InputPiece, name: &str, file: &File, options: LoadOptions) -> Part {
    let size = file.size() as u64;
    let progress_at = |loaded: u64| {
        post(
            &FromWorker::Progress {
                seq,
                file: at.input,
                piece: at.piece.index,
                loaded,
                total: size,
            },
            None,
        )
    };
    progress_at(0);
    let mut last = 0u64;
    let mut progress = |bytes: u64| {
        if bytes >= last + PROGRESS_STEP {
            last = bytes;
            progress_at(bytes);
        }
        true
    };
    let mut loader = Loader::new(options);
    // A file that fails part-way is reported in its stream's diagnostics by the core; only a
    // cancel (which `progress` never asks for) ends a read without a part.
    let read = match BlobReader::new(file.clone().into()) {
        Ok(mut reader) => loader.read_piece(name, size, &mut reader, at.piece, &mut progress),
        Err(e) => loader
            .add_input(name, Some(size), FailingReader(e), &mut progress)
            .map(|()| loader.into_part()),
    };
    if at.piece.of == 1 {
        progress_at(size);
    }
    read.unwrap_or_else(|_| Loader::new(options).into_part())
}

/// A reader that fails at once (the file could not be opened).
struct FailingReader(std::io::Error);

impl std::io::Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(self.0.kind(), self.0.to_string()))
    }
}
