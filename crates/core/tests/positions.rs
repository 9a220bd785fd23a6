//! Positions cited in diagnostics and evidence: the physical line (1-based) and byte where a
//! record starts, whatever the line ends (LF, CRLF, CR), multi-line quoted fields included.

mod common;
use common::*;
use copyexec_core::evidence::SeekReader;
use copyexec_core::load::LoadOptions;
use copyexec_core::Dataset;
use std::collections::HashMap;

const ENDS: [(&str, &str); 3] = [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")];

/// Lines joined with `end`, ending with it.
fn text(lines: &[String], end: &str) -> String {
    lines.iter().map(|l| format!("{l}{end}")).collect()
}

/// Line (1-based) and first byte of the line holding `needle`.
fn where_is(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("needle in text");
    let before = &text[..at];
    let crlf = before.matches("\r\n").count();
    let line = before.matches('\n').count() + before.matches('\r').count() - crlf + 1;
    let start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    (line as u64, start as u64)
}

/// (line, byte, sub) of every process start read: where evidence re-reading goes.
fn proc_locs(d: &Dataset) -> Vec<(u64, u64, u32)> {
    d.store()
        .procs
        .iter()
        .map(|p| (p.loc.line, p.loc.byte, p.loc.sub))
        .collect()
}

fn bad_stamp_lines(d: &Dataset) -> Vec<u64> {
    d.reports()
        .iter()
        .flat_map(|r| &r.diagnostics.items)
        .filter(|x| x.message.contains("row skipped") && x.column.as_deref() == Some("Timestamp"))
        .filter_map(|x| x.line)
        .collect()
}

/// Old portal, new portal (BOM) and Sentinel CSV: a multi-line quoted field and blank lines
/// before a row with a bad timestamp; each line end style.
#[test]
fn csv_flavours_cite_the_physical_line_and_byte() {
    let flavours: [(&str, &str, &str); 3] = [
        ("portal", "", "Timestamp"),
        ("portal-new", "\u{feff}", "Timestamp"),
        ("sentinel", "", "Timestamp [UTC]"),
    ];
    for (flavour, bom, ts) in flavours {
        for (ending, end) in ENDS {
            let header =
                format!("{ts},DeviceId,DeviceName,FolderPath,ProcessCommandLine,ProcessId");
            let lines = vec![
                header,
                format!("{},d1,h,C:\\a.exe,\"two{end}lines\",1", at(0)),
                String::new(),
                format!("{},d1,h,C:\\b.exe,b,2", at(S)),
                "not a time,d1,h,C:\\c.exe,c,3".to_string(),
                format!("{},d1,h,C:\\d.exe,\"x{end}{end}y\",4", at(2 * S)),
                format!("{},d1,h,C:\\e.exe,e,5", at(3 * S)),
            ];
            let body = text(&lines, end);
            let file = format!("{bom}{body}");
            let d = load(&[("p.csv", file.clone())]);
            let what = format!("{flavour} {ending}");
            // header 1, the two-line row 2-3, blank 4, b 5, bad 6, the three-line row 7-9, e 10
            assert_eq!(bad_stamp_lines(&d), vec![6], "{what}");
            let procs = &d.store().procs;
            let got: Vec<(u64, u64)> = procs.iter().map(|p| (p.loc.line, p.loc.byte)).collect();
            let want: Vec<(u64, u64)> = ["a.exe", "b.exe", "d.exe", "e.exe"]
                .iter()
                .map(|n| where_is(&body, n))
                .collect();
            assert_eq!(
                got.iter().map(|g| g.0).collect::<Vec<_>>(),
                vec![2, 5, 7, 10],
                "{what}"
            );
            assert_eq!(
                got.iter().map(|g| g.1).collect::<Vec<_>>(),
                want.iter().map(|w| w.1).collect::<Vec<_>>(),
                "{what}: bytes after the BOM"
            );
        }
    }
}

/// A truncated input names the line where reading stopped.
#[test]
fn a_cut_csv_names_the_line_it_stopped_at() {
    for (ending, end) in ENDS {
        let rows: Vec<String> = (0..4000)
            .map(|i| net(i * S, "d1", "10.0.0.5", "445"))
            .collect();
        let mut lines = vec![NET.to_string()];
        lines.extend(rows);
        let body = text(&lines, end);
        let mut gz = gzip(body.as_bytes());
        gz.truncate(gz.len() / 2);
        let d = load_bytes(&[("cut.csv.gz", gz)], LoadOptions::default());
        let r = &d.reports()[0];
        assert_eq!(r.name, "cut.csv.gz → cut.csv", "{ending}");
        let read = r.tables[&copyexec_core::schema::Table::DeviceNetworkEvents].read;
        let stop = r
            .diagnostics
            .items
            .iter()
            .find(|x| x.message.contains("reading stopped"))
            .expect("the cut is reported");
        assert_eq!(stop.severity, copyexec_core::diag::Severity::Error);
        assert!(
            stop.message.contains("the records before it were analysed"),
            "{ending}: {}",
            stop.message
        );
        // The cut falls inside the line after the last record read whole (or at its end).
        let line = stop.line.unwrap();
        assert!(
            line == read + 2 || line == read + 1,
            "{ending}: stopped at line {line} after {read} records"
        );
    }
}

fn stream_record(table: &str, props: &str) -> String {
    format!(
        r#"{{"time":"{}","category":"AdvancedHunting-{table}","properties":{props}}}"#,
        at(0)
    )
}

fn proc_props(t: &str, path: &str) -> String {
    format!(
        r#"{{"Timestamp":"{t}","DeviceId":"d1","FolderPath":"{path}","ProcessCommandLine":"x"}}"#
    )
}

/// Streaming API lines, Event Hub messages (one per line) and Windows events as JSON lines.
#[test]
fn json_lines_cite_the_physical_line_and_byte() {
    for (ending, end) in ENDS {
        let lines = vec![
            stream_record("DeviceProcessEvents", &proc_props(&at(0), "C:\\\\a.exe")),
            String::new(),
            stream_record(
                "DeviceProcessEvents",
                &proc_props("not a time", "C:\\\\b.exe"),
            ),
            format!(
                r#"{{"records":[{},{}]}}"#,
                stream_record("DeviceProcessEvents", &proc_props(&at(S), "C:\\\\c.exe")),
                stream_record("DeviceProcessEvents", &proc_props(&at(S), "C:\\\\d.exe")),
            ),
            "   ".to_string(),
            stream_record("DeviceProcessEvents", &proc_props(&at(S), "C:\\\\e.exe")),
        ];
        let body = text(&lines, end);
        let d = load(&[("PT1H.json", body.clone())]);
        assert_eq!(bad_stamp_lines(&d), vec![3], "{ending}");
        let got = proc_locs(&d);
        let byte = |n: &str| where_is(&body, n).1;
        assert_eq!(
            got,
            vec![
                (1, 0, 0),
                (4, byte("{\"records\""), 0),
                (4, byte("{\"records\""), 1),
                (6, byte("e.exe"), 0),
            ],
            "{ending}"
        );
    }
    // Windows events as JSON lines.
    let event = |record: u32, user: &str| {
        format!(
            r#"{{"EventID": 4624, "Channel": "Security", "Hostname": "srv.corp", "TimeCreated": "2024-03-11T08:00:00Z", "EventRecordID": {record}, "TargetUserName": "{user}", "TargetDomainName": "CORP", "TargetLogonId": "0x1", "LogonType": 3, "IpAddress": "10.0.0.5", "IpPort": "50000"}}"#
        )
    };
    for (ending, end) in ENDS {
        let lines = vec![
            event(1, "a"),
            "{\"EventID\": 1, \"Channel\": \"Application\"}".into(),
            String::new(),
            event(2, "b"),
        ];
        let body = text(&lines, end);
        let d = load(&[("security.jsonl", body.clone())]);
        let got: Vec<(u64, u64)> = d
            .store()
            .logons
            .iter()
            .map(|e| (e.loc.line, e.loc.byte))
            .collect();
        assert_eq!(
            got,
            vec![(1, 0), where_is(&body, "\"EventRecordID\": 2")],
            "{ending}"
        );
    }
}

/// A JSON document's rows are cited at the line where each opens, with their index, after the
/// document's first byte.
#[test]
fn json_document_rows_are_cited_at_their_line_and_by_index() {
    for (ending, end) in ENDS {
        let doc = format!(
            "{{{end}  \"Schema\": [{{\"Name\":\"Timestamp\"}},{{\"Name\":\"DeviceId\"}},{{\"Name\":\"FolderPath\"}},{{\"Name\":\"ProcessCommandLine\"}}],{end}  \"Results\": [{end}    {{\"Timestamp\":\"{}\",\"DeviceId\":\"d\",\"FolderPath\":\"a\",\"ProcessCommandLine\":\"x\"}},{end}    {{\"Timestamp\":\"{}\",\"DeviceId\":\"d\",\"FolderPath\":\"b\",\"ProcessCommandLine\":\"x\"}}{end}  ]{end}}}{end}",
            at(0),
            at(S)
        );
        let d = load(&[("api.json", doc)]);
        let got = proc_locs(&d);
        assert_eq!(got, vec![(4, 0, 0), (5, 0, 1)], "{ending}");
    }
}

/// Evidence of a chain in CRLF (and CR) files: `source.line` is the physical line, and reading
/// the rows again by jumping and by reading through finds the same rows.
#[test]
fn evidence_on_crlf_and_cr_files_cites_and_rereads_the_right_rows() {
    for (ending, end) in [("CRLF", "\r\n"), ("CR", "\r")] {
        let mut files: Vec<(&str, String)> = chain_csvs()
            .into_iter()
            .map(|(n, s)| {
                let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
                // A decoy row over two lines, then a blank line, before the chain's row.
                let decoy = lines[1].replacen(",d1,", ",d9,", 1);
                lines.insert(1, String::new());
                lines.insert(1, format!("{decoy},\"two{end}lines\""));
                (n, text(&lines, end))
            })
            .collect();
        files[0].1 = format!("\u{feff}{}", files[0].1);
        let d = load(&files);
        let rows = d.rows(5);
        let mut chains = d.chains(&rows, 5);
        assert_eq!(chains.len(), 1, "{ending}");
        // header 1, decoy 2-3, blank 4, the chain's row 5
        assert_eq!(chains[0].start.source.line, 5, "{ending}");
        assert_eq!(chains[0].writes[0].source.line, 5, "{ending}");
        let mut jumped = HashMap::new();
        let mut read = HashMap::new();
        for req in d.evidence_requests(&chains, &[]) {
            let bytes = files[req.input as usize].1.clone().into_bytes();
            let mut at = SeekReader(std::io::Cursor::new(bytes.clone()));
            jumped.extend(d.read_evidence_at(&req, &mut at).expect("plain").unwrap());
            read.extend(
                d.read_evidence(&req, Box::new(std::io::Cursor::new(bytes)))
                    .unwrap(),
            );
        }
        assert_eq!(jumped.len(), 4, "{ending}");
        assert_eq!(jumped, read, "{ending}");
        d.attach_evidence(&mut chains, &mut [], &jumped);
        let field = |fields: &[(String, String)], k: &str| {
            fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        };
        assert_eq!(
            field(&chains[0].start.fields, "DeviceId").as_deref(),
            Some("d1"),
            "{ending}: the chain's row, not the decoy"
        );
        assert_eq!(
            field(&chains[0].connections[0].fields, "LocalPort").as_deref(),
            Some("445"),
            "{ending}"
        );
    }
}

/// Line (1-based) of byte `at`, counting LF, CRLF and lone CR as one line end each.
fn line_of_byte(text: &str, at: usize) -> u64 {
    let before = &text[..at];
    (before.matches('\n').count() + before.matches('\r').count() - before.matches("\r\n").count()
        + 1) as u64
}

/// Line where the pretty-printed record holding `needle` opens: the last line before it that
/// is `indent` spaces and `{`.
fn record_line(text: &str, needle: &str, indent: usize) -> u64 {
    let at = text.find(needle).expect("needle in text");
    let open = format!("{}{{", " ".repeat(indent));
    // Physical lines as (first byte, text without its end).
    let mut lines = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' || b[i] == b'\r' {
            lines.push((start, &text[start..i]));
            i += if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            start = i;
        } else {
            i += 1;
        }
    }
    lines.push((start, &text[start..]));
    let holding = lines.iter().rposition(|&(s, _)| s <= at).unwrap();
    let opens = lines[..=holding]
        .iter()
        .rposition(|&(_, l)| l == open)
        .expect("a record opens before the needle");
    opens as u64 + 1
}

