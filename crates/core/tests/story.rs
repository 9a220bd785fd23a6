//! The story model on small hand-made data sets: host resolution, time-respecting reach,
//! origins, groups and their order.

mod common;
use common::*;
use copyexec_core::story::graph;
use copyexec_core::story::groups::IdentityKind;
use copyexec_core::story::hosts::Resolution;
use copyexec_core::story::spread::HostKind;
use copyexec_core::{Engine, Settings};

/// One copy over SMB: `from_ip` (logon naming `from_name`) → device `dev` (owning `dev_ip`),
/// writing and starting `path` with `sha256` at `t`.
struct Hop<'a> {
    t: i64,
    from_ip: &'a str,
    from_name: &'a str,
    dev: &'a str,
    dev_ip: &'a str,
    path: &'a str,
    sha256: &'a str,
}

fn data(hops: &[Hop]) -> copyexec_core::ChainsDocument {
    let (mut n, mut l, mut f, mut p) = (vec![], vec![], vec![], vec![]);
    for h in hops {
        let name = h.path.rsplit('\\').next().unwrap();
        n.push(format!(
            "{},{},{}.corp.example,InboundConnectionAccepted,{},50123,{},445,Tcp",
            at(h.t),
            h.dev,
            h.dev.to_uppercase(),
            h.from_ip,
            h.dev_ip
        ));
        l.push(format!(
            "{},{},x,LogonSuccess,Network,corp,alice,S-1-5-21-1,NTLM,true,999,{},{},0",
            at(h.t + S),
            h.dev,
            h.from_name,
            h.from_ip
        ));
        f.push(format!(
            "{},{},x,FileCreated,{name},{},,{},,System,,ADMIN$",
            at(h.t + 2 * S),
            h.dev,
            h.path,
            h.sha256
        ));
        p.push(format!(
            "{},{},x,ProcessCreated,{name},{},{name},4242,SYSTEM,777,Kerberos",
            at(h.t + 3 * S),
            h.dev,
            h.path
        ));
    }
    let d = load(&[
        ("n.csv", csv(NET, &n)),
        ("l.csv", csv(LOGON, &l)),
        ("f.csv", csv(FILE, &f)),
        ("p.csv", csv(PROC, &p)),
    ]);
    Engine::new(d, Settings::default()).document()
}

const MIN: i64 = 60 * S;

fn hop<'a>(t: i64, from_ip: &'a str, dev: &'a str, dev_ip: &'a str) -> Hop<'a> {
    Hop {
        t,
        from_ip,
        from_name: "",
        dev,
        dev_ip,
        path: r"C:\Windows\tool.exe",
        sha256: "aa",
    }
}

#[test]
fn sources_resolve_by_name_by_address_and_ipv4_mapped() {
    let doc = data(&[
        // b owns 10.0.0.2 (its own inbound connection's LocalIP).
        hop(0, "10.9.9.9", "b", "10.0.0.2"),
        // From ::ffff:10.0.0.2: b, by address.
        hop(10 * MIN, "::ffff:10.0.0.2", "c", "10.0.0.3"),
        // The logon names C (short, any case), from an address no device owns: c, by name.
        Hop {
            from_name: "c.corp.example",
            ..hop(20 * MIN, "10.7.7.7", "d", "10.0.0.4")
        },
    ]);
    let s = &doc.spread;
    let moves: Vec<(&str, &str, Vec<Resolution>)> = s
        .moves
        .iter()
        .map(|m| (m.from.as_str(), m.to.as_str(), m.resolved.clone()))
        .collect();
    assert_eq!(
        moves,
        [
            ("10.9.9.9", "b", vec![Resolution::Unresolved]),
            ("b", "c", vec![Resolution::ByAddress]),
            ("c", "d", vec![Resolution::ByName]),
        ]
    );
    let ext = s.host("10.9.9.9").unwrap();
    assert_eq!(ext.kind, HostKind::External);
    assert_eq!(s.host("b").unwrap().addresses, ["10.0.0.2"]);
    assert!(s.notes.is_empty());
}

#[test]
fn name_and_address_disagreeing_is_noted() {
    let doc = data(&[
        hop(0, "10.9.9.9", "b", "10.0.0.2"),
        hop(MIN, "10.9.9.9", "c", "10.0.0.3"),
        // The logon says B, the address is c's.
        Hop {
            from_name: "B",
            ..hop(10 * MIN, "10.0.0.3", "d", "10.0.0.4")
        },
    ]);
    let m = doc.spread.moves.iter().find(|m| m.to == "d").unwrap();
    assert_eq!(
        (m.from.as_str(), &m.resolved[..]),
        ("b", &[Resolution::ByName][..])
    );
    assert_eq!(doc.spread.notes.len(), 1);
    assert_eq!(doc.spread.notes[0].code, "source_conflict");
    assert!(doc.spread.notes[0].message.contains("C.corp.example"));
}

