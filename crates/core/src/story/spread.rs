//! The spread: which host reached which, when, and where it started.
//!
//! Every chain is a *move* from its source host to its target device. A host is reached from an
//! origin only along moves whose times strictly increase along the path (A→B at 10:00 then
//! B→C at 10:20 is a path; a B→C at 09:00 is not part of a path from A). An *origin* is a host
//! with a move out before any move in (or at the same instant: the order cannot be told), or
//! with no move in: where an intrusion, or a deployment, started. A move's time is the first inbound connection of its chain from that source.

use super::groups::ChainHosts;
use super::hosts::{Directory, Resolution};
use crate::chains::Chain;
use crate::story::hosts::normalize_address;
use crate::time::Ticks;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The `schema` of `copyexec spread --format json`.
pub const SPREAD_SCHEMA: &str = "copyexec.spread/1";

/// Whether a host is a device of the data or known only from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKind {
    /// A `DeviceId` of the data.
    Device,
    /// A source address no device of the data owns.
    External,
}

/// A host of the story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Stable id: the device's short name (its `DeviceId` where names collide), or the address.
    pub id: String,
    /// What to show: the device's most common name, or the address.
    pub label: String,
    /// Device or external.
    pub kind: HostKind,
    /// `DeviceId`, for devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Names: `DeviceName`s of a device; `RemoteDeviceName`s a logon gave an external host.
    pub names: Vec<String>,
    /// Addresses: a device's inbound `LocalIP`s; an external host's address.
    pub addresses: Vec<String>,
    /// How chains found it: target, by name, by address, unresolved.
    pub resolved: Vec<Resolution>,
    /// Whether it is an origin.
    pub is_origin: bool,
    /// Origins from which a time-respecting path reaches it.
    pub origins: Vec<String>,
    /// For each of those origins: when its first path arrived and from which host.
    #[serde(default)]
    pub reached: Vec<Reach>,
    /// When the first such path reached it (exact), or null.
    pub first_reached: Option<String>,
    /// The same in milliseconds since 1970, for plotting.
    pub first_reached_unix_ms: Option<f64>,
    /// The host whose move reached it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached_from: Option<String>,
    /// Hops from the left edge of the picture: 0 for hosts never reached, one more than
    /// `reached_from` otherwise.
    pub depth: u32,
    /// Chains into it and out of it.
    pub chains_in: u32,
    /// Chains out of it.
    pub chains_out: u32,
}

/// How one origin first reached a host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    /// The origin's host id.
    pub origin: String,
    /// When its first time-respecting path arrived (exact).
    pub at: String,
    /// The same in milliseconds since 1970.
    pub at_unix_ms: f64,
    /// The host of the path's last move.
    pub from: String,
}

/// Source host → target device, with the chains that made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    /// Source host id.
    pub from: String,
    /// Target host id.
    pub to: String,
    /// Chain ids, in chain order.
    pub chains: Vec<String>,
    /// First chain's time (exact).
    pub first: String,
    /// Last chain's time (exact).
    pub last: String,
    /// `first` in milliseconds since 1970.
    pub first_unix_ms: f64,
    /// `last` in milliseconds since 1970.
    pub last_unix_ms: f64,
    /// File names copied and run.
    pub files: Vec<String>,
    /// Accounts that logged on.
    pub accounts: Vec<String>,
    /// How its source was resolved.
    pub resolved: Vec<Resolution>,
}

/// Something the reader of the spread should know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpreadNote {
    /// `source_conflict`: the logon's name and the address point at different devices.
    pub code: String,
    /// What.
    pub message: String,
    /// Chains it concerns.
    pub chains: Vec<String>,
}

/// Hosts, moves and origins of a set of chains.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Hosts taking part in a move: origins first (by their first move out), then by the time
    /// they were first reached.
    pub hosts: Vec<Host>,
    /// Moves, by first time.
    pub moves: Vec<Move>,
    /// Origin host ids, in host order.
    pub origins: Vec<String>,
    /// Resolution conflicts and the like.
    #[serde(default)]
    pub notes: Vec<SpreadNote>,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum HostKey {
    Device(usize),
    External(String),
}

#[derive(Default)]
struct MoveAcc {
    chains: Vec<usize>,
    first: Option<Ticks>,
    last: Option<Ticks>,
    files: BTreeSet<String>,
    accounts: BTreeSet<String>,
    resolved: BTreeSet<Resolution>,
}

#[derive(Default)]
struct HostAcc {
    names: BTreeSet<String>,
    resolved: BTreeSet<Resolution>,
}

