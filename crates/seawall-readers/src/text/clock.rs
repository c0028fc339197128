//! Times as text logs write them: RFC 3339, BSD syslog (`Mmm dd hh:mm:ss`, no year, no zone),
//! Cisco (`*Mar  1 2024 00:01:12.345 UTC:`), NX-OS (`2018 Apr 20 13:15:15`), Opengear
//! (`2018-Nov- 9 15:41:30`), Huawei (`2018-7-23 01:00:33.270`) and Apache (`Sun Dec 04 04:47:44
//! 2005`). A missing year or zone is filled by documented rules ([`TimeRules`]) and flagged.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// How to complete times that lack a year or a zone.
#[derive(Debug, Clone, Default)]
pub struct TimeRules {
    /// The year for times without one (`--year`); else the year is inferred from `reference`.
    pub year: Option<i16>,
    /// The zone for times without one (`--tz`); UTC when not given.
    pub tz: Option<TimeZone>,
    /// When the evidence was written (the file's modification time): a time without a year
    /// takes the latest year that does not put it more than two days after this.
    pub reference: Option<Timestamp>,
}

/// A time read from text, with what had to be inferred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextTime {
    pub ts: Timestamp,
    pub inferred_year: bool,
    pub inferred_zone: bool,
    /// Cisco clock flag: `*` not synchronised, `.` synchronisation lost.
    pub clock_flag: Option<char>,
    /// Bytes of the input the time took (trailing zone included).
    pub len: usize,
}

const MONTHS: [u32; 12] = words(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]);
const WEEKDAYS: [u32; 7] = words(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

/// Three-letter lower-case words as the `u32` that [`Cur::word`] compares.
const fn words<const N: usize>(list: [&str; N]) -> [u32; N] {
    let mut out = [0u32; N];
    let mut i = 0;
    while i < N {
        let b = list[i].as_bytes();
        out[i] = u32::from_le_bytes([b[0], b[1], b[2], 0]);
        i += 1;
    }
    out
}

/// A small cursor over ASCII text.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn spaces(&mut self) -> usize {
        let from = self.i;
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
        self.i - from
    }
    /// Between `min` and `max` digits.
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let from = self.i;
        let mut v: u32 = 0;
        while self.i - from < max {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(d - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        if self.i - from < min {
            self.i = from;
            return None;
        }
        Some(v)
    }
    /// One of `list`'s three-letter words, in any case (compared as one folded word).
    fn word(&mut self, list: &[u32]) -> Option<usize> {
        let w = self.b.get(self.i..self.i + 3)?;
        // `b | 0x20` is a lower-case letter only when `b` is a letter, so folding is exact.
        let want = u32::from_le_bytes([w[0] | 0x20, w[1] | 0x20, w[2] | 0x20, 0]);
        let pos = list.iter().position(|&m| m == want)?;
        self.i += 3;
        Some(pos)
    }
}

