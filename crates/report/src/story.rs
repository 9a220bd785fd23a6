//! The story the report leads with: the spread as a picture (origins and paths standing out,
//! fan-outs folded), then the groups rarest first. Which chains get their full timeline and
//! evidence is decided here too: the chains of the rarest groups, up to [`DETAIL_CAP`].

use crate::text::{short, thousands, Cell, Html, Svg};
use copyexec_core::story::graph::{self, Graph};
use copyexec_core::story::groups::Group;
use copyexec_core::story::narrative;
use copyexec_core::story::spread::{HostKind, Spread};
use copyexec_core::ChainsDocument;
use std::collections::BTreeMap;
use std::fmt::Write as _;

macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{ let _ = write!($out, $($arg)*); }};
}

/// Chains shown with their full timeline and evidence, at most; every other chain gets a row.
pub const DETAIL_CAP: usize = 100;
/// Chains of one group shown in full, at most, so the cap reaches more groups.
pub const DETAIL_PER_GROUP: usize = 10;

/// The chains a report shows in full: group by group, rarest first (suppressed groups last),
/// up to [`DETAIL_PER_GROUP`] of each and [`DETAIL_CAP`] in all.
pub fn detailed_chains(groups: &[Group]) -> Vec<String> {
    let mut out = Vec::new();
    for g in groups {
        for c in g.chains.iter().take(DETAIL_PER_GROUP) {
            if out.len() == DETAIL_CAP {
                return out;
            }
            out.push(c.clone());
        }
    }
    out
}

/// The chains `doc` shows in full: [`detailed_chains`] of its groups, or the first
/// [`DETAIL_CAP`] chains of a document without groups.
pub fn detailed(doc: &ChainsDocument) -> Vec<String> {
    if doc.groups.is_empty() {
        return doc
            .chains
            .iter()
            .chain(&doc.suppressed_chains)
            .take(DETAIL_CAP)
            .map(|c| c.id.clone())
            .collect();
    }
    detailed_chains(&doc.groups)
}

/// The story section: spread figure and groups table.
pub fn section(out: &mut String, doc: &ChainsDocument, anchors: &BTreeMap<&str, usize>) {
    let s = &doc.spread;
    out.push_str("<section id=\"story\"><h2>Where it started and where it went</h2>\n");
    if doc.chains.is_empty() {
        out.push_str("<p class=\"empty\">No chain, so no move between hosts.</p>\n");
    } else {
        let g = graph::layout(s);
        w!(
            out,
            "<p>{}: {} ({}); {} between {} hosts. A host is reached from an origin only along moves whose times increase; fan-outs of {} or more hosts that went nowhere else are folded into one box.</p>\n",
            plural(s.origins.len(), "origin", "origins"),
            origins_text(s),
            "hosts with a move out before any move in",
            plural(s.moves.len(), "move", "moves"),
            thousands(s.hosts.len() as u64),
            graph::FOLD_AT
        );
        out.push_str("<figure class=\"figure\" data-testid=\"spread-graph\">");
        spread_svg(out, &g);
        out.push_str("<figcaption>Time runs left to right: origins (red) on the left, each host one step right of the host that first reached it; dashed boxes are sources known only by their address; stacked boxes are folded fan-outs.</figcaption></figure>\n");
        paths(out, s, &g);
        if g.hidden_hosts > 0 {
            w!(
                out,
                "<p class=\"small\">{} more hosts are not drawn; the groups and chains below list them all.</p>\n",
                thousands(g.hidden_hosts as u64)
            );
        }
        for n in &s.notes {
            w!(
                out,
                "<div class=\"callout\"><p>{} (chains {})</p></div>\n",
                Html(&n.message),
                Html(&short(&n.chains.join(", "), 300))
            );
        }
    }
    groups_table(out, doc, anchors);
    out.push_str("</section>\n");
}

/// Origins told in full at most, and steps of each.
const ORIGINS_TOLD: usize = 40;
const STEPS_TOLD: usize = 30;

