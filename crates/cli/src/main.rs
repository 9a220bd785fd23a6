//! `copyexec`: the "File Copy and Execution" hunt on exported Defender data, from a terminal.

/// `eprintln!` that never panics: with stderr closed (`2>&1 | head`) a message is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod analysis;
mod inputs;
mod output;
mod report_cmd;
mod story;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use copyexec_core::allowlist::presets::{preset, PRESETS};
use copyexec_core::allowlist::{kql, Allowlist};
use copyexec_core::load::LoadOptions;
use copyexec_core::time::{parse_offset, DateOrder};
use copyexec_core::{Dataset, DEFAULT_TOLERANCE_SECONDS};
use copyexec_report::{navigator_layer, write_timesketch_csv, write_timesketch_jsonl};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Did someone copy a program onto a device over SMB and run it?
///
/// Reads Defender for Endpoint exports (portal CSV, Sentinel CSV, Advanced Hunting API JSON,
/// Streaming API JSON, device timeline CSV; plain, .gz or .zip) of DeviceNetworkEvents, DeviceLogonEvents,
/// DeviceFileEvents and DeviceProcessEvents, and reproduces Microsoft's hunting query
/// "File Copy and Execution" row for row; and runs the same hunt on Windows Security and
/// Sysmon logs (EVTX or JSON lines) of hosts without Defender. Nothing leaves the machine.
#[derive(Parser)]
#[command(name = "copyexec", version, max_term_width = 100, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The exit status rules, shown by `--help` (the README says the same).
const EXIT_STATUS: &str = "\
Exit status:
  0  every input was read (a readable file holding no event of the hunt, such as an EVTX
     System log, is a note in the summary, not a failure); also when the reader of the output
     goes away (a closed pipe, `| head`)
  1  some input could not be read, or was read only in part (each is named on an `error:` line);
     the rest was analysed and printed
  2  usage error: a bad option, a path that does not exist, a bad allowlist file";

#[derive(Subcommand)]
enum Command {
    /// Print the query's result rows as CSV (the exact rows the KQL engine returns).
    Rows(Common),
    /// Write the chains as one self-contained HTML report (inline SVG timelines, all the
    /// evidence, chain of custody of the inputs) that opens anywhere without a network.
    Report(report_cmd::ReportArgs),
    /// Group the rows into copy→execute chains, with the evidence of each step.
    Chains {
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ChainFormat::Table)]
        format: ChainFormat,
        /// Do not read the full original rows of the chains' events again.
        #[arg(long)]
        no_evidence: bool,
        /// Also list near misses: programs copied over SMB that did not complete a chain
        /// (never run, run without a logon, or with no connection logged).
        #[arg(long)]
        near_misses: bool,
    },
    /// Stack the chains by file (SHA256, else SHA1, else MD5, else name), rarest first: the
    /// odd file among the routine ones leads.
    Groups {
        #[command(flatten)]
        common: Common,
        /// Output format.
        #[arg(long, value_enum, default_value_t = StoryFormat::Table)]
        format: StoryFormat,
    },
    /// Tell where it started and where it went: hosts, moves between them, origins, and the
    /// hosts each origin reached along moves whose times increase.
    Spread {
        #[command(flatten)]
        common: Common,
        /// Output format (`dot` renders with Graphviz: `dot -Tsvg`).
        #[arg(long, value_enum, default_value_t = SpreadFormat::Table)]
        format: SpreadFormat,
    },
    /// Print the query with the tolerance and allowlist applied, to run in Sentinel, Defender
    /// XDR Advanced Hunting or Azure Data Explorer when the data outgrows a laptop.
    Kql {
        /// `ToleranceInSeconds`.
        #[arg(long, default_value_t = DEFAULT_TOLERANCE_SECONDS, value_parser = tolerance)]
        tolerance: i64,
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// List the allowlist presets for the seed's false-positive scenarios.
    Presets,
}

