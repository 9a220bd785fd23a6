//! The results view: summary, controls, overview, chains, files read, query rows.

use super::allowlist_panel::AllowlistPanel;
use super::chain_list::ChainList;
use super::input_reports::InputReports;
use super::near_misses::NearMisses;
use super::overview::Overview;
use super::report_panel::ReportPanel;
use super::rows_table::RowsTable;
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
            <Toolbar />
            <AllowlistPanel />
            <Overview />
            <ChainList />
            <SuppressedChains />
            <NearMisses />
            <ReportPanel />
            <InputReports />
            <RowsTable />
        </div>
    }
}
