//! All chains on one time axis, a lane per device, so a spreading intrusion shows at a
//! glance. Drag or arrow keys pan; Ctrl + wheel, the buttons or +/− zoom; a chain's marker
//! leads to its card.

use super::chain_timeline::nice_step;
use crate::hooks::use_worker::AppContext;
use crate::protocol::{ListKind, MAX_LANES};
use copyexec_core::time::{Ticks, TICKS_PER_SECOND};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AddEventListenerOptions, WheelEvent};
use yew::prelude::*;

const W: f64 = 1000.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 8.0;
const LANE_H: f64 = 26.0;
const AXIS_H: f64 = 28.0;

/// Visible time range, ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
struct View {
    lo: f64,
    hi: f64,
}

impl View {
    fn zoom(self, factor: f64, at: f64, full: View) -> View {
        let min_width = TICKS_PER_SECOND as f64 / 10.0;
        let width = ((self.hi - self.lo) * factor).clamp(min_width, (full.hi - full.lo) * 4.0);
        let ratio = (at - self.lo) / (self.hi - self.lo);
        let lo = at - width * ratio;
        View { lo, hi: lo + width }
    }

    fn pan(self, delta: f64) -> View {
        View {
            lo: self.lo + delta,
            hi: self.hi + delta,
        }
    }
}

fn axis_label(t: f64, step: f64) -> String {
    let s = Ticks(t as i64).to_string();
    // 2024-03-11T08:00:14.0820530Z
    if step >= 86_400.0 * TICKS_PER_SECOND as f64 {
        s[5..10].to_string()
    } else if step >= 3600.0 * TICKS_PER_SECOND as f64 {
        format!("{} {}", &s[5..10], &s[11..16])
    } else if step >= TICKS_PER_SECOND as f64 {
        s[11..19].to_string()
    } else {
        s[11..23].to_string()
    }
}

/// Round steps for a time axis, ticks.
fn time_step(range: f64) -> f64 {
    const S: f64 = TICKS_PER_SECOND as f64;
    let candidates = [
        S,
        2.0 * S,
        5.0 * S,
        10.0 * S,
        15.0 * S,
        30.0 * S,
        60.0 * S,
        120.0 * S,
        300.0 * S,
        600.0 * S,
        900.0 * S,
        1800.0 * S,
        3600.0 * S,
        7200.0 * S,
        3.0 * 3600.0 * S,
        6.0 * 3600.0 * S,
        12.0 * 3600.0 * S,
        86_400.0 * S,
        2.0 * 86_400.0 * S,
        7.0 * 86_400.0 * S,
    ];
    let target = range / 7.0;
    if target < S {
        return nice_step(range, 7.0);
    }
    candidates
        .into_iter()
        .find(|c| *c >= target)
        .unwrap_or_else(|| nice_step(range, 7.0))
}

/// A device's host name without its domain (the full name is the lane's tooltip), shortened
/// to fit the lane label.
fn short_name(name: &str) -> String {
    let host = match name.split_once('.') {
        Some((h, _)) if !h.is_empty() => h,
        _ => name,
    };
    if host.chars().count() > 22 {
        host.chars().take(21).collect::<String>() + "…"
    } else {
        host.to_string()
    }
}

/// The chain whose marker holds `target` (one listener on the chart serves every marker).
fn chain_at(target: Option<web_sys::EventTarget>) -> Option<String> {
    target?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("[data-chain-id]")
        .ok()??
        .get_attribute("data-chain-id")
}

