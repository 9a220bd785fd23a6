//! The hand-over exports: every Timesketch line parses, is flat and has Timesketch's required
//! fields; the Navigator layer keeps the layer 4.5 field rules and claims only what the
//! evidence shows.

use super::*;
use crate::tests::{doc_from, hostile_doc};
use serde_json::Value;

/// Two devices: ws07 with a PsExec chain (two logons), ws08 with a chain of its own.
fn two_device_doc() -> ChainsDocument {
    let net = "Timestamp,DeviceId,DeviceName,RemoteIP,RemotePort,LocalPort,Protocol,LocalIP\n\
               2024-03-11T08:00:00.1234567Z,d7,ws07,10.0.0.5,50000,445,Tcp,10.0.0.9\n\
               2024-03-11T09:00:00Z,d8,ws08,10.0.0.6,50001,445,Tcp,10.0.0.8\n";
    let logon = "Timestamp,DeviceId,RemoteIP,AccountDomain,AccountName,LogonType,ActionType,RemoteDeviceName\n\
                 2024-03-11T08:00:01Z,d7,10.0.0.5,corp,alice,Network,LogonSuccess,attacker-pc\n\
                 2024-03-11T08:00:01.5Z,d7,10.0.0.5,corp,alice,Network,LogonFailed,attacker-pc\n\
                 2024-03-11T09:00:01Z,d8,10.0.0.6,corp,=bob,Network,LogonSuccess,\n";
    let file = "Timestamp,DeviceId,ActionType,InitiatingProcessFileName,FileName,FolderPath,SHA1,SHA256,MD5,ShareName\n\
                2024-03-11T08:00:02Z,d7,FileCreated,System,PSEXESVC.exe,C:\\Windows\\PSEXESVC.exe,,AABB,,ADMIN$\n\
                2024-03-11T09:00:02Z,d8,FileCreated,System,-x.exe,C:\\Temp\\-x.exe,,,CCDD,C$\n";
    let procs = "Timestamp,DeviceId,FolderPath,ProcessCommandLine,InitiatingProcessFileName\n\
                 2024-03-11T08:00:03Z,d7,C:\\Windows\\PSEXESVC.exe,PSEXESVC.exe,services.exe\n\
                 2024-03-11T09:00:03Z,d8,C:\\Temp\\-x.exe,\"-x.exe \"\"a,b\"\"\",cmd.exe\n";
    doc_from(
        &[
            ("n.csv", net.as_bytes().to_vec()),
            ("l.csv", logon.as_bytes().to_vec()),
            ("f.csv", file.as_bytes().to_vec()),
            ("p.csv", procs.as_bytes().to_vec()),
        ],
        5,
    )
}

fn events(doc: &ChainsDocument) -> usize {
    doc.chains
        .iter()
        .map(|c| c.connections.len() + c.logons.len() + c.writes.len() + 1)
        .sum()
}

fn check_jsonl(doc: &ChainsDocument) -> Vec<serde_json::Map<String, Value>> {
    let text = timesketch_jsonl(doc);
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), events(doc));
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let o = v.as_object().expect("an object per line").clone();
            for (k, v) in &o {
                assert!(
                    v.is_string() || v.is_number(),
                    "{k} is nested or not a value: {v}"
                );
            }
            for k in ["message", "datetime", "timestamp_desc"] {
                let s = o[k].as_str().unwrap();
                assert!(!s.is_empty(), "{k} empty in {l}");
            }
            let dt = o["datetime"].as_str().unwrap();
            assert!(
                dt.len() == 32 && dt.ends_with("+00:00") && &dt[10..11] == "T",
                "{dt}"
            );
            assert_eq!(o["tag"], "copyexec");
            assert_eq!(
                o.keys().map(String::as_str).collect::<Vec<_>>().len(),
                TIMESKETCH_COLUMNS.len()
            );
            // keys in the documented order (serde_json's map would sort them)
            let order: Vec<usize> = TIMESKETCH_COLUMNS
                .iter()
                .map(|k| l.find(&format!("\"{k}\":")).unwrap())
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{l}");
            o
        })
        .collect()
}

