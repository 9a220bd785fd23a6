//! The results view, the story first: summary (what limits it before the count), the spread,
//! the files rarest first; then the controls and the chains; the allowlist and the rest below.

use super::allowlist_panel::AllowlistPanel;
use super::chain_table::ChainTable;
use super::groups_table::GroupsTable;
use super::input_reports::InputReports;
use super::near_misses::NearMisses;
use super::overview::Overview;
use super::report_panel::ReportPanel;
use super::rows_table::RowsTable;
use super::spread_graph::SpreadGraph;
use super::summary::Summary;
use super::toolbar::Toolbar;
use crate::hooks::use_worker::AppContext;
use crate::protocol::ListKind;
use yew::prelude::*;

/// The results view.
#[function_component(Results)]
pub fn results() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let suppressed = ctx
        .state
        .result
        .as_ref()
        .is_some_and(|r| r.stats.suppressed > 0);
    // What is below the first screen is drawn in a later task, so the summary and the story
    // of a new analysis paint first and no single task draws the whole page. (Per load, not
    // per result: a tolerance or rule change must not close what the user has open below.)
    let seq = Some(ctx.state.load_seq);
    let below = use_state(|| None::<u32>);
    {
        let below = below.clone();
        use_effect_with(seq, move |seq| {
            let seq = *seq;
            let cb = wasm_bindgen::closure::Closure::once_into_js(move || below.set(seq));
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    wasm_bindgen::JsCast::unchecked_ref(&cb),
                    0,
                );
            }
        });
    }
    let later = below.is_some() && *below == seq;
    html! {
        <div class="results">
            <Summary />
            <SpreadGraph />
            <GroupsTable />
            <Toolbar />
            <ChainTable list={ListKind::Kept} />
            if later {
                <Overview />
                if suppressed {
                    <ChainTable list={ListKind::Suppressed} />
                }
                <NearMisses />
                <AllowlistPanel />
                <ReportPanel />
                <InputReports />
                <RowsTable />
            }
        </div>
    }
}
