//! What the CLI prints for people: progress, per-file summaries, diagnostics, chain tables.
//!
//! Log values are attacker-controlled; anything printed for a terminal goes through
//! [`visible`], so an escape sequence in a file name cannot rewrite the screen.

use copyexec_core::chains::{Chain, Event};
use copyexec_core::diag::Severity;
use copyexec_core::document::{AllowlistReport, MissingTable};
use copyexec_core::load::Format;
use copyexec_core::near_miss::NearMiss;
use copyexec_core::time::TICKS_PER_SECOND;
use copyexec_core::ChainsDocument;
use copyexec_core::Dataset;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Control and invisible characters shown as `\u{…}` escapes.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let invisible = c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
        if invisible {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// A one-line progress display on stderr.
pub struct Progress {
    name: String,
    size: Option<u64>,
    enabled: bool,
    last: u64,
}

impl Progress {
    pub fn new(name: &str, size: Option<u64>, enabled: bool) -> Self {
        Progress {
            name: visible(name),
            size,
            enabled,
            last: 0,
        }
    }

    pub fn update(&mut self, bytes: u64) {
        if !self.enabled || bytes < self.last + (4 << 20) {
            return;
        }
        self.last = bytes;
        match self.size {
            Some(total) if total > 0 => say_inline(format_args!(
                "\r\x1b[Kreading {} {:>3}% ({} of {} MB)",
                self.name,
                bytes * 100 / total,
                bytes >> 20,
                total >> 20
            )),
            _ => say_inline(format_args!(
                "\r\x1b[Kreading {} {} MB",
                self.name,
                bytes >> 20
            )),
        }
    }

    pub fn done(&mut self) {
        if self.enabled && self.last > 0 {
            say_inline(format_args!("\r\x1b[K"));
        }
    }
}

/// Progress text on stderr, dropped when stderr is gone.
fn say_inline(args: std::fmt::Arguments<'_>) {
    let _ = io::stderr().write_fmt(args);
}

/// Per-stream summary (unless quiet) and every diagnostic, on stderr.
pub fn print_diagnostics(data: &Dataset, quiet: bool) {
    let mut err = io::stderr().lock();
    for r in data.reports() {
        if !quiet {
            let windows_log = matches!(r.format, Some(Format::Evtx | Format::WindowsEventJson));
            let tables: Vec<String> = r
                .tables
                .iter()
                .map(|(t, s)| {
                    let skipped: u64 = s.skipped.values().sum();
                    let mut line = if windows_log {
                        format!("{} events: {}, {} usable", t.step(), s.read, s.used)
                    } else {
                        format!("{t}: {} rows, {} usable", s.read, s.used)
                    };
                    if skipped > 0 {
                        let _ = write!(line, ", {skipped} skipped");
                    }
                    line
                })
                .collect();
            let format = r.format.map(|f| f.describe()).unwrap_or("not recognised");
            let _ = writeln!(err, "{}: {format}; {}", visible(&r.name), tables.join("; "));
            if !r.timestamps.zone.is_empty() {
                let mut ts = format!("  timestamps: time zone {}", r.timestamps.zone);
                if let Some(res) = &r.timestamps.resolution {
                    let _ = write!(ts, ", resolution {res}");
                }
                if let Some(order) = &r.timestamps.date_order {
                    let _ = write!(ts, ", {order}");
                }
                let _ = writeln!(err, "{ts}");
            }
            // Read, but nothing of the hunt in it (an EVTX System log): worth knowing, no failure.
            if let (Some(why), false) = (&r.skipped, r.read_failed()) {
                let _ = writeln!(err, "note: {}: {}", visible(&r.name), visible(why));
            }
            if !r.other_tables.is_empty() {
                let total: u64 = r.other_tables.values().sum();
                let what: Vec<String> = r
                    .other_tables
                    .iter()
                    .map(|(k, n)| format!("{} ×{n}", visible(k)))
                    .collect();
                let _ = writeln!(
                    err,
                    "  not used by this hunt: {total} ({})",
                    what.join(", ")
                );
            }
        }
        for d in &r.diagnostics.items {
            if quiet && d.severity == Severity::Info {
                continue;
            }
            let _ = writeln!(err, "{}", visible(&d.to_string()));
        }
        for (kind, n) in &r.diagnostics.suppressed {
            let _ = writeln!(
                err,
                "  … and {n} more {kind} problems in {}",
                visible(&r.name)
            );
        }
    }
    for t in data.missing_tables() {
        let _ = writeln!(err, "warning: {}", MissingTable::new(t).message);
    }
}

fn offset(ticks: i64) -> String {
    let ms = ticks as f64 / (TICKS_PER_SECOND as f64 / 1000.0);
    if ms.abs() >= 1000.0 {
        format!("{:+.3} s", ms / 1000.0)
    } else {
        format!("{ms:+.1} ms")
    }
}

fn key<'a>(e: &'a Event, name: &str) -> &'a str {
    e.key
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Chains as a readable table.
pub fn print_chains(out: &mut impl Write, doc: &ChainsDocument) -> io::Result<()> {
    let t = &doc.totals;
    let (chains, rows) = (&doc.chains, t.query_rows);
    writeln!(
        out,
        "{} chains from {} query rows ({} rows read, {} usable, {} skipped)",
        chains.len(),
        rows,
        t.rows_read,
        t.rows_used,
        t.rows_skipped
    )?;
    for c in chains {
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}  {} ({})",
            c.id,
            c.start.timestamp,
            visible(&c.device_name),
            visible(&c.device_id)
        )?;
        writeln!(out, "    path     {}", visible(&c.folder_path))?;
        if !c.sha256.is_empty() {
            writeln!(out, "    sha256   {}", visible(&c.sha256))?;
        }
        writeln!(
            out,
            "    from     {}  as {}",
            visible(&c.remote_ips.join(", ")),
            visible(&c.accounts.join(", "))
        )?;
        let mut steps: Vec<(i64, String)> = Vec::new();
        for e in &c.connections {
            steps.push((
                e.offset_ticks,
                format!(
                    "connection {} from {}:{}",
                    e.id,
                    key(e, "RemoteIP"),
                    key(e, "RemotePort")
                ),
            ));
        }
        for e in &c.logons {
            steps.push((
                e.offset_ticks,
                format!(
                    "logon {} {}\\{} from {:?}",
                    e.id,
                    key(e, "AccountDomain"),
                    key(e, "AccountName"),
                    key(e, "RemoteIP")
                ),
            ));
        }
        for e in &c.writes {
            steps.push((
                e.offset_ticks,
                format!("write {} {}", e.id, key(e, "ActionType")),
            ));
        }
        steps.push((
            c.start.offset_ticks,
            format!(
                "start {} {}",
                c.start.id,
                key(&c.start, "ProcessCommandLine")
            ),
        ));
        steps.sort_by_key(|s| s.0);
        for (ticks, what) in steps {
            writeln!(out, "    {:>11}  {}", offset(ticks), visible(&what))?;
        }
        for n in &c.notes {
            writeln!(out, "    note: {}", visible(&n.message))?;
        }
        for a in &c.set_aside {
            writeln!(
                out,
                "    set aside: row {} by rule {}",
                a.row.join("/"),
                visible(&a.rule)
            )?;
        }
    }
    Ok(())
}

