//! The numbers first: chains, devices, sources, accounts, time span; and missing tables.

use crate::format;
use crate::hooks::use_worker::AppContext;
use copyexec_core::time::DateOrder;
use yew::prelude::*;

/// Why rows were not read, with how many and the fix where there is one: the first error of
/// each input's streams (the date order, a broken quote…).
fn skip_reasons(inputs: &[crate::protocol::InputView]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in inputs {
        for s in &i.streams {
            if let Some(d) = s
                .diagnostics
                .iter()
                .find(|d| d.severity == copyexec_core::diag::Severity::Error)
            {
                let text = format!("{}: {}", s.name, d.message);
                if !out.contains(&text) && out.len() < 3 {
                    out.push(text);
                }
            }
        }
    }
    out
}

/// How a span of instants reads: `2024-03-11 08:00 – 2024-11-03 08:00`.
fn span_text(span: &Option<(String, String)>) -> String {
    let short = |t: &str| t.get(..16).unwrap_or(t).replace('T', " ");
    match span {
        Some((a, b)) if a == b => short(a),
        Some((a, b)) => format!("{} – {}", short(a), short(b)),
        None => "no such date exists".into(),
    }
}

/// Numeric dates no value placed: how they would read either way, and the two choices, on
/// the first screen (never a quiet "0 chains").
#[function_component(DatePrompt)]
fn date_prompt() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let state = &ctx.state;
    let undecided: Vec<(String, copyexec_core::load::DateChoice)> = state
        .inputs
        .iter()
        .flat_map(|i| i.streams.iter())
        .filter_map(|s| s.date_choice.clone().map(|c| (s.name.clone(), c)))
        .collect();
    if undecided.is_empty() {
        return html! {};
    }
    let choose = |order: DateOrder| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.decide_dates(order))
    };
    html! {
        <div class="date-prompt alert alert-warning" role="alert" data-testid="date-order-prompt">
            <p><strong>{ "Choose the day/month order: these dates could be read either way, and their rows are not in the result until you do." }</strong></p>
            <ul>
                { for undecided.iter().map(|(name, c)| html! {
                    <li>
                        <span class="mono">{ name.clone() }</span>
                        { format!(": {} dates that read either way — month first: {}; day first: {}",
                            format::count(c.dates), span_text(&c.month_first), span_text(&c.day_first)) }
                    </li>
                }) }
            </ul>
            <p class="date-prompt-actions">
                <button type="button" class="btn btn-primary" data-testid="date-order-mdy" onclick={choose(DateOrder::Mdy)}>{ "Month first (7/5 = July 5)" }</button>
                { " " }
                <button type="button" class="btn btn-primary" data-testid="date-order-dmy" onclick={choose(DateOrder::Dmy)}>{ "Day first (7/5 = 7 May)" }</button>
            </p>
        </div>
    }
}

