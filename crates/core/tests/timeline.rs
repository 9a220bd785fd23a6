//! The Defender device timeline export: both column versions, BOM or none, CRLF or LF, any
//! row order, full or folder-only paths, technique rows, several devices in one data set.
//! Each case is checked against the same events written as the four Advanced Hunting tables.

mod common;
use common::*;
use copyexec_core::diag::Severity;
use copyexec_core::load::{Format, LoadOptions};
use copyexec_core::schema::Table;
use copyexec_core::Dataset;

/// The 66 columns of the current export, in its order.
const HEADER_66: &str = "Event Time,Machine Id,Computer Name,Action Type,File Name,Folder Path,Sha1,Sha256,MD5,Process Command Line,Account Domain,Account Name,Account Sid,Logon Id,Process Id,Process Creation Time,Process Token Elevation,Registry Key,Registry Value Name,Registry Value Data,Remote Url,Remote Computer Name,Remote IP,Remote Port,Local IP,Local Port,File Origin Url,File Origin IP,Initiating Process SHA1,Initiating Process SHA256,Initiating Process File Name,Initiating Process Folder Path,Initiating Process Id,Initiating Process Command Line,Initiating Process Creation Time,Initiating Process Integrity Level,Initiating Process Token Elevation,Initiating Process Parent Id,Initiating Process Parent File Name,Initiating Process Parent Creation Time,Initiating Process MD5,Initiating Process Account Domain,Initiating Process Account Name,Initiating Process Account Sid,Initiating Process Logon Id,Report Id,Additional Fields,Typed Details,App Guard Container Id,Protocol,Logon Type,Process Integrity Level,Registry Value Type,Previous Registry Value Name,Previous Registry Value Data,Previous Registry Key,File Origin Referrer Url,Sensitivity Label,Sensitivity Sub Label,Is Endpoint Dlp Applied,Is Azure Info Protection Applied,Alert Ids,Categories,Severities,Is Marked,Data Type";

fn header(columns: usize) -> Vec<&'static str> {
    let all: Vec<&str> = HEADER_66.split(',').collect();
    assert_eq!(all.len(), 66);
    match columns {
        66 => all,
        65 => all.into_iter().filter(|h| *h != "Typed Details").collect(),
        _ => panic!("no {columns}-column version"),
    }
}

/// One timeline row: values by header; every other column empty.
type Row = Vec<(&'static str, String)>;

fn quote(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

struct Shape {
    columns: usize,
    bom: bool,
    crlf: bool,
}

fn timeline(shape: &Shape, rows: &[Row]) -> Vec<u8> {
    let cols = header(shape.columns);
    let eol = if shape.crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    if shape.bom {
        s.push('\u{feff}');
    }
    s.push_str(&cols.join(","));
    s.push_str(eol);
    for r in rows {
        let line: Vec<String> = cols
            .iter()
            .map(|c| {
                r.iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, v)| quote(v))
                    .unwrap_or_default()
            })
            .collect();
        s.push_str(&line.join(","));
        s.push_str(eol);
    }
    s.into_bytes()
}

/// `Event Time` as the export writes it: milliseconds, no zone.
fn event_time(ticks: i64) -> String {
    let t = at(ticks); // 2024-03-11T08:00:00.0000000Z
    t[..23].to_string()
}

fn base(t: i64, dev: &str, host: &str, action: &str) -> Row {
    vec![
        ("Event Time", event_time(t)),
        ("Machine Id", dev.to_string()),
        ("Computer Name", host.to_string()),
        ("Action Type", action.to_string()),
        ("Data Type", "Events".to_string()),
    ]
}

fn t_net(t: i64, dev: &str, ip: &str) -> Row {
    let mut r = base(
        t,
        dev,
        &format!("{dev}.corp.local"),
        "InboundConnectionAccepted",
    );
    r.extend([
        ("Remote IP", ip.to_string()),
        ("Remote Port", "50123".to_string()),
        ("Local IP", "10.0.0.9".to_string()),
        ("Local Port", "445".to_string()),
        ("Protocol", "Tcp".to_string()),
    ]);
    r
}

