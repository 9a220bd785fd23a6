//! The top bar: name, what it is, theme switch, and a way back to the start.

use crate::hooks::use_worker::AppContext;
use crate::state::{Action, Phase, Theme};
use yew::prelude::*;

fn system_prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// The header.
#[function_component(Header)]
pub fn header() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let dark = match ctx.state.theme {
        Theme::Dark => true,
        Theme::Light => false,
        Theme::System => system_prefers_dark(),
    };
    let toggle = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            ctx.dispatch(Action::SetTheme(if dark {
                Theme::Light
            } else {
                Theme::Dark
            }))
        })
    };
    let new_analysis = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.reset())
    };
    html! {
        <header class="topbar">
            <div class="brand">
                <svg class="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                    <rect x="2" y="6" width="12" height="16" rx="2" class="logo-a" />
                    <rect x="18" y="10" width="12" height="16" rx="2" class="logo-b" />
                    <path d="M10 14 H22 M18 10 L22 14 L18 18" class="logo-arrow" />
                </svg>
                <div>
                    <span class="brand-name">{ "copyexec" }</span>
                    <span class="brand-tag">{ "File copy → execution hunt, offline" }</span>
                </div>
            </div>
            <div class="topbar-actions">
                if ctx.state.phase == Phase::Results {
                    <button type="button" class="btn btn-ghost" onclick={new_analysis}>{ "New analysis" }</button>
                }
                <button type="button" class="btn btn-ghost theme-toggle" onclick={toggle}
                    aria-label={ if dark { "Switch to light theme" } else { "Switch to dark theme" } }
                    title={ if dark { "Switch to light theme" } else { "Switch to dark theme" } }>
                    if dark {
                        <svg viewBox="0 0 24 24" class="icon" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="4.5"/><path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8"/></svg>
                    } else {
                        <svg viewBox="0 0 24 24" class="icon" aria-hidden="true" focusable="false"><path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z"/></svg>
                    }
                </button>
            </div>
        </header>
    }
}
