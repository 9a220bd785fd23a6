//! MITRE ATT&CK techniques a chain evidences, each with the facts that show it.
//!
//! Every chain is, by the query's construction, an inbound SMB connection with a logon from
//! its address, a file written by the kernel's SMB server and a process started from that
//! path: SMB/Windows Admin Shares (T1021.002) and Lateral Tool Transfer (T1570). How the
//! program was started is claimed only when the start's own fields show it: its parent
//! (`InitiatingProcessFileName`) or a known remote-execution service binary. Nothing is
//! claimed from the file name alone beyond those services.

use copyexec_core::chains::{Chain, Event};

/// A piece of an explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Our wording.
    Text(&'static str),
    /// A value from the logs (shown as inert code).
    Value(String),
}

/// A technique and why the chain shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Technique {
    /// `T1021.002`.
    pub id: &'static str,
    /// `Remote Services: SMB/Windows Admin Shares`.
    pub name: &'static str,
    /// The tactic it serves in a chain, as ATT&CK's short name (`lateral-movement`).
    pub tactic: &'static str,
    /// The evidence, in words and values.
    pub because: Vec<Part>,
}

/// Remote-execution tools' service binaries (lower case): a start of one of these is a
/// service start.
const SERVICE_BINARIES: &[(&str, &str)] = &[
    ("psexesvc", "PsExec's service binary"),
    ("remcomsvc", "RemCom's service binary"),
    ("paexec", "PAExec's service binary"),
    ("csexecsvc", "CSExec's service binary"),
    ("winexesvc", "winexe's service binary"),
];

/// The value of `name` in an event (its key values, then its original fields), any case;
/// a device timeline's space-named columns (`Initiating Process File Name`) count too.
pub fn field<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
    let same = |k: &str| {
        k.eq_ignore_ascii_case(name)
            || (k.contains(' ')
                && k.chars()
                    .filter(|c| *c != ' ')
                    .map(|c| c.to_ascii_lowercase())
                    .eq(name.chars().map(|c| c.to_ascii_lowercase())))
    };
    e.key
        .iter()
        .chain(&e.fields)
        .find(|(k, _)| same(k))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = values
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

fn list(parts: &mut Vec<Part>, values: Vec<String>) {
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            parts.push(Part::Text(", "));
        }
        parts.push(Part::Value(v));
    }
}

/// The techniques `chain` evidences, in a fixed order.
pub fn techniques(chain: &Chain) -> Vec<Technique> {
    let mut out = Vec::new();

    // T1021.002: the SMB session itself.
    let mut b = vec![Part::Text("inbound connection to port 445 (SMB) from ")];
    list(&mut b, chain.remote_ips.clone());
    b.push(Part::Text(", logon from that address"));
    if !chain.accounts.is_empty() {
        b.push(Part::Text(" as "));
        list(&mut b, chain.accounts.clone());
    }
    let logon_types = distinct(chain.logons.iter().filter_map(|e| field(e, "LogonType")));
    if !logon_types.is_empty() {
        b.push(Part::Text(" (logon type "));
        list(&mut b, logon_types);
        b.push(Part::Text(")"));
    }
    let shares = distinct(chain.writes.iter().filter_map(|e| field(e, "ShareName")));
    b.push(Part::Text(
        ", and the file written by the kernel's SMB server",
    ));
    if !shares.is_empty() {
        let admin = shares.iter().any(|s| s.ends_with('$'));
        b.push(Part::Text(if admin {
            " through the administrative share "
        } else {
            " through the share "
        }));
        list(&mut b, shares);
    }
    out.push(Technique {
        id: "T1021.002",
        name: "Remote Services: SMB/Windows Admin Shares",
        tactic: "lateral-movement",
        because: b,
    });

    // T1570: a file copied in over SMB and run.
    let mut b = vec![Part::Value(chain.folder_path.clone())];
    let writers = distinct(chain.writes.iter().filter_map(|e| {
        field(e, "InitiatingProcessFileName").or_else(|| field(e, "InitiatingProcessFolderPath"))
    }));
    b.push(Part::Text(" written over SMB"));
    if !writers.is_empty() {
        b.push(Part::Text(" by "));
        list(&mut b, writers);
    }
    b.push(Part::Text(" and started from the same path"));
    out.push(Technique {
        id: "T1570",
        name: "Lateral Tool Transfer",
        tactic: "lateral-movement",
        because: b,
    });

    // How it was started: only from the start's own fields.
    let start = &chain.start;
    let parent = field(start, "InitiatingProcessFileName").unwrap_or("");
    let parent_cmd = field(start, "InitiatingProcessCommandLine").unwrap_or("");
    let image = [
        field(start, "FileName").unwrap_or(""),
        field(start, "FolderPath").unwrap_or(""),
        field(start, "ProcessCommandLine").unwrap_or(""),
    ];
    let mut service = Vec::new();
    if parent.eq_ignore_ascii_case("services.exe") {
        service.push(Part::Text("started by "));
        service.push(Part::Value(parent.to_string()));
        service.push(Part::Text(" (the Service Control Manager)"));
    }
    let lower: Vec<String> = image.iter().map(|s| s.to_lowercase()).collect();
    if let Some((bin, what)) = SERVICE_BINARIES
        .iter()
        .find(|(bin, _)| lower.iter().any(|s| s.contains(bin)))
    {
        let shown = image
            .iter()
            .zip(&lower)
            .find(|(_, l)| l.contains(bin))
            .map(|(s, _)| s.to_string())
            .unwrap_or_default();
        if !service.is_empty() {
            service.push(Part::Text("; "));
        }
        service.push(Part::Value(crate::text::short(&shown, 200)));
        service.push(Part::Text(" is "));
        service.push(Part::Text(what));
    }
    if !service.is_empty() {
        out.push(Technique {
            id: "T1569.002",
            name: "System Services: Service Execution",
            tactic: "execution",
            because: service,
        });
    }
    let by_parent = |names: &[&str]| names.iter().any(|n| parent.eq_ignore_ascii_case(n));
    if by_parent(&["wmiprvse.exe"]) {
        out.push(Technique {
            id: "T1047",
            name: "Windows Management Instrumentation",
            tactic: "execution",
            because: vec![
                Part::Text("started by "),
                Part::Value(parent.to_string()),
                Part::Text(" (the WMI provider host)"),
            ],
        });
    }
    if by_parent(&["wsmprovhost.exe", "winrshost.exe"]) {
        out.push(Technique {
            id: "T1021.006",
            name: "Remote Services: Windows Remote Management",
            tactic: "lateral-movement",
            because: vec![
                Part::Text("started by "),
                Part::Value(parent.to_string()),
                Part::Text(" (the WinRM host)"),
            ],
        });
    }
    let schedule = parent_cmd.to_ascii_lowercase().contains("-s schedule");
    if by_parent(&["taskeng.exe", "taskhostw.exe"]) || schedule {
        out.push(Technique {
            id: "T1053.005",
            name: "Scheduled Task/Job: Scheduled Task",
            tactic: "execution",
            because: vec![
                Part::Text("started by "),
                Part::Value(if schedule { parent_cmd } else { parent }.to_string()),
                Part::Text(" (the Task Scheduler)"),
            ],
        });
    }
    out
}
