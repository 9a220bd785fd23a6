//! The hunt on Windows' own logs: the real recordings of the data sets as acceptance tests.

mod common;
use common::*;
use copyexec_core::load::{Format, LoadOptions};

fn dataset(rel: &str) -> Option<(String, Vec<u8>)> {
    let p = datasets()?.join(rel);
    Some((
        rel.rsplit('/').next().unwrap().to_string(),
        std::fs::read(p).unwrap(),
    ))
}

fn load_one(rel: &str) -> Option<copyexec_core::Dataset> {
    let (name, bytes) = dataset(rel)?;
    Some(load_bytes(&[(&name, bytes)], LoadOptions::default()))
}

const PSEXEC: &str =
    "evtx-to-mitre-attack/ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx";

#[test]
fn psexec_over_admin_share_gives_exactly_two_chains() {
    for rel in [
        PSEXEC,
        "derived-jsonl/ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx.jsonl",
    ] {
        let Some(d) = load_one(rel) else { return };
        let rows = d.rows(5);
        let chains = d.chains(&rows, 5);
        let got: Vec<(&str, &str, String, String)> = chains
            .iter()
            .map(|c| {
                (
                    c.device_name.as_str(),
                    c.folder_path.as_str(),
                    c.writes[0].timestamp[11..23].to_string(),
                    c.start.timestamp[11..23].to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "srvdefender01.offsec.lan",
                    r"C:\Windows\PSEXESVC.exe",
                    "09:40:32.343".to_string(),
                    "09:40:32.366".to_string()
                ),
                (
                    "srvdefender01.offsec.lan",
                    r"C:\Windows\cmd.exe",
                    "09:40:32.510".to_string(),
                    "09:40:32.531".to_string()
                ),
            ],
            "{rel}"
        );
        for c in &chains {
            assert_eq!(c.remote_ips, vec!["10.23.42.22"]);
            assert_eq!(c.accounts, vec![r"OFFSEC.LAN\admmig"]);
            assert!(
                c.notes.iter().any(|n| n.code == "inferred_connection"),
                "no 5156/Sysmon 3 in this log"
            );
        }
        // rows carry exactly those two paths
        let paths: std::collections::BTreeSet<String> =
            rows.iter().map(|r| d.project(*r)[12].clone()).collect();
        assert_eq!(
            paths.into_iter().collect::<Vec<_>>(),
            vec![r"C:\Windows\PSEXESVC.exe", r"C:\Windows\cmd.exe"]
        );
        assert!(
            d.missing_tables().is_empty(),
            "stand-in connections count as connections"
        );
    }
}

#[test]
fn evtx_evidence_is_read_again() {
    let Some((name, bytes)) = dataset(PSEXEC) else {
        return;
    };
    let d = load_bytes(&[(&name, bytes.clone())], LoadOptions::default());
    assert_eq!(d.reports()[0].format, Some(Format::Evtx));
    let rows = d.rows(5);
    let mut chains = d.chains(&rows, 5);
    let mut found = std::collections::HashMap::new();
    for req in d.evidence_requests(&chains, &[]) {
        found.extend(
            d.read_evidence(&req, Box::new(std::io::Cursor::new(bytes.clone())))
                .unwrap(),
        );
    }
    d.attach_evidence(&mut chains, &mut [], &found);
    let f = &chains[0].start.fields;
    assert!(
        f.iter().any(|(k, v)| k == "EventID" && v == "4688"),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|(k, v)| k == "ParentProcessName" && v.ends_with("services.exe")),
        "{f:?}"
    );
    let w = &chains[0].writes[0].fields;
    assert!(
        w.iter()
            .any(|(k, v)| k == "RelativeTargetName" && v == "PSEXESVC.exe"),
        "{w:?}"
    );
}

#[test]
fn sysmon_write_then_start_without_connection_is_one_near_miss() {
    let Some(d) =
        load_one("evtx-attack-samples/remote_file_copy_system_proc_file_write_sysmon_11.evtx")
    else {
        return;
    };
    let rows = d.rows(5);
    assert!(d.chains(&rows, 5).is_empty());
    let near = d.near_misses(&rows, 5);
    assert_eq!(near.len(), 1);
    let m = &near[0];
    assert_eq!(m.folder_path, r"C:\Windows\PSEXESVC.exe");
    assert_eq!(m.missing, ["connection", "logon"]);
    assert_eq!(m.starts.len(), 1);
    let delay = m.starts[0].offset_ticks - m.writes[0].offset_ticks;
    assert_eq!((delay as f64 / 1e7 * 100.0).round() / 100.0, 0.21);
}

#[test]
fn covenant_copy_is_a_near_miss_never_run() {
    let Some(d) = load_one("otrf-security-datasets/covenant_copy_smb_CreateRequest.zip") else {
        return;
    };
    assert_eq!(d.reports()[0].format, Some(Format::WindowsEventJson));
    let rows = d.rows(5);
    assert!(d.chains(&rows, 5).is_empty());
    let near = d.near_misses(&rows, 5);
    assert_eq!(near.len(), 1, "{near:#?}");
    assert_eq!(near[0].folder_path, r"C:\ProgramData\GruntHTTP.exe");
    assert_eq!(near[0].missing, ["start"]);
    assert!(near[0]
        .connections
        .iter()
        .all(|c| c.key[0].1 == "172.18.39.5"));
    assert!(near[0].summary.contains("172.18.39.5"));
}

