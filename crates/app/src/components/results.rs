//! The results view: summary, controls, overview, chains, files read, query rows.

use super::chain_list::ChainList;
use super::input_reports::InputReports;
use super::near_misses::NearMisses;
use super::overview::Overview;
use super::rows_table::RowsTable;
use super::summary::Summary;
use super::toolbar::Toolbar;
use yew::prelude::*;

/// The results view.
#[function_component(Results)]
pub fn results() -> Html {
    html! {
        <div class="results">
            <Summary />
            <Toolbar />
            <Overview />
            <ChainList />
            <NearMisses />
            <InputReports />
            <RowsTable />
        </div>
    }
}
