//! The four Advanced Hunting tables the query reads, and the columns it needs from each.
//!
//! One typed table ([`Col`]) says which source column feeds each value, under which names
//! exports write it (portal and API use the schema name; Sentinel adds ` [UTC]` to datetime
//! headers; a KQL `union` of tables whose types differ writes `Name_type`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A table of the hunt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Table {
    /// Inbound SMB connections.
    DeviceNetworkEvents,
    /// Logons from the connecting address.
    DeviceLogonEvents,
    /// Files written by the kernel's SMB server.
    DeviceFileEvents,
    /// Processes started from the written path.
    DeviceProcessEvents,
}

impl Table {
    /// All four, in the query's join order.
    pub const ALL: [Table; 4] = [
        Table::DeviceNetworkEvents,
        Table::DeviceLogonEvents,
        Table::DeviceFileEvents,
        Table::DeviceProcessEvents,
    ];

    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            Table::DeviceNetworkEvents => "DeviceNetworkEvents",
            Table::DeviceLogonEvents => "DeviceLogonEvents",
            Table::DeviceFileEvents => "DeviceFileEvents",
            Table::DeviceProcessEvents => "DeviceProcessEvents",
        }
    }

    /// Index in [`Table::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The table named `name` (case-insensitive), if it is one of the four.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The step of the hunt this table holds, for sources that are not Defender tables.
    pub fn step(self) -> &'static str {
        match self {
            Table::DeviceNetworkEvents => "connection",
            Table::DeviceLogonEvents => "logon",
            Table::DeviceFileEvents => "write",
            Table::DeviceProcessEvents => "start",
        }
    }

    /// The table whose rows carry this `ActionType`, used to split `union` exports that have no
    /// table column. The lists are the documented action types of each table.
    pub fn from_action_type(action: &str) -> Option<Table> {
        const NETWORK: &[&str] = &[
            "ConnectionSuccess",
            "ConnectionFailed",
            "ConnectionAttempt",
            "ConnectionRequest",
            "ConnectionFound",
            "ConnectionAcknowledged",
            "InboundConnectionAccepted",
            "ListeningConnectionCreated",
            "InboundInternetScanInspected",
            "NetworkSignatureInspected",
        ];
        const LOGON: &[&str] = &["LogonSuccess", "LogonFailed", "LogonAttempted"];
        const FILE: &[&str] = &["FileCreated", "FileModified", "FileDeleted", "FileRenamed"];
        if NETWORK.contains(&action)
            || (action.ends_with("ConnectionInspected") && !action.contains(' '))
        {
            Some(Table::DeviceNetworkEvents)
        } else if LOGON.contains(&action) {
            Some(Table::DeviceLogonEvents)
        } else if FILE.contains(&action) {
            Some(Table::DeviceFileEvents)
        } else if action == "ProcessCreated" {
            Some(Table::DeviceProcessEvents)
        } else {
            None
        }
    }

    /// Columns found only in this table among the four (and in the wider Defender schema
    /// mostly only here too): a header holding them says which table a file is.
    pub fn exclusive_columns(self) -> &'static [&'static str] {
        match self {
            Table::DeviceNetworkEvents => &["LocalPort", "LocalIP", "LocalIPType", "RemoteUrl"],
            Table::DeviceLogonEvents => &["LogonType", "FailureReason", "IsLocalAdmin"],
            Table::DeviceFileEvents => &[
                "FileOriginUrl",
                "FileOriginReferrerUrl",
                "FileOriginIP",
                "PreviousFolderPath",
                "PreviousFileName",
                "RequestSourceIP",
                "RequestAccountName",
                "ShareName",
                "SensitivityLabel",
            ],
            Table::DeviceProcessEvents => &[
                "ProcessCommandLine",
                "ProcessId",
                "ProcessCreationTime",
                "ProcessIntegrityLevel",
                "ProcessVersionInfoCompanyName",
            ],
        }
    }

    /// Columns the hunt reads from this table, in [`Col`] order.
    pub fn columns(self) -> &'static [Col] {
        use Col::*;
        match self {
            Table::DeviceNetworkEvents => &[
                Timestamp, DeviceId, DeviceName, RemoteIP, RemotePort, LocalPort, Protocol,
            ],
            Table::DeviceLogonEvents => &[
                Timestamp,
                DeviceId,
                RemoteIP,
                AccountDomain,
                AccountName,
                AccountSid,
                LogonId,
                RemoteDeviceName,
                IsLocalAdmin,
            ],
            Table::DeviceFileEvents => &[
                Timestamp,
                DeviceId,
                DeviceName,
                ActionType,
                InitiatingProcessFileName,
                InitiatingProcessFolderPath,
                FileName,
                FolderPath,
                SHA1,
                SHA256,
                MD5,
            ],
            Table::DeviceProcessEvents => &[
                Timestamp,
                DeviceId,
                FolderPath,
                ProcessCommandLine,
                InitiatingProcessFileName,
            ],
        }
    }

    /// Columns without which no row of this table can take part in the query.
    pub fn required(self) -> &'static [Col] {
        use Col::*;
        match self {
            Table::DeviceNetworkEvents => &[Timestamp, DeviceId, RemoteIP, LocalPort],
            Table::DeviceLogonEvents => &[Timestamp, DeviceId, RemoteIP],
            Table::DeviceFileEvents => &[Timestamp, DeviceId, ActionType, FolderPath],
            Table::DeviceProcessEvents => &[Timestamp, DeviceId, FolderPath],
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A column the hunt reads. The same name in two tables is one variant: the table decides
/// which of them a value comes from.
#[allow(missing_docs, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    Timestamp,
    DeviceId,
    DeviceName,
    ActionType,
    RemoteIP,
    RemotePort,
    LocalPort,
    LocalIP,
    Protocol,
    AccountDomain,
    AccountName,
    AccountSid,
    LogonId,
    RemoteDeviceName,
    IsLocalAdmin,
    InitiatingProcessFileName,
    InitiatingProcessFolderPath,
    FileName,
    FolderPath,
    SHA1,
    SHA256,
    MD5,
    ProcessCommandLine,
}

