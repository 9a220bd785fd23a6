//! `copyexec-story-bench [WORKSTATIONS] [RUNS]`: builds the story (groups and spread) of the
//! generated fleet in process and prints the median time of `Story::build` alone, beside the
//! query and the chains it starts from, so its cost is not lost in loading.

use copyexec_core::load::{LoadOptions, Loader};
use copyexec_core::story::Story;
use copyexec_core::{Dataset, DEFAULT_TOLERANCE_SECONDS};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let fleet = copyexec_bench::fleet::generate(n);
    let mut loader = Loader::new(LoadOptions::default());
    for (name, text) in fleet.files() {
        if let Err(e) = loader.add_input(name, None, text.as_bytes(), &mut |_| true) {
            eprintln!("copyexec-story-bench: {name}: {e:?}");
            std::process::exit(1);
        }
    }
    let data = Dataset::new(loader.finish());
    let (mut q, mut c, mut s) = (Vec::new(), Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        let rows = data.rows(DEFAULT_TOLERANCE_SECONDS);
        q.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let chains = data.chains(&rows, DEFAULT_TOLERANCE_SECONDS);
        c.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let story = Story::build(data.store(), &chains, &[]);
        s.push(t.elapsed().as_secs_f64());
        summary = format!(
            "{} chains, {} groups, {} hosts, {} moves, {} origins",
            chains.len(),
            story.groups.len(),
            story.spread.hosts.len(),
            story.spread.moves.len(),
            story.spread.origins.len()
        );
    }
    println!("{summary}");
    println!(
        "median of {runs}: query {:.1} ms, chains {:.1} ms, story (groups + spread) {:.1} ms",
        median(q) * 1e3,
        median(c) * 1e3,
        median(s) * 1e3
    );
}
