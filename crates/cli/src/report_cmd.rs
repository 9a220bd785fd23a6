//! `copyexec report`: the chains as one self-contained HTML file to hand over.
//!
//! The same analysis as `copyexec chains --format json`, rendered by `copyexec-report` (the
//! crate the browser app's **Export report** calls too), with each input's size and SHA-256
//! for the chain of custody. The creation time comes from the clock, or from
//! `COPYEXEC_REPORT_TIME` so that tests and reproducible builds can compare bytes.

use crate::{exit_code, output, Common};
use anyhow::{Context, Result};
use clap::Args;
use copyexec_report::{
    chains_csv, detailed_chains, render, rfc3339_utc, sha256_hex, InputMeta, ReportMeta,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Environment variable that fixes the report's creation time (any text, written as given).
pub const TIME_ENV: &str = "COPYEXEC_REPORT_TIME";

/// Options of `copyexec report`.
#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// Where to write the HTML report (`-` for standard output).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Title shown at the top of the report.
    #[arg(long, default_value = "")]
    title: String,
    /// Analyst notes shown under the title (plain text; line breaks are kept).
    #[arg(long, default_value = "")]
    notes: String,
    /// Also list near misses: programs copied over SMB that did not complete a chain.
    #[arg(long)]
    near_misses: bool,
    /// Leave out the full original rows of the events (their key values stay): a smaller
    /// report, as `chains --no-evidence` gives a smaller document.
    #[arg(long)]
    no_evidence: bool,
    /// Also write the chains as CSV that is safe to open in a spreadsheet.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

/// Runs `copyexec report`.
pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let common = &args.common;
    let mut analysis = crate::analysis::analyse(common, args.near_misses)?;
    // Full evidence for the chains the report details (the rare groups, up to its cap).
    let ids = detailed_chains(&analysis.engine.results().story.groups);
    if !args.no_evidence {
        analysis.evidence(Some(&ids));
    }
    let doc = analysis.engine.document_with(Some(&ids));
    let files = &analysis.files;
    let mut input_meta = Vec::with_capacity(files.len());
    for (path, input) in files.iter().zip(&doc.inputs) {
        let (size, sha256) = fingerprint(path)?;
        if input.size.is_some_and(|s| s != size) {
            say!(
                "warning: {}: changed while it was analysed ({} bytes read, {size} bytes hashed)",
                output::visible(&input.name),
                input.size.unwrap_or_default()
            );
        }
        input_meta.push(InputMeta {
            name: input.name.clone(),
            size,
            sha256,
        });
    }
    let meta = ReportMeta {
        title: args.title.clone(),
        notes: args.notes.clone(),
        created: creation_time(),
        inputs: input_meta,
    };
    let html = render(&doc, &meta);
    write_out(&args.output, html.as_bytes())?;
    if let Some(csv) = &args.csv {
        write_out(csv, chains_csv(&doc).as_bytes())?;
    }
    if !common.quiet {
        say!(
            "report: {} chain(s), {} bytes, written to {}",
            doc.chains.len(),
            html.len(),
            output::visible(&args.output.display().to_string())
        );
    }
    Ok(exit_code(analysis.engine.data()))
}

/// Size and SHA-256 of a file as it is now.
fn fingerprint(path: &Path) -> Result<(u64, String)> {
    let file = std::fs::File::open(path).with_context(|| format!("hashing {}", path.display()))?;
    let size = file.metadata()?.len();
    let hash = sha256_hex(std::io::BufReader::new(file))
        .with_context(|| format!("hashing {}", path.display()))?;
    Ok((size, hash))
}

fn creation_time() -> String {
    match std::env::var(TIME_ENV) {
        Ok(t) => t,
        Err(_) => {
            let secs = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            rfc3339_utc(secs)
        }
    }
}

fn write_out(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
