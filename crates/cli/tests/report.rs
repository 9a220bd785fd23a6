//! `copyexec report`: one HTML file holding exactly what `copyexec chains --format json` says,
//! the same bytes for the same inputs, and every hostile log value inert.

use copyexec_report::{chain_rows, parse_report, parse_report_meta, sha256_hex};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TIME: &str = "2024-03-12T09:00:00Z";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_copyexec")
}

fn hostile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hostile")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("copyexec-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small chain whose device name is a spreadsheet formula.
fn small(name: &str) -> PathBuf {
    let dir = scratch(name);
    let files = [
        ("a.csv", "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol\n\
                   2024-03-11T08:00:00.0000000Z,d1,\"=cmd|' /C calc'!A0\",InboundConnectionAccepted,10.0.0.5,50123,10.0.0.9,445,Tcp\n"),
        ("b.csv", "Timestamp,DeviceId,ActionType,LogonType,AccountDomain,AccountName,AccountSid,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP\n\
                   2024-03-11T08:00:00.5000000Z,d1,LogonSuccess,Network,corp,\"smith, j\",S-1-5-21-9,true,999,pc7,10.0.0.5\n"),
        ("c.csv", "Timestamp,DeviceId,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,InitiatingProcessFileName,InitiatingProcessFolderPath,ShareName\n\
                   2024-03-11T08:00:01.0000000Z,d1,FileCreated,evil.exe,C:\\Windows\\evil.exe,a1,b2,c3,System,,ADMIN$\n"),
        ("d.csv", "Timestamp,DeviceId,FolderPath,ProcessCommandLine,ProcessId,InitiatingProcessFileName\n\
                   2024-03-11T08:00:02.0000001Z,d1,C:\\Windows\\evil.exe,\"evil.exe </script>\",42,services.exe\n"),
    ];
    for (n, text) in files {
        std::fs::write(dir.join(n), text).unwrap();
    }
    dir
}

fn run(args: &[&str], time: &str) -> Output {
    Command::new(bin())
        .args(args)
        .env("COPYEXEC_REPORT_TIME", time)
        .output()
        .expect("copyexec runs")
}

