//! The CLI's side of the core's one pipeline ([`Engine`]): read the files, hand them to the
//! engine, and read evidence back from the same files.

use crate::{load, output, Common};
use anyhow::Result;
use copyexec_core::engine::{EvidenceSource, Settings};
use copyexec_core::evidence::{ReadAt, SeekReader};
use copyexec_core::Engine;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;

/// A loaded, analysed data set and the files it came from.
pub struct Analysis {
    /// The engine holding the data and the results.
    pub engine: Engine,
    /// The files read, in input order.
    pub files: Vec<PathBuf>,
}

/// Loads what `common` names and analyses it, once (without evidence: see
/// [`Analysis::evidence`]).
pub fn analyse(common: &Common, near_misses: bool) -> Result<Analysis> {
    start(common, near_misses, Engine::once)
}

/// Loads what `common` names and runs only the query and the allowlist (`copyexec rows`):
/// no chains or story are built, so they take no memory.
pub fn analyse_rows(common: &Common) -> Result<Analysis> {
    start(common, false, Engine::rows_only)
}

fn start(
    common: &Common,
    near_misses: bool,
    engine: fn(copyexec_core::Dataset, Settings) -> Engine,
) -> Result<Analysis> {
    let allowlist = common.rules.load()?;
    let (data, files) = load(common)?;
    output::print_diagnostics(&data, common.quiet);
    let engine = engine(
        data,
        Settings {
            tolerance_seconds: common.tolerance,
            allowlist,
            near_misses,
        },
    );
    Ok(Analysis { engine, files })
}

impl Analysis {
    /// Reads the evidence of the chains `ids` (every chain for `None`) and of the near misses
    /// from the files again; a file that cannot be read is named on stderr.
    pub fn evidence(&mut self, ids: Option<&[String]>) {
        let before = self.engine.evidence_errors().len();
        self.engine
            .read_evidence(ids, true, &mut Files(&self.files));
        for e in &self.engine.evidence_errors()[before..] {
            eprintln!("warning: {}", output::visible(e));
        }
    }
}

/// The input files, opened again for evidence.
struct Files<'a>(&'a [PathBuf]);

impl Files<'_> {
    fn file(&self, input: u32) -> io::Result<std::fs::File> {
        let path = self
            .0
            .get(input as usize)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no input {input}")))?;
        std::fs::File::open(path)
    }
}

impl EvidenceSource for Files<'_> {
    fn open_at(&mut self, input: u32) -> io::Result<Box<dyn ReadAt + '_>> {
        Ok(Box::new(SeekReader(BufReader::new(self.file(input)?))))
    }

    fn open(&mut self, input: u32) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(BufReader::new(self.file(input)?)))
    }
}
