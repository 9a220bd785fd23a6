//! The chain cards, filtered and sorted, shown a page at a time.

use super::chain_card::ChainCard;
use crate::hooks::use_worker::AppContext;
use crate::state::{visible_chains, Shared};
use yew::prelude::*;

/// Cards shown before "Show more".
const PAGE: usize = 50;

/// Cards drawn in the first task (what fills the screen), then per later task: the first
/// ones appear at once and the page never stalls on drawing fifty timelines in one go.
const FIRST: usize = 3;
const STEP: usize = 10;

/// Runs `f` in a later task.
fn later(f: impl FnOnce() + 'static) {
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(&cb),
            0,
        );
    }
}

/// The list.
#[function_component(ChainList)]
pub fn chain_list() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let limit = use_state(|| PAGE);
    let drawn = use_state(|| FIRST);
    let state = &ctx.state;
    let shared = state.result.clone().map(Shared);
    let indices = use_memo(
        (
            shared.clone(),
            state.filter.clone(),
            state.filter_field,
            state.sort,
            state.pick.clone(),
        ),
        |(r, filter, field, sort, pick)| {
            r.as_ref()
                .map(|r| visible_chains(&r.chains, filter, *field, *sort, pick.as_ref()))
                .unwrap_or_default()
        },
    );
    let wanted = indices.len().min(*limit);
    {
        let drawn = drawn.clone();
        use_effect_with((*drawn, wanted), move |(now, wanted)| {
            if now < wanted {
                let next = now + STEP;
                later(move || drawn.set(next));
            }
        });
    }
    let Some(shared) = shared else {
        return html! {};
    };
    let result = shared.0.clone();
    let more = {
        let limit = limit.clone();
        Callback::from(move |_| limit.set(*limit + PAGE))
    };
    let total = result.chains.len();
    let clear_pick = {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.dispatch(crate::state::Action::Pick(None)))
    };
    let shown = wanted.min(*drawn);
    html! {
        <section class="chains" aria-labelledby="chains-title" data-testid="chain-list"
            data-pending={(wanted - shown).to_string()}>
            <h2 id="chains-title" class="section-title">
                { "Chains" }
                if let Some(p) = &state.pick {
                    <span class="pick" data-testid="pick">
                        { format!(" · {} ({} chains) ", p.label, p.chains.len()) }
                        <button type="button" class="link" onclick={clear_pick}>{ "show all" }</button>
                    </span>
                }
                if indices.len() != total {
                    <span class="muted small" data-testid="filtered-count">{ format!(" · {} of {} match the filter", indices.len(), total) }</span>
                }
            </h2>
            if total == 0 {
                <div class="empty">
                    <p><strong>{ "No copy → execute chain at this tolerance." }</strong></p>
                    <p class="muted">{ "Check “Files read” below: each of the four tables must be present, and connections, logons, writes and starts must fall within the tolerance after a connection on port 445." }</p>
                </div>
            } else if indices.is_empty() {
                <p class="empty muted">{ "No chain matches the filter." }</p>
            }
            { for indices.iter().take(shown).map(|&i| html! {
                <ChainCard key={result.chains[i].id.clone()} result={shared.clone()} index={i} />
            }) }
            if indices.len() > wanted {
                <button type="button" class="btn more" onclick={more}>
                    { format!("Show {} more ({} not shown)", PAGE.min(indices.len() - wanted), indices.len() - wanted) }
                </button>
            }
        </section>
    }
}
