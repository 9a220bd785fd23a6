//! The hosts of a data set and how a chain's source is resolved to one of them.
//!
//! A *device* is a `DeviceId` of the data, named by the `DeviceName`s its rows carry and owning
//! the `LocalIP`s of its own inbound connections. A chain's source is resolved to a device by
//! the logon's `RemoteDeviceName` (short name, case-insensitive) or, failing that, by the
//! connection's address being one a device owns; `::ffff:a.b.c.d` is `a.b.c.d`. A source that
//! matches no device (or more than one) stays an *external* host named by its address.

use crate::chains::{Chain, Event};
use crate::store::{Store, Sym};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// How a host entered the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// A device that was the target of a chain.
    Target,
    /// A chain's source, matched by the logon's `RemoteDeviceName` to a device name.
    ByName,
    /// A chain's source, matched by its address to a `LocalIP` the device owns.
    ByAddress,
    /// A chain's source that matches no device: known only by its address.
    Unresolved,
}

impl Resolution {
    /// Words for tables: `by name`.
    pub fn describe(self) -> &'static str {
        match self {
            Resolution::Target => "target",
            Resolution::ByName => "by name",
            Resolution::ByAddress => "by address",
            Resolution::Unresolved => "unresolved",
        }
    }
}

/// `a.b.c.d` for `::ffff:a.b.c.d`, lower case for IPv6, the text trimmed otherwise.
pub fn normalize_address(addr: &str) -> String {
    let a = addr.trim();
    match a.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => a.to_ascii_lowercase(),
    }
}

/// The short name a host is matched by: `ws07` for `WS07.corp.example` (an address stays whole).
pub fn short_name(name: &str) -> String {
    let n = name.trim().trim_end_matches('$');
    if n.parse::<IpAddr>().is_ok() {
        return n.to_ascii_lowercase();
    }
    n.split('.').next().unwrap_or("").to_lowercase()
}

/// A device of the data.
#[derive(Clone, Debug, Default)]
pub struct Device {
    /// `DeviceId`.
    pub device_id: String,
    /// `DeviceName`s seen, with how many rows carry each.
    pub names: BTreeMap<String, u64>,
    /// Normalized `LocalIP`s of its inbound connections.
    pub addresses: BTreeSet<String>,
}

impl Device {
    /// The name most rows carry (the first in order among equals), or the `DeviceId`.
    pub fn label(&self) -> &str {
        self.names
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(n, _)| n.as_str())
            .unwrap_or(&self.device_id)
    }
}

/// Every device of a data set, indexed by id, short name and owned address.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// Devices in order of `DeviceId`.
    pub devices: Vec<Device>,
    by_id: FxHashMap<String, usize>,
    by_name: FxHashMap<String, Vec<usize>>,
    by_address: FxHashMap<String, Vec<usize>>,
}

/// What a chain's source resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The connection's address, normalized.
    pub address: String,
    /// `RemoteDeviceName`s of the logons matched with connections from that address.
    pub names: Vec<String>,
    /// The device, when resolved.
    pub device: Option<usize>,
    /// How.
    pub resolution: Resolution,
    /// When name and address point at different devices (or either at several): what.
    pub conflict: Option<String>,
}

