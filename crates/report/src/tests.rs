//! The page under hostile values: nothing a log line holds becomes markup, script, style or a
//! request; the embedded document reads back equal; the same input gives the same bytes.

use super::*;
use crate::text::Html;
use copyexec_core::engine::{Engine, MemorySource, Settings};
use copyexec_core::load::{LoadOptions, Loader};
use copyexec_core::Dataset;

const SCRIPT: &str = "</script><script>window.__pwned=1</script>";
const IMG: &str = "<img src=x onerror=\"window.__pwned=1\">";
const SVG: &str = "<svg onload=window.__pwned=1>";
const JS_URL: &str = "javascript:window.__pwned=1";
const DATA_URL: &str = "data:text/html,<script>window.__pwned=1</script>";
const CSS_BREAK: &str = "</style><style>body{display:none}</style>}body{display:none}";
const ENTITIES: &str = "&lt;&amp;&#x3c;&quot;";
const COMMENT: &str = "<!--<script>";
const FORMULA: &str = "=HYPERLINK(\"http://x.invalid\",\"y\")";
const RLO_PATH: &str = "C:\\Users\\Public\\inv\u{202E}fdp.exe";
const ZERO_WIDTH: &str = "adm\u{200B}in\u{200D}\u{FEFF}";

fn csv_line(cells: &[&str]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect();
    quoted.join(",") + "\n"
}

pub(super) fn doc_from(files: &[(&str, Vec<u8>)], tolerance: i64) -> ChainsDocument {
    let mut loader = Loader::new(LoadOptions::default());
    for (name, bytes) in files {
        let _ = loader.add_input(name, Some(bytes.len() as u64), &bytes[..], &mut |_| true);
    }
    let mut engine = Engine::new(
        Dataset::new(loader.finish()),
        Settings {
            tolerance_seconds: tolerance,
            near_misses: true,
            ..Settings::default()
        },
    );
    let inputs = files.iter().map(|(_, b)| &b[..]).collect();
    engine.read_evidence(None, true, &mut MemorySource(inputs));
    engine.document()
}

/// Two chains whose every text field is hostile, one started through PSEXESVC by services.exe.
pub(super) fn hostile_doc() -> ChainsDocument {
    let (files, tolerance) = hostile_files();
    doc_from(&files, tolerance)
}

