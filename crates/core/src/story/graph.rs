//! The spread as a picture: fan-outs folded, laid out with time running left to right.
//!
//! A *fan-out* is a host whose moves reach at least [`FOLD_AT`] *leaves*: hosts reached only
//! from it that went nowhere else. They are drawn as one node ("SCCM1 → 2,000 hosts"), so a
//! deployment to thousands of hosts stays one line while every host that moved on is drawn.
//! Columns are hops from an origin (origins on the left); within a column, hosts stand in the
//! order they were first reached. The same spread always gives the same picture. The report,
//! the app and `copyexec spread --format dot` all draw this graph.

use super::spread::{HostKind, Spread};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Leaves of one source from which on they are folded into one node.
pub const FOLD_AT: usize = 6;

/// Nodes drawn at most; the rest are counted in [`Graph::hidden_hosts`].
pub const MAX_NODES: usize = 120;

/// A node: one host, or a folded fan-out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The host id, or `fold:<source id>`.
    pub id: String,
    /// What to write in it.
    pub label: String,
    /// Host ids it stands for (one, or every host of a fold).
    pub hosts: Vec<String>,
    /// An origin.
    pub origin: bool,
    /// Known only by its address.
    pub external: bool,
    /// Column.
    pub column: u32,
    /// Row within the column.
    pub row: u32,
}

/// An edge: one move, or the moves into a fold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// Node id.
    pub from: String,
    /// Node id.
    pub to: String,
    /// Chains along it.
    pub chains: usize,
    /// Moves it stands for.
    pub moves: usize,
    /// First time (exact).
    pub first: String,
    /// Last time (exact).
    pub last: String,
    /// Files copied along it.
    pub files: Vec<String>,
    /// Whether it is the move that first reached its target: the edges of the paths.
    pub path: bool,
}

/// The folded, laid-out spread.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// Nodes, column by column, row by row.
    pub nodes: Vec<Node>,
    /// Edges between drawn nodes, by first time.
    pub edges: Vec<Edge>,
    /// Hosts not drawn because the picture holds [`MAX_NODES`] nodes.
    pub hidden_hosts: usize,
    /// Columns.
    pub columns: u32,
}

impl Graph {
    /// The node standing for host `id`.
    pub fn node_of(&self, host: &str) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| n.hosts.iter().any(|h| h == host))
    }
}

/// `1,234`: counts as the CLI, the report and the picture write them.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// What a box shows: the host name before its domain (`ws07` of `WS07.corp.example`), an
/// address whole.
fn box_label(label: &str) -> String {
    if label.parse::<std::net::IpAddr>().is_ok() {
        return label.to_string();
    }
    label.split('.').next().unwrap_or(label).to_string()
}

