//! Instants at Kusto's resolution (100 ns ticks) and the timestamp formats of real exports.
//!
//! Kusto `datetime` has 100 ns resolution, so every window comparison here is done on whole
//! ticks; nothing goes through floating point. Exports write the same instant in many forms:
//! ISO 8601 with 0–7 fractional digits (Advanced Hunting API, old portal CSV, streaming API),
//! month-name locale forms (`Oct 9, 2024 2:56:53 PM`, new portal CSV) and numeric locale forms
//! whose day/month order is not in the value (`05/12/2024 18:41:25`). The last kind is parsed
//! into [`NumericDate`] and resolved once the whole file has been seen (see [`DateOrderEvidence`]).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Ticks (100 ns) in one second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

/// An instant: 100 ns ticks since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ticks(pub i64);

impl Ticks {
    /// `self + seconds`, saturating at the ends of the range.
    pub fn plus_seconds(self, seconds: i64) -> Ticks {
        Ticks(
            self.0
                .saturating_add(seconds.saturating_mul(TICKS_PER_SECOND)),
        )
    }
}

impl Ticks {
    /// Kusto's datetime range, 0001-01-01 to 9999-12-31T23:59:59.9999999 UTC: what copyexec
    /// reads, and so what it writes and reads back.
    pub const RANGE: std::ops::RangeInclusive<Ticks> =
        Ticks(-719_162 * TICKS_PER_DAY)..=Ticks(2_932_897 * TICKS_PER_DAY - 1);
}

impl fmt::Display for Ticks {
    /// `2024-03-11T08:00:14.0820530Z`: always seven fractional digits, as Kusto prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(TICKS_PER_DAY);
        let in_day = self.0.rem_euclid(TICKS_PER_DAY);
        let date = NaiveDate::from_num_days_from_ce_opt((days + 719_163) as i32);
        let secs = in_day / TICKS_PER_SECOND;
        let frac = in_day % TICKS_PER_SECOND;
        match date {
            Some(d) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
                d.year(),
                d.month(),
                d.day(),
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                frac
            ),
            None => write!(f, "<out of range: {} ticks>", self.0),
        }
    }
}

/// How finely a source's timestamps are written; coarser than 100 ns means two events can
/// look simultaneous or land on the other side of a window edge than they really were.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// 100 ns: seven fractional digits.
    Tick,
    /// Microseconds (six digits).
    Microsecond,
    /// Milliseconds (one to three digits).
    Millisecond,
    /// Whole seconds.
    Second,
}

impl Precision {
    fn from_digits(digits: usize) -> Precision {
        match digits {
            0 => Precision::Second,
            1..=3 => Precision::Millisecond,
            4..=6 => Precision::Microsecond,
            _ => Precision::Tick,
        }
    }

    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            Precision::Tick => "100 ns",
            Precision::Microsecond => "1 µs",
            Precision::Millisecond => "1 ms",
            Precision::Second => "1 s",
        }
    }
}

/// Which textual form a timestamp had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StampStyle {
    /// `2023-10-18T14:37:28.2012261Z` (or with an offset, or without a zone).
    Iso8601,
    /// `Oct 9, 2024 2:56:53 PM`.
    MonthName,
    /// `05/12/2024 18:41:25`, `13/03/2024, 3:40:13.988 pm`: day/month order not in the value.
    Numeric,
    /// `2024/03/13 10:00:00`: numeric, year first.
    NumericYearFirst,
}

impl StampStyle {
    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            StampStyle::Iso8601 => "ISO 8601",
            StampStyle::MonthName => "month name (e.g. Oct 9, 2024 2:56:53 PM)",
            StampStyle::Numeric => "numeric date (e.g. 05/12/2024 18:41:25)",
            StampStyle::NumericYearFirst => "numeric date, year first",
        }
    }
}

/// Day/month order of numeric dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Decide from the file; refuse to guess when the file does not tell.
    #[default]
    Auto,
    /// Month first (`7/5/2023` is July 5).
    Mdy,
    /// Day first (`7/5/2023` is 7 May).
    Dmy,
}

/// A parsed timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// Kusto's null datetime (empty field, JSON null, `Invalid date`).
    Null,
    /// A complete instant.
    Exact {
        /// The instant, in UTC.
        at: Ticks,
        /// Whether the text carried its own zone (`Z` or an offset).
        zoned: bool,
        /// Resolution of the written value.
        precision: Precision,
        /// The written form.
        style: StampStyle,
    },
    /// Numeric date whose day/month order is decided per file.
    Pending(NumericDate),
}

