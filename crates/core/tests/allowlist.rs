//! Allowlist rules: every field matched and not matched, every preset, and the chain model.

mod common;
use common::*;
use copyexec_core::allowlist::presets::{preset, PRESETS};
use copyexec_core::allowlist::Allowlist;
use copyexec_core::Dataset;

const PROC_P: &str = "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,ProcessId,InitiatingProcessFileName";

struct Case<'a> {
    ip: &'a str,
    account: &'a str,
    domain: &'a str,
    sid: &'a str,
    source_device: &'a str,
    path: &'a str,
    sha256: &'a str,
    command: &'a str,
    parent: &'a str,
}

const BASE: Case = Case {
    ip: "10.20.4.31",
    account: "adm-kchen",
    domain: "corp",
    sid: "S-1-5-21-7",
    source_device: "ws-it-003",
    path: r"C:\Temp\AppDiag\debug.exe",
    sha256: "AB12",
    command: r"C:\Temp\AppDiag\debug.exe --trace",
    parent: "WmiPrvSE.exe",
};

fn data(c: &Case) -> Dataset {
    let name = c.path.rsplit('\\').next().unwrap();
    let n = format!(
        "{},d1,srv-db03.corp.example,InboundConnectionAccepted,{},5000,10.0.0.9,445,Tcp",
        at(0),
        c.ip
    );
    let l = format!(
        "{},d1,srv-db03,LogonSuccess,Network,{},{},{},Kerberos,true,5,{},{},0",
        at(S),
        c.domain,
        c.account,
        c.sid,
        c.source_device,
        c.ip.trim_start_matches("::ffff:")
    );
    let f = format!(
        "{},d1,h,FileCreated,{name},{},s1,{},m5,System,,C$",
        at(S),
        c.path,
        c.sha256
    );
    let p = format!(
        "{},d1,h,ProcessCreated,{name},{},\"{}\",1,{}",
        at(2 * S),
        c.path,
        c.command,
        c.parent
    );
    load(&[
        ("n.csv", csv(NET, &[n])),
        ("l.csv", csv(LOGON, &[l])),
        ("f.csv", csv(FILE, &[f])),
        ("p.csv", csv(PROC_P, &[p])),
    ])
}