/// Builds the spread of `chains` over the devices of `dir`, with each chain's target and
/// source host ids.
pub fn build(dir: &Directory, chains: &[Chain]) -> (Spread, Vec<ChainHosts>) {
    let mut keys: Vec<HostKey> = Vec::new();
    let mut index: FxHashMap<HostKey, usize> = FxHashMap::default();
    let mut accs: Vec<HostAcc> = Vec::new();
    let mut host = |k: HostKey, keys: &mut Vec<HostKey>, accs: &mut Vec<HostAcc>| -> usize {
        *index.entry(k.clone()).or_insert_with(|| {
            keys.push(k);
            accs.push(HostAcc::default());
            keys.len() - 1
        })
    };
    let mut moves: BTreeMap<(usize, usize), MoveAcc> = BTreeMap::new();
    let mut conflicts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    // (time, from, to) for every chain and source.
    let mut edges: Vec<(Ticks, usize, usize)> = Vec::new();
    let mut per_chain: Vec<(usize, Vec<usize>)> = Vec::with_capacity(chains.len());
    for (ci, c) in chains.iter().enumerate() {
        let target_key = match dir.device(&c.device_id) {
            Some(d) => HostKey::Device(d),
            None => HostKey::External(c.device_name.to_ascii_lowercase()),
        };
        let to = host(target_key, &mut keys, &mut accs);
        accs[to].resolved.insert(Resolution::Target);
        let mut froms = Vec::new();
        for src in dir.sources(c) {
            let key = match src.device {
                Some(d) => HostKey::Device(d),
                None => HostKey::External(src.address.clone()),
            };
            let from = host(key, &mut keys, &mut accs);
            froms.push(from);
            accs[from].resolved.insert(src.resolution);
            if src.device.is_none() {
                accs[from].names.extend(src.names.iter().cloned());
            }
            if let Some(msg) = &src.conflict {
                conflicts.entry(msg.clone()).or_default().push(ci);
            }
            let at = c
                .connections
                .iter()
                .filter(|e| normalize_address(super::hosts::key(e, "RemoteIP")) == src.address)
                .map(|e| Ticks(e.ticks))
                .min()
                .unwrap_or(Ticks(c.start.ticks));
            let m = moves.entry((from, to)).or_default();
            m.chains.push(ci);
            m.first = Some(m.first.map_or(at, |f| f.min(at)));
            m.last = Some(m.last.map_or(at, |l| l.max(at)));
            if !c.file_name.is_empty() {
                m.files.insert(c.file_name.clone());
            }
            m.accounts.extend(c.accounts.iter().cloned());
            m.resolved.insert(src.resolution);
            if from != to {
                edges.push((at, from, to));
            }
        }
        per_chain.push((to, froms));
    }
    let n = keys.len();
    edges.sort();
    edges.dedup();
    let mut first_in: Vec<Option<Ticks>> = vec![None; n];
    let mut first_out: Vec<Option<Ticks>> = vec![None; n];
    for &(t, f, to) in &edges {
        first_out[f] = Some(first_out[f].map_or(t, |x| x.min(t)));
        first_in[to] = Some(first_in[to].map_or(t, |x| x.min(t)));
    }
    let is_origin: Vec<bool> = (0..n)
        .map(|h| match (first_out[h], first_in[h]) {
            // At the same instant the order cannot be told: the host is an origin rather
            // than a host nothing reached.
            (Some(o), Some(i)) => o <= i,
            (Some(_), None) => true,
            _ => false,
        })
        .collect();
    let mut origin_list: Vec<usize> = (0..n).filter(|&h| is_origin[h]).collect();
    origin_list.sort_by_key(|&h| (first_out[h], h));
    // Earliest arrival along strictly increasing times, from each origin.
    // (origin, arrival, from) per host, in origin order.
    let mut reached_by: Vec<Vec<(usize, Ticks, usize)>> = vec![Vec::new(); n];
    let mut best: Vec<Option<(Ticks, usize)>> = vec![None; n];
    let mut arrival: Vec<Option<Ticks>> = vec![None; n];
    let mut parent: Vec<usize> = vec![usize::MAX; n];
    for &o in &origin_list {
        arrival.iter_mut().for_each(|a| *a = None);
        arrival[o] = Some(Ticks(i64::MIN));
        let start = edges.partition_point(|e| e.0 < first_out[o].unwrap_or(Ticks(i64::MAX)));
        for &(t, f, to) in &edges[start..] {
            if arrival[to].is_none() && arrival[f].is_some_and(|a| a < t) {
                arrival[to] = Some(t);
                parent[to] = f;
            }
        }
        for h in 0..n {
            if h == o {
                continue;
            }
            if let Some(t) = arrival[h] {
                reached_by[h].push((o, t, parent[h]));
                if best[h].is_none_or(|(bt, _)| t < bt) {
                    best[h] = Some((t, parent[h]));
                }
            }
        }
    }
    // Depth follows the host that first reached it; hosts never reached (origins) stand at 0.
    // An origin reached later stands where it was reached, so a path reads left to right.
    let mut depth: Vec<Option<u32>> = vec![None; n];
    for h in 0..n {
        let mut trail = Vec::new();
        let mut at = h;
        // Walk up to a host of known depth or one never reached; a cycle of origins reaching
        // each other ends the walk too.
        let base = loop {
            if let Some(d) = depth[at] {
                break d;
            }
            match best[at] {
                Some((_, p)) if !trail.contains(&at) => {
                    trail.push(at);
                    at = p;
                }
                _ => {
                    depth[at] = Some(0);
                    break 0;
                }
            }
        };
        for (i, &t) in trail.iter().rev().enumerate() {
            depth[t] = Some(base + i as u32 + 1);
        }
    }
    let ids = host_ids(dir, &keys);
    let mut chains_in = vec![0u32; n];
    let mut chains_out = vec![0u32; n];
    for (&(f, t), m) in &moves {
        chains_out[f] += m.chains.len() as u32;
        chains_in[t] += m.chains.len() as u32;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&h| {
        (
            !is_origin[h],
            if is_origin[h] { first_out[h] } else { None },
            best[h].map(|b| b.0),
            first_in[h],
            ids[h].clone(),
        )
    });
    let hosts: Vec<Host> = order
        .iter()
        .map(|&h| {
            let (kind, device_id, names, addresses, label) = match &keys[h] {
                HostKey::Device(d) => {
                    let dev = &dir.devices[*d];
                    (
                        HostKind::Device,
                        Some(dev.device_id.clone()),
                        dev.names.keys().cloned().collect(),
                        dev.addresses.iter().cloned().collect(),
                        dev.label().to_string(),
                    )
                }
                HostKey::External(a) => (
                    HostKind::External,
                    None,
                    accs[h].names.iter().cloned().collect(),
                    vec![a.clone()],
                    a.clone(),
                ),
            };
            Host {
                id: ids[h].clone(),
                label,
                kind,
                device_id,
                names,
                addresses,
                resolved: accs[h].resolved.iter().copied().collect(),
                is_origin: is_origin[h],
                origins: reached_by[h].iter().map(|r| ids[r.0].clone()).collect(),
                reached: reached_by[h]
                    .iter()
                    .map(|&(o, t, f)| Reach {
                        origin: ids[o].clone(),
                        at: t.to_string(),
                        at_unix_ms: unix_ms(t),
                        from: ids[f].clone(),
                    })
                    .collect(),
                first_reached: best[h].map(|b| b.0.to_string()),
                first_reached_unix_ms: best[h].map(|b| unix_ms(b.0)),
                reached_from: best[h].map(|b| ids[b.1].clone()),
                depth: depth[h].unwrap_or(0),
                chains_in: chains_in[h],
                chains_out: chains_out[h],
            }
        })
        .collect();
    let mut move_list: Vec<Move> = moves
        .into_iter()
        .map(|((f, t), m)| {
            let first = m.first.unwrap_or(Ticks(0));
            let last = m.last.unwrap_or(Ticks(0));
            Move {
                from: ids[f].clone(),
                to: ids[t].clone(),
                chains: m.chains.iter().map(|&c| chains[c].id.clone()).collect(),
                first: first.to_string(),
                last: last.to_string(),
                first_unix_ms: unix_ms(first),
                last_unix_ms: unix_ms(last),
                files: m.files.into_iter().collect(),
                accounts: m.accounts.into_iter().collect(),
                resolved: m.resolved.into_iter().collect(),
            }
        })
        .collect();
    move_list.sort_by(|a, b| {
        (a.first.as_str(), &a.from, &a.to).cmp(&(b.first.as_str(), &b.from, &b.to))
    });
    let chain_hosts = per_chain
        .into_iter()
        .map(|(to, froms)| ChainHosts {
            target: ids[to].clone(),
            sources: froms.into_iter().map(|f| ids[f].clone()).collect(),
        })
        .collect();
    let spread = Spread {
        origins: hosts
            .iter()
            .filter(|h| h.is_origin)
            .map(|h| h.id.clone())
            .collect(),
        hosts,
        moves: move_list,
        notes: conflicts
            .into_iter()
            .map(|(message, cs)| SpreadNote {
                code: "source_conflict".into(),
                message,
                chains: cs.iter().map(|&c| chains[c].id.clone()).collect(),
            })
            .collect(),
    };
    (spread, chain_hosts)
}

