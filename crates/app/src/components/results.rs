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
    html! {
        <div class="results">
            <Summary />
            <SpreadGraph />
            <GroupsTable />
            <Toolbar />
            <ChainTable list={ListKind::Kept} />
            <Overview />
            if suppressed {
                <ChainTable list={ListKind::Suppressed} />
            }
            <NearMisses />
            <AllowlistPanel />
            <ReportPanel />
            <InputReports />
            <RowsTable />
        </div>
    }
}
