//! Paths given on the command line → files, read in parallel.

use crate::output;
use anyhow::{Context, Result};
use copyexec_core::evidence::SeekReader;
use copyexec_core::load::share::{self, InputPiece};
use copyexec_core::load::{LoadOptions, Loaded, Loader, Part};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Files under `paths`: files as given, folders walked recursively in name order. Inside
/// folders, hidden entries (names starting with `.`) and Markdown notes (`*.md`, such as a
/// data set's README) are passed over, with a note on stderr for the latter.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"))
        {
            say!("note: {}: a Markdown note, not read", path.display());
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Pieces smaller than this are not worth a thread of their own.
const PIECE_FROM_BYTES: u64 = 16 << 20;

/// Reads `files` on up to `threads` threads, one loader per file or per piece of a large file
/// (`load::share`), and merges the parts in file order: the result is the same as reading them
/// one after the other.
pub fn load_files(
    files: &[PathBuf],
    options: LoadOptions,
    threads: usize,
    show_progress: bool,
) -> Result<Loaded> {
    let sizes: Vec<Option<u64>> = files
        .iter()
        .map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
        .collect();
    let total: u64 = sizes.iter().flatten().sum();
    let plan = share::plan(
        &files
            .iter()
            .zip(&sizes)
            .map(|(p, s)| (s.unwrap_or(0), share::may_split(&p.to_string_lossy())))
            .collect::<Vec<_>>(),
        threads,
        PIECE_FROM_BYTES,
    );
    // Largest first, taken by whichever thread is free.
    let mut queue: Vec<InputPiece> = plan.shares.concat();
    queue.sort_by_key(|u| {
        let size = sizes[u.input].unwrap_or(0) / u64::from(u.piece.of);
        (std::cmp::Reverse(size), u.input, u.piece.index)
    });
    let done = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let progress = Mutex::new(output::Progress::new(
        &format!("{} files", files.len()),
        Some(total),
        show_progress,
    ));
    let parts: Vec<Vec<Mutex<Option<Part>>>> = plan
        .pieces
        .iter()
        .map(|&of| (0..of).map(|_| Mutex::new(None)).collect())
        .collect();
    let read = |at: InputPiece| {
        let path = &files[at.input];
        // A file that cannot be opened is reported like one that cannot be read (an error
        // line, exit status 1); the other files are still analysed.
        let name = path.display().to_string();
        let mut last = 0u64;
        let mut on_progress = |bytes: u64| {
            let step = bytes.saturating_sub(last);
            let sum = done.fetch_add(step, Ordering::Relaxed) + step;
            last = bytes.max(last);
            if let Ok(mut p) = progress.try_lock() {
                p.update(sum.min(total));
            }
            true
        };
        let size = sizes[at.input];
        let mut loader = Loader::new(options);
        let part = match std::fs::File::open(path) {
            Ok(file) if at.piece.of > 1 => loader.read_piece(
                &name,
                size.unwrap_or(0),
                &mut SeekReader(file),
                at.piece,
                &mut on_progress,
            ),
            Ok(file) => loader
                .add_input(&name, size, file, &mut on_progress)
                .map(|()| loader.into_part()),
            Err(e) => loader
                .add_input(&name, size, Unopened(Some(e)), &mut on_progress)
                .map(|()| loader.into_part()),
        };
        // Only a cancel ends a read without a part, and nothing here cancels.
        let part = part.unwrap_or_else(|_| Loader::new(options).into_part());
        *parts[at.input][at.piece.index as usize]
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(part);
    };
    let worker = || {
        while let Some(&at) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
            read(at);
        }
    };
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, queue.len().max(1)) {
            s.spawn(worker);
        }
    });
    progress
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .done();
    let mut ordered = Vec::with_capacity(files.len());
    for slot in parts.into_iter().flatten() {
        let part = slot
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .expect("every file was taken by a worker");
        ordered.push(part);
    }
    Ok(Loaded::from_parts(ordered))
}

/// A file that could not be opened, read as a stream that fails at once with why.
struct Unopened(Option<std::io::Error>);

impl std::io::Read for Unopened {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}
