//! Reading progress, per file, with a way to stop.

use crate::format;
use crate::hooks::use_worker::AppContext;
use yew::prelude::*;

/// The progress view.
#[function_component(ProgressPanel)]
pub fn progress_panel() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let cancel_ref = use_node_ref();
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = cancel_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let progress = &ctx.state.progress;
    let loaded: u64 = progress.iter().map(|p| p.loaded).sum();
    let total: u64 = progress.iter().map(|p| p.total).sum();
    let reading_done = !ctx.state.inputs.is_empty();
    let cancel = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.cancel())
    };
    html! {
        <section class="panel progress-panel" aria-labelledby="progress-title" data-testid="progress">
            <div class="panel-head">
                <h1 id="progress-title">
                    if reading_done { { "Correlating…" } } else { { "Reading the exports…" } }
                </h1>
                <button type="button" class="btn" onclick={cancel} ref={cancel_ref} data-testid="cancel">{ "Cancel" }</button>
            </div>
            <p class="muted" aria-live="polite">
                { format!("{} of {} read", format::bytes(loaded), format::bytes(total)) }
            </p>
            <progress class="progress-total" max={total.max(1).to_string()} value={loaded.to_string()}
                aria-label="All files" />
            <ul class="progress-files">
                { for progress.iter().map(|p| {
                    let pct = (p.loaded * 100).checked_div(p.total).unwrap_or(100);
                    html! {
                        <li>
                            <span class="progress-name" title={p.name.clone()}>{ p.name.clone() }</span>
                            <progress max={p.total.max(1).to_string()} value={p.loaded.to_string()}
                                aria-label={p.name.clone()} />
                            <span class="progress-bytes">{ format!("{pct}% · {} of {}", format::bytes(p.loaded), format::bytes(p.total)) }</span>
                        </li>
                    }
                }) }
            </ul>
            <p class="muted small">{ "Reading happens in a background worker; the page stays responsive. Cancel stops it at once." }</p>
        </section>
    }
}
