//! Turning attacker-controlled text into inert, honest markup.
//!
//! Every log value reaches the page through [`Html`] (element content and attribute values
//! alike) or [`Svg`] (SVG text), never through `format!` alone. Both escape the five
//! characters that carry markup meaning, and both replace each character a reader could not
//! see (controls, NUL, bidirectional overrides such as RLO, zero-width and look-alike spaces,
//! U+FFFD left by invalid UTF-8) with a visible marker `⟨U+202E⟩` in a distinctly styled box,
//! so `evil\u{202E}txt.exe` cannot pose as `evilexe.txt`. Values longer than [`CAP`]
//! characters are cut for display with a note; the embedded document keeps them whole.
//!
//! The data island ([`json_for_script`]) escapes `<`, `>` and `&` as JSON `\u` escapes, so
//! `</script>` or `<!--` in a value can never end or alter the `<script>` element.

use serde::Serialize;
use std::fmt::{self, Write as _};

/// Characters of one value shown in the full evidence before it is cut.
pub const CAP: usize = 2000;
/// Characters of one value shown where it is read at a glance (facts, key values, rows).
pub const BRIEF: usize = 500;

/// Whether `c` is shown as a `⟨U+XXXX⟩` marker instead of itself.
pub fn is_hidden(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x1f | 0x7f..=0x9f      // C0 (NUL, tab, line breaks, ESC…) and C1 controls, DEL
        | 0xa0 | 0xad                  // no-break space, soft hyphen
        | 0x034f | 0x061c              // combining grapheme joiner, Arabic letter mark
        | 0x115f | 0x1160 | 0x1680     // Hangul fillers, Ogham space
        | 0x17b4 | 0x17b5              // Khmer inherent vowels (invisible)
        | 0x180b..=0x180f              // Mongolian selectors and vowel separator
        | 0x2000..=0x200f              // spaces of other widths, zero-width, LRM/RLM
        | 0x2028..=0x202f              // line/paragraph separators, LRE…RLO, narrow nbsp
        | 0x205f..=0x206f              // math space, word joiner, invisible operators, LRI…PDI
        | 0x2800                       // braille blank
        | 0x3000 | 0x3164              // ideographic space, Hangul filler
        | 0xfe00..=0xfe0f              // variation selectors
        | 0xfeff | 0xffa0              // BOM / zero-width no-break space, half-width filler
        | 0xfff0..=0xfffd              // specials, interlinear annotations, replacement char
        | 0x1d173..=0x1d17a            // musical formatting
        | 0xe0000..=0xe0fff            // tags, variation selectors supplement
    )
}

fn escape_into(
    out: &mut impl fmt::Write,
    s: &str,
    open: &str,
    close: &str,
    keep_newlines: bool,
) -> fmt::Result {
    let special = |c: char| {
        matches!(c, '&' | '<' | '>' | '"' | '\'') || (is_hidden(c) && !(keep_newlines && c == '\n'))
    };
    let mut rest = s;
    while let Some(i) = rest.find(special) {
        out.write_str(&rest[..i])?;
        let c = rest[i..].chars().next().unwrap_or_default();
        match c {
            '&' => out.write_str("&amp;")?,
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '"' => out.write_str("&quot;")?,
            '\'' => out.write_str("&#39;")?,
            _ => write!(out, "{open}⟨U+{:04X}⟩{close}", c as u32)?,
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)
}

/// A value as HTML element content or (quoted) attribute value: escaped, hidden characters as
/// styled markers. In attributes the marker is plain text, which `Attr` gives.
pub struct Html<'a>(pub &'a str);

impl fmt::Display for Html<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(f, self.0, "<span class=\"inv\">", "</span>", false)
    }
}

/// A value inside a quoted attribute: escaped, hidden characters as plain-text markers.
pub struct Attr<'a>(pub &'a str);

impl fmt::Display for Attr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(f, self.0, "", "", false)
    }
}

/// A value inside SVG `<text>` or `<title>`: escaped, hidden characters as styled `<tspan>`s
/// (in `<title>`, use [`Attr`]: it holds text only).
pub struct Svg<'a>(pub &'a str);

impl fmt::Display for Svg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(f, self.0, "<tspan class=\"inv\">", "</tspan>", false)
    }
}

