//! Hostile sizes: each stops only its own stream, with an error saying which cap and where,
//! in bounded memory and time; what was read before and every other input are kept.

mod common;
use common::*;
use copyexec_core::diag::Severity;
use copyexec_core::load::{Limits, LoadOptions, Loaded, Loader};
use copyexec_core::schema::Table;
use std::cell::Cell;
use std::io::{Read, Write};
use std::rc::Rc;

/// Loads `inputs` (name, bytes or a reader) with `limits`.
fn load_with_limits(inputs: Vec<(&str, Box<dyn Read + '_>)>, limits: Limits) -> Loaded {
    let mut loader = Loader::new(LoadOptions::default()).with_limits(limits);
    for (name, reader) in inputs {
        loader.add_input(name, None, reader, &mut |_| true).unwrap();
    }
    loader.finish()
}

fn bytes(b: &[u8]) -> Box<dyn Read + '_> {
    Box::new(b)
}

/// A good input beside the hostile one: its row must survive.
fn good() -> String {
    csv(PROC, &[start(0, "d1", r"C:\good.exe", "good")])
}

fn errors(loaded: &Loaded) -> Vec<String> {
    loaded
        .reports
        .iter()
        .flat_map(|r| &r.diagnostics.items)
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect()
}

fn good_survived(loaded: &Loaded) {
    let good = loaded
        .reports
        .iter()
        .find(|r| r.name == "good.csv")
        .expect("the good input is reported");
    assert_eq!(good.tables[&Table::DeviceProcessEvents].used, 1);
    assert!(!good.read_failed());
}

/// Net rows, the same one repeated: compresses about a hundredfold.
fn repetitive_csv(rows: usize) -> String {
    let row = net(0, "d1", "10.0.0.5", "445");
    let mut s = String::with_capacity(rows * (row.len() + 1) + 100);
    s.push_str(NET);
    s.push('\n');
    for _ in 0..rows {
        s.push_str(&row);
        s.push('\n');
    }
    s
}

fn net_read(loaded: &Loaded, name: &str) -> u64 {
    loaded
        .reports
        .iter()
        .find(|r| r.name == name)
        .and_then(|r| r.tables.get(&Table::DeviceNetworkEvents))
        .map_or(0, |s| s.read)
}

#[test]
fn a_gzip_bomb_stops_at_the_ratio_and_at_the_size_cap() {
    let text = repetitive_csv(80_000); // about 8 MB
    let gz = gzip(text.as_bytes());
    assert!(text.len() / gz.len() > 50, "the test input compresses well");
    let tight_ratio = Limits {
        ratio_after: 1 << 20,
        max_ratio: 20,
        ..Limits::default()
    };
    let tight_size = Limits {
        max_unpacked: 2 << 20,
        ..Limits::default()
    };
    for (limits, says) in [
        (tight_ratio, "more than 20 times its size"),
        (tight_size, "more than 2 MiB unpacked"),
    ] {
        let good = good();
        let loaded = load_with_limits(
            vec![
                ("bomb.csv.gz", bytes(&gz)),
                ("good.csv", bytes(good.as_bytes())),
            ],
            limits,
        );
        let errs = errors(&loaded);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("error: bomb.csv.gz → bomb.csv:"),
            "{errs:?}"
        );
        assert!(errs[0].contains(says), "{errs:?}");
        assert!(
            errs[0].contains("the records before it were analysed"),
            "{errs:?}"
        );
        let read = net_read(&loaded, "bomb.csv.gz → bomb.csv");
        assert!(
            read > 1000 && read < 80_000,
            "rows before the cap are kept: {read}"
        );
        good_survived(&loaded);
    }
    // The caps are what stopped it: with the defaults, every row is read.
    let loaded = load_with_limits(vec![("bomb.csv.gz", bytes(&gz))], Limits::default());
    assert!(errors(&loaded).is_empty());
    assert_eq!(net_read(&loaded, "bomb.csv.gz → bomb.csv"), 80_000);
}

