//! One file read in pieces (as the app's reading workers read a large export) merges into what
//! one reader reads: the same events at the same lines and bytes, the same reports, rows and
//! chains, whatever the number of pieces and wherever their boundaries fall.

mod common;

use common::*;
use copyexec_core::evidence::SeekReader;
use copyexec_core::load::{LoadOptions, Loaded, Loader, Part, Piece};
use copyexec_core::time::DateOrder;
use copyexec_core::Dataset;
use std::io::Cursor;

/// The file read whole.
fn whole(name: &str, bytes: &[u8], options: LoadOptions) -> Dataset {
    let mut loader = Loader::new(options);
    loader
        .add_input(name, Some(bytes.len() as u64), bytes, &mut |_| true)
        .unwrap();
    Dataset::new(loader.finish())
}

/// The file read in `of` pieces, each into a part of its own (sent as bytes when `sent`),
/// with the other files' parts around them.
fn in_pieces(name: &str, bytes: &[u8], of: u32, options: LoadOptions, sent: bool) -> Dataset {
    let parts: Vec<Part> = (0..of)
        .map(|index| {
            let mut file = SeekReader(Cursor::new(bytes));
            let mut read = 0;
            let part = Loader::new(options)
                .read_piece(
                    name,
                    bytes.len() as u64,
                    &mut file,
                    Piece { index, of },
                    &mut |n| {
                        assert!(n >= read, "progress goes forward");
                        read = n;
                        true
                    },
                )
                .unwrap();
            if sent {
                Part::from_bytes(&part.to_bytes()).unwrap()
            } else {
                part
            }
        })
        .collect();
    Dataset::new(Loaded::from_parts(parts))
}

fn assert_same(name: &str, bytes: &[u8], options: LoadOptions, pieces: &[u32]) {
    let one = seen_of(whole(name, bytes, options));
    for &of in pieces {
        for sent in [false, true] {
            let many = seen_of(in_pieces(name, bytes, of, options, sent));
            assert_eq!(many.1, one.1, "{name} in {of} pieces: reports");
            assert_eq!(many.0, one.0, "{name} in {of} pieces: events");
            assert_eq!(many.2, one.2, "{name} in {of} pieces: rows");
            assert_eq!(many.3, one.3, "{name} in {of} pieces: document");
        }
    }
}

/// Everything a data set holds that a reader could tell apart: its events (with their lines
/// and bytes) and strings, its reports, the query's rows, the analysis.
fn seen_of(d: Dataset) -> (String, String, Vec<String>, String) {
    let settings = copyexec_core::Settings {
        near_misses: true,
        ..Default::default()
    };
    let rows = row_lines(&d, 5);
    let store = serde_json::to_string(d.store()).unwrap();
    let reports = serde_json::to_string(d.reports()).unwrap();
    let engine = copyexec_core::Engine::new(d, settings);
    (
        store,
        reports,
        rows,
        serde_json::to_string(&engine.document()).unwrap(),
    )
}

/// A small deterministic random source.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// How a generated process export is written.
#[derive(Clone, Copy, Default)]
struct Style {
    crlf: bool,
    lone_cr: bool,
    bom: bool,
    /// Timestamps as `MM/DD/YYYY`-or-`DD/MM/YYYY` text, all ambiguous but (when set) one.
    numeric_dates: Option<bool>,
    /// One line longer than 4 KiB at about this share of the file.
    long_line_at: Option<f64>,
    json: bool,
}