/// The picture of `spread`.
pub fn layout(spread: &Spread) -> Graph {
    let mut sources_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut out_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for m in spread.moves.iter().filter(|m| m.from != m.to) {
        sources_of.entry(&m.to).or_default().insert(&m.from);
        out_of.entry(&m.from).or_default().insert(&m.to);
    }
    // Leaves of each source, and which fold each leaf went into.
    let mut fold_of: BTreeMap<&str, String> = BTreeMap::new();
    for (src, targets) in &out_of {
        let leaves: Vec<&str> = targets
            .iter()
            .copied()
            .filter(|t| {
                !out_of.contains_key(t)
                    && sources_of.get(t).is_some_and(|s| s.len() == 1)
                    && !spread.host(t).is_some_and(|h| h.is_origin)
            })
            .collect();
        if leaves.len() >= FOLD_AT {
            for l in leaves {
                fold_of.insert(l, format!("fold:{src}"));
            }
        }
    }
    let node_id = |h: &str| fold_of.get(h).cloned().unwrap_or_else(|| h.to_string());
    let mut nodes: Vec<Node> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for h in &spread.hosts {
        let id = node_id(&h.id);
        match at.get(&id) {
            Some(&i) => nodes[i].hosts.push(h.id.clone()),
            None => {
                at.insert(id.clone(), nodes.len());
                nodes.push(Node {
                    id,
                    label: box_label(&h.label),
                    hosts: vec![h.id.clone()],
                    origin: h.is_origin,
                    external: h.kind == HostKind::External,
                    column: h.depth,
                    row: 0,
                });
            }
        }
    }
    for n in nodes.iter_mut().filter(|n| n.id.starts_with("fold:")) {
        let src = &n.id["fold:".len()..];
        n.label = format!("{} hosts", thousands(n.hosts.len() as u64));
        n.origin = false;
        n.external = false;
        n.column = spread.host(src).map_or(1, |h| h.depth + 1);
    }
    let total_hosts = spread.hosts.len();
    // Hosts arrive origins first, then in the order they were reached: keep the first ones.
    let mut hidden_hosts = 0;
    if nodes.len() > MAX_NODES {
        hidden_hosts = nodes[MAX_NODES..].iter().map(|n| n.hosts.len()).sum();
        nodes.truncate(MAX_NODES);
    }
    debug_assert!(hidden_hosts <= total_hosts);
    // Rows column by column: each node near the node that first reached it, so paths run
    // straight where they can; the same order of hosts otherwise.
    let parent_of: Vec<Option<String>> = nodes
        .iter()
        .map(|n| {
            let h = spread.host(&n.hosts[0])?;
            h.reached_from.as_deref().map(&node_id)
        })
        .collect();
    let columns = nodes.iter().map(|n| n.column).max().unwrap_or(0);
    let mut row_of: BTreeMap<String, u32> = BTreeMap::new();
    for c in 0..=columns {
        let mut members: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].column == c).collect();
        members.sort_by_key(|&i| {
            let p = parent_of[i]
                .as_ref()
                .and_then(|p| row_of.get(p).copied())
                .unwrap_or(u32::MAX);
            (p, i)
        });
        for (r, &i) in members.iter().enumerate() {
            nodes[i].row = r as u32;
            row_of.insert(nodes[i].id.clone(), r as u32);
        }
    }
    let drawn: BTreeSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let mut edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for m in &spread.moves {
        let (f, t) = (node_id(&m.from), node_id(&m.to));
        if !drawn.contains(f.as_str()) || !drawn.contains(t.as_str()) {
            continue;
        }
        let e = edges.entry((f.clone(), t.clone())).or_insert_with(|| Edge {
            from: f,
            to: t,
            chains: 0,
            moves: 0,
            first: m.first.clone(),
            last: m.last.clone(),
            files: Vec::new(),
            path: false,
        });
        if spread
            .host(&m.to)
            .and_then(|h| h.reached_from.as_deref())
            .is_some_and(|f| f == m.from)
        {
            e.path = true;
        }
        e.chains += m.chains.len();
        e.moves += 1;
        if m.first < e.first {
            e.first = m.first.clone();
        }
        if m.last > e.last {
            e.last = m.last.clone();
        }
        for f in &m.files {
            if !e.files.contains(f) {
                e.files.push(f.clone());
            }
        }
    }
    let mut edges: Vec<Edge> = edges.into_values().collect();
    edges.iter_mut().for_each(|e| e.files.sort());
    edges.sort_by(|a, b| (&a.first, &a.from, &a.to).cmp(&(&b.first, &b.from, &b.to)));
    Graph {
        columns: nodes.iter().map(|n| n.column + 1).max().unwrap_or(0),
        nodes,
        edges,
        hidden_hosts,
    }
}

/// Where the picture puts its boxes and arrows, in pixels: the report's SVG and the app's
/// draw the same geometry.
pub mod geometry {
    use super::{Edge, Graph, Node};

    /// Horizontal distance between columns.
    pub const COL: i64 = 230;
    /// Vertical distance between rows.
    pub const ROW: i64 = 58;
    /// A box's width.
    pub const BOX_W: i64 = 180;
    /// A box's height.
    pub const BOX_H: i64 = 38;
    /// Margin around the picture.
    pub const PAD: i64 = 16;

    /// Width and height of the whole picture.
    pub fn size(g: &Graph) -> (i64, i64) {
        let rows = g.nodes.iter().map(|n| n.row + 1).max().unwrap_or(1) as i64;
        (
            PAD * 2 + (g.columns.max(1) as i64 - 1) * COL + BOX_W,
            PAD * 2 + (rows - 1) * ROW + BOX_H,
        )
    }

    /// The top-left corner of `n`'s box.
    pub fn corner(n: &Node) -> (i64, i64) {
        (PAD + n.column as i64 * COL, PAD + n.row as i64 * ROW)
    }

    /// An arrow: its SVG path, and the point it ends at (where its label goes).
    pub struct Arrow {
        /// The `d` of the path.
        pub d: String,
        /// Where it ends: the left middle of the target box.
        pub tip: (i64, i64),
    }

    /// The arrow of `e`, from the right of its source box to the left of its target's; an
    /// arc over the boxes when the target stands in the same column or further left.
    pub fn arrow(g: &Graph, e: &Edge) -> Option<Arrow> {
        let at = |id: &str| g.nodes.iter().find(|n| n.id == id).map(corner);
        let ((x0, y0), (x1, y1)) = (at(&e.from)?, at(&e.to)?);
        let (sx, sy, tx, ty) = (x0 + BOX_W, y0 + BOX_H / 2, x1, y1 + BOX_H / 2);
        let d = if tx > sx {
            let mid = (sx + tx) / 2;
            format!("M{sx} {sy}C{mid} {sy} {mid} {ty} {tx} {ty}")
        } else {
            let top = y0.min(y1) - ROW / 2;
            format!(
                "M{sx} {sy}C{} {top} {} {top} {tx} {ty}",
                sx + COL / 2,
                tx - COL / 2
            )
        };
        Some(Arrow { d, tip: (tx, ty) })
    }
}
