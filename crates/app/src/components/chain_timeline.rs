//! One chain on four lanes (connection, logon, write, start) against the time since its
//! first connection, with the tolerance window drawn. Events are focusable: focus or hover
//! shows their key fields, Enter or a click opens every original field.

use crate::format;
use crate::state::Shared;
use copyexec_core::chains::{Chain, Event};
use copyexec_core::schema::Table;
use copyexec_core::time::TICKS_PER_SECOND;
use yew::prelude::*;

/// Lane labels, in table order.
pub const LANES: [&str; 4] = ["Connection", "Logon", "File write", "Process start"];

/// Lane of a table.
pub fn lane(table: Table) -> usize {
    table.index()
}

/// CSS class of a lane.
pub fn lane_class(table: Table) -> &'static str {
    match table {
        Table::DeviceNetworkEvents => "lane-net",
        Table::DeviceLogonEvents => "lane-logon",
        Table::DeviceFileEvents => "lane-file",
        Table::DeviceProcessEvents => "lane-proc",
    }
}

/// Every event of a chain, in time order.
pub fn events(chain: &Chain) -> Vec<&Event> {
    let mut all: Vec<&Event> = chain.events().collect();
    all.sort_by_key(|e| (e.ticks, e.table));
    all
}

/// A round step for about `target` ticks between grid lines.
pub fn nice_step(range: f64, target: f64) -> f64 {
    let raw = (range / target).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let n = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * mag
}

fn tick_label(t: f64, step: f64) -> String {
    // A grid line at zero computed as -0.0 would read "-0 s".
    let t = if t.abs() < step * 1e-6 { 0.0 } else { t };
    let s = t / TICKS_PER_SECOND as f64;
    if step >= TICKS_PER_SECOND as f64 {
        format!("{s:+.0} s")
    } else if step >= TICKS_PER_SECOND as f64 / 10.0 {
        format!("{s:+.1} s")
    } else {
        format!("{:+.0} ms", s * 1000.0)
    }
}

/// Properties.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The chain.
    pub chain: Shared<Chain>,
    /// `ToleranceInSeconds` of its result (the window drawn).
    pub tolerance: i64,
    /// An event was chosen (its id).
    pub on_open: Callback<String>,
    /// The event under the pointer or focus changed.
    pub on_hover: Callback<Option<String>>,
}

const W: f64 = 760.0;
const LEFT: f64 = 112.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 10.0;
const LANE_H: f64 = 30.0;
const AXIS_H: f64 = 30.0;