#[test]
fn timesketch_lines_parse_are_flat_and_carry_the_required_fields() {
    let doc = two_device_doc();
    assert_eq!(doc.chains.len(), 2);
    let lines = check_jsonl(&doc);
    let first = &lines[0];
    assert_eq!(first["step"], "connection");
    assert_eq!(first["timestamp_desc"], "SMB connection");
    assert_eq!(first["datetime"], "2024-03-11T08:00:00.123456+00:00");
    assert_eq!(first["event_timestamp"], "2024-03-11T08:00:00.1234567Z");
    assert_eq!(first["timestamp"], 1_710_144_000_123_456i64);
    assert_eq!(first["group"], "aabb");
    assert_eq!(first["group_kind"], "sha256");
    assert_eq!(first["device"], "ws07");
    assert_eq!(first["source"], "10.0.0.5");
    let descs: Vec<&str> = lines
        .iter()
        .filter(|l| l["chain_id"] == first["chain_id"])
        .map(|l| l["timestamp_desc"].as_str().unwrap())
        .collect();
    assert_eq!(
        descs,
        [
            "SMB connection",
            "Logon",
            "Logon",
            "File write (SMB)",
            "Process start"
        ]
    );
    let start = lines
        .iter()
        .find(|l| l["chain_id"] == first["chain_id"] && l["step"] == "start")
        .unwrap();
    assert_eq!(
        start["message"],
        format!(
            "copyexec {}: SMB logon corp\\alice from 10.0.0.5 → PSEXESVC.exe started on ws07",
            first["chain_id"].as_str().unwrap()
        )
    );
    assert!(lines.iter().any(|l| l["message"]
        .as_str()
        .unwrap()
        .contains("SMB logon (failed) corp\\alice")));
    // ws08's file has only an MD5: the group is the MD5
    let ws08 = lines.iter().find(|l| l["device"] == "ws08").unwrap();
    assert_eq!(
        (&ws08["group"], &ws08["group_kind"]),
        (&"ccdd".into(), &"md5".into())
    );
}

#[test]
fn timesketch_holds_hostile_values_as_plain_strings() {
    let doc = hostile_doc();
    let lines = check_jsonl(&doc);
    assert!(lines
        .iter()
        .any(|l| l["path"].as_str().unwrap().contains('\u{202E}')));
}

#[test]
fn timesketch_csv_has_the_columns_and_neutralises_formulas() {
    let doc = two_device_doc();
    let text = timesketch_csv(&doc);
    assert!(
        !text.starts_with('\u{feff}'),
        "Timesketch would read a BOM into `message`"
    );
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next().unwrap(), TIMESKETCH_COLUMNS.join(","));
    assert!(text.ends_with("\r\n"));
    // Every record has every column (quoted fields hold commas and quotes).
    let records = parse_csv(&text);
    assert_eq!(records.len(), events(&doc) + 1);
    for r in &records {
        assert_eq!(r.len(), TIMESKETCH_COLUMNS.len(), "{r:?}");
    }
    let col = |name: &str| TIMESKETCH_COLUMNS.iter().position(|c| *c == name).unwrap();
    let ws08: Vec<&Vec<String>> = records
        .iter()
        .filter(|r| r[col("device")] == "ws08")
        .collect();
    assert!(ws08.iter().all(|r| r[col("file_name")] == "'-x.exe"));
    assert!(ws08.iter().any(|r| r[col("account")] == "corp\\=bob"));
    assert!(ws08
        .iter()
        .all(|r| r[col("command_line")] == "'-x.exe \"a,b\""));
    assert_eq!(ws08[0][col("datetime")], "2024-03-11T09:00:00.000000+00:00");
}

/// RFC 4180 records of `text` (CRLF line ends, quotes doubled).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "text ends mid-record"
    );
    out
}

/// Enterprise ATT&CK tactics by their short names.
const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

fn is_technique_id(s: &str) -> bool {
    // ^T\d{4}(\.\d{3})?$
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 5 || b.len() == 9)
        && b[0] == b'T'
        && digits(1..5)
        && (b.len() == 5 || (b[5] == b'.' && digits(6..9)))
}