fn t_logon(t: i64, dev: &str, ip: &str, account: &str) -> Row {
    let mut r = base(t, dev, &format!("{dev}.corp.local"), "LogonSuccess");
    r.extend([
        ("Remote IP", ip.to_string()),
        ("Account Domain", "corp".to_string()),
        ("Account Name", account.to_string()),
        ("Account Sid", format!("S-1-5-21-1-{account}")),
        ("Logon Id", "999".to_string()),
        ("Remote Computer Name", "attacker-pc".to_string()),
        ("Protocol", "NTLM".to_string()),
        ("Logon Type", "Network".to_string()),
    ]);
    r
}

/// `folder_only`: write only the folder in `Folder Path`.
fn t_write(t: i64, dev: &str, path: &str, folder_only: bool) -> Row {
    let (folder, name) = path.rsplit_once('\\').unwrap();
    let mut r = base(t, dev, &format!("{dev}.corp.local"), "FileCreated");
    r.extend([
        ("File Name", name.to_string()),
        (
            "Folder Path",
            if folder_only { folder } else { path }.to_string(),
        ),
        ("Sha1", "aa11".to_string()),
        ("Sha256", "bb22".to_string()),
        ("MD5", "cc33".to_string()),
        ("Initiating Process File Name", "System".to_string()),
    ]);
    r
}

fn t_start(t: i64, dev: &str, path: &str, folder_only: bool) -> Row {
    let (folder, name) = path.rsplit_once('\\').unwrap();
    let mut r = base(t, dev, &format!("{dev}.corp.local"), "ProcessCreated");
    r.extend([
        ("File Name", name.to_string()),
        (
            "Folder Path",
            if folder_only { folder } else { path }.to_string(),
        ),
        ("Process Command Line", format!("\"{path}\" -install")),
        ("Initiating Process File Name", "services.exe".to_string()),
        (
            "Initiating Process Folder Path",
            if folder_only {
                "C:\\Windows\\System32"
            } else {
                "C:\\Windows\\System32\\services.exe"
            }
            .to_string(),
        ),
    ]);
    r
}

/// A copy and run of `path` on `dev` from `ip` at `t0`, as timeline rows, newest first.
fn chain_rows(t0: i64, dev: &str, ip: &str, path: &str, folder_only: bool) -> Vec<Row> {
    vec![
        t_start(t0 + 3 * S, dev, path, folder_only),
        t_write(t0 + 2 * S, dev, path, folder_only),
        t_logon(t0 + S, dev, ip, "alice"),
        t_net(t0, dev, ip),
    ]
}

/// The same chain as the four Advanced Hunting tables, IsLocalAdmin empty.
fn chain_tables(t0: i64, dev: &str, ip: &str, path: &str) -> Vec<(&'static str, String)> {
    let host = format!("{dev}.corp.local");
    let name = path.rsplit('\\').next().unwrap();
    vec![
        (
            "net.csv",
            csv(
                NET,
                &[format!(
                    "{},{dev},{host},InboundConnectionAccepted,{ip},50123,10.0.0.9,445,Tcp",
                    at(t0)
                )],
            ),
        ),
        (
            "logon.csv",
            csv(
                LOGON,
                &[format!(
                    "{},{dev},{host},LogonSuccess,Network,corp,alice,S-1-5-21-1-alice,NTLM,,999,attacker-pc,{ip},0",
                    at(t0 + S)
                )],
            ),
        ),
        (
            "file.csv",
            csv(
                FILE,
                &[format!(
                    "{},{dev},{host},FileCreated,{name},{path},aa11,bb22,cc33,System,,ADMIN$",
                    at(t0 + 2 * S)
                )],
            ),
        ),
        (
            "proc.csv",
            csv(
                PROC,
                &[format!(
                    "{},{dev},{host},ProcessCreated,{name},{path},\"\"\"{path}\"\" -install\",4242,SYSTEM,777,Kerberos",
                    at(t0 + 3 * S)
                )],
            ),
        ),
    ]
}

