//! The root: state, worker and theme; chooses the view for the phase.

use super::event_dialog::EventDialog;
use super::header::Header;
use super::landing::Landing;
use super::messages::Messages;
use super::progress_panel::ProgressPanel;
use super::results::Results;
use crate::hooks::use_worker::{use_app, AppContext};
use crate::state::{Action, Phase, Theme};
use yew::prelude::*;

const THEME_KEY: &str = "copyexec.theme";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The app.
#[function_component(App)]
pub fn app() -> Html {
    let ctx = use_app();
    {
        let ctx = ctx.clone();
        use_effect_with((), move |_| {
            let stored = storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten());
            match stored.as_deref() {
                Some("light") => ctx.dispatch(Action::SetTheme(Theme::Light)),
                Some("dark") => ctx.dispatch(Action::SetTheme(Theme::Dark)),
                _ => {}
            }
        });
    }
    let theme = ctx.state.theme;
    use_effect_with(theme, move |theme| {
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element());
        if let Some(root) = root {
            let _ = match theme {
                Theme::System => root.remove_attribute("data-theme"),
                Theme::Light => root.set_attribute("data-theme", "light"),
                Theme::Dark => root.set_attribute("data-theme", "dark"),
            };
        }
        if let Some(s) = storage() {
            let _ = match theme {
                Theme::System => s.remove_item(THEME_KEY),
                Theme::Light => s.set_item(THEME_KEY, "light"),
                Theme::Dark => s.set_item(THEME_KEY, "dark"),
            };
        }
    });
    let view = match ctx.state.phase {
        Phase::Landing => html! { <Landing /> },
        Phase::Loading => html! { <ProgressPanel /> },
        Phase::Results => html! { <Results /> },
    };
    html! {
        <ContextProvider<AppContext> context={ctx}>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            <Header />
            <main id="main" class="main" tabindex="-1">
                <Messages />
                { view }
            </main>
            <EventDialog />
            <footer class="footer">
                <p>
                    { "copyexec reproduces Microsoft's Defender hunting query “File Copy and Execution”. " }
                    { "Files are read in this browser tab only; nothing is uploaded or sent anywhere." }
                </p>
            </footer>
        </ContextProvider<AppContext>>
    }
}