/// The timeline.
#[function_component(ChainTimeline)]
pub fn chain_timeline(props: &Props) -> Html {
    let chain = &*props.chain;
    let tolerance = props.tolerance;
    let tol = tolerance * TICKS_PER_SECOND;
    let all = events(chain);
    let lo = all.iter().map(|e| e.offset_ticks).min().unwrap_or(0).min(0) as f64;
    let conn_max = chain
        .connections
        .iter()
        .map(|e| e.offset_ticks)
        .max()
        .unwrap_or(0);
    let hi_raw = all
        .iter()
        .map(|e| e.offset_ticks)
        .max()
        .unwrap_or(0)
        .max(conn_max + tol)
        .max(1) as f64;
    let pad = (hi_raw - lo) * 0.04;
    let (lo, hi) = (lo - pad, hi_raw + pad);
    let plot_w = W - LEFT - RIGHT;
    let x = move |t: f64| LEFT + (t - lo) / (hi - lo) * plot_w;
    let height = TOP + LANE_H * 4.0 + AXIS_H;
    let axis_y = TOP + LANE_H * 4.0;
    let step = nice_step(hi - lo, 6.0);
    let first_tick = (lo / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut t = first_tick;
    while t <= hi && ticks.len() < 40 {
        ticks.push(t);
        t += step;
    }
    let windows: Vec<Html> = chain
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x0 = x(c.offset_ticks as f64);
            let x1 = x((c.offset_ticks + tol) as f64);
            html! {
                <g class={classes!("window", (i > 0).then_some("window-extra"))}>
                    <rect x={format!("{x0:.1}")} y={format!("{TOP:.1}")} width={format!("{:.1}", (x1 - x0).max(1.0))}
                        height={format!("{:.1}", LANE_H * 4.0)} rx="3" />
                    <line x1={format!("{x1:.1}")} x2={format!("{x1:.1}")} y1={format!("{TOP:.1}")} y2={format!("{axis_y:.1}")} class="window-end" />
                </g>
            }
        })
        .collect();
    let window_label = chain.connections.first().map(|c| {
        let x1 = x((c.offset_ticks + tol) as f64);
        html! {
            <text x={format!("{:.1}", x1 - 4.0)} y={format!("{:.1}", TOP + 11.0)} class="window-label" text-anchor="end">
                { format!("tolerance window {tolerance} s") }
            </text>
        }
    });
    let markers: Vec<Html> = all
        .iter()
        .map(|e| {
            let cx = x(e.offset_ticks as f64);
            let cy = TOP + LANE_H * (lane(e.table) as f64 + 0.5);
            let id = e.id.clone();
            let label = format!(
                "{} {} at {} ({})",
                LANES[lane(e.table)],
                e.id,
                format::offset(e.offset_ticks),
                format::stamp_short(&e.timestamp)
            );
            let open = {
                let cb = props.on_open.clone();
                let id = id.clone();
                Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
            };
            let key = {
                let cb = props.on_open.clone();
                let id = id.clone();
                Callback::from(move |ev: KeyboardEvent| {
                    if ev.key() == "Enter" || ev.key() == " " {
                        ev.prevent_default();
                        cb.emit(id.clone());
                    }
                })
            };
            let enter = {
                let cb = props.on_hover.clone();
                let id = id.clone();
                Callback::from(move |_: FocusEvent| cb.emit(Some(id.clone())))
            };
            let over = {
                let cb = props.on_hover.clone();
                let id = id.clone();
                Callback::from(move |_: MouseEvent| cb.emit(Some(id.clone())))
            };
            let leave = {
                let cb = props.on_hover.clone();
                Callback::from(move |_: MouseEvent| cb.emit(None))
            };
            let blur = {
                let cb = props.on_hover.clone();
                Callback::from(move |_: FocusEvent| cb.emit(None))
            };
            let shape = match e.table {
                Table::DeviceNetworkEvents => html! { <circle cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r="7" /> },
                Table::DeviceLogonEvents => html! {
                    <rect x={format!("{:.1}", cx - 6.5)} y={format!("{:.1}", cy - 6.5)} width="13" height="13" rx="2" />
                },
                Table::DeviceFileEvents => html! {
                    <path d={format!("M{cx:.1} {:.1} L{:.1} {cy:.1} L{cx:.1} {:.1} L{:.1} {cy:.1} Z", cy - 8.0, cx + 8.0, cy + 8.0, cx - 8.0)} />
                },
                Table::DeviceProcessEvents => html! {
                    <path d={format!("M{:.1} {:.1} L{:.1} {cy:.1} L{:.1} {:.1} Z", cx - 6.0, cy - 7.5, cx + 8.0, cx - 6.0, cy + 7.5)} />
                },
            };
            html! {
                <g class={classes!("ev", lane_class(e.table))} tabindex="0" role="button" aria-label={label.clone()}
                    data-event-id={e.id.clone()}
                    onclick={open} onkeydown={key} onfocus={enter} onblur={blur} onmouseenter={over} onmouseleave={leave}>
                    <title>{ label }</title>
                    { shape }
                </g>
            }
        })
        .collect();
    html! {
        <svg class="timeline" viewBox={format!("0 0 {W} {height}")} role="group"
            aria-label={format!("Timeline of chain {}: offsets from the first connection", chain.id)}>
            { for (0..4).map(|i| {
                let y = TOP + LANE_H * i as f64;
                html! {
                    <g class="lane">
                        <rect x={format!("{LEFT:.1}")} y={format!("{y:.1}")} width={format!("{plot_w:.1}")} height={format!("{LANE_H:.1}")}
                            class={ if i % 2 == 0 { "lane-bg" } else { "lane-bg lane-bg-alt" } } />
                        <text x={format!("{:.1}", LEFT - 10.0)} y={format!("{:.1}", y + LANE_H / 2.0 + 4.0)} text-anchor="end" class="lane-label">{ LANES[i] }</text>
                    </g>
                }
            }) }
            { for ticks.iter().map(|t| {
                let tx = x(*t);
                html! {
                    <g class="tick">
                        <line x1={format!("{tx:.1}")} x2={format!("{tx:.1}")} y1={format!("{TOP:.1}")} y2={format!("{:.1}", axis_y + 4.0)} />
                        <text x={format!("{tx:.1}")} y={format!("{:.1}", axis_y + 17.0)} text-anchor="middle">{ tick_label(*t, step) }</text>
                    </g>
                }
            }) }
            { for windows }
            { window_label }
            <line class="axis" x1={format!("{LEFT:.1}")} x2={format!("{:.1}", W - RIGHT)} y1={format!("{axis_y:.1}")} y2={format!("{axis_y:.1}")} />
            { for markers }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::nice_step;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(60.0e7, 6.0), 1.0e8);
        assert_eq!(nice_step(5.0e7, 6.0), 1.0e7);
    }
}
