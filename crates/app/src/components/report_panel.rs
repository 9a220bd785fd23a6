//! The hand-over report: title, notes and **Export report** (the same bytes as
//! `copyexec report` for the same inputs and settings, apart from the creation time).

use crate::hooks::use_worker::AppContext;
use crate::protocol::DownloadKind;
use crate::state::Action;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The report panel.
#[function_component(ReportPanel)]
pub fn report_panel() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let state = &ctx.state;
    let Some(result) = &state.result else {
        return html! {};
    };
    if let Some(origin) = &result.from_report {
        return html! {
            <section class="report-panel" aria-labelledby="report-title-h">
                <h2 id="report-title-h" class="section-title">{ "Report" }</h2>
                <p class="muted">{ format!("Opened from {}. A new report needs the original exports: open them to export one.", origin.file) }</p>
            </section>
        };
    }
    let on_title = {
        let ctx = ctx.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            ctx.dispatch(Action::SetReportTitle(i.value()));
        })
    };
    let on_notes = {
        let ctx = ctx.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlTextAreaElement = e.target_unchecked_into();
            ctx.dispatch(Action::SetReportNotes(i.value()));
        })
    };
    let export = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.download(DownloadKind::ReportHtml))
    };
    html! {
        <section class="report-panel" aria-labelledby="report-title-h">
            <h2 id="report-title-h" class="section-title">{ "Hand-over report" }</h2>
            <p class="muted small">
                { "One HTML file that opens from a mail attachment or a USB stick with no network: the chains with their timelines and evidence, the inputs' SHA-256, the allowlist and the KQL. It holds the chains at the current tolerance and allowlist" }
                { if state.near_view { ", and the near misses (their list is open)." } else { "; open the near-miss list to include them." } }
            </p>
            <div class="report-fields">
                <div class="field">
                    <label for="report-title">{ "Title" }</label>
                    <input id="report-title" type="text" class="input" placeholder="copyexec report"
                        value={state.report_title.clone()} oninput={on_title} data-testid="report-title" />
                </div>
                <div class="field field-notes">
                    <label for="report-notes">{ "Analyst notes" }</label>
                    <textarea id="report-notes" class="input" rows="3" value={state.report_notes.clone()}
                        oninput={on_notes} data-testid="report-notes" placeholder="Case, scope, findings (plain text)" />
                </div>
                <button type="button" class="btn btn-primary" onclick={export} data-testid="export-report">
                    { "Export report" }
                </button>
            </div>
        </section>
    }
}
