//! The same hunt on Windows' own logs: Security and Sysmon events, from EVTX files or from
//! JSON lines of flattened events (as KAPE, Velociraptor or Logstash pipelines export them).
//!
//! Each event that is one of the hunt's four steps becomes the same compact event a Defender
//! row becomes, so one correlation serves both:
//!
//! | step | events |
//! |---|---|
//! | inbound SMB connection | Sysmon 3 (`Initiated` false, `DestinationPort` 445); Security 5156 inbound to port 445 |
//! | logon | Security 4624 with a source address (4625 is counted as failed, never matched) |
//! | file written by the SMB server | Sysmon 11 by `System`; Security 5145 with WriteData or AppendData on a share |
//! | process start | Sysmon 1; Security 4688 |
//!
//! Two adaptations, marked on the chains they affect (see docs/semantics.md): paths compare
//! case-insensitively, and where no connection was logged for an address, the first share
//! access or network logon of each of its sessions stands in for it.

use super::ingest::{value_text, EventSink, StreamState};
use crate::schema::Table;
use crate::store::Loc;
use crate::store::{Access, FileEvent, LogonEvent, NetEvent, ProcEvent, Store, Sym};
use crate::time::{parse_stamp, Stamp, Ticks};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Which log an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Microsoft-Windows-Sysmon/Operational.
    Sysmon,
    /// Security (Microsoft-Windows-Security-Auditing).
    Security,
    /// Anything else.
    Other,
}

/// A Windows event, normalised from EVTX or from a flattened JSON line.
pub struct WinEvent<'a> {
    /// Which log.
    pub provider: Provider,
    /// Event id.
    pub event_id: u32,
    /// Computer name as logged.
    pub computer: Cow<'a, str>,
    /// The record's creation time.
    pub record_time: Option<Ticks>,
    /// Event data, flattened.
    pub data: &'a Map<String, Value>,
}

impl WinEvent<'_> {
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        self.data.get(name).filter(|v| !v.is_null()).map(value_text)
    }

    fn text(&self, name: &str) -> String {
        self.get(name).map(Cow::into_owned).unwrap_or_default()
    }

    /// Sysmon's own `UtcTime` where present (the record can be written seconds later), else the
    /// record's creation time. Windows writes UTC.
    fn time(&self) -> Option<Ticks> {
        if self.provider == Provider::Sysmon {
            if let Some(t) = self.get("UtcTime") {
                if let Ok(Stamp::Exact { at, .. }) = parse_stamp(&t, 0) {
                    return Some(at);
                }
            }
        }
        self.record_time
    }
}

/// Whether a flattened JSON object is a Windows event rather than a Defender row.
pub fn looks_like_windows_event(o: &Map<String, Value>) -> bool {
    o.contains_key("EventID")
        && (o.contains_key("Channel")
            || o.contains_key("SourceName")
            || o.contains_key("Provider_Name"))
        && !o.contains_key("DeviceId")
}

fn provider_of(channel: &str, source: &str) -> Provider {
    let c = channel.to_ascii_lowercase();
    let s = source.to_ascii_lowercase();
    if c.contains("sysmon") || s.contains("sysmon") {
        Provider::Sysmon
    } else if c == "security" || s == "microsoft-windows-security-auditing" {
        Provider::Security
    } else {
        Provider::Other
    }
}

/// A flattened JSON event (`EventID`, `Channel`, `Hostname`/`Computer`, `@timestamp` /
/// `TimeCreated` / `EventTime`, event data at the top level).
pub fn from_flat(o: &Map<String, Value>) -> Option<WinEvent<'_>> {
    let id = o.get("EventID").and_then(|v| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })? as u32;
    let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("");
    let provider = provider_of(
        s("Channel"),
        if s("SourceName").is_empty() {
            s("Provider_Name")
        } else {
            s("SourceName")
        },
    );
    let computer = ["Computer", "Hostname", "host_name", "ComputerName"]
        .iter()
        .map(|k| s(k))
        .find(|v| !v.is_empty())
        .unwrap_or("");
    let record_time = ["TimeCreated", "SystemTime", "@timestamp", "TimeGenerated"]
        .iter()
        .filter_map(|k| o.get(*k).and_then(Value::as_str))
        .find_map(|t| match parse_stamp(t, 0) {
            Ok(Stamp::Exact { at, .. }) => Some(at),
            _ => None,
        });
    Some(WinEvent {
        provider,
        event_id: id,
        computer: Cow::Borrowed(computer),
        record_time,
        data: o,
    })
}

/// The device key of a computer: its name before the first dot, lowercased, so that
/// `WORKSTATION6` and `workstation6.theshire.local` are one device.
pub fn device_key(computer: &str) -> String {
    computer
        .split('.')
        .next()
        .unwrap_or(computer)
        .trim()
        .to_lowercase()
}

/// Security's hexadecimal logon ids (`0x1375fbd`) as the decimal Defender uses.
fn logon_id(text: &str) -> String {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| t.to_string()),
        None => t.to_string(),
    }
}

