//! The chain lists the page asks for: filtered, picked and sorted here, sent a page at a time.
//! A fleet's ten thousand chains never cross to the page; a scroll only slices the matches
//! of the last query, which are kept.

use crate::protocol::{
    ChainPage, ChainQuery, ChainRow, ChainStats, FilterField, GroupRow, ListKind, Mark, Pick,
    Picked, SortKey, StoryView, MAX_LANES,
};
use copyexec_core::chains::Chain;
use copyexec_core::engine::Results;
use copyexec_core::story::graph::{thousands, Graph};
use copyexec_core::story::groups::Group;
use copyexec_core::story::spread::{Move, Spread};
use copyexec_core::ChainsDocument;
use std::collections::BTreeSet;

/// Rows sent at most per page (a screenful and some to scroll into).
const MAX_PAGE: usize = 500;

/// What a list is drawn from: the engine's results, or an opened report's document.
pub struct Source<'a> {
    /// The chains.
    pub chains: &'a [Chain],
    /// The chains the allowlist suppressed.
    pub suppressed: &'a [Chain],
    /// The files, rarest first.
    pub groups: &'a [Group],
    /// The spread.
    pub spread: &'a Spread,
}

impl<'a> Source<'a> {
    /// The chains of an analysis.
    pub fn results(r: &'a Results) -> Self {
        Source {
            chains: &r.chains,
            suppressed: &r.suppressed,
            groups: &r.story.groups,
            spread: &r.story.spread,
        }
    }

    /// The chains of an opened report.
    pub fn document(doc: &'a ChainsDocument) -> Self {
        Source {
            chains: &doc.chains,
            suppressed: &doc.suppressed_chains,
            groups: &doc.groups,
            spread: &doc.spread,
        }
    }

    fn list(&self, list: ListKind) -> &[Chain] {
        match list {
            ListKind::Kept => self.chains,
            ListKind::Suppressed => self.suppressed,
        }
    }

    /// A chain (kept or suppressed) by id.
    pub fn chain(&self, id: &str) -> Option<&Chain> {
        self.chains
            .iter()
            .chain(self.suppressed)
            .find(|c| c.id == id)
    }
}

/// The lists of the latest result: whether its overview draws lanes, and the matches of the
/// last query, in its order.
#[derive(Default)]
pub struct Lists {
    seq: u32,
    lanes: bool,
    /// The picture the page draws: picks name its nodes.
    graph: Graph,
    last: Option<Selection>,
}

struct Selection {
    seq: u32,
    query: ChainQuery,
    matches: Vec<usize>,
    picked: Option<usize>,
}

impl Selection {
    /// Whether this selection answers `q` of result `seq` (rows asked for aside).
    fn answers(&self, seq: u32, q: &ChainQuery) -> bool {
        let s = &self.query;
        self.seq == seq
            && s.list == q.list
            && s.filter == q.filter
            && s.field == q.field
            && s.sort == q.sort
            && s.pick == q.pick
    }
}

impl Lists {
    /// A new result, numbered `seq`, with its stats and picture: the last query's matches go.
    pub fn reset(&mut self, seq: u32, stats: &ChainStats, graph: Graph) {
        self.seq = seq;
        self.lanes = stats.lanes;
        self.graph = graph;
        self.last = None;
    }

    /// The page of `source` (result `seq`) that `query` asks for.
    pub fn page(&mut self, seq: u32, source: &Source, query: ChainQuery) -> ChainPage {
        let lanes = self.lanes && self.seq == seq;
        let fresh = !self.last.as_ref().is_some_and(|s| s.answers(seq, &query));
        if fresh {
            let (matches, picked) = select(source, &self.graph, &query);
            self.last = Some(Selection {
                seq,
                query: query.clone(),
                matches,
                picked,
            });
        }
        let sel = self.last.as_ref().expect("just set");
        let chains = source.list(query.list);
        let offset = query.offset.min(sel.matches.len());
        let end = offset + query.limit.min(MAX_PAGE).min(sel.matches.len() - offset);
        let rows = sel.matches[offset..end]
            .iter()
            .map(|&i| row(&chains[i]))
            .collect();
        let marks = (lanes && query.list == ListKind::Kept).then(|| {
            let mut order = sel.matches.clone();
            order.sort_unstable();
            order.into_iter().map(|i| mark(&chains[i])).collect()
        });
        ChainPage {
            seq,
            matched: sel.matches.len(),
            total: chains.len(),
            picked: sel.picked,
            rows,
            marks,
            query: ChainQuery { offset, ..query },
        }
    }
}

