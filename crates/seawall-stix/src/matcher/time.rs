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
    if y < 1 || sec > 59 {
        return None;
    }
    // jiff checks the month, the day within it and the time of day.
    let civil = jiff::civil::DateTime::new(y as i16, mo as i8, d as i8, h as i8, mi as i8, sec as i8, 0).ok()?;
    let secs = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second();
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
}
