//! A report reopened by the app: the chains document and metadata embedded in its HTML.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = copyexec_report::parse_report(html) {
        let meta = copyexec_report::parse_report_meta(html).unwrap_or_default();
        // What was read renders again, and the new report reads back.
        let again = copyexec_report::render(&doc, &meta);
        copyexec_report::parse_report(&again).expect("a rendered report reads back");
    }
});
