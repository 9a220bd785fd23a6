//! Per file: what it was recognised as, rows per table, timestamps, and every problem.

use super::reading_options::ReadingOptions;
use crate::format;
use crate::hooks::use_worker::AppContext;
use crate::protocol::{InputView, StreamView};
use copyexec_core::diag::Severity;
use yew::prelude::*;

fn stream_view(s: &StreamView, input_name: &str) -> Html {
    let format = s
        .format
        .map(|f| f.describe().to_string())
        .unwrap_or_else(|| "not recognised".into());
    let has_errors = s.skipped.is_some();
    html! {
        <div class={classes!("stream", has_errors.then_some("stream-skipped"))} data-testid="stream-report"
            data-stream-name={s.name.clone()}>
            <div class="stream-head">
                if s.name != input_name {
                    <span class="stream-name mono">{ s.name.clone() }</span>
                }
                <span class={classes!("badge", if has_errors { "badge-error" } else { "badge-ok" })}>
                    if has_errors { { "not analysed" } } else { { format.clone() } }
                </span>
                { for s.layers.iter().map(|l| html! { <span class="badge">{ l.clone() }</span> }) }
            </div>
            if let Some(why) = &s.skipped {
                <p class="alert alert-error" data-testid="skipped">{ format!("Not analysed: {why}") }</p>
            }
            if !s.tables.is_empty() {
                <table class="tables">
                    <thead><tr><th scope="col">{ "Table" }</th><th scope="col" class="num">{ "Rows" }</th><th scope="col" class="num">{ "Usable" }</th>
                        <th scope="col" class="num">{ "Filtered by the query" }</th><th scope="col" class="num">{ "Unreadable" }</th></tr></thead>
                    <tbody>
                        { for s.tables.iter().map(|t| {
                            let skipped: u64 = t.skipped.values().sum();
                            let reasons = t.skipped.iter().map(|(r, n)| format!("{r}: {n}")).collect::<Vec<_>>().join("; ");
                            html! {
                                <tr data-table={t.table.clone()}>
                                    <th scope="row"><code>{ t.table.clone() }</code></th>
                                    <td class="num">{ format::count(t.read) }</td>
                                    <td class="num">{ format::count(t.used) }</td>
                                    <td class="num">{ format::count(t.filtered) }</td>
                                    <td class="num" title={reasons}>{ format::count(skipped) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
            if !s.other_tables.is_empty() {
                <p class="muted small">{ format!("Not read (other tables): {}",
                    s.other_tables.iter().map(|(k, n)| format!("{k}: {n}")).collect::<Vec<_>>().join(", ")) }</p>
            }
            if !s.zone.is_empty() {
                <p class="small">
                    <span class="label-inline">{ "Timestamps: " }</span>
                    { s.timestamp_styles.join(", ") }
                    { format!(" · time zone {}", s.zone) }
                    if let Some(r) = &s.resolution { { format!(" · resolution {r}") } }
                    if let Some(o) = &s.date_order { { format!(" · {o}") } }
                </p>
            }
            if !s.diagnostics.is_empty() {
                <ul class="diagnostics">
                    { for s.diagnostics.iter().filter(|d| !(has_errors && d.line.is_none() && d.message.starts_with("not analysed"))).map(|d| {
                        let (class, word) = match d.severity {
                            Severity::Error => ("diag-error", "error"),
                            Severity::Warning => ("diag-warning", "warning"),
                            Severity::Info => ("diag-info", "note"),
                        };
                        let mut place = String::new();
                        if let Some(l) = d.line.filter(|l| *l > 0) { place.push_str(&format!("line {l}")); }
                        if let Some(c) = &d.column {
                            if !place.is_empty() { place.push_str(", "); }
                            place.push_str(&format!("column {c}"));
                        }
                        html! {
                            <li class={classes!("diag", class)} data-testid="diagnostic">
                                <span class="diag-sev">{ word }</span>
                                if !place.is_empty() { <span class="diag-place">{ place }</span> }
                                <span class="diag-msg">{ d.message.clone() }</span>
                            </li>
                        }
                    }) }
                </ul>
            }
            { for s.suppressed.iter().map(|(k, n)| html! {
                <p class="muted small">{ format!("… and {n} more {k} problems") }</p>
            }) }
        </div>
    }
}

fn input_view(i: &InputView) -> Html {
    html! {
        <li class="input-report" data-testid="input-report" data-name={i.name.clone()}>
            <div class="input-head">
                <span class="input-name">{ i.name.clone() }</span>
                <span class="muted small">{ format::bytes(i.size) }</span>
            </div>
            if i.streams.is_empty() {
                <p class="muted small">{ "Nothing read." }</p>
            }
            { for i.streams.iter().map(|s| stream_view(s, &i.name)) }
        </li>
    }
}

/// The files-read section.
#[function_component(InputReports)]
pub fn input_reports() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let inputs = &ctx.state.inputs;
    let problems = inputs
        .iter()
        .flat_map(|i| &i.streams)
        .filter(|s| s.skipped.is_some() || !s.diagnostics.is_empty())
        .count();
    html! {
        <section class="inputs" aria-labelledby="inputs-title">
            <details open={problems > 0}>
                <summary>
                    <h2 id="inputs-title" class="section-title inline">{ format!("Files read ({})", inputs.len()) }</h2>
                    if problems > 0 {
                        <span class="badge badge-warning">{ format!("{problems} with problems") }</span>
                    }
                </summary>
                <div class="inputs-body">
                    <ul class="input-list">
                        { for inputs.iter().map(input_view) }
                    </ul>
                    <ReadingOptions reload={true} />
                </div>
            </details>
        </section>
    }
}
