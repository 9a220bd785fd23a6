//! Streaming API records, one JSON object per line (storage blob `PT1H.json`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sel, bytes) = data.split_first().unwrap_or((&0, data));
    copyexec_fuzz::hunt(&[("PT1H.json", bytes)], copyexec_fuzz::options(*sel));
});
