//! Invariants of loading and the query, on generated inputs (proptest shrinks a failure to a
//! minimal case): any bytes are read without a panic; splitting a table across files gives
//! the same rows; rows only grow with the tolerance.

mod common;
use common::*;
use copyexec_core::evidence::SeekReader;
use copyexec_core::load::{LoadOptions, Loader};
use copyexec_core::Dataset;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Loads every input, runs the query and chains, and reads every loaded row back both ways.
fn hunt(inputs: &[(&str, Vec<u8>)]) -> Dataset {
    let mut loader = Loader::new(LoadOptions::default());
    for (name, bytes) in inputs {
        loader
            .add_input(
                name,
                Some(bytes.len() as u64),
                bytes.as_slice(),
                &mut |_| true,
            )
            .unwrap();
    }
    let loaded = loader.finish();
    let stream_inputs: Vec<u32> = loaded.streams.iter().map(|s| s.input).collect();
    let d = Dataset::new(loaded);
    let rows = d.rows(5);
    let chains = d.chains(&rows, 5);
    let near = d.near_misses(&rows, 5);
    let _ = near;
    // The story of whatever came out: hosts, moves, groups and the picture never panic.
    let story = copyexec_core::story::Story::build(d.store(), &chains, &[]);
    let _ = copyexec_core::story::graph::layout(&story.spread);
    let store = d.store();
    let mut by_stream: BTreeMap<u32, std::collections::BTreeSet<_>> = BTreeMap::new();
    for loc in store
        .procs
        .iter()
        .map(|e| e.loc)
        .chain(store.net.iter().map(|e| e.loc))
    {
        by_stream.entry(loc.stream).or_default().insert(loc);
    }
    for (stream, locs) in by_stream {
        let input = stream_inputs[stream as usize];
        let bytes = &inputs[input as usize].1;
        let req = copyexec_core::dataset::EvidenceRequest {
            input,
            stream,
            locs,
        };
        let read = d.read_evidence(&req, Box::new(bytes.as_slice()));
        let mut at = SeekReader(std::io::Cursor::new(bytes.clone()));
        if let (Some(Ok(jumped)), Ok(read)) = (d.read_evidence_at(&req, &mut at), read) {
            assert_eq!(jumped, read, "evidence by jumping equals reading through");
        }
    }
    d
}

/// Bytes that look like exports often enough to go deep: CSV and JSON punctuation, line ends
/// of every style, digits, a BOM and compression magic.
fn export_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> =
        b",;\t\"\r\n {}[]:0123456789-TZ.aAeE\\xPK\x1f\x8b\xef\xbb\xbf\xff\0".to_vec();
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(alphabet), 1 => any::<u8>()],
        0..2048,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048),
                             body in export_bytes()) {
        let mut csv = format!("{PROC}\r\n").into_bytes();
        csv.extend_from_slice(&body);
        let mut json = br#"{"Schema":[{"Name":"Timestamp"},{"Name":"DeviceId"},{"Name":"FolderPath"}],"Results":["#.to_vec();
        json.extend_from_slice(&body);
        hunt(&[("raw", raw), ("p.csv", csv), ("api.json", json), ("body", body)]);
    }
}

/// One generated event of the hunt's tables, in a small world where they often join.
#[derive(Clone, Debug)]
enum Ev {
    Net {
        t: i64,
        dev: usize,
        ip: usize,
        port445: bool,
    },
    Logon {
        t: i64,
        dev: usize,
        ip: usize,
    },
    Write {
        t: i64,
        dev: usize,
        path: usize,
        kernel: bool,
    },
    Start {
        t: i64,
        dev: usize,
        path: usize,
    },
}

const DEVS: [&str; 2] = ["d1", "d2"];
const IPS: [&str; 3] = ["10.0.0.5", "110.0.0.5", "10.0.0.6"];
const PATHS: [&str; 3] = [r"C:\a.exe", r"C:\b.exe", r"c:\A.exe"];