impl Directory {
    /// The devices of `store`: every `DeviceId` of any table, its names and inbound addresses.
    pub fn from_store(store: &Store) -> Directory {
        let mut map: BTreeMap<Sym, (BTreeMap<Sym, u64>, BTreeSet<Sym>)> = BTreeMap::new();
        for e in &store.net {
            let d = map.entry(e.device).or_default();
            *d.0.entry(e.device_name).or_default() += 1;
            if !e.inferred {
                d.1.insert(e.local_ip);
            }
        }
        for e in &store.files {
            *map.entry(e.device)
                .or_default()
                .0
                .entry(e.device_name)
                .or_default() += 1;
        }
        for e in &store.logons {
            map.entry(e.device).or_default();
        }
        for e in &store.procs {
            map.entry(e.device).or_default();
        }
        let s = |sym: Sym| store.strings.get(sym);
        let mut devices: Vec<Device> = map
            .into_iter()
            .filter(|(id, _)| !s(*id).is_empty())
            .map(|(id, (names, addrs))| {
                let mut dn: BTreeMap<String, u64> = BTreeMap::new();
                for (n, c) in names {
                    if !s(n).trim().is_empty() {
                        *dn.entry(s(n).trim().to_string()).or_default() += c;
                    }
                }
                Device {
                    device_id: s(id).to_string(),
                    names: dn,
                    addresses: addrs
                        .into_iter()
                        .map(|a| normalize_address(s(a)))
                        .filter(|a| !a.is_empty())
                        .collect(),
                }
            })
            .collect();
        devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        Directory::new(devices)
    }

    /// Indexes `devices`.
    pub fn new(devices: Vec<Device>) -> Directory {
        let mut dir = Directory {
            devices,
            ..Directory::default()
        };
        for (i, d) in dir.devices.iter().enumerate() {
            dir.by_id.insert(d.device_id.clone(), i);
            let shorts: BTreeSet<String> = d.names.keys().map(|n| short_name(n)).collect();
            for n in shorts.into_iter().filter(|n| !n.is_empty()) {
                dir.by_name.entry(n).or_default().push(i);
            }
            for a in &d.addresses {
                dir.by_address.entry(a.clone()).or_default().push(i);
            }
        }
        dir
    }

    /// The device of `device_id`.
    pub fn device(&self, device_id: &str) -> Option<usize> {
        self.by_id.get(device_id).copied()
    }

