//! Allowlist rule files (TOML): parsing, the KQL they render to, and their TOML form read
//! back.
#![no_main]
use copyexec_core::allowlist::{kql, Allowlist};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut list = Allowlist::default();
    if list.add_toml("rules.toml", text).is_err() {
        return;
    }
    let _ = kql::render(5, &list);
    let again = list.to_toml();
    let mut back = Allowlist::default();
    back.add_toml("again.toml", &again)
        .expect("the TOML an allowlist writes reads back");
    assert_eq!(back.rules.len(), list.rules.len());
});
