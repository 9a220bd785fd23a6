//! Timelines as inline SVG: one per chain (four lanes, offsets from the first connection, the
//! query's tolerance window shaded) and an overview of all chains with a lane per device.
//!
//! Geometry is integer arithmetic in hundredths of a pixel, so the same document gives the
//! same bytes natively and in WebAssembly. Colours and dashes come from the page's stylesheet
//! through classes (no `style` attributes: the Content-Security-Policy allows only the one
//! hashed `<style>` element), which also gives the dark and print themes for free.

use crate::text::{short, Attr, Svg};
use crate::time::{self, MILLI, SECOND};
use copyexec_core::chains::{Chain, Event};
use copyexec_core::ChainsDocument;
use std::collections::BTreeMap;
use std::fmt::Write as _;

macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{ let _ = write!($out, $($arg)*); }};
}

/// Width of every timeline's coordinate system.
const W: i64 = 960;

/// Hundredths of a pixel as SVG number text.
fn px(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    match a % 100 {
        0 => format!("{sign}{}", a / 100),
        f if f % 10 == 0 => format!("{sign}{}.{}", a / 100, f / 10),
        f => format!("{sign}{}.{f:02}", a / 100),
    }
}

/// A linear map from ticks `[lo, lo + span]` onto pixels `[left, left + width]`, in
/// hundredths of a pixel.
struct Scale {
    lo: i64,
    span: i64,
    left: i64,
    width: i64,
}

impl Scale {
    fn x(&self, t: i64) -> i64 {
        let rel = (t as i128 - self.lo as i128).clamp(0, self.span as i128);
        (self.left * 100) + (rel * (self.width as i128) * 100 / self.span as i128) as i64
    }
}

/// The smallest step of `steps` that gives at most `max` intervals over `span`.
fn step_for(span: i64, steps: &[i64], max: i64) -> i64 {
    steps
        .iter()
        .copied()
        .find(|&s| span / s <= max)
        .unwrap_or(*steps.last().unwrap_or(&1))
}

/// 1, 2, 5 × 10^k ticks.
fn decimal_steps() -> Vec<i64> {
    let mut v = Vec::new();
    let mut p = 1i64;
    for _ in 0..17 {
        v.extend([p, 2 * p, 5 * p]);
        p *= 10;
    }
    v
}

/// An offset tick label whose unit follows the step: `0`, `250 ms`, `2 s`, `12.5 µs`.
fn offset_label(t: i64, step: i64) -> String {
    if t == 0 {
        "0".to_string()
    } else if step >= SECOND {
        format!("{} s", t / SECOND)
    } else if step >= MILLI {
        format!("{} ms", t / MILLI)
    } else if step >= 10 {
        format!("{} µs", t / 10)
    } else {
        format!("{}.{} µs", t / 10, t % 10)
    }
}

fn marker(out: &mut String, kind: char, x: i64, y: i64, title: &str) {
    let (x, y) = (x, y * 100);
    let p = |v: i64| px(v);
    match kind {
        'n' => {
            w!(
                out,
                "<circle class=\"mk mk-n\" cx=\"{}\" cy=\"{}\" r=\"6\">",
                p(x),
                p(y)
            );
            w!(out, "<title>{}</title></circle>", Attr(title));
        }
        'l' => {
            w!(
                out,
                "<rect class=\"mk mk-l\" x=\"{}\" y=\"{}\" width=\"11\" height=\"11\">",
                p(x - 550),
                p(y - 550)
            );
            w!(out, "<title>{}</title></rect>", Attr(title));
        }
        'f' => {
            w!(
                out,
                "<path class=\"mk mk-f\" d=\"M{} {}L{} {}L{} {}L{} {}Z\">",
                p(x),
                p(y - 750),
                p(x + 750),
                p(y),
                p(x),
                p(y + 750),
                p(x - 750),
                p(y)
            );
            w!(out, "<title>{}</title></path>", Attr(title));
        }
        _ => {
            w!(
                out,
                "<path class=\"mk mk-p\" d=\"M{} {}L{} {}L{} {}Z\">",
                p(x - 750),
                p(y + 650),
                p(x + 750),
                p(y + 650),
                p(x),
                p(y - 750)
            );
            w!(out, "<title>{}</title></path>", Attr(title));
        }
    }
}

