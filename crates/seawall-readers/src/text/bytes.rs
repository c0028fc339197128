//! Splitting text at an ASCII byte. The fields these readers split are tens of bytes long,
//! where a plain loop beats `str::find`'s searcher (made for long haystacks) several times
//! over; a split at an ASCII byte is always on a character boundary.

#[inline]
pub fn find(s: &str, b: u8) -> Option<usize> {
    s.bytes().position(|c| c == b)
}

#[inline]
pub fn split_once(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = find(s, b)?;
    Some((&s[..i], &s[i + 1..]))
}

#[inline]
pub fn rsplit_once(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = s.bytes().rposition(|c| c == b)?;
    Some((&s[..i], &s[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_str() {
        for s in ["", "a", "a:b", ":x", "x:", "a:b:c", "é:ü:ß", "no colon"] {
            assert_eq!(find(s, b':'), s.find(':'));
            assert_eq!(split_once(s, b':'), s.split_once(':'));
            assert_eq!(rsplit_once(s, b':'), s.rsplit_once(':'));
        }
    }
}
