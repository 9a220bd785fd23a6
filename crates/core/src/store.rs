//! Compact in-memory events: only what the query compares and projects, strings interned.
//!
//! A row of DeviceProcessEvents has some sixty columns; the query reads four of them. Loading
//! keeps those few values per event plus a [`Loc`] (where the row is in its source), and the
//! full original row is read again only for events that end up in a chain.

use crate::time::Ticks;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

/// An interned string: its index in first-seen order, so the same inputs give the same numbers.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Sym(pub u32);

impl string_interner::Symbol for Sym {
    fn try_from_usize(index: usize) -> Option<Self> {
        u32::try_from(index).ok().map(Sym)
    }

    fn to_usize(self) -> usize {
        self.0 as usize
    }
}

/// Deduplicated strings. Symbol 0 is the empty string.
///
/// The strings lie end to end in one buffer with one end offset each, and the table that finds
/// a string holds only its symbol: some 15 bytes per distinct string beside its text, where a
/// map of shared strings took some 80 (an allocation each, and a fat pointer in both the map
/// and the list). Logon ids and file hashes make most of a large input's strings distinct.
pub struct Interner(
    string_interner::StringInterner<string_interner::backend::StringBackend<Sym>, FxBuildHasher>,
);

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.len())
            .finish()
    }
}

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner(string_interner::StringInterner::with_hasher(FxBuildHasher));
        i.intern("");
        i
    }
}

/// The strings in symbol order; read back, they get the same symbols.
impl Serialize for Interner {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|(_, text)| text))
    }
}

impl<'de> Deserialize<'de> for Interner {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Strings;
        impl<'de> serde::de::Visitor<'de> for Strings {
            type Value = Interner;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("distinct strings, the empty one first")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Interner, A::Error> {
                let mut out = Interner::default();
                let mut n = 0usize;
                while let Some(text) = seq.next_element::<&str>()? {
                    // A repeated string would shift every later symbol.
                    if out.intern(text).0 as usize != n {
                        return Err(serde::de::Error::custom(
                            "a string repeated or the empty one not first",
                        ));
                    }
                    n += 1;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Strings)
    }
}

impl Interner {
    /// The symbol of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        self.0.get_or_intern(s)
    }

    /// The string of `sym`.
    pub fn get(&self, sym: Sym) -> &str {
        self.0.resolve(sym).expect("a symbol of this interner")
    }

    /// How many strings there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether only the empty string is interned.
    pub fn is_empty(&self) -> bool {
        self.0.len() <= 1
    }

    /// The symbol of `s` if it was interned.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.0.get(s)
    }

    /// Every string with its symbol, in symbol order.
    pub fn iter(&self) -> impl Iterator<Item = (Sym, &str)> {
        self.0.iter()
    }

    /// Gives back the buffer's spare room (once loading is done).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// Where a row is: which stream, which line, and how to find it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Loc {
    /// Index of the stream (a file, or a member of an archive) in the analysis.
    pub stream: u32,
    /// 1-based line where the row starts.
    pub line: u64,
    /// Byte offset of the row in the (decompressed, BOM-less) stream.
    pub byte: u64,
    /// Index of the row within what starts at `byte` (a JSON document's `Results` array, or an
    /// Event Hub message's `records`); 0 otherwise.
    pub sub: u32,
}

/// A DeviceNetworkEvents row that passed `LocalPort == 445 and isnotempty(RemoteIP)`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct NetEvent {
    /// Where it came from.
    pub loc: Loc,
    /// `Timestamp`.
    pub at: Ticks,
    /// `DeviceId` (join key).
    pub device: Sym,
    /// `RemoteIP`.
    pub remote_ip: Sym,
    /// Projected: `DeviceName`.
    pub device_name: Sym,
    /// Projected: `RemotePort`.
    pub remote_port: Sym,
    /// Projected: `Protocol`.
    pub protocol: Sym,
    /// `LocalIP`: an address the device owns, which resolves the sources of other chains.
    pub local_ip: Sym,
    /// Stands in for a connection Windows did not log (first share access or network logon
    /// of a session).
    pub inferred: bool,
}