fn event_title(e: &Event) -> String {
    format!(
        "{} · {} · {} after the first connection",
        e.id,
        e.timestamp,
        time::offset(e.offset_ticks)
    )
}

/// The timeline of one chain.
pub fn chain_timeline(out: &mut String, chain: &Chain, tolerance_seconds: i64) {
    const LEFT: i64 = 118;
    const RIGHT: i64 = 28;
    const TOP: i64 = 34;
    const LANE: i64 = 30;
    const AXIS: i64 = 44;
    let height = TOP + 4 * LANE + AXIS;
    let window = tolerance_seconds.saturating_mul(SECOND);
    let starts = [chain.start.clone()];
    let lanes: [(&str, char, &[Event]); 4] = [
        ("Connection", 'n', &chain.connections),
        ("Logon", 'l', &chain.logons),
        ("Write", 'f', &chain.writes),
        ("Start", 'p', &starts),
    ];
    let all = || lanes.iter().flat_map(|(_, _, evs)| evs.iter());
    let lo = all().map(|e| e.offset_ticks).min().unwrap_or(0).min(0);
    let last_conn = chain
        .connections
        .iter()
        .map(|e| e.offset_ticks)
        .max()
        .unwrap_or(0);
    let hi = all()
        .map(|e| e.offset_ticks)
        .max()
        .unwrap_or(0)
        .max(last_conn.saturating_add(window));
    let span = (hi - lo).max(MILLI);
    let span = span.saturating_add(span / 25).max(1);
    let sc = Scale {
        lo,
        span,
        left: LEFT,
        width: W - LEFT - RIGHT,
    };

    w!(
        out,
        "<svg class=\"tl\" viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" aria-label=\"Timeline of chain {}\">",
        Attr(&chain.id)
    );
    // Lanes.
    for (i, (name, _, evs)) in lanes.iter().enumerate() {
        let y = TOP + i as i64 * LANE;
        w!(
            out,
            "<rect class=\"lane lane-{}\" x=\"{LEFT}\" y=\"{y}\" width=\"{}\" height=\"{LANE}\"/>",
            i % 2,
            W - LEFT - RIGHT
        );
        w!(
            out,
            "<text class=\"lane-name\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{name} ({})</text>",
            LEFT - 8,
            y + LANE / 2 + 4,
            evs.len()
        );
    }
    let lanes_bottom = TOP + 4 * LANE;
    // The tolerance window of every connection, merged where they overlap.
    let mut conns: Vec<i64> = chain.connections.iter().map(|e| e.offset_ticks).collect();
    conns.sort_unstable();
    conns.dedup();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for &c in &conns {
        let end = c.saturating_add(window);
        match merged.last_mut() {
            Some(last) if c <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((c, end)),
        }
    }
    for (a, b) in &merged {
        w!(
            out,
            "<rect class=\"win\" x=\"{}\" y=\"{TOP}\" width=\"{}\" height=\"{}\"/>",
            px(sc.x(*a)),
            px(sc.x(*b) - sc.x(*a)),
            4 * LANE
        );
    }
    for &c in conns.iter().take(64) {
        let x = px(sc.x(c.saturating_add(window)));
        w!(
            out,
            "<line class=\"win-edge\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{lanes_bottom}\"/>",
            TOP - 4
        );
    }
    // Axis: grid lines and labels.
    let step = step_for(span, &decimal_steps(), 8);
    let mut t = lo.div_euclid(step) * step;
    if t < lo {
        t += step;
    }
    while t <= lo + span {
        let x = px(sc.x(t));
        w!(
            out,
            "<line class=\"grid\" x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{}\"/>",
            lanes_bottom + 4
        );
        w!(
            out,
            "<text class=\"tick\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            lanes_bottom + 17,
            offset_label(t, step)
        );
        t += step;
    }
    w!(
        out,
        "<text class=\"axis-name\" x=\"{LEFT}\" y=\"{}\">time after the first connection · shaded: the query's window, {} s after each connection (dashed: its end)</text>",
        height - 6,
        tolerance_seconds
    );
    // Window label at the first connection's window end.
    if let Some(&c) = conns.first() {
        let x = sc.x(c.saturating_add(window));
        let anchor = if x > (W - RIGHT - 60) * 100 {
            "end"
        } else {
            "middle"
        };
        w!(
            out,
            "<text class=\"win-label\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">+{} s</text>",
            px(x),
            TOP - 8,
            tolerance_seconds
        );
    }
    // Events.
    for (i, (_, kind, evs)) in lanes.iter().enumerate() {
        let y = TOP + i as i64 * LANE + LANE / 2;
        for e in evs.iter() {
            marker(out, *kind, sc.x(e.offset_ticks), y, &event_title(e));
        }
    }
    // The start's offset, beside its marker.
    let sx = sc.x(chain.start.offset_ticks);
    let (lx, anchor) = if sx > (W - RIGHT - 170) * 100 {
        (sx - 1100, "end")
    } else {
        (sx + 1100, "start")
    };
    w!(
        out,
        "<text class=\"start-label\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">start {}</text>",
        px(lx),
        TOP + 3 * LANE + LANE / 2 + 4,
        time::offset(chain.start.offset_ticks)
    );
    out.push_str("</svg>");
}

