//! Subscriber identifiers (MSISDN, IMSI, IMEI, SIP URI …) in one canonical form, so an identifier
//! written `+1 555-010-0001` in one system and `15550100001` in another is one subscriber.

/// The canonical value: digits only for numbers, lower case and trimmed for the rest.
pub fn normalise_subscriber(kind: &str, value: &str) -> String {
    match kind {
        "msisdn" | "imsi" | "imei" => value.chars().filter(char::is_ascii_digit).collect(),
        _ => value.trim().to_lowercase(),
    }
}

/// An identifier as events carry it in `seawall.subscribers`: `type:value`.
pub fn subscriber_id(kind: &str, value: &str) -> String {
    format!("{kind}:{}", normalise_subscriber(kind, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_form_per_subscriber() {
        assert_eq!(subscriber_id("msisdn", "+1 555-010-0001"), "msisdn:15550100001");
        assert_eq!(subscriber_id("sip_uri", " SIP:Bob@Example.net "), "sip_uri:sip:bob@example.net");
    }
}