/// `v` pretty-printed (two-space indent, a record's members one per line) with `end` as the
/// line end, as the Advanced Hunting API and Graph clients save their documents.
fn pretty(v: &serde_json::Value, end: &str) -> String {
    serde_json::to_string_pretty(v).unwrap().replace('\n', end) + end
}

/// A CSV export (header and rows) as a pretty Advanced Hunting API document.
fn api_document(csv_text: &str, end: &str) -> String {
    let mut lines = csv_text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let results: Vec<serde_json::Value> = lines
        .map(|l| {
            let row: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), serde_json::Value::from(v)))
                .collect();
            serde_json::Value::Object(row)
        })
        .collect();
    let schema: Vec<serde_json::Value> = header
        .iter()
        .map(|h| serde_json::json!({"Name": h, "Type": "String"}))
        .collect();
    pretty(
        &serde_json::json!({"Schema": schema, "Results": results}),
        end,
    )
}

/// Pretty Advanced Hunting API documents (after blank lines), pretty Event Hub messages and a
/// pretty array of rows: each record is cited at the line where it opens, and a record's
/// diagnostic names that line, for every line end.
#[test]
fn json_documents_cite_each_record_at_its_line() {
    let procs = |path: &str, stamp: &str| serde_json::json!({"Timestamp": stamp, "DeviceId": "d1", "FolderPath": path, "ProcessCommandLine": "x"});
    for (ending, end) in ENDS {
        let api = format!(
            "{end}{end}{}",
            api_document(
                &format!(
                    "Timestamp,DeviceId,FolderPath,ProcessCommandLine\n{},d1,a.exe,x\nnot a time,d1,b.exe,x\n{},d1,c.exe,x\n",
                    at(0),
                    at(S)
                ),
                end
            )
        );
        let record = |path: &str, stamp: &str| serde_json::json!({"time": at(0), "category": "AdvancedHunting-DeviceProcessEvents", "properties": procs(path, stamp)});
        let hub = pretty(
            &serde_json::json!({"records": [record("a.exe", &at(0)), record("b.exe", "not a time"), record("c.exe", &at(S))]}),
            end,
        );
        let rows = |path: &str, stamp: &str| {
            let mut v = procs(path, stamp);
            v["ActionType"] = "ProcessCreated".into();
            v
        };
        let array = pretty(
            &serde_json::json!([
                rows("a.exe", &at(0)),
                7,
                rows("b.exe", "not a time"),
                rows("c.exe", &at(S))
            ]),
            end,
        );
        for (name, body, subs, indent) in [
            ("api.json", &api, [0, 2], 4),
            ("eventhub.json", &hub, [0, 2], 4),
            ("rows.json", &array, [0, 3], 2),
        ] {
            let what = format!("{name} {ending}");
            let d = load(&[(name, body.clone())]);
            assert_eq!(
                bad_stamp_lines(&d),
                vec![record_line(body, "b.exe", indent)],
                "{what}"
            );
            let doc_start = body.find(['{', '[']).unwrap() as u64;
            let got = proc_locs(&d);
            assert_eq!(
                got,
                vec![
                    (record_line(body, "a.exe", indent), doc_start, subs[0]),
                    (record_line(body, "c.exe", indent), doc_start, subs[1]),
                ],
                "{what}"
            );
        }
        // The element that is no row is named at its own line.
        let d = load(&[("rows.json", array.clone())]);
        let not_a_row: Vec<Option<u64>> = d.reports()[0]
            .diagnostics
            .items
            .iter()
            .filter(|x| x.message.contains("not a row"))
            .map(|x| x.line)
            .collect();
        let seven = array.find("  7").unwrap() + 2;
        assert_eq!(
            not_a_row,
            vec![Some(line_of_byte(&array, seven))],
            "{ending}"
        );
    }
}

