//! The chains as CSV for a spreadsheet: one row per chain, its key values.
//!
//! Log values are attacker-controlled, and a spreadsheet runs a cell starting with `=`, `+`,
//! `-` or `@` (and, in some, tab or CR) as a formula (`=HYPERLINK(...)`, DDE). Such cells are
//! prefixed with `'`, which spreadsheets take as "text" and do not show. The file starts with
//! a UTF-8 byte-order mark (without it Excel reads UTF-8 as the local code page), uses CRLF
//! line ends and RFC 4180 quoting, and cuts a cell at Excel's 32,767-character limit with a
//! note (the chains JSON keeps every value whole).

use crate::attack::techniques;
use crate::time::offset;
use copyexec_core::ChainsDocument;

/// Columns of [`chains_csv`].
pub const CSV_COLUMNS: [&str; 20] = [
    "Chain",
    "StartTimestamp",
    "DeviceName",
    "DeviceId",
    "FolderPath",
    "FileName",
    "ProcessCommandLine",
    "SHA256",
    "SHA1",
    "MD5",
    "RemoteIPs",
    "Accounts",
    "FirstConnectionTimestamp",
    "SpanSeconds",
    "Connections",
    "Logons",
    "Writes",
    "QueryRows",
    "Techniques",
    "Notes",
];

/// Longest cell a spreadsheet holds.
const EXCEL_CELL_MAX: usize = 32_767;

/// One cell, neutralised, cut and quoted.
pub fn cell(value: &str) -> String {
    let mut v = match value.char_indices().nth(EXCEL_CELL_MAX - 100) {
        None => value.to_string(),
        Some((cut, _)) => format!(
            "{} …[{} more characters: see the chains JSON]",
            &value[..cut],
            value[cut..].chars().count()
        ),
    };
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The chains of `doc` as CSV text (UTF-8 with BOM, CRLF).
pub fn chains_csv(doc: &ChainsDocument) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &[String]| {
        let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    };
    line(&CSV_COLUMNS.map(str::to_string));
    for c in &doc.chains {
        let first = c.connections.first().map(|e| e.timestamp.clone());
        let seconds = offset(c.span_ticks);
        let seconds = seconds.trim_start_matches('+').trim_end_matches(" s");
        line(&[
            c.id.clone(),
            c.start.timestamp.clone(),
            c.device_name.clone(),
            c.device_id.clone(),
            c.folder_path.clone(),
            c.file_name.clone(),
            crate::attack::field(&c.start, "ProcessCommandLine")
                .unwrap_or("")
                .to_string(),
            c.sha256.clone(),
            c.sha1.clone(),
            c.md5.clone(),
            c.remote_ips.join("; "),
            c.accounts.join("; "),
            first.unwrap_or_default(),
            seconds.to_string(),
            c.connections.len().to_string(),
            c.logons.len().to_string(),
            c.writes.len().to_string(),
            c.rows.len().to_string(),
            techniques(c)
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
                .join("; "),
            c.notes
                .iter()
                .map(|n| n.code.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell(""), "");
        assert_eq!(cell("a,b"), "\"a,b\"");
    }

    #[test]
    fn long_cells_are_cut_for_spreadsheets() {
        let v = "x".repeat(100_000);
        let c = cell(&v);
        assert!(c.chars().count() <= EXCEL_CELL_MAX);
        assert!(c.ends_with("…[67333 more characters: see the chains JSON]"));
    }
}