/// The exports of [`hostile_doc`].
fn hostile_files() -> (Vec<(&'static str, Vec<u8>)>, i64) {
    let long = format!("cmd.exe /c {} {}", SCRIPT, "A".repeat(100_000));
    let device = format!("dev{IMG}");
    let ip = format!("{SVG}10.0.0.5");
    let mut net = csv_line(&[
        "Timestamp",
        "DeviceId",
        "DeviceName",
        "ActionType",
        "RemoteIP",
        "RemotePort",
        "LocalIP",
        "LocalPort",
        "Protocol",
        "InitiatingProcessFileName",
        SCRIPT,
    ]);
    let mut logon = csv_line(&[
        "Timestamp",
        "DeviceId",
        "ActionType",
        "LogonType",
        "AccountDomain",
        "AccountName",
        "AccountSid",
        "IsLocalAdmin",
        "LogonId",
        "RemoteDeviceName",
        "RemoteIP",
    ]);
    let mut file = csv_line(&[
        "Timestamp",
        "DeviceId",
        "ActionType",
        "FileName",
        "FolderPath",
        "SHA1",
        "SHA256",
        "MD5",
        "InitiatingProcessFileName",
        "InitiatingProcessFolderPath",
        "ShareName",
    ]);
    // A NUL in the first 8 kB makes a file binary: pad with a row the query filters out.
    let pad = "P".repeat(9000);
    file += &csv_line(&[
        "2024-03-11T07:00:00Z",
        "pad",
        "FileDeleted",
        &pad,
        "C:\\pad",
        "",
        "",
        "",
        "System",
        "",
        "",
    ]);
    let mut procs = csv_line(&[
        "Timestamp",
        "DeviceId",
        "FileName",
        "FolderPath",
        "ProcessCommandLine",
        "ProcessId",
        "InitiatingProcessFileName",
    ]);
    for (sec, path, cmd, parent) in [
        (0, RLO_PATH.to_string(), long.as_str(), JS_URL),
        (
            10,
            "C:\\Windows\\PSEXESVC.exe".to_string(),
            "PSEXESVC.exe",
            "services.exe",
        ),
    ] {
        let t = |s: i64| format!("2024-03-11T08:00:{:02}.{:07}Z", sec + s, 1234567);
        net += &csv_line(&[
            &t(0),
            &device,
            &device,
            DATA_URL,
            &ip,
            "50123",
            "10.0.0.9",
            "445",
            CSS_BREAK,
            ENTITIES,
            COMMENT,
        ]);
        logon += &csv_line(&[
            &t(1),
            &device,
            CSS_BREAK,
            SVG,
            ENTITIES,
            ZERO_WIDTH,
            FORMULA,
            "true",
            "999",
            IMG,
            &ip,
        ]);
        file += &csv_line(&[
            &t(2),
            &device,
            "FileCreated",
            &format!("{SCRIPT}\u{202E}fdp.exe"),
            &path,
            JS_URL,
            DATA_URL,
            "\0nul@BAD@",
            "System",
            CSS_BREAK,
            "ADMIN$",
        ]);
        procs += &csv_line(&[&t(3), &device, COMMENT, &path, cmd, "4242", parent]);
    }
    // Invalid UTF-8 in a matched row.
    let file = file.replace("@BAD@", "\u{1}").into_bytes();
    let file: Vec<u8> = file
        .into_iter()
        .flat_map(|b| {
            if b == 1 {
                vec![0xff, 0xfe, 0xc0]
            } else {
                vec![b]
            }
        })
        .collect();
    (
        vec![
            ("net & <b>'n'</b>.csv", net.into_bytes()),
            ("logon.csv", logon.into_bytes()),
            ("file.csv", file),
            ("proc.csv", procs.into_bytes()),
        ],
        5,
    )
}

fn meta_for(doc: &ChainsDocument) -> ReportMeta {
    ReportMeta {
        title: format!("Case {SCRIPT}"),
        notes: format!("Seen:\n{IMG}\n{CSS_BREAK}"),
        created: "2024-03-12T09:00:00Z".into(),
        inputs: doc
            .inputs
            .iter()
            .map(|i| InputMeta {
                name: i.name.clone(),
                size: i.size.unwrap_or(0),
                sha256: "ab".repeat(32),
            })
            .collect(),
    }
}

/// The page without its two data islands.
fn visible_part(html: &str) -> &str {
    &html[..html.find("<script type=\"application/json\"").unwrap()]
}

#[test]
fn the_hostile_corpus_matches() {
    let doc = hostile_doc();
    assert_eq!(doc.chains.len(), 2, "{:#?}", doc.totals);
    assert_eq!(doc.chains[0].folder_path, RLO_PATH);
}

#[test]
fn every_hostile_value_is_escaped_text() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    for v in [SCRIPT, IMG, SVG, DATA_URL, CSS_BREAK, COMMENT] {
        assert!(!html.contains(v), "{v} appears raw");
        let escaped = Html(v).to_string();
        assert!(
            visible_part(&html).contains(&escaped),
            "{v} is not shown as text"
        );
    }
    assert!(html.contains(&Html(ENTITIES).to_string()));
    assert!(html.contains("&amp;lt;&amp;amp;&amp;#x3c;&amp;quot;"));
    assert!(visible_part(&html).contains(JS_URL), "shown as text");
    assert!(
        !visible_part(&html).contains("\"javascript:"),
        "never as a link"
    );
}

#[test]
fn the_page_has_only_our_markup() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    let lower = html.to_ascii_lowercase();
    assert_eq!(
        lower.matches("<script").count(),
        2,
        "only the two data islands"
    );
    assert_eq!(
        lower
            .matches("<script type=\"application/json\" id=\"")
            .count(),
        2
    );
    assert_eq!(lower.matches("</script>").count(), 2);
    assert_eq!(lower.matches("<style").count(), 1);
    assert_eq!(lower.matches("</style>").count(), 1);
    assert!(!lower.contains("<img"));
    assert!(!lower.contains("<iframe"));
    assert!(!lower.contains(" style="));
    // No tag of the page carries an event handler.
    let page = visible_part(&lower);
    for (i, _) in page.match_indices('<') {
        let tag = &page[i..i + page[i..].find('>').unwrap()];
        for (j, _) in tag.match_indices(" on") {
            let name: String = tag[j + 3..]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            assert!(!tag[j + 3 + name.len()..].starts_with('='), "{tag}");
        }
        assert!(!tag.contains(" src="), "{tag}");
    }
    for svg in lower.match_indices("<svg").map(|(i, _)| &lower[i..i + 12]) {
        assert!(svg == "<svg class=\"", "{svg}");
    }
    // Every link stays inside the page.
    for (i, _) in html.match_indices("href=\"") {
        let target = &html[i + 6..];
        assert!(
            target.starts_with('#') || target.starts_with("data:,\""),
            "{}",
            &target[..40.min(target.len())]
        );
    }
}