/// Indices of the chains of `query.list` that pass its pick and filter, in its order (stable:
/// ties keep start-time order); and how many chains the pick stands for.
fn select(source: &Source, graph: &Graph, query: &ChainQuery) -> (Vec<usize>, Option<usize>) {
    let chains = source.list(query.list);
    let picked = query.pick.as_ref().map(|p| picked_ids(source, graph, p));
    let needle = query.filter.trim().to_lowercase();
    let mut out: Vec<usize> = (0..chains.len())
        .filter(|&i| {
            picked
                .as_ref()
                .is_none_or(|p| p.contains(chains[i].id.as_str()))
        })
        .filter(|&i| matches(query.field, &chains[i], &needle))
        .collect();
    let first = |v: &[String]| v.first().map(|s| s.to_lowercase()).unwrap_or_default();
    match query.sort {
        SortKey::Time => {}
        SortKey::Device => out.sort_by_cached_key(|&i| chains[i].device_name.to_lowercase()),
        SortKey::Account => out.sort_by_cached_key(|&i| first(&chains[i].accounts)),
        SortKey::SourceIp => out.sort_by_cached_key(|&i| first(&chains[i].remote_ips)),
        SortKey::FileName => out.sort_by_cached_key(|&i| chains[i].file_name.to_lowercase()),
        SortKey::Events => out.sort_by_key(|&i| std::cmp::Reverse(events(&chains[i]))),
    }
    (out, picked.map(|p| p.len()))
}

/// Whether `chain` has `needle` (lower-case) in `field`.
fn matches(field: FilterField, chain: &Chain, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let has = |s: &str| s.to_lowercase().contains(needle);
    let device = || has(&chain.device_name) || has(&chain.device_id);
    let account = || chain.accounts.iter().any(|a| has(a));
    let ip = || chain.remote_ips.iter().any(|a| has(a));
    let file = || has(&chain.file_name) || has(&chain.folder_path);
    let hash = || has(&chain.sha256) || has(&chain.sha1) || has(&chain.md5);
    match field {
        FilterField::Any => device() || account() || ip() || file() || hash(),
        FilterField::Device => device(),
        FilterField::Account => account(),
        FilterField::SourceIp => ip(),
        FilterField::FileName => file(),
        FilterField::Hash => hash(),
    }
}

/// The ids of the chains a pick stands for.
fn picked_ids<'a>(source: &Source<'a>, graph: &Graph, pick: &Pick) -> BTreeSet<&'a str> {
    let hosts = |node: &str| -> BTreeSet<&str> {
        graph
            .nodes
            .iter()
            .filter(|n| n.id == node)
            .flat_map(|n| n.hosts.iter().map(String::as_str))
            .collect()
    };
    let moves = source.spread.moves.iter();
    let ids = |m: &'a Move| m.chains.iter().map(String::as_str);
    match &pick.picked {
        Picked::Node(node) => {
            let hosts = hosts(node);
            moves
                .filter(|m| hosts.contains(m.from.as_str()) || hosts.contains(m.to.as_str()))
                .flat_map(ids)
                .collect()
        }
        Picked::Edge { from, to } => {
            let (from, to) = (hosts(from), hosts(to));
            moves
                .filter(|m| from.contains(m.from.as_str()) && to.contains(m.to.as_str()))
                .flat_map(ids)
                .collect()
        }
        Picked::Group(id) => source
            .groups
            .iter()
            .filter(|g| g.id == *id)
            .flat_map(|g| g.chains.iter().map(String::as_str))
            .collect(),
    }
}

