//! The seed query with the tolerance and allowlist applied, as readable KQL to run in
//! Sentinel, Defender XDR Advanced Hunting or Azure Data Explorer.
//!
//! Each rule becomes one `| where not(...)` line after the last join (rules act on the query's
//! rows), with a comment naming the rule, its reason and its file. Columns are named as the
//! query's joins name them: the connection's `RemoteIP` and `DeviceName`, the logon's
//! `AccountDomain`, `AccountName`, `AccountSid`, `RemoteDeviceName`, the write's `FileName`,
//! `FolderPath` and hashes, the start's `ProcessCommandLine`, and `InitiatingProcessFileName3`
//! for the process that started it (the fourth table's copy of that column).

use super::matcher::is_glob;
use super::{Allowlist, Cidr, Rule};
use crate::SEED_QUERY;

/// A KQL string literal: verbatim (`@"..."`, `"` doubled, backslashes as they are) unless the
/// value holds a line break, which verbatim literals cannot; then a regular literal with `\\`,
/// `\"`, `\n`, `\r` and `\t` escapes.
fn lit(s: &str) -> String {
    if !s.contains(['\n', '\r']) {
        return format!("@\"{}\"", s.replace('"', "\"\""));
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()[]{}|^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One pattern against a column: `=~`, `startswith`, `endswith`, `contains` where the glob
/// allows, else an anchored case-insensitive regex.
fn pattern(column: &str, p: &str) -> String {
    if !is_glob(p) {
        return format!("{column} =~ {}", lit(p));
    }
    let inner = p.trim_matches('*');
    if !is_glob(inner) && !inner.is_empty() {
        let (lead, trail) = (p.starts_with('*'), p.ends_with('*'));
        match (lead, trail) {
            (false, true) => return format!("{column} startswith {}", lit(inner)),
            (true, false) => return format!("{column} endswith {}", lit(inner)),
            (true, true) => return format!("{column} contains {}", lit(inner)),
            _ => {}
        }
    }
    let mut re = String::from("(?is)^");
    for c in p.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex_escape(&c.to_string())),
        }
    }
    re.push('$');
    format!("{column} matches regex {}", lit(&re))
}

fn any(parts: Vec<String>) -> String {
    if parts.len() == 1 {
        parts.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", parts.join(" or "))
    }
}

fn plain_list(column: &str, values: &[String]) -> String {
    if values.len() == 1 {
        format!("{column} =~ {}", lit(&values[0]))
    } else {
        let items: Vec<String> = values.iter().map(|v| lit(v)).collect();
        format!("{column} in~ ({})", items.join(", "))
    }
}

fn text_list(column: &str, values: &[String]) -> String {
    if values.iter().all(|v| !is_glob(v)) {
        return plain_list(column, values);
    }
    any(values.iter().map(|v| pattern(column, v)).collect())
}

/// The condition of one rule.
pub fn condition(rule: &Rule) -> String {
    let mut parts = Vec::new();
    if !rule.sha256.is_empty() {
        parts.push(plain_list("SHA256", &rule.sha256));
    }
    if !rule.sha1.is_empty() {
        parts.push(plain_list("SHA1", &rule.sha1));
    }
    if !rule.md5.is_empty() {
        parts.push(plain_list("MD5", &rule.md5));
    }
    if !rule.file_name.is_empty() {
        parts.push(text_list("FileName", &rule.file_name));
    }
    if !rule.extension.is_empty() {
        parts.push(any(rule
            .extension
            .iter()
            .map(|e| {
                format!(
                    "FileName endswith {}",
                    lit(&format!(".{}", e.trim_start_matches('.')))
                )
            })
            .collect()));
    }
    if !rule.folder_path.is_empty() {
        parts.push(text_list("FolderPath", &rule.folder_path));
    }
    if !rule.account.is_empty() {
        parts.push(any(rule
            .account
            .iter()
            .map(|a| {
                if a.contains('\\') {
                    pattern(r#"strcat(AccountDomain, @"\", AccountName)"#, a)
                } else {
                    pattern("AccountName", a)
                }
            })
            .collect()));
    }
    if !rule.account_sid.is_empty() {
        parts.push(plain_list("AccountSid", &rule.account_sid));
    }
    if !rule.source_ip.is_empty() {
        parts.push(any(rule
            .source_ip
            .iter()
            .map(|ip| match Cidr::parse(ip) {
                Some(c) => format!(
                    "coalesce(parse_ipv4(replace_string(tolower(RemoteIP), \"::ffff:\", \"\")) between ({} .. {}), false)",
                    c.first, c.last
                ),
                None => format!("RemoteIP in~ ({}, {})", lit(ip), lit(&format!("::ffff:{ip}"))),
            })
            .collect()));
    }
    if !rule.source_device.is_empty() {
        parts.push(text_list("RemoteDeviceName", &rule.source_device));
    }
    if !rule.device.is_empty() {
        parts.push(text_list("DeviceName", &rule.device));
    }
    if !rule.device_id.is_empty() {
        parts.push(plain_list("DeviceId", &rule.device_id));
    }
    if !rule.command_line.is_empty() {
        parts.push(text_list("ProcessCommandLine", &rule.command_line));
    }
    if !rule.parent_process.is_empty() {
        parts.push(text_list(
            "InitiatingProcessFileName3",
            &rule.parent_process,
        ));
    }
    parts.join(" and ")
}

fn comment(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// The seed query with `ToleranceInSeconds = tolerance_seconds` and one `where not(...)` per
/// rule before the final `project`.
pub fn render(tolerance_seconds: i64, allowlist: &Allowlist) -> String {
    let query = SEED_QUERY.replacen(
        "let ToleranceInSeconds = 5;",
        &format!("let ToleranceInSeconds = {tolerance_seconds};"),
        1,
    );
    let mut out = String::new();
    out.push_str("// File Copy and Execution (a27d5cb6-c533-4a81-9d11-d5c0ed257bc7), generated by copyexec\n");
    if allowlist.is_empty() {
        out.push_str("// No allowlist rules: the hunting query as published.\n");
        out.push_str(&query);
        return out;
    }
    out.push_str(&format!(
        "// {} allowlist rule(s) applied to the query's rows: a row matching any of them is set aside.\n",
        allowlist.rules.len()
    ));
    let project_at = query.rfind("| project ").unwrap_or(query.len());
    out.push_str(&query[..project_at]);
    for r in &allowlist.rules {
        out.push_str(&format!(
            "// rule {} ({}): {}\n| where not({})\n",
            comment(&r.rule.id),
            comment(&r.source),
            comment(&r.rule.reason),
            condition(&r.rule)
        ));
    }
    out.push_str(&query[project_at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(
            pattern("FolderPath", r"C:\Windows\ccmcache\*"),
            r#"FolderPath startswith @"C:\Windows\ccmcache\""#
        );
        assert_eq!(pattern("FileName", "*.msi"), r#"FileName endswith @".msi""#);
        assert_eq!(pattern("X", "*mid*"), r#"X contains @"mid""#);
        assert_eq!(pattern("X", r#"a"b"#), r#"X =~ @"a""b""#);
        assert_eq!(pattern("X", "a\\b\n\"c"), r#"X =~ "a\\b\n\"c""#);
        assert_eq!(
            pattern("X", r"C:\*\x?.exe"),
            r#"X matches regex @"(?is)^C:\\.*\\x.\.exe$""#
        );
    }
}