fn no_dash(s: String) -> String {
    if s == "-" {
        String::new()
    } else {
        s
    }
}

fn is_true(s: &str) -> bool {
    s.eq_ignore_ascii_case("true") || s == "1"
}

/// 5145 asks for WriteData (0x2) or AppendData (0x4).
fn writes(access_mask: &str) -> bool {
    let t = access_mask.trim();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    };
    v.is_some_and(|m| m & 0x6 != 0)
}

/// `ShareLocalPath` without its `\??\` prefix, joined to `RelativeTargetName`.
fn share_path(local: &str, relative: &str) -> String {
    let local = local.strip_prefix(r"\??\").unwrap_or(local);
    let local = local.trim_end_matches('\\');
    format!("{local}\\{relative}")
}

fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// Sysmon's `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`), one algorithm.
pub fn hash(hashes: &str, algorithm: &str) -> String {
    hashes
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(algorithm))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// What a Windows event is to the hunt, with counts in `st`.
pub(crate) fn ingest(ev: &WinEvent<'_>, loc: Loc, sink: &mut EventSink<'_, '_>) {
    use Provider::*;
    let (store, st) = (&mut *sink.store, &mut *sink.st);
    let label = match ev.provider {
        Sysmon => "Sysmon",
        Security => "Security",
        Other => "other log",
    };
    let step = match (ev.provider, ev.event_id) {
        (Sysmon, 3) | (Security, 5156) => Some(Table::DeviceNetworkEvents),
        (Security, 4624) => Some(Table::DeviceLogonEvents),
        (Sysmon, 11) | (Security, 5145) => Some(Table::DeviceFileEvents),
        (Sysmon, 1) | (Security, 4688) => Some(Table::DeviceProcessEvents),
        _ => None,
    };
    if matches!((ev.provider, ev.event_id), (Security, 5140)) {
        record_access(ev, loc, store);
    }
    let Some(table) = step else {
        let what = if (ev.provider, ev.event_id) == (Security, 4625) {
            "Security 4625 (failed logon: shown, never matched)".to_string()
        } else {
            format!("{label} {}", ev.event_id)
        };
        st.other_table(what, loc.line);
        return;
    };
    let stats = &mut st.stats[table.index()];
    stats.read += 1;
    let Some(at) = ev.time() else {
        *stats
            .skipped
            .entry("no readable event time".into())
            .or_default() += 1;
        return;
    };
    let device_name = store.strings.intern(&ev.computer);
    let device = store.strings.intern(&device_key(&ev.computer));
    let filter = |st: &mut StreamState<'_>, why: &str| {
        *st.stats[table.index()]
            .filtered
            .entry(why.to_string())
            .or_default() += 1;
    };
    match (ev.provider, ev.event_id) {
        (Sysmon, 3) => {
            if is_true(&ev.text("Initiated")) || ev.text("DestinationPort").trim() != "445" {
                return filter(st, "not an inbound connection to port 445");
            }
            let ip = ev.text("SourceIp");
            if ip.is_empty() {
                return filter(st, "RemoteIP is empty");
            }
            push_net(
                store,
                loc,
                at,
                device,
                device_name,
                &ip,
                &ev.text("SourcePort"),
                &ev.text("Protocol"),
                false,
            );
        }
        (Security, 5156) => {
            let inbound = matches!(ev.text("Direction").as_str(), "%%14592" | "Inbound");
            if !inbound || ev.text("DestPort").trim() != "445" {
                return filter(st, "not an inbound connection to port 445");
            }
            let ip = ev.text("SourceAddress");
            if ip.is_empty() {
                return filter(st, "RemoteIP is empty");
            }
            let protocol = match ev.text("Protocol").trim() {
                "6" => "Tcp".to_string(),
                "17" => "Udp".to_string(),
                other => other.to_string(),
            };
            push_net(
                store,
                loc,
                at,
                device,
                device_name,
                &ip,
                &ev.text("SourcePort"),
                &protocol,
                false,
            );
        }
        (Security, 4624) => {
            let ip = no_dash(ev.text("IpAddress"));
            if ip.is_empty() {
                return filter(st, "logon without a source address");
            }
            record_access(ev, loc, store);
            let s = &mut store.strings;
            let e = LogonEvent {
                loc,
                at,
                device,
                remote_ip: s.intern(&ip),
                account_domain: s.intern(&ev.text("TargetDomainName")),
                account_name: s.intern(&ev.text("TargetUserName")),
                account_sid: s.intern(&ev.text("TargetUserSid")),
                logon_id: s.intern(&logon_id(&ev.text("TargetLogonId"))),
                remote_device_name: s.intern(&no_dash(ev.text("WorkstationName"))),
                is_local_admin: Sym::default(),
                action: s.intern("LogonSuccess"),
            };
            store.logons.push(e);
        }
        (Sysmon, 11) => {
            if !ev.text("Image").eq_ignore_ascii_case("System") {
                return filter(st, "not written by System");
            }
            let path = ev.text("TargetFilename");
            push_file(store, loc, at, device, device_name, &path, "FileCreated");
        }
        (Security, 5145) => {
            record_access(ev, loc, store);
            let relative = ev.text("RelativeTargetName");
            let local = ev.text("ShareLocalPath");
            if !writes(&ev.text("AccessMask")) || relative.is_empty() || local.is_empty() {
                return filter(st, "share access without WriteData or AppendData on a file");
            }
            let path = share_path(&local, &relative);
            push_file(
                store,
                loc,
                at,
                device,
                device_name,
                &path,
                "WriteData (5145)",
            );
        }
        (Sysmon, 1) | (Security, 4688) => {
            let (image, parent) = if ev.provider == Sysmon {
                (ev.text("Image"), ev.text("ParentImage"))
            } else {
                (ev.text("NewProcessName"), ev.text("ParentProcessName"))
            };
            let s = &mut store.strings;
            let e = ProcEvent {
                loc,
                at,
                device,
                folder_path: s.intern(&image),
                path_key: s.intern(&image.to_lowercase()),
                command_line: s.intern(&ev.text("CommandLine")),
                parent: s.intern(file_name(&parent)),
            };
            store.procs.push(e);
        }
        _ => unreachable!("only the four steps reach here"),
    }
    st.stats[table.index()].used += 1;
}

