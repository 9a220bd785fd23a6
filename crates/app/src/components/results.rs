//! The results view, the story first: summary (what limits it before the count), the spread,
//! the files rarest first; then the controls and the chains; the allowlist and the rest below.

use super::allowlist_panel::AllowlistPanel;
use super::chain_list::ChainList;
use super::groups_table::GroupsTable;
use super::input_reports::InputReports;
use super::near_misses::NearMisses;
use super::overview::Overview;
use super::report_panel::ReportPanel;
use super::rows_table::RowsTable;
use super::spread_graph::SpreadGraph;
use super::summary::Summary;
use super::suppressed_chains::SuppressedChains;
use super::toolbar::Toolbar;
use yew::prelude::*;

/// The results view.
#[function_component(Results)]
pub fn results() -> Html {
    html! {
        <div class="results">
            <Summary />
            <SpreadGraph />
            <GroupsTable />
            <Toolbar />
            <ChainList />
            <Overview />
            <SuppressedChains />
            <NearMisses />
            <AllowlistPanel />
            <ReportPanel />
            <InputReports />
            <RowsTable />
        </div>
    }
}
