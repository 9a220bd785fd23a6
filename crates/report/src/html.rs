//! The report page, section by section.
//!
//! Markup is ours; every value from a document (all of which may come from an attacker's log
//! lines) goes through the wrappers of [`crate::text`]. Sections appear in reading order:
//! header and analyst notes, summary, overview timeline, the chains with their evidence,
//! chain of custody of the inputs, settings, optional allowlist, the KQL to rerun, and the
//! embedded data.

use crate::attack::{techniques, Part};
use crate::svg;
use crate::text::{
    escape_json_for_script, short, thousands, Attr, Capped, Cell, Html, Lines, BRIEF,
};
use crate::time;
use crate::{InputMeta, ReportMeta, DATA_ELEMENT_ID, META_ELEMENT_ID};
use copyexec_core::allowlist::{kql, Allowlist, SourcedRule};
use copyexec_core::chains::{Chain, Event};
use copyexec_core::correlate::ROW_COLUMNS;
use copyexec_core::diag::Severity;
use copyexec_core::load::decode::Layer;
use copyexec_core::time::DateOrder;
use copyexec_core::ChainsDocument;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{ let _ = write!($out, $($arg)*); }};
}

/// The stylesheet, the page's only `<style>` element (allowed by its hash).
pub const CSS: &str = include_str!("report.css");

/// Query identity.
const QUERY_NAME: &str = "File Copy and Execution";
const QUERY_ID: &str = "a27d5cb6-c533-4a81-9d11-d5c0ed257bc7";

