//! `copyexec groups` and `copyexec spread` as other tools use them: the JSON contracts, the
//! story on the bundled sample, and a generated fleet (a push to hundreds of hosts hiding a
//! multi-hop intrusion with a time trap).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_copyexec")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/sample")
}

fn run(args: &[&str], path: &Path) -> (String, i32) {
    let out = Command::new(bin())
        .args(args)
        .arg("-q")
        .arg(path)
        .output()
        .expect("copyexec runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8"),
        out.status.code().unwrap_or(-1),
    )
}

fn json(args: &[&str], path: &Path) -> Value {
    let (text, code) = run(args, path);
    assert_eq!(code, 0, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

fn fleet(workstations: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "copyexec-fleet-{}-{workstations}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in copyexec_bench::fleet::generate(workstations).files() {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn groups_json_holds_every_chain_once_rarest_first() {
    let doc = json(&["groups", "--format", "json"], &sample());
    assert_eq!(doc["schema"], "copyexec.groups/1");
    let chains = json(&["chains", "--format", "json", "--no-evidence"], &sample());
    let all: BTreeSet<&str> = chains["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    let mut last = (0usize, String::new());
    for g in doc["groups"].as_array().unwrap() {
        for key in [
            "file_name",
            "sha256",
            "chains",
            "targets",
            "sources",
            "first",
            "last",
        ] {
            assert!(
                g.get(key).is_some(),
                "groups[].{key} is part of the contract"
            );
        }
        for c in strs(&g["chains"]) {
            assert!(seen.insert(c), "{c} in two groups");
        }
        let rank = (
            g["targets"].as_array().unwrap().len(),
            g["first"].as_str().unwrap().to_string(),
        );
        assert!(rank >= last, "rarest first: {rank:?} after {last:?}");
        last = rank;
    }
    assert_eq!(seen, all);
}

#[test]
fn the_samples_second_hop_is_a_path_in_json_table_and_dot() {
    let doc = json(&["spread", "--format", "json"], &sample());
    assert_eq!(doc["schema"], "copyexec.spread/1");
    for h in doc["hosts"].as_array().unwrap() {
        for key in ["id", "names", "addresses", "origins", "first_reached"] {
            assert!(
                h.get(key).is_some(),
                "hosts[].{key} is part of the contract"
            );
        }
    }
    for m in doc["moves"].as_array().unwrap() {
        for key in ["from", "to", "chains", "first", "last"] {
            assert!(
                m.get(key).is_some(),
                "moves[].{key} is part of the contract"
            );
        }
    }
    let host = |id: &str| {
        doc["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("host {id}"))
            .clone()
    };
    // ws-mkt-014 → srv-app02 (10:47, svchealth.exe) → srv-db03 (11:20): a path from ws-mkt-014.
    assert!(strs(&doc["origins"]).contains(&"ws-mkt-014"));
    let db = host("srv-db03");
    assert!(strs(&db["origins"]).contains(&"ws-mkt-014"));
    let via = db["reached"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["origin"] == "ws-mkt-014")
        .unwrap();
    assert_eq!(via["from"], "srv-app02");
    assert!(via["at"].as_str().unwrap().starts_with("2024-03-11T11:20"));
    // The SCCM server is not a device of the sample: an origin known by its address.
    let sccm = host("10.20.1.10");
    assert_eq!(sccm["kind"], "external");

    let (table, _) = run(&["spread"], &sample());
    let story = table
        .split("origin ws-mkt-014")
        .nth(1)
        .expect("ws-mkt-014's story");
    let hop1 = story
        .find("ws-mkt-014.corp.example → srv-app02.corp.example")
        .unwrap();
    let hop2 = story
        .find("srv-app02.corp.example → srv-db03.corp.example")
        .unwrap();
    assert!(hop1 < hop2, "{story}");

    let (dot, _) = run(&["spread", "--format", "dot"], &sample());
    assert!(dot.starts_with("digraph copyexec_spread {"));
    assert!(dot.contains("\"srv-app02\" -> \"srv-db03\""), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
}

#[test]
fn a_fleet_push_folds_and_the_intrusion_reads_as_one_story() {
    let dir = fleet(400);
    let spread = json(&["spread", "--format", "json"], &dir);
    let hosts = spread["hosts"].as_array().unwrap();
    let host = |id: &str| hosts.iter().find(|h| h["id"] == id).unwrap();
    let origins = strs(&spread["origins"]);
    assert!(
        origins.contains(&"10.66.6.6") && origins.contains(&"sccm1"),
        "{origins:?}"
    );
    // The intruder reaches ws0007 → srv-fs1 → dc1, srv-db1 and ws0012.
    for h in ["ws0007", "srv-fs1", "dc1", "srv-db1", "ws0012"] {
        assert!(strs(&host(h)["origins"]).contains(&"10.66.6.6"), "{h}");
    }
    // The time trap: dc1 → srv-db1 at 09:00 is no path from the intruder, who reached
    // srv-db1 from ws0007 at 10:30.
    let db = host("srv-db1");
    let from_intruder = db["reached"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["origin"] == "10.66.6.6")
        .unwrap();
    assert_eq!(from_intruder["from"], "ws0007");
    assert!(from_intruder["at"]
        .as_str()
        .unwrap()
        .starts_with("2024-11-05T10:30"));
    // The push's workstations are reached from sccm1 only.
    assert_eq!(strs(&host("ws0100")["origins"]), ["sccm1"]);

    let groups = json(&["groups", "--format", "json"], &dir);
    let g = groups["groups"].as_array().unwrap();
    assert_eq!(g.len(), 8, "bkagent, mimi, svc and five installers");
    assert_eq!(g[0]["file_name"], "bkagent.exe");
    assert!(g[..3]
        .iter()
        .all(|g| g["targets"].as_array().unwrap().len() <= 5));
    assert!(g[3..]
        .iter()
        .all(|g| g["targets"].as_array().unwrap().len() == 400));

    let (table, _) = run(&["spread"], &dir);
    assert!(table.contains("sccm1.corp.example → 398 hosts"), "{table}");
    let intrusion = table.split("origin 10.66.6.6").nth(1).unwrap();
    let intrusion = intrusion.split("\norigin ").next().unwrap();
    assert_eq!(intrusion.matches(" → ").count(), 5, "{intrusion}");
}

#[test]
fn the_fleet_report_details_the_rare_chains_and_lists_every_chain() {
    let dir = fleet(400);
    let out =
        std::env::temp_dir().join(format!("copyexec-fleet-report-{}.html", std::process::id()));
    let status = Command::new(bin())
        .args(["report", "-q", "-o"])
        .arg(&out)
        .arg(&dir)
        .env("COPYEXEC_REPORT_TIME", "2024-11-06T00:00:00Z")
        .status()
        .unwrap();
    assert!(status.success());
    let html = std::fs::read_to_string(&out).unwrap();
    let story = html.find("id=\"story\"").unwrap();
    let groups = html.find("id=\"groups\"").unwrap();
    let chains = html.find("id=\"chains\"").unwrap();
    assert!(
        story < groups && groups < chains,
        "spread, then groups, then chains"
    );
    assert_eq!(html.matches("data-testid=\"chain-row\"").count(), 2007);
    let detailed = html.matches("data-testid=\"chain\"").count();
    // The 8 chains of the three rare groups in full, then up to 10 of each installer.
    assert_eq!(detailed, 1 + 1 + 5 + 5 * 10);
    assert!(
        html.contains("398 hosts"),
        "the push is folded in the picture"
    );
    // The large document is embedded compressed and reads back whole.
    assert!(html.contains("type=\"application/gzip+base64\" id=\"copyexec-data\""));
    let back = copyexec_report::parse_report(&html).expect("the app reopens it");
    assert_eq!(back.chains.len(), 2007);
    assert_eq!(back.groups.len(), 8);
    assert_eq!(back.spread.origins.len(), 3);
}
