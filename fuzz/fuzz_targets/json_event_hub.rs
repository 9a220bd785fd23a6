//! Event Hub messages: `{"records": [...]}` around fuzzed records, one message per line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sel, bytes) = data.split_first().unwrap_or((&0, data));
    let mut message = b"{\"records\":[".to_vec();
    message.extend_from_slice(bytes);
    message.extend_from_slice(b"]}\n");
    copyexec_fuzz::hunt(&[("eventhub.json", &message)], copyexec_fuzz::options(*sel));
});