/// The whole page.
pub fn page(doc: &ChainsDocument, meta: &ReportMeta) -> String {
    let raw = serde_json::to_string(doc).unwrap_or_else(|_| "null".to_string());
    let mut out = String::with_capacity(raw.len().min(crate::COMPRESS_ABOVE) * 2 + 64 * 1024);
    head(&mut out, meta);
    out.push_str("<body>\n");
    header(&mut out, doc, meta);
    nav(&mut out, doc, has_allowlist(doc));
    out.push_str("<main>\n");
    let detailed = crate::story::detailed(doc);
    let anchors = anchors(doc, &detailed);
    summary(&mut out, doc);
    crate::story::section(&mut out, doc, &anchors);
    chains(&mut out, doc, &anchors);
    overview(&mut out, doc);
    near_misses(&mut out, doc);
    custody(&mut out, doc, meta);
    settings(&mut out, doc, meta);
    allowlist(&mut out, doc, &detailed);
    kql(&mut out, doc);
    out.push_str("</main>\n");
    footer(&mut out, doc);
    if raw.len() > crate::COMPRESS_ABOVE {
        w!(
            out,
            "<script type=\"{}\" id=\"{DATA_ELEMENT_ID}\">{}</script>\n",
            crate::GZIP_ISLAND_TYPE,
            crate::gzip_base64(raw.as_bytes())
        );
    } else {
        w!(
            out,
            "<script type=\"application/json\" id=\"{DATA_ELEMENT_ID}\">{}</script>\n",
            escape_json_for_script(&raw)
        );
    }
    w!(
        out,
        "<script type=\"application/json\" id=\"{META_ELEMENT_ID}\">{}</script>\n",
        crate::text::json_for_script(meta)
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// Whether the document carries allowlist results (rules in force or chains set aside).
fn has_allowlist(doc: &ChainsDocument) -> bool {
    doc.allowlist.is_some() || !doc.suppressed_chains.is_empty()
}

fn head(out: &mut String, meta: &ReportMeta) {
    let csp = format!(
        "default-src 'none'; style-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        crate::css_hash()
    );
    w!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"copyexec-report {}\">\n\
         <title>{}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>{CSS}</style>\n</head>\n",
        env!("CARGO_PKG_VERSION"),
        Attr(&short(&title_of(meta), 300))
    );
}

fn title_of(meta: &ReportMeta) -> String {
    if meta.title.trim().is_empty() {
        "copyexec report".to_string()
    } else {
        meta.title.clone()
    }
}

fn header(out: &mut String, doc: &ChainsDocument, meta: &ReportMeta) {
    w!(
        out,
        "<header class=\"top\">\n<p class=\"kicker\">copyexec report · {QUERY_NAME}</p>\n<h1>{}</h1>\n\
         <p class=\"meta\">Created <time>{}</time> · {} {} · tolerance {} s · timestamps without a zone read as {}</p>\n",
        Cell(&title_of(meta)),
        Html(&meta.created),
        Html(&doc.tool.name),
        Html(&doc.tool.version),
        doc.settings.tolerance_seconds,
        Html(&doc.settings.assumed_time_zone)
    );
    if !meta.notes.trim().is_empty() {
        w!(
            out,
            "<section class=\"analyst\" aria-label=\"Analyst notes\"><h2>Analyst notes</h2><p class=\"notes-text\">{}</p></section>\n",
            Lines(meta.notes.trim_end())
        );
    }
    out.push_str("</header>\n");
}

fn nav(out: &mut String, doc: &ChainsDocument, has_allowlist: bool) {
    out.push_str("<nav aria-label=\"Contents\"><ol>");
    out.push_str(
        "<li><a href=\"#summary\">Summary</a></li><li><a href=\"#story\">Spread</a></li><li><a href=\"#groups\">Files</a></li>",
    );
    w!(
        out,
        "<li><a href=\"#chains\">Chains ({})</a></li><li><a href=\"#overview\">Timeline</a></li>",
        thousands(doc.chains.len() as u64)
    );
    if !doc.near_misses.is_empty() {
        w!(
            out,
            "<li><a href=\"#near-misses\">Near misses ({})</a></li>",
            doc.near_misses.len()
        );
    }
    out.push_str(
        "<li><a href=\"#inputs\">Inputs</a></li><li><a href=\"#settings\">Settings</a></li>",
    );
    if has_allowlist {
        out.push_str("<li><a href=\"#allowlist\">Allowlist</a></li>");
    }
    out.push_str("<li><a href=\"#kql\">KQL</a></li></ol></nav>\n");
}

fn stat(out: &mut String, value: u64, label: &str, testid: Option<&str>) {
    let attr = testid
        .map(|t| format!(" data-testid=\"{t}\""))
        .unwrap_or_default();
    w!(
        out,
        "<div class=\"stat\"><span class=\"num\"{attr}>{}</span><span class=\"lbl\">{label}</span></div>",
        if testid.is_some() { value.to_string() } else { thousands(value) }
    );
}

fn summary(out: &mut String, doc: &ChainsDocument) {
    let t = &doc.totals;
    let devices: BTreeSet<&str> = doc.chains.iter().map(|c| c.device_id.as_str()).collect();
    let ips: BTreeSet<&String> = doc.chains.iter().flat_map(|c| &c.remote_ips).collect();
    let accounts: BTreeSet<&String> = doc.chains.iter().flat_map(|c| &c.accounts).collect();
    out.push_str("<section id=\"summary\"><h2>Summary</h2>\n");
    // What limits the result comes before the result: an empty result from unreadable input
    // must not read as an all-clear.
    let mut warnings: Vec<String> = Vec::new();
    if t.rows_skipped > 0 {
        warnings.push(format!(
            "<b>{} row(s) could not be read and were left out</b>: the chains below do not include them; see <a href=\"#inputs\">Inputs</a> for why and how to fix it",
            thousands(t.rows_skipped)
        ));
    }
    if t.streams_skipped > 0 {
        warnings.push(format!(
            "<b>{} input stream(s) could not be analysed at all</b>; see <a href=\"#inputs\">Inputs</a>",
            t.streams_skipped
        ));
    }
    for m in &doc.missing_tables {
        warnings.push(format!("{}", Html(&m.message)));
    }
    if let Some(a) = &doc.allowlist {
        warnings.push(format!(
            "An allowlist of {} set aside {} of the query's rows and suppressed {}; see <a href=\"#allowlist\">Allowlist</a>",
            plural(a.rules.len(), "rule", "rules"),
            thousands(a.rows_set_aside),
            plural(doc.suppressed_chains.len(), "chain", "chains")
        ));
    }
    if !warnings.is_empty() {
        out.push_str("<div class=\"callout warn\" data-testid=\"caveats\"><ul>");
        for w in warnings {
            w!(out, "<li>{w}</li>");
        }
        out.push_str("</ul></div>\n");
    }
    out.push_str("<div class=\"stats\">");
    stat(out, doc.chains.len() as u64, "chains", Some("chain-count"));
    stat(
        out,
        doc.groups.iter().filter(|g| !g.suppressed).count() as u64,
        "files",
        None,
    );
    stat(out, doc.spread.origins.len() as u64, "origins", None);
    stat(out, t.query_rows, "query rows", None);
    stat(out, devices.len() as u64, "devices", None);
    stat(out, ips.len() as u64, "source addresses", None);
    stat(out, accounts.len() as u64, "accounts", None);
    stat(out, doc.inputs.len() as u64, "input files", None);
    stat(out, t.rows_read, "rows read", None);
    out.push_str("</div>\n");
    w!(
        out,
        "<p>Each chain is a program copied onto a device over SMB and started there: an inbound connection to port 445, a logon from that address, the file written by the kernel's SMB server, and a process started from that path, all within {} s after the connection, exactly as the hunting query <q>{QUERY_NAME}</q> matches them.</p>\n",
        doc.settings.tolerance_seconds
    );
    w!(
        out,
        "<p class=\"small\">Rows read {} · usable {} · excluded by the query's own filters {} · unreadable {} · of other tables {}.</p>\n",
        thousands(t.rows_read),
        thousands(t.rows_used),
        thousands(t.rows_filtered),
        thousands(t.rows_skipped),
        thousands(t.rows_other_tables)
    );
    if doc.chains.is_empty() {
        out.push_str("<p class=\"empty\">No chain: no program was copied over SMB and started within the window in these inputs.</p>\n");
    }
    out.push_str("</section>\n");
}

/// Anchor numbers (`#chain-N`, N its place in the document) of the chains shown in full.
fn anchors<'a>(doc: &'a ChainsDocument, detailed: &[String]) -> BTreeMap<&'a str, usize> {
    let wanted: BTreeSet<&str> = detailed.iter().map(String::as_str).collect();
    doc.chains
        .iter()
        .enumerate()
        .filter(|(_, c)| wanted.contains(c.id.as_str()))
        .map(|(i, c)| (c.id.as_str(), i + 1))
        .collect()
}