fn event() -> impl Strategy<Value = Ev> {
    // Times within 12 s, at 100 ms steps with a few ticks of jitter: windows edges get hit.
    let t = (0i64..120, 0i64..3).prop_map(|(s, j)| s * S / 10 + j);
    prop_oneof![
        (t.clone(), 0..2usize, 0..3usize, any::<bool>()).prop_map(|(t, dev, ip, port445)| {
            Ev::Net {
                t,
                dev,
                ip,
                port445,
            }
        }),
        (t.clone(), 0..2usize, 0..3usize).prop_map(|(t, dev, ip)| Ev::Logon { t, dev, ip }),
        (t.clone(), 0..2usize, 0..3usize, any::<bool>()).prop_map(|(t, dev, path, kernel)| {
            Ev::Write {
                t,
                dev,
                path,
                kernel,
            }
        }),
        (t, 0..2usize, 0..3usize).prop_map(|(t, dev, path)| Ev::Start { t, dev, path }),
    ]
}

/// The events as CSV rows of each table (net, logon, file, process), in generated order.
fn table_rows(events: &[Ev]) -> [Vec<String>; 4] {
    let mut out: [Vec<String>; 4] = Default::default();
    for e in events {
        match *e {
            Ev::Net {
                t,
                dev,
                ip,
                port445,
            } => out[0].push(net(
                t,
                DEVS[dev],
                IPS[ip],
                if port445 { "445" } else { "139" },
            )),
            Ev::Logon { t, dev, ip } => out[1].push(logon(t, DEVS[dev], IPS[ip], "alice")),
            Ev::Write {
                t,
                dev,
                path,
                kernel,
            } => out[2].push(write(
                t,
                DEVS[dev],
                PATHS[path],
                "FileCreated",
                if kernel { "System" } else { "explorer.exe" },
            )),
            Ev::Start { t, dev, path } => out[3].push(start(t, DEVS[dev], PATHS[path], "x")),
        }
    }
    out
}

const HEADERS: [&str; 4] = [NET, LOGON, FILE, PROC];

fn as_refs(v: &[(String, Vec<u8>)]) -> Vec<(&str, Vec<u8>)> {
    v.iter().map(|(n, b)| (n.as_str(), b.clone())).collect()
}

fn sorted_rows(d: &Dataset, tolerance: i64) -> Vec<String> {
    let mut rows = row_lines(d, tolerance);
    rows.sort();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn splitting_tables_across_files_gives_the_same_rows(
        events in prop::collection::vec(event(), 0..60),
        cuts in prop::collection::vec(0usize..60, 4),
    ) {
        let tables = table_rows(&events);
        let whole: Vec<(String, Vec<u8>)> = (0..4)
            .map(|i| (format!("t{i}.csv"), csv(HEADERS[i], &tables[i]).into_bytes()))
            .collect();
        // Each table in two files, cut at a generated row; the second half gzipped.
        let mut split = Vec::new();
        for i in 0..4 {
            let at = cuts[i].min(tables[i].len());
            split.push((format!("t{i}a.csv"), csv(HEADERS[i], &tables[i][..at]).into_bytes()));
            split.push((format!("t{i}b.csv.gz"), gzip(csv(HEADERS[i], &tables[i][at..]).as_bytes())));
        }
        let a = hunt(&as_refs(&whole));
        let b = hunt(&as_refs(&split));
        for tolerance in [0, 1, 5] {
            prop_assert_eq!(sorted_rows(&a, tolerance), sorted_rows(&b, tolerance));
        }
    }

    #[test]
    fn rows_only_grow_with_the_tolerance(events in prop::collection::vec(event(), 0..60)) {
        let tables = table_rows(&events);
        let files: Vec<(&str, Vec<u8>)> = ["n.csv", "l.csv", "f.csv", "p.csv"]
            .into_iter()
            .zip(0..4)
            .map(|(n, i)| (n, csv(HEADERS[i], &tables[i]).into_bytes()))
            .collect();
        let d = hunt(&files);
        let mut before: BTreeMap<String, usize> = BTreeMap::new();
        for tolerance in [0, 1, 2, 5, 12] {
            let mut now: BTreeMap<String, usize> = BTreeMap::new();
            for r in row_lines(&d, tolerance) {
                *now.entry(r).or_default() += 1;
            }
            for (row, n) in &before {
                prop_assert!(
                    now.get(row).copied().unwrap_or(0) >= *n,
                    "row lost going to tolerance {}: {}", tolerance, row
                );
            }
            before = now;
        }
    }
}
