//! What the fuzz targets share: load bytes the way the CLI and the app do, run the hunt on
//! them (the engine: rows, chains, near misses, groups and spread, the document), and read
//! every loaded row back as evidence both ways, checking the two agree.

use copyexec_core::dataset::EvidenceRequest;
use copyexec_core::engine::{Engine, Settings};
use copyexec_core::evidence::SeekReader;
use copyexec_core::load::{LoadOptions, Loader};
use copyexec_core::store::Loc;
use copyexec_core::time::DateOrder;
use copyexec_core::Dataset;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

/// Options picked by one byte: time zone and day/month order.
pub fn options(selector: u8) -> LoadOptions {
    LoadOptions {
        offset_minutes: [0, 120, -330, 840][(selector & 3) as usize],
        date_order: [DateOrder::Auto, DateOrder::Mdy, DateOrder::Dmy][(selector >> 2) as usize % 3],
    }
}

/// Loads `inputs` as one data set, runs the query, chains and near misses, and reads the rows
/// of every loaded event again; evidence read by jumping must equal evidence read through.
pub fn hunt(inputs: &[(&str, &[u8])], options: LoadOptions) {
    let mut loader = Loader::new(options);
    for (name, bytes) in inputs {
        loader
            .add_input(name, Some(bytes.len() as u64), *bytes, &mut |_| true)
            .expect("nothing cancels");
    }
    let loaded = loader.finish();
    let stream_inputs: Vec<u32> = loaded.streams.iter().map(|s| s.input).collect();
    let mut engine = Engine::new(
        Dataset::new(loaded),
        Settings {
            tolerance_seconds: 0,
            near_misses: true,
            ..Settings::default()
        },
    );
    for tolerance in [0, 5] {
        engine.set_tolerance(tolerance);
        let mut out = Vec::new();
        engine.write_rows_csv(&mut out).expect("writing to memory");
        let doc = engine.document();
        let _ = copyexec_core::story::graph::layout(&doc.spread);
        serde_json::to_string(&doc).expect("a document serializes");
    }
    reread(engine.data(), &stream_inputs, inputs);
}

fn reread(data: &Dataset, stream_inputs: &[u32], inputs: &[(&str, &[u8])]) {
    let store = data.store();
    let mut by_stream: BTreeMap<u32, BTreeSet<Loc>> = BTreeMap::new();
    let locs = store
        .net
        .iter()
        .map(|e| e.loc)
        .chain(store.logons.iter().map(|e| e.loc))
        .chain(store.files.iter().map(|e| e.loc))
        .chain(store.procs.iter().map(|e| e.loc));
    for loc in locs {
        by_stream.entry(loc.stream).or_default().insert(loc);
    }
    for (stream, locs) in by_stream {
        let input = stream_inputs[stream as usize];
        let bytes = inputs[input as usize].1;
        let req = EvidenceRequest {
            input,
            stream,
            locs,
        };
        let read = data.read_evidence(&req, Box::new(Cursor::new(bytes)));
        let mut at = SeekReader(Cursor::new(bytes));
        if let (Some(Ok(jumped)), Ok(read)) = (data.read_evidence_at(&req, &mut at), &read) {
            assert_eq!(
                &jumped, read,
                "evidence by jumping differs from reading through"
            );
        }
    }
}

/// Reads `file` whole and in `pieces` pieces (each part sent as bytes, as between the app's
/// workers); panics unless both give the same events and reports.
pub fn pieces_agree(file: &[u8], pieces: u32, options: LoadOptions) {
    use copyexec_core::load::{Loaded, Part, Piece};
    let size = file.len() as u64;
    let mut whole = Loader::new(options);
    whole
        .add_input("export", Some(size), file, &mut |_| true)
        .expect("nothing cancels");
    let whole = whole.finish();
    let parts: Vec<Part> = (0..pieces)
        .map(|index| {
            let part = Loader::new(options)
                .read_piece(
                    "export",
                    size,
                    &mut SeekReader(Cursor::new(file)),
                    Piece { index, of: pieces },
                    &mut |_| true,
                )
                .expect("nothing cancels");
            Part::from_bytes(&part.to_bytes()).expect("a part's bytes read back")
        })
        .collect();
    let merged = Loaded::from_parts(parts);
    let json = |l: &Loaded| {
        (
            serde_json::to_string(&l.store).expect("events serialize"),
            serde_json::to_string(&l.reports).expect("reports serialize"),
        )
    };
    let (a, b) = (json(&whole), json(&merged));
    assert_eq!(a.1, b.1, "reports differ in {pieces} pieces");
    assert_eq!(a.0, b.0, "events differ in {pieces} pieces");
}
