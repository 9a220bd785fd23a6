//! The `copyexec` binary as scripts use it: its outputs are contracts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NET: &str =
    "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol\n\
2024-03-11T08:00:00.0000000Z,d1,host1,InboundConnectionAccepted,10.0.0.5,50123,10.0.0.9,445,Tcp\n";
const LOGON: &str = "Timestamp,DeviceId,ActionType,LogonType,AccountDomain,AccountName,AccountSid,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP\n\
2024-03-11T08:00:00.5000000Z,d1,LogonSuccess,Network,corp,\"smith, j\",S-1-5-21-9,true,999,pc7,10.0.0.5\n";
const FILE: &str = "Timestamp,DeviceId,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,InitiatingProcessFileName,InitiatingProcessFolderPath,ShareName\n\
2024-03-11T08:00:01.0000000Z,d1,FileCreated,\"evil\x1b[31m.exe\",C:\\Windows\\evil.exe,a1,b2,c3,System,,ADMIN$\n";
const PROC: &str = "Timestamp,DeviceId,FolderPath,ProcessCommandLine,ProcessId\n\
2024-03-11T08:00:02.0000001Z,d1,C:\\Windows\\evil.exe,\"evil.exe \"\"quoted\"\"\n--line2\",42\n";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_copyexec")
}

fn fixture(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("copyexec-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (n, text) in files {
        std::fs::write(dir.join(n), text).unwrap();
    }
    dir
}

fn four(name: &str) -> PathBuf {
    fixture(
        name,
        &[
            ("a.csv", NET),
            ("b.csv", LOGON),
            ("c.csv", FILE),
            ("d.csv", PROC),
        ],
    )
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .arg(dir)
        .output()
        .expect("copyexec runs")
}