/// Rows per table of the chain list: each block is laid out only when it scrolls into view
/// (`content-visibility`), so a list of 10,000 chains opens as fast as one of 500.
const CHAIN_ROWS_PER_BLOCK: usize = 500;

/// Every chain as one row; the detailed ones link to their section.
fn chain_table(out: &mut String, doc: &ChainsDocument, anchors: &BTreeMap<&str, usize>) {
    let group_of: BTreeMap<&str, &str> = doc
        .groups
        .iter()
        .flat_map(|g| g.chains.iter().map(move |c| (c.as_str(), g.id.as_str())))
        .collect();
    for (b, block) in doc.chains.chunks(CHAIN_ROWS_PER_BLOCK).enumerate() {
        w!(
            out,
            "<div class=\"scroll rows-block{}\"><table class=\"list fixed\"><colgroup><col class=\"c-id\"><col class=\"c-g\"><col class=\"c-t\"><col class=\"c-d\"><col class=\"c-p\"><col class=\"c-f\"><col class=\"c-a\"><col class=\"c-s\"><col class=\"c-x\"></colgroup>",
            if b == 0 { " first" } else { "" }
        );
        if b == 0 {
            out.push_str("<thead><tr><th>Chain</th><th>Group</th><th>Started (UTC)</th><th>Device</th><th>Written and run</th><th>From</th><th>Account</th><th>Connection → start</th><th>Techniques</th></tr></thead>");
        }
        out.push_str("<tbody>\n");
        for c in block {
            let ids: Vec<&str> = techniques(c).iter().map(|t| t.id).collect();
            let id = match anchors.get(c.id.as_str()) {
                Some(n) => format!("<a href=\"#chain-{n}\">{}</a>", Html(&c.id)),
                None => format!("{}", Html(&c.id)),
            };
            w!(
                out,
                "<tr data-testid=\"chain-row\"><td>{id}{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"path\"><code class=\"v\">{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                if c.notes.is_empty() { "" } else { " <span class=\"flag\" title=\"see the chain's notes\">note</span>" },
                Html(group_of.get(c.id.as_str()).copied().unwrap_or("")),
                Html(&c.start.timestamp),
                Cell(&short(device_label(c), 80)),
                Cell(&short(&c.folder_path, 300)),
                Cell(&short(&c.remote_ips.join(", "), 200)),
                Cell(&short(&c.accounts.join(", "), 200)),
                time::human(c.span_ticks),
                ids.join(" ")
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
}

fn device_label(c: &Chain) -> &str {
    if c.device_name.is_empty() {
        &c.device_id
    } else {
        &c.device_name
    }
}

/// Devices from which on the timeline (a lane per device) is left out: the spread and the
/// groups tell that story at any scale, a page of thousands of lanes does not.
const OVERVIEW_MAX_DEVICES: usize = 60;

fn overview(out: &mut String, doc: &ChainsDocument) {
    out.push_str("<section id=\"overview\"><h2>Timeline</h2>\n");
    if doc.chains.is_empty() {
        out.push_str("<p class=\"empty\">No chain to show.</p></section>\n");
        return;
    }
    let devices: BTreeSet<&str> = doc.chains.iter().map(|c| c.device_id.as_str()).collect();
    if devices.len() > OVERVIEW_MAX_DEVICES {
        w!(
            out,
            "<p class=\"small\">The chains touch {} devices, too many for a lane each (at most {OVERVIEW_MAX_DEVICES}): the spread and the files above tell where they went.</p></section>\n",
            thousands(devices.len() as u64)
        );
        return;
    }
    out.push_str("<figure class=\"figure\">");
    svg::overview(out, doc);
    out.push_str("<figcaption>Every chain on one time axis, a lane per device. Select a bar to go to its chain.</figcaption></figure>\n</section>\n");
}

fn chains(out: &mut String, doc: &ChainsDocument, anchors: &BTreeMap<&str, usize>) {
    w!(
        out,
        "<section id=\"chains\"><h2>Chains ({})</h2>\n",
        thousands(doc.chains.len() as u64)
    );
    if doc.chains.is_empty() {
        out.push_str("<p class=\"empty\">No chain.</p></section>\n");
        return;
    }
    if anchors.len() < doc.chains.len() {
        w!(
            out,
            "<p>Every chain is listed in this table. The {} chains of the rarest files (up to {} per file, {} in all) follow with their timeline and evidence; the others are in the embedded chains document and in <code>copyexec chains</code>.</p>\n",
            thousands(anchors.len() as u64),
            crate::story::DETAIL_PER_GROUP,
            crate::story::DETAIL_CAP
        );
    }
    chain_table(out, doc, anchors);
    for (i, c) in doc.chains.iter().enumerate() {
        if anchors.contains_key(c.id.as_str()) {
            chain(out, i + 1, c, doc.settings.tolerance_seconds);
        }
    }
    out.push_str("</section>\n");
}

fn fact(out: &mut String, name: &str, value_html: &str) {
    w!(out, "<dt>{name}</dt><dd>{value_html}</dd>");
}

fn values(vs: &[String]) -> String {
    if vs.is_empty() {
        return "<span class=\"none\">none</span>".to_string();
    }
    vs.iter()
        .map(|v| format!("<code class=\"v\">{}</code>", Capped(v, BRIEF)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn code_or_none(v: &str) -> String {
    if v.is_empty() {
        "<span class=\"none\">empty</span>".to_string()
    } else {
        format!("<code class=\"v\">{}</code>", Capped(v, BRIEF))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn chain(out: &mut String, n: usize, c: &Chain, tolerance: i64) {
    w!(
        out,
        "<section class=\"chain\" data-testid=\"chain\" id=\"chain-{n}\" aria-labelledby=\"chain-{n}-h\">\n\
         <h3 id=\"chain-{n}-h\"><span class=\"cid\">{}</span> <code class=\"v path\">{}</code></h3>\n\
         <p class=\"sub\">on <b>{}</b> · started {} UTC · {} after the first connection</p>\n",
        Html(&c.id),
        Capped(&c.folder_path, BRIEF),
        Cell(&short(device_label(c), 200)),
        Html(&c.start.timestamp),
        time::human(c.span_ticks)
    );
    out.push_str("<dl class=\"facts\">");
    let device = if c.device_name.is_empty() {
        code_or_none(&c.device_id)
    } else {
        format!(
            "{} <span class=\"muted\">DeviceId</span> {}",
            code_or_none(&c.device_name),
            code_or_none(&c.device_id)
        )
    };
    fact(out, "Device", &device);
    fact(out, "File", &code_or_none(&c.file_name));
    fact(out, "Folder path", &code_or_none(&c.folder_path));
    let cmd = crate::attack::field(&c.start, "ProcessCommandLine").unwrap_or("");
    fact(out, "Command line", &code_or_none(cmd));
    fact(out, "SHA-256", &code_or_none(&c.sha256));
    fact(out, "SHA-1", &code_or_none(&c.sha1));
    fact(out, "MD5", &code_or_none(&c.md5));
    fact(out, "From", &values(&c.remote_ips));
    fact(out, "Accounts", &values(&c.accounts));
    fact(
        out,
        "Events",
        &format!(
            "{}, {}, {}, 1 start; {}",
            plural(c.connections.len(), "connection", "connections"),
            plural(c.logons.len(), "logon", "logons"),
            plural(c.writes.len(), "write", "writes"),
            plural(c.rows.len(), "query row", "query rows")
        ),
    );
    out.push_str("</dl>\n");
    if !c.notes.is_empty() {
        out.push_str("<div class=\"callout note\"><h4>Why this match may surprise</h4><ul>");
        for note in &c.notes {
            w!(
                out,
                "<li><code>{}</code> {}</li>",
                Html(&note.code),
                Cell(&note.message)
            );
        }
        out.push_str("</ul></div>\n");
    }
    out.push_str("<div class=\"attack\"><h4>ATT&amp;CK techniques this chain evidences</h4><ul>");
    for t in techniques(c) {
        w!(
            out,
            "<li><span class=\"tid\">{}</span> <b>{}</b>: ",
            t.id,
            Html(t.name)
        );
        for p in &t.because {
            match p {
                Part::Text(s) => {
                    w!(out, "{}", Html(s));
                }
                Part::Value(v) => {
                    w!(out, "<code class=\"v\">{}</code>", Capped(v, BRIEF));
                }
            }
        }
        out.push_str("</li>");
    }
    out.push_str("</ul></div>\n<figure class=\"timeline\">");
    svg::chain_timeline(out, c, tolerance);
    out.push_str(
        "<figcaption><span class=\"key key-n\">●</span> connection <span class=\"key key-l\">■</span> logon <span class=\"key key-f\">◆</span> write <span class=\"key key-p\">▲</span> start; point at a mark for its id and exact time.</figcaption></figure>\n",
    );
    out.push_str("<h4>Evidence</h4>\n");
    chain_evidence(out, c);
    out.push_str("</section>\n");
}

/// A chain's events with all their fields, then its query rows.
fn chain_evidence(out: &mut String, c: &Chain) {
    events_table(
        out,
        &[
            ("Connection", "n", &c.connections),
            ("Logon", "l", &c.logons),
            ("Write", "f", &c.writes),
            ("Start", "p", std::slice::from_ref(&c.start)),
        ],
    );
    query_rows_table(out, c);
}

fn events_table(out: &mut String, steps: &[(&str, &str, &[Event])]) {
    out.push_str(
        "<div class=\"scroll\"><table class=\"events\"><thead><tr><th>Step</th><th>Event</th><th>Timestamp (UTC)</th><th>After connection</th><th>Values the query reads</th><th>Source</th></tr></thead>\n",
    );
    for (name, kind, evs) in steps {
        for e in evs.iter() {
            event_rows(out, name, kind, e);
        }
    }
    out.push_str("</table></div>\n");
}

fn near_misses(out: &mut String, doc: &ChainsDocument) {
    if doc.near_misses.is_empty() {
        return;
    }
    w!(
        out,
        "<section id=\"near-misses\"><h2>Near misses ({})</h2>\n<p>Programs copied over SMB that did not complete a chain: the query does not return them, and they are not counted as chains.</p>\n<div class=\"scroll\"><table class=\"list\"><thead><tr><th>Id</th><th>Device</th><th>Written</th><th>Missing</th><th>What happened</th></tr></thead><tbody>\n",
        doc.near_misses.len()
    );
    for m in &doc.near_misses {
        let device = if m.device_name.is_empty() {
            &m.device_id
        } else {
            &m.device_name
        };
        w!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code class=\"v\">{}</code></td><td>{}</td><td>{}</td></tr>\n",
            Html(&m.id),
            Cell(&short(device, 80)),
            Cell(&short(&m.folder_path, 300)),
            Html(&m.missing.join(", ")),
            Cell(&m.summary)
        );
    }
    out.push_str("</tbody></table></div>\n");
    for m in &doc.near_misses {
        w!(
            out,
            "<details class=\"near\"><summary>Evidence of {} <code class=\"v\">{}</code></summary>",
            Html(&m.id),
            Cell(&short(&m.folder_path, 300))
        );
        if !m.notes.is_empty() {
            out.push_str("<ul>");
            for note in &m.notes {
                w!(
                    out,
                    "<li><code>{}</code> {}</li>",
                    Html(&note.code),
                    Cell(&note.message)
                );
            }
            out.push_str("</ul>");
        }
        events_table(
            out,
            &[
                ("Connection", "n", &m.connections),
                ("Logon", "l", &m.logons),
                ("Write", "f", &m.writes),
                ("Start", "p", &m.starts),
            ],
        );
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// A name and a log value in a `dl.kv` (whose `dd` is monospace).
fn dt_dd(out: &mut String, k: &str, v: &str, cap: usize) {
    if v.is_empty() {
        w!(
            out,
            "<dt>{}</dt><dd class=\"none\">empty</dd>",
            Capped(k, BRIEF)
        );
    } else {
        w!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            Capped(k, BRIEF),
            Capped(v, cap)
        );
    }
}

fn event_rows(out: &mut String, step: &str, kind: &str, e: &Event) {
    w!(
        out,
        "<tbody class=\"ev\"><tr><td><span class=\"key key-{kind}\">{}</span> {step}</td><td><code>{}</code></td><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td><dl class=\"kv\">",
        match kind { "n" => "●", "l" => "■", "f" => "◆", _ => "▲" },
        Html(&e.id),
        Html(&e.timestamp),
        time::offset(e.offset_ticks)
    );
    for (k, v) in &e.key {
        dt_dd(out, k, v, BRIEF);
    }
    w!(
        out,
        "</dl></td><td class=\"src\">{}:{}",
        Cell(&e.source.file),
        e.source.line
    );
    if e.source.record > 0 {
        w!(out, " (record {})", e.source.record);
    }
    out.push_str("</td></tr>\n<tr class=\"fields\"><td colspan=\"6\">");
    if e.fields.is_empty() {
        out.push_str(
            "<span class=\"none\">The original row was not read again for this report.</span>",
        );
    } else {
        w!(
            out,
            "<details><summary>All {} original fields of {}</summary><dl class=\"kv fields\">",
            e.fields.len(),
            Html(&e.id)
        );
        let mut empty: Vec<&str> = Vec::new();
        for (k, v) in &e.fields {
            if v.is_empty() {
                empty.push(k);
            } else {
                dt_dd(out, k, v, crate::text::CAP);
            }
        }
        if !empty.is_empty() {
            w!(
                out,
                "<dt class=\"none\">empty</dt><dd class=\"none\">{}</dd>",
                Cell(&empty.join(", "))
            );
        }
        out.push_str("</dl></details>");
    }
    out.push_str("</td></tr></tbody>\n");
}

/// The query's projected values of each row of `c`, in `ROW_COLUMNS` order, rebuilt from the
/// events' key values (each column from the table KQL names it after).
pub fn chain_rows(c: &Chain) -> Vec<[String; 17]> {
    rows_of(c, &c.rows)
}

fn rows_of(c: &Chain, ids: &[[String; 4]]) -> Vec<[String; 17]> {
    let find = |id: &str| {
        c.connections
            .iter()
            .chain(&c.logons)
            .chain(&c.writes)
            .chain(std::iter::once(&c.start))
            .find(|e| e.id == id)
    };
    let key = |e: Option<&Event>, name: &str| -> String {
        e.and_then(|e| e.key.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    ids.iter()
        .map(|[n, l, f, p]| {
            let (n, l, f, p) = (find(n), find(l), find(f), find(p));
            ROW_COLUMNS.map(|col| match col {
                "Timestamp" => n.map(|e| e.timestamp.clone()).unwrap_or_default(),
                "DeviceName" | "RemoteIP" | "RemotePort" | "Protocol" => key(n, col),
                "FileName" | "FolderPath" | "SHA1" | "SHA256" | "MD5" => key(f, col),
                "ProcessCommandLine" => key(p, col),
                _ => key(l, col),
            })
        })
        .collect()
}

/// The query's rows of `c` (and the rows an allowlist set aside, marked), one column each.
fn query_rows_table(out: &mut String, c: &Chain) {
    let aside: Vec<[String; 4]> = c.set_aside.iter().map(|a| a.row.clone()).collect();
    w!(
        out,
        "<details class=\"rows\" open><summary>The query's result rows of this chain ({}{})</summary><div class=\"scroll\"><table class=\"qrows\"><thead><tr><th>Column</th>",
        c.rows.len(),
        if aside.is_empty() { String::new() } else { format!("; {} set aside by the allowlist", aside.len()) }
    );
    for (i, ids) in c.rows.iter().enumerate() {
        w!(
            out,
            "<th>Row {} <span class=\"muted\">{}</span></th>",
            i + 1,
            Html(&ids.join(" "))
        );
    }
    for (a, ids) in c.set_aside.iter().zip(&aside) {
        w!(
            out,
            "<th class=\"aside\">Set aside by {} <span class=\"muted\">{}</span></th>",
            Capped(&a.rule, BRIEF),
            Html(&ids.join(" "))
        );
    }
    out.push_str("</tr></thead><tbody>\n");
    let rows: Vec<[String; 17]> = rows_of(c, &c.rows)
        .into_iter()
        .chain(rows_of(c, &aside))
        .collect();
    for (k, col) in ROW_COLUMNS.iter().enumerate() {
        w!(out, "<tr><th>{col}</th>");
        for row in &rows {
            if row[k].is_empty() {
                out.push_str("<td class=\"none\">empty</td>");
            } else {
                w!(out, "<td>{}</td>", Capped(&row[k], BRIEF));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div></details>\n");
}

fn input_meta<'a>(meta: &'a ReportMeta, i: usize, name: &str) -> Option<&'a InputMeta> {
    meta.inputs
        .get(i)
        .filter(|m| m.name == name)
        .or_else(|| meta.inputs.iter().find(|m| m.name == name))
}

fn reasons(out: &mut String, total: u64, by: &std::collections::BTreeMap<String, u64>) {
    w!(out, "{}", thousands(total));
    for (why, n) in by.iter().filter(|(_, n)| **n > 0) {
        w!(
            out,
            "<div class=\"why\">{}: {}</div>",
            Html(why),
            thousands(*n)
        );
    }
}

fn custody(out: &mut String, doc: &ChainsDocument, meta: &ReportMeta) {
    out.push_str(
        "<section id=\"inputs\"><h2>Inputs: chain of custody</h2>\n<p>Each input as read, with its size and SHA-256 at the time of the analysis, what was recognised in it, and how many rows of each table were read, used, excluded by the query's own filters, or could not be read.</p>\n<div class=\"scroll\"><table class=\"custody\"><thead><tr><th>Input</th><th>Size (bytes)</th><th>SHA-256</th><th>Format</th><th>Table</th><th>Read</th><th>Used</th><th>Filtered</th><th>Skipped</th><th>Timestamps</th></tr></thead>\n",
    );
    for (i, input) in doc.inputs.iter().enumerate() {
        let m = input_meta(meta, i, &input.name);
        let span: usize = input
            .streams
            .iter()
            .map(|s| s.tables.len().max(1))
            .sum::<usize>()
            .max(1);
        let size = m.map(|m| m.size).or(input.size);
        out.push_str("<tbody class=\"input\"><tr>");
        w!(
            out,
            "<td rowspan=\"{span}\"><code class=\"v\">{}</code></td><td rowspan=\"{span}\" class=\"num nowrap\">{}</td><td rowspan=\"{span}\" class=\"sha\"><code class=\"hash\">{}</code></td>",
            Cell(&input.name),
            size.map(thousands).unwrap_or_else(|| "unknown".into()),
            m.map(|m| Html(&m.sha256).to_string()).unwrap_or_else(|| "<span class=\"none\">not recorded</span>".into())
        );
        if input.streams.is_empty() {
            out.push_str("<td colspan=\"7\"><span class=\"none\">nothing read</span></td></tr>\n");
        }
        let mut first_row = true;
        for s in &input.streams {
            let rows = s.tables.len().max(1);
            if !first_row {
                out.push_str("<tr>");
            }
            first_row = false;
            let format = s.format.map(|f| f.describe()).unwrap_or("not recognised");
            w!(out, "<td rowspan=\"{rows}\">{}", Html(format));
            if s.name != input.name {
                w!(out, "<div class=\"why\">stream {}</div>", Cell(&s.name));
            }
            let layers: Vec<String> = s.layers.iter().map(layer).collect();
            if !layers.is_empty() {
                w!(
                    out,
                    "<div class=\"why\">{}</div>",
                    Cell(&layers.join(" › "))
                );
            }
            if !s.other_tables.is_empty() {
                let other: Vec<String> = s
                    .other_tables
                    .iter()
                    .map(|(t, n)| format!("{}: {}", Html(t), thousands(*n)))
                    .collect();
                w!(
                    out,
                    "<div class=\"why\">rows of other tables: {}</div>",
                    other.join(", ")
                );
            }
            if let Some(why) = &s.skipped {
                w!(
                    out,
                    "<div class=\"why bad\">not analysed: {}</div>",
                    Cell(why)
                );
            }
            out.push_str("</td>");
            let ts = &s.timestamps;
            let mut stamp = ts
                .styles
                .iter()
                .map(|(k, v)| format!("{}: {}", Html(k), thousands(*v)))
                .collect::<Vec<_>>()
                .join(", ");
            if let Some(r) = &ts.resolution {
                w!(stamp, "<div class=\"why\">resolution {}</div>", Html(r));
            }
            if !ts.zone.is_empty() {
                w!(stamp, "<div class=\"why\">zone: {}</div>", Html(&ts.zone));
            }
            if let Some(d) = &ts.date_order {
                w!(stamp, "<div class=\"why\">day/month: {}</div>", Html(d));
            }
            if s.tables.is_empty() {
                w!(out, "<td colspan=\"5\"><span class=\"none\">no rows of the four tables</span></td><td>{stamp}</td></tr>\n");
                continue;
            }
            for (k, (table, st)) in s.tables.iter().enumerate() {
                if k > 0 {
                    out.push_str("<tr>");
                }
                w!(out, "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">", table, thousands(st.read), thousands(st.used));
                reasons(out, st.filtered.values().sum(), &st.filtered);
                out.push_str("</td><td class=\"num\">");
                reasons(out, st.skipped.values().sum(), &st.skipped);
                out.push_str("</td>");
                if k == 0 {
                    w!(out, "<td rowspan=\"{rows}\">{stamp}</td>");
                }
                out.push_str("</tr>\n");
            }
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table></div>\n");
    // Diagnostics.
    let mut any = false;
    for s in doc.inputs.iter().flat_map(|i| &i.streams) {
        let d = &s.diagnostics;
        let suppressed: u64 = d.suppressed.values().sum();
        if d.items.is_empty() && suppressed == 0 {
            continue;
        }
        if !any {
            out.push_str("<h3>Diagnostics</h3>\n");
            any = true;
        }
        let count = |sev| d.items.iter().filter(|x| x.severity == sev).count();
        let mut parts: Vec<String> = [
            (count(Severity::Error), "error", "errors"),
            (count(Severity::Warning), "warning", "warnings"),
            (count(Severity::Info), "note", "notes"),
        ]
        .into_iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, one, many)| plural(n, one, many))
        .collect();
        if suppressed > 0 {
            parts.push(format!("{} more not kept", thousands(suppressed)));
        }
        w!(
            out,
            "<details class=\"diag\"><summary>{}: {}</summary><ul class=\"diags\">",
            Cell(&short(&s.name, 300)),
            parts.join(", ")
        );
        for item in &d.items {
            let sev = match item.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            w!(out, "<li class=\"sev-{sev}\"><b>{sev}</b>");
            if let Some(line) = item.line {
                w!(out, " · line {line}");
            }
            if let Some(col) = &item.column {
                w!(out, " · column {}", Cell(col));
            }
            w!(out, ": {}</li>", Cell(&item.message));
        }
        for (kind, n) in &d.suppressed {
            w!(
                out,
                "<li class=\"sev-note\">{} more of the kind <q>{}</q> not kept</li>",
                thousands(*n),
                Html(kind)
            );
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</section>\n");
}

fn layer(l: &Layer) -> String {
    match l {
        Layer::Gzip => "gzip".to_string(),
        Layer::ZipMember(name) => format!("zip member {name}"),
        Layer::Utf8Bom => "UTF-8 with BOM".to_string(),
        Layer::Utf16 { le: true } => "UTF-16 LE".to_string(),
        Layer::Utf16 { le: false } => "UTF-16 BE".to_string(),
        #[allow(unreachable_patterns)] // a layer added to the core later
        other => format!("{other:?}"),
    }
}

fn settings(out: &mut String, doc: &ChainsDocument, meta: &ReportMeta) {
    let s = &doc.settings;
    out.push_str("<section id=\"settings\"><h2>Settings and tool</h2><dl class=\"facts\">");
    fact(
        out,
        "Query",
        &format!("{QUERY_NAME} <span class=\"muted\">({QUERY_ID})</span>"),
    );
    fact(out, "ToleranceInSeconds", &s.tolerance_seconds.to_string());
    fact(
        out,
        "Time zone assumed for timestamps written without one",
        &Html(&s.assumed_time_zone).to_string(),
    );
    let order = match s.date_order {
        DateOrder::Auto => "auto: decided per file from its dates; never guessed",
        DateOrder::Mdy => "month first (mdy), as requested",
        DateOrder::Dmy => "day first (dmy), as requested",
    };
    fact(out, "Day/month order of numeric dates", order);
    fact(
        out,
        "Analysed by",
        &format!("{} {}", Html(&doc.tool.name), Html(&doc.tool.version)),
    );
    fact(
        out,
        "Report written by",
        concat!("copyexec-report ", env!("CARGO_PKG_VERSION")),
    );
    fact(out, "Report created", &Html(&meta.created).to_string());
    fact(out, "Document schema", &Html(&doc.schema).to_string());
    out.push_str("</dl></section>\n");
}

/// The allowlist in force, what each rule set aside, and the chains it suppressed (with
/// their evidence: set aside, never hidden). Absent when the document has no allowlist.
fn allowlist(out: &mut String, doc: &ChainsDocument, detailed: &[String]) {
    if !has_allowlist(doc) {
        return;
    }
    out.push_str("<section id=\"allowlist\"><h2>Allowlist</h2>\n");
    if let Some(report) = &doc.allowlist {
        w!(
            out,
            "<p>{} applied to the query's rows: {} kept, {} set aside. A chain all of whose rows were set aside is suppressed: it is listed below with its evidence, not among the chains.</p>\n",
            plural(report.rules.len(), "rule", "rules"),
            plural(report.rows_kept as usize, "row", "rows"),
            plural(report.rows_set_aside as usize, "row", "rows")
        );
        out.push_str("<div class=\"scroll\"><table class=\"list\"><thead><tr><th>Rule</th><th>Reason</th><th>Matches</th><th>From</th><th>Rows set aside</th><th>Chains suppressed</th></tr></thead><tbody>\n");
        for r in &report.rules {
            w!(
                out,
                "<tr><td><code class=\"v\">{}</code></td><td>{}</td><td><dl class=\"kv\">",
                Capped(&r.id, BRIEF),
                Capped(&r.reason, BRIEF)
            );
            for (name, values) in r.rule.conditions() {
                w!(
                    out,
                    "<dt>{name}</dt><dd>{}</dd>",
                    Capped(&values.join(" | "), BRIEF)
                );
            }
            w!(
                out,
                "</dl></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                Capped(&r.source, BRIEF),
                thousands(r.rows_set_aside),
                thousands(r.chains_suppressed)
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    if !doc.suppressed_chains.is_empty() {
        w!(
            out,
            "<h3>Suppressed chains ({})</h3>\n",
            doc.suppressed_chains.len()
        );
        let detailed: BTreeSet<&str> = detailed.iter().map(String::as_str).collect();
        for c in &doc.suppressed_chains {
            if !detailed.contains(c.id.as_str()) {
                w!(
                    out,
                    "<p class=\"suppressed-row\"><b>{}</b> <code class=\"v\">{}</code> on {} · started {} · by rule {}</p>\n",
                    Html(&c.id),
                    Capped(&c.folder_path, BRIEF),
                    Capped(device_label(c), BRIEF),
                    Html(&c.start.timestamp),
                    Capped(&c.suppressed_by.join(", "), BRIEF)
                );
                continue;
            }
            w!(
                out,
                "<details class=\"suppressed\"><summary><b>{}</b> <code class=\"v\">{}</code> on {} · started {} · by rule {}</summary>",
                Html(&c.id),
                Capped(&c.folder_path, BRIEF),
                Capped(device_label(c), BRIEF),
                Html(&c.start.timestamp),
                Capped(&c.suppressed_by.join(", "), BRIEF)
            );
            chain_evidence(out, c);
            out.push_str("</details>\n");
        }
    }
    out.push_str("</section>\n");
}

fn kql(out: &mut String, doc: &ChainsDocument) {
    let rules = Allowlist {
        rules: doc
            .allowlist
            .iter()
            .flat_map(|a| &a.rules)
            .map(|r| SourcedRule {
                rule: r.rule.clone(),
                source: r.source.clone(),
            })
            .collect(),
    };
    let text = kql::render(doc.settings.tolerance_seconds, &rules);
    w!(
        out,
        "<section id=\"kql\"><h2>Rerun the hunt</h2><p>The query with the same tolerance{}, for Microsoft Defender Advanced Hunting or Microsoft Sentinel over the same period. Its result rows are the query rows listed with each chain above.</p><pre class=\"kql\"><code>{}</code></pre></section>\n",
        if rules.is_empty() { "" } else { " and the allowlist's rules" },
        Lines(text.trim_end())
    );
}

fn footer(out: &mut String, doc: &ChainsDocument) {
    w!(
        out,
        "<footer><p>This file is self-contained: it loads nothing from anywhere, runs no script, and holds the chains document ({}, the same as <code>copyexec chains --format json</code>) in the element <code>#{DATA_ELEMENT_ID}</code>. Values from the logs are shown as text; characters that would not show or would reorder text appear as <span class=\"inv\">⟨U+202E⟩</span> markers; values longer than {} characters are cut for display, never in the embedded data.</p></footer>\n",
        Html(&doc.schema),
        thousands(crate::text::CAP as u64)
    );
}