/// The story for the first screen, with the picture `graph` of the source's spread.
pub fn story_view(source: &Source, graph: Graph) -> StoryView {
    let spread = source.spread;
    let hosts = |ids: &[String]| match ids {
        [one] => spread.label(one).to_string(),
        _ => format!("{} hosts", thousands(ids.len() as u64)),
    };
    StoryView {
        graph,
        origins: spread.origins.len(),
        hosts: spread.hosts.len(),
        moves: spread.moves.len(),
        notes: spread.notes.clone(),
        groups: source
            .groups
            .iter()
            .map(|g| GroupRow {
                id: g.id.clone(),
                file_name: g.file_name.clone(),
                identity: g.identity,
                key: g.key.clone(),
                chains: g.chains.len(),
                from: hosts(&g.sources),
                to: hosts(&g.targets),
                first: g.first.clone(),
                last: g.last.clone(),
                accounts: g.accounts.clone(),
                suppressed: g.suppressed,
            })
            .collect(),
    }
}

fn events(c: &Chain) -> usize {
    c.events().count()
}

fn row(c: &Chain) -> ChainRow {
    ChainRow {
        id: c.id.clone(),
        device_name: c.device_name.clone(),
        file_name: c.file_name.clone(),
        folder_path: c.folder_path.clone(),
        remote_ips: c.remote_ips.clone(),
        accounts: c.accounts.clone(),
        start: c.start.timestamp.clone(),
        events: events(c),
        rows: c.rows.len(),
        suppressed_by: c.suppressed_by.clone(),
    }
}

fn first_ticks(c: &Chain) -> i64 {
    c.connections
        .iter()
        .map(|e| e.ticks)
        .min()
        .unwrap_or(c.start.ticks)
}

fn mark(c: &Chain) -> Mark {
    Mark {
        id: c.id.clone(),
        device_id: c.device_id.clone(),
        device_name: c.device_name.clone(),
        title: format!(
            "Chain {}: {} on {} from {} at {}",
            c.id,
            c.file_name,
            c.device_name,
            c.remote_ips.join(", "),
            crate::format::stamp_short(&c.start.timestamp)
        ),
        first: first_ticks(c),
        start: c.start.ticks,
    }
}

