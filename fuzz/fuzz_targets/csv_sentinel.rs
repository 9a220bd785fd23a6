//! Sentinel / Log Analytics CSV (` [UTC]` headers, TenantId): the header of one of the hunt's tables (or a union) chosen by the first byte,
//! then fuzzed rows.
#![no_main]
use libfuzzer_sys::fuzz_target;

const COLUMNS: [&str; 5] = [
    "DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol",
    "DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP",
    "DeviceId,DeviceName,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,InitiatingProcessFileName,InitiatingProcessFolderPath,ShareName",
    "DeviceId,DeviceName,FolderPath,ProcessCommandLine,ProcessId,InitiatingProcessFileName",
    "Type,DeviceId,DeviceName,ActionType,RemoteIP,LocalPort,FolderPath,FileName,InitiatingProcessFileName,ProcessCommandLine,AccountName",
];

fuzz_target!(|data: &[u8]| {
    let (sel, rows) = data.split_first().unwrap_or((&0, data));
    let mut file = format!("{}{},{}{}", "", "TimeGenerated [UTC],Timestamp [UTC],TenantId", COLUMNS[*sel as usize % 5], "\n").into_bytes();
    file.extend_from_slice(rows);
    copyexec_fuzz::hunt(&[("export.csv", &file)], copyexec_fuzz::options(*sel / 5));
});