    /// The sources of `chain`: one per connection address, with the logon names matched with
    /// connections from it, resolved to a device where the data allows.
    pub fn sources<'a>(&self, chain: &'a Chain) -> Vec<Source> {
        // A chain holds a handful of events: finding one by id is a short scan.
        let find = |events: &'a [Event], id: &str| events.iter().find(|e| e.id == id);
        let mut per_address: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in &chain.rows {
            let Some(n) = find(&chain.connections, &row[0]) else {
                continue;
            };
            let names = per_address
                .entry(normalize_address(key(n, "RemoteIP")))
                .or_default();
            if let Some(l) = find(&chain.logons, &row[1]) {
                let name = key(l, "RemoteDeviceName").trim();
                if !name.is_empty() && name != "-" {
                    names.insert(name.to_string());
                }
            }
        }
        per_address
            .into_iter()
            .map(|(address, names)| self.resolve(address, names.into_iter().collect()))
            .collect()
    }

    fn resolve(&self, address: String, names: Vec<String>) -> Source {
        let mut by_name: BTreeSet<usize> = BTreeSet::new();
        for n in &names {
            if let Some(ds) = self.by_name.get(&short_name(n)) {
                by_name.extend(ds);
            }
        }
        let by_addr: BTreeSet<usize> = self
            .by_address
            .get(&address)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        let label = |ds: &BTreeSet<usize>| {
            ds.iter()
                .map(|&d| self.devices[d].label().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut conflict = None;
        let (device, resolution) = if by_name.len() == 1 {
            let d = *by_name.iter().next().expect("one");
            if !by_addr.is_empty() && !by_addr.contains(&d) {
                conflict = Some(format!(
                    "the logon names the source {} but {address} is an address of {}",
                    names.join(", "),
                    label(&by_addr)
                ));
            }
            (Some(d), Resolution::ByName)
        } else if by_addr.len() == 1 {
            let d = *by_addr.iter().next().expect("one");
            if by_name.len() > 1 {
                conflict = Some(format!(
                    "the logon name {} fits several devices ({}); resolved by address",
                    names.join(", "),
                    label(&by_name)
                ));
            }
            (Some(d), Resolution::ByAddress)
        } else {
            if by_name.len() > 1 || by_addr.len() > 1 {
                conflict = Some(format!(
                    "{address} ({}) fits several devices ({}): left unresolved",
                    if names.is_empty() {
                        "no logon name".to_string()
                    } else {
                        names.join(", ")
                    },
                    label(&by_name.union(&by_addr).copied().collect())
                ));
            }
            (None, Resolution::Unresolved)
        };
        Source {
            address,
            names,
            device,
            resolution,
            conflict,
        }
    }
}

/// The value of `name` among an event's key values ("" when absent).
pub fn key<'a>(e: &'a Event, name: &str) -> &'a str {
    e.key
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, names: &[&str], addrs: &[&str]) -> Device {
        Device {
            device_id: id.into(),
            names: names.iter().map(|n| (n.to_string(), 1)).collect(),
            addresses: addrs.iter().map(|a| normalize_address(a)).collect(),
        }
    }

    fn dir() -> Directory {
        Directory::new(vec![
            device("d1", &["WS07.corp.example"], &["10.0.0.7"]),
            device("d2", &["srv-fs1"], &["10.0.0.20"]),
            device("d3", &["ws07"], &[]),
            device("d4", &["dc1"], &["10.0.0.20"]),
        ])
    }

    #[test]
    fn addresses_and_names_normalize() {
        assert_eq!(normalize_address(" ::FFFF:10.0.0.5 "), "10.0.0.5");
        assert_eq!(normalize_address("FE80::1"), "fe80::1");
        assert_eq!(short_name("WS07.corp.example"), "ws07");
        assert_eq!(short_name("WS07$"), "ws07");
        assert_eq!(short_name("10.0.0.5"), "10.0.0.5");
    }

    #[test]
    fn by_name_by_address_mapped_and_unresolved() {
        let d = Directory::new(vec![
            device("d1", &["WS07.corp.example"], &["10.0.0.7"]),
            device("d2", &["srv-fs1"], &["::ffff:10.0.0.20"]),
        ]);
        let s = d.resolve("10.9.9.9".into(), vec!["ws07".into()]);
        assert_eq!((s.device, s.resolution), (Some(0), Resolution::ByName));
        assert_eq!(s.conflict, None);
        let s = d.resolve(normalize_address("::ffff:10.0.0.20"), vec![]);
        assert_eq!((s.device, s.resolution), (Some(1), Resolution::ByAddress));
        let s = d.resolve("10.9.9.9".into(), vec!["KALI".into()]);
        assert_eq!((s.device, s.resolution), (None, Resolution::Unresolved));
        assert_eq!(s.conflict, None);
    }

    #[test]
    fn disagreement_is_noted() {
        let d = Directory::new(vec![
            device("d1", &["WS07"], &["10.0.0.7"]),
            device("d2", &["srv-fs1"], &["10.0.0.20"]),
        ]);
        // The logon says WS07, the address is SRV-FS1's: the name wins and the conflict is told.
        let s = d.resolve("10.0.0.20".into(), vec!["WS07".into()]);
        assert_eq!((s.device, s.resolution), (Some(0), Resolution::ByName));
        assert!(s.conflict.unwrap().contains("srv-fs1"));
    }

    #[test]
    fn ambiguity_is_not_guessed() {
        let d = dir();
        // Two devices are called ws07: the address decides.
        let s = d.resolve("10.0.0.7".into(), vec!["ws07".into()]);
        assert_eq!((s.device, s.resolution), (Some(0), Resolution::ByAddress));
        assert!(s.conflict.is_some());
        // Two devices own 10.0.0.20 and no name: unresolved, said so.
        let s = d.resolve("10.0.0.20".into(), vec![]);
        assert_eq!((s.device, s.resolution), (None, Resolution::Unresolved));
        assert!(s.conflict.unwrap().contains("several"));
    }
}
