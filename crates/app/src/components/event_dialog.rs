//! Every original field of one event, in a modal dialog.

use super::chain_timeline::{lane, LANES};
use crate::format;
use crate::hooks::use_worker::AppContext;
use copyexec_core::chains::Event;
use yew::prelude::*;

/// The dialog (shown while an event is selected).
#[function_component(EventDialog)]
pub fn event_dialog() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let close_ref = use_node_ref();
    let selected = ctx.state.selected.clone();
    {
        let close_ref = close_ref.clone();
        use_effect_with(selected.clone(), move |sel| {
            if sel.is_some() {
                if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        });
    }
    let Some((chain_id, event_id)) = selected else {
        return html! {};
    };
    // The chain with its evidence once the worker sent it; meanwhile, its card's key fields.
    let with_evidence = ctx.state.evidence.clone().filter(|c| c.id == chain_id);
    let card = ctx.state.open_chain.clone().filter(|c| c.id == chain_id);
    let chain = with_evidence.as_deref().or(card.as_deref());
    let event: Option<&Event> = chain.and_then(|c| c.events().find(|e| e.id == event_id));
    let close = {
        let ctx = ctx.clone();
        let chain_id = chain_id.clone();
        Callback::from(move |_: ()| {
            ctx.select(None);
            // Back to where the user was.
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&format!("chain-{chain_id}")))
            {
                use wasm_bindgen::JsCast;
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        })
    };
    let on_key = {
        let close = close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                close.emit(());
            }
        })
    };
    let on_backdrop = {
        let close = close.clone();
        Callback::from(move |e: MouseEvent| {
            let on_backdrop = e
                .target()
                .zip(e.current_target())
                .is_some_and(|(t, c)| t == c);
            if on_backdrop {
                close.emit(());
            }
        })
    };
    let close_click = {
        let close = close.clone();
        Callback::from(move |_: MouseEvent| close.emit(()))
    };
    let Some(event) = event else {
        return html! {};
    };
    let evidence_read = with_evidence.is_some();
    let fields: &[(String, String)] = if event.fields.is_empty() {
        &event.key
    } else {
        &event.fields
    };
    html! {
        <div class="backdrop" onclick={on_backdrop} onkeydown={on_key}>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-testid="event-dialog"
                data-evidence={evidence_read.to_string()}>
                <div class="dialog-head">
                    <div>
                        <h2 id="dialog-title">{ format!("{} {} · chain {}", LANES[lane(event.table)], event.id, chain_id) }</h2>
                        <p class="muted small">
                            { format!("{} · {} · {} after the first connection · {}:{}",
                                event.table, format::stamp_short(&event.timestamp), format::offset(event.offset_ticks),
                                event.source.file, event.source.line) }
                        </p>
                    </div>
                    <button type="button" class="btn" ref={close_ref} onclick={close_click}>{ "Close" }</button>
                </div>
                if event.fields.is_empty() {
                    <p class="alert alert-info">
                        if evidence_read {
                            { "The original row could not be read again; its key fields are shown." }
                        } else {
                            { "Reading the original row… its key fields are shown meanwhile." }
                        }
                    </p>
                }
                <div class="fields-wrap">
                    <table class="fields">
                        <thead><tr><th scope="col">{ "Field" }</th><th scope="col">{ "Value" }</th></tr></thead>
                        <tbody>
                            { for fields.iter().map(|(k, v)| html! {
                                <tr><th scope="row">{ k.clone() }</th><td class="mono">{ v.clone() }</td></tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </div>
        </div>
    }
}
