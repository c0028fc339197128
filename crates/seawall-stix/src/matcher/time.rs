//! STIX timestamps (`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, upper case, UTC) as microseconds since
//! 1970. Fractions beyond microseconds are cut, as the reference matcher does.

/// Parses a STIX timestamp; `None` when it is not one.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0i64, |a, c| a * 10 + i64::from(c - b'0')))
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if y < 1 || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec;
    let frac = &b[19..b.len() - 1];
    let micros = if frac.is_empty() {
        0
    } else {
        let digits = frac.strip_prefix(b".")?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let kept = &digits[..digits.len().min(6)];
        let v = kept.iter().fold(0i64, |a, c| a * 10 + i64::from(c - b'0'));
        v * 10i64.pow(6 - kept.len() as u32)
    };
    Some(secs * 1_000_000 + micros)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (counting years from
/// March, so the leap day ends a year; eras of 400 years repeat).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn parses_strictly() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.1234567Z"), Some(123_456));
        assert_eq!(parse_timestamp("2024-10-01T10:00:00Z"), Some(1_727_776_800_000_000));
        for bad in ["2010-05-21T13:21:43", "2010-05-21T13:21:43z", "2010-05-21t13:21:43Z", "2010/05/21T13:21:43Z"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        for bad in ["2010-05-21T13:21:99Z", "2010-05-21T13:21Z", "2011-02-29T00:00:00Z", "2010-05-21T13:21:43.Z"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert!(parse_timestamp("2012-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn agrees_with_jiff_on_every_day_of_sample_years() {
        for year in [1, 4, 100, 400, 1600, 1900, 1969, 1970, 1999, 2000, 2024, 2100, 2400, 9998] {
            for month in 1..=12 {
                for day in 1..=31 {
                    let text = format!("{year:04}-{month:02}-{day:02}T23:59:58Z");
                    let want = jiff::civil::DateTime::new(year as i16, month, day, 23, 59, 58, 0)
                        .ok()
                        .and_then(|c| c.to_zoned(jiff::tz::TimeZone::UTC).ok())
                        .map(|z| z.timestamp().as_second() * 1_000_000);
                    assert_eq!(parse_timestamp(&text), want, "{text}");
                }
            }
        }
        // The last second Python's datetime (the reference's) can hold; jiff's zoned range
        // stops a day short of it.
        assert_eq!(parse_timestamp("9999-12-31T23:59:59Z"), Some(253_402_300_799_000_000));
    }
}