#[test]
fn a_zip_bomb_member_is_refused_and_the_others_read() {
    let text = repetitive_csv(80_000);
    let small = csv(NET, &[net(0, "d2", "10.0.0.6", "445")]);
    let z = zip(&[
        ("bomb.csv", text.into_bytes()),
        ("small.csv", small.into_bytes()),
    ]);
    for limits in [
        Limits {
            ratio_after: 1 << 20,
            max_ratio: 20,
            ..Limits::default()
        },
        Limits {
            max_unpacked: 2 << 20,
            ..Limits::default()
        },
    ] {
        let good = good();
        let loaded = load_with_limits(
            vec![("x.zip", bytes(&z)), ("good.csv", bytes(good.as_bytes()))],
            limits,
        );
        let errs = errors(&loaded);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains("x.zip › bomb.csv: not analysed: unpacking stopped"),
            "{errs:?}"
        );
        assert_eq!(net_read(&loaded, "x.zip › small.csv"), 1);
        good_survived(&loaded);
    }
    let loaded = load_with_limits(vec![("x.zip", bytes(&z))], Limits::default());
    assert_eq!(net_read(&loaded, "x.zip › bomb.csv"), 80_000);
}

#[test]
fn a_zip_of_100000_members_reads_up_to_the_cap_and_says_so() {
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Stored);
    for i in 0..100_000 {
        w.start_file(format!("m{i}.txt"), opts).unwrap();
        w.write_all(b"x\n").unwrap();
    }
    let z = w.finish().unwrap().into_inner();
    let limit = Limits::default().max_members;
    assert!(limit < 100_000);
    let good = good();
    let loaded = load_with_limits(
        vec![
            ("many.zip", bytes(&z)),
            ("good.csv", bytes(good.as_bytes())),
        ],
        Limits::default(),
    );
    let members = loaded
        .reports
        .iter()
        .filter(|r| r.name.starts_with("many.zip › "))
        .count();
    assert_eq!(members, limit);
    let archive = loaded
        .reports
        .iter()
        .find(|r| r.name == "many.zip")
        .expect("the archive says what it left out");
    assert_eq!(
        archive.skipped.as_deref(),
        Some(
            format!(
                "a zip archive of 100000 members; only the first {limit} were read (the limit)"
            )
            .as_str()
        )
    );
    good_survived(&loaded);
}

