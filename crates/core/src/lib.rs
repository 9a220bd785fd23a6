//! # copyexec-core
//!
//! Reads Microsoft Defender for Endpoint exports and answers the question of the hunting query
//! "File Copy and Execution" (a27d5cb6-c533-4a81-9d11-d5c0ed257bc7): did someone copy a
//! program onto a device over SMB and run it within `ToleranceInSeconds`?
//!
//! The crate reproduces the query's rows exactly (see `docs/semantics.md` at the repository
//! root for every rule and quirk), then groups them into copy→execute [`chains::Chain`]s and
//! tells their [`story`]: which file went where (groups, rarest first) and which host reached
//! which (the spread, its origins and time-respecting paths). [`Engine`] is the one pipeline
//! the CLI, the reports and the browser app run.
//! It knows nothing of files on disk or of browsers: inputs are readers, results are values.
//!
//! ```
//! use copyexec_core::{load::{Loader, LoadOptions}, Dataset};
//!
//! let net = "Timestamp,DeviceId,DeviceName,RemoteIP,RemotePort,LocalPort,Protocol,LocalIP\n\
//!            2024-03-11T08:00:00Z,d1,host1,10.0.0.5,50000,445,Tcp,10.0.0.9\n";
//! let logon = "Timestamp,DeviceId,RemoteIP,AccountDomain,AccountName,LogonType\n\
//!              2024-03-11T08:00:01Z,d1,10.0.0.5,corp,alice,Network\n";
//! let file = "Timestamp,DeviceId,ActionType,InitiatingProcessFileName,InitiatingProcessFolderPath,FileName,FolderPath,SHA1,SHA256,MD5,ShareName\n\
//!             2024-03-11T08:00:02Z,d1,FileCreated,System,,evil.exe,C:\\Windows\\evil.exe,,,,ADMIN$\n";
//! let procs = "Timestamp,DeviceId,FolderPath,ProcessCommandLine,ProcessId\n\
//!              2024-03-11T08:00:03Z,d1,C:\\Windows\\evil.exe,evil.exe -x,42\n";
//!
//! let mut loader = Loader::new(LoadOptions::default());
//! for (name, text) in [("n.csv", net), ("l.csv", logon), ("f.csv", file), ("p.csv", procs)] {
//!     loader.add_input(name, None, text.as_bytes(), &mut |_| true).unwrap();
//! }
//! let data = Dataset::new(loader.finish());
//! let rows = data.rows(5);
//! assert_eq!(rows.len(), 1);
//! let chains = data.chains(&rows, 5);
//! assert_eq!(chains[0].folder_path, "C:\\Windows\\evil.exe");
//! ```
#![deny(missing_docs)]

pub mod allowlist;
pub mod chains;
pub mod correlate;
pub mod dataset;
pub mod diag;
pub mod document;
pub mod engine;
pub mod evidence;
pub mod identity;
pub mod kql_compare;
pub mod load;
pub mod near_miss;
pub mod schema;
pub mod store;
pub mod story;
pub mod time;

pub use dataset::{Dataset, DEFAULT_TOLERANCE_SECONDS};
pub use document::ChainsDocument;
pub use engine::{Engine, Settings};
/// Windows event logs (Security, Sysmon) as the hunt reads them; see [`load::winlog`].
pub use load::winlog;

/// The seed query's text, verbatim (with `ToleranceInSeconds = 5`).
pub const SEED_QUERY: &str = include_str!("seed_query.kql");
