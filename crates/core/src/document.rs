//! The chains document: what `copyexec chains --format json` writes, the app downloads and
//! every report embeds (see `docs/chains-schema.md`), with the counts and messages shared by
//! everything that shows a result.

use crate::chains::Chain;
use crate::load::StreamReport;
use crate::near_miss::NearMiss;
use crate::schema::Table;
use crate::story::groups::Group;
use crate::story::spread::Spread;
use crate::time::DateOrder;
use serde::{Deserialize, Serialize};

/// The `schema` value of the chains document; bumped on incompatible changes (added members,
/// such as `groups` and `spread`, are not).
pub const CHAINS_SCHEMA: &str = "copyexec.chains/1";

/// What an allowlist did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AllowlistReport {
    /// Each rule and its effect, in order.
    pub rules: Vec<RuleEffect>,
    /// Query rows kept.
    pub rows_kept: u64,
    /// Query rows set aside.
    pub rows_set_aside: u64,
}

/// One rule's effect.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RuleEffect {
    /// Rule id.
    pub id: String,
    /// Its reason.
    pub reason: String,
    /// File or preset it came from.
    pub source: String,
    /// The rule itself.
    pub rule: crate::allowlist::Rule,
    /// Rows it set aside (as the first matching rule).
    pub rows_set_aside: u64,
    /// Chains it suppressed (alone or with other rules).
    pub chains_suppressed: u64,
}

/// Row counts over all inputs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Totals {
    /// Rows of the four tables read.
    pub rows_read: u64,
    /// Rows that could take part in the query.
    pub rows_used: u64,
    /// Rows the query's own filters exclude.
    pub rows_filtered: u64,
    /// Rows that could not be read.
    pub rows_skipped: u64,
    /// Rows of other tables.
    pub rows_other_tables: u64,
    /// Streams not analysed at all.
    pub streams_skipped: u64,
    /// Rows of the query's result.
    pub query_rows: u64,
    /// Chains.
    pub chains: u64,
}

/// The tool that wrote a document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tool {
    /// `copyexec`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Settings a document was made with.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SettingsDoc {
    /// `ToleranceInSeconds`.
    pub tolerance_seconds: i64,
    /// Zone assumed for timestamps written without one.
    pub assumed_time_zone: String,
    /// Day/month order requested for numeric dates.
    pub date_order: DateOrder,
}

/// An input and its streams.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputDoc {
    /// Name as given.
    pub name: String,
    /// Size in bytes.
    pub size: Option<u64>,
    /// What was found in it.
    pub streams: Vec<StreamReport>,
}

/// A table with no rows at all.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MissingTable {
    /// Which.
    pub table: Table,
    /// What it means.
    pub message: String,
}

impl MissingTable {
    /// The table and the one message every front end shows for it.
    pub fn new(table: Table) -> Self {
        MissingTable {
            table,
            message: format!("no {table} loaded: no chain can match"),
        }
    }
}

/// The chains document (`copyexec chains --format json`): see `docs/chains-schema.md`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainsDocument {
    /// [`CHAINS_SCHEMA`].
    pub schema: String,
    /// Producer.
    pub tool: Tool,
    /// Settings.
    pub settings: SettingsDoc,
    /// Inputs and what was read from them.
    pub inputs: Vec<InputDoc>,
    /// Tables with no rows.
    pub missing_tables: Vec<MissingTable>,
    /// Counts.
    pub totals: Totals,
    /// The chains.
    pub chains: Vec<Chain>,
    /// Chains of the same file, rarest first (see [`crate::story::groups`]).
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Hosts, moves and origins of the chains (see [`crate::story::spread`]).
    #[serde(default)]
    pub spread: Spread,
    /// Copies that did not become chains (empty unless asked for).
    #[serde(default)]
    pub near_misses: Vec<NearMiss>,
    /// The allowlist in force and what each rule did (absent without rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlist: Option<AllowlistReport>,
    /// Chains every row of which a rule set aside.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_chains: Vec<Chain>,
}
