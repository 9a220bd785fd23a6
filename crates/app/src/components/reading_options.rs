//! Time zone and date order for exports whose timestamps do not say which.

use crate::hooks::use_worker::AppContext;
use crate::state::{Action, ReadOptions};
use copyexec_core::time::{format_offset, parse_offset, DateOrder};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Properties.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Read the current files again on a change (in the results view).
    pub reload: bool,
}

/// Time zone and date order for exports whose timestamps do not say.
#[function_component(ReadingOptions)]
pub fn reading_options(props: &Props) -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let options = ctx.state.options;
    let apply = {
        let ctx = ctx.clone();
        let reload = props.reload;
        Rc::new(move |o: ReadOptions| {
            if reload {
                ctx.set_options(o)
            } else {
                ctx.dispatch(Action::SetOptions(o))
            }
        })
    };
    let zone_text = use_state(|| format_offset(options.offset_minutes));
    let zone_error = use_state(|| false);
    let on_zone = {
        let ctx = ctx.clone();
        let apply = apply.clone();
        let zone_text = zone_text.clone();
        let zone_error = zone_error.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let v = input.value();
            zone_text.set(v.clone());
            match parse_offset(&v) {
                Some(m) => {
                    zone_error.set(false);
                    apply(ReadOptions {
                        offset_minutes: m,
                        ..ctx.state.options
                    });
                }
                None => zone_error.set(true),
            }
        })
    };
    let on_order = {
        let ctx = ctx.clone();
        let apply = apply.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let order = match select.value().as_str() {
                "mdy" => DateOrder::Mdy,
                "dmy" => DateOrder::Dmy,
                _ => DateOrder::Auto,
            };
            apply(ReadOptions {
                date_order: order,
                ..ctx.state.options
            });
        })
    };
    html! {
        <div class="help-card">
            <h2>{ "Reading options" }</h2>
            <p>
                { "Only for exports whose timestamps carry no zone or use numeric dates; ISO timestamps with a zone ignore them." }
                if props.reload { { " Changing one reads the files again." } }
            </p>
            <div class="field">
                <label for="opt-zone">{ "Time zone of zone-less timestamps" }</label>
                <input id="opt-zone" type="text" class={classes!("input", zone_error.then_some("invalid"))}
                    value={(*zone_text).clone()} onchange={on_zone} aria-describedby="opt-zone-help"
                    aria-invalid={ if *zone_error { "true" } else { "false" } } spellcheck="false" />
                <small id="opt-zone-help" class="muted">
                    if *zone_error { { "Not understood: write UTC, +02:00 or -0530." } } else { { "The portal exports in its own display zone and does not say which: UTC, +02:00, -0530." } }
                </small>
            </div>
            <div class="field">
                <label for="opt-order">{ "Day/month order of numeric dates" }</label>
                <select id="opt-order" class="input" onchange={on_order}>
                    <option value="auto" selected={options.date_order == DateOrder::Auto}>{ "Decide per file (refuse to guess)" }</option>
                    <option value="mdy" selected={options.date_order == DateOrder::Mdy}>{ "Month first (7/5/2024 = July 5)" }</option>
                    <option value="dmy" selected={options.date_order == DateOrder::Dmy}>{ "Day first (7/5/2024 = 7 May)" }</option>
                </select>
            </div>
        </div>
    }
}
