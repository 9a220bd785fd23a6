//! A generated fleet: one software push from a management server to every workstation, with a
//! small intrusion hidden in it, as four portal CSV exports.
//!
//! - **The push.** `sccm1` copies [`INSTALLERS`] installers to each of `workstations` hosts
//!   (`ws0001`…), two minutes apart per host, over the evening: `workstations × 5` chains, one
//!   file group per installer, each touching every workstation.
//! - **The intrusion.** 6 chains: the unmanaged address [`INTRUDER`] → `ws0007` (two tools),
//!   then `ws0007` → `srv-fs1` → `dc1`, and `ws0007` → `srv-db1` and `ws0012`.
//! - **The time trap.** A backup agent copied from `dc1` to `srv-db1` at 09:00, before the
//!   intruder reached `dc1` (10:40): it is not part of a path from the intruder.
//! - **Noise.** Connections to other ports, logons without a copy, writes by other processes:
//!   rows the query's own filters drop.
//!
//! Every host owns its address in the data (inbound connections carry `LocalIP`), so sources
//! resolve by address; the push's logons also name `SCCM1` (resolved by name).

use std::fmt::Write as _;

/// The intruder's address: not a device of the data.
pub const INTRUDER: &str = "10.66.6.6";
/// Installers the push copies to every workstation.
pub const INSTALLERS: [&str; 5] = [
    "ccmsetup.exe",
    "agentinstall.exe",
    "office_update.exe",
    "vcredist_x64.exe",
    "edgeupdate.exe",
];
/// Chains of the intrusion.
pub const INTRUSION_CHAINS: usize = 6;

/// The four exports of a fleet.
pub struct Fleet {
    /// DeviceNetworkEvents CSV.
    pub net: String,
    /// DeviceLogonEvents CSV.
    pub logon: String,
    /// DeviceFileEvents CSV.
    pub file: String,
    /// DeviceProcessEvents CSV.
    pub proc_: String,
}

