//! Every export format, read from content, with real files where the data sets have them.

mod common;
use common::*;
use copyexec_core::diag::Severity;
use copyexec_core::load::{Format, LoadOptions};
use copyexec_core::schema::Table;
use copyexec_core::time::DateOrder;

#[test]
fn gzip_zip_and_nested_archives() {
    let plain = chain_csvs();
    let expected = row_lines(&load(&plain), 5);
    assert_eq!(expected.len(), 1);
    let gz: Vec<(&str, Vec<u8>)> = plain
        .iter()
        .map(|(n, s)| (*n, gzip(s.as_bytes())))
        .collect();
    assert_eq!(
        row_lines(&load_bytes(&gz, LoadOptions::default()), 5),
        expected
    );
    let members: Vec<(&str, Vec<u8>)> = plain
        .iter()
        .map(|(n, s)| (*n, s.clone().into_bytes()))
        .collect();
    let z = zip(&members);
    let d = load_bytes(&[("all.zip", z.clone())], LoadOptions::default());
    assert_eq!(row_lines(&d, 5), expected);
    assert_eq!(d.reports().len(), 4);
    assert!(d.reports()[0].name.starts_with("all.zip › "));
    // a zip inside a gzip
    let d = load_bytes(&[("all.zip.gz", gzip(&z))], LoadOptions::default());
    assert_eq!(row_lines(&d, 5), expected);
}

#[test]
fn evidence_is_read_again_from_compressed_inputs() {
    let plain = chain_csvs();
    let members: Vec<(&str, Vec<u8>)> = plain
        .iter()
        .map(|(n, s)| (*n, gzip(s.as_bytes())))
        .collect();
    let z = zip(&members);
    let d = load_bytes(&[("all.zip", z.clone())], LoadOptions::default());
    let rows = d.rows(5);
    let mut chains = d.chains(&rows, 5);
    let mut found = std::collections::HashMap::new();
    for req in d.evidence_requests(&chains, &[]) {
        found.extend(
            d.read_evidence(&req, Box::new(std::io::Cursor::new(z.clone())))
                .unwrap(),
        );
    }
    d.attach_evidence(&mut chains, &mut [], &found);
    let c = &chains[0];
    let field = |fields: &[(String, String)], k: &str| {
        fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    };
    assert_eq!(field(&c.start.fields, "ProcessId").as_deref(), Some("4242"));
    assert_eq!(
        field(&c.writes[0].fields, "ShareName").as_deref(),
        Some("ADMIN$")
    );
    assert_eq!(
        field(&c.logons[0].fields, "LogonType").as_deref(),
        Some("Network")
    );
    assert_eq!(
        field(&c.connections[0].fields, "LocalIP").as_deref(),
        Some("10.0.0.9")
    );
    assert_eq!(c.start.source.line, 2);
}

#[test]
fn new_portal_csv_bom_crlf_locale_times_any_column_order() {
    // Columns reordered, an extra column, month-name times, `Invalid date`, CRLF, BOM.
    let net = "\u{feff}LocalPort,RemoteIP,Timestamp,DeviceId,DeviceName,Protocol,RemotePort,InitiatingProcessUniqueId,LocalIP\r\n\
               445,10.0.0.5,\"Mar 11, 2024 8:00:00 AM\",d1,h1,Tcp,50000,123,10.0.0.9\r\n\
               445,10.0.0.6,Invalid date,d1,h1,Tcp,50000,123,10.0.0.9\r\n";
    let mut files = chain_csvs();
    files[0] = ("net.csv", net.to_string());
    let d = load(&files);
    let r = &d.reports()[0];
    assert_eq!(r.format, Some(Format::PortalCsvNew));
    let s = &r.tables[&Table::DeviceNetworkEvents];
    assert_eq!((s.read, s.used), (2, 1));
    assert_eq!(
        s.filtered.values().sum::<u64>(),
        1,
        "the `Invalid date` row"
    );
    assert_eq!(r.timestamps.resolution.as_deref(), Some("1 s"));
    assert!(
        r.timestamps.zone.contains("assumed UTC"),
        "{}",
        r.timestamps.zone
    );
    assert_eq!(d.rows(5).len(), 1);
}

