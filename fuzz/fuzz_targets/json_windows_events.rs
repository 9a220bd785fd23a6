//! Windows events (Security, Sysmon) as flattened JSON lines (Mordor / OTRF style), and the
//! stand-in connections inferred from them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    copyexec_fuzz::hunt(&[("security.jsonl", data)], copyexec_fuzz::options(0));
});
