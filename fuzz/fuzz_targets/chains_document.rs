//! The chains document (`copyexec chains --format json`) as the app and reports read it.
#![no_main]
use copyexec_core::ChainsDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<ChainsDocument>(data) else {
        return;
    };
    let text = serde_json::to_string(&doc).expect("a document serializes");
    let back: ChainsDocument = serde_json::from_str(&text).expect("and reads back");
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    let _ = copyexec_report::chains_csv(&doc);
});