/// The summary.
#[function_component(Summary)]
pub fn summary() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let state = &ctx.state;
    let Some(result) = &state.result else {
        return html! {};
    };
    let stats = &result.stats;
    let span = match stats.span {
        Some((a, b)) => format::span(b - a),
        None => "—".into(),
    };
    let files = state.inputs.len();
    let t = &result.totals;
    let suppressed = stats.suppressed;
    html! {
        <section class="summary" aria-label="Summary" data-worker-memory={result.memory_bytes.to_string()}
            data-read-ms={format!("{:.0}", state.read_ms)} data-readers={state.readers.to_string()} data-pieces={state.pieces.to_string()} data-query-ms={format!("{:.0}", result.query_ms)}
            data-testid="summary">
            <DatePrompt />
            if t.rows_skipped > 0 || t.streams_skipped > 0 || !state.missing_tables.is_empty() {
                <div class="caveats alert alert-warning" role="alert" data-testid="caveats">
                    <p><strong>{ "Read this before the count: the result below leaves out what could not be read." }</strong></p>
                    <ul>
                        if t.rows_skipped > 0 {
                            <li>{ format!("{} row{} could not be read and are not in the chains", format::count(t.rows_skipped), if t.rows_skipped == 1 { "" } else { "s" }) }
                                { for skip_reasons(&state.inputs).into_iter().map(|r| html! { <span class="reason">{ format!(" · {r}") }</span> }) }
                            </li>
                        }
                        if t.streams_skipped > 0 {
                            <li>{ format!("{} file{} could not be analysed; see “Files read” below for why. The others were analysed.",
                                t.streams_skipped, if t.streams_skipped == 1 { "" } else { "s" }) }</li>
                        }
                        { for state.missing_tables.iter().map(|m| html! { <li>{ m.clone() }</li> }) }
                    </ul>
                </div>
            }
            <div class={classes!("stat", "stat-main", (stats.chains == 0).then_some("stat-zero"))}>
                // The hook holds the digits (scripts read it); the eye gets thousands marked.
                <span class="stat-value">
                    <span class="visually-hidden" data-testid="chain-count">{ stats.chains }</span>
                    <span aria-hidden="true">{ format::count(stats.chains as u64) }</span>
                </span>
                <span class="stat-label">{ if stats.chains == 1 { "chain" } else { "chains" } }</span>
            </div>
            <div class="stat"><span class="stat-value" data-testid="device-count">{ format::count(stats.devices as u64) }</span><span class="stat-label">{ "devices" }</span></div>
            <div class="stat"><span class="stat-value">{ format::count(stats.remote_ips as u64) }</span><span class="stat-label">{ "source addresses" }</span></div>
            <div class="stat"><span class="stat-value">{ format::count(stats.accounts as u64) }</span><span class="stat-label">{ "accounts" }</span></div>
            <div class="stat"><span class="stat-value">{ span }</span><span class="stat-label">{ "time span" }</span></div>
            if result.allowlist.is_some() {
                <div class="stat"><span class="stat-value" data-testid="suppressed-count">{ suppressed }</span><span class="stat-label">{ "suppressed" }</span></div>
            }
            if let Some(origin) = &result.from_report {
                <div class="alert alert-info report-origin" data-testid="report-origin">
                    <p>
                        <strong>{ "Opened from a report: " }</strong>
                        <span class="mono">{ origin.file.clone() }</span>
                        { format!(" · made {} by copyexec {}", origin.created, origin.version) }
                    </p>
                    if !origin.title.is_empty() { <p><strong>{ origin.title.clone() }</strong></p> }
                    if !origin.notes.is_empty() { <p class="report-notes">{ origin.notes.clone() }</p> }
                    <p class="small">{ "These are the chains the report holds, from its embedded data; the original exports are not here, so the tolerance and the allowlist cannot be changed." }</p>
                </div>
            }
            <p class="summary-note muted">
                { format!(
                    "{} query rows at a tolerance of {} s · {} rows read from {} file{} ({} usable, {} filtered by the query, {} unreadable) in {}{}",
                    format::count(t.query_rows), result.tolerance, format::count(t.rows_read), files,
                    if files == 1 { "" } else { "s" }, format::count(t.rows_used),
                    format::count(t.rows_filtered), format::count(t.rows_skipped), format::millis(state.read_ms),
                    workers(state.readers, state.pieces)
                ) }
            </p>
            if let Some(a) = &result.allowlist {
                <div class="rule-effects" data-testid="rule-effects">
                    <p class="small">{ format!("Allowlist: {} query row{} set aside, {} kept; {} chain{} suppressed.",
                        format::count(a.rows_set_aside), if a.rows_set_aside == 1 { "" } else { "s" },
                        format::count(a.rows_kept), suppressed, if suppressed == 1 { "" } else { "s" }) }</p>
                    <table class="rule-table small">
                        <thead><tr><th scope="col">{ "Rule" }</th><th scope="col">{ "From" }</th><th scope="col" class="num">{ "Rows set aside" }</th><th scope="col" class="num">{ "Chains suppressed" }</th><th scope="col">{ "Reason" }</th></tr></thead>
                        <tbody>
                            { for a.rules.iter().map(|r| html! {
                                <tr data-testid="rule-effect" data-rule={r.id.clone()}>
                                    <td class="mono">{ r.id.clone() }</td>
                                    <td>{ r.source.clone() }</td>
                                    <td class="num" data-testid="rule-rows">{ r.rows_set_aside }</td>
                                    <td class="num" data-testid="rule-chains">{ r.chains_suppressed }</td>
                                    <td class="muted">{ r.reason.clone() }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }

            if !result.evidence_errors.is_empty() {
                { for result.evidence_errors.iter().map(|m| html! { <p class="alert alert-warning">{ m.clone() }</p> }) }
            }
        </section>
    }
}

/// How the files were shared out, for the summary: ` by 2 workers (a file in 2 pieces)`.
fn workers(readers: usize, pieces: u32) -> String {
    match (readers, pieces) {
        (0 | 1, _) => String::new(),
        (n, 0 | 1) => format!(" by {n} workers"),
        (n, p) => format!(" by {n} workers (a large file in {p} pieces)"),
    }
}
