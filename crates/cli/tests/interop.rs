//! The inputs responders have and the tools they hand over to: device timeline exports in,
//! Timesketch and ATT&CK Navigator out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn timelines() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/timeline")
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_copyexec"))
        .args(args)
        .output()
        .expect("copyexec runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn timeline_exports_are_read_and_say_what_was_assumed() {
    let dir = timelines();
    let out = run(&["rows", dir.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stdout.contains(",C:\\ProgramData\\upd.exe,"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("Defender device timeline CSV"), "{stderr}");
    assert!(
        stderr.contains("time zone assumed UTC (the file does not say)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("timeline Techniques rows (annotations of events, not events) ×1"),
        "{stderr}"
    );
    // The folder-only decision is a note: printed unless --quiet.
    assert!(
        stderr.contains("Folder Path read as the folder only"),
        "{stderr}"
    );
    let quiet = run(&["rows", "--quiet", dir.to_str().unwrap()]);
    assert!(!String::from_utf8(quiet.stderr)
        .unwrap()
        .contains("Folder Path read"));
}

#[test]
fn timezone_moves_zone_less_event_times() {
    let dir = timelines();
    let out = run(&["rows", "--timezone", "+01:00", dir.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\n2024-11-05T14:19:40.6210000Z,"),
        "{stdout}"
    );
}

#[test]
fn chains_as_timesketch_json_lines() {
    let dir = timelines();
    let out = run(&["chains", "--format", "timesketch", dir.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // two chains of connection, logon, write and start
    assert_eq!(lines.len(), 8);
    for l in &lines {
        let o = l.as_object().unwrap();
        assert!(o.values().all(|v| v.is_string() || v.is_number()));
        assert!(o["datetime"].as_str().unwrap().ends_with("+00:00"));
        assert!(!o["message"].as_str().unwrap().is_empty());
        assert!(!o["timestamp_desc"].as_str().unwrap().is_empty());
    }
    let ws07 = &lines[0];
    assert_eq!(ws07["device"], "WS07.corp.contoso.com");
    assert_eq!(ws07["group_kind"], "sha256");
    // the original row is read again from the timeline for the evidence
    let evidence = ws07["evidence"].as_str().unwrap();
    assert!(evidence.ends_with("ws07-66-bom-crlf.csv:8"), "{evidence}");
}

#[test]
fn chains_as_timesketch_csv() {
    let dir = timelines();
    let out = run(&[
        "chains",
        "--format",
        "timesketch-csv",
        dir.to_str().unwrap(),
    ]);
    let mut rdr = csv::ReaderBuilder::new().from_reader(&out.stdout[..]);
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "message");
    assert_eq!(&headers[1], "datetime");
    assert_eq!(&headers[3], "timestamp_desc");
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| r.len() == headers.len()));
}

#[test]
fn chains_as_a_navigator_layer() {
    let dir = timelines();
    let out = run(&["chains", "--format", "navigator", dir.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["versions"]["layer"], "4.5");
    assert_eq!(v["domain"], "enterprise-attack");
    let ids: Vec<(&str, u64)> = v["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["techniqueID"].as_str().unwrap(),
                t["score"].as_u64().unwrap(),
            )
        })
        .collect();
    // both starts were made by services.exe
    assert_eq!(ids, [("T1021.002", 2), ("T1570", 2), ("T1569.002", 2)]);
    assert_eq!(
        v["techniques"][0]["comment"],
        "Remote Services: SMB/Windows Admin Shares: 2 chains on WS07.corp.contoso.com, ws08.corp.contoso.com"
    );
}
