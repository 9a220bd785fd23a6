//! `copyexec groups` and `copyexec spread`: the story model of the core, as text a responder
//! reads top to bottom, as JSON other tools read, and as Graphviz dot.

use crate::output::visible;
use copyexec_core::document::Totals;
use copyexec_core::story::graph::{self, thousands};
use copyexec_core::story::groups::{Group, GROUPS_SCHEMA};
use copyexec_core::story::narrative;
use copyexec_core::story::spread::{Host, HostKind, Spread, SPREAD_SCHEMA};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Says, before any result, that some input could not be read: "0 chains" must never read
/// as an all-clear by accident.
pub fn caveat(out: &mut impl Write, t: &Totals) -> io::Result<()> {
    if t.rows_skipped > 0 || t.streams_skipped > 0 {
        writeln!(
            out,
            "WARNING: {} rows and {} files could not be read (see the messages on stderr): \
             what follows leaves them out.",
            thousands(t.rows_skipped),
            thousands(t.streams_skipped)
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct GroupsDoc<'a> {
    schema: &'static str,
    totals: &'a Totals,
    groups: &'a [Group],
}

/// `copyexec groups --format json`.
pub fn groups_json(out: &mut impl Write, groups: &[Group], totals: &Totals) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &GroupsDoc {
            schema: GROUPS_SCHEMA,
            totals,
            groups,
        },
    )?;
    writeln!(out)
}

fn span(first: &str, last: &str) -> String {
    let short = |t: &str| t.get(..19).unwrap_or(t).replace('T', " ");
    if first == last {
        short(first)
    } else if first.get(..10) == last.get(..10) {
        format!("{} – {}", short(first), short(last).get(11..).unwrap_or(""))
    } else {
        format!("{} – {}", short(first), short(last))
    }
}

fn list(items: &[String], labels: &dyn Fn(&str) -> String, max: usize) -> String {
    let mut s: Vec<String> = items.iter().take(max).map(|i| labels(i)).collect();
    if items.len() > max {
        s.push(format!("… {} more", thousands((items.len() - max) as u64)));
    }
    s.join(", ")
}

/// `copyexec groups` as a table: one line per group, rarest first, then its details.
pub fn groups_table(
    out: &mut impl Write,
    groups: &[Group],
    spread: &Spread,
    totals: &Totals,
) -> io::Result<()> {
    caveat(out, totals)?;
    let kept = groups.iter().filter(|g| !g.suppressed).count();
    writeln!(
        out,
        "{} groups of {} chains, rarest first (fewest targets){}",
        thousands(kept as u64),
        thousands(totals.chains),
        if kept < groups.len() {
            format!("; then {} groups of suppressed chains", groups.len() - kept)
        } else {
            String::new()
        }
    )?;
    let label = |id: &str| visible(spread.label(id));
    for g in groups {
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}{}  {} → {}  {} chains  {}",
            g.id,
            visible(&g.file_name),
            if g.suppressed { "  [suppressed]" } else { "" },
            list(&g.sources, &label, 3),
            if g.targets.len() == 1 {
                label(&g.targets[0])
            } else {
                format!("{} hosts", thousands(g.targets.len() as u64))
            },
            thousands(g.chains.len() as u64),
            span(&g.first, &g.last)
        )?;
        writeln!(
            out,
            "    identity {} {}",
            g.identity.as_str(),
            visible(&g.key)
        )?;
        if g.file_names.len() > 1 {
            writeln!(out, "    names    {}", visible(&g.file_names.join(", ")))?;
        }
        writeln!(
            out,
            "    paths    {}",
            list(&g.folder_paths, &|p| visible(p), 3)
        )?;
        if g.targets.len() > 1 {
            writeln!(out, "    targets  {}", list(&g.targets, &label, 8))?;
        }
        writeln!(
            out,
            "    accounts {}",
            list(&g.accounts, &|a| visible(a), 5)
        )?;
        writeln!(
            out,
            "    chains   {}",
            list(&g.chains, &|c| c.to_string(), 12)
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct SpreadDoc<'a> {
    schema: &'static str,
    totals: &'a Totals,
    #[serde(flatten)]
    spread: &'a Spread,
}

/// `copyexec spread --format json`.
pub fn spread_json(out: &mut impl Write, spread: &Spread, totals: &Totals) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &SpreadDoc {
            schema: SPREAD_SCHEMA,
            totals,
            spread,
        },
    )?;
    writeln!(out)
}