impl Fleet {
    /// `(file name, contents)` of each export.
    pub fn files(&self) -> [(&'static str, &str); 4] {
        [
            ("DeviceNetworkEvents.csv", &self.net),
            ("DeviceLogonEvents.csv", &self.logon),
            ("DeviceFileEvents.csv", &self.file),
            ("DeviceProcessEvents.csv", &self.proc_),
        ]
    }
}

struct Host {
    name: String,
    id: String,
    ip: String,
}

fn host(name: &str, ip: String) -> Host {
    // A stable 40-hex DeviceId from the name (FNV-1a, repeated).
    let mut id = String::new();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    while id.len() < 40 {
        for b in name.bytes().chain(id.len().to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let _ = write!(id, "{h:016x}");
    }
    id.truncate(40);
    Host {
        name: format!("{name}.corp.example"),
        id,
        ip,
    }
}

fn sha256_of(name: &str) -> String {
    let mut out = String::new();
    let mut h: u64 = 0x8422_2325_cbf2_9ce4;
    for i in 0..4u8 {
        for b in name.bytes().chain([i]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let _ = write!(out, "{h:016x}");
    }
    out
}

/// `2024-11-05T20:00:00.1234567Z` for `seconds` after 2024-11-05T00:00:00Z plus `ticks`.
fn stamp(seconds: u64, ticks: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("2024-11-05T{h:02}:{m:02}:{s:02}.{ticks:07}Z")
}

struct Writer {
    fleet: Fleet,
    logon_id: u64,
    pid: u64,
}

impl Writer {
    #[allow(clippy::too_many_arguments)]
    fn chain(
        &mut self,
        at: u64,
        target: &Host,
        from_ip: &str,
        from_name: &str,
        account: &str,
        path: &str,
        args: &str,
    ) {
        let file_name = path.rsplit('\\').next().unwrap_or(path);
        let f = &mut self.fleet;
        self.logon_id += 1;
        self.pid += 4;
        let _ = writeln!(
            f.net,
            "{},{},{},InboundConnectionAccepted,{from_ip},{},{},445,Tcp",
            stamp(at, 1_000_000),
            target.id,
            target.name,
            49_152 + self.pid % 16_000,
            target.ip
        );
        let _ = writeln!(
            f.logon,
            "{},{},{},LogonSuccess,Network,corp,{account},S-1-5-21-1004-{},{},{from_ip},{from_name},true",
            stamp(at, 3_000_000),
            target.id,
            target.name,
            account.len() * 1000 + account.bytes().map(usize::from).sum::<usize>(),
            self.logon_id
        );
        let _ = writeln!(
            f.file,
            "{},{},{},FileCreated,{file_name},{path},,{},,System,,ADMIN$",
            stamp(at + 1, 0),
            target.id,
            target.name,
            sha256_of(file_name)
        );
        let _ = writeln!(
            f.proc_,
            "{},{},{},ProcessCreated,{file_name},{path},\"\"\"{path}\"\" {args}\",{},services.exe",
            stamp(at + 2, 5_000_000),
            target.id,
            target.name,
            self.pid
        );
    }

    fn noise(&mut self, at: u64, h: &Host, other: &Host) {
        let f = &mut self.fleet;
        let _ = writeln!(
            f.net,
            "{},{},{},ConnectionSuccess,{},443,{},50{},Tcp",
            stamp(at, 0),
            h.id,
            h.name,
            other.ip,
            h.ip,
            at % 1000
        );
        // A share read from the management server: a connection into sccm1 with no copy.
        let _ = writeln!(
            f.net,
            "{},{},{},InboundConnectionAccepted,{},50{},{},445,Tcp",
            stamp(at + 7, 0),
            other.id,
            other.name,
            h.ip,
            at % 1000,
            other.ip
        );
        let _ = writeln!(
            f.file,
            "{},{},{},FileModified,notes.txt,C:\\Users\\u\\notes.txt,,,,notepad.exe,C:\\Windows\\notepad.exe,",
            stamp(at + 30, 0),
            h.id,
            h.name
        );
    }
}

/// The fleet with `workstations` workstations (at least 12).
pub fn generate(workstations: usize) -> Fleet {
    let workstations = workstations.max(12);
    let ws: Vec<Host> = (1..=workstations)
        .map(|i| {
            host(
                &format!("ws{i:04}"),
                format!("10.1.{}.{}", i / 250, i % 250 + 2),
            )
        })
        .collect();
    let sccm = host("sccm1", "10.0.0.10".into());
    let fs = host("srv-fs1", "10.0.1.21".into());
    let db = host("srv-db1", "10.0.1.22".into());
    let dc = host("dc1", "10.0.1.5".into());
    let mut w = Writer {
        fleet: Fleet {
            net: "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol\n".into(),
            logon: "Timestamp,DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,LogonId,RemoteIP,RemoteDeviceName,IsLocalAdmin\n".into(),
            file: "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,InitiatingProcessFileName,InitiatingProcessFolderPath,ShareName\n".into(),
            proc_: "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,ProcessId,InitiatingProcessFileName\n".into(),
        },
        logon_id: 0x3e7_0000,
        pid: 1000,
    };
    // The time trap: dc1 → srv-db1 at 09:00, before the intruder reached dc1.
    w.chain(
        9 * 3600,
        &db,
        &dc.ip,
        "DC1",
        "svc-backup",
        r"C:\Program Files\Backup\bkagent.exe",
        "/install",
    );
    // The intrusion, 10:05–10:50.
    let intrusion: [(u64, &Host, &str, &str, &str, &str); INTRUSION_CHAINS] = [
        (
            10 * 3600 + 300,
            &ws[6],
            INTRUDER,
            "",
            "adm-jdoe",
            r"C:\Windows\Temp\svc.exe",
        ),
        (
            10 * 3600 + 420,
            &ws[6],
            INTRUDER,
            "",
            "adm-jdoe",
            r"C:\Windows\mimi.exe",
        ),
        (
            10 * 3600 + 1200,
            &fs,
            &ws[6].ip,
            "WS0007",
            "adm-jdoe",
            r"C:\Windows\Temp\svc.exe",
        ),
        (
            10 * 3600 + 2400,
            &dc,
            &fs.ip,
            "SRV-FS1",
            "adm-jdoe",
            r"C:\Windows\Temp\svc.exe",
        ),
        (
            10 * 3600 + 1800,
            &db,
            &ws[6].ip,
            "WS0007",
            "adm-jdoe",
            r"C:\Windows\Temp\svc.exe",
        ),
        (
            10 * 3600 + 2700,
            &ws[11],
            &ws[6].ip,
            "WS0007",
            "adm-jdoe",
            r"C:\Windows\Temp\svc.exe",
        ),
    ];
    for (at, target, ip, name, account, path) in intrusion {
        w.chain(at, target, ip, name, account, path, "-k");
    }
    // The push, 20:00 onwards: each host gets every installer, two minutes apart.
    for (i, h) in ws.iter().enumerate() {
        let base = 20 * 3600 + (i as u64 * 3) % 7200;
        for (k, inst) in INSTALLERS.iter().enumerate() {
            w.chain(
                base + k as u64 * 120,
                h,
                &sccm.ip,
                "SCCM1",
                "svc-sccmpush",
                &format!(r"C:\Windows\ccmcache\{inst}"),
                "/quiet",
            );
        }
        w.noise(8 * 3600 + i as u64 % 3600, h, &sccm);
    }
    w.fleet
}