#[test]
fn time_zone_assumption_moves_naive_times() {
    let net = "\u{feff}Timestamp,DeviceId,RemoteIP,LocalPort,LocalIP\r\n\"Mar 11, 2024 10:00:00 AM\",d1,10.0.0.5,445,x\r\n";
    let mut files = chain_csvs();
    files[0] = ("net.csv", net.to_string());
    // The others are 08:00:01..03Z; the connection is 10:00 local = 08:00Z at UTC+2.
    assert_eq!(load(&files).rows(5).len(), 0);
    let opts = LoadOptions {
        offset_minutes: 120,
        ..Default::default()
    };
    assert_eq!(load_with(&files, opts).rows(5).len(), 1);
}

#[test]
fn numeric_dates_are_inferred_per_file_or_refused() {
    let net = |stamp: &str, extra: &str| {
        format!("Timestamp,DeviceId,RemoteIP,LocalPort,LocalIP\n{stamp},d1,10.0.0.5,445,x\n{extra}")
    };
    // 13/03/2024 proves day-first, so 11/03/2024 is 11 March.
    let day_first = net(
        "\"11/03/2024, 8:00:00.000 am\"",
        "\"13/03/2024, 3:40:13.988 pm\",d9,1.1.1.1,445,x\n",
    );
    let mut files = chain_csvs();
    files[0] = ("net.csv", day_first);
    let d = load(&files);
    assert_eq!(d.rows(5).len(), 1);
    assert!(d.reports()[0]
        .timestamps
        .date_order
        .as_deref()
        .unwrap()
        .starts_with("day first"));

    // Only dates with both fields <= 12: refused, named, and rows counted as skipped.
    let ambiguous = net("03/11/2024 08:00:00", "");
    files[0] = ("net.csv", ambiguous);
    let d = load(&files);
    assert_eq!(d.rows(5).len(), 0);
    let r = &d.reports()[0];
    assert!(r
        .diagnostics
        .items
        .iter()
        .any(|x| x.severity == Severity::Error && x.message.contains("--date-order")));
    assert_eq!(
        r.tables[&Table::DeviceNetworkEvents].skipped["day/month order unknown"],
        1
    );
    // The report says how the dates would read either way, for the reader to choose.
    let choice = r
        .timestamps
        .date_choice
        .as_ref()
        .expect("a choice to offer");
    assert_eq!(choice.dates, 1);
    let (first, last) = choice.month_first.as_ref().unwrap();
    assert!(
        first.starts_with("2024-03-11T08:00:00") && first == last,
        "{first}"
    );
    assert!(choice
        .day_first
        .as_ref()
        .unwrap()
        .0
        .starts_with("2024-11-03T08:00:00"));
    // …and the user's choice settles it.
    let opts = LoadOptions {
        date_order: DateOrder::Mdy,
        ..Default::default()
    };
    assert_eq!(load_with(&files, opts).rows(5).len(), 1);
}

#[test]
fn sentinel_csv_with_utc_headers() {
    let net = "TenantId,\"TimeGenerated [UTC]\",\"Timestamp [UTC]\",DeviceId,DeviceName,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol,Type\n\
               t1,\"3/11/2024, 8:00:00.000 AM\",\"3/11/2024, 8:00:00.000 AM\",d1,h,10.0.0.5,1,x,445,Tcp,DeviceNetworkEvents\n\
               t1,\"3/13/2024, 8:00:00.000 AM\",\"3/13/2024, 8:00:00.000 AM\",d9,h,10.0.0.5,1,x,445,Tcp,DeviceNetworkEvents\n";
    let mut files = chain_csvs();
    files[0] = ("net.csv", net.to_string());
    let opts = LoadOptions {
        offset_minutes: 300,
        ..Default::default()
    };
    let d = load_with(&files, opts);
    let r = &d.reports()[0];
    assert_eq!(r.format, Some(Format::SentinelCsv));
    assert_eq!(
        r.timestamps.zone, "from the file",
        "[UTC] headers override the assumption"
    );
    assert_eq!(d.rows(5).len(), 1);
}