#[test]
fn hidden_characters_are_shown_as_markers() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    let shown = visible_part(&html);
    for c in ['\u{202E}', '\u{200B}', '\u{200D}', '\u{FEFF}', '\0'] {
        assert!(!shown.contains(c), "U+{:04X} is in the page raw", c as u32);
    }
    assert!(shown.contains("inv<span class=\"inv\">⟨U+202E⟩</span>fdp.exe"));
    assert!(shown.contains("adm<span class=\"inv\">⟨U+200B⟩</span>in"));
    assert!(shown.contains("<span class=\"inv\">⟨U+0000⟩</span>nul"));
    assert!(
        shown.contains("<span class=\"inv\">⟨U+FFFD⟩</span>"),
        "invalid UTF-8"
    );
}

#[test]
fn long_values_are_cut_for_display_and_whole_in_the_data() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    let long = "A".repeat(100_000);
    assert!(!visible_part(&html).contains(&long));
    assert!(visible_part(&html).contains("more characters not shown"));
    assert!(html.contains(&long), "the data island keeps it");
    assert!(html.len() < 600_000, "{}", html.len());
}

#[test]
fn the_data_island_cannot_be_closed_by_a_value() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    let json = island(&html, DATA_ELEMENT_ID).unwrap();
    assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
    assert!(json.contains("\\u003c/script\\u003e"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(json).unwrap(),
        serde_json::to_value(&doc).unwrap()
    );
}

#[test]
fn a_report_reads_back_as_its_document() {
    let doc = hostile_doc();
    let meta = meta_for(&doc);
    let html = render(&doc, &meta);
    let back = parse_report(&html).unwrap();
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&doc).unwrap()
    );
    assert_eq!(parse_report_meta(&html).unwrap(), meta);
    // What the app renders from an opened report is the very same page.
    assert_eq!(render(&back, &meta), html);
}

#[test]
fn parse_report_rejects_what_is_not_a_report() {
    assert!(matches!(
        parse_report("<html></html>"),
        Err(ParseError::NoData(_))
    ));
    let bad = format!("<script type=\"application/json\" id=\"{DATA_ELEMENT_ID}\">{{</script>");
    assert!(matches!(parse_report(&bad), Err(ParseError::Json(_))));
    let other = format!(
        "<script type=\"application/json\" id=\"{DATA_ELEMENT_ID}\">{{\"schema\":\"copyexec.chains/9\"}}</script>"
    );
    let err = parse_report(&other).unwrap_err();
    assert!(err.to_string().contains("copyexec.chains/9"), "{err}");
}

#[test]
fn render_is_deterministic() {
    let doc = hostile_doc();
    let meta = meta_for(&doc);
    let a = render(&doc, &meta);
    let b = render(&hostile_doc(), &meta);
    assert_eq!(a, b);
    let later = ReportMeta {
        created: "2025-01-01T00:00:00Z".into(),
        ..meta.clone()
    };
    let c = render(&doc, &later);
    assert_eq!(
        a.replace(&meta.created, "T"),
        c.replace(&later.created, "T"),
        "only the creation time differs"
    );
}

#[test]
fn the_style_element_is_the_one_the_policy_allows() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    let start = html.find("<style>").unwrap() + 7;
    let end = html.find("</style>").unwrap();
    let css = &html[start..end];
    let hash = format!("sha256-{}", base64(&Sha256::digest(css.as_bytes())));
    let csp = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{hash}'; img-src data:; base-uri 'none'; form-action 'none'\">"
    );
    assert!(html.contains(&csp));
    assert!(
        html.find(&csp).unwrap() < start,
        "the policy precedes the style"
    );
    assert!(!html.contains("script-src"), "no script is allowed");
}