fn load_timelines(files: &[(&str, Vec<u8>)], opts: LoadOptions) -> Dataset {
    load_bytes(files, opts)
}

fn notes(d: &Dataset, severity: Severity) -> Vec<String> {
    d.reports()
        .iter()
        .flat_map(|r| &r.diagnostics.items)
        .filter(|x| x.severity == severity)
        .map(|x| x.to_string())
        .collect()
}

const PSEXESVC: &str = r"C:\Windows\PSEXESVC.exe";

#[test]
fn both_column_versions_with_and_without_bom_give_the_advanced_hunting_rows() {
    let expected = row_lines(&load(&chain_tables(0, "d1", "10.0.0.5", PSEXESVC)), 5);
    assert_eq!(expected.len(), 1);
    assert!(
        expected[0].contains(",attacker-pc,,PSEXESVC.exe,"),
        "{expected:?}"
    );
    for columns in [66, 65] {
        for bom in [true, false] {
            for crlf in [true, false] {
                let shape = Shape { columns, bom, crlf };
                let bytes = timeline(&shape, &chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false));
                let d = load_timelines(&[("ws07.csv", bytes)], LoadOptions::default());
                let what = format!("{columns} columns, bom {bom}, crlf {crlf}");
                assert_eq!(row_lines(&d, 5), expected, "{what}");
                let r = &d.reports()[0];
                assert_eq!(r.format, Some(Format::DefenderTimelineCsv), "{what}");
                assert!(r.skipped.is_none(), "{what}");
                for t in Table::ALL {
                    assert_eq!(r.tables[&t].read, 1, "{what}: {t}");
                    assert_eq!(r.tables[&t].used, 1, "{what}: {t}");
                }
                assert!(
                    r.timestamps.zone.contains("assumed UTC"),
                    "{what}: {}",
                    r.timestamps.zone
                );
            }
        }
    }
}

#[test]
fn rows_in_any_order_give_the_same_rows() {
    let expected = row_lines(&load(&chain_tables(0, "d1", "10.0.0.5", PSEXESVC)), 5);
    let mut rows = chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false);
    rows.reverse(); // oldest first
    let shape = Shape {
        columns: 66,
        bom: false,
        crlf: false,
    };
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    assert_eq!(row_lines(&d, 5), expected);
    rows.swap(0, 2);
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    assert_eq!(row_lines(&d, 5), expected);
}

#[test]
fn folder_only_paths_are_built_from_folder_and_file_name_before_the_join() {
    let expected = row_lines(&load(&chain_tables(0, "d1", "10.0.0.5", PSEXESVC)), 5);
    let shape = Shape {
        columns: 66,
        bom: true,
        crlf: true,
    };
    let bytes = timeline(&shape, &chain_rows(0, "d1", "10.0.0.5", PSEXESVC, true));
    let d = load_timelines(&[("ws07.csv", bytes)], LoadOptions::default());
    assert_eq!(row_lines(&d, 5), expected);
    let chains = d.chains(&d.rows(5), 5);
    assert_eq!(chains[0].folder_path, PSEXESVC);
    let info = notes(&d, Severity::Info).join("\n");
    assert!(
        info.contains("Folder Path read as the folder only"),
        "{info}"
    );
    assert!(notes(&d, Severity::Warning).is_empty());

    // The same events with full paths are read as they are, and say so.
    let bytes = timeline(&shape, &chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false));
    let d = load_timelines(&[("ws07.csv", bytes)], LoadOptions::default());
    let info = notes(&d, Severity::Info).join("\n");
    assert!(info.contains("Folder Path read as the full path"), "{info}");
}

