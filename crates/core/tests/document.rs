//! The chains document reads back to the same document (reports embed it; the app reopens it).

mod common;
use common::*;
use copyexec_core::{ChainsDocument, Engine, Settings};

#[test]
fn document_round_trips_through_json() {
    let d = tables(
        &[net(0, "d1", "::ffff:10.0.0.5", "445")],
        &[
            logon(S, "d1", "10.0.0.5", "alice"),
            logon(S, "d1", "", "bob"),
        ],
        &[write(S, "d1", "C:\\x \"<b>\".exe", "FileCreated", "System")],
        &[start(2 * S, "d1", "C:\\x \"<b>\".exe", "x\u{202e}gpj.exe")],
    );
    let doc = Engine::new(d, Settings::default()).document();
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let back: ChainsDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), text);
    assert_eq!(back.chains.len(), 1);
    assert_eq!(back.chains[0].rows.len(), 2);
    assert_eq!(back.groups, doc.groups);
    assert_eq!(back.spread, doc.spread);
    assert_eq!(back.groups.len(), 1);
}

/// The one-shot engines of the command line give what the engine that keeps its index gives:
/// the same rows, the same document, for this tolerance and for another one after.
#[test]
fn one_shot_engines_give_the_same_results() {
    let data = || {
        tables(
            &[
                net(0, "d1", "10.0.0.5", "445"),
                net(3 * S, "d1", "10.0.0.6", "445"),
            ],
            &[
                logon(S, "d1", "10.0.0.5", "alice"),
                logon(4 * S, "d1", "10.0.0.6", "bob"),
            ],
            &[
                write(S, "d1", "C:\\a.exe", "FileCreated", "System"),
                write(4 * S, "d1", "C:\\b.exe", "FileCreated", "System"),
            ],
            &[
                start(2 * S, "d1", "C:\\a.exe", "a"),
                start(7 * S, "d1", "C:\\b.exe", "b"),
                start(7 * S, "d1", "C:\\never-written.exe", "c"),
            ],
        )
    };
    let json = |doc: &ChainsDocument| serde_json::to_string(doc).unwrap();
    let rows = |e: &Engine| {
        let mut out = Vec::new();
        e.write_rows_csv(&mut out).unwrap();
        out
    };
    let mut many = Engine::new(data(), Settings::default());
    let mut once = Engine::once(data(), Settings::default());
    let mut rows_only = Engine::rows_only(data(), Settings::default());
    for tolerance in [5, 2] {
        many.set_tolerance(tolerance);
        once.set_tolerance(tolerance);
        rows_only.set_tolerance(tolerance);
        assert_eq!(rows(&once), rows(&many), "tolerance {tolerance}");
        assert_eq!(rows(&rows_only), rows(&many), "tolerance {tolerance}");
        assert!(rows_only.results().chains.is_empty());
        assert_eq!(json(&once.document()), json(&many.document()));
    }
    assert_eq!(many.results().chains.len(), 1, "at 2 s only a.exe's chain");
    let doc = json(&many.document());
    assert_eq!(json(&once.into_document()), doc);
    assert_eq!(json(&many.into_document()), doc);
}