#[test]
fn hunting_api_json_both_spellings() {
    let doc = |schema_key: &str, results_key: &str, name_key: &str| {
        format!(
            r#"{{"{schema_key}":[{{"{name_key}":"Timestamp","Type":"DateTime"}},{{"{name_key}":"DeviceId","Type":"String"}},{{"{name_key}":"RemoteIP","Type":"String"}},{{"{name_key}":"LocalPort","Type":"Int32"}},{{"{name_key}":"LocalIP","Type":"String"}},{{"{name_key}":"RemotePort","Type":"Int32"}}],
"{results_key}":[{{"Timestamp":"{}","DeviceId":"d1","RemoteIP":"10.0.0.5","LocalPort":445,"LocalIP":"x","RemotePort":null}}]}}"#,
            at(0)
        )
    };
    for (s, r, n) in [("Schema", "Results", "Name"), ("schema", "results", "name")] {
        let mut files = chain_csvs();
        files[0] = ("net.json", doc(s, r, n));
        let d = load(&files);
        assert_eq!(d.reports()[0].format, Some(Format::HuntingApiJson));
        assert_eq!(d.rows(5).len(), 1, "{s}/{r}");
    }
}

#[test]
fn streaming_api_lines_and_event_hub_messages_mix_tables() {
    let rec = |table: &str, props: String| {
        format!(
            r#"{{"time":"{}","tenantId":"t","operationName":"Publish","category":"AdvancedHunting-{table}","properties":{props}}}"#,
            at(0)
        )
    };
    let n = rec(
        "DeviceNetworkEvents",
        format!(
            r#"{{"Timestamp":"{}","DeviceId":"d1","RemoteIP":"10.0.0.5","LocalPort":445,"RemotePort":1,"Protocol":"Tcp","DeviceName":"h"}}"#,
            at(0)
        ),
    );
    let l = rec(
        "DeviceLogonEvents",
        format!(
            r#"{{"Timestamp":"{}","DeviceId":"d1","RemoteIP":"10.0.0.5","AccountName":"a","IsLocalAdmin":true,"LogonId":5}}"#,
            at(S)
        ),
    );
    let f = rec(
        "DeviceFileEvents",
        format!(
            r#"{{"Timestamp":"{}","DeviceId":"d1","ActionType":"FileCreated","InitiatingProcessFileName":"System","FolderPath":"C:\\x.exe","FileName":"x.exe"}}"#,
            at(S)
        ),
    );
    let p = rec(
        "DeviceProcessEvents",
        format!(
            r#"{{"Timestamp":"{}","DeviceId":"d1","FolderPath":"C:\\x.exe","ProcessCommandLine":"x"}}"#,
            at(S)
        ),
    );
    let other = rec(
        "DeviceRegistryEvents",
        r#"{"Timestamp":"2024-01-01T00:00:00Z"}"#.to_string(),
    );
    let lines = format!("{n}\n{l}\n{other}\n{f}\n{p}\n");
    let d = load(&[("PT1H.json", lines.clone())]);
    let r = &d.reports()[0];
    assert_eq!(r.format, Some(Format::StreamingJson));
    assert_eq!(r.tables.len(), 4);
    assert_eq!(r.other_tables["DeviceRegistryEvents"], 1);
    let rows = row_lines(&d, 5);
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].contains(",true,"),
        "IsLocalAdmin from a JSON boolean: {}",
        rows[0]
    );
    // The same records as one Event Hub message.
    let message = format!(r#"{{"records":[{n},{l},{f},{p}]}}"#);
    let d = load(&[("eventhub.json", message)]);
    assert_eq!(row_lines(&d, 5), rows);
    // evidence from a record inside a message
    let rows_ = d.rows(5);
    let mut chains = d.chains(&rows_, 5);
    let bytes = format!(r#"{{"records":[{n},{l},{f},{p}]}}"#).into_bytes();
    let mut found = std::collections::HashMap::new();
    for req in d.evidence_requests(&chains, &[]) {
        found.extend(
            d.read_evidence(&req, Box::new(std::io::Cursor::new(bytes.clone())))
                .unwrap(),
        );
    }
    d.attach_evidence(&mut chains, &mut [], &found);
    assert!(chains[0]
        .start
        .fields
        .iter()
        .any(|(k, v)| k == "ProcessCommandLine" && v == "x"));
}

#[test]
fn union_csv_split_by_type_column_and_by_action_type() {
    let header = "Type,Timestamp,DeviceId,ActionType,RemoteIP,LocalPort,LocalIP,LogonType,AccountName,FolderPath,FileName,InitiatingProcessFileName,ProcessCommandLine,ProcessId";
    let rows = [
        (
            "DeviceNetworkEvents",
            0,
            "InboundConnectionAccepted,10.0.0.5,445,x,,,,,,,",
        ),
        (
            "DeviceLogonEvents",
            S,
            "LogonSuccess,10.0.0.5,,,Network,alice,,,,,",
        ),
        (
            "DeviceFileEvents",
            S,
            "FileCreated,,,,,,C:\\x.exe,x.exe,System,,",
        ),
        (
            "DeviceProcessEvents",
            S,
            "ProcessCreated,,,,,,C:\\x.exe,x.exe,,x,1",
        ),
        ("DeviceEvents", S, "PowerShellCommand,,,,,,,,,,"),
    ];
    let fixed: Vec<String> = rows
        .iter()
        .map(|(table, t, rest)| format!("{table},{},d1,{rest}", at(*t)))
        .collect();
    let d = load(&[("union.csv", csv(header, &fixed))]);
    assert_eq!(d.reports()[0].tables.len(), 4);
    assert_eq!(d.reports()[0].other_tables["DeviceEvents"], 1);
    assert_eq!(d.rows(5).len(), 1);
    // Without the Type column the ActionType decides.
    let no_type: Vec<String> = fixed
        .iter()
        .map(|r| r.split_once(',').unwrap().1.to_string())
        .collect();
    let header2 = header.strip_prefix("Type,").unwrap();
    let d = load(&[("union.csv", csv(header2, &no_type))]);
    assert_eq!(d.rows(5).len(), 1);
    assert_eq!(
        d.reports()[0].other_tables["another table (ActionType PowerShellCommand)"],
        1
    );
}

#[test]
fn type_suffixed_union_columns_are_read() {
    let net = format!(
        "Timestamp,DeviceId,RemoteIP,LocalPort_long,LocalPort_string,LocalIP\n{},d1,10.0.0.5,,445,x\n",
        at(0)
    );
    let mut files = chain_csvs();
    files[0] = ("net.csv", net);
    assert_eq!(load(&files).rows(5).len(), 1);
}

#[test]
fn bad_rows_are_named_counted_and_the_rest_analysed() {
    let net = format!(
        "{NET}\n{}\nnot-a-date,d1,h,x,10.0.0.5,1,x,445,Tcp\n{},d1,h,x,10.0.0.5\n{}\n",
        net(0, "d1", "10.0.0.5", "445"),
        at(0),
        net(0, "d1", "10.0.0.5", "445").replace(",445,", ",four-four-five,"),
    );
    let mut files = chain_csvs();
    files[0] = ("net.csv", net);
    let d = load(&files);
    assert_eq!(d.rows(5).len(), 1, "the good row still matches");
    let r = &d.reports()[0];
    let s = &r.tables[&Table::DeviceNetworkEvents];
    assert_eq!(s.read, 4);
    assert_eq!(s.skipped["unreadable Timestamp"], 1);
    assert_eq!(s.skipped["wrong number of fields"], 1);
    let msgs: Vec<String> = r.diagnostics.items.iter().map(|d| d.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("net.csv:3 (column Timestamp)")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("net.csv:4") && m.contains("5 fields")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("net.csv:5 (column LocalPort)")),
        "{msgs:?}"
    );
}

