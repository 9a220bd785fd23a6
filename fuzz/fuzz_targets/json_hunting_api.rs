//! Advanced Hunting API / Graph `runHuntingQuery` JSON documents (`Schema` + `Results`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sel, bytes) = data.split_first().unwrap_or((&0, data));
    copyexec_fuzz::hunt(&[("api.json", bytes)], copyexec_fuzz::options(*sel));
});
