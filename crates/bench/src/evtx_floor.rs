//! `copyexec-evtx-floor`: the EVTX throughput floor for the benchmark.
//!
//! Parses every record of the given EVTX files to JSON values with the `evtx` crate, single
//! threaded (as copyexec uses it, natively and in WebAssembly), and does nothing else.
//!
//! Usage: `copyexec-evtx-floor FILE...`; prints `bytes=N records=M`.

use evtx::{EvtxParser, ParserSettings};
use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: copyexec-evtx-floor FILE...");
        return ExitCode::from(2);
    }
    let (mut bytes, mut records) = (0u64, 0u64);
    for path in &paths {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        bytes += data.len() as u64;
        let settings = ParserSettings::default().num_threads(1);
        let mut parser = match EvtxParser::from_buffer(data) {
            Ok(p) => p.with_configuration(settings),
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        records += parser.records_json_value().filter(|r| r.is_ok()).count() as u64;
    }
    println!("bytes={bytes} records={records}");
    ExitCode::SUCCESS
}
