//! Deterministic STIX ids for the objects Seawall writes.

/// `type--UUID` where the UUID is the UUIDv5 of `key` in `namespace` with its version set to 4:
/// STIX 2.1 requires version-4 UUIDs for SDOs and SROs, and the bits stay a hash of the content,
/// so the same content always gets the same id.
pub fn content_id(object_type: &str, namespace: u128, key: &[u8]) -> String {
    let v5 = uuid::Uuid::new_v5(&uuid::Uuid::from_u128(namespace), key);
    let v4 = uuid::Builder::from_bytes(*v5.as_bytes()).with_version(uuid::Version::Random).into_uuid();
    format!("{object_type}--{v4}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn stable_and_version_4() {
        let a = super::content_id("indicator", 1, b"x");
        assert_eq!(a, super::content_id("indicator", 1, b"x"));
        assert_ne!(a, super::content_id("indicator", 1, b"y"));
        let uuid = a.strip_prefix("indicator--").and_then(|u| uuid::Uuid::parse_str(u).ok());
        assert_eq!(uuid.map(|u| u.get_version_num()), Some(4));
    }
}