/// `HH:MM:SS` with optional fraction (`.123` or `,123`); Huawei's extra `.N` is skipped.
fn clock(c: &mut Cur) -> Option<Time> {
    let h = c.num(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let m = c.num(2, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let s = c.num(2, 2)?;
    let mut nanos = 0u32;
    let save = c.i;
    if c.eat(b'.') || c.eat(b',') {
        let from = c.i;
        match c.num(1, 9) {
            Some(f) => {
                let digits = (c.i - from) as u32;
                nanos = f * 10u32.pow(9 - digits);
                // Huawei writes `01:00:33.270.1`.
                let again = c.i;
                if !(c.eat(b'.') && c.num(1, 1).is_some()) {
                    c.i = again;
                }
            }
            None => c.i = save,
        }
    }
    Time::new(h as i8, m as i8, s.min(59) as i8, nanos as i32).ok()
}

/// A zone after the time: `Z`, `UTC`, `GMT`, `+01:00`, `-0500`, `UTC+1`, or a common
/// abbreviation. Returns the offset and how many bytes it took (spaces before it included).
fn zone(b: &[u8]) -> Option<(Offset, usize)> {
    let mut i = 0;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let spaced = i > 0;
    if !spaced && b.first() == Some(&b'Z') && !b.get(1).is_some_and(u8::is_ascii_alphanumeric) {
        return Some((Offset::UTC, 1));
    }
    if let Some((off, n)) = numeric_offset(&b[i..]) {
        return Some((off, i + n));
    }
    if !spaced {
        return None;
    }
    let end = b[i..].iter().position(|c| !c.is_ascii_alphabetic()).map_or(b.len(), |p| i + p);
    // Zone names are at most four letters; longer words are not zones.
    let word = b.get(i..end).filter(|w| w.len() <= 4)?;
    let mut upper = [0u8; 4];
    upper[..word.len()].copy_from_slice(word);
    upper.make_ascii_uppercase();
    let base = match &upper[..word.len()] {
        b"UTC" | b"GMT" | b"Z" | b"UT" => 0,
        b"CET" | b"MET" | b"WAT" => 1,
        b"CEST" | b"MEST" | b"EET" | b"SAST" => 2,
        b"EEST" | b"MSK" => 3,
        b"BST" => 1,
        b"IST" => return None, // ambiguous (India, Ireland, Israel): not trusted
        b"EST" => -5,
        b"EDT" => -4,
        b"CDT" => -5,
        b"CST" => -6,
        b"MST" => -7,
        b"MDT" => -6,
        b"PST" => -8,
        b"PDT" => -7,
        b"JST" | b"KST" => 9,
        b"AEST" => 10,
        b"AEDT" => 11,
        b"HKT" | b"SGT" | b"AWST" => 8,
        _ => return None,
    };
    let mut n = end;
    let mut secs = base * 3600;
    // `UTC+1`, `GMT-05:00`.
    if let Some((extra, m)) = numeric_offset(&b[end..]) {
        secs += extra.seconds();
        n += m;
    }
    Some((Offset::from_seconds(secs).ok()?, n))
}

fn numeric_offset(b: &[u8]) -> Option<(Offset, usize)> {
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut c = Cur { b, i: 1 };
    let h = c.num(1, 2)?;
    let mut m = 0;
    let save = c.i;
    if c.eat(b':') {
        match c.num(2, 2) {
            Some(mm) => m = mm,
            None => c.i = save,
        }
    } else if let Some(mm) = c.num(2, 2) {
        m = mm;
    }
    if h > 14 || m > 59 {
        return None;
    }
    let off = Offset::from_seconds(sign * (h as i32 * 3600 + m as i32 * 60)).ok()?;
    Some((off, c.i))
}

/// Reads a time at the start of `s` (after an optional Cisco clock flag).
pub fn parse_time(s: &str, rules: &TimeRules) -> Option<TextTime> {
    let b = s.as_bytes();
    let mut c = Cur { b, i: 0 };
    let clock_flag = match c.peek() {
        Some(b'*') => Some('*'),
        Some(b'.') => Some('.'),
        _ => None,
    };
    if clock_flag.is_some() {
        c.i += 1;
    }
    let start = c.i;
    let (date, year_known, time) = if let Some(t) = iso(&mut c) {
        t
    } else {
        c.i = start;
        if let Some(t) = bsd(&mut c) {
            t
        } else {
            c.i = start;
            numeric_year_first(&mut c)?
        }
    };
    let (offset, zlen) = match zone(&b[c.i..]) {
        Some((o, n)) => (Some(o), n),
        None => (None, 0),
    };
    let len = c.i + zlen;
    let dt = DateTime::from_parts(date, time);
    let (ts, inferred_year) = resolve(dt, year_known, offset, rules)?;
    Some(TextTime { ts, inferred_year, inferred_zone: offset.is_none(), clock_flag, len })
}

/// `YYYY-MM-DD[T ]HH:MM:SS…`, `YYYY-Mmm-[ ]D HH:MM:SS…`, and Huawei's unpadded `YYYY-M-D`.
fn iso(c: &mut Cur) -> Option<(Date, bool, Time)> {
    let y = c.num(4, 4)?;
    let sep = c.peek()?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    c.i += 1;
    let month = match c.num(1, 2) {
        Some(m) => m as usize,
        None => c.word(&MONTHS)? + 1,
    };
    if !c.eat(sep) {
        return None;
    }
    c.spaces();
    let d = c.num(1, 2)?;
    if !(c.eat(b'T') || c.spaces() > 0) {
        return None;
    }
    let t = clock(c)?;
    Some((Date::new(y as i16, month as i8, d as i8).ok()?, true, t))
}

/// `[Www ]Mmm [ ]D[ YYYY] HH:MM:SS[ YYYY]`.
fn bsd(c: &mut Cur) -> Option<(Date, bool, Time)> {
    if c.word(&WEEKDAYS).is_some() && c.spaces() == 0 {
        return None;
    }
    let month = c.word(&MONTHS)? + 1;
    if c.spaces() == 0 {
        return None;
    }
    let d = c.num(1, 2)?;
    if c.spaces() == 0 {
        return None;
    }
    let save = c.i;
    let mut year = None;
    if let Some(y) = c.num(4, 4) {
        if c.spaces() > 0 {
            year = Some(y);
        } else {
            c.i = save;
        }
    }
    let t = clock(c)?;
    if year.is_none() {
        // Apache and ctime put the year after the time.
        let save = c.i;
        if c.spaces() == 1 {
            if let Some(y) = c.num(4, 4) {
                if !c.peek().is_some_and(|b| b.is_ascii_digit() || b == b':') {
                    year = Some(y);
                } else {
                    c.i = save;
                }
            } else {
                c.i = save;
            }
        } else {
            c.i = save;
        }
    }
    let y = year.unwrap_or(2000) as i16; // placeholder year; resolved later
    let date = Date::new(y, month as i8, d as i8).ok().or_else(|| {
        // Feb 29 without a year: check in a leap year, resolve later.
        (year.is_none()).then(|| Date::new(2000, month as i8, d as i8).ok()).flatten()
    })?;
    Some((date, year.is_some(), t))
}

/// NX-OS: `YYYY Mmm DD HH:MM:SS`.
fn numeric_year_first(c: &mut Cur) -> Option<(Date, bool, Time)> {
    let y = c.num(4, 4)?;
    if c.spaces() == 0 {
        return None;
    }
    let month = c.word(&MONTHS)? + 1;
    if c.spaces() == 0 {
        return None;
    }
    let d = c.num(1, 2)?;
    if c.spaces() == 0 {
        return None;
    }
    let t = clock(c)?;
    Some((Date::new(y as i16, month as i8, d as i8).ok()?, true, t))
}

fn resolve(dt: DateTime, year_known: bool, offset: Option<Offset>, rules: &TimeRules) -> Option<(Timestamp, bool)> {
    // A fixed offset converts by arithmetic; only a named zone (`--tz`) needs its rules.
    let to_ts = |dt: DateTime| -> Option<Timestamp> {
        match (offset, &rules.tz) {
            (Some(o), _) => o.to_timestamp(dt).ok(),
            (None, None) => Offset::UTC.to_timestamp(dt).ok(),
            (None, Some(tz)) => tz.to_ambiguous_timestamp(dt).compatible().ok(),
        }
    };
    let with_year = |y: i16| Date::new(y, dt.month(), dt.day()).ok().map(|d| DateTime::from_parts(d, dt.time()));
    if year_known {
        return Some((to_ts(dt)?, false));
    }
    if let Some(y) = rules.year {
        return Some((to_ts(with_year(y)?)?, true));
    }
    let reference = rules.reference.unwrap_or_else(Timestamp::now);
    let ref_year = Offset::UTC.to_datetime(reference).year();
    let limit = reference.checked_add(jiff::SignedDuration::from_hours(48)).ok()?;
    for y in [ref_year, ref_year - 1, ref_year - 2, ref_year - 3, ref_year - 4] {
        let Some(candidate) = with_year(y) else { continue }; // Feb 29 in a common year
        let ts = to_ts(candidate)?;
        if ts <= limit {
            return Some((ts, true));
        }
    }
    None
}

/// Time rules for tests: no year or zone given, logs read as of mid-2024.
#[cfg(test)]
pub(crate) fn test_rules() -> TimeRules {
    TimeRules { year: None, tz: None, reference: Some("2024-06-30T00:00:00Z".parse().unwrap()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_rules as rules;

    fn t(s: &str) -> (String, bool, bool, usize) {
        let r = parse_time(s, &rules()).unwrap_or_else(|| panic!("no time in {s:?}"));
        (r.ts.to_string(), r.inferred_year, r.inferred_zone, r.len)
    }

    #[test]
    fn reads_the_forms_devices_write() {
        assert_eq!(t("2020-03-31T08:41:59+00:00 host"), ("2020-03-31T08:41:59Z".into(), false, false, 25));
        assert_eq!(t("2019-02-21T16:46:14.931186+00:00 x").0, "2019-02-21T16:46:14.931186Z");
        assert_eq!(t("Feb  8 04:00:48 192.168.100.2"), ("2024-02-08T04:00:48Z".into(), true, true, 15));
        // A date after the reference (plus two days) belongs to the year before.
        assert_eq!(t("Dec 10 06:55:46 LabSZ").0, "2023-12-10T06:55:46Z");
        assert_eq!(t("Mar 24 18:06:03.424 UTC: %SEC").0, "2024-03-24T18:06:03.424Z");
        assert_eq!(t("Mar 24 18:06:03.424 UTC: %SEC").3, 23);
        assert_eq!(t("Jan  6 2022 20:52:12.861: %SYS").0, "2022-01-06T20:52:12.861Z");
        assert_eq!(t("Jun 26 16:44:58.802 CEST: %FMAN").0, "2024-06-26T14:44:58.802Z");
        assert_eq!(t("May 6 16:13:09.123 UTC+1: %DOT1X").0, "2024-05-06T15:13:09.123Z");
        assert_eq!(t("2018 Apr 20 13:15:15 nexus").0, "2018-04-20T13:15:15Z");
        assert_eq!(t("2018-Nov- 9 15:41:30 AR").0, "2018-11-09T15:41:30Z");
        assert_eq!(t("2018-7-23 01:00:33.270.1 huawei").0, "2018-07-23T01:00:33.27Z");
        assert_eq!(t("Sun Dec 04 04:47:44 2005] [notice]").0, "2005-12-04T04:47:44Z");
        assert_eq!(t("2016-09-28 04:30:30, Info").0, "2016-09-28T04:30:30Z");
        assert_eq!(t("Mar 09 2017 10:25:04 MDF-ASA5515X").0, "2017-03-09T10:25:04Z");
        let star = parse_time("*Mar  1 00:01:12.345: %LINK", &rules()).unwrap();
        assert_eq!(star.clock_flag, Some('*'));
        assert!(parse_time("2y10w: %SYS", &rules()).is_none());
        assert!(parse_time("hello", &rules()).is_none());
    }

    #[test]
    fn year_and_zone_rules_apply_and_are_flagged() {
        let r = TimeRules { year: Some(2021), tz: Some(TimeZone::fixed(Offset::constant(-5))), reference: None };
        let p = parse_time("Feb  8 04:00:48 x", &r).unwrap();
        assert_eq!(p.ts.to_string(), "2021-02-08T09:00:48Z");
        assert!(p.inferred_year && p.inferred_zone);
        let q = parse_time("2021-02-08 04:00:48 x", &r).unwrap();
        assert_eq!(q.ts.to_string(), "2021-02-08T09:00:48Z");
        assert!(!q.inferred_year && q.inferred_zone);
    }
}