#[allow(clippy::too_many_arguments)]
fn push_net(
    store: &mut Store,
    loc: Loc,
    at: Ticks,
    device: Sym,
    device_name: Sym,
    ip: &str,
    port: &str,
    protocol: &str,
    inferred: bool,
) {
    let s = &mut store.strings;
    let e = NetEvent {
        loc,
        at,
        device,
        remote_ip: s.intern(ip),
        device_name,
        remote_port: s.intern(port.trim()),
        protocol: s.intern(protocol),
        // Windows logs identify the local host by name (`Computer`), not by address.
        local_ip: Sym::default(),
        inferred,
    };
    store.net.push(e);
    store.real_connections.insert((device, e.remote_ip));
}

fn push_file(
    store: &mut Store,
    loc: Loc,
    at: Ticks,
    device: Sym,
    device_name: Sym,
    path: &str,
    action: &str,
) {
    let s = &mut store.strings;
    let e = FileEvent {
        loc,
        at,
        device,
        folder_path: s.intern(path),
        path_key: s.intern(&path.to_lowercase()),
        action: s.intern(action),
        device_name,
        file_name: s.intern(file_name(path)),
        sha1: Sym::default(),
        sha256: Sym::default(),
        md5: Sym::default(),
    };
    store.files.push(e);
}

/// Remembers a share access or network logon: it may have to stand in for a connection.
fn record_access(ev: &WinEvent<'_>, loc: Loc, store: &mut Store) {
    let ip = no_dash(ev.text("IpAddress"));
    let Some(at) = ev.time() else { return };
    if ip.is_empty() {
        return;
    }
    let session = if ev.event_id == 4624 {
        ev.text("TargetLogonId")
    } else {
        ev.text("SubjectLogonId")
    };
    let s = &mut store.strings;
    store.accesses.push(Access {
        loc,
        at,
        device: s.intern(&device_key(&ev.computer)),
        device_name: s.intern(&ev.computer),
        address: s.intern(&ip),
        port: s.intern(ev.text("IpPort").trim()),
        session: s.intern(&logon_id(&session)),
    });
}

/// Adds a stand-in connection for each session of an address that has no logged connection
/// on that device: at the session's first share access or network logon.
pub(crate) fn infer_connections(store: &mut Store) {
    use std::collections::BTreeMap;
    let mut first: BTreeMap<(Sym, Sym, Sym), Access> = BTreeMap::new();
    for a in &store.accesses {
        if store.real_connections.contains(&(a.device, a.address)) {
            continue;
        }
        first
            .entry((a.device, a.address, a.session))
            .and_modify(|f| {
                if (a.at, a.loc) < (f.at, f.loc) {
                    *f = *a;
                }
            })
            .or_insert(*a);
    }
    for a in first.into_values() {
        store.net.push(NetEvent {
            loc: a.loc,
            at: a.at,
            device: a.device,
            remote_ip: a.address,
            device_name: a.device_name,
            remote_port: a.port,
            protocol: Sym::default(),
            local_ip: Sym::default(),
            inferred: true,
        });
    }
    store.accesses.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            share_path(r"\??\C:\Windows", "PSEXESVC.exe"),
            r"C:\Windows\PSEXESVC.exe"
        );
        assert_eq!(
            share_path(r"\??\C:\", r"ProgramData\x.exe"),
            r"C:\ProgramData\x.exe"
        );
        assert!(writes("0x120196"));
        assert!(writes("0x2"));
        assert!(writes("0x4"));
        assert!(!writes("0x80"));
        assert!(!writes("0x1"));
        assert_eq!(logon_id("0x1375fbd"), "20406205");
        assert_eq!(device_key("WORKSTATION6.theshire.local"), "workstation6");
        assert_eq!(hash("SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD", "sha256"), "CC");
    }
}
