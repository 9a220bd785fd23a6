//! Groups: chains of the same file, rarest first (least-frequency stacking).
//!
//! A file's identity is its SHA256, else its SHA1, else its MD5, else its lower-cased name;
//! each group says which it used. A routine deployment puts one file on thousands of hosts; an
//! intruder's tool lands on a handful: ordering groups by how few targets they touched puts
//! the odd one first.

use crate::chains::Chain;
pub use crate::identity::{file_identity, IdentityKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The `schema` of `copyexec groups --format json`.
pub const GROUPS_SCHEMA: &str = "copyexec.groups/1";

/// Chains of one file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// `g1`, `g2`… in this order (suppressed groups after the others).
    pub id: String,
    /// Which value identifies the file.
    pub identity: IdentityKind,
    /// That value.
    pub key: String,
    /// The name most of its chains wrote (the first in order among equals).
    pub file_name: String,
    /// Every name it was written as.
    pub file_names: Vec<String>,
    /// Paths it was written to and run from.
    pub folder_paths: Vec<String>,
    /// SHA256, null when none was logged.
    pub sha256: Option<String>,
    /// SHA1, null when none was logged.
    pub sha1: Option<String>,
    /// MD5, null when none was logged.
    pub md5: Option<String>,
    /// Chain ids, in chain order.
    pub chains: Vec<String>,
    /// Target hosts (spread host ids).
    pub targets: Vec<String>,
    /// Source hosts (spread host ids).
    pub sources: Vec<String>,
    /// Accounts that logged on.
    pub accounts: Vec<String>,
    /// First process start (exact).
    pub first: String,
    /// Last process start (exact).
    pub last: String,
    /// `first` in milliseconds since 1970.
    pub first_unix_ms: f64,
    /// `last` in milliseconds since 1970.
    pub last_unix_ms: f64,
    /// Whether its chains are suppressed chains (every row set aside by an allowlist rule).
    pub suppressed: bool,
}

/// The host ids of one chain, as the spread resolved them.
pub struct ChainHosts {
    /// Target host id.
    pub target: String,
    /// Source host ids.
    pub sources: Vec<String>,
}

/// Groups of `chains` (then of `suppressed`, marked), rarest first: fewest targets, then the
/// earliest first start, then the identity. Every chain is in exactly one group.
pub fn build(
    chains: &[Chain],
    hosts: &[ChainHosts],
    suppressed: &[Chain],
    suppressed_hosts: &[ChainHosts],
) -> Vec<Group> {
    let mut out = of(chains, hosts, false);
    out.extend(of(suppressed, suppressed_hosts, true));
    for (i, g) in out.iter_mut().enumerate() {
        g.id = format!("g{}", i + 1);
    }
    out
}

fn of(chains: &[Chain], hosts: &[ChainHosts], suppressed: bool) -> Vec<Group> {
    let mut by: BTreeMap<(IdentityKind, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in chains.iter().enumerate() {
        by.entry(file_identity(c)).or_default().push(i);
    }
    let mut groups: Vec<(usize, i64, Group)> = by
        .into_iter()
        .map(|((kind, key), members)| {
            let mut names: BTreeMap<&str, usize> = BTreeMap::new();
            let mut paths = BTreeSet::new();
            let mut targets = BTreeSet::new();
            let mut sources = BTreeSet::new();
            let mut accounts = BTreeSet::new();
            let first_hash = |f: fn(&Chain) -> &str| {
                members
                    .iter()
                    .map(|&i| f(&chains[i]))
                    .find(|v| !v.is_empty())
                    .map(str::to_string)
            };
            for &i in &members {
                let c = &chains[i];
                *names.entry(c.file_name.as_str()).or_default() += 1;
                paths.insert(c.folder_path.clone());
                if let Some(h) = hosts.get(i) {
                    targets.insert(h.target.clone());
                    sources.extend(h.sources.iter().cloned());
                }
                accounts.extend(c.accounts.iter().cloned());
            }
            let file_name = names
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(n, _)| n.to_string())
                .unwrap_or_default();
            let (first, last) = members
                .iter()
                .map(|&i| &chains[i].start)
                .fold(
                    None,
                    |acc: Option<(&crate::chains::Event, &crate::chains::Event)>, e| {
                        Some(match acc {
                            None => (e, e),
                            Some((f, l)) => (
                                if e.ticks < f.ticks { e } else { f },
                                if e.ticks > l.ticks { e } else { l },
                            ),
                        })
                    },
                )
                .expect("a group has a chain");
            let g = Group {
                id: String::new(),
                identity: kind,
                key,
                file_name,
                file_names: names
                    .keys()
                    .filter(|n| !n.is_empty())
                    .map(|n| n.to_string())
                    .collect(),
                folder_paths: paths.into_iter().collect(),
                sha256: first_hash(|c| &c.sha256),
                sha1: first_hash(|c| &c.sha1),
                md5: first_hash(|c| &c.md5),
                chains: members.iter().map(|&i| chains[i].id.clone()).collect(),
                first: first.timestamp.clone(),
                last: last.timestamp.clone(),
                first_unix_ms: first.unix_ms,
                last_unix_ms: last.unix_ms,
                targets: targets.into_iter().collect(),
                sources: sources.into_iter().collect(),
                accounts: accounts.into_iter().collect(),
                suppressed,
            };
            (g.targets.len(), first.ticks, g)
        })
        .collect();
    groups.sort_by(|a, b| {
        (a.0, a.1, a.2.identity, &a.2.key).cmp(&(b.0, b.1, b.2.identity, &b.2.key))
    });
    groups.into_iter().map(|(_, _, g)| g).collect()
}