/// A numeric date with its two leading fields not yet assigned to day and month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumericDate {
    /// First field as written.
    pub first: u8,
    /// Second field as written.
    pub second: u8,
    /// Year.
    pub year: i32,
    /// Ticks since midnight.
    pub time_of_day: i64,
    /// Resolution of the written value.
    pub precision: Precision,
}

impl NumericDate {
    /// The instant this date denotes under `order`, taking the written time as `offset_minutes`
    /// east of UTC. `None` if the date does not exist in that order (e.g. month 13).
    pub fn resolve(&self, order: DateOrder, offset_minutes: i32) -> Option<Ticks> {
        let (month, day) = match order {
            DateOrder::Dmy => (self.second, self.first),
            _ => (self.first, self.second),
        };
        let date = NaiveDate::from_ymd_opt(self.year, month as u32, day as u32)?;
        let at = Ticks(
            days_since_epoch(date) * TICKS_PER_DAY + self.time_of_day
                - offset_minutes as i64 * 60 * TICKS_PER_SECOND,
        );
        Ticks::RANGE.contains(&at).then_some(at)
    }
}

/// What a file's numeric dates say about their day/month order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOrderEvidence {
    /// First line (1-based) whose first field exceeds 12, proving day-first.
    pub day_first_line: Option<u64>,
    /// First line whose second field exceeds 12, proving month-first.
    pub month_first_line: Option<u64>,
    /// Numeric dates seen.
    pub count: u64,
}

impl DateOrderEvidence {
    /// Record one date seen at `line`.
    pub fn observe(&mut self, date: &NumericDate, line: u64) {
        self.count += 1;
        if date.first > 12 && self.day_first_line.is_none() {
            self.day_first_line = Some(line);
        }
        if date.second > 12 && self.month_first_line.is_none() {
            self.month_first_line = Some(line);
        }
    }

    /// Adds what a later stretch of the same file saw, its lines counted after `line_base`.
    pub fn extend(&mut self, later: &DateOrderEvidence, line_base: u64) {
        self.count += later.count;
        self.day_first_line = self
            .day_first_line
            .or(later.day_first_line.map(|l| l + line_base));
        self.month_first_line = self
            .month_first_line
            .or(later.month_first_line.map(|l| l + line_base));
    }

    /// The order the evidence proves, or why it does not.
    pub fn decide(&self, requested: DateOrder) -> Result<DateOrder, DateOrderProblem> {
        match (requested, self.day_first_line, self.month_first_line) {
            (DateOrder::Auto, Some(d), Some(m)) => Err(DateOrderProblem::Contradictory {
                day_first_line: d,
                month_first_line: m,
            }),
            (DateOrder::Auto, Some(_), None) => Ok(DateOrder::Dmy),
            (DateOrder::Auto, None, Some(_)) => Ok(DateOrder::Mdy),
            (DateOrder::Auto, None, None) => Err(DateOrderProblem::Ambiguous),
            (given, _, _) => Ok(given),
        }
    }
}

/// Why a file's day/month order could not be decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrderProblem {
    /// Every date has both leading fields ≤ 12.
    Ambiguous,
    /// Some dates can only be day-first and others only month-first.
    Contradictory {
        /// A line proving day-first.
        day_first_line: u64,
        /// A line proving month-first.
        month_first_line: u64,
    },
}

fn days_since_epoch(date: NaiveDate) -> i64 {
    date.num_days_from_ce() as i64 - 719_163
}

/// Why a timestamp could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StampError {
    /// No form of date starts this way.
    NotADate,
    /// Starts as ISO 8601 (`2024-`) but is not.
    NotIso,
    /// A calendar date that does not exist (30 February).
    NoSuchDate,
    /// Hours, minutes or seconds out of range.
    TimeOutOfRange,
    /// The time after the date could not be read.
    TimeNotUnderstood,
    /// `AM`/`PM` with an hour of 0 or above 12.
    HourNotOn12HourClock,
    /// The date could not be read.
    DateNotUnderstood,
    /// A month name that is no month.
    UnknownMonth,
    /// A numeric date whose year is not four digits.
    YearNotFourDigits,
    /// An instant outside Kusto's datetime range (years 1 to 9999 UTC).
    OutOfRange,
}