fn suppressed(rule_body: &str, c: &Case) -> bool {
    let mut list = Allowlist::default();
    list.add_toml(
        "t.toml",
        &format!("[[rule]]\nid = \"r\"\nreason = \"test\"\n{rule_body}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let d = data(c);
    let rows = d.rows(5);
    assert_eq!(rows.len(), 1);
    let f = d.apply_allowlist(&rows, &list);
    f.kept.is_empty()
}

#[test]
fn every_field_matches_and_misses() {
    let cases: &[(&str, bool)] = &[
        ("sha256 = ['ab12']", true),
        ("sha256 = ['ab13']", false),
        ("sha1 = ['S1']", true),
        ("md5 = ['m6']", false),
        ("file_name = ['DEBUG.EXE']", true),
        ("file_name = ['debug*.exe']", true),
        ("file_name = ['debug.ex']", false),
        ("extension = ['exe']", true),
        ("extension = ['.msi']", false),
        (r"folder_path = ['C:\Temp\*']", true),
        (r"folder_path = ['c:\temp\appdiag\debug.exe']", true),
        (r"folder_path = ['C:\Tools\*']", false),
        (r"account = ['CORP\adm-kchen']", true),
        (r"account = ['*\adm-*']", true),
        ("account = ['adm-kchen']", true),
        (r"account = ['other\adm-kchen']", false),
        ("account_sid = ['S-1-5-21-7']", true),
        ("account_sid = ['S-1-5-21-8']", false),
        ("source_ip = ['10.20.4.31']", true),
        ("source_ip = ['10.20.0.0/16']", true),
        ("source_ip = ['10.21.0.0/16']", false),
        ("source_ip = ['10.20.4.3']", false),
        ("source_device = ['WS-IT-*']", true),
        ("source_device = ['ws-hr-*']", false),
        ("device = ['srv-db03.corp.example']", true),
        ("device = ['srv-app*']", false),
        ("device_id = ['d1']", true),
        ("device_id = ['d2']", false),
        ("command_line = ['*--trace']", true),
        ("command_line = ['*--quiet*']", false),
        ("parent_process = ['wmiprvse.exe']", true),
        ("parent_process = ['services.exe']", false),
        // fields combine with AND, values with OR
        (
            "file_name = ['debug.exe']\nparent_process = ['services.exe']",
            false,
        ),
        ("parent_process = ['services.exe', 'WmiPrvSE.exe']", true),
    ];
    for (body, want) in cases {
        assert_eq!(suppressed(body, &BASE), *want, "{body}");
    }
    // The IPv4-mapped form of an address matches the address and its CIDR.
    let mapped = Case {
        ip: "::ffff:10.20.4.31",
        ..BASE
    };
    assert!(suppressed("source_ip = ['10.20.4.31']", &mapped));
    assert!(suppressed("source_ip = ['10.20.4.0/24']", &mapped));
}

#[test]
fn bad_rule_files_are_refused_with_a_reason() {
    let bad = [
        ("[[rule]]\nid = \"a\"\nreason = \"x\"\n", "no condition"),
        ("[[rule]]\nid = \"a\"\nfile_name = ['x']\n", "reason"),
        ("[[rule]]\nid = \"a\"\nreason = \"x\"\nsource_ip = ['10.0.0.0/40']\n", "CIDR"),
        ("[[rule]]\nid = \"a\"\nreason = \"x\"\nfile_nam = ['x']\n", "file_nam"),
        ("[[rule]]\nid = \"a\"\nreason = \"x\"\nfile_name = ['x']\n[[rule]]\nid = \"a\"\nreason = \"y\"\nmd5 = ['m']\n", "twice"),
    ];
    for (text, want) in bad {
        let err = Allowlist::default().add_toml("t.toml", text).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
}

#[test]
fn every_preset_parses_and_suppresses_its_scenario_only() {
    for (name, text) in PRESETS {
        let mut list = Allowlist::default();
        list.add_toml(name, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!list.is_empty());
        assert!(
            std::fs::read_to_string(format!(
                "{}/../../presets/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
                == *text
        );
    }
    let with = |p: &str, c: &Case| {
        let mut list = Allowlist::default();
        list.add_toml(p, preset(p).unwrap()).unwrap();
        let d = data(c);
        let rows = d.rows(5);
        d.apply_allowlist(&rows, &list).kept.is_empty()
    };
    // the admin's debug build
    assert!(with("admin-debugging", &BASE));
    assert!(
        !with(
            "admin-debugging",
            &Case {
                account: "j.harris",
                ..BASE
            }
        ),
        "not an admin account"
    );
    assert!(
        !with(
            "admin-debugging",
            &Case {
                path: r"C:\ProgramData\debug.exe",
                ..BASE
            }
        ),
        "not a tools folder"
    );
    // a maintenance task
    let maint = Case {
        path: r"C:\Windows\Temp\MaintCache\msiexec.exe",
        parent: "svchost.exe",
        account: "svc-maint",
        ..BASE
    };
    assert!(with("maintenance-tasks", &maint));
    assert!(
        !with(
            "maintenance-tasks",
            &Case {
                parent: "services.exe",
                ..maint
            }
        ),
        "PsExec-style start"
    );
    // SCCM client push, cache and installers
    let push = Case {
        path: r"C:\Windows\ccmsetup\ccmsetup.exe",
        parent: "services.exe",
        ..BASE
    };
    assert!(with("software-deployment", &push));
    assert!(!with(
        "software-deployment",
        &Case {
            path: r"C:\Windows\ccmsetup\evil.exe",
            ..push
        }
    ));
    assert!(with(
        "software-deployment",
        &Case {
            path: r"C:\Windows\ccmcache\1a\setup.exe",
            ..BASE
        }
    ));
    assert!(with(
        "software-deployment",
        &Case {
            path: r"C:\Windows\IMECache\x\app.exe",
            ..BASE
        }
    ));
    assert!(with(
        "software-deployment",
        &Case {
            path: r"C:\Temp\pkg.MSI",
            ..BASE
        }
    ));
    // sync agents
    assert!(with(
        "file-sync-tools",
        &Case {
            parent: "SyncAgentSvc.exe",
            ..BASE
        }
    ));
    assert!(with(
        "file-sync-tools",
        &Case {
            parent: "Dropbox.exe",
            ..BASE
        }
    ));
    assert!(!with(
        "file-sync-tools",
        &Case {
            parent: "cmd.exe",
            ..BASE
        }
    ));
}

#[test]
fn a_chain_keeps_its_other_rows_and_shows_what_was_set_aside() {
    // Two logons: a rule on one account sets one row aside, the chain stays with the other.
    let n = format!(
        "{},d1,h,InboundConnectionAccepted,10.0.0.5,5000,x,445,Tcp",
        at(0)
    );
    let l1 = format!(
        "{},d1,h,LogonSuccess,Network,corp,alice,S1,NTLM,true,5,pc,10.0.0.5,0",
        at(S)
    );
    let l2 = format!(
        "{},d1,h,LogonSuccess,Network,corp,svc-push,S2,NTLM,true,6,pc,10.0.0.5,0",
        at(S)
    );
    let d = load(&[
        ("n.csv", csv(NET, &[n])),
        ("l.csv", csv(LOGON, &[l1, l2])),
        (
            "f.csv",
            csv(
                FILE,
                &[write(S, "d1", r"C:\x.exe", "FileCreated", "System")],
            ),
        ),
        ("p.csv", csv(PROC, &[start(2 * S, "d1", r"C:\x.exe", "x")])),
    ]);
    let mut list = Allowlist::default();
    list.add_toml(
        "t.toml",
        "[[rule]]\nid = \"push\"\nreason = \"push account\"\naccount = ['corp\\svc-push']\n",
    )
    .unwrap();
    let rows = d.rows(5);
    let f = d.apply_allowlist(&rows, &list);
    assert_eq!((f.kept.len(), f.set_aside.len()), (1, 1));
    let (chains, suppressed) = d.chains_with_allowlist(&f, &list, 5);
    assert_eq!((chains.len(), suppressed.len()), (1, 0));
    assert_eq!(chains[0].rows.len(), 1);
    assert_eq!(chains[0].set_aside.len(), 1);
    assert_eq!(chains[0].set_aside[0].rule, "push");
    let report = d.allowlist_report(&list, &f, &suppressed);
    assert_eq!((report.rows_kept, report.rows_set_aside), (1, 1));
}
