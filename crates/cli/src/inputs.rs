//! Paths given on the command line → files, and evidence read back from them.

use anyhow::{Context, Result};
use copyexec_core::chains::Chain;
use copyexec_core::near_miss::NearMiss;
use copyexec_core::Dataset;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
            eprintln!("note: {}: a Markdown note, not read", path.display());
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the full original rows of the chains' events from `files` and attaches them.
/// A file that cannot be read again leaves its events without fields and says so.
pub fn read_evidence(
    data: &Dataset,
    files: &[PathBuf],
    chains: &mut [Chain],
    near: &mut [NearMiss],
) {
    let mut rows = HashMap::new();
    for req in data.evidence_requests(chains, near) {
        let path = &files[req.input as usize];
        let result = std::fs::File::open(path).and_then(|f| data.read_evidence(&req, Box::new(f)));
        match result {
            Ok(found) => rows.extend(found),
            Err(e) => eprintln!(
                "warning: {}: could not read the evidence rows again: {e}",
                path.display()
            ),
        }
    }
    data.attach_evidence(chains, near, &rows);
}
