//! A CSV or JSON-lines export read in pieces (as the app's workers and the CLI's threads read a
//! large one) must merge into what one reader reads: the same events, lines, bytes and
//! reports. The first byte picks the header (one of the hunt's tables, a union, or JSON lines)
//! and how many pieces; the rest are the rows.
#![no_main]
use libfuzzer_sys::fuzz_target;

const HEADERS: [&str; 6] = [
    "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol\n",
    "Timestamp,DeviceId,DeviceName,ActionType,LogonType,AccountDomain,AccountName,AccountSid,IsLocalAdmin,LogonId,RemoteDeviceName,RemoteIP\n",
    "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,SHA1,SHA256,MD5,InitiatingProcessFileName,InitiatingProcessFolderPath,ShareName\n",
    "Timestamp,DeviceId,DeviceName,FolderPath,ProcessCommandLine,ProcessId,InitiatingProcessFileName\r\n",
    "Type,Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,LocalPort,FolderPath,FileName,InitiatingProcessFileName,ProcessCommandLine,AccountName\n",
    "{\"Timestamp\":\"2024-03-11T08:00:00Z\",\"DeviceId\":\"d1\",\"FolderPath\":\"C:\\\\x.exe\",\"ProcessCommandLine\":\"x\"}\n",
];

fuzz_target!(|data: &[u8]| {
    let (sel, rows) = data.split_first().unwrap_or((&0, data));
    let mut file = HEADERS[*sel as usize % 6].as_bytes().to_vec();
    file.extend_from_slice(rows);
    let pieces = 2 + u32::from(*sel / 6 % 6);
    copyexec_fuzz::pieces_agree(&file, pieces, copyexec_fuzz::options(*sel / 36));
});
