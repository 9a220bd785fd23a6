//! Each rule of the query, and each quirk, as a test (see docs/semantics.md).

mod common;
use common::*;

fn basic(dt_logon: i64, dt_write: i64, dt_start: i64) -> copyexec_core::Dataset {
    tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[logon(dt_logon, "d1", "10.0.0.5", "alice")],
        &[write(
            dt_write,
            "d1",
            r"C:\Windows\evil.exe",
            "FileCreated",
            "System",
        )],
        &[start(dt_start, "d1", r"C:\Windows\evil.exe", "evil.exe -x")],
    )
}

#[test]
fn windows_are_inclusive_at_both_ends_at_100ns() {
    assert_eq!(
        basic(0, 0, 0).rows(5).len(),
        1,
        "all at the connection's instant"
    );
    assert_eq!(
        basic(5 * S, 5 * S, 5 * S).rows(5).len(),
        1,
        "all at exactly T"
    );
    assert_eq!(
        basic(5 * S + 1, 0, 0).rows(5).len(),
        0,
        "logon 100 ns after T"
    );
    assert_eq!(
        basic(0, 5 * S + 1, 0).rows(5).len(),
        0,
        "write 100 ns after T"
    );
    assert_eq!(
        basic(0, 0, 5 * S + 1).rows(5).len(),
        0,
        "start 100 ns after T"
    );
    assert_eq!(basic(-1, 0, 0).rows(5).len(), 0, "logon 100 ns before");
    assert_eq!(basic(0, -1, 0).rows(5).len(), 0, "write 100 ns before");
    assert_eq!(basic(0, 0, -1).rows(5).len(), 0, "start 100 ns before");
    assert_eq!(
        basic(0, 0, 5 * S + 1).rows(6).len(),
        1,
        "a larger tolerance"
    );
    assert_eq!(
        basic(0, 0, 0).rows(0).len(),
        1,
        "tolerance 0 keeps simultaneous events"
    );
}

#[test]
fn every_window_is_measured_from_the_connection() {
    // The start precedes the write: both are within the connection's window, so it matches.
    let d = basic(S, 3 * S, 2 * S);
    let rows = d.rows(5);
    assert_eq!(rows.len(), 1);
    let chains = d.chains(&rows, 5);
    assert!(chains[0]
        .notes
        .iter()
        .any(|n| n.code == "start_before_write"));
}

fn ip_pair(net_ip: &str, logon_ip: &str) -> usize {
    tables(
        &[net(0, "d1", net_ip, "445")],
        &[logon(S, "d1", logon_ip, "alice")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(2 * S, "d1", r"C:\x.exe", "x")],
    )
    .rows(5)
    .len()
}

#[test]
fn remote_ip_is_a_case_insensitive_suffix_match() {
    assert_eq!(ip_pair("10.0.0.5", "10.0.0.5"), 1);
    assert_eq!(ip_pair("::ffff:10.0.0.5", "10.0.0.5"), 1);
    assert_eq!(ip_pair("110.0.0.5", "10.0.0.5"), 1, "faithful quirk");
    assert_eq!(ip_pair("10.0.0.5", "110.0.0.5"), 0);
    assert_eq!(ip_pair("10.0.0.5", ""), 1, "empty suffix matches all");
    assert_eq!(ip_pair("FE80::1", "fe80::1"), 1);
    assert_eq!(ip_pair("10.0.0.5", "10.0.0.6"), 0);
    assert_eq!(
        ip_pair("", ""),
        0,
        "isnotempty excludes an empty connection address"
    );
}

#[test]
fn surprising_address_matches_are_marked() {
    let d = tables(
        &[net(0, "d1", "110.0.0.5", "445")],
        &[
            logon(S, "d1", "10.0.0.5", "alice"),
            logon(S, "d1", "", "bob"),
        ],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(2 * S, "d1", r"C:\x.exe", "x")],
    );
    let rows = d.rows(5);
    assert_eq!(rows.len(), 2);
    let codes: Vec<String> = d.chains(&rows, 5)[0]
        .notes
        .iter()
        .map(|n| n.code.clone())
        .collect();
    assert!(
        codes.contains(&"address_suffix_match".to_string()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"empty_logon_address".to_string()),
        "{codes:?}"
    );
    // The IPv4-mapped form is the intended use of endswith: no note.
    let d = tables(
        &[net(0, "d1", "::ffff:10.0.0.5", "445")],
        &[logon(S, "d1", "10.0.0.5", "alice")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(2 * S, "d1", r"C:\x.exe", "x")],
    );
    let rows = d.rows(5);
    assert!(d.chains(&rows, 5)[0].notes.is_empty());
}

#[test]
fn only_port_445_connections_count() {
    for (port, n) in [("445", 1), ("139", 0), ("", 0), ("4450", 0)] {
        let d = tables(
            &[net(0, "d1", "10.0.0.5", port)],
            &[logon(S, "d1", "10.0.0.5", "a")],
            &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
            &[start(S, "d1", r"C:\x.exe", "x")],
        );
        assert_eq!(d.rows(5).len(), n, "LocalPort {port:?}");
    }
}

fn file_filter(action: &str, initiator: &str, initiator_path: &str) -> usize {
    let w = format!(
        "{},d1,h,{action},x.exe,C:\\x.exe,,,,{initiator},{initiator_path},C$",
        at(S)
    );
    tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[logon(S, "d1", "10.0.0.5", "a")],
        &[w],
        &[start(S, "d1", r"C:\x.exe", "x")],
    )
    .rows(5)
    .len()
}