#[derive(Args)]
struct Common {
    /// Files or folders (read recursively) of exports.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The query's `ToleranceInSeconds`: every step must fall within this many seconds after
    /// the inbound connection.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE_SECONDS, value_parser = tolerance)]
    tolerance: i64,
    /// Time zone of timestamps written without one (the portal exports in the zone of its
    /// settings and does not say which): `UTC`, `+02:00`, `-0530`.
    #[arg(long, default_value = "UTC", value_parser = offset, allow_hyphen_values = true)]
    timezone: i32,
    /// Day/month order of numeric dates such as 05/12/2024; `auto` infers it per file and
    /// refuses to guess when the file does not tell.
    #[arg(long, value_enum, default_value_t = OrderArg::Auto)]
    date_order: OrderArg,
    /// No progress and no per-file summary on stderr (diagnostics are still printed).
    #[arg(long, short)]
    quiet: bool,
    /// Files, or pieces of a large CSV or JSON-lines file, read at once (default: one per
    /// CPU). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(usize))]
    threads: Option<usize>,
    #[command(flatten)]
    rules: RuleArgs,
}

/// Allowlists: rows they match are set aside, never hidden (chains lists them apart).
#[derive(Args, Default)]
struct RuleArgs {
    /// A TOML file of allowlist rules (repeatable).
    #[arg(long = "allowlist", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A built-in preset by name (repeatable; see `copyexec presets`).
    #[arg(long = "preset", value_name = "NAME")]
    presets: Vec<String>,
}