#[test]
fn broken_quote_is_reported_with_its_line() {
    let net = format!(
        "{NET}\n{}\n{},d1,h,x,\"10.0.0.5,1,x,445,Tcp\n{}\n",
        net(0, "d1", "10.0.0.5", "445"),
        at(0),
        net(S, "d1", "10.0.0.7", "445")
    );
    let mut files = chain_csvs();
    files[0] = ("net.csv", net);
    let d = load(&files);
    let r = &d.reports()[0];
    assert!(
        r.diagnostics
            .items
            .iter()
            .any(|x| x.line == Some(3) && x.message.contains("unbalanced quote")),
        "{:?}",
        r.diagnostics.items
    );
    assert_eq!(d.rows(5).len(), 1);
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let mut bytes = csv(NET, &[net(0, "d1", "10.0.0.5", "445")]).into_bytes();
    let pos = bytes.windows(6).position(|w| w == b"host-d").unwrap();
    bytes[pos] = 0xff;
    let mut files: Vec<(&str, Vec<u8>)> = chain_csvs()
        .into_iter()
        .map(|(n, s)| (n, s.into_bytes()))
        .collect();
    files[0] = ("net.csv", bytes);
    let d = load_bytes(&files, LoadOptions::default());
    assert_eq!(d.rows(5).len(), 1);
    assert!(d.reports()[0]
        .diagnostics
        .items
        .iter()
        .any(|x| x.message.contains("UTF-8")));
    assert!(row_lines(&d, 5)[0].contains('\u{fffd}'));
}