/// A DeviceLogonEvents row with a timestamp.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct LogonEvent {
    /// Where it came from.
    pub loc: Loc,
    /// `Timestamp`.
    pub at: Ticks,
    /// `DeviceId` (join key).
    pub device: Sym,
    /// `RemoteIP` (matched as a suffix of the connection's).
    pub remote_ip: Sym,
    /// Projected: `AccountDomain`.
    pub account_domain: Sym,
    /// Projected: `AccountName`.
    pub account_name: Sym,
    /// Projected: `AccountSid`.
    pub account_sid: Sym,
    /// Projected: `LogonId`.
    pub logon_id: Sym,
    /// Projected: `RemoteDeviceName`.
    pub remote_device_name: Sym,
    /// Projected: `IsLocalAdmin`.
    pub is_local_admin: Sym,
    /// `ActionType` (kept to tell failed logons apart in chains).
    pub action: Sym,
}

/// A DeviceFileEvents row that passed the query's action and initiator filter.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct FileEvent {
    /// Where it came from.
    pub loc: Loc,
    /// `Timestamp`.
    pub at: Ticks,
    /// `DeviceId` (join key).
    pub device: Sym,
    /// `FolderPath` as written.
    pub folder_path: Sym,
    /// The join key of the path: `folder_path` itself for Defender rows (KQL compares
    /// case-sensitively), its lowercase for Windows logs.
    pub path_key: Sym,
    /// `ActionType`.
    pub action: Sym,
    /// `DeviceName` (the computer name for Windows logs).
    pub device_name: Sym,
    /// Projected: `FileName`.
    pub file_name: Sym,
    /// Projected: `SHA1`.
    pub sha1: Sym,
    /// Projected: `SHA256`.
    pub sha256: Sym,
    /// Projected: `MD5`.
    pub md5: Sym,
}

/// A DeviceProcessEvents row with a timestamp.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct ProcEvent {
    /// Where it came from.
    pub loc: Loc,
    /// `Timestamp`.
    pub at: Ticks,
    /// `DeviceId` (join key).
    pub device: Sym,
    /// `FolderPath` as written.
    pub folder_path: Sym,
    /// The join key of the path (see [`FileEvent::path_key`]).
    pub path_key: Sym,
    /// Projected: `ProcessCommandLine`.
    pub command_line: Sym,
    /// `InitiatingProcessFileName`: the parent that started it (for allowlists).
    pub parent: Sym,
}

/// Every kept event.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    /// Strings of all events.
    pub strings: Interner,
    /// Candidate connections.
    pub net: Vec<NetEvent>,
    /// Logons.
    pub logons: Vec<LogonEvent>,
    /// Candidate file writes.
    pub files: Vec<FileEvent>,
    /// Process starts.
    pub procs: Vec<ProcEvent>,
    /// Share accesses and network logons of Windows logs, until connections are inferred.
    pub accesses: Vec<Access>,
    /// (device, address) pairs with a logged connection in Windows logs.
    pub real_connections: rustc_hash::FxHashSet<(Sym, Sym)>,
}

/// A share access (5140/5145) or network logon (4624) from an address.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Access {
    /// Where it came from.
    pub loc: Loc,
    /// When.
    pub at: Ticks,
    /// Device key.
    pub device: Sym,
    /// Computer name as logged.
    pub device_name: Sym,
    /// Source address.
    pub address: Sym,
    /// Source port.
    pub port: Sym,
    /// Logon session (decimal logon id).
    pub session: Sym,
}

impl Store {
    /// Gives back the spare room of the lists and the strings, once loading is done: a list
    /// grown by doubling may hold twice what it needs.
    pub fn shrink_to_fit(&mut self) {
        self.strings.shrink_to_fit();
        self.net.shrink_to_fit();
        self.logons.shrink_to_fit();
        self.files.shrink_to_fit();
        self.procs.shrink_to_fit();
        self.accesses.shrink_to_fit();
        self.real_connections.shrink_to_fit();
    }

    /// Drops process starts whose (device, path) no candidate write has: they can never join.
    /// Returns how many were dropped.
    pub fn prune_unjoinable_processes(&mut self) -> usize {
        let keys: rustc_hash::FxHashSet<(Sym, Sym)> = self
            .files
            .iter()
            .map(|f| (f.device, f.folder_path))
            .collect();
        let before = self.procs.len();
        self.procs
            .retain(|p| keys.contains(&(p.device, p.folder_path)));
        before - self.procs.len()
    }
}
