//! The one analysis behind `chains` and `report`: load, run the query, apply the allowlist,
//! group chains, find near misses, read evidence, and assemble the chains document.

use crate::{inputs, load, output, Common};
use anyhow::Result;
use copyexec_core::{ChainsDocument, Dataset};
use std::path::PathBuf;

/// A finished analysis.
pub struct Analysis {
    /// The loaded data.
    pub data: Dataset,
    /// The files read, in input order.
    pub files: Vec<PathBuf>,
    /// The document `chains --format json` prints and reports embed.
    pub doc: ChainsDocument,
}

/// Runs the analysis `common` describes.
pub fn analyse(common: &Common, near_misses: bool, evidence: bool) -> Result<Analysis> {
    let allowlist = common.rules.load()?;
    let (data, files) = load(common)?;
    output::print_diagnostics(&data, common.quiet);
    let rows = data.rows(common.tolerance);
    let filtered = data.apply_allowlist(&rows, &allowlist);
    let (mut chains, mut suppressed) =
        data.chains_with_allowlist(&filtered, &allowlist, common.tolerance);
    let mut near = if near_misses {
        data.near_misses(&rows, common.tolerance)
    } else {
        Vec::new()
    };
    if evidence {
        inputs::read_evidence(&data, &files, &mut chains, &mut near);
        inputs::read_evidence(&data, &files, &mut suppressed, &mut []);
    }
    let report =
        (!allowlist.is_empty()).then(|| data.allowlist_report(&allowlist, &filtered, &suppressed));
    let mut doc = data.document(common.tolerance, filtered.kept.len(), chains, near);
    doc.allowlist = report;
    doc.suppressed_chains = suppressed;
    Ok(Analysis { data, files, doc })
}
