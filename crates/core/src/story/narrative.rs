//! The spread told as a story: each origin, then the hosts it reached in the order its
//! time-respecting paths reached them, fan-outs folded as in the [`super::graph`]. The CLI's
//! `spread` table and the report's story list are both this.

use super::graph::Graph;
use super::spread::{Move, Spread};
use std::collections::BTreeMap;

/// One step of an origin's story: a host (or a folded fan-out) reached from another host.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// When the first path from the origin arrived (exact); for a fold, the first of its hosts.
    pub at: String,
    /// For a fold, when the last of its hosts was reached.
    pub until: String,
    /// The host of the move that arrived.
    pub from: String,
    /// The host reached, or the first hosts of a fold.
    pub to: Vec<String>,
    /// Hosts this step stands for (1, or a fold's size).
    pub hosts: usize,
    /// Chains of the moves into those hosts from `from`.
    pub chains: usize,
    /// Files copied by those moves.
    pub files: Vec<String>,
    /// Accounts of those moves.
    pub accounts: Vec<String>,
    /// Whether the host reached is an origin itself.
    pub also_origin: bool,
}

/// One origin and what it reached.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginStory {
    /// The origin's host id.
    pub origin: String,
    /// Its steps, by time.
    pub steps: Vec<Step>,
}

/// Host ids a fold step names before "… N more".
pub const FOLD_NAMED: usize = 4;

/// The story of every origin of `spread`, folded as `graph` folds.
pub fn tell(spread: &Spread, graph: &Graph) -> Vec<OriginStory> {
    let moves: BTreeMap<(&str, &str), &Move> = spread
        .moves
        .iter()
        .map(|m| ((m.from.as_str(), m.to.as_str()), m))
        .collect();
    let mut out = Vec::new();
    for o in &spread.origins {
        let mut reached: Vec<_> = spread
            .hosts
            .iter()
            .filter_map(|h| h.reached.iter().find(|r| &r.origin == o).map(|r| (r, h)))
            .collect();
        reached.sort_by(|a, b| (a.0.at.as_str(), &a.1.id).cmp(&(b.0.at.as_str(), &b.1.id)));
        let mut steps: Vec<Step> = Vec::new();
        let mut folds: BTreeMap<String, usize> = BTreeMap::new();
        for (r, h) in reached {
            let m = moves.get(&(r.from.as_str(), h.id.as_str()));
            let fold = graph
                .node_of(&h.id)
                .filter(|n| n.hosts.len() > 1)
                .map(|n| n.id.clone());
            let step = match fold.and_then(|f| folds.get(&f).copied().map(|i| (f, i))) {
                Some((_, i)) => &mut steps[i],
                None => {
                    if let Some(f) = graph.node_of(&h.id).filter(|n| n.hosts.len() > 1) {
                        folds.insert(f.id.clone(), steps.len());
                    }
                    steps.push(Step {
                        at: r.at.clone(),
                        until: r.at.clone(),
                        from: r.from.clone(),
                        to: Vec::new(),
                        hosts: 0,
                        chains: 0,
                        files: Vec::new(),
                        accounts: Vec::new(),
                        also_origin: h.is_origin,
                    });
                    steps.last_mut().expect("just pushed")
                }
            };
            if step.to.len() < FOLD_NAMED {
                step.to.push(h.id.clone());
            }
            step.hosts += 1;
            if r.at > step.until {
                step.until = r.at.clone();
            }
            if let Some(m) = m {
                step.chains += m.chains.len();
                for f in &m.files {
                    if !step.files.contains(f) {
                        step.files.push(f.clone());
                    }
                }
                for a in &m.accounts {
                    if !step.accounts.contains(a) {
                        step.accounts.push(a.clone());
                    }
                }
            }
        }
        for s in &mut steps {
            s.files.sort();
            s.accounts.sort();
        }
        out.push(OriginStory {
            origin: o.clone(),
            steps,
        });
    }
    out
}
