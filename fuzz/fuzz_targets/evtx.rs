//! EVTX files: the evtx crate's parse and copyexec's mapping of its records (Security 4624,
//! 4688, 5145, 5156; Sysmon 1, 3, 11) to the hunt's events.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Every input is an EVTX file as far as detection goes: the fuzzer spends its time inside.
    let mut file = b"ElfFile\0".to_vec();
    file.extend_from_slice(data.get(8..).unwrap_or_default());
    copyexec_fuzz::hunt(&[("Security.evtx", &file)], copyexec_fuzz::options(0));
});
