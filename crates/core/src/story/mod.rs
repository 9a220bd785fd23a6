//! From many chains to one story: the [`groups`] of chains that copied the same file (rarest
//! first), the [`spread`] of moves between hosts with its origins and time-respecting paths,
//! and the [`graph`] that draws it. Computed once here; the CLI, the report and the app all
//! show this model.

pub mod graph;
pub mod groups;
pub mod hosts;
pub mod narrative;
pub mod spread;

use crate::chains::Chain;
use crate::store::Store;
use groups::{ChainHosts, Group};
use hosts::{normalize_address, Directory};
use serde::{Deserialize, Serialize};
use spread::{HostKind, Spread};
use std::collections::BTreeMap;

/// Groups and spread of one analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Groups, rarest first; suppressed chains' groups after the others, marked.
    pub groups: Vec<Group>,
    /// The spread of the chains (suppressed chains are not part of it).
    pub spread: Spread,
}

impl Story {
    /// The story of `chains` (and the groups of `suppressed`), over the devices of `store`.
    pub fn build(store: &Store, chains: &[Chain], suppressed: &[Chain]) -> Story {
        let dir = Directory::from_store(store);
        let (spread, hosts) = spread::build(&dir, chains);
        let suppressed_hosts = chain_hosts(&dir, &spread, suppressed);
        Story {
            groups: groups::build(chains, &hosts, suppressed, &suppressed_hosts),
            spread,
        }
    }

    /// The group holding chain `id`.
    pub fn group_of(&self, chain_id: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.chains.iter().any(|c| c == chain_id))
    }
}

/// Each suppressed chain's target and source host ids, with the spread's ids (hosts only
/// suppressed chains touch get the ids the spread would give them).
fn chain_hosts(dir: &Directory, spread: &Spread, chains: &[Chain]) -> Vec<ChainHosts> {
    let mut device_ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut external_ids: BTreeMap<&str, &str> = BTreeMap::new();
    for h in &spread.hosts {
        match (h.kind, &h.device_id) {
            (HostKind::Device, Some(d)) => {
                device_ids.insert(d, &h.id);
            }
            _ => {
                if let Some(a) = h.addresses.first() {
                    external_ids.insert(a, &h.id);
                }
            }
        }
    }
    let device_host = |device: usize| -> String {
        let d = &dir.devices[device];
        device_ids
            .get(d.device_id.as_str())
            .map(|s| s.to_string())
            .unwrap_or_else(|| hosts::short_name(d.label()))
    };
    chains
        .iter()
        .map(|c| ChainHosts {
            target: match dir.device(&c.device_id) {
                Some(d) => device_host(d),
                None => c.device_name.to_ascii_lowercase(),
            },
            sources: dir
                .sources(c)
                .into_iter()
                .map(|s| match s.device {
                    Some(d) => device_host(d),
                    None => {
                        let a = normalize_address(&s.address);
                        external_ids
                            .get(a.as_str())
                            .map(|x| x.to_string())
                            .unwrap_or(a)
                    }
                })
                .collect(),
        })
        .collect()
}