/// Writes the report of `inputs` and returns its text.
fn report(inputs: &Path, out: &Path, extra: &[&str], time: &str) -> String {
    let mut args = vec!["report", "-q", "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(inputs.to_str().unwrap());
    let o = run(&args, time);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// `copyexec chains --format json` of the same inputs.
fn chains_json(inputs: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["chains", "--format", "json", "-q"];
    args.extend_from_slice(extra);
    args.push(inputs.to_str().unwrap());
    let o = run(&args, TIME);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The page without its data islands.
fn shown(html: &str) -> &str {
    &html[..html.find("<script type=\"application/json\"").unwrap()]
}

#[test]
fn the_report_holds_what_chains_says() {
    let dir = scratch("holds");
    for (inputs, extra) in [
        (hostile(), &[][..]),
        (small("holds-small"), &["--tolerance", "3"][..]),
    ] {
        let html = report(&inputs, &dir.join("r.html"), extra, TIME);
        let expected = chains_json(&inputs, extra);
        let doc = parse_report(&html).unwrap();
        assert_eq!(serde_json::to_value(&doc).unwrap(), expected);
        let n = doc.chains.len();
        assert!(n >= 1);
        assert!(html.contains(&format!(
            "<span class=\"num\" data-testid=\"chain-count\">{n}</span>"
        )));
        assert_eq!(html.matches("data-testid=\"chain\"").count(), n);

        // The query rows shown are the rows `copyexec rows` prints.
        let mut args = vec!["rows", "-q"];
        args.extend_from_slice(extra);
        args.push(inputs.to_str().unwrap());
        let rows = run(&args, TIME);
        let mut expected: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .from_reader(&rows.stdout[..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let mut got: Vec<Vec<String>> = doc
            .chains
            .iter()
            .flat_map(chain_rows)
            .map(|r| r.to_vec())
            .collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }
}

#[test]
fn hostile_values_are_inert_text() {
    let dir = scratch("hostile");
    let html = report(
        &hostile(),
        &dir.join("r.html"),
        &[
            "--title",
            "</title><script>window.__pwned=1</script>",
            "--notes",
            "<img src=x onerror=alert(1)>",
        ],
        TIME,
    );
    let page = shown(&html);
    let lower = html.to_ascii_lowercase();
    assert_eq!(
        lower.matches("<script").count(),
        2,
        "the two data islands only"
    );
    assert_eq!(lower.matches("</script").count(), 2);
    assert_eq!(lower.matches("<style").count(), 1);
    assert_eq!(lower.matches("</style").count(), 1);
    for raw in [
        "<img",
        "<svg onload",
        "<iframe",
        "onerror=\"",
        "href=\"javascript",
    ] {
        assert!(!lower.contains(raw), "{raw}");
    }
    for text in [
        "&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;",
        "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;",
        "&lt;svg onload=window.__pwned=1&gt;",
        "javascript:window.__pwned=1",
        "&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;",
        "&amp;lt;&amp;amp;&amp;#60;&amp;quot;&amp;nbsp;",
        "<span class=\"inv\">⟨U+202E⟩</span>",
        "<span class=\"inv\">⟨U+200B⟩</span>",
        "<span class=\"inv\">⟨U+0000⟩</span>",
        "<span class=\"inv\">⟨U+FFFD⟩</span>",
        "more characters not shown",
        "<title>&lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</title>",
    ] {
        assert!(page.contains(text), "{text} is not shown as text");
    }
    for c in ['\0', '\u{202E}', '\u{200B}'] {
        assert!(!page.contains(c), "U+{:04X} raw in the page", c as u32);
    }
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let dir = scratch("bytes");
    let a = report(&hostile(), &dir.join("a.html"), &[], TIME);
    let b = report(&hostile(), &dir.join("b.html"), &[], TIME);
    assert!(a == b, "two runs differ");
    let later = "2025-01-01T00:00:00Z";
    let c = report(&hostile(), &dir.join("c.html"), &[], later);
    assert_ne!(a, c);
    assert_eq!(
        a.replace(TIME, "T"),
        c.replace(later, "T"),
        "only the creation time differs"
    );
    // Without the variable the clock gives an RFC 3339 UTC time.
    let o = Command::new(bin())
        .args(["report", "-q", "-o", "-"])
        .arg(small("clock"))
        .env_remove("COPYEXEC_REPORT_TIME")
        .output()
        .unwrap();
    let meta = parse_report_meta(&String::from_utf8(o.stdout).unwrap()).unwrap();
    assert_eq!(meta.created.len(), 20, "{}", meta.created);
    assert!(meta.created.starts_with("20") && meta.created.ends_with('Z'));
}

#[test]
fn inputs_are_fingerprinted() {
    let dir = scratch("custody");
    let inputs = small("custody-small");
    let html = report(&inputs, &dir.join("r.html"), &["--title", "Case 7"], TIME);
    let meta = parse_report_meta(&html).unwrap();
    assert_eq!(meta.title, "Case 7");
    assert_eq!(meta.created, TIME);
    assert_eq!(meta.inputs.len(), 4);
    for m in &meta.inputs {
        let bytes = std::fs::read(&m.name).unwrap();
        assert_eq!(m.size, bytes.len() as u64);
        assert_eq!(m.sha256, sha256_hex(&bytes[..]).unwrap());
        assert!(shown(&html).contains(&m.sha256));
    }
}

#[test]
fn csv_export_is_spreadsheet_safe() {
    let dir = scratch("csv");
    let csv_path = dir.join("chains.csv");
    report(
        &small("csv-small"),
        &dir.join("r.html"),
        &["--csv", csv_path.to_str().unwrap()],
        TIME,
    );
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(text.starts_with("\u{feff}Chain,"));
    assert!(text.contains(",'=cmd|' /C calc'!A0,d1,"), "{text}");
    assert!(text.contains("T1021.002; T1570; T1569.002"), "{text}");
}

#[test]
fn an_allowlist_is_applied_as_chains_applies_it() {
    let dir = scratch("allowlist");
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"psexec\"\nreason = \"IT's <b>PsExec</b>\"\nfolder_path = ['C:\\Windows\\PSEXESVC.exe']\n",
    )
    .unwrap();
    let extra = ["--allowlist", rules.to_str().unwrap()];
    let html = report(&hostile(), &dir.join("r.html"), &extra, TIME);
    assert_eq!(
        serde_json::to_value(parse_report(&html).unwrap()).unwrap(),
        chains_json(&hostile(), &extra)
    );
    assert!(shown(&html).contains("<section id=\"allowlist\">"));
    assert!(shown(&html).contains("IT&#39;s &lt;b&gt;PsExec&lt;/b&gt;"));
    assert!(shown(&html).contains("Suppressed chains (1)"));
}

#[test]
fn near_misses_are_listed_when_asked_for() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/sample");
    if !sample.join("DeviceNetworkEvents.csv").exists() {
        return;
    }
    let dir = scratch("near");
    let extra = ["--near-misses"];
    let html = report(&sample, &dir.join("r.html"), &extra, TIME);
    let expected = chains_json(&sample, &extra);
    assert_eq!(
        serde_json::to_value(parse_report(&html).unwrap()).unwrap(),
        expected
    );
    let n = expected["near_misses"].as_array().unwrap().len();
    assert!(n > 0);
    assert!(shown(&html).contains(&format!("<h2>Near misses ({n})</h2>")));
    let plain = report(&sample, &dir.join("p.html"), &[], TIME);
    assert!(!plain.contains("id=\"near-misses\""));
}