/// Bytes made as they are read: a header, a row, `long` bytes on one line, then a row.
struct Generated {
    parts: Vec<Vec<u8>>,
    long: u64,
    given: Rc<Cell<u64>>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.parts.len() > 1 {
            let part = &mut self.parts[0];
            let n = part.len().min(buf.len());
            buf[..n].copy_from_slice(&part[..n]);
            part.drain(..n);
            if part.is_empty() {
                self.parts.remove(0);
            }
            n
        } else if self.long > 0 {
            let n = (self.long as usize).min(buf.len());
            buf[..n].fill(b'a');
            self.long -= n as u64;
            n
        } else if let Some(part) = self.parts.first_mut() {
            let n = part.len().min(buf.len());
            buf[..n].copy_from_slice(&part[..n]);
            part.drain(..n);
            if part.is_empty() {
                self.parts.clear();
            }
            n
        } else {
            0
        };
        self.given.set(self.given.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn a_gigabyte_on_one_line_stops_at_the_line_cap_in_bounded_memory() {
    let gib = 1u64 << 30;
    assert!(
        Limits::default().max_line < gib,
        "the default cap stops a 1 GiB line"
    );
    let limits = Limits {
        max_line: 4 << 20,
        ..Limits::default()
    };
    let row = start(0, "d1", r"C:\a.exe", "a");
    let json_row = |path: &str| {
        format!(
            r#"{{"category":"AdvancedHunting-DeviceProcessEvents","properties":{{"Timestamp":"{}","DeviceId":"d1","FolderPath":"{path}"}}}}"#,
            at(0)
        )
    };
    let cases: [(&str, Vec<Vec<u8>>); 2] = [
        (
            "long.csv",
            vec![
                format!("{PROC}\r\n{row}\r\n\"").into_bytes(),
                format!("\"\r\n{row}\r\n").into_bytes(),
            ],
        ),
        (
            "long.json",
            vec![
                format!("{}\n", json_row("C:\\\\a.exe")).into_bytes(),
                format!("\n{}\n", json_row("C:\\\\b.exe")).into_bytes(),
            ],
        ),
    ];
    for (name, parts) in cases {
        let given = Rc::new(Cell::new(0));
        let long = Generated {
            parts,
            long: gib,
            given: Rc::clone(&given),
        };
        let good = good();
        let loaded = load_with_limits(
            vec![(name, Box::new(long)), ("good.csv", bytes(good.as_bytes()))],
            limits,
        );
        assert!(
            given.get() < 16 << 20,
            "{name}: reading stopped near the cap, after {} bytes",
            given.get()
        );
        let errs = errors(&loaded);
        assert_eq!(errs.len(), 1, "{errs:?}");
        let line = if name.ends_with(".csv") { 3 } else { 2 };
        assert!(
            errs[0].starts_with(&format!("error: {name}:{line}: reading stopped at this line: a line longer than 4 MiB (the limit)")),
            "{errs:?}"
        );
        let r = loaded.reports.iter().find(|r| r.name == name).unwrap();
        assert_eq!(
            r.tables[&Table::DeviceProcessEvents].used,
            1,
            "the row before"
        );
        good_survived(&loaded);
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let record = |path: &str| {
        format!(
            r#"{{"category":"AdvancedHunting-DeviceProcessEvents","properties":{{"Timestamp":"{}","DeviceId":"d1","FolderPath":"{path}"}}}}"#,
            at(0)
        )
    };
    // JSON lines: the deep line is skipped and counted, the others read.
    let lines = format!(
        "{}\n{deep}\n{{\"properties\":{{\"a\":{deep}}},\"category\":\"AdvancedHunting-DeviceProcessEvents\"}}\n{}\n",
        record("C:\\\\a.exe"),
        record("C:\\\\b.exe")
    );
    // A document: the whole stream is not analysed, with the parser's position.
    let doc = format!("{{\n\"Schema\": [],\n\"Results\": [{deep}]\n}}\n");
    let good = good();
    let loaded = load_with_limits(
        vec![
            ("deep.json", bytes(lines.as_bytes())),
            ("deep-doc.json", bytes(doc.as_bytes())),
            ("good.csv", bytes(good.as_bytes())),
        ],
        Limits::default(),
    );
    let lines_report = &loaded.reports[0];
    assert_eq!(lines_report.tables[&Table::DeviceProcessEvents].used, 2);
    assert_eq!(lines_report.other_tables["unreadable JSON line"], 2);
    let doc_report = &loaded.reports[1];
    let why = doc_report.skipped.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("not valid JSON (line 3, column") && why.contains("recursion limit"),
        "{why}"
    );
    good_survived(&loaded);
}

#[test]
fn a_cut_zip_reads_the_members_before_the_cut() {
    let members: Vec<(&str, Vec<u8>)> = (0..4)
        .map(|i| {
            (
                ["a.csv", "b.csv", "c.csv", "d.csv"][i],
                repetitive_csv(2000).into_bytes(),
            )
        })
        .collect();
    let z = zip(&members);
    let cut = &z[..z.len() * 6 / 10];
    let loaded = load_with_limits(vec![("cut.zip", bytes(cut))], Limits::default());
    let read: Vec<&str> = loaded
        .reports
        .iter()
        .filter(|r| r.tables.contains_key(&Table::DeviceNetworkEvents))
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(read, ["cut.zip › a.csv", "cut.zip › b.csv"]);
    let errs = errors(&loaded);
    assert!(
        errs.iter().any(|e| e.contains("cut.zip: not analysed")
            && e.contains("the 2 members before the damage were read")),
        "{errs:?}"
    );
}
