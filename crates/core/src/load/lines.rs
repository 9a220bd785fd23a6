//! Physical line numbers of CSV records.
//!
//! The `csv` crate gives each record the position where the reader resumed, before it skips
//! the line ends in front of the record: after a CRLF line end (the `\r` ends a record, its
//! `\n` is skipped with the next one) or a blank line, the line it reports is the one before.
//! Where the reader stands *after* the record is exact, so the record's first line is that,
//! less the line breaks inside its fields, less its own `\n` terminator when the file ends its
//! lines with a bare LF (told by the header row).

/// Turns the `csv` crate's positions into the physical line a record starts on.
#[derive(Clone, Copy, Debug)]
pub struct PhysicalLines {
    lf: bool,
}

fn breaks(record: &csv::ByteRecord) -> u64 {
    record
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum()
}

impl PhysicalLines {
    /// From the header row and the reader's line right after it (the header starts on line 1).
    pub fn after_header(header: &csv::ByteRecord, line_after: u64) -> Self {
        PhysicalLines {
            lf: line_after == 1 + breaks(header) + 1,
        }
    }

    /// The line `record` starts on, given the reader's line right after reading it. A last
    /// record with no line end, in an LF file, has no `\n` of its own: there the reported line
    /// is the floor, which is exact unless blank lines stand before that record.
    pub fn line(&self, record: &csv::ByteRecord, line_after: u64) -> u64 {
        let reported = record.position().map_or(1, |p| p.line());
        line_after
            .saturating_sub(breaks(record) + u64::from(self.lf))
            .max(reported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(String, u64)> {
        let mut rdr = super::super::csv::reader_builder(b',').from_reader(text.as_bytes());
        let mut r = csv::ByteRecord::new();
        assert!(rdr.read_byte_record(&mut r).unwrap());
        let fix = PhysicalLines::after_header(&r, rdr.position().line());
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut r).unwrap() {
            let first = String::from_utf8_lossy(&r[0]).into_owned();
            out.push((first, fix.line(&r, rdr.position().line())));
        }
        out
    }

    #[test]
    fn crlf_lf_blank_lines_and_breaks_in_fields() {
        let expected: Vec<(String, u64)> = [("a", 2), ("c\nx", 3), ("e", 5), ("g", 7)]
            .iter()
            .map(|(s, l)| (s.to_string(), *l))
            .collect();
        let lf = "h1,h2\na,b\n\"c\nx\",d\ne,f\n\ng,h\n";
        assert_eq!(lines(lf), expected);
        let no_blank = lf.replace("\n\ng", "\ng");
        let mut shifted = expected.clone();
        shifted[3].1 = 6;
        assert_eq!(lines(&no_blank), shifted);
        assert_eq!(
            lines(no_blank.trim_end()),
            shifted,
            "no line end after the last record"
        );
        let crlf = lf.replace('\n', "\r\n");
        let crlf_expected: Vec<(String, u64)> = expected
            .iter()
            .map(|(s, l)| (s.replace('\n', "\r\n"), *l))
            .collect();
        assert_eq!(lines(&crlf), crlf_expected);
        assert_eq!(lines(crlf.trim_end()), crlf_expected);
    }
}
