//! `copyexec-floor`: the throughput floor for the benchmark.
//!
//! It reads the given CSV files and tokenizes every record with the `csv`
//! crate's fastest path (one reused [`csv::ByteRecord`], no UTF-8 validation,
//! no field conversion) and does nothing else.  Any real work copyexec does on
//! the same files (parsing times, filtering, joining) can only be slower, so
//! `bench/bench.py` reports copyexec's throughput as a fraction of this one.
//!
//! Usage: `copyexec-floor FILE...`; prints `bytes=N records=M` to stdout.

use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: copyexec-floor FILE...");
        return ExitCode::from(2);
    }
    let mut bytes: u64 = 0;
    let mut records: u64 = 0;
    let mut fields: u64 = 0;
    let mut record = csv::ByteRecord::new();
    for path in &paths {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 20) // the reader buffers itself; no BufReader needed
            .from_reader(file);
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    records += 1;
                    // Touch the record so the work cannot be optimised away.
                    fields += record.len() as u64;
                }
                Ok(false) => break,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        bytes += reader.position().byte();
    }
    println!("bytes={bytes} records={records} fields={fields}");
    ExitCode::SUCCESS
}