fn unix_ms(t: Ticks) -> f64 {
    t.0 as f64 / 10_000.0
}

/// Ids that say what the host is: the short device name, the `DeviceId` where two devices
/// share one, the address for external hosts (`ext:` before it where a device took the text).
fn host_ids(dir: &Directory, keys: &[HostKey]) -> Vec<String> {
    let mut count: FxHashMap<String, usize> = FxHashMap::default();
    let short = |d: usize| super::hosts::short_name(dir.devices[d].label());
    for k in keys {
        if let HostKey::Device(d) = k {
            *count.entry(short(*d)).or_default() += 1;
        }
    }
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out: Vec<String> = keys
        .iter()
        .map(|k| match k {
            HostKey::Device(d) => {
                let s = short(*d);
                let id = if s.is_empty() || count[&s] > 1 {
                    dir.devices[*d].device_id.clone()
                } else {
                    s
                };
                taken.insert(id.clone());
                id
            }
            HostKey::External(_) => String::new(),
        })
        .collect();
    for (i, k) in keys.iter().enumerate() {
        if let HostKey::External(a) = k {
            out[i] = if taken.contains(a) {
                format!("ext:{a}")
            } else {
                a.clone()
            };
        }
    }
    out
}

impl Spread {
    /// The host of `id`.
    pub fn host(&self, id: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.id == id)
    }

    /// A host's label for text: its name, or its address.
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.host(id).map(|h| h.label.as_str()).unwrap_or(id)
    }
}
