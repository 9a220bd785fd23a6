//! Matching a row against rules, with exactly the semantics of the KQL that [`super::kql`]
//! renders: `=~` / `in~` for plain values, a case-insensitive anchored regex for globs,
//! `endswith` for extensions, `parse_ipv4(...) between (...)` for CIDRs.

use super::{Allowlist, Rule};
use crate::correlate::RowRef;
use crate::kql_compare::{ends_with_ci, eq_ci};
use crate::store::Store;
use std::net::Ipv4Addr;

/// Whether `pattern` contains glob characters.
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

fn fold(c: char) -> char {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// Case-insensitive glob match of the whole text: `*` any run of characters (including `\` and
/// newlines), `?` exactly one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(fold).collect();
    let t: Vec<char> = text.chars().map(fold).collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// An IPv4 range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// First address.
    pub first: u32,
    /// Last address.
    pub last: u32,
}

impl Cidr {
    /// `10.20.0.0/16`.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = text.trim().split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        let bits: u32 = bits.parse().ok()?;
        if bits > 32 {
            return None;
        }
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        let first = u32::from(addr) & mask;
        Some(Cidr {
            first,
            last: first | !mask,
        })
    }
}

/// `parse_ipv4(replace_string(tolower(ip), "::ffff:", ""))` in range: the IPv4-mapped form of
/// an address matches like the address.
pub fn ipv4_in_cidr(ip: &str, cidr: Cidr) -> bool {
    let plain = ip.to_lowercase().replace("::ffff:", "");
    plain
        .parse::<Ipv4Addr>()
        .is_ok_and(|a| (cidr.first..=cidr.last).contains(&u32::from(a)))
}

fn text_matches(values: &[String], text: &str) -> bool {
    values.iter().any(|v| {
        if is_glob(v) {
            glob_match(v, text)
        } else {
            eq_ci(v, text)
        }
    })
}

/// The values of one row a rule can look at.
pub(crate) struct RowView<'a> {
    pub sha256: &'a str,
    pub sha1: &'a str,
    pub md5: &'a str,
    pub file_name: &'a str,
    pub folder_path: &'a str,
    pub account_domain: &'a str,
    pub account_name: &'a str,
    pub account_sid: &'a str,
    pub remote_ip: &'a str,
    pub remote_device_name: &'a str,
    pub device_name: &'a str,
    pub device_id: &'a str,
    pub command_line: &'a str,
    pub parent: &'a str,
}

impl<'a> RowView<'a> {
    pub(crate) fn new(store: &'a Store, r: RowRef) -> Self {
        let s = |sym| store.strings.get(sym);
        let n = &store.net[r.net as usize];
        let l = &store.logons[r.logon as usize];
        let f = &store.files[r.file as usize];
        let p = &store.procs[r.proc as usize];
        RowView {
            sha256: s(f.sha256),
            sha1: s(f.sha1),
            md5: s(f.md5),
            file_name: s(f.file_name),
            folder_path: s(f.folder_path),
            account_domain: s(l.account_domain),
            account_name: s(l.account_name),
            account_sid: s(l.account_sid),
            remote_ip: s(n.remote_ip),
            remote_device_name: s(l.remote_device_name),
            device_name: s(n.device_name),
            device_id: s(n.device),
            command_line: s(p.command_line),
            parent: s(p.parent),
        }
    }
}

impl Rule {
    pub(crate) fn matches(&self, v: &RowView<'_>) -> bool {
        let any_eq = |values: &[String], text: &str| values.iter().any(|x| eq_ci(x, text));
        (self.sha256.is_empty() || any_eq(&self.sha256, v.sha256))
            && (self.sha1.is_empty() || any_eq(&self.sha1, v.sha1))
            && (self.md5.is_empty() || any_eq(&self.md5, v.md5))
            && (self.file_name.is_empty() || text_matches(&self.file_name, v.file_name))
            && (self.extension.is_empty()
                || self
                    .extension
                    .iter()
                    .any(|e| ends_with_ci(v.file_name, &format!(".{}", e.trim_start_matches('.')))))
            && (self.folder_path.is_empty() || text_matches(&self.folder_path, v.folder_path))
            && (self.account.is_empty()
                || self.account.iter().any(|a| match a.split_once('\\') {
                    Some(_) => {
                        let full = format!("{}\\{}", v.account_domain, v.account_name);
                        if is_glob(a) {
                            glob_match(a, &full)
                        } else {
                            eq_ci(a, &full)
                        }
                    }
                    None if is_glob(a) => glob_match(a, v.account_name),
                    None => eq_ci(a, v.account_name),
                }))
            && (self.account_sid.is_empty() || any_eq(&self.account_sid, v.account_sid))
            && (self.source_ip.is_empty()
                || self.source_ip.iter().any(|ip| match Cidr::parse(ip) {
                    Some(c) => ipv4_in_cidr(v.remote_ip, c),
                    None => eq_ci(ip, v.remote_ip) || eq_ci(&format!("::ffff:{ip}"), v.remote_ip),
                }))
            && (self.source_device.is_empty()
                || text_matches(&self.source_device, v.remote_device_name))
            && (self.device.is_empty() || text_matches(&self.device, v.device_name))
            && (self.device_id.is_empty() || any_eq(&self.device_id, v.device_id))
            && (self.command_line.is_empty() || text_matches(&self.command_line, v.command_line))
            && (self.parent_process.is_empty() || text_matches(&self.parent_process, v.parent))
    }
}

impl Allowlist {
    /// Index of the first rule matching row `r`.
    pub fn first_match(&self, store: &Store, r: RowRef) -> Option<usize> {
        if self.rules.is_empty() {
            return None;
        }
        let v = RowView::new(store, r);
        self.rules.iter().position(|x| x.rule.matches(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            r"C:\Windows\ccmcache\*",
            r"c:\windows\CCMCACHE\1a\setup.exe"
        ));
        assert!(!glob_match(
            r"C:\Windows\ccmcache\*",
            r"C:\Windows\ccmcache"
        ));
        assert!(glob_match("*.msi", "X.MSI"));
        assert!(glob_match("debug?.exe", "debug2.exe"));
        assert!(!glob_match("debug?.exe", "debug.exe"));
        assert!(glob_match("a*b*c", "a\nxxbyyc"));
        assert!(!glob_match("a*b", "a"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.20.0.0/16").unwrap();
        assert!(ipv4_in_cidr("10.20.4.31", c));
        assert!(ipv4_in_cidr("::FFFF:10.20.4.31", c));
        assert!(!ipv4_in_cidr("10.21.0.1", c));
        assert!(!ipv4_in_cidr("fe80::1", c));
        assert!(!ipv4_in_cidr("10.20.4", c));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().last, u32::MAX);
    }
}
