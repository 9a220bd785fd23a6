//! Where files arrive: drag and drop (files and folders), the file and folder pickers, and
//! the sample data.

use crate::hooks::use_worker::AppContext;
use crate::host::{self, Input};
use crate::state::Action;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DragEvent, File, HtmlInputElement};
use yew::prelude::*;

/// Files of a file input, named by their path inside a chosen folder when there is one.
fn files_of_input(input: &HtmlInputElement) -> Vec<Input> {
    let Some(list) = input.files() else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file: File| {
            let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|s| !s.is_empty());
            Input {
                name: relative.unwrap_or_else(|| file.name()),
                file,
            }
        })
        .filter(|i| !i.name.rsplit('/').next().unwrap_or("").starts_with('.'))
        .collect()
}

/// The drop zone.
#[function_component(DropZone)]
pub fn drop_zone() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let over = use_state(|| false);
    let busy = use_state(|| false);

    let on_files = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let files = files_of_input(&input);
            input.set_value("");
            ctx.load(files);
        })
    };
    let on_drag_over = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("copy");
            }
            if !*over {
                over.set(true);
            }
        })
    };
    let on_drag_leave = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            // Leaving for a child element is not leaving the zone.
            let inside = e
                .related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .zip(
                    e.current_target()
                        .and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
                )
                .is_some_and(|(to, zone)| zone.contains(Some(&to)));
            if !inside {
                over.set(false);
            }
        })
    };
    let on_drop = {
        let ctx = ctx.clone();
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            over.set(false);
            let Some(dt) = e.data_transfer() else { return };
            let ctx = ctx.clone();
            // The entries must be taken during the event; the host does so before awaiting.
            let pending = host::files_from_drop(&dt);
            spawn_local(async move {
                match pending.await {
                    Ok(files) => ctx.load(files),
                    Err(e) => ctx.dispatch(Action::Problem(format!(
                        "The dropped items could not be read: {e}"
                    ))),
                }
            });
        })
    };
    let on_sample = {
        let ctx = ctx.clone();
        let busy = busy.clone();
        Callback::from(move |_| {
            let ctx = ctx.clone();
            let busy = busy.clone();
            busy.set(true);
            spawn_local(async move {
                match host::sample_files().await {
                    Ok(files) if !files.is_empty() => ctx.load(files),
                    Ok(_) => ctx.dispatch(Action::Problem("This build has no sample data.".into())),
                    Err(e) => ctx.dispatch(Action::Problem(format!(
                        "The sample data could not be loaded: {e}"
                    ))),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <section class={classes!("dropzone", over.then_some("dropzone-over"))}
            data-testid="drop-zone" aria-label="Drop zone for export files"
            ondragover={on_drag_over.clone()} ondragenter={on_drag_over}
            ondragleave={on_drag_leave} ondrop={on_drop}>
            <svg class="dropzone-icon" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
                <path d="M14 30H10a6 6 0 0 1 0-12 9 9 0 0 1 17-4 7 7 0 0 1 11 6h1a5 5 0 0 1 0 10h-5" />
                <path d="M24 22v18M17 33l7 7 7-7" />
            </svg>
            <p class="dropzone-title">{ "Drop the exports here" }</p>
            <p class="muted">{ "Files, folders or zip archives — Defender CSV or JSON, Windows EVTX or event JSON lines, plain or gzipped. Several at once." }</p>
            <p class="muted small">{ "Or one copyexec report (.html) to see its chains again." }</p>
            <div class="dropzone-actions">
                <label class="btn btn-primary file-button">
                    <input type="file" multiple=true class="visually-hidden-input" data-testid="file-input"
                        onchange={on_files.clone()} />
                    { "Choose files…" }
                </label>
                <label class="btn file-button">
                    <input type="file" multiple=true webkitdirectory=true class="visually-hidden-input"
                        data-testid="folder-input" onchange={on_files} />
                    { "Choose a folder…" }
                </label>
                <span class="or">{ "or" }</span>
                <button type="button" class="btn btn-accent" onclick={on_sample} disabled={*busy}
                    data-testid="sample-button">
                    { "Try the sample data" }
                </button>
            </div>
        </section>
    }
}
