//! Any bytes as an input: format detection (magic numbers, text or binary, CSV or JSON) and
//! whatever reader it dispatches to.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sel, bytes) = data.split_first().unwrap_or((&0, data));
    copyexec_fuzz::hunt(&[("input", bytes)], copyexec_fuzz::options(*sel));
});