#[test]
fn rows_prints_the_contract_csv() {
    let dir = four("rows");
    let out = run(&["rows"], &dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = "Timestamp,DeviceName,RemoteIP,RemotePort,AccountDomain,AccountName,AccountSid,Protocol,LogonId,RemoteDeviceName,IsLocalAdmin,FileName,FolderPath,SHA1,SHA256,MD5,ProcessCommandLine\n\
2024-03-11T08:00:00.0000000Z,host1,10.0.0.5,50123,corp,\"smith, j\",S-1-5-21-9,Tcp,999,pc7,true,evil\x1b[31m.exe,C:\\Windows\\evil.exe,a1,b2,c3,\"evil.exe \"\"quoted\"\"\n--line2\"\n";
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn tolerance_is_applied() {
    let dir = four("tolerance");
    let out = run(&["rows", "--tolerance", "1"], &dir);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().count(),
        1,
        "only the header: the start is 2.0000001 s after"
    );
    let out = run(&["rows", "--tolerance", "-1"], &dir);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn chains_json_has_the_versioned_schema_and_evidence() {
    let dir = four("json");
    let out = run(&["chains", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "copyexec.chains/1");
    assert_eq!(doc["settings"]["tolerance_seconds"], 5);
    assert_eq!(doc["totals"]["chains"], 1);
    assert_eq!(doc["totals"]["query_rows"], 1);
    let chain = &doc["chains"][0];
    assert_eq!(chain["folder_path"], "C:\\Windows\\evil.exe");
    assert_eq!(chain["accounts"][0], "corp\\smith, j");
    assert_eq!(chain["start"]["offset_ticks"], 20_000_001);
    let fields = chain["start"]["fields"].as_array().unwrap();
    assert!(
        fields.iter().any(|f| f[0] == "ProcessId" && f[1] == "42"),
        "{fields:?}"
    );
    assert_eq!(chain["writes"][0]["source"]["line"], 2);
}

#[test]
fn table_output_shows_control_characters_as_escapes() {
    let dir = four("table");
    let out = run(&["chains"], &dir);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1 chains from 1 query rows"), "{text}");
    assert!(!text.contains('\x1b'), "no raw escape reaches the terminal");
    assert!(text.contains("\\u{a}--line2"), "{text}");
}

#[test]
fn unusable_inputs_are_reported_and_set_the_exit_code() {
    let dir = fixture(
        "bad",
        &[
            ("a.csv", NET),
            ("b.csv", LOGON),
            ("c.csv", FILE),
            ("d.csv", PROC),
            ("e.txt", "hello\n"),
        ],
    );
    let out = run(&["rows"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("e.txt: not analysed"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(",C:\\Windows\\evil.exe,"),
        "the rest is analysed: {stdout}"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let out = Command::new(bin())
        .args(["rows", "/nonexistent/copyexec"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/copyexec"));
}

#[test]
fn missing_tables_are_named() {
    let dir = fixture("missing", &[("a.csv", NET)]);
    let out = run(&["rows"], &dir);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no DeviceLogonEvents loaded: no chain can match"),
        "{stderr}"
    );
}

#[test]
fn kql_prints_the_seed_query_with_the_tolerance() {
    let out = Command::new(bin())
        .args(["kql", "--tolerance", "12"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let query = text
        .split_once("as published.\n")
        .expect("a header comment")
        .1;
    assert!(query.starts_with("let ToleranceInSeconds = 12;\nDeviceNetworkEvents\n"));
    assert_eq!(
        query.replacen("= 12;", "= 5;", 1),
        include_str!("../../core/src/seed_query.kql")
    );
}

#[test]
fn kql_renders_allowlist_rules_before_the_projection() {
    let out = Command::new(bin())
        .args(["kql", "--preset", "software-deployment"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let rule = text
        .find("// rule sccm-client-push")
        .expect("the rule is named");
    let project = text.find("| project Timestamp").unwrap();
    assert!(rule < project);
    assert!(text.contains(r#"| where not(FolderPath =~ @"C:\Windows\ccmsetup\ccmsetup.exe" and InitiatingProcessFileName3 =~ @"services.exe")"#), "{text}");
}

#[test]
fn allowlists_set_rows_aside_and_chains_show_them() {
    let dir = four("allow");
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"evil-is-fine\"\nreason = \"test\"\nfolder_path = ['C:\\Windows\\*']\n",
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["rows", "--allowlist"])
        .arg(&rules)
        .arg(dir.join("a.csv"))
        .arg(dir.join("b.csv"))
        .arg(dir.join("c.csv"))
        .arg(dir.join("d.csv"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        1,
        "only the header"
    );
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("rule evil-is-fine"));
    let out = Command::new(bin())
        .args(["chains", "--format", "json", "--allowlist"])
        .arg(&rules)
        .arg(dir.join("a.csv"))
        .arg(dir.join("b.csv"))
        .arg(dir.join("c.csv"))
        .arg(dir.join("d.csv"))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["chains"].as_array().unwrap().len(), 0);
    assert_eq!(
        doc["suppressed_chains"][0]["suppressed_by"][0],
        "evil-is-fine"
    );
    assert_eq!(doc["allowlist"]["rules"][0]["rows_set_aside"], 1);
    assert!(
        doc["suppressed_chains"][0]["start"]["fields"]
            .as_array()
            .unwrap()
            .len()
            > 3,
        "evidence too"
    );
}

#[test]
fn a_bad_rule_file_names_its_line() {
    let dir = four("badrule");
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"x\"\nreason = \"y\"\nfolder_pth = ['C:\\*']\n",
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["kql", "--allowlist"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("rules.toml:4"), "{err}");
    assert!(err.contains("folder_pth"), "{err}");
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/sample")
}

fn chain_paths(args: &[&str]) -> (Vec<String>, Vec<String>) {
    let out = Command::new(bin())
        .args(["chains", "--format", "json", "--no-evidence", "-q"])
        .args(args)
        .arg(sample())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths = |k: &str| {
        doc[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["folder_path"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    (paths("chains"), paths("suppressed_chains"))
}

#[test]
fn the_bundled_sample_gives_its_documented_chains() {
    let (chains, _) = chain_paths(&[]);
    assert_eq!(
        chains,
        [
            r"C:\Windows\Temp\MaintCache\msiexec.exe",
            r"C:\Temp\AppDiag\debug.exe",
            r"C:\Windows\ccmsetup\ccmsetup.exe",
            r"C:\Windows\PSEXESVC.exe",
            r"C:\ProgramData\svchealth.exe",
            r"C:\Windows\Temp\svchealth.exe",
            r"C:\ProgramData\Fabrikam\SyncAgent\helpers\synchelper.exe",
        ]
    );
    let (chains, _) = chain_paths(&["--tolerance", "10"]);
    assert_eq!(chains.len(), 8);
    assert_eq!(
        chains[6], r"C:\ProgramData\svchealth.exe",
        "the late start on ws-fin-022"
    );
    // The four presets set the four benign scenarios aside and leave the intrusion.
    let presets = [
        "--preset",
        "maintenance-tasks",
        "--preset",
        "software-deployment",
        "--preset",
        "admin-debugging",
        "--preset",
        "file-sync-tools",
    ];
    let (chains, suppressed) = chain_paths(&presets);
    assert_eq!(
        chains,
        [
            r"C:\Windows\PSEXESVC.exe",
            r"C:\ProgramData\svchealth.exe",
            r"C:\Windows\Temp\svchealth.exe"
        ]
    );
    assert_eq!(suppressed.len(), 4);
}

// Exit status rules (README "Exit status", `--help`): 0 every input read, 1 some input not
// read (each on an `error:` line), 2 usage error; a closed output pipe is a quiet 0.

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_readable_file_with_nothing_of_the_hunt_is_a_note_and_exit_0() {
    let registry = r#"{"category":"AdvancedHunting-DeviceRegistryEvents","properties":{"Timestamp":"2024-01-01T00:00:00Z"}}"#;
    let app_log = r#"{"EventID": 1000, "Channel": "Application", "Hostname": "h", "TimeCreated": "2024-01-01T00:00:00Z"}"#;
    let dir = fixture(
        "note",
        &[
            ("a.csv", NET),
            ("b.csv", LOGON),
            ("c.csv", FILE),
            ("d.csv", PROC),
            ("registry.json", registry),
            ("application.jsonl", app_log),
        ],
    );
    let out = run(&["rows"], &dir);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("note: ") && stderr.contains("registry.json: it holds only rows"),
        "{stderr}"
    );
    assert!(stderr.contains("application.jsonl"), "{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
}

#[test]
fn real_evtx_logs_without_hunt_events_exit_0() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    // A Windows Remote Service log (7045 only) and a Security log of the hunt.
    let files = [
        "evtx-attack-samples/LM_Remote_Service02_7045.evtx",
        "evtx-attack-samples/LM_5145_Remote_FileCopy.evtx",
    ];
    if !root.is_dir() {
        eprintln!("skipped: ../shared/datasets is not present in this checkout");
        return;
    }
    let out = Command::new(bin())
        .arg("chains")
        .args(files.iter().map(|f| root.join(f)))
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
}

#[test]
fn a_cut_gzip_is_named_as_on_disk_and_exits_1_after_the_rest() {
    let mut rows = String::from(NET);
    for i in 0..3000 {
        rows.push_str(&format!(
            "2024-03-11T08:00:00.0000000Z,d{i},h,InboundConnectionAccepted,10.0.{}.{},1,10.0.0.9,445,Tcp\n",
            i / 250,
            i % 250
        ));
    }
    let mut cut = gzip(rows.as_bytes());
    cut.truncate(cut.len() / 2);
    let dir = four("cut");
    std::fs::write(dir.join("x.csv.gz"), cut).unwrap();
    let out = run(&["rows"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: ") && l.contains("x.csv.gz → x.csv:"))
        .unwrap_or_else(|| panic!("the cut is an error line naming the file on disk: {stderr}"));
    assert!(line.contains("reading stopped at this line"), "{line}");
    assert!(
        line.contains("the records before it were analysed"),
        "{line}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(",C:\\Windows\\evil.exe,"),
        "the rest: {stdout}"
    );
}

#[test]
fn a_file_that_cannot_be_opened_is_an_error_line_and_exit_1() {
    let dir = four("unopened");
    std::os::unix::fs::symlink(dir.join("gone.csv"), dir.join("link.csv")).unwrap();
    let out = run(&["chains", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error: ") && l.contains("link.csv: not analysed")),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["totals"]["chains"], 1, "the rest is analysed");
}

#[test]
fn a_closed_output_pipe_ends_quietly_with_0_for_every_command() {
    let dir = four("pipe");
    let dirs = dir.display().to_string();
    let report = ["report", "-o", "-", &dirs];
    let commands: [&[&str]; 7] = [
        &["rows", &dirs],
        &["chains", &dirs],
        &["chains", "--format", "json", &dirs],
        &report,
        &["kql"],
        &["presets"],
        &["--help"],
    ];
    for args in commands {
        // A pipe whose reader is already gone: the first write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(bin())
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn help_documents_the_exit_status() {
    let out = Command::new(bin()).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Exit status:"), "{text}");
    assert!(text.contains("1  some input could not be read"), "{text}");
}

#[test]
fn threads_and_pieces_do_not_change_the_output() {
    // A 40 MB process export (quoted line ends in it) beside the other three: with several
    // threads it is read in pieces, and every output is that of one thread.
    let mut proc = String::from(PROC);
    let mut i = 0u64;
    while proc.len() < 40 << 20 {
        let cmd = if i % 7 == 0 {
            format!("\"tool.exe {i}\n--next\"")
        } else {
            format!("tool.exe {i}")
        };
        proc.push_str(&format!(
            "2024-03-11T08:{:02}:{:02}.0000000Z,d{},C:\\Tools\\t{}.exe,{cmd},{i}\n",
            (i / 60) % 60,
            i % 60,
            i % 50,
            i % 13
        ));
        i += 1;
    }
    let dir = fixture(
        "pieces",
        &[
            ("a.csv", NET),
            ("b.csv", LOGON),
            ("c.csv", FILE),
            ("d.csv", &proc),
        ],
    );
    for what in [&["chains", "--format", "json"][..], &["rows"][..]] {
        let one = run(&[what, &["-q", "--threads", "1"]].concat(), &dir);
        let many = run(&[what, &["-q", "--threads", "3"]].concat(), &dir);
        assert!(one.stdout.len() > 100, "{what:?} prints");
        assert_eq!(
            String::from_utf8_lossy(&many.stdout),
            String::from_utf8_lossy(&one.stdout)
        );
        assert_eq!(many.status.code(), one.status.code());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