/// How a column's values are typed in the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `datetime`.
    Datetime,
    /// `string`: never null in Kusto; a missing value is the empty string.
    Text,
    /// `int` / `long`: nullable.
    Integer,
    /// `bool`: nullable.
    Boolean,
}

impl Col {
    /// Number of variants.
    pub const COUNT: usize = Col::ProcessCommandLine as usize + 1;

    /// The schema name.
    pub fn name(self) -> &'static str {
        use Col::*;
        match self {
            Timestamp => "Timestamp",
            DeviceId => "DeviceId",
            DeviceName => "DeviceName",
            ActionType => "ActionType",
            RemoteIP => "RemoteIP",
            RemotePort => "RemotePort",
            LocalPort => "LocalPort",
            LocalIP => "LocalIP",
            Protocol => "Protocol",
            AccountDomain => "AccountDomain",
            AccountName => "AccountName",
            AccountSid => "AccountSid",
            LogonId => "LogonId",
            RemoteDeviceName => "RemoteDeviceName",
            IsLocalAdmin => "IsLocalAdmin",
            InitiatingProcessFileName => "InitiatingProcessFileName",
            InitiatingProcessFolderPath => "InitiatingProcessFolderPath",
            FileName => "FileName",
            FolderPath => "FolderPath",
            SHA1 => "SHA1",
            SHA256 => "SHA256",
            MD5 => "MD5",
            ProcessCommandLine => "ProcessCommandLine",
        }
    }

    /// The schema type.
    pub fn kind(self) -> Kind {
        match self {
            Col::Timestamp => Kind::Datetime,
            Col::RemotePort | Col::LocalPort | Col::LogonId => Kind::Integer,
            Col::IsLocalAdmin => Kind::Boolean,
            _ => Kind::Text,
        }
    }

    /// Every variant.
    pub fn all() -> impl Iterator<Item = Col> {
        use Col::*;
        [
            Timestamp,
            DeviceId,
            DeviceName,
            ActionType,
            RemoteIP,
            RemotePort,
            LocalPort,
            LocalIP,
            Protocol,
            AccountDomain,
            AccountName,
            AccountSid,
            LogonId,
            RemoteDeviceName,
            IsLocalAdmin,
            InitiatingProcessFileName,
            InitiatingProcessFolderPath,
            FileName,
            FolderPath,
            SHA1,
            SHA256,
            MD5,
            ProcessCommandLine,
        ]
        .into_iter()
    }

    /// Whether a header names this column, and how strongly: 2 for the plain name (or its
    /// Sentinel ` [UTC]` form), 1 for a union's type-suffixed copy (`LocalPort_long`).
    pub fn header_match(self, header: &str) -> u8 {
        let h = header.trim();
        let h = h.strip_suffix(" [UTC]").unwrap_or(h);
        let name = self.name();
        if h == name {
            return 2;
        }
        match h.strip_prefix(name).and_then(|r| r.strip_prefix('_')) {
            Some("string" | "long" | "int" | "datetime" | "bool" | "boolean" | "dynamic") => 1,
            _ => 0,
        }
    }
}

