//! The numbers first: chains, devices, sources, accounts, time span; and missing tables.

use crate::format;
use crate::hooks::use_worker::AppContext;
use std::collections::BTreeSet;
use yew::prelude::*;

/// The summary.
#[function_component(Summary)]
pub fn summary() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let state = &ctx.state;
    let Some(result) = &state.result else {
        return html! {};
    };
    let chains = &result.chains;
    let devices: BTreeSet<&str> = chains.iter().map(|c| c.device_id.as_str()).collect();
    let ips: BTreeSet<&str> = chains
        .iter()
        .flat_map(|c| c.remote_ips.iter().map(String::as_str))
        .collect();
    let accounts: BTreeSet<String> = chains
        .iter()
        .flat_map(|c| c.accounts.iter().map(|a| a.to_lowercase()))
        .collect();
    let first = chains
        .iter()
        .flat_map(|c| c.connections.iter().map(|e| e.ticks))
        .min();
    let last = chains.iter().map(|c| c.start.ticks).max();
    let span = match (first, last) {
        (Some(a), Some(b)) => format::span(b - a),
        _ => "—".into(),
    };
    let files = state.inputs.len();
    let t = &result.totals;
    html! {
        <section class="summary" aria-label="Summary" data-worker-memory={result.memory_bytes.to_string()}
            data-read-ms={format!("{:.0}", state.read_ms)} data-query-ms={format!("{:.0}", result.query_ms)}
            data-testid="summary">
            <div class={classes!("stat", "stat-main", (chains.is_empty()).then_some("stat-zero"))}>
                <span class="stat-value" data-testid="chain-count">{ chains.len() }</span>
                <span class="stat-label">{ if chains.len() == 1 { "chain" } else { "chains" } }</span>
            </div>
            <div class="stat"><span class="stat-value" data-testid="device-count">{ devices.len() }</span><span class="stat-label">{ "devices" }</span></div>
            <div class="stat"><span class="stat-value">{ ips.len() }</span><span class="stat-label">{ "source addresses" }</span></div>
            <div class="stat"><span class="stat-value">{ accounts.len() }</span><span class="stat-label">{ "accounts" }</span></div>
            <div class="stat"><span class="stat-value">{ span }</span><span class="stat-label">{ "time span" }</span></div>
            <p class="summary-note muted">
                { format!(
                    "{} query rows at a tolerance of {} s · {} rows read from {} file{} ({} usable, {} filtered by the query, {} unreadable) in {}",
                    format::count(t.query_rows), result.tolerance, format::count(t.rows_read), files,
                    if files == 1 { "" } else { "s" }, format::count(t.rows_used),
                    format::count(t.rows_filtered), format::count(t.rows_skipped), format::millis(state.read_ms)
                ) }
            </p>
            if !state.missing_tables.is_empty() {
                <div class="missing" role="alert" data-testid="missing-tables">
                    { for state.missing_tables.iter().map(|m| html! {
                        <p class="alert alert-warning">{ m.clone() }</p>
                    }) }
                </div>
            }
            if t.streams_skipped > 0 {
                <p class="alert alert-warning">
                    { format!("{} file{} could not be analysed; see “Files read” below for why. The others were analysed.",
                        t.streams_skipped, if t.streams_skipped == 1 { "" } else { "s" }) }
                </p>
            }
            if !result.evidence_errors.is_empty() {
                { for result.evidence_errors.iter().map(|m| html! { <p class="alert alert-warning">{ m.clone() }</p> }) }
            }
        </section>
    }
}
