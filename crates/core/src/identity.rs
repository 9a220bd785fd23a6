//! Which file a chain is about, as one key: the same program copied to many devices (or under
//! many names) is one file when its hashes agree.
//!
//! The strongest identity the write events carry wins: SHA256, else SHA1, else MD5, else the
//! file name lowercased (Windows names are case-insensitive). Exports and groupings that need
//! "the same file" ask [`file_identity`] so they all agree.

use crate::chains::Chain;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a file identity is made of, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// SHA-256 of the written file.
    Sha256,
    /// SHA-1.
    Sha1,
    /// MD5.
    Md5,
    /// No hash known: the file name, lowercased.
    FileName,
}

impl IdentityKind {
    /// The serialized name: `sha256`, `sha1`, `md5` or `file_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Sha256 => "sha256",
            IdentityKind::Sha1 => "sha1",
            IdentityKind::Md5 => "md5",
            IdentityKind::FileName => "file_name",
        }
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The file `chain` copied and ran: its kind and value. Hashes are lowercased (exports write
/// them in either case) and trimmed; a value of blanks counts as absent.
pub fn file_identity(chain: &Chain) -> (IdentityKind, String) {
    let pick = |kind: IdentityKind, v: &str| {
        let v = v.trim();
        (!v.is_empty()).then(|| (kind, v.to_lowercase()))
    };
    pick(IdentityKind::Sha256, &chain.sha256)
        .or_else(|| pick(IdentityKind::Sha1, &chain.sha1))
        .or_else(|| pick(IdentityKind::Md5, &chain.md5))
        .unwrap_or_else(|| (IdentityKind::FileName, file_name(chain).to_lowercase()))
}

/// The chain's file name; when the write carried none, the last component of its path.
fn file_name(chain: &Chain) -> &str {
    if !chain.file_name.trim().is_empty() {
        return &chain.file_name;
    }
    chain
        .folder_path
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(&chain.folder_path)
}

impl Chain {
    /// [`file_identity`] of this chain.
    pub fn file_identity(&self) -> (IdentityKind, String) {
        file_identity(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chains::{Event, SourceRef};
    use crate::schema::Table;

    fn chain(sha256: &str, sha1: &str, md5: &str, name: &str, path: &str) -> Chain {
        let start = Event {
            id: "p0".into(),
            table: Table::DeviceProcessEvents,
            timestamp: String::new(),
            ticks: 0,
            unix_ms: 0.0,
            offset_ticks: 0,
            source: SourceRef {
                file: String::new(),
                line: 1,
                record: 0,
            },
            key: Vec::new(),
            fields: Vec::new(),
        };
        Chain {
            id: "c1".into(),
            device_id: "d".into(),
            device_name: "h".into(),
            folder_path: path.into(),
            file_name: name.into(),
            sha256: sha256.into(),
            sha1: sha1.into(),
            md5: md5.into(),
            remote_ips: Vec::new(),
            accounts: Vec::new(),
            start,
            writes: Vec::new(),
            connections: Vec::new(),
            logons: Vec::new(),
            rows: Vec::new(),
            span_ticks: 0,
            notes: Vec::new(),
            set_aside: Vec::new(),
            suppressed_by: Vec::new(),
        }
    }

    #[test]
    fn strongest_identity_wins() {
        let c = chain("AB12", "cd", "ef", "X.exe", "C:\\X.exe");
        assert_eq!(file_identity(&c), (IdentityKind::Sha256, "ab12".into()));
        let c = chain(" ", "CD", "ef", "X.exe", "C:\\X.exe");
        assert_eq!(file_identity(&c), (IdentityKind::Sha1, "cd".into()));
        let c = chain("", "", "EF", "X.exe", "C:\\X.exe");
        assert_eq!(c.file_identity(), (IdentityKind::Md5, "ef".into()));
        let c = chain("", "", "", "PSEXESVC.EXE", "C:\\Windows\\PSEXESVC.EXE");
        assert_eq!(
            file_identity(&c),
            (IdentityKind::FileName, "psexesvc.exe".into())
        );
    }

    #[test]
    fn no_file_name_falls_back_to_the_path() {
        let c = chain("", "", "", "", "C:\\Windows\\Temp\\Evil.EXE");
        assert_eq!(
            file_identity(&c),
            (IdentityKind::FileName, "evil.exe".into())
        );
    }

    #[test]
    fn kinds_serialize_as_documented() {
        let names: Vec<String> = [
            IdentityKind::Sha256,
            IdentityKind::Sha1,
            IdentityKind::Md5,
            IdentityKind::FileName,
        ]
        .iter()
        .map(|k| serde_json::to_string(k).unwrap())
        .collect();
        assert_eq!(
            names,
            ["\"sha256\"", "\"sha1\"", "\"md5\"", "\"file_name\""]
        );
        assert_eq!(IdentityKind::FileName.to_string(), "file_name");
    }
}
