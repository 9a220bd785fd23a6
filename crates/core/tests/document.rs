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