impl std::fmt::Display for StampError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StampError::NotADate => "not a date",
            StampError::NotIso => "not an ISO 8601 date-time",
            StampError::NoSuchDate => "no such date",
            StampError::TimeOutOfRange => "time of day out of range",
            StampError::TimeNotUnderstood => "time not understood",
            StampError::HourNotOn12HourClock => "hour out of range for a 12-hour clock",
            StampError::DateNotUnderstood => "date not understood",
            StampError::UnknownMonth => "unknown month name",
            StampError::YearNotFourDigits => "year must have four digits",
            StampError::OutOfRange => "outside the datetime range (years 1 to 9999 UTC)",
        })
    }
}

impl std::error::Error for StampError {}

/// Parses any timestamp form seen in exports. Naive (zone-less) values are taken as
/// `offset_minutes` east of UTC. `Err` says why it could not be read.
pub fn parse_stamp(text: &str, offset_minutes: i32) -> Result<Stamp, StampError> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("invalid date") || t == "null" {
        return Ok(Stamp::Null);
    }
    let b = t.as_bytes();
    let stamp = if b.len() >= 10 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit) {
        parse_iso(b, offset_minutes)?
    } else if b[0].is_ascii_alphabetic() {
        parse_month_name(t, offset_minutes)?
    } else if b[0].is_ascii_digit() {
        parse_numeric(t, offset_minutes)?
    } else {
        return Err(StampError::NotADate);
    };
    match stamp {
        Stamp::Exact { at, .. } if !Ticks::RANGE.contains(&at) => Err(StampError::OutOfRange),
        other => Ok(other),
    }
}

/// Reads `n` ASCII digits at `*i`.
fn digits(b: &[u8], i: &mut usize, n: usize) -> Option<u32> {
    let s = b.get(*i..*i + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    *i += n;
    Some(v)
}

/// Reads 1 to `max` ASCII digits at `*i`.
fn some_digits(b: &[u8], i: &mut usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v = 0u32;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        v = v * 10 + (b[*i] - b'0') as u32;
        *i += 1;
    }
    (*i > start).then_some(v)
}

/// Fraction after the decimal separator: (ticks, digits written). Digits past the seventh are
/// dropped, as Kusto keeps 100 ns.
fn fraction(b: &[u8], i: &mut usize) -> (i64, usize) {
    let start = *i;
    let mut ticks = 0i64;
    while *i < b.len() && b[*i].is_ascii_digit() {
        if *i - start < 7 {
            ticks = ticks * 10 + (b[*i] - b'0') as i64;
        }
        *i += 1;
    }
    let n = *i - start;
    for _ in n..7 {
        ticks *= 10;
    }
    (ticks, n)
}

fn time_of_day(h: u32, m: u32, s: u32, frac: i64) -> Option<i64> {
    (h < 24 && m < 60 && s < 60)
        .then(|| (h as i64 * 3600 + m as i64 * 60 + s as i64) * TICKS_PER_SECOND + frac)
}

fn parse_iso(b: &[u8], offset_minutes: i32) -> Result<Stamp, StampError> {
    const BAD: StampError = StampError::NotIso;
    let mut i = 0;
    let y = digits(b, &mut i, 4).ok_or(BAD)?;
    i += 1;
    let mo = digits(b, &mut i, 2).ok_or(BAD)?;
    (b.get(i) == Some(&b'-')).then_some(()).ok_or(BAD)?;
    i += 1;
    let d = digits(b, &mut i, 2).ok_or(BAD)?;
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d).ok_or(StampError::NoSuchDate)?;
    let (mut h, mut mi, mut s, mut frac, mut nfrac) = (0, 0, 0, 0, 0);
    if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
        i += 1;
        h = digits(b, &mut i, 2).ok_or(BAD)?;
        (b.get(i) == Some(&b':')).then_some(()).ok_or(BAD)?;
        i += 1;
        mi = digits(b, &mut i, 2).ok_or(BAD)?;
        if b.get(i) == Some(&b':') {
            i += 1;
            s = digits(b, &mut i, 2).ok_or(BAD)?;
            if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
                i += 1;
                (frac, nfrac) = fraction(b, &mut i);
                if nfrac == 0 {
                    return Err(BAD);
                }
            }
        }
    }
    let tod = time_of_day(h, mi, s, frac).ok_or(StampError::TimeOutOfRange)?;
    let (offset, zoned) = match b.get(i) {
        None => (offset_minutes, false),
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => (0, true),
        Some(&sign @ (b'+' | b'-')) => {
            i += 1;
            let oh = digits(b, &mut i, 2).ok_or(BAD)?;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let om = digits(b, &mut i, 2).ok_or(BAD)?;
            if i != b.len() || oh > 23 || om > 59 {
                return Err(BAD);
            }
            let m = (oh * 60 + om) as i32;
            (if sign == b'-' { -m } else { m }, true)
        }
        _ => return Err(BAD),
    };
    Ok(Stamp::Exact {
        at: Ticks(
            days_since_epoch(date) * TICKS_PER_DAY + tod - offset as i64 * 60 * TICKS_PER_SECOND,
        ),
        zoned,
        precision: Precision::from_digits(nfrac),
        style: StampStyle::Iso8601,
    })
}

