//! gzip and zip, nested (zip in gzip, gzip members in a zip), with the caps on nesting.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    copyexec_fuzz::hunt(&[("exports.zip", data)], copyexec_fuzz::options(0));
});
