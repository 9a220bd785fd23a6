//! Tolerance, filter, sort and downloads.

use crate::hooks::use_worker::AppContext;
use crate::protocol::{DownloadKind, FilterField, SortKey};
use crate::state::Action;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Largest tolerance the CLI accepts (366 days).
const MAX_TOLERANCE: i64 = 86_400 * 366;

/// The toolbar.
#[function_component(Toolbar)]
pub fn toolbar() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let state = &ctx.state;
    let text = use_state(|| state.tolerance.to_string());
    let invalid = use_state(|| false);
    {
        // Keep the field in step when the tolerance changes elsewhere (the slider).
        let text = text.clone();
        let invalid = invalid.clone();
        use_effect_with(state.tolerance, move |t| {
            if text.trim().parse::<i64>().ok() != Some(*t) {
                text.set(t.to_string());
                invalid.set(false);
            }
        });
    }
    let on_tolerance = {
        let ctx = ctx.clone();
        let text = text.clone();
        let invalid = invalid.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let v = input.value();
            text.set(v.clone());
            match v.trim().parse::<i64>() {
                Ok(t) if (0..=MAX_TOLERANCE).contains(&t) => {
                    invalid.set(false);
                    if t != ctx.state.tolerance {
                        ctx.set_tolerance(t);
                    }
                }
                _ => invalid.set(true),
            }
        })
    };
    let on_filter = {
        let ctx = ctx.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            ctx.dispatch(Action::SetFilter(input.value()));
        })
    };
    let on_field = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            ctx.dispatch(Action::SetFilterField(FilterField::from_value(&s.value())));
        })
    };
    let on_sort = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            ctx.dispatch(Action::SetSort(SortKey::from_value(&s.value())));
        })
    };
    let download = |kind: DownloadKind| {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.download(kind))
    };
    let evidence_pending = state.result.is_some() && !state.evidence_complete();
    let from_report = state
        .result
        .as_ref()
        .is_some_and(|r| r.from_report.is_some());
    let slider_max = state.tolerance.max(60);
    html! {
        <section class="toolbar" aria-label="Controls">
            if from_report {
            <div class="field field-tolerance">
                <span class="label">{ "Tolerance (ToleranceInSeconds)" }</span>
                <p class="small" data-testid="tolerance-fixed">
                    { format!("{} s, as in the report: opened from a report, the query cannot run again.",
                        state.result.as_ref().map(|r| r.tolerance).unwrap_or_default()) }
                </p>
            </div>
            } else {
            <div class="field field-tolerance">
                <label for="tolerance">{ "Tolerance (ToleranceInSeconds)" }</label>
                <div class="tolerance-inputs">
                    <input id="tolerance-range" type="range" min="0" max={slider_max.to_string()} step="1"
                        value={state.tolerance.to_string()} oninput={on_tolerance.clone()}
                        aria-label="Tolerance in seconds (slider)" />
                    <input id="tolerance" type="number" min="0" max={MAX_TOLERANCE.to_string()} step="1"
                        class={classes!("input", "input-number", invalid.then_some("invalid"))}
                        value={(*text).clone()} oninput={on_tolerance} data-testid="tolerance"
                        aria-invalid={ if *invalid { "true" } else { "false" } } />
                    <span class="unit">{ "s" }</span>
                </div>
                if *invalid {
                    <small class="field-error">{ "A whole number of seconds, 0 to 31622400." }</small>
                }
            </div>
            }
            <div class="field field-filter">
                <label for="filter">{ "Filter chains" }</label>
                <div class="filter-inputs">
                    <select class="input" aria-label="Field to filter on" onchange={on_field} data-testid="filter-field">
                        { for FilterField::ALL.iter().map(|f| html! {
                            <option value={f.value()} selected={*f == state.filter_field}>{ f.label() }</option>
                        }) }
                    </select>
                    <input id="filter" type="search" class="input" placeholder="text to find"
                        value={state.filter.clone()} oninput={on_filter} data-testid="filter" spellcheck="false" />
                </div>
            </div>
            <div class="field">
                <label for="sort">{ "Sort by" }</label>
                <select id="sort" class="input" onchange={on_sort} data-testid="sort">
                    { for SortKey::ALL.iter().map(|k| html! {
                        <option value={k.value()} selected={*k == state.sort}>{ k.label() }</option>
                    }) }
                </select>
            </div>
            <div class="field field-downloads">
                <span class="label">{ "Download" }</span>
                <div class="download-buttons">
                    if !from_report {
                    <button type="button" class="btn" onclick={download(DownloadKind::RowsCsv)}
                        data-testid="download-rows" title="The query's rows, as `copyexec rows` prints them">
                        { "Rows CSV" }
                    </button>
                    }
                    <button type="button" class="btn" onclick={download(DownloadKind::ChainsJson)}
                        data-testid="download-chains" title="Chains with evidence, as `copyexec chains --format json` prints them">
                        { "Chains JSON" }
                    </button>
                    <button type="button" class="btn" onclick={download(DownloadKind::TimesketchJsonl)}
                        data-testid="download-timesketch" title="Every event of every chain for Timesketch, as `copyexec chains --format timesketch` prints them">
                        { "Timesketch JSONL" }
                    </button>
                    <button type="button" class="btn" onclick={download(DownloadKind::TimesketchCsv)}
                        data-testid="download-timesketch-csv" title="The same events as Timesketch CSV, as `copyexec chains --format timesketch-csv` prints them">
                        { "Timesketch CSV" }
                    </button>
                    <button type="button" class="btn" onclick={download(DownloadKind::NavigatorLayer)}
                        data-testid="download-navigator" title="ATT&CK Navigator layer of the techniques the chains show, as `copyexec chains --format navigator` prints it">
                        { "ATT&CK layer" }
                    </button>
                </div>
            </div>
            <p class="toolbar-status muted small" aria-live="polite" data-testid="evidence-status"
                data-complete={ (!evidence_pending).to_string() }>
                if evidence_pending { { "Reading the original rows of the chains' events…" } } else { { "Evidence rows loaded." } }
            </p>
        </section>
    }
}
