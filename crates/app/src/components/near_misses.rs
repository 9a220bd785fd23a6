//! Near misses: programs copied over SMB that did not become chains, and which step was
//! missing (never started, started too late, no logon…). They explain a zero, and show what
//! a slightly larger tolerance would add.

use super::chain_card::key;
use crate::format;
use crate::hooks::use_worker::AppContext;
use crate::state::Action;
use yew::prelude::*;

/// The near-miss section.
#[function_component(NearMisses)]
pub fn near_misses() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let Some(result) = ctx.state.result.clone() else {
        return html! {};
    };
    if result.near_misses.is_empty() {
        return html! {};
    }
    let count = result.near_misses.len();
    let open = ctx.state.near_view;
    let on_toggle = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let d: web_sys::HtmlDetailsElement = e.target_unchecked_into();
            if d.open() != ctx.state.near_view {
                ctx.dispatch(Action::SetNearView(d.open()));
            }
        })
    };
    html! {
        <section class="near-misses" aria-labelledby="near-title" data-testid="near-misses"
            data-included={open.to_string()}>
            <details open={open} ontoggle={on_toggle}>
                <summary>
                    <h2 id="near-title" class="section-title inline">{ format!("Near misses ({count})") }</h2>
                    <span class="muted small">{ " programs copied over SMB that did not become a chain at this tolerance" }</span>
                    <span class="muted small near-included">
                        { if open { " · included in the Chains JSON and the report (as --near-misses)" } else { " · open to include them in the Chains JSON and the report" } }
                    </span>
                </summary>
                <ul class="near-list">
                    { for result.near_misses.iter().map(|m| {
                        let first = m.writes.first();
                        html! {
                            <li class="near" data-testid="near-miss" data-near-id={m.id.clone()}>
                                <div class="near-head">
                                    <span class="chain-id near-id">{ m.id.clone() }</span>
                                    <span class="near-title">
                                        <span class="chain-file">{ m.file_name.clone() }</span>
                                        <span class="chain-on">{ " on " }</span>
                                        <span>{ m.device_name.clone() }</span>
                                    </span>
                                    if let Some(w) = first {
                                        <span class="chain-time">{ format::stamp_short(&w.timestamp) }</span>
                                    }
                                </div>
                                <p class="near-summary">{ m.summary.clone() }</p>
                                <p class="mono small muted near-path">
                                    { m.folder_path.clone() }
                                    if let Some(w) = first {
                                        { format!(" · {} by {}", key(w, "ActionType"), w.source.file) }
                                    }
                                </p>
                                <div class="near-missing">
                                    { for m.missing.iter().map(|s| html! { <span class="badge badge-warning">{ format!("no {s}") }</span> }) }
                                </div>
                                if !m.notes.is_empty() {
                                    <ul class="notes">
                                        { for m.notes.iter().map(|n| html! { <li class="note" data-note={n.code.clone()}>{ n.message.clone() }</li> }) }
                                    </ul>
                                }
                            </li>
                        }
                    }) }
                </ul>
            </details>
        </section>
    }
}