/// The layer format 4.5 rules for the fields this layer writes.
fn validate_layer(v: &Value) {
    let o = v.as_object().expect("a layer is an object");
    assert!(o["name"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(o["versions"]["layer"], "4.5");
    // "Must be at least 4.9.0"
    let nav: Vec<u32> = o["versions"]["navigator"]
        .as_str()
        .unwrap()
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(nav.len() == 3 && nav >= vec![4, 9, 0], "{nav:?}");
    let layout = &o["layout"];
    assert!(["side", "flat", "mini"].contains(&layout["layout"].as_str().unwrap()));
    assert!(
        ["none", "all", "annotated"].contains(&layout["expandedSubtechniques"].as_str().unwrap())
    );
    assert!((0..=3).contains(&o["sorting"].as_u64().unwrap()));
    assert!(o["versions"]["attack"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(["enterprise-attack", "mobile-attack", "ics-attack"]
        .contains(&o["domain"].as_str().unwrap()));
    assert!(o["description"].is_string());
    let g = &o["gradient"];
    assert!(g["colors"].as_array().unwrap().len() >= 2);
    for c in g["colors"].as_array().unwrap() {
        let c = c.as_str().unwrap();
        assert!(
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
        );
    }
    assert!(g["minValue"].as_f64().unwrap() < g["maxValue"].as_f64().unwrap());
    for t in o["techniques"].as_array().unwrap() {
        let id = t["techniqueID"].as_str().unwrap();
        assert!(is_technique_id(id), "{id}");
        assert!(TACTICS.contains(&t["tactic"].as_str().unwrap()), "{t}");
        assert!(t["score"].is_number());
        assert!(t["comment"].is_string());
        assert!(t["enabled"].is_boolean());
        for m in t["metadata"].as_array().unwrap() {
            assert!(m["name"].is_string() && m["value"].is_string(), "{m}");
        }
    }
}

#[test]
fn technique_id_pattern() {
    for ok in ["T1570", "T1021.002"] {
        assert!(is_technique_id(ok));
    }
    for bad in [
        "T157",
        "T1021.02",
        "t1570",
        "T1021-002",
        "T1021.0020",
        "TA0008",
    ] {
        assert!(!is_technique_id(bad), "{bad}");
    }
}

#[test]
fn navigator_layer_scores_the_evidenced_techniques_by_chains() {
    let doc = two_device_doc();
    let v: Value = serde_json::from_str(&navigator_layer(&doc)).unwrap();
    validate_layer(&v);
    let t: Vec<(&str, &str, u64)> = v["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["techniqueID"].as_str().unwrap(),
                t["tactic"].as_str().unwrap(),
                t["score"].as_u64().unwrap(),
            )
        })
        .collect();
    // Only ws07's start was made by services.exe: Service Execution scores 1.
    assert_eq!(
        t,
        [
            ("T1021.002", "lateral-movement", 2),
            ("T1570", "lateral-movement", 2),
            ("T1569.002", "execution", 1),
        ]
    );
    let smb = &v["techniques"][0];
    assert_eq!(
        smb["comment"],
        "Remote Services: SMB/Windows Admin Shares: 2 chains on ws07, ws08"
    );
    assert_eq!(
        v["techniques"][2]["comment"],
        "System Services: Service Execution: 1 chain on ws07"
    );
    assert_eq!(v["gradient"]["maxValue"], 2);
    assert_eq!(v["versions"]["attack"], ATTACK_VERSION);
}

#[test]
fn navigator_layer_of_no_chains_is_valid_and_empty() {
    let mut doc = two_device_doc();
    doc.chains.clear();
    let v: Value = serde_json::from_str(&navigator_layer(&doc)).unwrap();
    validate_layer(&v);
    assert!(v["techniques"].as_array().unwrap().is_empty());
}

#[test]
fn navigator_layer_of_hostile_values_is_valid_json() {
    let v: Value = serde_json::from_str(&navigator_layer(&hostile_doc())).unwrap();
    validate_layer(&v);
    assert!(v["techniques"][0]["comment"]
        .as_str()
        .unwrap()
        .contains("<img"));
}