/// `H:MM[:SS[.fff]] [AM|PM]` starting at `*i`; returns (ticks since midnight, fraction digits).
fn clock(b: &[u8], i: &mut usize) -> Result<(i64, usize), StampError> {
    const BAD: StampError = StampError::TimeNotUnderstood;
    let mut h = some_digits(b, i, 2).ok_or(BAD)?;
    (b.get(*i) == Some(&b':')).then_some(()).ok_or(BAD)?;
    *i += 1;
    let m = digits(b, i, 2).ok_or(BAD)?;
    let (mut s, mut frac, mut nfrac) = (0, 0, 0);
    if b.get(*i) == Some(&b':') {
        *i += 1;
        s = digits(b, i, 2).ok_or(BAD)?;
        if b.get(*i) == Some(&b'.') || b.get(*i) == Some(&b',') {
            *i += 1;
            (frac, nfrac) = fraction(b, i);
        }
    }
    while *i < b.len() && b[*i] == b' ' {
        *i += 1;
    }
    let rest = &b[*i..];
    let meridiem = if rest.len() >= 2 {
        match (rest[0].to_ascii_uppercase(), rest[1].to_ascii_uppercase()) {
            (b'A', b'M') => Some(false),
            (b'P', b'M') => Some(true),
            _ => None,
        }
    } else {
        None
    };
    if let Some(pm) = meridiem {
        if h == 0 || h > 12 {
            return Err(StampError::HourNotOn12HourClock);
        }
        h = h % 12 + if pm { 12 } else { 0 };
        *i += 2;
    }
    if *i != b.len() {
        return Err(BAD);
    }
    let precision_digits = if s == 0 && nfrac == 0 { 0 } else { nfrac };
    Ok((
        time_of_day(h, m, s, frac).ok_or(StampError::TimeOutOfRange)?,
        precision_digits,
    ))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn parse_month_name(t: &str, offset_minutes: i32) -> Result<Stamp, StampError> {
    const BAD: StampError = StampError::DateNotUnderstood;
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_alphabetic() {
        i += 1;
    }
    let name = t[..i].to_ascii_lowercase();
    if name.len() < 3 {
        return Err(BAD);
    }
    let month = MONTHS
        .iter()
        .position(|m| name.starts_with(m))
        .ok_or(StampError::UnknownMonth)? as u32
        + 1;
    skip_spaces(b, &mut i);
    let day = some_digits(b, &mut i, 2).ok_or(BAD)?;
    if b.get(i) == Some(&b',') {
        i += 1;
    }
    skip_spaces(b, &mut i);
    let year = digits(b, &mut i, 4).ok_or(BAD)?;
    if b.get(i) == Some(&b',') {
        i += 1;
    }
    skip_spaces(b, &mut i);
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(StampError::NoSuchDate)?;
    let (tod, nfrac) = clock(b, &mut i)?;
    Ok(Stamp::Exact {
        at: Ticks(
            days_since_epoch(date) * TICKS_PER_DAY + tod
                - offset_minutes as i64 * 60 * TICKS_PER_SECOND,
        ),
        zoned: false,
        precision: Precision::from_digits(nfrac),
        style: StampStyle::MonthName,
    })
}

fn skip_spaces(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i] == b' ' {
        *i += 1;
    }
}

