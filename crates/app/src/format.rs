//! Numbers, sizes and durations as people read them.

use copyexec_core::time::TICKS_PER_SECOND;

/// `1.5 MB`, `812 kB`, `17 B`.
pub fn bytes(n: u64) -> String {
    const K: f64 = 1000.0;
    let f = n as f64;
    if f >= K * K * K {
        format!("{:.2} GB", f / (K * K * K))
    } else if f >= K * K {
        format!("{:.1} MB", f / (K * K))
    } else if f >= K {
        format!("{:.0} kB", f / K)
    } else {
        format!("{n} B")
    }
}

/// `12 345` with thin grouping.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// An offset from the first connection: `+812.4 ms`, `+3.051 s` (as the CLI prints).
pub fn offset(ticks: i64) -> String {
    let ms = ticks as f64 / (TICKS_PER_SECOND as f64 / 1000.0);
    if ms.abs() >= 1000.0 {
        format!("{:+.3} s", ms / 1000.0)
    } else {
        format!("{ms:+.1} ms")
    }
}

/// A span of time: `350 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
pub fn span(ticks: i64) -> String {
    let s = ticks as f64 / TICKS_PER_SECOND as f64;
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {} s", (s / 60.0) as i64, (s % 60.0) as i64)
    } else if s < 86400.0 {
        format!(
            "{} h {} min",
            (s / 3600.0) as i64,
            ((s % 3600.0) / 60.0) as i64
        )
    } else {
        format!(
            "{} d {} h",
            (s / 86400.0) as i64,
            ((s % 86400.0) / 3600.0) as i64
        )
    }
}

/// `2024-03-11 08:00:14.082` from `2024-03-11T08:00:14.0820530Z` (UTC shown as such).
pub fn stamp_short(ts: &str) -> String {
    let t = ts.replacen('T', " ", 1);
    match t.find('.') {
        Some(dot) if t.len() >= dot + 4 => format!("{} UTC", &t[..dot + 4]),
        _ => t.trim_end_matches('Z').to_string() + " UTC",
    }
}

/// `2024-03-11 08:00:14` from `2024-03-11T08:00:14.0820530Z`: a table column headed UTC.
pub fn stamp_seconds(ts: &str) -> String {
    let t = ts.replacen('T', " ", 1);
    t.get(..19).unwrap_or(t.trim_end_matches('Z')).to_string()
}

/// Milliseconds as `420 ms` or `3.2 s`.
pub fn millis(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_like_the_cli() {
        assert_eq!(offset(8_124_000), "+812.4 ms");
        assert_eq!(offset(30_510_000), "+3.051 s");
        assert_eq!(count(1234567), "1\u{202f}234\u{202f}567");
        assert_eq!(
            stamp_short("2024-03-11T08:00:14.0820530Z"),
            "2024-03-11 08:00:14.082 UTC"
        );
        assert_eq!(
            stamp_seconds("2024-03-11T08:00:14.0820530Z"),
            "2024-03-11 08:00:14"
        );
        assert_eq!(stamp_seconds("2024-03-11T08:00:14Z"), "2024-03-11 08:00:14");
    }
}

/// Ticks (100 ns since 1970-01-01 UTC) of a chain event's `timestamp`
/// (`2024-03-11T08:00:14.0820530Z`, as the core writes it). The document leaves the ticks
/// out (JavaScript numbers cannot hold them); the page needs them exactly to order and plot.
pub fn ticks_of(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !ts.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = match ts.get(19..ts.len() - 1) {
        Some("") => 0,
        Some(f) if f.starts_with('.') && f.len() <= 8 => {
            let digits = &f[1..];
            digits.parse::<i64>().ok()? * 10i64.pow(7 - digits.len() as u32)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3600 + mm * 60 + ss) * TICKS_PER_SECOND) + frac)
}

#[cfg(test)]
mod ticks_tests {
    use super::ticks_of;
    use copyexec_core::time::Ticks;

    #[test]
    fn ticks_round_trip_through_the_core_format() {
        for t in [
            0i64,
            17_101_440_140_820_530,
            9_466_848_000_000_001,
            17_300_000_000_000_000,
        ] {
            assert_eq!(ticks_of(&Ticks(t).to_string()), Some(t));
        }
    }
}

/// Puts back the events' ticks, which the JSON leaves out.
pub fn restore_ticks(chains: &mut [copyexec_core::chains::Chain]) {
    for c in chains {
        for e in c.events_mut() {
            if let Some(t) = ticks_of(&e.timestamp) {
                e.ticks = t;
            }
        }
    }
}
