//! Byte-string helpers shared by the matchers.

/// Whether two byte strings are equal, comparing short ones (most field values, keys, type
/// names and patterns) inline with two overlapping word loads rather than calling `memcmp`,
/// which the matchers would otherwise call far more often than anything else.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => a.first_chunk::<4>() == b.first_chunk::<4>() && a.last_chunk::<4>() == b.last_chunk::<4>(),
        8..=16 => a.first_chunk::<8>() == b.first_chunk::<8>() && a.last_chunk::<8>() == b.last_chunk::<8>(),
        _ => a == b,
    }
}

/// Whether `hay` starts with `part`, compared as [`same_bytes`] does.
#[inline]
pub fn starts_with_bytes(hay: &[u8], part: &[u8]) -> bool {
    hay.len() >= part.len() && same_bytes(&hay[..part.len()], part)
}

/// Whether `hay` ends with `part`, compared as [`same_bytes`] does.
#[inline]
pub fn ends_with_bytes(hay: &[u8], part: &[u8]) -> bool {
    hay.len() >= part.len() && same_bytes(&hay[hay.len() - part.len()..], part)
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_bytes_compares_every_byte() {
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(super::same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
            // One byte changed anywhere.
            for i in 0..a.len() {
                let mut c = a.as_bytes().to_vec();
                c[i] = b'Z';
                assert!(!super::same_bytes(a.as_bytes(), &c), "{a:?} changed at {i}");
            }
        }
        let long = "x".repeat(40);
        assert!(super::same_bytes(long.as_bytes(), long.clone().as_bytes()));
        assert!(!super::same_bytes(long.as_bytes(), "x".repeat(39).as_bytes()));
    }
}