/// A pretty JSON document that does not parse names the physical line and column of the
/// fault, the same for every line end (the JSON parser counts only LF).
#[test]
fn a_broken_json_document_names_the_physical_line_and_column() {
    let mut seen = Vec::new();
    for (ending, end) in ENDS {
        let doc = format!(
            "{end}{{{end}  \"Schema\": [{{\"Name\": \"Timestamp\"}}],{end}  \"Results\": [{end}    {{\"Timestamp\": \"{}\" \"DeviceId\": \"d\"}}{end}  ]{end}}}{end}",
            at(0)
        );
        let d = load(&[("api.json", doc)]);
        let why = d.reports()[0].skipped.clone().expect("not analysed");
        // blank 1, `{` 2, Schema 3, Results 4, the broken record 5
        assert!(why.contains("(line 5, column "), "{ending}: {why}");
        assert!(!why.contains(" at line "), "{ending}: one position: {why}");
        seen.push(why);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
}

/// Evidence of a chain whose four exports are pretty Advanced Hunting API documents (a decoy
/// record first but in the logons): `source.line` is the line where the chain's record opens, `source.record`
/// its index, and reading the documents again finds those records, for every line end.
#[test]
fn evidence_from_json_documents_cites_the_records_line() {
    for (ending, end) in ENDS {
        let files: Vec<(&str, String)> = chain_csvs()
            .into_iter()
            .map(|(n, s)| {
                let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
                // A decoy record first, on another device (none in the logons: no chain).
                if n != "logon.csv" {
                    let decoy = lines[1].replacen(",d1,", ",d9,", 1);
                    lines.insert(1, decoy);
                }
                let name = match n {
                    "net.csv" => "net.json",
                    "logon.csv" => "logon.json",
                    "file.csv" => "file.json",
                    _ => "proc.json",
                };
                (name, api_document(&text(&lines, "\n"), end))
            })
            .collect();
        let d = load(&files);
        let rows = d.rows(5);
        let mut chains = d.chains(&rows, 5);
        assert_eq!(chains.len(), 1, "{ending}");
        let proc_doc = &files[3].1;
        let chain_row = proc_doc.rfind("\"DeviceId\": \"d1\"").unwrap();
        let want = line_of_byte(proc_doc, proc_doc[..chain_row].rfind('{').unwrap());
        assert_eq!(chains[0].start.source.line, want, "{ending}");
        assert_eq!(chains[0].start.source.record, 1, "{ending}");
        let file_doc = &files[2].1;
        let chain_row = file_doc.rfind("\"DeviceId\": \"d1\"").unwrap();
        let want = line_of_byte(file_doc, file_doc[..chain_row].rfind('{').unwrap());
        assert_eq!(chains[0].writes[0].source.line, want, "{ending}");
        let mut read = HashMap::new();
        for req in d.evidence_requests(&chains, &[]) {
            let bytes = files[req.input as usize].1.clone().into_bytes();
            read.extend(
                d.read_evidence(&req, Box::new(std::io::Cursor::new(bytes)))
                    .unwrap(),
            );
        }
        assert_eq!(read.len(), 4, "{ending}");
        d.attach_evidence(&mut chains, &mut [], &read);
        assert!(
            chains[0]
                .start
                .fields
                .iter()
                .any(|(k, v)| k == "DeviceId" && v == "d1"),
            "{ending}: the chain's record, not the decoy"
        );
    }
}