#[test]
fn wrong_files_are_skipped_with_a_reason() {
    let mut files: Vec<(&str, Vec<u8>)> = chain_csvs()
        .into_iter()
        .map(|(n, s)| (n, s.into_bytes()))
        .collect();
    files.push(("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()));
    files.push(("empty.csv", Vec::new()));
    files.push((
        "events.csv",
        b"Timestamp,DeviceId,RegistryKey\n2024-01-01T00:00:00Z,d,HKLM\n".to_vec(),
    ));
    let many: Vec<String> = (0..3000)
        .map(|i| {
            net(
                i * S,
                &format!("d{i}"),
                &format!("10.9.{}.{}", i / 250, i % 250),
                "445",
            )
        })
        .collect();
    let mut truncated = gzip(csv(NET, &many).as_bytes());
    truncated.truncate(truncated.len() / 2);
    files.push(("cut.csv.gz", truncated));
    files.push(("notes.json", b"{\"a\": [1, 2".to_vec()));
    let d = load_bytes(&files, LoadOptions::default());
    assert_eq!(d.rows(5).len(), 1, "the good files are analysed");
    let skipped: Vec<(String, String)> = d
        .reports()
        .iter()
        .filter_map(|r| r.skipped.clone().map(|s| (r.name.clone(), s)))
        .collect();
    let reason = |name: &str| {
        skipped
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    assert!(reason("image.png").contains("PNG image"), "{skipped:?}");
    assert!(reason("empty.csv").contains("empty"), "{skipped:?}");
    assert!(
        reason("events.csv").contains("not an export of"),
        "{skipped:?}"
    );
    assert!(reason("notes.json").contains("JSON"), "{skipped:?}");
    let cut = d
        .reports()
        .iter()
        .find(|r| r.name == "cut.csv.gz → cut.csv")
        .expect("the gzip member is reported");
    assert!(
        cut.diagnostics
            .items
            .iter()
            .any(|x| x.message.contains("reading stopped")),
        "{:?}",
        cut.diagnostics.items
    );
    let read = cut.tables[&Table::DeviceNetworkEvents].read;
    assert!(
        read > 100 && read < 3000,
        "rows before the damage are analysed: {read}"
    );
}

#[test]
fn real_union_export_from_the_old_portal() {
    let Some(ds) = datasets() else { return };
    let bytes = std::fs::read(ds.join("defender-hunting-plaso/advanced_hunting_test.csv")).unwrap();
    let d = load_bytes(
        &[("advanced_hunting_test.csv", bytes)],
        LoadOptions::default(),
    );
    let r = &d.reports()[0];
    assert_eq!(r.format, Some(Format::PortalCsv));
    assert!(r.skipped.is_none());
    let net = &r.tables[&Table::DeviceNetworkEvents];
    let procs = &r.tables[&Table::DeviceProcessEvents];
    assert_eq!((net.read, procs.read), (8, 1));
    assert_eq!(net.used, 0, "no inbound 445 connection in this export");
    assert_eq!(
        net.skipped.values().sum::<u64>() + procs.skipped.values().sum::<u64>(),
        0
    );
    assert_eq!(
        r.other_tables.values().sum::<u64>(),
        17,
        "DeviceEvents rows"
    );
    assert_eq!(r.timestamps.resolution.as_deref(), Some("100 ns"));
    assert!(d.rows(5).is_empty());
}

#[test]
fn real_union_json_lines_in_a_zip() {
    let Some(ds) = datasets() else { return };
    let bytes =
        std::fs::read(ds.join("otrf-security-datasets/Microsoft365DefenderEvents.Zip")).unwrap();
    let d = load_bytes(
        &[("Microsoft365DefenderEvents.Zip", bytes)],
        LoadOptions::default(),
    );
    let r = &d.reports()[0];
    assert_eq!(
        r.name,
        "Microsoft365DefenderEvents.Zip › Microsoft365DefenderEvents.json"
    );
    assert_eq!(r.format, Some(Format::JsonRows));
    assert_eq!(r.other_tables.values().sum::<u64>(), 9);
    assert!(r
        .skipped
        .as_deref()
        .unwrap()
        .contains("only rows this hunt does not read"));
}

#[test]
fn parts_read_in_parallel_merge_to_the_same_result() {
    use copyexec_core::load::Loaded;
    let files = chain_csvs();
    let sequential = load(&files);
    let parts = files
        .iter()
        .map(|(name, text)| part_of(name, text.as_bytes()))
        .collect();
    let merged = copyexec_core::Dataset::new(Loaded::from_parts(parts));
    assert_eq!(row_lines(&merged, 5), row_lines(&sequential, 5));
    assert_eq!(doc(merged), doc(sequential));
}

fn doc(d: copyexec_core::Dataset) -> String {
    let settings = copyexec_core::Settings {
        near_misses: true,
        ..Default::default()
    };
    serde_json::to_string(&copyexec_core::Engine::new(d, settings).document()).unwrap()
}

#[test]
fn parts_sent_as_bytes_merge_to_the_same_result() {
    use copyexec_core::load::{Loaded, Part};
    let Some(files) = every_dataset_file() else {
        return;
    };
    assert!(files.len() > 10, "the data sets are there");
    let read = |bytes_between: bool| {
        let parts = files
            .iter()
            .map(|(name, bytes)| {
                let part = part_of(name, bytes);
                if bytes_between {
                    Part::from_bytes(&part.to_bytes()).unwrap()
                } else {
                    part
                }
            })
            .collect();
        copyexec_core::Dataset::new(Loaded::from_parts(parts))
    };
    let (direct, sent) = (read(false), read(true));
    assert!(!direct.rows(5).is_empty(), "there are rows to compare");
    assert_eq!(
        serde_json::to_string(direct.reports()).unwrap(),
        serde_json::to_string(sent.reports()).unwrap()
    );
    assert_eq!(row_lines(&sent, 3600), row_lines(&direct, 3600));
    assert_eq!(doc(sent), doc(direct));
    assert!(Part::from_bytes(b"not a part").is_err());
}

#[test]
fn evidence_by_jumping_equals_evidence_by_reading_through() {
    use copyexec_core::evidence::SeekReader;
    let mut files = chain_csvs();
    // A BOM, and a process row far longer than one read chunk.
    files[0].1 = format!("\u{feff}{}", files[0].1);
    let long = "y".repeat(300_000);
    files[3].1 = csv(
        PROC,
        &[start(3 * S, "d1", r"C:\x.exe", &format!("\"x {long}\""))],
    );
    let d = load(&files);
    let rows = d.rows(5);
    let chains = d.chains(&rows, 5);
    let mut jumped = std::collections::HashMap::new();
    let mut read = std::collections::HashMap::new();
    for req in d.evidence_requests(&chains, &[]) {
        let bytes = files[req.input as usize].1.clone().into_bytes();
        let mut at = SeekReader(std::io::Cursor::new(bytes.clone()));
        jumped.extend(
            d.read_evidence_at(&req, &mut at)
                .expect("plain CSV")
                .unwrap(),
        );
        read.extend(
            d.read_evidence(&req, Box::new(std::io::Cursor::new(bytes)))
                .unwrap(),
        );
    }
    assert_eq!(jumped.len(), 4);
    assert_eq!(jumped, read);
    let cmd = jumped
        .values()
        .flatten()
        .find(|(k, _)| k == "ProcessCommandLine")
        .unwrap();
    assert_eq!(cmd.1.len(), 300_002);
    // Compressed inputs are read through instead.
    let gz = gzip(files[0].1.as_bytes());
    let d = load_bytes(&[("n.csv.gz", gz.clone())], LoadOptions::default());
    let req = copyexec_core::dataset::EvidenceRequest {
        input: 0,
        stream: 0,
        locs: [d.store().net[0].loc].into_iter().collect(),
    };
    assert!(d
        .read_evidence_at(&req, &mut SeekReader(std::io::Cursor::new(gz)))
        .is_none());
}

#[test]
fn evidence_is_complete_once_the_asked_chains_rows_are_read() {
    use copyexec_core::engine::{Engine, MemorySource, Settings};
    // Two chains on two devices.
    let mut files = chain_csvs();
    let two = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let copy = lines[1].replace(",d1,", ",d2,");
        lines.push(copy);
        lines.join("\n") + "\n"
    };
    for f in &mut files {
        f.1 = two(&f.1);
    }
    let engine = |files: &[(&str, String)]| {
        let settings = Settings {
            near_misses: true,
            ..Default::default()
        };
        Engine::new(load(files), settings)
    };
    let mut e = engine(&files);
    let ids: Vec<String> = e.results().chains.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 2, "two chains");
    assert!(!e.evidence_complete(None));
    assert!(!e.evidence_complete(Some(&ids)));
    assert!(
        e.evidence_complete(Some(&[])),
        "nothing asked, nothing missing"
    );
    let inputs: Vec<&[u8]> = files.iter().map(|(_, t)| t.as_bytes()).collect();
    e.read_evidence(Some(&ids[..1]), false, &mut MemorySource(inputs.clone()));
    assert!(e.evidence_complete(Some(&ids[..1])));
    assert!(
        !e.evidence_complete(Some(&ids[1..])),
        "the other chain's rows are not read"
    );
    assert!(!e.evidence_complete(Some(&ids)));
    e.read_evidence(Some(&ids), false, &mut MemorySource(inputs.clone()));
    assert!(e.evidence_complete(Some(&ids)));
    e.read_evidence(None, true, &mut MemorySource(inputs));
    assert!(e.evidence_complete(None));
}

#[test]
fn evidence_read_a_step_at_a_time_is_the_evidence_read_at_once() {
    use copyexec_core::engine::{Engine, MemorySource, Settings};
    // 3,000 chains; the process events 2.4 MB (long command lines), read in steps of one 1 MiB
    // window; the logons gzipped (read through in one step).
    let n = 3000;
    let dev = |i: usize| format!("d{i}");
    let rows = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>();
    let ip = |i: usize| format!("10.1.{}.{}", i / 250, i % 250 + 1);
    let cmd = format!("x {}", "y".repeat(700));
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "net.csv",
            csv(NET, &rows(&|i| net(0, &dev(i), &ip(i), "445"))).into_bytes(),
        ),
        (
            "logon.csv.gz",
            gzip(csv(LOGON, &rows(&|i| logon(S, &dev(i), &ip(i), "alice"))).as_bytes()),
        ),
        (
            "file.csv",
            csv(
                FILE,
                &rows(&|i| write(2 * S, &dev(i), r"C:\x.exe", "FileCreated", "System")),
            )
            .into_bytes(),
        ),
        (
            "proc.csv",
            csv(PROC, &rows(&|i| start(3 * S, &dev(i), r"C:\x.exe", &cmd))).into_bytes(),
        ),
    ];
    let engine = || {
        Engine::new(
            load_bytes(&files, LoadOptions::default()),
            Settings::default(),
        )
    };
    let inputs: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
    let mut at_once = engine();
    assert_eq!(at_once.results().chains.len(), n);
    at_once.read_evidence(None, false, &mut MemorySource(inputs.clone()));
    let mut stepped = engine();
    let mut work = stepped.evidence_work(None, false);
    let mut steps = 0;
    while !stepped.read_evidence_step(&mut work, &mut MemorySource(inputs.clone()), &mut || false) {
        steps += 1;
        assert!(
            !stepped.evidence_complete(None),
            "not all read after step {steps}"
        );
    }
    assert!(work.is_done() && stepped.evidence_complete(None));
    // The network and file events in one window each, the processes in three, and the
    // gzipped logons whole.
    assert!(files[3].1.len() > 2 << 20);
    assert_eq!(steps + 1, 1 + 1 + 1 + 3);
    let doc = |e: &Engine| serde_json::to_string(&e.document()).unwrap();
    assert_eq!(doc(&stepped), doc(&at_once));
    assert!(
        doc(&stepped).contains(r#"["ProcessId","4242"]"#),
        "evidence fields are in"
    );
}