#[test]
fn test_hooks_and_sections() {
    let doc = hostile_doc();
    let html = render(&doc, &meta_for(&doc));
    assert!(html.contains("<span class=\"num\" data-testid=\"chain-count\">2</span>"));
    assert_eq!(html.matches("data-testid=\"chain\"").count(), 2);
    assert_eq!(html.matches("<svg class=\"tl\"").count(), 2);
    assert_eq!(html.matches("<svg class=\"ov\"").count(), 1);
    assert!(html.contains("let ToleranceInSeconds = 5;"));
    assert!(html.contains(&"ab".repeat(32)), "input hashes");
    assert!(
        !html.contains("id=\"allowlist\""),
        "no allowlist in this document"
    );
}

#[test]
fn techniques_are_claimed_from_evidence_only() {
    let doc = hostile_doc();
    let ids = |i: usize| -> Vec<&str> {
        attack::techniques(&doc.chains[i])
            .iter()
            .map(|t| t.id)
            .collect()
    };
    assert_eq!(ids(0), ["T1021.002", "T1570"]);
    assert_eq!(ids(1), ["T1021.002", "T1570", "T1569.002"]);
    let html = render(&doc, &meta_for(&doc));
    assert!(html.contains("through the administrative share <code class=\"v\">ADMIN$</code>"));
}

#[test]
fn query_rows_are_rebuilt_from_the_events() {
    let doc = hostile_doc();
    let rows = chain_rows(&doc.chains[1]);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r[0], "2024-03-11T08:00:10.1234567Z");
    assert_eq!(r[2], format!("{SVG}10.0.0.5"));
    assert_eq!(r[5], ZERO_WIDTH);
    assert_eq!(r[12], "C:\\Windows\\PSEXESVC.exe");
    assert_eq!(r[16], "PSEXESVC.exe");
}

#[test]
fn csv_neutralises_formulas() {
    let doc = hostile_doc();
    let csv = chains_csv(&doc);
    assert!(csv.starts_with("\u{feff}Chain,StartTimestamp,"));
    assert_eq!(csv.matches("\r\n").count(), 3);
    assert!(!csv.contains(",="), "no cell starts with =");
    for line in csv.lines().skip(1) {
        assert!(line.starts_with("c"), "{line}");
    }
    assert!(csv.contains("T1021.002; T1570; T1569.002"));
}

#[test]
fn an_allowlist_is_shown_only_when_present() {
    use copyexec_core::allowlist::Allowlist;
    let (files, _) = hostile_files();
    let mut loader = Loader::new(LoadOptions::default());
    for (name, bytes) in &files {
        let _ = loader.add_input(name, Some(bytes.len() as u64), &bytes[..], &mut |_| true);
    }
    let data = Dataset::new(loader.finish());
    let mut list = Allowlist::default();
    list.add_toml(
        "rules <b>.toml</b>",
        &format!(
            "[[rule]]\nid = \"psexec\"\nreason = \"IT's PsExec {}\"\nfolder_path = ['C:\\Windows\\PSEXESVC.exe']\n",
            IMG.replace('"', "\\\"")
        ),
    )
    .unwrap();
    let engine = Engine::new(
        data,
        Settings {
            allowlist: list,
            ..Settings::default()
        },
    );
    let doc = engine.document();
    assert_eq!((doc.chains.len(), doc.suppressed_chains.len()), (1, 1));

    let html = render(&doc, &meta_for(&doc));
    let shown = visible_part(&html);
    assert!(shown.contains("<section id=\"allowlist\">"));
    assert!(shown.contains("<a href=\"#allowlist\">Allowlist</a>"));
    assert!(shown.contains("IT&#39;s PsExec &lt;img src=x"));
    assert!(shown.contains("rules &lt;b&gt;.toml&lt;/b&gt;"));
    assert!(shown.contains("Suppressed chains (1)"));
    assert!(shown.contains("| where not("), "the KQL carries the rule");
    assert_eq!(
        html.matches("data-testid=\"chain\"").count(),
        1,
        "suppressed chains are not chains"
    );
    assert_eq!(
        serde_json::to_string(&parse_report(&html).unwrap()).unwrap(),
        serde_json::to_string(&doc).unwrap()
    );

    let plain = render(&hostile_doc(), &meta_for(&doc));
    assert!(!plain.contains("id=\"allowlist\"") && !plain.contains("#allowlist"));
}

#[test]
fn sha256_of_a_reader() {
    assert_eq!(
        sha256_hex(&b"abc"[..]).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
    assert_eq!(base64(b"a"), "YQ==");
}