/// A process export of `rows` rows with quoted line ends, blank lines, damaged rows and bad
/// values scattered through it, so boundaries fall on all of them.
fn process_export(rows: usize, style: Style, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let end = if style.lone_cr {
        "\r"
    } else if style.crlf {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::new();
    if style.bom {
        out.push('\u{feff}');
    }
    if !style.json {
        out.push_str(PROC);
        out.push_str(end);
    }
    let decisive_at = rows * 2 / 3;
    for i in 0..rows {
        let t = 3 * S + (i as i64) * S / 10;
        let mut stamp = at(t);
        if let Some(decisive) = style.numeric_dates {
            let (a, b) = if decisive && i == decisive_at {
                (25, 11)
            } else {
                (3, 11)
            };
            stamp = format!("{a:02}/{b:02}/2024 08:{:02}:{:02}", (i / 60) % 60, i % 60);
        }
        let path = if i == 7 {
            r"C:\Windows\PSEXESVC.exe".to_string()
        } else {
            format!(r"C:\Tools\t{}.exe", rng.below(50))
        };
        let cmd = match rng.below(9) {
            0 => format!("\"line one{end}line two {i}\""),
            1 => format!("\"quoted, comma \"\"{i}\"\"\""),
            _ => format!("run {i}"),
        };
        let pid = if rng.below(25) == 0 {
            "x12".to_string()
        } else {
            (100 + i).to_string()
        };
        if let Some(share) = style.long_line_at {
            if i == (rows as f64 * share) as usize {
                out.push_str(&format!(
                    "{stamp},d1,host-d1,ProcessCreated,{}{end}",
                    "y".repeat(5000)
                ));
                continue;
            }
        }
        if style.json {
            let cmd = cmd.trim_matches('"').replace(end, " ");
            let line = serde_json::json!({
                "Timestamp": stamp, "DeviceId": "d1", "DeviceName": "host-d1",
                "ActionType": "ProcessCreated", "FileName": "t.exe", "FolderPath": path,
                "ProcessCommandLine": cmd, "ProcessId": pid,
            });
            out.push_str(&line.to_string());
            if rng.below(40) == 0 {
                out.push_str(&format!("{end}{{not json"));
            }
        } else if rng.below(60) == 0 {
            out.push_str(&format!("{stamp},d1,too,few"));
        } else {
            let name = path.rsplit('\\').next().unwrap();
            out.push_str(&format!(
                "{stamp},d1,host-d1,ProcessCreated,{name},{path},{cmd},{pid},SYSTEM,777,Kerberos"
            ));
        }
        out.push_str(end);
        if rng.below(30) == 0 {
            out.push_str(end);
        }
    }
    out.into_bytes()
}

const PIECES: &[u32] = &[1, 2, 3, 7, 16];

#[test]
fn csv_in_pieces_is_the_csv_read_whole() {
    let o = LoadOptions::default();
    let styles = [
        Style::default(),
        Style {
            crlf: true,
            bom: true,
            ..Default::default()
        },
        Style {
            lone_cr: true,
            ..Default::default()
        },
    ];
    for (i, style) in styles.into_iter().enumerate() {
        let bytes = process_export(3000, style, i as u64 + 1);
        assert!(bytes.len() > 200_000, "pieces beyond the head");
        assert_same("proc.csv", &bytes, o, PIECES);
    }
}

#[test]
fn json_lines_in_pieces_are_the_lines_read_whole() {
    let style = Style {
        json: true,
        crlf: true,
        ..Default::default()
    };
    let bytes = process_export(3000, style, 9);
    assert_same("proc.jsonl", &bytes, LoadOptions::default(), PIECES);
}

#[test]
fn day_month_order_is_decided_on_the_whole_file() {
    // One date late in the file tells day first: every piece's dates are read that way.
    let told = process_export(
        2500,
        Style {
            numeric_dates: Some(true),
            ..Default::default()
        },
        3,
    );
    assert_same("told.csv", &told, LoadOptions::default(), PIECES);
    let d = in_pieces("told.csv", &told, 7, LoadOptions::default(), true);
    let order = d.reports()[0].timestamps.date_order.clone().unwrap();
    assert!(order.starts_with("day first (inferred: line "), "{order}");
    // None tells: the rows wait for the reader's choice, then go where one reader puts them.
    let untold = process_export(
        2500,
        Style {
            numeric_dates: Some(false),
            ..Default::default()
        },
        4,
    );
    assert_same("untold.csv", &untold, LoadOptions::default(), PIECES);
    let mut one = whole("untold.csv", &untold, LoadOptions::default());
    let mut many = in_pieces("untold.csv", &untold, 7, LoadOptions::default(), true);
    assert_eq!(many.undecided_streams(), 1);
    assert_eq!(
        many.decide_dates(DateOrder::Dmy),
        one.decide_dates(DateOrder::Dmy)
    );
    assert!(one.store().procs.len() > 2000);
    assert_eq!(seen_of(many), seen_of(one));
}

#[test]
fn damage_in_a_piece_ends_the_stream_there() {
    let limits = copyexec_core::load::Limits {
        max_line: 4096,
        ..Default::default()
    };
    let bytes = process_export(
        3000,
        Style {
            long_line_at: Some(0.55),
            ..Default::default()
        },
        5,
    );
    let read = |of: u32| {
        let parts = (0..of)
            .map(|index| {
                Loader::new(LoadOptions::default())
                    .with_limits(limits)
                    .read_piece(
                        "proc.csv",
                        bytes.len() as u64,
                        &mut SeekReader(Cursor::new(&bytes)),
                        Piece { index, of },
                        &mut |_| true,
                    )
                    .unwrap()
            })
            .collect();
        seen_of(Dataset::new(Loaded::from_parts(parts)))
    };
    let one = read(1);
    assert!(one.1.contains("reading stopped at this line"), "{}", one.1);
    for of in [2, 4, 9] {
        assert_eq!(read(of), one, "{of} pieces");
    }
}

#[test]
fn a_small_file_in_many_pieces() {
    let bytes = csv(
        PROC,
        &[
            start(3 * S, "d1", r"C:\x.exe", "x"),
            start(4 * S, "d1", r"C:\y.exe", "y"),
        ],
    );
    assert_same(
        "small.csv",
        bytes.as_bytes(),
        LoadOptions::default(),
        &[2, 8],
    );
    assert_same(
        "header-only.csv",
        format!("{PROC}\n").as_bytes(),
        LoadOptions::default(),
        &[3],
    );
    assert_same("empty.csv", b"", LoadOptions::default(), &[3]);
}

#[test]
fn the_data_sets_in_pieces() {
    let Some(files) = every_dataset_file() else {
        return;
    };
    for (name, bytes) in &files {
        // Compressed files, archives, event logs and documents are read whole by the first.
        assert_same(name, bytes, LoadOptions::default(), &[2, 5]);
    }
}

#[test]
fn pieces_among_other_files_make_the_chains_of_one_reading() {
    let files = chain_csvs();
    let mut proc = process_export(3000, Style::default(), 11);
    proc.extend_from_slice(files[3].1.lines().nth(1).unwrap().as_bytes());
    proc.push(b'\n');
    let mut loader = Loader::new(LoadOptions::default());
    for (name, text) in &files[..3] {
        let size = Some(text.len() as u64);
        loader
            .add_input(name, size, text.as_bytes(), &mut |_| true)
            .unwrap();
    }
    let size = Some(proc.len() as u64);
    loader
        .add_input("proc.csv", size, proc.as_slice(), &mut |_| true)
        .unwrap();
    let one = seen_of(Dataset::new(loader.finish()));
    let mut parts: Vec<Part> = files[..3]
        .iter()
        .map(|(n, t)| part_of(n, t.as_bytes()))
        .collect();
    for index in 0..4 {
        let part = Loader::new(LoadOptions::default())
            .read_piece(
                "proc.csv",
                proc.len() as u64,
                &mut SeekReader(Cursor::new(&proc)),
                Piece { index, of: 4 },
                &mut |_| true,
            )
            .unwrap();
        parts.push(Part::from_bytes(&part.to_bytes()).unwrap());
    }
    let many = seen_of(Dataset::new(Loaded::from_parts(parts)));
    assert!(many.3.contains(r#""chains":1"#), "a chain");
    for (a, b) in [(&many.0, &one.0), (&many.1, &one.1), (&many.3, &one.3)] {
        let at = a
            .bytes()
            .zip(b.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let show = |s: &str| s[at.saturating_sub(150)..(at + 100).min(s.len())].to_string();
        assert_eq!(show(a), show(b));
    }
    assert_eq!(many, one);
}

#[test]
fn a_piece_that_opens_on_a_byte_order_mark_keeps_it() {
    // A reader strips a byte-order mark only at the start of the file: one opening a row (a
    // file pasted after another) is text of that row, in whichever piece the row falls.
    let rows: Vec<String> = (0..4000)
        .map(|i| {
            let row = start(3 * S + i * S, "d1", r"C:\x.exe", &format!("run {i}"));
            if i % 3 == 0 {
                format!("\u{feff}{row}")
            } else {
                row
            }
        })
        .collect();
    let bytes = csv(PROC, &rows);
    assert_same(
        "pasted.csv",
        bytes.as_bytes(),
        LoadOptions::default(),
        &[2, 5, 11],
    );
}