#[test]
fn a_folder_only_file_with_only_the_folder_does_not_join_other_programs_of_that_folder() {
    // Read as written, both Folder Paths would be C:\Windows and svchost.exe would join.
    let mut rows = chain_rows(0, "d1", "10.0.0.5", PSEXESVC, true);
    rows.remove(0);
    rows.push(t_start(3 * S, "d1", r"C:\Windows\svchost.exe", true));
    let shape = Shape {
        columns: 65,
        bom: false,
        crlf: false,
    };
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    assert!(row_lines(&d, 5).is_empty(), "{:?}", row_lines(&d, 5));
}

#[test]
fn rows_that_disagree_with_the_files_path_form_are_named() {
    let mut rows = chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false);
    for i in 0..3 {
        rows.push(t_start(
            10 * S + i,
            "d1",
            &format!(r"C:\Tools\tool{i}.exe"),
            false,
        ));
    }
    // One process row whose Folder Path does not end with its File Name.
    let mut odd = t_start(20 * S, "d1", r"C:\Tools\other.exe", false);
    for (k, v) in odd.iter_mut() {
        if *k == "File Name" {
            *v = "renamed.exe".into();
        }
    }
    rows.push(odd);
    let shape = Shape {
        columns: 66,
        bom: false,
        crlf: false,
    };
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    assert_eq!(row_lines(&d, 5).len(), 1);
    let warnings = d.reports()[0]
        .diagnostics
        .items
        .iter()
        .filter(|x| x.severity == Severity::Warning)
        .collect::<Vec<_>>();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    // header is line 1; the odd row is the 9th data row
    assert_eq!(warnings[0].line, Some(9));
    assert!(
        warnings[0].message.starts_with("1 of 6 "),
        "{}",
        warnings[0]
    );
}

#[test]
fn technique_rows_are_counted_as_annotations_not_events() {
    let mut rows = chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false);
    // A technique row repeats the fields of the event it annotates.
    let mut technique = rows[0].clone();
    for (k, v) in technique.iter_mut() {
        if *k == "Data Type" {
            *v = "Techniques".into();
        }
    }
    rows.insert(1, technique.clone());
    rows.insert(3, technique);
    let mut other = base(S / 2, "d1", "d1.corp.local", "RegistryValueSet");
    other.push(("Registry Key", r"HKLM\SYSTEM\x".into()));
    rows.push(other);
    let shape = Shape {
        columns: 66,
        bom: true,
        crlf: true,
    };
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    let lines = row_lines(&d, 5);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let r = &d.reports()[0];
    assert_eq!(r.tables[&Table::DeviceProcessEvents].read, 1);
    assert_eq!(
        r.other_tables
            .get("timeline Techniques rows (annotations of events, not events)"),
        Some(&2),
        "{:?}",
        r.other_tables
    );
    assert_eq!(
        r.other_tables
            .get("timeline events of other kinds (Action Type RegistryValueSet)"),
        Some(&1)
    );
}

#[test]
fn several_devices_files_are_one_data_set() {
    let a = chain_rows(0, "dev-a", "10.0.0.5", PSEXESVC, false);
    let b = chain_rows(S / 10, "dev-b", "10.0.0.6", r"C:\ProgramData\x.exe", true);
    // A connection to dev-b with a logon on dev-a: devices never join each other.
    let mut c = vec![t_net(60 * S, "dev-b", "10.0.0.7")];
    c.extend(chain_rows(60 * S, "dev-a", "10.0.0.7", r"C:\y.exe", false)[..3].to_vec());
    let shape66 = Shape {
        columns: 66,
        bom: true,
        crlf: true,
    };
    let shape65 = Shape {
        columns: 65,
        bom: false,
        crlf: false,
    };
    let files = [
        ("dev-a.csv", timeline(&shape66, &[a, c].concat())),
        ("dev-b.csv", timeline(&shape65, &b)),
    ];
    let d = load_timelines(&files, LoadOptions::default());
    let mut expected_tables = chain_tables(0, "dev-a", "10.0.0.5", PSEXESVC);
    expected_tables.extend(chain_tables(
        S / 10,
        "dev-b",
        "10.0.0.6",
        r"C:\ProgramData\x.exe",
    ));
    let expected = row_lines(&load(&expected_tables), 5);
    assert_eq!(expected.len(), 2);
    assert_eq!(row_lines(&d, 5), expected);
    let chains = d.chains(&d.rows(5), 5);
    let devices: Vec<&str> = chains.iter().map(|c| c.device_id.as_str()).collect();
    assert_eq!(devices, ["dev-a", "dev-b"]);
}

