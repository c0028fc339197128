//! Writing a timestamp as RFC 3339 text, as `jiff` displays it, without the formatting
//! machinery: readers write one or two times into every event they build.

use jiff::tz::Offset;
use jiff::Timestamp;

use crate::Text;

/// `2024-03-24T18:06:03.424Z`: UTC, the fraction only when there is one and without trailing
/// zeros — the same text as `ts.to_string()`.
pub fn rfc3339(ts: Timestamp) -> Text {
    let dt = Offset::UTC.to_datetime(ts);
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        // Signed six-digit years: rare enough to leave to jiff.
        return crate::ToCompactString::to_compact_string(&ts);
    }
    let mut buf = [0u8; 30];
    let two = |b: &mut [u8], v: i8| {
        b[0] = b'0' + (v / 10) as u8;
        b[1] = b'0' + (v % 10) as u8;
    };
    let y = year as u16;
    buf[..4].copy_from_slice(&[
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
    ]);
    buf[4] = b'-';
    two(&mut buf[5..7], dt.month());
    buf[7] = b'-';
    two(&mut buf[8..10], dt.day());
    buf[10] = b'T';
    two(&mut buf[11..13], dt.hour());
    buf[13] = b':';
    two(&mut buf[14..16], dt.minute());
    buf[16] = b':';
    two(&mut buf[17..19], dt.second());
    let mut n = 19;
    let mut nanos = dt.subsec_nanosecond();
    if nanos > 0 {
        buf[n] = b'.';
        n += 1;
        let mut digits = 9;
        while nanos % 10 == 0 {
            nanos /= 10;
            digits -= 1;
        }
        for i in (0..digits).rev() {
            buf[n + i] = b'0' + (nanos % 10) as u8;
            nanos /= 10;
        }
        n += digits;
    }
    buf[n] = b'Z';
    n += 1;
    // Every byte written above is ASCII.
    Text::from_utf8(&buf[..n]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_jiff_displays() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let min = Timestamp::MIN.as_second();
        let max = Timestamp::MAX.as_second();
        for i in 0..20_000u32 {
            let secs = match i % 4 {
                // Across jiff's whole range, signed years included.
                0 => min + (next() % (max - min) as u64) as i64,
                // Around the present (years 1970-2100).
                _ => (next() % 4_102_444_800) as i64,
            };
            let nanos = match i % 3 {
                0 => 0,
                1 => (next() % 1000) as i32 * 1_000_000,
                _ => (next() % 1_000_000_000) as i32,
            };
            let Ok(ts) = Timestamp::new(secs, nanos) else { continue };
            assert_eq!(rfc3339(ts).as_str(), ts.to_string(), "{secs} {nanos}");
        }
        let ts: Timestamp = "2018-07-23T01:00:33.27Z".parse().unwrap();
        assert_eq!(rfc3339(ts), "2018-07-23T01:00:33.27Z");
        assert_eq!(rfc3339(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