/// Each origin and the hosts it reached, in the order its paths reached them.
fn paths(out: &mut String, s: &Spread, g: &Graph) {
    let stories = narrative::tell(s, g);
    out.push_str("<h3 id=\"paths\">Paths from each origin</h3>\n<ol class=\"paths\">\n");
    for story in stories.iter().take(ORIGINS_TOLD) {
        let kind = match s.host(&story.origin).map(|h| h.kind) {
            Some(HostKind::External) => "not a device of these inputs",
            _ => "a device of these inputs",
        };
        w!(
            out,
            "<li><b>{}</b> <span class=\"small\">({kind})</span><ul>",
            Html(s.label(&story.origin))
        );
        for step in story.steps.iter().take(STEPS_TOLD) {
            let to = if step.hosts == 1 {
                format!("<b>{}</b>", Html(s.label(&step.to[0])))
            } else {
                format!(
                    "<b>{} hosts</b> ({}{})",
                    thousands(step.hosts as u64),
                    Html(
                        &step
                            .to
                            .iter()
                            .map(|h| s.label(h))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    if step.hosts > step.to.len() {
                        ", …"
                    } else {
                        ""
                    }
                )
            };
            w!(
                out,
                "<li><span class=\"nowrap\">{}</span> {} → {} · {} · <code class=\"v\">{}</code> · {}{}</li>",
                Html(&span(&step.at, &step.until)),
                Html(s.label(&step.from)),
                to,
                plural(step.chains, "chain", "chains"),
                Cell(&short(&step.files.join(", "), 200)),
                Cell(&short(&step.accounts.join(", "), 200)),
                if step.also_origin { " <span class=\"flag\">also an origin</span>" } else { "" }
            );
        }
        if story.steps.len() > STEPS_TOLD {
            w!(
                out,
                "<li class=\"small\">… and {} more steps (see <code>copyexec spread</code>)</li>",
                thousands((story.steps.len() - STEPS_TOLD) as u64)
            );
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ol>\n");
    if stories.len() > ORIGINS_TOLD {
        w!(
            out,
            "<p class=\"small\">… and {} more origins (see <code>copyexec spread</code>).</p>\n",
            thousands((stories.len() - ORIGINS_TOLD) as u64)
        );
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

fn origins_text(s: &Spread) -> String {
    let mut names: Vec<String> = s
        .origins
        .iter()
        .take(6)
        .map(|o| format!("<b>{}</b>", Html(s.label(o))))
        .collect();
    if s.origins.len() > 6 {
        names.push(format!("{} more", s.origins.len() - 6));
    }
    names.join(", ")
}

fn span(first: &str, last: &str) -> String {
    let short = |t: &str| t.get(..16).unwrap_or(t).replace('T', " ");
    if first.get(..16) == last.get(..16) {
        short(first)
    } else if first.get(..10) == last.get(..10) {
        format!("{}–{}", short(first), last.get(11..16).unwrap_or(""))
    } else {
        format!("{} – {}", short(first), short(last))
    }
}

/// The time of an edge: the clock alone when it lies within one day.
fn edge_label(first: &str, last: &str) -> String {
    let s = span(first, last);
    if first.get(..10) == last.get(..10) {
        s.get(11..).unwrap_or(&s).to_string()
    } else {
        s
    }
}

fn hosts_text(s: &Spread, ids: &[String]) -> String {
    match ids {
        [one] => format!("{}", Cell(&short(s.label(one), 80))),
        _ => format!("{} hosts", thousands(ids.len() as u64)),
    }
}

fn groups_table(out: &mut String, doc: &ChainsDocument, anchors: &BTreeMap<&str, usize>) {
    let s = &doc.spread;
    if doc.groups.is_empty() {
        return;
    }
    w!(
        out,
        "<h3 id=\"groups\">Files, rarest first ({})</h3>\n<p class=\"small\">Chains of the same file (SHA256, else SHA1, else MD5, else the name) form one group; the groups that touched the fewest hosts come first: the odd file among the routine ones.</p>\n",
        thousands(doc.groups.len() as u64)
    );
    out.push_str("<div class=\"scroll\"><table class=\"list\"><thead><tr><th>Group</th><th>File</th><th>From</th><th>To</th><th>Chains</th><th>When (UTC)</th><th>Accounts</th><th>Identity</th></tr></thead><tbody>\n");
    for g in &doc.groups {
        let first = g.chains.first().and_then(|c| anchors.get(c.as_str()));
        let link = match first {
            Some(n) => format!("<a href=\"#chain-{n}\">{}</a>", Html(&g.id)),
            None => format!("{}", Html(&g.id)),
        };
        w!(
            out,
            "<tr data-testid=\"group\"{}><td>{link}{}</td><td><code class=\"v\">{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td><span class=\"small\">{}</span> <code class=\"v\">{}</code></td></tr>\n",
            if g.suppressed { " class=\"suppressed\"" } else { "" },
            if g.suppressed { " <span class=\"flag\">suppressed</span>" } else { "" },
            Cell(&short(&g.file_name, 120)),
            hosts_text(s, &g.sources),
            hosts_text(s, &g.targets),
            thousands(g.chains.len() as u64),
            span(&g.first, &g.last),
            Cell(&short(&g.accounts.join(", "), 160)),
            g.identity.as_str(),
            Cell(&short(&g.key, 80)),
        );
    }
    out.push_str("</tbody></table></div>\n");
}

/// The folded spread as SVG: boxes in columns, curved arrows between them.
fn spread_svg(out: &mut String, g: &Graph) {
    use graph::geometry::{arrow, corner, size, BOX_H, BOX_W};
    let (width, height) = size(g);
    w!(
        out,
        "<svg class=\"sp\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Spread between hosts\">"
    );
    out.push_str("<defs><marker id=\"sp-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"sp-head\" d=\"M0 0L10 5L0 10z\"/></marker></defs>");
    // Paths (the move that first reached each host) are drawn strong and labelled at their
    // target, where no other label can fall; the other moves are drawn faint.
    let mut edges: Vec<&graph::Edge> = g.edges.iter().collect();
    edges.sort_by_key(|e| e.path);
    let mut labels = Vec::new();
    for e in edges {
        let Some(a) = arrow(g, e) else { continue };
        w!(
            out,
            "<path class=\"{}\" d=\"{}\" marker-end=\"url(#sp-arrow)\"><title>{} → {}: {} chain(s), {}; {}</title></path>",
            if e.path { "sp-edge path" } else { "sp-edge" },
            a.d,
            Svg(&e.from),
            Svg(&e.to),
            e.chains,
            Svg(&span(&e.first, &e.last)),
            Svg(&short(&e.files.join(", "), 200))
        );
        if e.path {
            labels.push((a.tip, edge_label(&e.first, &e.last)));
        }
    }
    for n in &g.nodes {
        let (x, y) = corner(n);
        w!(
            out,
            "<g class=\"sp-node{}{}{}\">",
            if n.origin { " origin" } else { "" },
            if n.hosts.len() > 1 { " fold" } else { "" },
            if n.external { " ext" } else { "" }
        );
        if n.hosts.len() > 1 {
            w!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\"/>",
                x + 6,
                y - 6
            );
            w!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\"/>",
                x + 3,
                y - 3
            );
        }
        w!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\"><title>{}</title></rect>",
            Svg(&short(&n.hosts.join(", "), 400))
        );
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x + BOX_W / 2,
            y + BOX_H / 2 + 4,
            Svg(&short(&n.label, 24))
        );
        w!(out, "</g>");
    }
    // Over the boxes, with a halo: a short arrow's label is wider than the gap it spans.
    for ((x, y), label) in labels {
        w!(
            out,
            "<text class=\"sp-when\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            x - 8,
            y - 6,
            Svg(&label)
        );
    }
    out.push_str("</svg>");
}