/// Name of a column that says which table a row of a `union` export came from.
pub fn is_table_column(header: &str) -> bool {
    matches!(
        header.trim(),
        "Type" | "$table" | "TableName" | "Table" | "SourceTable" | "table"
    )
}

/// Whether a header says its datetimes are UTC (Sentinel's `Timestamp [UTC]`).
pub fn header_says_utc(header: &str) -> bool {
    header.trim().ends_with(" [UTC]")
}

/// Which table a set of headers is, or `Union` when it holds columns of several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderVerdict {
    /// All of one table.
    Single(Table),
    /// Columns of several tables: rows are split by a table column or their `ActionType`.
    Union,
    /// None of the four.
    Unknown,
}

/// Classifies a header row.
pub fn classify_headers<'a>(headers: impl IntoIterator<Item = &'a str> + Clone) -> HeaderVerdict {
    let mut hits = [0usize; 4];
    for h in headers.clone() {
        let h = h.trim();
        let h = h.strip_suffix(" [UTC]").unwrap_or(h);
        for t in Table::ALL {
            if t.exclusive_columns().iter().any(|c| {
                h == *c
                    || h.strip_prefix(c)
                        .is_some_and(|r| r.starts_with('_') && !r[1..].contains('_'))
            }) {
                hits[t.index()] += 1;
            }
        }
    }
    let present: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|t| hits[t.index()] > 0)
        .collect();
    match present.as_slice() {
        [one] => Single(*one),
        [] => {
            // A narrow export (`| project ...`) may hold no exclusive column: decide by what
            // the query needs from each table, preferring the most specific.
            let has = |c: Col| headers.clone().into_iter().any(|h| c.header_match(h) > 0);
            if has(Col::FolderPath) && has(Col::ActionType) && has(Col::InitiatingProcessFileName) {
                Single(Table::DeviceFileEvents)
            } else if has(Col::AccountName) && has(Col::RemoteIP) {
                Single(Table::DeviceLogonEvents)
            } else {
                HeaderVerdict::Unknown
            }
        }
        _ => HeaderVerdict::Union,
    }
}

use HeaderVerdict::Single;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(Col::Timestamp.header_match("Timestamp [UTC]"), 2);
        assert_eq!(Col::LocalPort.header_match("LocalPort_long"), 1);
        assert_eq!(Col::LocalPort.header_match("LocalPortX"), 0);
        assert_eq!(Col::FileName.header_match("FileNameExt_string"), 0);
    }

    #[test]
    fn classify() {
        let net = [
            "Timestamp",
            "DeviceId",
            "RemoteIP",
            "LocalPort",
            "RemotePort",
        ];
        assert_eq!(
            classify_headers(net),
            HeaderVerdict::Single(Table::DeviceNetworkEvents)
        );
        let union = ["Timestamp", "LocalPort", "ProcessCommandLine"];
        assert_eq!(classify_headers(union), HeaderVerdict::Union);
        assert_eq!(classify_headers(["foo", "bar"]), HeaderVerdict::Unknown);
    }

    #[test]
    fn action_types() {
        assert_eq!(
            Table::from_action_type("InboundConnectionAccepted"),
            Some(Table::DeviceNetworkEvents)
        );
        assert_eq!(
            Table::from_action_type("FileCreated"),
            Some(Table::DeviceFileEvents)
        );
        assert_eq!(Table::from_action_type("PowerShellCommand"), None);
    }
}