/// What the chains add up to.
pub fn stats(source: &Source) -> ChainStats {
    let chains = source.chains;
    let devices: BTreeSet<&str> = chains.iter().map(|c| c.device_id.as_str()).collect();
    let ips: BTreeSet<&str> = chains
        .iter()
        .flat_map(|c| c.remote_ips.iter().map(String::as_str))
        .collect();
    let accounts: BTreeSet<String> = chains
        .iter()
        .flat_map(|c| c.accounts.iter().map(|a| a.to_lowercase()))
        .collect();
    let first = chains.iter().map(first_ticks).min();
    let last = chains.iter().map(|c| c.start.ticks).max();
    ChainStats {
        chains: chains.len(),
        suppressed: source.suppressed.len(),
        devices: devices.len(),
        remote_ips: ips.len(),
        accounts: accounts.len(),
        span: first.zip(last),
        lanes: !chains.is_empty() && devices.len() <= MAX_LANES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use copyexec_core::story::graph::Node;

    fn chain(id: &str, device: &str, file: &str, ticks: i64) -> Chain {
        let mut c: Chain = serde_json::from_value(serde_json::json!({
            "id": id, "device_id": device, "device_name": device, "folder_path": "C:\\x", "file_name": file,
            "sha256": "", "sha1": "", "md5": "", "remote_ips": ["10.0.0.1"], "accounts": ["Admin"],
            "start": {"id": "p", "table": "DeviceProcessEvents", "timestamp": "", "unix_ms": 0.0,
                      "offset_ticks": 0, "source": {"file": "x", "line": 2}, "key": []},
            "writes": [], "connections": [], "logons": [], "rows": [], "span_ticks": 0, "notes": []
        }))
        .unwrap();
        c.start.ticks = ticks;
        c
    }

    #[test]
    fn pages_slice_the_filtered_sorted_matches_and_marks_keep_time_order() {
        let chains: Vec<Chain> = (0..1000)
            .map(|i| {
                let file = if i % 10 == 0 { "evil.exe" } else { "setup.exe" };
                chain(&format!("c{i}"), &format!("ws{:02}", 50 - i / 20), file, i)
            })
            .collect();
        let spread = Spread::default();
        let source = Source {
            chains: &chains,
            suppressed: &[],
            groups: &[],
            spread: &spread,
        };
        let mut lists = Lists::default();
        lists.reset(1, &stats(&source), Graph::default());
        let query = ChainQuery {
            filter: "EVIL".into(),
            field: FilterField::FileName,
            sort: SortKey::Device,
            offset: 10,
            limit: 5,
            ..ChainQuery::default()
        };
        let page = lists.page(1, &source, query.clone());
        assert_eq!((page.matched, page.total), (100, 1000));
        // Device names fall as ids rise: by device, the last evil chains come first, and
        // chains of one device keep their time order.
        let ids: Vec<&str> = page.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c880", "c890", "c860", "c870", "c840"]);
        let marks = page.marks.expect("lanes");
        assert_eq!(marks.len(), 100);
        assert!(marks.windows(2).all(|w| w[0].start < w[1].start));
        // Past the end: an empty page at the end, not a panic.
        let end = lists.page(
            1,
            &source,
            ChainQuery {
                offset: 5000,
                ..query
            },
        );
        assert_eq!((end.rows.len(), end.query.offset), (0, 100));
    }

    #[test]
    fn a_pick_lists_the_chains_of_its_moves() {
        let chains: Vec<Chain> = (0..4)
            .map(|i| chain(&format!("c{i}"), "ws1", "a.exe", i))
            .collect();
        let spread: Spread = serde_json::from_value(serde_json::json!({
            "hosts": [], "origins": [],
            "moves": [
                {"from": "a", "to": "b", "chains": ["c0", "c2"], "first": "", "last": "",
                 "first_unix_ms": 0.0, "last_unix_ms": 0.0, "files": [], "accounts": [], "resolved": []},
                {"from": "b", "to": "c", "chains": ["c3"], "first": "", "last": "",
                 "first_unix_ms": 0.0, "last_unix_ms": 0.0, "files": [], "accounts": [], "resolved": []}
            ]
        }))
        .unwrap();
        let source = Source {
            chains: &chains,
            suppressed: &[],
            groups: &[],
            spread: &spread,
        };
        let node = |id: &str, hosts: &[&str]| Node {
            id: id.into(),
            label: id.into(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            origin: false,
            external: false,
            column: 0,
            row: 0,
        };
        let graph = Graph {
            nodes: vec![
                node("a", &["a"]),
                node("b", &["b"]),
                node("fold:b", &["c", "d"]),
            ],
            ..Graph::default()
        };
        let ask = |picked: Picked| {
            let query = ChainQuery {
                pick: Some(Pick {
                    label: "x".into(),
                    picked,
                }),
                limit: 10,
                ..ChainQuery::default()
            };
            let mut lists = Lists::default();
            lists.reset(1, &stats(&source), graph.clone());
            let page = lists.page(1, &source, query);
            let ids: Vec<String> = page.rows.into_iter().map(|r| r.id).collect();
            (ids, page.picked)
        };
        assert_eq!(
            ask(Picked::Node("b".into())),
            (vec!["c0".into(), "c2".into(), "c3".into()], Some(3))
        );
        assert_eq!(
            ask(Picked::Edge {
                from: "b".into(),
                to: "fold:b".into()
            }),
            (vec!["c3".into()], Some(1))
        );
        assert_eq!(
            ask(Picked::Node("fold:b".into())),
            (vec!["c3".into()], Some(1))
        );
    }
}
