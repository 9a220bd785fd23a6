//! The page's components, one per file.

pub mod allowlist_panel;
pub mod app;
pub mod chain_card;
pub mod chain_table;
pub mod chain_timeline;
pub mod drop_zone;
pub mod event_dialog;
pub mod groups_table;
pub mod header;
pub mod input_reports;
pub mod landing;
pub mod messages;
pub mod near_misses;
pub mod overview;
pub mod progress_panel;
pub mod reading_options;
pub mod report_panel;
pub mod results;
pub mod rows_table;
pub mod spread_graph;
pub mod summary;
pub mod toolbar;