impl RuleArgs {
    fn load(&self) -> Result<Allowlist> {
        let mut list = Allowlist::default();
        for name in &self.presets {
            let text = preset(name)
                .with_context(|| format!("no preset named {name:?} (see `copyexec presets`)"))?;
            list.add_toml(&format!("preset {name}"), text)?;
        }
        for path in &self.files {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            list.add_toml(&path.display().to_string(), &text)?;
        }
        Ok(list)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum OrderArg {
    Auto,
    Mdy,
    Dmy,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ChainFormat {
    /// Readable text.
    Table,
    /// The chains document (docs/chains-schema.md).
    Json,
    /// Timesketch JSON lines: one flat event per connection, logon, write and start (save
    /// as `.jsonl`).
    Timesketch,
    /// The same events as Timesketch CSV, spreadsheet-safe (save as `.csv`).
    TimesketchCsv,
    /// An ATT&CK Navigator layer (format 4.5) of the techniques the chains show.
    Navigator,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum StoryFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SpreadFormat {
    Table,
    Json,
    Dot,
}

fn tolerance(s: &str) -> Result<i64, String> {
    let v: i64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of seconds"))?;
    if !(0..=86_400 * 366).contains(&v) {
        return Err("must be between 0 and 31622400 seconds".into());
    }
    Ok(v)
}

fn offset(s: &str) -> Result<i32, String> {
    parse_offset(s).ok_or_else(|| format!("{s:?} is not a UTC offset such as UTC, +02:00 or -0530"))
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            say!("copyexec: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the output's reader went away, however deep the error is wrapped: in anyhow's
/// context, in an `io::Error` holding another error (the CSV writer's), or in a source chain.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    fn walk(e: &(dyn std::error::Error + 'static)) -> bool {
        // Neither the csv nor the serde_json error exposes its I/O error as a source.
        if let Some(json) = e.downcast_ref::<serde_json::Error>() {
            return json.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
        }
        if let Some(csv::ErrorKind::Io(io)) = e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            return walk(io);
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::BrokenPipe {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                if walk(inner) {
                    return true;
                }
            }
        }
        e.source().is_some_and(walk)
    }
    e.chain().any(walk)
}

fn load(common: &Common) -> Result<(Dataset, Vec<PathBuf>)> {
    let files = inputs::expand(&common.paths)?;
    if files.is_empty() {
        bail!("no files found under the given paths");
    }
    let options = LoadOptions {
        offset_minutes: common.timezone,
        date_order: match common.date_order {
            OrderArg::Auto => DateOrder::Auto,
            OrderArg::Mdy => DateOrder::Mdy,
            OrderArg::Dmy => DateOrder::Dmy,
        },
    };
    let show_progress = !common.quiet && io::stderr().is_terminal();
    let threads = common
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let loaded = inputs::load_files(&files, options, threads, show_progress)?;
    Ok((Dataset::new(loaded), files))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Rows(common) => {
            let analysis::Analysis { engine, .. } = analysis::analyse_rows(&common)?;
            if let Some(report) = &engine.results().allowlist {
                output::print_allowlist_summary(report);
            }
            let mut out = io::BufWriter::new(io::stdout().lock());
            engine.write_rows_csv(&mut out)?;
            out.flush()?;
            Ok(exit_code(engine.data()))
        }
        Command::Chains {
            common,
            format,
            no_evidence,
            near_misses,
        } => {
            let mut analysis = analysis::analyse(&common, near_misses)?;
            if !no_evidence {
                analysis.evidence(None);
            }
            let code = exit_code(analysis.engine.data());
            // The document takes the chains over and the events go: a large input's chains
            // are not held twice, nor beside its events while they are written.
            let doc = analysis.engine.into_document();
            let mut out = io::BufWriter::new(io::stdout().lock());
            match format {
                ChainFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &doc)?;
                    writeln!(out)?;
                }
                ChainFormat::Timesketch => write_timesketch_jsonl(&doc, &mut out)?,
                ChainFormat::TimesketchCsv => write_timesketch_csv(&doc, &mut out)?,
                ChainFormat::Navigator => out.write_all(navigator_layer(&doc).as_bytes())?,
                ChainFormat::Table => {
                    story::caveat(&mut out, &doc.totals)?;
                    output::print_chains(&mut out, &doc)?;
                    if let Some(report) = &doc.allowlist {
                        output::print_suppressed(&mut out, report, &doc.suppressed_chains)?;
                    }
                    if near_misses {
                        output::print_near_misses(&mut out, &doc.near_misses)?;
                    }
                }
            }
            out.flush()?;
            Ok(code)
        }
        Command::Groups { common, format } => {
            let analysis::Analysis { engine, .. } = analysis::analyse(&common, false)?;
            let story = &engine.results().story;
            let totals = engine.totals();
            let mut out = io::BufWriter::new(io::stdout().lock());
            match format {
                StoryFormat::Json => story::groups_json(&mut out, &story.groups, &totals)?,
                StoryFormat::Table => {
                    story::groups_table(&mut out, &story.groups, &story.spread, &totals)?
                }
            }
            out.flush()?;
            Ok(exit_code(engine.data()))
        }
        Command::Spread { common, format } => {
            let analysis::Analysis { engine, .. } = analysis::analyse(&common, false)?;
            let spread = &engine.results().story.spread;
            let totals = engine.totals();
            let mut out = io::BufWriter::new(io::stdout().lock());
            match format {
                SpreadFormat::Json => story::spread_json(&mut out, spread, &totals)?,
                SpreadFormat::Table => story::spread_table(&mut out, spread, &totals)?,
                SpreadFormat::Dot => story::spread_dot(&mut out, spread)?,
            }
            out.flush()?;
            Ok(exit_code(engine.data()))
        }
        Command::Report(args) => report_cmd::run(args),
        Command::Kql { tolerance, rules } => {
            let mut out = io::stdout().lock();
            write!(out, "{}", kql::render(tolerance, &rules.load()?))?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Presets => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            for (name, text) in PRESETS {
                let mut list = Allowlist::default();
                list.add_toml(name, text)?;
                let title = text
                    .lines()
                    .find_map(|l| l.strip_prefix("name = "))
                    .unwrap_or("")
                    .trim_matches('"');
                writeln!(out, "{}  {title}", name.trim_end_matches(".toml"))?;
                for r in &list.rules {
                    writeln!(out, "    {}: {}", r.rule.id, r.rule.reason)?;
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// 0 when every input was read, 1 when some input could not be read (in whole or in part): an
/// error diagnostic names each. A readable stream holding nothing the hunt reads is a note.
fn exit_code(data: &Dataset) -> ExitCode {
    if data.reports().iter().any(|r| r.read_failed()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
