//! Allowlists: the four presets for the seed's benign look-alikes (off by default), a rules
//! editor with its errors shown by line, load and save of rule files, and the KQL that runs
//! the same tuned hunt in Sentinel or Defender. Changes act at once: the worker runs the query
//! again from memory.

use crate::hooks::use_worker::{offer_text, AppContext};
use crate::state::{preset_source, Action, Rules};
use copyexec_core::allowlist::presets::PRESETS;
use copyexec_core::allowlist::{kql, RuleFile};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// An example the editor offers as its placeholder.
const PLACEHOLDER: &str = "# One [[rule]] per benign pattern; every field given must match.\n\
[[rule]]\n\
id = \"our-deployment-share\"\n\
reason = \"software the IT team pushes from its deployment server\"\n\
source_ip = [\"10.20.0.0/16\"]\n\
folder_path = ['C:\\Windows\\Temp\\deploy\\*']\n";

/// The presets, parsed once for their names, descriptions and rules.
fn preset_files() -> Vec<(&'static str, RuleFile)> {
    PRESETS
        .iter()
        .map(|(file, text)| (*file, toml::from_str(text).unwrap_or_default()))
        .collect()
}

/// The allowlist panel.
#[function_component(AllowlistPanel)]
pub fn allowlist_panel() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let presets = use_memo((), |_| preset_files());
    let copied = use_state(|| None::<String>);
    let state = &ctx.state;
    let start_open = use_state(|| !state.allowlist.rules.is_empty());
    let from_report = state
        .result
        .as_ref()
        .is_some_and(|r| r.from_report.is_some());
    if from_report {
        return html! {
            <section class="allowlist" aria-labelledby="allowlist-title" data-testid="allowlist-panel">
                <h2 id="allowlist-title" class="section-title">{ "Allowlist" }</h2>
                <p class="muted">{ "These chains were opened from a report: the allowlist it was made with is listed in the summary, and it cannot be changed here. Open the original exports to tune it." }</p>
            </section>
        };
    }
    let rules = state.rules.clone();
    let toggle = |i: usize| {
        let ctx = ctx.clone();
        let rules = rules.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut r = rules.clone();
            if let Some(p) = r.presets.get_mut(i) {
                *p = input.checked();
            }
            ctx.set_rules(r);
        })
    };
    let on_text = {
        let ctx = ctx.clone();
        let rules = rules.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            ctx.set_rules(Rules {
                text: area.value(),
                ..rules.clone()
            });
        })
    };
    let on_load = {
        let ctx = ctx.clone();
        let rules = rules.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|l| l.get(0)) else {
                return;
            };
            input.set_value("");
            let ctx = ctx.clone();
            let rules = rules.clone();
            spawn_local(async move {
                match JsFuture::from(file.text()).await {
                    Ok(text) => ctx.set_rules(Rules {
                        text: text.as_string().unwrap_or_default(),
                        name: file.name(),
                        ..rules
                    }),
                    Err(e) => ctx.dispatch(Action::Problem(format!(
                        "{}: could not be read: {}",
                        file.name(),
                        crate::host::describe(&e)
                    ))),
                }
            });
        })
    };
    let list = state.allowlist.clone();
    let on_save = {
        let ctx = ctx.clone();
        let list = list.clone();
        Callback::from(move |_| {
            if let Err(e) = offer_text(
                "copyexec-allowlist.toml",
                "application/toml",
                &list.to_toml(),
            ) {
                ctx.dispatch(Action::Problem(format!(
                    "The rules could not be saved: {e}"
                )));
            }
        })
    };
    let query = kql::render(state.tolerance, &list);
    let on_kql_download = {
        let ctx = ctx.clone();
        let query = query.clone();
        Callback::from(move |_| {
            if let Err(e) = offer_text("copyexec-hunt.kql", "text/plain", &query) {
                ctx.dispatch(Action::Problem(format!("The KQL could not be saved: {e}")));
            }
        })
    };
    let on_copy = {
        let query = query.clone();
        let copied = copied.clone();
        Callback::from(move |_| {
            let Some(window) = web_sys::window() else {
                return;
            };
            let promise = window.navigator().clipboard().write_text(&query);
            let copied = copied.clone();
            spawn_local(async move {
                copied.set(Some(match JsFuture::from(promise).await {
                    Ok(_) => "Copied.".into(),
                    Err(_) => {
                        "The browser refused the clipboard: select the text and copy it.".into()
                    }
                }));
            });
        })
    };
    let in_force = list.rules.len();
    let (error_line, error_text) = match &rules.error {
        Some((line, text)) => (*line, Some(text.clone())),
        None => (None, None),
    };
    let line_text = error_line.and_then(|l| rules.text.lines().nth(l.saturating_sub(1)));
    html! {
        <section class="allowlist" aria-labelledby="allowlist-title" data-testid="allowlist-panel">
            // Closed when the results first show without a rule in force: out of the way of
            // the story, one click away. Never changed after that, so the reader's choice holds.
            <details open={*start_open}>
                <summary>
                    <h2 id="allowlist-title" class="section-title inline">{ "Allowlist" }</h2>
                    <span class="muted small" data-testid="rules-in-force">
                        { format!(" {} rule{} in force · rows they match are set aside, never hidden: suppressed chains are listed below with their rule",
                            in_force, if in_force == 1 { "" } else { "s" }) }
                    </span>
                </summary>
                <div class="allowlist-body">
                    <div class="presets">
                        <h3 class="sub-title">{ "Presets for the common benign look-alikes" }</h3>
                        <p class="muted small">{ "Off by default: turn on what fits your estate. Each is a rule file shipped in presets/." }</p>
                        { for presets.iter().enumerate().map(|(i, (file, rf))| {
                            let on = rules.presets.get(i).copied().unwrap_or(false);
                            let id = format!("preset-{i}");
                            html! {
                                <div class={classes!("preset", on.then_some("preset-on"))} data-testid="preset" data-preset={file.trim_end_matches(".toml").to_string()}>
                                    <label class="preset-head" for={id.clone()}>
                                        <input id={id} type="checkbox" checked={on} onchange={toggle(i)}
                                            data-testid="preset-toggle" />
                                        <span class="preset-name">{ rf.name.clone() }</span>
                                        <span class="badge">{ preset_source(file) }</span>
                                    </label>
                                    <details class="preset-details">
                                        <summary class="small">{ "What it matches and why that is safe" }</summary>
                                        <p class="preset-desc small">{ rf.description.trim().to_string() }</p>
                                        <ul class="preset-rules">
                                            { for rf.rules.iter().map(|r| html! {
                                                <li>
                                                    <span class="mono">{ r.id.clone() }</span>{ ": " }{ r.reason.clone() }
                                                    <ul class="conditions">
                                                        { for r.conditions().map(|(k, v)| html! {
                                                            <li class="mono small">{ format!("{k} = {}", v.join(" | ")) }</li>
                                                        }) }
                                                    </ul>
                                                </li>
                                            }) }
                                        </ul>
                                    </details>
                                </div>
                            }
                        }) }
                    </div>
                    <div class="rules-editor">
                        <h3 class="sub-title">
                            <label for="rules-text">{ "Your rules " }</label>
                            <span class="muted small mono">{ rules.name.clone() }</span>
                        </h3>
                        <textarea id="rules-text" class={classes!("input", "rules-text", error_text.is_some().then_some("invalid"))}
                            rows="12" spellcheck="false" placeholder={PLACEHOLDER} value={rules.text.clone()}
                            oninput={on_text} data-testid="rules-editor"
                            aria-invalid={ if error_text.is_some() { "true" } else { "false" } }
                            aria-describedby="rules-status" />
                        <div id="rules-status" aria-live="polite">
                            if let Some(text) = error_text {
                                <div class="alert alert-error rules-error" data-testid="rules-error"
                                    data-line={error_line.map(|l| l.to_string()).unwrap_or_default()}>
                                    <p>
                                        if let Some(l) = error_line { <strong>{ format!("Line {l}: ") }</strong> }
                                        { text }
                                    </p>
                                    if let Some(t) = line_text {
                                        <pre class="mono small error-line">{ t.to_string() }</pre>
                                    }
                                    <p class="small">{ "Until this is fixed, the last valid rules stay in force." }</p>
                                </div>
                            } else {
                                <p class="muted small">{ "TOML: [[rule]] with id, reason and any of sha256, sha1, md5, file_name, extension, folder_path, account, account_sid, source_ip, source_device, device, device_id, command_line, parent_process (lists; * and ? are wildcards; case is ignored)." }</p>
                            }
                        </div>
                        <div class="rules-buttons">
                            <label class="btn">
                                { "Load rules…" }
                                <input type="file" accept=".toml,text/plain" class="visually-hidden-input"
                                    onchange={on_load} data-testid="rules-load" />
                            </label>
                            <button type="button" class="btn" onclick={on_save} data-testid="rules-save"
                                title="Every rule in force (presets turned on and yours) as one TOML file">
                                { "Save rules (TOML)" }
                            </button>
                        </div>
                    </div>
                    <div class="kql">
                        <h3 class="sub-title">{ "The same hunt in Sentinel or Defender (KQL)" }</h3>
                        <p class="muted small">{ "The seed query with this tolerance, each rule as a where clause: it returns the rows copyexec keeps. Run it where the data outgrows this browser." }</p>
                        <pre class="kql-text mono" data-testid="kql" tabindex="0">{ query }</pre>
                        <div class="rules-buttons">
                            <button type="button" class="btn" onclick={on_copy} data-testid="kql-copy">{ "Copy KQL" }</button>
                            <button type="button" class="btn" onclick={on_kql_download} data-testid="kql-download">{ "Download .kql" }</button>
                            if let Some(m) = &*copied { <span class="muted small" role="status">{ m.clone() }</span> }
                        </div>
                    </div>
                </div>
            </details>
        </section>
    }
}