/// The overview.
#[function_component(Overview)]
pub fn overview() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let state = &ctx.state;
    let svg_ref = use_node_ref();
    let result = state.result.clone();
    // The worker sends the marks of the chains the list matches (filter and pick), in time
    // order, with the list's pages, while the overview draws lanes.
    let marks = state.kept.as_ref().and_then(|p| p.marks.clone());
    // The full range of all chains (not only the matched ones, so filtering does not rescale).
    let full = {
        let (lo, hi) = result
            .as_ref()
            .and_then(|r| r.stats.span)
            .map(|(a, b)| (a as f64, b as f64))
            .unwrap_or((0.0, 0.0));
        let pad = ((hi - lo) * 0.03).max(30.0 * TICKS_PER_SECOND as f64);
        View {
            lo: lo - pad,
            hi: hi + pad,
        }
    };
    let view = use_state(|| full);
    {
        let view = view.clone();
        use_effect_with(full.lo.to_bits() ^ full.hi.to_bits(), move |_| {
            view.set(full);
        });
    }
    let drag = use_mut_ref(|| None::<(f64, View)>);
    // The markers are drawn in the task after the first cards, so those appear first.
    let ready = use_state(|| false);
    {
        let ready = ready.clone();
        use_effect_with((), move |_| {
            let cb = Closure::once_into_js(move || ready.set(true));
            if let Some(w) = web_sys::window() {
                let _ =
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
            }
        });
    }
    // A wheel listener that may cancel scrolling (Yew's are passive). It reads the current
    // view and full range from cells, and is attached again whenever the result changes
    // (the chart's element may be new).
    let cells = use_mut_ref(|| (*view, full));
    *cells.borrow_mut() = (*view, full);
    {
        let svg_ref = svg_ref.clone();
        let view = view.clone();
        let cells = cells.clone();
        use_effect_with(result.as_ref().map(|r| r.seq), move |_| {
            let target = svg_ref.cast::<web_sys::Element>();
            let closure = target.as_ref().map(|el| {
                let el2 = el.clone();
                let closure = Closure::<dyn FnMut(WheelEvent)>::new(move |e: WheelEvent| {
                    if !(e.ctrl_key() || e.meta_key()) {
                        return;
                    }
                    e.prevent_default();
                    let rect = el2.get_bounding_client_rect();
                    let (v, full) = *cells.borrow();
                    let px = (e.client_x() as f64 - rect.left()) / rect.width() * W;
                    let at =
                        v.lo + ((px - LEFT) / (W - LEFT - RIGHT)).clamp(0.0, 1.0) * (v.hi - v.lo);
                    let factor = if e.delta_y() > 0.0 { 1.25 } else { 0.8 };
                    view.set(v.zoom(factor, at, full));
                });
                let opts = AddEventListenerOptions::new();
                opts.set_passive(false);
                let _ = el.add_event_listener_with_callback_and_add_event_listener_options(
                    "wheel",
                    closure.as_ref().unchecked_ref(),
                    &opts,
                );
                closure
            });
            move || {
                if let (Some(el), Some(c)) = (target, closure) {
                    let _ =
                        el.remove_event_listener_with_callback("wheel", c.as_ref().unchecked_ref());
                }
            }
        });
    }
    let Some(result) = result else {
        return html! {};
    };
    let stats = &result.stats;
    if stats.chains == 0 {
        return html! {};
    }
    if !stats.lanes {
        return html! {
            <section class="overview" aria-label="Timeline">
                <p class="muted small">{ format!(
                    "The chains touch {} devices, too many for a lane each (at most {MAX_LANES}): the spread and the files above tell where they went.",
                    crate::format::count(stats.devices as u64)) }</p>
            </section>
        };
    }
    let marks = marks.unwrap_or_default();
    let ctx_open = ctx.clone();
    let go_to_chain = move |id: &str| ctx_open.open_chain(Some((ListKind::Kept, id.to_string())));
    let v = *view;
    let plot_w = W - LEFT - RIGHT;
    let x = move |t: f64| LEFT + (t - v.lo) / (v.hi - v.lo) * plot_w;
    // Lanes: devices in order of their first chain.
    let mut lanes: Vec<(String, String)> = Vec::new();
    let mut lane_of: BTreeMap<String, usize> = BTreeMap::new();
    for c in marks.iter() {
        if !lane_of.contains_key(&c.device_id) {
            lane_of.insert(c.device_id.clone(), lanes.len());
            let name = if c.device_name.is_empty() {
                c.device_id.clone()
            } else {
                c.device_name.clone()
            };
            lanes.push((c.device_id.clone(), name));
        }
    }
    let height = TOP + LANE_H * lanes.len().max(1) as f64 + AXIS_H;
    let axis_y = TOP + LANE_H * lanes.len().max(1) as f64;
    let step = time_step(v.hi - v.lo);
    let mut ticks = Vec::new();
    let mut t = (v.lo / step).ceil() * step;
    while t <= v.hi && ticks.len() < 30 {
        ticks.push(t);
        t += step;
    }
    let zoom_by = |factor: f64| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| {
            let v = *view;
            view.set(v.zoom(factor, (v.lo + v.hi) / 2.0, full));
        })
    };
    let reset = {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(full))
    };
    let on_click = {
        let go_to_chain = go_to_chain.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(id) = chain_at(e.target()) {
                go_to_chain(&id);
            }
        })
    };
    let on_key = {
        let view = view.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                if let Some(id) = chain_at(e.target()) {
                    e.prevent_default();
                    go_to_chain(&id);
                }
                return;
            }
            let v = *view;
            let w = v.hi - v.lo;
            let next = match e.key().as_str() {
                "ArrowLeft" => Some(v.pan(-w * 0.1)),
                "ArrowRight" => Some(v.pan(w * 0.1)),
                "+" | "=" => Some(v.zoom(0.8, (v.lo + v.hi) / 2.0, full)),
                "-" | "_" => Some(v.zoom(1.25, (v.lo + v.hi) / 2.0, full)),
                "0" | "Home" => Some(full),
                _ => None,
            };
            if let Some(n) = next {
                e.prevent_default();
                view.set(n);
            }
        })
    };
    let on_down = {
        let drag = drag.clone();
        let view = view.clone();
        Callback::from(move |e: MouseEvent| {
            if e.button() == 0 {
                *drag.borrow_mut() = Some((e.client_x() as f64, *view));
            }
        })
    };
    let on_move = {
        let drag = drag.clone();
        let view = view.clone();
        let svg_ref = svg_ref.clone();
        Callback::from(move |e: MouseEvent| {
            let Some((x0, v0)) = *drag.borrow() else {
                return;
            };
            let Some(el) = svg_ref.cast::<web_sys::Element>() else {
                return;
            };
            let rect = el.get_bounding_client_rect();
            let px = (e.client_x() as f64 - x0) / rect.width() * W;
            let dt = px / plot_w * (v0.hi - v0.lo);
            if px.abs() > 2.0 {
                view.set(v0.pan(-dt));
            }
        })
    };
    let on_up = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| *drag.borrow_mut() = None)
    };
    let zoomed = v != full;
    // Chain ids beside the markers while they can be read.
    let labels = marks.len() <= 60;
    html! {
        <section class="overview panel" aria-labelledby="overview-title">
            <div class="panel-head">
                <h2 id="overview-title" class="section-title">{ "Overview" }</h2>
                <div class="overview-controls">
                    <span class="muted small">{ "Drag or ←/→ to pan · Ctrl + wheel or +/− to zoom" }</span>
                    <button type="button" class="btn btn-small" onclick={zoom_by(0.5)} aria-label="Zoom in">{ "+" }</button>
                    <button type="button" class="btn btn-small" onclick={zoom_by(2.0)} aria-label="Zoom out">{ "−" }</button>
                    <button type="button" class="btn btn-small" onclick={reset} disabled={!zoomed}>{ "Reset" }</button>
                </div>
            </div>
            <div class="overview-scroll">
                <svg ref={svg_ref} class="overview-svg" viewBox={format!("0 0 {W} {height:.0}")} tabindex="0"
                    role="group" aria-label="Chains over time, one lane per device" data-testid="overview"
                    onkeydown={on_key} onclick={on_click} onmousedown={on_down} onmousemove={on_move} onmouseup={on_up.clone()} onmouseleave={on_up}>
                    <defs>
                        <clipPath id="overview-clip">
                            <rect x={format!("{LEFT}")} y="0" width={format!("{plot_w}")} height={format!("{height:.0}")} />
                        </clipPath>
                    </defs>
                    { for lanes.iter().enumerate().map(|(i, (_, name))| {
                        let y = TOP + LANE_H * i as f64;
                        let label = short_name(name);
                        html! {
                            <g class="lane">
                                <rect x={format!("{LEFT}")} y={format!("{y:.1}")} width={format!("{plot_w:.1}")} height={format!("{LANE_H}")}
                                    class={ if i % 2 == 0 { "lane-bg" } else { "lane-bg lane-bg-alt" } } />
                                <text x={format!("{:.1}", LEFT - 10.0)} y={format!("{:.1}", y + LANE_H / 2.0 + 4.0)} text-anchor="end" class="lane-label">
                                    <title>{ name.clone() }</title>
                                    { label }
                                </text>
                            </g>
                        }
                    }) }
                    { for ticks.iter().map(|t| {
                        let tx = x(*t);
                        // Labels that would run past the plot's edges are left out.
                        let room = tx > LEFT + 30.0 && tx < W - RIGHT - 30.0;
                        html! {
                            <g class="tick">
                                <line x1={format!("{tx:.1}")} x2={format!("{tx:.1}")} y1={format!("{TOP}")} y2={format!("{:.1}", axis_y + 4.0)} />
                                if room {
                                    <text x={format!("{tx:.1}")} y={format!("{:.1}", axis_y + 17.0)} text-anchor="middle">{ axis_label(*t, step) }</text>
                                }
                            </g>
                        }
                    }) }
                    <g clip-path="url(#overview-clip)">
                        { for marks.iter().filter(|_| *ready).map(|c| {
                            let lane = lane_of[&c.device_id];
                            let cy = TOP + LANE_H * (lane as f64 + 0.5);
                            let (x0, x1) = (x(c.first as f64), x(c.start as f64));
                            let label = c.title.clone();
                            // Only what is visible at this zoom is drawn (hundreds of chains
                            // stay cheap); the title is the marker's tooltip and accessible name.
                            let visible = x1 >= LEFT - 10.0 && x0 <= W - RIGHT + 10.0;
                            html! {
                                if visible {
                                    <g class="ov-chain" tabindex="0" role="link" data-chain-id={c.id.clone()}>
                                        <title>{ label }</title>
                                        if x1 - x0 > 2.0 {
                                            <line x1={format!("{x0:.1}")} x2={format!("{x1:.1}")} y1={format!("{cy:.1}")} y2={format!("{cy:.1}")} class="ov-span" />
                                        }
                                        <circle cx={format!("{x1:.1}")} cy={format!("{cy:.1}")} r="6" />
                                        if labels {
                                            <text x={format!("{:.1}", x1 + 9.0)} y={format!("{:.1}", cy + 3.5)} class="ov-label">{ c.id.clone() }</text>
                                        }
                                    </g>
                                }
                            }
                        }) }
                    </g>
                    <line class="axis" x1={format!("{LEFT}")} x2={format!("{:.1}", W - RIGHT)} y1={format!("{axis_y:.1}")} y2={format!("{axis_y:.1}")} />
                </svg>
            </div>
        </section>
    }
}