/// Text whose line breaks are meant (analyst notes, the query): like [`Html`], but `\n` stays
/// a line break (shown in a `white-space: pre-wrap` element); `\r` still shows as a marker.
pub struct Lines<'a>(pub &'a str);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.replace("\r\n", "\n");
        let (shown, cut) = match s.char_indices().nth(CAP * 4) {
            None => (s.as_str(), None),
            Some((i, _)) => (&s[..i], Some(s[i..].chars().count())),
        };
        escape_into(f, shown, "<span class=\"inv\">", "</span>", true)?;
        if let Some(n) = cut {
            write!(
                f,
                "<span class=\"cut\">… {} more characters not shown</span>",
                thousands(n as u64)
            )?;
        }
        Ok(())
    }
}

/// A value for a table cell: [`Html`], cut after [`CAP`] characters with a note saying how
/// much was left out and where the rest is.
pub struct Cell<'a>(pub &'a str);

impl fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Capped(self.0, CAP).fmt(f)
    }
}

/// [`Html`] cut after `.1` characters with a note.
pub struct Capped<'a>(pub &'a str, pub usize);

impl fmt::Display for Capped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Capped(s, cap) = *self;
        match s.char_indices().nth(cap) {
            None => Html(s).fmt(f),
            Some((cut, _)) => {
                let total = s.chars().count();
                Html(&s[..cut]).fmt(f)?;
                write!(
                    f,
                    "<span class=\"cut\">… {} more characters not shown ({} in all, {} bytes); \
                     the whole value is in the report's embedded data</span>",
                    thousands((total - cap) as u64),
                    thousands(total as u64),
                    thousands(s.len() as u64)
                )
            }
        }
    }
}

/// The first `n` characters of `s`, with `…` when cut (for headings and labels).
pub fn short(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

pub use copyexec_core::story::graph::thousands;

/// Serialized JSON made safe inside `<script type="application/json">` (see [`json_for_script`]).
pub fn escape_json_for_script(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + raw.len() / 64);
    for c in raw.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\u{7f}'..='\u{9f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `value` as JSON text safe inside `<script type="application/json">`: `<`, `>`, `&`,
/// U+2028/2029, DEL and C1 controls written as `\uXXXX` escapes. These characters occur in
/// serde_json's output only inside strings, where the escape means the same character.
pub fn json_for_script(value: &impl Serialize) -> String {
    escape_json_for_script(&serde_json::to_string(value).unwrap_or_else(|_| "null".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            Html("<img src=x onerror=\"a\">&lt;'").to_string(),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;lt;&#39;"
        );
    }

    #[test]
    fn hidden_characters_become_markers() {
        assert_eq!(
            Html("a\u{202e}b\0c\u{200b}").to_string(),
            "a<span class=\"inv\">⟨U+202E⟩</span>b<span class=\"inv\">⟨U+0000⟩</span>c<span class=\"inv\">⟨U+200B⟩</span>"
        );
        assert_eq!(Attr("x\u{e0041}").to_string(), "x⟨U+E0041⟩");
        assert_eq!(
            Svg("\u{fffd}").to_string(),
            "<tspan class=\"inv\">⟨U+FFFD⟩</tspan>"
        );
    }

    #[test]
    fn long_values_are_cut_with_a_note() {
        let v = "é".repeat(CAP + 10);
        let shown = Cell(&v).to_string();
        assert!(shown.starts_with(&"é".repeat(CAP)));
        assert!(!shown.contains(&"é".repeat(CAP + 1)));
        assert!(shown.contains("… 10 more characters not shown (2,010 in all, 4,020 bytes)"));
        assert_eq!(Capped("abcdef", 6).to_string(), "abcdef");
        assert!(Capped("abcdef", 2)
            .to_string()
            .starts_with("ab<span class=\"cut\">… 4 more"));
        assert_eq!(Cell("short").to_string(), "short");
    }

    #[test]
    fn numbers_and_labels() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(short("abcdef", 3), "abc…");
        assert_eq!(short("abc", 3), "abc");
    }

    #[test]
    fn script_data_cannot_close_its_element() {
        let v = vec!["</script><script>x</script>", "<!--", "a&b>\u{2028}\u{85}"];
        let s = json_for_script(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
