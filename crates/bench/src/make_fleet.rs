//! `copyexec-fleet DIR [WORKSTATIONS]`: writes the generated fleet (see
//! `copyexec_bench::fleet`) as four portal CSV exports into DIR.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: copyexec-fleet DIR [WORKSTATIONS (default 2000)]");
        return ExitCode::from(2);
    };
    let n = match args.next().map(|a| a.parse::<usize>()) {
        None => 2000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("copyexec-fleet: WORKSTATIONS: {e}");
            return ExitCode::from(2);
        }
    };
    let fleet = copyexec_bench::fleet::generate(n);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("copyexec-fleet: {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    for (name, text) in fleet.files() {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            eprintln!("copyexec-fleet: {}: {e}", dir.join(name).display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
