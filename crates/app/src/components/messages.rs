//! Errors and notices that concern the whole page.

use crate::hooks::use_worker::AppContext;
use crate::state::Action;
use yew::prelude::*;

/// Page-level messages.
#[function_component(Messages)]
pub fn messages() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let dismiss = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::DismissMessages))
    };
    if ctx.state.error.is_none() && ctx.state.notice.is_none() {
        return html! {};
    }
    html! {
        <div class="messages">
            if let Some(e) = &ctx.state.error {
                <div class="alert alert-error" role="alert" data-testid="page-error">
                    <span>{ e.clone() }</span>
                    <button type="button" class="btn btn-small btn-ghost" onclick={dismiss.clone()}>{ "Dismiss" }</button>
                </div>
            }
            if let Some(n) = &ctx.state.notice {
                <div class="alert alert-info" role="status">
                    <span>{ n.clone() }</span>
                    <button type="button" class="btn btn-small btn-ghost" onclick={dismiss}>{ "Dismiss" }</button>
                </div>
            }
        </div>
    }
}