/// Absolute begin and end (ticks since 1970) of a chain: first connection to last event.
fn chain_extent(c: &Chain) -> (i64, i64) {
    let start =
        time::parse_utc(&c.start.timestamp).unwrap_or((c.start.unix_ms * MILLI as f64) as i64);
    let begin = start - c.start.offset_ticks;
    let last = c
        .connections
        .iter()
        .chain(&c.logons)
        .chain(&c.writes)
        .map(|e| e.offset_ticks)
        .chain([c.start.offset_ticks])
        .max()
        .unwrap_or(0);
    (begin, begin + last)
}

/// The overview of every chain, a lane per device.
pub fn overview(out: &mut String, doc: &ChainsDocument) {
    const LEFT: i64 = 190;
    const RIGHT: i64 = 28;
    const TOP: i64 = 10;
    const ROW: i64 = 20;
    const AXIS: i64 = 46;
    if doc.chains.is_empty() {
        return;
    }
    let extents: Vec<(i64, i64)> = doc.chains.iter().map(chain_extent).collect();
    let mut lo = extents.iter().map(|e| e.0).min().unwrap_or(0);
    let mut hi = extents.iter().map(|e| e.1).max().unwrap_or(0);
    if hi - lo < SECOND {
        let grow = SECOND - (hi - lo);
        lo -= grow / 2;
        hi += grow - grow / 2;
    }
    let pad = (hi - lo) / 33;
    let (lo, span) = (lo - pad, hi - lo + 2 * pad);
    let sc = Scale {
        lo,
        span,
        left: LEFT,
        width: W - LEFT - RIGHT,
    };

    // Devices by label, then id; chains packed into rows so bars and labels do not collide.
    let mut devices: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in doc.chains.iter().enumerate() {
        let label = [&c.device_name, &c.device_id]
            .into_iter()
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| "(no device name)".to_string());
        devices
            .entry((label, c.device_id.clone()))
            .or_default()
            .push(i);
    }
    struct Placed {
        chain: usize,
        row: i64,
        x0: i64,
        x1: i64,
    }
    let mut lanes: Vec<(String, i64, Vec<Placed>)> = Vec::new();
    for ((label, _), mut idx) in devices {
        idx.sort_by_key(|&i| (extents[i].0, i));
        let mut row_ends: Vec<i64> = Vec::new();
        let mut placed = Vec::new();
        for i in idx {
            let x0 = sc.x(extents[i].0);
            let x1 = sc.x(extents[i].1).max(x0 + 400);
            let label_w = (doc.chains[i].id.chars().count().min(12) as i64 * 7 + 10) * 100;
            let row = match row_ends.iter().position(|&end| end + 400 <= x0) {
                Some(r) => r,
                None => {
                    row_ends.push(i64::MIN);
                    row_ends.len() - 1
                }
            };
            row_ends[row] = x1 + label_w;
            placed.push(Placed {
                chain: i,
                row: row as i64,
                x0,
                x1,
            });
        }
        lanes.push((label, row_ends.len().max(1) as i64, placed));
    }
    let lanes_h: i64 = lanes.iter().map(|(_, rows, _)| rows * ROW + 8).sum();
    let height = TOP + lanes_h + AXIS;
    w!(
        out,
        "<svg class=\"ov\" viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" aria-label=\"Overview of all chains by device\">"
    );
    // Lanes.
    let mut y = TOP;
    for (n, (label, rows, _)) in lanes.iter().enumerate() {
        let h = rows * ROW + 8;
        w!(
            out,
            "<rect class=\"lane lane-{}\" x=\"0\" y=\"{y}\" width=\"{}\" height=\"{h}\"/>",
            n % 2,
            W - RIGHT
        );
        w!(
            out,
            "<text class=\"dev\" x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            LEFT - 10,
            y + 4 + ROW / 2 + 4,
            Attr(&short(label, 300)),
            Svg(&short(label, 26))
        );
        y += h;
    }
    let bottom = y;
    // Axis.
    const STEPS: &[i64] = &[
        MILLI,
        2 * MILLI,
        5 * MILLI,
        10 * MILLI,
        20 * MILLI,
        50 * MILLI,
        100 * MILLI,
        200 * MILLI,
        500 * MILLI,
        SECOND,
        2 * SECOND,
        5 * SECOND,
        10 * SECOND,
        15 * SECOND,
        30 * SECOND,
        60 * SECOND,
        120 * SECOND,
        300 * SECOND,
        600 * SECOND,
        900 * SECOND,
        1800 * SECOND,
        3600 * SECOND,
        7200 * SECOND,
        10_800 * SECOND,
        21_600 * SECOND,
        43_200 * SECOND,
        time::DAY,
        2 * time::DAY,
        7 * time::DAY,
        14 * time::DAY,
        30 * time::DAY,
        91 * time::DAY,
        365 * time::DAY,
        3650 * time::DAY,
        36_500 * time::DAY,
    ];
    let step = step_for(span, STEPS, 7);
    let multi_day = time::date(lo) != time::date(lo + span);
    let mut t = lo.div_euclid(step) * step;
    if t < lo {
        t += step;
    }
    while t <= lo + span {
        let x = px(sc.x(t));
        let label = if step >= time::DAY {
            time::date(t)
        } else if multi_day {
            time::month_day_minute(t)
        } else {
            time::clock(t, step < SECOND)
        };
        w!(
            out,
            "<line class=\"grid\" x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{}\"/>",
            bottom + 4
        );
        w!(
            out,
            "<text class=\"tick\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
            bottom + 17
        );
        t += step;
    }
    let (first, last) = (time::date(lo + pad), time::date(lo + span - pad));
    let dates = if first == last {
        first
    } else {
        format!("{first} to {last}")
    };
    w!(
        out,
        "<text class=\"axis-name\" x=\"{LEFT}\" y=\"{}\">UTC, {dates} · bar: first connection to start (triangle)</text>",
        height - 8
    );
    // Chains.
    let mut y = TOP;
    for (_, rows, placed) in &lanes {
        for p in placed {
            let c = &doc.chains[p.chain];
            let cy = y + 4 + p.row * ROW + ROW / 2;
            w!(
                out,
                "<a href=\"#chain-{}\" class=\"ov-chain\"><title>{} · {} · start {}</title>",
                p.chain + 1,
                Attr(&c.id),
                Attr(&short(&c.folder_path, 300)),
                Attr(&c.start.timestamp)
            );
            w!(
                out,
                "<rect class=\"ov-bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"8\" rx=\"2\"/>",
                px(p.x0),
                cy - 4,
                px(p.x1 - p.x0)
            );
            w!(
                out,
                "<path class=\"mk mk-p\" d=\"M{} {}L{} {}L{} {}Z\"/>",
                px(p.x1 - 500),
                cy + 5,
                px(p.x1 + 500),
                cy + 5,
                px(p.x1),
                cy - 6
            );
            w!(
                out,
                "<text class=\"ov-id\" x=\"{}\" y=\"{}\">{}</text></a>",
                px(p.x1 + 800),
                cy + 4,
                Svg(&short(&c.id, 12))
            );
        }
        y += rows * ROW + 8;
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_are_exact_decimal_text() {
        assert_eq!(px(12_345), "123.45");
        assert_eq!(px(12_340), "123.4");
        assert_eq!(px(12_300), "123");
        assert_eq!(px(-5), "-0.05");
    }

    #[test]
    fn tick_labels_follow_the_step() {
        assert_eq!(offset_label(0, SECOND), "0");
        assert_eq!(offset_label(2 * SECOND, SECOND), "2 s");
        assert_eq!(offset_label(250 * MILLI, 50 * MILLI), "250 ms");
        assert_eq!(offset_label(125, 5), "12.5 µs");
        assert_eq!(step_for(5 * SECOND, &decimal_steps(), 8), SECOND);
    }
}