#[test]
fn zone_less_event_times_follow_the_timezone_setting() {
    let expected = row_lines(&load(&chain_tables(0, "d1", "10.0.0.5", PSEXESVC)), 5);
    // The same events written two hours ahead, as a portal set to UTC+2 would.
    let rows: Vec<Row> = chain_rows(2 * 3600 * S, "d1", "10.0.0.5", PSEXESVC, false);
    let shape = Shape {
        columns: 66,
        bom: true,
        crlf: true,
    };
    let bytes = timeline(&shape, &rows);
    let opts = LoadOptions {
        offset_minutes: 120,
        ..Default::default()
    };
    let d = load_timelines(&[("t.csv", bytes.clone())], opts);
    assert_eq!(row_lines(&d, 5), expected);
    assert!(d.reports()[0].timestamps.zone.contains("+02:00"));
    let d = load_timelines(&[("t.csv", bytes)], LoadOptions::default());
    assert_ne!(row_lines(&d, 5), expected);
}

#[test]
fn no_is_local_admin_column_is_noted_and_projected_empty() {
    let shape = Shape {
        columns: 66,
        bom: false,
        crlf: false,
    };
    let bytes = timeline(&shape, &chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false));
    let d = load_timelines(&[("t.csv", bytes)], LoadOptions::default());
    let row = d.project(d.rows(5)[0]);
    assert_eq!(row[10], "", "IsLocalAdmin");
    let info = d.reports()[0]
        .diagnostics
        .items
        .iter()
        .find(|x| x.column.as_deref() == Some("IsLocalAdmin"))
        .expect("a note on IsLocalAdmin");
    assert_eq!(info.severity, Severity::Info);
}

#[test]
fn bad_values_are_named_by_the_files_own_column_and_physical_line() {
    let mut rows = chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false);
    // a value with a line break pushes the next record down one physical line
    rows[1].push(("Additional Fields", "{\"a\":\n1}".into()));
    for (k, v) in rows[3].iter_mut() {
        if *k == "Local Port" {
            *v = "four-four-five".into();
        }
    }
    // Physical lines: the same in LF and CRLF files (the csv crate alone reports one less
    // after a CRLF line end).
    for crlf in [false, true] {
        let shape = Shape {
            columns: 66,
            bom: true,
            crlf,
        };
        let d = load_timelines(
            &[("ws07.csv", timeline(&shape, &rows))],
            LoadOptions::default(),
        );
        let w = notes(&d, Severity::Warning);
        assert!(
            w.iter()
                .any(|m| m
                    .starts_with("warning: ws07.csv:6 (column Local Port): \"four-four-five\"")),
            "crlf {crlf}: {w:?}"
        );
        assert!(row_lines(&d, 5).is_empty());
        assert_eq!(
            d.reports()[0].tables[&Table::DeviceNetworkEvents].filtered["LocalPort is not 445"],
            1
        );
    }
}

#[test]
fn a_timeline_without_machine_id_is_refused_with_the_reason() {
    let text = "\u{feff}Event Time,Computer Name,Action Type,Data Type\r\n2024-11-05T15:19:40.621,ws07,ProcessCreated,Events\r\n";
    let d = load_timelines(
        &[("t.csv", text.as_bytes().to_vec())],
        LoadOptions::default(),
    );
    let r = &d.reports()[0];
    assert_eq!(
        r.skipped.as_deref(),
        Some("the timeline export has no Machine Id column")
    );
}