fn parse_numeric(t: &str, offset_minutes: i32) -> Result<Stamp, StampError> {
    const BAD: StampError = StampError::DateNotUnderstood;
    let b = t.as_bytes();
    let mut i = 0;
    let a = some_digits(b, &mut i, 4).ok_or(BAD)?;
    let year_first = i == 4;
    let sep = *b.get(i).ok_or(BAD)?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return Err(BAD);
    }
    i += 1;
    let c2 = some_digits(b, &mut i, 2).ok_or(BAD)?;
    (b.get(i) == Some(&sep)).then_some(()).ok_or(BAD)?;
    i += 1;
    let c3 = if year_first {
        some_digits(b, &mut i, 2).ok_or(BAD)?
    } else {
        digits(b, &mut i, 4).ok_or(StampError::YearNotFourDigits)?
    };
    if b.get(i) == Some(&b',') {
        i += 1;
    }
    skip_spaces(b, &mut i);
    let (tod, nfrac) = if i < b.len() {
        clock(b, &mut i)?
    } else {
        (0, 0)
    };
    if year_first {
        let date = NaiveDate::from_ymd_opt(a as i32, c2, c3).ok_or(StampError::NoSuchDate)?;
        return Ok(Stamp::Exact {
            at: Ticks(
                days_since_epoch(date) * TICKS_PER_DAY + tod
                    - offset_minutes as i64 * 60 * TICKS_PER_SECOND,
            ),
            zoned: false,
            precision: Precision::from_digits(nfrac),
            style: StampStyle::NumericYearFirst,
        });
    }
    if a == 0 || c2 == 0 || a > 31 || c2 > 31 || (a > 12 && c2 > 12) {
        return Err(StampError::NoSuchDate);
    }
    Ok(Stamp::Pending(NumericDate {
        first: a as u8,
        second: c2 as u8,
        year: c3 as i32,
        time_of_day: tod,
        precision: Precision::from_digits(nfrac),
    }))
}

