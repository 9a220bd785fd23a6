//! Instants and durations for display, in integer 100 ns ticks.
//!
//! The report computes every position and label from integers (the document's exact
//! `timestamp` strings and `offset_ticks`), never from the float `unix_ms`, so the CLI and
//! the WebAssembly app produce the same bytes and a document read back from a report renders
//! exactly as the original.

/// 100 ns ticks per second.
pub const SECOND: i64 = 10_000_000;
/// Ticks per millisecond.
pub const MILLI: i64 = 10_000;
/// Ticks per day.
pub const DAY: i64 = 86_400 * SECOND;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Ticks since 1970 of `2024-03-11T08:00:14.0820530Z` (0 to 7 fractional digits, `Z`).
pub fn parse_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let rest = &s[19..];
    let rest = rest.strip_suffix('Z')?;
    let frac = match rest.strip_prefix('.') {
        None if rest.is_empty() => 0,
        Some(f) if !f.is_empty() && f.len() <= 7 && f.bytes().all(|c| c.is_ascii_digit()) => {
            f.parse::<i64>().ok()? * 10_i64.pow(7 - f.len() as u32)
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(days * DAY + (h * 3600 + mi * 60 + sec) * SECOND + frac)
}

/// Parts of an instant: `(year, month, day, hour, minute, second, ticks within the second)`.
fn parts(t: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    let in_day = t.rem_euclid(DAY);
    let s = in_day / SECOND;
    (y, m, d, s / 3600, s / 60 % 60, s % 60, in_day % SECOND)
}

/// `2024-03-11T08:00:14Z` (whole seconds), as RFC 3339 wants it for a creation time.
pub fn rfc3339_seconds(unix_seconds: i64) -> String {
    let (y, m, d, h, mi, s, _) = parts(unix_seconds.saturating_mul(SECOND));
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2024-03-11`.
pub fn date(t: i64) -> String {
    let (y, m, d, ..) = parts(t);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `08:00:14`, with milliseconds when `with_ms`.
pub fn clock(t: i64, with_ms: bool) -> String {
    let (_, _, _, h, mi, s, frac) = parts(t);
    if with_ms {
        format!("{h:02}:{mi:02}:{s:02}.{:03}", frac / MILLI)
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    }
}

/// `03-11 08:00`.
pub fn month_day_minute(t: i64) -> String {
    let (_, m, d, h, mi, ..) = parts(t);
    format!("{m:02}-{d:02} {h:02}:{mi:02}")
}

/// An exact offset: `+0.8205300 s`, `+12.0000000 s`.
pub fn offset(ticks: i64) -> String {
    let sign = if ticks < 0 { '-' } else { '+' };
    let a = ticks.unsigned_abs();
    format!("{sign}{}.{:07} s", a / SECOND as u64, a % SECOND as u64)
}

/// A short duration: `820.53 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
pub fn human(ticks: i64) -> String {
    let a = ticks.unsigned_abs();
    let sign = if ticks < 0 { "-" } else { "" };
    let (s, ms) = (SECOND as u64, MILLI as u64);
    if a < ms {
        format!("{sign}{}.{} µs", a / 10, a % 10)
    } else if a < s {
        format!("{sign}{}.{:02} ms", a / ms, a % ms / 100)
    } else if a < 60 * s {
        format!("{sign}{}.{:03} s", a / s, a % s / ms)
    } else if a < 3600 * s {
        format!("{sign}{} min {} s", a / (60 * s), a / s % 60)
    } else if a < 86_400 * s {
        format!("{sign}{} h {} min", a / (3600 * s), a / (60 * s) % 60)
    } else {
        format!("{sign}{} d {} h", a / (86_400 * s), a / (3600 * s) % 24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documents_form() {
        let t = parse_utc("2024-03-11T08:00:14.0820530Z").unwrap();
        assert_eq!(t, 1_710_144_014 * SECOND + 820_530);
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("1969-12-31T23:59:59.9999999Z"), Some(-1));
        assert_eq!(
            parse_utc("2024-03-11T08:00:14.1Z"),
            Some(1_710_144_014 * SECOND + 1_000_000)
        );
        assert_eq!(parse_utc("2024-03-11 08:00:14Z"), None);
        assert_eq!(parse_utc("2024-03-11T08:00:14.12345678Z"), None);
        assert_eq!(parse_utc("<out of range: 5 ticks>"), None);
    }

    #[test]
    fn formats() {
        let t = parse_utc("2024-02-29T23:59:58.2500000Z").unwrap();
        assert_eq!(date(t), "2024-02-29");
        assert_eq!(clock(t, true), "23:59:58.250");
        assert_eq!(month_day_minute(t), "02-29 23:59");
        assert_eq!(rfc3339_seconds(1_710_144_014), "2024-03-11T08:00:14Z");
        assert_eq!(offset(8_205_300), "+0.8205300 s");
        assert_eq!(human(8_205_300), "820.53 ms");
        assert_eq!(human(42 * SECOND + 5 * MILLI), "42.005 s");
        assert_eq!(human(15), "1.5 µs");
        assert_eq!(human(3 * 3600 * SECOND), "3 h 0 min");
    }
}
