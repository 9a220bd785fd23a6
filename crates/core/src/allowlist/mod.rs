//! Allowlists: rules that set benign look-alikes aside, visibly.
//!
//! A rule matches a row of the query (one connection, logon, write and start). Within a rule,
//! every field given must match (AND); within a field, any of its values (OR). A row matched by
//! any rule is set aside, labelled with the first rule that matched; a chain whose rows are all
//! set aside is *suppressed* and listed apart with its rules, one with rows left keeps them and
//! shows what was set aside. The same rules render as KQL `where` clauses ([`kql`]) that give
//! the same rows in Sentinel or Defender.
//!
//! Rules live in TOML files (`presets/*.toml` ship with the tool):
//!
//! ```toml
//! name = "Software deployment by SCCM / Intune"
//!
//! [[rule]]
//! id = "sccm-client-push"
//! reason = "SCCM client push runs ccmsetup.exe from the site server"
//! folder_path = ['C:\Windows\ccmsetup\*']
//! file_name = ["ccmsetup.exe"]
//! ```

pub mod kql;
mod matcher;
pub mod presets;

pub use matcher::{glob_match, ipv4_in_cidr, Cidr};

use serde::{Deserialize, Serialize};
use std::fmt;

/// One rule. Every field present must match.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Short unique name.
    pub id: String,
    /// Why what it matches is benign: shown on everything it sets aside.
    pub reason: String,
    /// SHA256 of the written file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sha256: Vec<String>,
    /// SHA1 of the written file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sha1: Vec<String>,
    /// MD5 of the written file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub md5: Vec<String>,
    /// File name (glob: `*` any run of characters, `?` one; case ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_name: Vec<String>,
    /// File extension without the dot (`msi`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<String>,
    /// Full path written and run (glob; `C:\Windows\ccmcache\*` is a prefix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folder_path: Vec<String>,
    /// Logon account as `domain\name` or `name` (glob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account: Vec<String>,
    /// Logon account SID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_sid: Vec<String>,
    /// Connection source address or IPv4 CIDR (`10.0.0.5`, `10.20.0.0/16`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_ip: Vec<String>,
    /// Name of the source device as the logon reports it (glob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_device: Vec<String>,
    /// Target device name (glob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device: Vec<String>,
    /// Target DeviceId.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_id: Vec<String>,
    /// Command line of the start (glob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_line: Vec<String>,
    /// File name of the process that started it (`services.exe`, `ccmexec.exe`; glob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parent_process: Vec<String>,
}

/// A file of rules.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Title.
    #[serde(default)]
    pub name: String,
    /// What the file is for; what it matches and why that is safe.
    #[serde(default)]
    pub description: String,
    /// The rules.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// A rule and the file it came from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourcedRule {
    /// The rule.
    #[serde(flatten)]
    pub rule: Rule,
    /// File name or preset name.
    pub source: String,
}

/// Rules in force, in order: the first that matches labels a row.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Allowlist {
    /// The rules.
    pub rules: Vec<SourcedRule>,
}

/// Why a rule file could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// File name.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

impl Rule {
    /// Whether the rule has at least one condition.
    pub fn has_conditions(&self) -> bool {
        self.conditions().next().is_some()
    }

    /// The conditions: (field name, values).
    pub fn conditions(&self) -> impl Iterator<Item = (&'static str, &Vec<String>)> {
        [
            ("sha256", &self.sha256),
            ("sha1", &self.sha1),
            ("md5", &self.md5),
            ("file_name", &self.file_name),
            ("extension", &self.extension),
            ("folder_path", &self.folder_path),
            ("account", &self.account),
            ("account_sid", &self.account_sid),
            ("source_ip", &self.source_ip),
            ("source_device", &self.source_device),
            ("device", &self.device),
            ("device_id", &self.device_id),
            ("command_line", &self.command_line),
            ("parent_process", &self.parent_process),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
    }
}

impl Allowlist {
    /// Adds the rules of a TOML file. Rejects unknown fields, rules without id, reason or
    /// condition, duplicate ids and malformed addresses, naming the file and line.
    pub fn add_toml(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError {
            file: file.to_string(),
            line: e.span().map(|s| text[..s.start].matches('\n').count() + 1),
            message: e.message().to_string(),
        })?;
        let line_of = |id: &str| {
            text.find(&format!("\"{id}\""))
                .or_else(|| text.find(&format!("'{id}'")))
                .map(|p| text[..p].matches('\n').count() + 1)
        };
        for rule in parsed.rules {
            let err = |message: String| RuleError {
                file: file.to_string(),
                line: line_of(&rule.id),
                message,
            };
            if rule.id.trim().is_empty() {
                return Err(RuleError {
                    file: file.to_string(),
                    line: None,
                    message: "a rule has no id".into(),
                });
            }
            if rule.reason.trim().is_empty() {
                return Err(err(format!(
                    "rule {:?} has no reason: say why what it matches is benign",
                    rule.id
                )));
            }
            if !rule.has_conditions() {
                return Err(err(format!(
                    "rule {:?} has no condition and would set everything aside",
                    rule.id
                )));
            }
            for ip in &rule.source_ip {
                if ip.contains('/') && Cidr::parse(ip).is_none() {
                    return Err(err(format!(
                        "rule {:?}: {ip:?} is not an IPv4 CIDR such as 10.20.0.0/16",
                        rule.id
                    )));
                }
            }
            if self.rules.iter().any(|r| r.rule.id == rule.id) {
                return Err(err(format!("rule id {:?} is used twice", rule.id)));
            }
            self.rules.push(SourcedRule {
                rule,
                source: file.to_string(),
            });
        }
        Ok(())
    }

    /// Whether no rule is in force.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules as one TOML file (what the app saves).
    pub fn to_toml(&self) -> String {
        let file = RuleFile {
            name: "copyexec allowlist".into(),
            description: String::new(),
            rules: self.rules.iter().map(|r| r.rule.clone()).collect(),
        };
        toml::to_string_pretty(&file).unwrap_or_default()
    }
}