/// Parses a fixed UTC offset: `UTC`, `Z`, `+02:00`, `-0530`, `+2`.
pub fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
        return Some(0);
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("utc"))
        .unwrap_or(t);
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    // Digits only: `rest` is what a user typed (`--timezone`, the app's field), and slicing
    // it by bytes must not split a character (found by fuzzing: `-+ҀY`).
    let digits = |s: &str| -> Option<i32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (digits(h)?, digits(m)?),
        None if rest.len() == 4 => (digits(rest.get(..2)?)?, digits(rest.get(2..)?)?),
        None => (digits(rest)?, 0),
    };
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// `+02:00` style, `UTC` for zero.
pub fn format_offset(minutes: i32) -> String {
    if minutes == 0 {
        return "UTC".to_string();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_outside_the_datetime_range_are_refused() {
        // Regression (fuzz target `timestamps`): year 0 at UTC+8 is in year -1, which was
        // written as `-001-12-31T16:00:00.0000000Z` and could not be read back.
        assert_eq!(parse_stamp("0000-01-01", 480), Err(StampError::OutOfRange));
        assert_eq!(
            parse_stamp("0001-01-01T00:00:00+01:00", 0),
            Err(StampError::OutOfRange)
        );
        assert_eq!(
            parse_stamp("9999-12-31T23:59:59.9999999-00:01", 0),
            Err(StampError::OutOfRange)
        );
        for edge in [
            "0001-01-01T00:00:00.0000000Z",
            "9999-12-31T23:59:59.9999999Z",
        ] {
            let at = exact(edge);
            assert_eq!(at.to_string(), edge);
        }
        let date = match parse_stamp("01/01/0001 00:30", 0) {
            Ok(Stamp::Pending(d)) => d,
            other => panic!("{other:?}"),
        };
        assert!(date.resolve(DateOrder::Dmy, 0).is_some());
        assert_eq!(
            date.resolve(DateOrder::Dmy, 60),
            None,
            "before year 1 in UTC"
        );
    }

    #[test]
    fn offsets_are_digits_and_never_split_a_character() {
        assert_eq!(parse_offset("+0530"), Some(330));
        assert_eq!(parse_offset("UTC-02:00"), Some(-120));
        assert_eq!(parse_offset("+2"), Some(120));
        // Regression (fuzz target `timestamps`): a multi-byte character where the minutes of
        // `+HHMM` would be panicked on a byte slice.
        assert_eq!(parse_offset("-+\u{480}Y"), None);
        assert_eq!(parse_offset("+0\u{e9}"), None);
        assert_eq!(parse_offset("+-5"), None);
        assert_eq!(parse_offset("+05:-3"), None);
        assert_eq!(parse_offset("+"), None);
    }

    fn exact(s: &str) -> Ticks {
        match parse_stamp(s, 0).unwrap() {
            Stamp::Exact { at, .. } => at,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn iso_keeps_seven_digits_and_prints_them_back() {
        let t = exact("2023-10-18T14:37:28.2012261Z");
        assert_eq!(t.to_string(), "2023-10-18T14:37:28.2012261Z");
        assert_eq!(
            exact("2021-08-02T13:11:07Z").to_string(),
            "2021-08-02T13:11:07.0000000Z"
        );
        assert_eq!(
            exact("2021-08-02T13:11:02.057Z").to_string(),
            "2021-08-02T13:11:02.0570000Z"
        );
        // digits past 100 ns are dropped, not rounded
        assert_eq!(
            exact("2021-08-02T13:11:02.123456789Z").to_string(),
            "2021-08-02T13:11:02.1234567Z"
        );
    }

    #[test]
    fn iso_offsets_and_naive_values() {
        assert_eq!(
            exact("2024-03-11T10:00:00+02:00"),
            exact("2024-03-11T08:00:00Z")
        );
        assert_eq!(
            exact("2020-10-19 03:30:41.104").to_string(),
            "2020-10-19T03:30:41.1040000Z"
        );
        match parse_stamp("2024-03-11 10:00:00", 120).unwrap() {
            Stamp::Exact { at, zoned, .. } => {
                assert!(!zoned);
                assert_eq!(at.to_string(), "2024-03-11T08:00:00.0000000Z");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn month_name_forms() {
        assert_eq!(
            exact("Oct 9, 2024 2:56:53 PM").to_string(),
            "2024-10-09T14:56:53.0000000Z"
        );
        assert_eq!(
            exact("May 7, 2024 6:41:25.321 PM").to_string(),
            "2024-05-07T18:41:25.3210000Z"
        );
        assert_eq!(
            exact("Jan 1, 2024 12:00:01 AM").to_string(),
            "2024-01-01T00:00:01.0000000Z"
        );
        assert_eq!(
            exact("Jan 1, 2024 12:00:01 PM").to_string(),
            "2024-01-01T12:00:01.0000000Z"
        );
    }

    #[test]
    fn nulls() {
        assert_eq!(parse_stamp("Invalid date", 0), Ok(Stamp::Null));
        assert_eq!(parse_stamp("", 0), Ok(Stamp::Null));
    }

    #[test]
    fn numeric_dates_wait_for_the_file_to_decide() {
        let Stamp::Pending(d) = parse_stamp("13/03/2024, 3:40:13.988 pm", 0).unwrap() else {
            panic!()
        };
        assert_eq!(
            d.resolve(DateOrder::Dmy, 0).unwrap().to_string(),
            "2024-03-13T15:40:13.9880000Z"
        );
        assert_eq!(d.resolve(DateOrder::Mdy, 0), None);
        let Stamp::Pending(d) = parse_stamp("7/5/2023, 2:16:44.756 PM", 0).unwrap() else {
            panic!()
        };
        assert_eq!(
            d.resolve(DateOrder::Mdy, 0).unwrap().to_string(),
            "2023-07-05T14:16:44.7560000Z"
        );
        assert_eq!(
            d.resolve(DateOrder::Dmy, 0).unwrap().to_string(),
            "2023-05-07T14:16:44.7560000Z"
        );
    }

    #[test]
    fn evidence_decides_or_refuses() {
        let mut e = DateOrderEvidence::default();
        let ambiguous = NumericDate {
            first: 5,
            second: 12,
            year: 2024,
            time_of_day: 0,
            precision: Precision::Second,
        };
        e.observe(&ambiguous, 2);
        assert_eq!(e.decide(DateOrder::Auto), Err(DateOrderProblem::Ambiguous));
        assert_eq!(e.decide(DateOrder::Dmy), Ok(DateOrder::Dmy));
        e.observe(
            &NumericDate {
                first: 13,
                ..ambiguous
            },
            3,
        );
        assert_eq!(e.decide(DateOrder::Auto), Ok(DateOrder::Dmy));
        e.observe(
            &NumericDate {
                second: 14,
                ..ambiguous
            },
            4,
        );
        assert!(matches!(
            e.decide(DateOrder::Auto),
            Err(DateOrderProblem::Contradictory { .. })
        ));
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-01-01T25:00:00Z",
            "2024-01-01T10:00:00Q",
            "Foo 9, 2024 2:56:53 PM",
            "13/13/2024 10:00",
            "<script>",
        ] {
            assert!(parse_stamp(s, 0).is_err(), "{s}");
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("UTC"), Some(0));
        assert_eq!(parse_offset("+02:00"), Some(120));
        assert_eq!(parse_offset("-0530"), Some(-330));
        assert_eq!(parse_offset("UTC+1"), Some(60));
        assert_eq!(parse_offset("Europe/Paris"), None);
        assert_eq!(format_offset(-330), "UTC-05:30");
    }
}