#[test]
fn negative_recordings_have_no_chain() {
    for rel in [
        "otrf-security-datasets/cmd_psexec_lsa_secrets_dump.zip",
        "otrf-security-datasets/empire_shell_dcerpc_smb_service_dll_hijack.zip",
        "otrf-security-datasets/empire_msbuild_dcerpc_wmi_smb.zip",
        "otrf-security-datasets/empire_smbexec_dcerpc_smb_svcctl.zip",
        "otrf-security-datasets/covenant_sharpsc_create_dcerpc_smb_svcctl.zip",
        "evtx-attack-samples/smbmap_upload_exec_sysmon.evtx",
        "evtx-attack-samples/LM_5145_Remote_FileCopy.evtx",
        "evtx-attack-samples/LM_REMCOM_5145_TargetHost.evtx",
        "evtx-attack-samples/LM_renamed_psexecsvc_5145.evtx",
        "evtx-attack-samples/LM_Remote_Service02_7045.evtx",
        "evtx-attack-samples/LM_sysmon_psexec_smb_meterpreter.evtx",
        "evtx-attack-samples/LM_wmiexec_impacket_sysmon_whoami.evtx",
        "evtx-attack-samples/DE_renamed_psexec_service_sysmon_17_18.evtx",
        "evtx-to-mitre-attack/ID5140-5145,4688,4697-Encrypted payload deployed with service over SMB (GLOBAL).evtx",
        "evtx-to-mitre-attack/ID4688,5140,5145-WMIexec execution via SMB (GLOBAL).evtx",
        "evtx-to-mitre-attack/ID4624,4688,5140,5145-Eternal Romance - MS17_010_psexec (GLOBAL).evtx",
        "evtx-to-mitre-attack/ID11,13,17,18-PSexec as system execution.evtx",
        "evtx-to-mitre-attack/ID7045-7036 PSexec service installation.evtx",
        "evtx-to-mitre-attack/ID7045-4697-SMBexec service registration.evtx",
        "evtx-to-mitre-attack/ID11,13-SMBexec service registration.evtx",
    ] {
        let Some(d) = load_one(rel) else { return };
        let rows = d.rows(5);
        assert!(rows.is_empty(), "{rel}: {} rows", rows.len());
        let skipped: u64 = d.reports().iter().flat_map(|r| r.tables.values()).map(|t| t.skipped.values().sum::<u64>()).sum();
        assert_eq!(skipped, 0, "{rel}");
    }
}

#[test]
fn mixed_defender_and_windows_log_inputs() {
    let Some((name, bytes)) = dataset(PSEXEC) else {
        return;
    };
    let mut files: Vec<(&str, Vec<u8>)> = vec![(&name, bytes)];
    let defender = chain_csvs();
    for (n, t) in &defender {
        files.push((n, t.clone().into_bytes()));
    }
    let d = load_bytes(&files, LoadOptions::default());
    let rows = d.rows(5);
    let chains = d.chains(&rows, 5);
    let paths: Vec<&str> = chains.iter().map(|c| c.folder_path.as_str()).collect();
    assert_eq!(
        paths,
        [
            r"C:\Windows\PSEXESVC.exe",
            r"C:\Windows\cmd.exe",
            r"C:\x.exe"
        ]
    );
    // Defender chains keep KQL's exact rules: no Windows-log note on them.
    assert!(chains[2].notes.is_empty());
}

#[test]
fn windows_paths_compare_without_case_defender_paths_with_case() {
    let sysmon = |id: u32, time: &str, extra: &str| {
        format!(
            r#"{{"EventID":{id},"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"PC1.corp.local","UtcTime":"{time}",{extra}}}"#
        )
    };
    let lines = [
        sysmon(3, "2024-03-11 08:00:00.000", r#""Initiated":"false","DestinationPort":"445","SourceIp":"10.0.0.5","SourcePort":"50000","Protocol":"tcp","Image":"System""#),
        r#"{"EventID":4624,"Channel":"Security","Hostname":"pc1","@timestamp":"2024-03-11T08:00:00.100Z","IpAddress":"10.0.0.5","TargetUserName":"bob","TargetDomainName":"CORP","TargetLogonId":"0x10","LogonType":"3"}"#.to_string(),
        sysmon(11, "2024-03-11 08:00:00.200", r#""Image":"System","TargetFilename":"C:\\Windows\\x.exe""#),
        sysmon(1, "2024-03-11 08:00:00.300", r#""Image":"C:\\WINDOWS\\x.exe","CommandLine":"x","Hashes":"SHA256=AB""#),
    ];
    let d = load(&[("events.json", lines.join("\n"))]);
    let rows = d.rows(5);
    let chains = d.chains(&rows, 5);
    assert_eq!(chains.len(), 1, "{:?}", d.reports());
    assert!(chains[0]
        .notes
        .iter()
        .any(|n| n.code == "path_case_differs"));
    assert!(
        !chains[0]
            .notes
            .iter()
            .any(|n| n.code == "inferred_connection"),
        "Sysmon 3 was logged"
    );
    assert_eq!(
        chains[0].device_name, "PC1.corp.local",
        "WORKSTATION and its FQDN are one device"
    );
}