#[test]
fn reach_respects_time() {
    // a → b at 10:00, b → c at 10:20: a path. b → d at 09:00: not part of a path from a.
    let doc = data(&[
        hop(60 * MIN, "10.0.0.1", "b", "10.0.0.2"),
        hop(80 * MIN, "10.0.0.2", "c", "10.0.0.3"),
        hop(0, "10.0.0.2", "d", "10.0.0.4"),
    ]);
    let s = &doc.spread;
    // b moved out (09:00) before it was reached (10:00): an origin too.
    assert_eq!(s.origins, ["b", "10.0.0.1"]);
    let c = s.host("c").unwrap();
    assert_eq!(c.origins, ["b", "10.0.0.1"]);
    let d = s.host("d").unwrap();
    assert_eq!(
        d.origins,
        ["b"],
        "the 09:00 move is not on a path from 10.0.0.1"
    );
    let from_a = c.reached.iter().find(|r| r.origin == "10.0.0.1").unwrap();
    assert_eq!((from_a.from.as_str(), &from_a.at[11..16]), ("b", "09:20"));
    assert_eq!(
        d.first_reached.as_deref().map(|t| &t[11..16]),
        Some("08:00")
    );
    assert!(s.host("10.0.0.1").unwrap().first_reached.is_none());
}

#[test]
fn equal_times_do_not_chain() {
    // a → b and b → c at the same instant: c is not reached from a, and b, whose move out
    // cannot be told to come after its move in, is an origin (so c is not left unreached).
    let doc = data(&[
        hop(0, "10.0.0.1", "b", "10.0.0.2"),
        hop(0, "10.0.0.2", "c", "10.0.0.3"),
    ]);
    let c = doc.spread.host("c").unwrap();
    assert_eq!(c.origins, ["b"]);
    let mut origins = doc.spread.origins.clone();
    origins.sort();
    assert_eq!(origins, ["10.0.0.1", "b"]);
}

#[test]
fn groups_fall_back_from_hash_to_name_and_put_the_rarest_first() {
    let mut hops = Vec::new();
    // A routine file on four hosts, an odd one on one host (later), one with no hash.
    for (i, (dev, ip)) in [
        ("w1", "10.1.0.1"),
        ("w2", "10.1.0.2"),
        ("w3", "10.1.0.3"),
        ("w4", "10.1.0.4"),
    ]
    .into_iter()
    .enumerate()
    {
        hops.push(Hop {
            path: r"C:\Windows\agent.exe",
            sha256: "AB12",
            ..hop(i as i64 * MIN, "10.0.0.10", dev, ip)
        });
    }
    hops.push(Hop {
        path: r"C:\Windows\odd.exe",
        sha256: "cd34",
        ..hop(30 * MIN, "10.6.6.6", "w2", "10.1.0.2")
    });
    hops.push(Hop {
        path: r"C:\Temp\NoHash.EXE",
        sha256: "",
        ..hop(40 * MIN, "10.6.6.6", "w3", "10.1.0.3")
    });
    hops.push(Hop {
        path: r"C:\Temp\nohash.exe",
        sha256: "",
        ..hop(50 * MIN, "10.6.6.6", "w4", "10.1.0.4")
    });
    let doc = data(&hops);
    let g: Vec<(&str, IdentityKind, usize, usize)> = doc
        .groups
        .iter()
        .map(|g| {
            (
                g.file_name.as_str(),
                g.identity,
                g.targets.len(),
                g.chains.len(),
            )
        })
        .collect();
    assert_eq!(
        g,
        [
            ("odd.exe", IdentityKind::Sha256, 1, 1),
            ("NoHash.EXE", IdentityKind::FileName, 2, 2),
            ("agent.exe", IdentityKind::Sha256, 4, 4),
        ]
    );
    assert_eq!(doc.groups[0].sha256.as_deref(), Some("cd34"));
    assert_eq!(doc.groups[1].sha256, None);
    assert_eq!(doc.groups[1].key, "nohash.exe");
    assert_eq!(doc.groups[2].key, "ab12");
    // Every chain in exactly one group.
    let mut ids: Vec<&str> = doc
        .groups
        .iter()
        .flat_map(|g| g.chains.iter().map(String::as_str))
        .collect();
    ids.sort();
    let mut all: Vec<&str> = doc.chains.iter().map(|c| c.id.as_str()).collect();
    all.sort();
    assert_eq!(ids, all);
}

#[test]
fn a_fan_out_is_folded_and_a_host_that_moved_on_is_not() {
    let mut hops = Vec::new();
    let names: Vec<(String, String)> = (0..10)
        .map(|i| (format!("w{i}"), format!("10.1.0.{i}")))
        .collect();
    for (i, (dev, ip)) in names.iter().enumerate() {
        hops.push(hop(i as i64 * MIN, "10.0.0.10", dev, ip));
    }
    // w3 moved on to s1.
    hops.push(hop(30 * MIN, "10.1.0.3", "s1", "10.2.0.1"));
    let doc = data(&hops);
    let g = graph::layout(&doc.spread);
    let fold = g.nodes.iter().find(|n| n.id.starts_with("fold:")).unwrap();
    assert_eq!(fold.hosts.len(), 9);
    assert_eq!(fold.label, "9 hosts");
    assert!(g.node_of("w3").is_some_and(|n| n.hosts == ["w3"]));
    assert_eq!(g.node_of("s1").unwrap().column, 2);
    assert_eq!(g.nodes.len(), 4);
}