#[test]
fn file_filter_cases() {
    assert_eq!(file_filter("FileCreated", "System", ""), 1);
    assert_eq!(file_filter("FileModified", "System", ""), 1);
    assert_eq!(
        file_filter("filecreated", "System", ""),
        0,
        "`in` is case-sensitive"
    );
    assert_eq!(file_filter("FileRenamed", "System", ""), 0);
    assert_eq!(
        file_filter("FileCreated", "SYSTEM", ""),
        1,
        "=~ ignores case"
    );
    assert_eq!(file_filter("FileCreated", "system", ""), 1);
    assert_eq!(file_filter("FileCreated", "System.exe", ""), 0);
    assert_eq!(file_filter("FileCreated", " System", ""), 0);
    assert_eq!(
        file_filter("FileCreated", "x", r"c:\windows\system32\NTOSKRNL.EXE"),
        1
    );
    assert_eq!(file_filter("FileCreated", "x", r"c:\ntoskrnl.exe.bak"), 0);
    assert_eq!(file_filter("FileCreated", "x", ""), 0);
}

#[test]
fn joins_are_case_sensitive() {
    let d = tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[logon(S, "D1", "10.0.0.5", "a")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "d1", r"C:\x.exe", "x")],
    );
    assert_eq!(d.rows(5).len(), 0, "DeviceId differs in case");
    let d = tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[logon(S, "d1", "10.0.0.5", "a")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "d1", r"C:\X.exe", "x")],
    );
    assert_eq!(d.rows(5).len(), 0, "FolderPath differs in case");
}

#[test]
fn inner_join_keeps_every_combination() {
    let d = tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[
            logon(S, "d1", "10.0.0.5", "a"),
            logon(2 * S, "d1", "10.0.0.5", "b"),
        ],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[
            start(3 * S, "d1", r"C:\x.exe", "x 1"),
            start(4 * S, "d1", r"C:\x.exe", "x 2"),
        ],
    );
    let rows = d.rows(5);
    assert_eq!(rows.len(), 4);
    // one chain per start
    assert_eq!(d.chains(&rows, 5).len(), 2);
}

#[test]
fn psexec_create_and_modify_then_one_start_is_one_chain() {
    let p = r"C:\Windows\PSEXESVC.exe";
    let d = tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[logon(S / 10, "d1", "10.0.0.5", "admin")],
        &[
            write(S / 5, "d1", p, "FileCreated", "System"),
            write(S / 4, "d1", p, "FileModified", "System"),
        ],
        &[start(S / 2, "d1", p, "C:\\Windows\\PSEXESVC.exe")],
    );
    let rows = d.rows(5);
    assert_eq!(rows.len(), 2);
    let chains = d.chains(&rows, 5);
    assert_eq!(chains.len(), 1);
    assert_eq!(chains[0].writes.len(), 2);
    assert_eq!(chains[0].rows.len(), 2);
    assert_eq!(chains[0].start.offset_ticks, S / 2);
}

#[test]
fn projected_columns_come_from_the_table_kql_names_them_after() {
    let d = tables(
        &[net(0, "d1", "::ffff:10.0.0.5", "445")],
        &[logon(S, "d1", "10.0.0.5", "alice")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "d1", r"C:\x.exe", "x --flag")],
    );
    let lines = row_lines(&d, 5);
    assert_eq!(
        lines,
        vec![format!(
            "{},host-d1,::ffff:10.0.0.5,50123,corp,alice,S-1-5-21-1-alice,Tcp,999,attacker-pc,true,x.exe,C:\\x.exe,sha1x,sha256x,md5x,x --flag",
            at(0)
        )]
    );
}

#[test]
fn other_devices_never_join() {
    let d = tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[logon(S, "d2", "10.0.0.5", "a")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "d1", r"C:\x.exe", "x")],
    );
    assert!(d.rows(5).is_empty());
}

#[test]
fn empty_device_id_joins_empty_device_id() {
    // Kusto strings are never null: "" == "" holds in a join.
    let d = tables(
        &[net(0, "", "10.0.0.5", "445")],
        &[logon(S, "", "10.0.0.5", "a")],
        &[write(S, "", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "", r"C:\x.exe", "x")],
    );
    assert_eq!(d.rows(5).len(), 1);
}

#[test]
fn null_timestamps_never_match_and_are_counted() {
    let mut n = net(0, "d1", "10.0.0.5", "445");
    n = n.replacen(&at(0), "", 1);
    let d = tables(
        &[n],
        &[logon(S, "d1", "10.0.0.5", "a")],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "d1", r"C:\x.exe", "x")],
    );
    assert!(d.rows(5).is_empty());
    let t = d.totals(0, 0);
    assert_eq!(t.rows_read, 4);
    assert_eq!(t.rows_filtered, 1);
    assert_eq!(t.rows_skipped, 0);
}

#[test]
fn failed_logons_match_as_the_query_ignores_action_type() {
    let l = logon(S, "d1", "10.0.0.5", "a").replace("LogonSuccess", "LogonFailed");
    let d = tables(
        &[net(0, "d1", "10.0.0.5", "445")],
        &[l],
        &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
        &[start(S, "d1", r"C:\x.exe", "x")],
    );
    let rows = d.rows(5);
    assert_eq!(rows.len(), 1);
    assert!(d.chains(&rows, 5)[0]
        .notes
        .iter()
        .any(|n| n.code == "failed_logon"));
}

#[test]
fn missing_tables_are_named() {
    let d = load(&[("net.csv", csv(NET, &[net(0, "d1", "1.2.3.4", "445")]))]);
    let missing: Vec<String> = d.missing_tables().iter().map(|t| t.to_string()).collect();
    assert_eq!(
        missing,
        [
            "DeviceLogonEvents",
            "DeviceFileEvents",
            "DeviceProcessEvents"
        ]
    );
}
