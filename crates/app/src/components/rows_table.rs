//! The query's rows exactly as the KQL engine returns them (the first few thousand).

use crate::format;
use crate::hooks::use_worker::AppContext;
use copyexec_core::correlate::ROW_COLUMNS;
use yew::prelude::*;

/// The rows table.
#[function_component(RowsTable)]
pub fn rows_table() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let open = use_state(|| false);
    let seq = ctx.state.result.as_ref().map(|r| r.seq);
    {
        // The rows cross from the worker only while the table is open.
        let ctx = ctx.clone();
        let missing = ctx.state.rows.is_none();
        use_effect_with((*open, seq, missing), move |(open, seq, missing)| {
            if *open && seq.is_some() && *missing {
                ctx.ask_rows();
            }
        });
    }
    let Some(result) = ctx.state.result.clone() else {
        return html! {};
    };
    let rows = ctx.state.rows.clone().unwrap_or_default();
    let toggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            let d: web_sys::HtmlDetailsElement = e.target_unchecked_into();
            open.set(d.open());
        })
    };
    let total = result.totals.query_rows as usize;
    html! {
        <section class="rows" aria-labelledby="rows-title">
            <details ontoggle={toggle}>
                <summary>
                    <h2 id="rows-title" class="section-title inline">{ format!("Query rows ({})", format::count(total as u64)) }</h2>
                    <span class="muted small">{ " the query's project, one row per connection × logon × write × start" }</span>
                </summary>
                if *open {
                    if rows.len() < total && ctx.state.rows.is_some() {
                        <p class="muted small">{ format!("The first {} rows are shown; the Rows CSV download has all of them.", rows.len()) }</p>
                    }
                    <div class="table-scroll" tabindex="0" aria-label="Query rows">
                        <table class="rows-table" data-testid="rows-table">
                            <thead><tr>{ for ROW_COLUMNS.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }</tr></thead>
                            <tbody>
                                { for rows.iter().map(|r| html! {
                                    <tr>{ for r.iter().map(|v| html! { <td>{ v.clone() }</td> }) }</tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            </details>
        </section>
    }
}
