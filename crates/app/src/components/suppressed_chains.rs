//! Chains the allowlist suppressed (every query row set aside): listed apart, each with the
//! rules that set it aside and why; one click shows its card again.

use super::chain_card::ChainCard;
use crate::format;
use crate::hooks::use_worker::AppContext;
use crate::protocol::ResultView;
use crate::state::Shared;
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// The suppressed chains as a result of their own, so their cards draw like any other.
fn suppressed_view(r: &ResultView) -> ResultView {
    ResultView {
        seq: r.seq,
        tolerance: r.tolerance,
        evidence_complete: r.evidence_complete,
        evidence_errors: Vec::new(),
        chains: r.suppressed.clone(),
        near_misses: Vec::new(),
        suppressed: Vec::new(),
        allowlist: r.allowlist.clone(),
        story: Default::default(),
        from_report: r.from_report.clone(),
        totals: r.totals.clone(),
        rows: Vec::new(),
        memory_bytes: r.memory_bytes,
        query_ms: r.query_ms,
    }
}

/// The section.
#[function_component(SuppressedChains)]
pub fn suppressed_chains() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let shown = use_state(BTreeSet::<String>::new);
    let result = ctx.state.result.clone();
    let view = use_memo(result.clone().map(Shared), |r| {
        r.as_ref().map(|r| Shared(Rc::new(suppressed_view(r))))
    });
    let (Some(result), Some(view)) = (result, (*view).clone()) else {
        return html! {};
    };
    if result.suppressed.is_empty() {
        return html! {};
    }
    let reason = |rule: &str| -> String {
        result
            .allowlist
            .as_ref()
            .and_then(|a| a.rules.iter().find(|r| r.id == rule))
            .map(|r| format!("{} ({})", r.reason, r.source))
            .unwrap_or_default()
    };
    let count = result.suppressed.len();
    html! {
        <section class="suppressed" aria-labelledby="suppressed-title" data-testid="suppressed-list">
            <h2 id="suppressed-title" class="section-title">
                { format!("Suppressed by the allowlist ({count})") }
            </h2>
            <p class="muted small">{ "Chains every query row of which an allowlist rule set aside. They are not counted above; nothing is hidden: show any of them again." }</p>
            <ul class="suppressed-items">
                { for result.suppressed.iter().enumerate().map(|(i, c)| {
                    let open = shown.contains(&c.id);
                    let onclick = {
                        let shown = shown.clone();
                        let id = c.id.clone();
                        Callback::from(move |_| {
                            let mut s = (*shown).clone();
                            if !s.remove(&id) {
                                s.insert(id.clone());
                            }
                            shown.set(s);
                        })
                    };
                    html! {
                        <li class="suppressed-item" data-testid="suppressed-chain" data-chain-id={c.id.clone()}>
                            <div class="near-head">
                                <span class="chain-id">{ c.id.clone() }</span>
                                <span class="near-title">
                                    <span class="chain-file">{ c.file_name.clone() }</span>
                                    <span class="chain-on">{ " on " }</span>
                                    <span>{ c.device_name.clone() }</span>
                                </span>
                                <span class="chain-time">{ format::stamp_short(&c.start.timestamp) }</span>
                                <button type="button" class="btn btn-small" onclick={onclick}
                                    aria-expanded={open.to_string()} data-testid="show-suppressed">
                                    { if open { "Hide chain" } else { "Show chain" } }
                                </button>
                            </div>
                            <p class="mono small muted near-path">{ c.folder_path.clone() }</p>
                            <ul class="suppressed-by">
                                { for c.suppressed_by.iter().map(|rule| html! {
                                    <li data-testid="suppressed-rule" data-rule={rule.clone()}>
                                        <span class="badge badge-aside">{ rule.clone() }</span>
                                        <span class="small">{ format!(" {}", reason(rule)) }</span>
                                    </li>
                                }) }
                            </ul>
                            if open {
                                <ChainCard result={view.clone()} index={i} suppressed=true />
                            }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