/// Near misses as a readable list.
pub fn print_near_misses(out: &mut impl Write, near: &[NearMiss]) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "{} near misses (copied over SMB, no complete chain)",
        near.len()
    )?;
    for m in near {
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}  {} ({})",
            m.id,
            m.writes.first().map(|w| w.timestamp.as_str()).unwrap_or(""),
            visible(&m.device_name),
            visible(&m.device_id)
        )?;
        writeln!(out, "    path     {}", visible(&m.folder_path))?;
        writeln!(out, "    missing  {}", m.missing.join(", "))?;
        writeln!(out, "    {}", visible(&m.summary))?;
        for n in &m.notes {
            writeln!(out, "    note: {}", visible(&n.message))?;
        }
    }
    Ok(())
}

/// What the allowlist set aside, on stderr (for `rows`, whose stdout is the CSV).
pub fn print_allowlist_summary(report: &AllowlistReport) {
    say!(
        "allowlist: {} query rows kept, {} set aside",
        report.rows_kept,
        report.rows_set_aside
    );
    for r in &report.rules {
        say!(
            "  rule {} ({}): {} rows set aside: {}",
            visible(&r.id),
            visible(&r.source),
            r.rows_set_aside,
            visible(&r.reason)
        );
    }
}

/// Suppressed chains and each rule's effect.
pub fn print_suppressed(
    out: &mut impl Write,
    report: &AllowlistReport,
    suppressed: &[Chain],
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "{} chains suppressed by the allowlist ({} query rows set aside)",
        suppressed.len(),
        report.rows_set_aside
    )?;
    for r in &report.rules {
        writeln!(
            out,
            "    rule {} ({}): {} rows, {} chains: {}",
            visible(&r.id),
            visible(&r.source),
            r.rows_set_aside,
            r.chains_suppressed,
            visible(&r.reason)
        )?;
    }
    for c in suppressed {
        writeln!(
            out,
            "  {}  {}  {}  {}  by {}",
            c.id,
            c.start.timestamp,
            visible(&c.device_name),
            visible(&c.folder_path),
            visible(&c.suppressed_by.join(", "))
        )?;
    }
    Ok(())
}
