//! KQL's string comparisons, as the query uses them.
//!
//! `=~` and `endswith` are case-insensitive; `==`, `in` and join keys are not. Case is folded
//! one character at a time with Unicode's simple lowercase mapping (so `İ` folds to `i`, the
//! Kelvin sign `K` to `k`, and `ß` never equals `ss`): the reference engine does exactly this
//! (checked in the differential tests). See `docs/semantics.md` for where Kusto itself may fold
//! a few characters differently.

/// Unicode simple lowercase of one character.
#[inline]
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    // U+0130 is the only character whose full lowercase mapping is longer than one character;
    // its simple mapping is plain `i`.
    if c == '\u{130}' {
        return 'i';
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// KQL `a =~ b`.
pub fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// KQL `hay endswith suffix`. An empty suffix matches everything, as in KQL.
pub fn ends_with_ci(hay: &str, suffix: &str) -> bool {
    if hay.is_ascii() && suffix.is_ascii() {
        return hay.len() >= suffix.len()
            && hay.as_bytes()[hay.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes());
    }
    let mut h = hay.chars().rev();
    for s in suffix.chars().rev() {
        match h.next() {
            Some(c) if fold(c) == fold(s) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignores_case() {
        assert!(eq_ci("SYSTEM", "System"));
        assert!(eq_ci("system", "System"));
        assert!(!eq_ci("System ", "System"));
        assert!(!eq_ci("System.exe", "System"));
        // U+017F LATIN SMALL LETTER LONG S lowercases to itself, not to `s`.
        assert!(!eq_ci("\u{17f}ystem", "System"));
        assert!(eq_ci("\u{130}", "i"));
        assert!(!eq_ci("ß", "SS"));
        assert!(!eq_ci("Σ", "ς"));
    }

    #[test]
    fn suffix_ignores_case_and_empty_matches_all() {
        assert!(ends_with_ci("::ffff:10.0.0.5", "10.0.0.5"));
        assert!(ends_with_ci("110.0.0.5", "10.0.0.5"));
        assert!(ends_with_ci("10.0.0.5", ""));
        assert!(ends_with_ci("FE80::1", "fe80::1"));
        assert!(!ends_with_ci("10.0.0.5", "110.0.0.5"));
        assert!(ends_with_ci(
            r"C:\Windows\System32\NTOSKRNL.EXE",
            "ntoskrnl.exe"
        ));
        // KELVIN SIGN folds to `k`.
        assert!(ends_with_ci("ntos\u{212a}rnl.exe", "ntoskrnl.exe"));
        assert!(!ends_with_ci("ntoskrnl.exe.bak", "ntoskrnl.exe"));
        assert!(ends_with_ci("é", "É"));
        assert!(!ends_with_ci("", "x"));
    }
}