#[test]
fn the_committed_fixtures_read_as_documented() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/timeline");
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    let files = [
        ("ws07-66-bom-crlf.csv", read("ws07-66-bom-crlf.csv")),
        ("ws08-65-folder-only.csv", read("ws08-65-folder-only.csv")),
    ];
    assert!(files[0].1.starts_with(b"\xef\xbb\xbfEvent Time,"));
    assert!(files[0].1.windows(2).any(|w| w == b"\r\n"));
    assert!(!files[1].1.starts_with(b"\xef\xbb\xbf"));
    let d = load_timelines(&files, LoadOptions::default());
    let lines = row_lines(&d, 5);
    assert_eq!(
        lines,
        [
            r#"2024-11-05T15:19:40.6210000Z,WS07.corp.contoso.com,10.20.30.40,50432,CORP,alice,S-1-5-21-1004336348-1177238915-682003330-1104,Tcp,3911,ATTACKER-PC,,PSEXESVC.exe,C:\Windows\PSEXESVC.exe,5f9c2a4f0e7a8b1c2d3e4f5a6b7c8d9e0f1a2b3c,8d3f1a7c2b9e4f6a0c5d8e1b7a3f9c2d4e6b8a0c1d3f5e7a9b2c4d6e8f0a1b3c,a1b2c3d4e5f60718293a4b5c6d7e8f90,C:\Windows\PSEXESVC.exe"#,
            r#"2024-11-06T09:02:11.1200000Z,ws08.corp.contoso.com,::ffff:10.20.30.41,50511,CORP,bob,S-1-5-21-1004336348-1177238915-682003330-1105,Tcp,4410,,,upd.exe,C:\ProgramData\upd.exe,,,,"""C:\ProgramData\upd.exe"" /quiet""#,
        ]
    );
    let r = &d.reports()[0];
    assert_eq!(
        r.other_tables
            .get("timeline Techniques rows (annotations of events, not events)"),
        Some(&1)
    );
    let info = notes(&d, Severity::Info).join("\n");
    assert!(
        info.contains(
            "ws08-65-folder-only.csv (column Folder Path): Folder Path read as the folder only"
        ),
        "{info}"
    );
}

#[test]
fn a_timeline_without_events_of_the_four_tables_is_read_not_skipped() {
    let shape = Shape {
        columns: 66,
        bom: true,
        crlf: true,
    };
    let rows = vec![base(0, "d1", "d1.corp.local", "DnsQueryResponse")];
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    let r = &d.reports()[0];
    assert!(r.skipped.is_none(), "{:?}", r.skipped);
    assert!(r.tables.is_empty());
    assert_eq!(r.other_tables.values().sum::<u64>(), 1);
    assert!(notes(&d, Severity::Info)
        .iter()
        .any(|m| m.contains("holds no inbound connection, logon, file or process event")));
}

#[test]
fn device_events_named_like_logons_are_not_logons() {
    // DeviceEvents' LogonRightsSettingEnabled has no Remote IP: read as a logon, its empty
    // address would end every connection's address and complete the chain.
    let mut rows = chain_rows(0, "d1", "10.0.0.5", PSEXESVC, false);
    rows.remove(2); // the real logon
    let mut rights = base(S, "d1", "d1.corp.local", "LogonRightsSettingEnabled");
    rights.push(("Account Name", "alice".into()));
    rows.push(rights);
    let shape = Shape {
        columns: 66,
        bom: false,
        crlf: true,
    };
    let d = load_timelines(
        &[("t.csv", timeline(&shape, &rows))],
        LoadOptions::default(),
    );
    assert!(row_lines(&d, 5).is_empty());
    let r = &d.reports()[0];
    assert!(!r.tables.contains_key(&Table::DeviceLogonEvents));
    assert_eq!(
        r.other_tables
            .get("timeline events of other kinds (Action Type LogonRightsSettingEnabled)"),
        Some(&1)
    );
}