/// `copyexec spread` as a story: each origin, then the hosts it reached in the order it reached
/// them, with the move that did it; fan-outs folded as in the picture.
pub fn spread_table(out: &mut impl Write, spread: &Spread, totals: &Totals) -> io::Result<()> {
    caveat(out, totals)?;
    let g = graph::layout(spread);
    let devices = spread
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Device)
        .count();
    writeln!(
        out,
        "{} origins, {} hosts ({} devices of the data, {} known only by address), {} moves, {} chains",
        thousands(spread.origins.len() as u64),
        thousands(spread.hosts.len() as u64),
        thousands(devices as u64),
        thousands((spread.hosts.len() - devices) as u64),
        thousands(spread.moves.len() as u64),
        thousands(totals.chains)
    )?;
    let label = |id: &str| visible(spread.label(id));
    for story in narrative::tell(spread, &g) {
        let Some(host) = spread.host(&story.origin) else {
            continue;
        };
        writeln!(out)?;
        writeln!(
            out,
            "origin {}  ({})",
            label(&story.origin),
            describe_host(host)
        )?;
        for step in &story.steps {
            let to = if step.hosts == 1 {
                label(&step.to[0])
            } else {
                format!(
                    "{} hosts ({}{})",
                    thousands(step.hosts as u64),
                    step.to
                        .iter()
                        .map(|h| label(h))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if step.hosts > step.to.len() {
                        ", …"
                    } else {
                        ""
                    }
                )
            };
            writeln!(
                out,
                "  {}  {} → {}  {} chains  {}  as {}{}",
                span(&step.at, &step.until),
                label(&step.from),
                to,
                thousands(step.chains as u64),
                visible(&step.files.join(", ")),
                visible(&step.accounts.join(", ")),
                if step.also_origin {
                    "  (also an origin)"
                } else {
                    ""
                }
            )?;
        }
    }
    for n in &spread.notes {
        writeln!(out)?;
        writeln!(
            out,
            "note: {} (chains {})",
            visible(&n.message),
            list(&n.chains, &|c| c.to_string(), 8)
        )?;
    }
    Ok(())
}

fn describe_host(h: &Host) -> String {
    let how: Vec<&str> = h.resolved.iter().map(|r| r.describe()).collect();
    match h.kind {
        HostKind::Device => format!(
            "device {}{}; {}",
            visible(h.device_id.as_deref().unwrap_or("")),
            if h.addresses.is_empty() {
                String::new()
            } else {
                format!(", {}", visible(&h.addresses.join(", ")))
            },
            how.join(", ")
        ),
        HostKind::External => format!(
            "not a device of the data{}",
            if h.names.is_empty() {
                String::new()
            } else {
                format!("; logons name it {}", visible(&h.names.join(", ")))
            }
        ),
    }
}

/// A DOT string literal.
fn dot_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `copyexec spread --format dot`: the folded picture for Graphviz, time left to right.
pub fn spread_dot(out: &mut impl Write, spread: &Spread) -> io::Result<()> {
    let g = graph::layout(spread);
    writeln!(out, "digraph copyexec_spread {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, fontname=\"Helvetica\"];")?;
    for n in &g.nodes {
        let mut attrs = vec![format!("label={}", dot_str(&n.label))];
        if n.origin {
            attrs.push("style=\"filled,bold\"".into());
            attrs.push("fillcolor=\"#fde2e1\"".into());
        } else if n.hosts.len() > 1 {
            attrs.push("shape=box3d".into());
        } else if n.external {
            attrs.push("style=dashed".into());
        }
        writeln!(out, "  {} [{}];", dot_str(&n.id), attrs.join(", "))?;
    }
    let mut by_column: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for n in &g.nodes {
        by_column.entry(n.column).or_default().push(&n.id);
    }
    for ids in by_column.values() {
        let list: Vec<String> = ids.iter().map(|i| dot_str(i)).collect();
        writeln!(out, "  {{ rank=same; {} }}", list.join("; "))?;
    }
    for e in &g.edges {
        let label = format!(
            "{}\n{} chain{}",
            span(&e.first, &e.last),
            thousands(e.chains as u64),
            if e.chains == 1 { "" } else { "s" }
        );
        writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_str(&e.from),
            dot_str(&e.to),
            dot_str(&label)
        )?;
    }
    if g.hidden_hosts > 0 {
        writeln!(
            out,
            "  hidden [shape=note, label={}];",
            dot_str(&format!(
                "{} more hosts not drawn (see --format json)",
                thousands(g.hidden_hosts as u64)
            ))
        )?;
    }
    writeln!(out, "}}")
}
