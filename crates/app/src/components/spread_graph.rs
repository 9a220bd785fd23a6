//! The spread, drawn first: origins on the left, time left to right, fan-outs folded (the
//! core's [`graph::layout`], laid out in the worker: the same picture as the report's). A host or a move picked here
//! filters the chain list to its chains.

use crate::hooks::use_worker::AppContext;
use crate::protocol::{Pick, Picked};
use crate::state::Action;
use copyexec_core::story::graph::geometry::{arrow, corner, size, BOX_H, BOX_W};
use copyexec_core::story::graph::{self, thousands};
use yew::prelude::*;

fn short_time(first: &str, last: &str) -> String {
    let clock = |t: &str| t.get(11..16).unwrap_or("").to_string();
    if first.get(..16) == last.get(..16) {
        clock(first)
    } else if first.get(..10) == last.get(..10) {
        format!("{}–{}", clock(first), clock(last))
    } else {
        format!(
            "{} – {}",
            first.get(..10).unwrap_or(""),
            last.get(..10).unwrap_or("")
        )
    }
}

/// The figure.
#[function_component(SpreadGraph)]
pub fn spread_graph() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let Some(result) = ctx.state.result.clone() else {
        return html! {};
    };
    let story = &result.story;
    let g = &story.graph;
    if story.moves == 0 {
        return html! {};
    }
    let (width, height) = size(g);
    let pick = |label: String, picked: Picked| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            ctx.dispatch(Action::Pick(Some(Pick {
                label: label.clone(),
                picked: picked.clone(),
            })))
        })
    };
    let picked = ctx.state.pick.as_ref().map(|p| p.label.clone());
    let mut edges: Vec<&graph::Edge> = g.edges.iter().collect();
    edges.sort_by_key(|e| e.path);
    let edge_html = edges.into_iter().filter_map(|e| {
        let a = arrow(g, e)?;
        let d = a.d;
        let label = format!("move {} → {}", e.from.trim_start_matches("fold:"), e.to.trim_start_matches("fold:"));
        let onclick = pick(label.clone(), Picked::Edge { from: e.from.clone(), to: e.to.clone() });
        let title = format!(
            "{} → {}: {} chain{}, {}; {}",
            e.from, e.to, thousands(e.chains as u64), if e.chains == 1 { "" } else { "s" },
            short_time(&e.first, &e.last), e.files.join(", ")
        );
        Some(html! {
            <g class={classes!("sp-move", e.path.then_some("path"), (picked.as_deref() == Some(label.as_str())).then_some("picked"))} onclick={onclick}>
                <path class="sp-hit" d={d.clone()} />
                <path class="sp-edge" d={d} marker-end="url(#sp-arrow)"><title>{ title }</title></path>
            </g>
        })
    });
    let labels = g.edges.iter().filter(|e| e.path).filter_map(|e| {
        let (tx, ty) = arrow(g, e)?.tip;
        Some(html! {
            <text class="sp-when" x={(tx - 8).to_string()} y={(ty - 6).to_string()} text-anchor="end">{ short_time(&e.first, &e.last) }</text>
        })
    });
    let node_html = g.nodes.iter().map(|n| {
        let (x, y) = corner(n);
        let label = if n.hosts.len() > 1 {
            format!("{} ({})", n.label, n.id.trim_start_matches("fold:"))
        } else {
            format!("host {}", n.label)
        };
        let onclick = pick(label.clone(), Picked::Node(n.id.clone()));
        let classes = classes!(
            "sp-node",
            n.origin.then_some("origin"),
            (n.hosts.len() > 1).then_some("fold"),
            n.external.then_some("ext"),
            (picked.as_deref() == Some(label.as_str())).then_some("picked"),
        );
        let title = n.hosts.iter().take(12).cloned().collect::<Vec<_>>().join(", ");
        html! {
            <g class={classes} onclick={onclick} data-host={n.id.clone()} tabindex="0" role="button"
                aria-label={format!("Show the chains of {}", n.label)}>
                if n.hosts.len() > 1 {
                    <rect x={(x + 6).to_string()} y={(y - 6).to_string()} width={BOX_W.to_string()} height={BOX_H.to_string()} rx="5" />
                    <rect x={(x + 3).to_string()} y={(y - 3).to_string()} width={BOX_W.to_string()} height={BOX_H.to_string()} rx="5" />
                }
                <rect x={x.to_string()} y={y.to_string()} width={BOX_W.to_string()} height={BOX_H.to_string()} rx="5"><title>{ title }</title></rect>
                <text x={(x + BOX_W / 2).to_string()} y={(y + BOX_H / 2 + 4).to_string()} text-anchor="middle">{ n.label.chars().take(24).collect::<String>() }</text>
            </g>
        }
    });
    html! {
        <section class="spread" aria-labelledby="spread-title" data-testid="spread-graph">
            <h2 id="spread-title" class="section-title">
                { "Where it started and where it went" }
                <span class="muted small">{ format!(" · {} origin{}, {} hosts, {} moves",
                    story.origins, if story.origins == 1 { "" } else { "s" },
                    thousands(story.hosts as u64), thousands(story.moves as u64)) }</span>
            </h2>
            <p class="muted small">{ "Origins (red) moved out before anything moved in; each host stands one step right of the host that first reached it; dashed boxes are sources known only by their address; stacked boxes are fan-outs folded. Pick a host or a move to list its chains." }</p>
            <div class="spread-scroll">
                <svg class="spread-svg" viewBox={format!("0 0 {width} {height}")} width={width.to_string()} height={height.to_string()} role="img" aria-label="Spread between hosts">
                    <defs><marker id="sp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="sp-head" d="M0 0L10 5L0 10z" /></marker></defs>
                    { for edge_html }
                    { for node_html }
                    // Over the boxes, with a halo: a short arrow's label is wider than its gap.
                    { for labels }
                </svg>
            </div>
            if g.hidden_hosts > 0 {
                <p class="muted small">{ format!("{} more hosts are not drawn; the files and the chain list show them all.", thousands(g.hidden_hosts as u64)) }</p>
            }
            { for story.notes.iter().map(|n| html! { <p class="alert alert-info small">{ n.message.clone() }</p> }) }
        </section>
    }
}
