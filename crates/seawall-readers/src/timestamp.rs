use jiff::civil::DateTime;
use jiff::Timestamp;
use seawall_core::Value;

/// Field paths that commonly carry an event's time, most specific first.
const TIME_PATHS: &[&[&str]] = &[
    &["Event", "System", "TimeCreated", "#attributes", "SystemTime"],
    &["Event", "System", "TimeCreated_attributes", "SystemTime"],
    &["@timestamp"],
    &["timestamp"],
    &["TimeCreated"],
    &["winlog", "time_created"],
    &["event", "created"],
    &["time"],
    &["ts"],
    &["UtcTime"],
    &["event_time"],
    &["EventTime"],
    &["date"],
];

/// Finds and parses the event time of a record, when it has one.
pub fn event_timestamp(fields: &Value) -> Option<Timestamp> {
    for path in TIME_PATHS {
        let mut cur = fields;
        let mut ok = true;
        for seg in *path {
            match cur.get(*seg) {
                Some(v) => cur = v,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            if let Some(ts) = value_timestamp(cur) {
                return Some(ts);
            }
        }
    }
    None
}

fn value_timestamp(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => {
            let f = n.as_f64()?;
            // Seconds, milliseconds or microseconds since the epoch, told apart by magnitude.
            let secs = if f > 1e14 {
                f / 1e6
            } else if f > 1e11 {
                f / 1e3
            } else {
                f
            };
            let nanos = (secs * 1e9) as i128;
            Timestamp::from_nanosecond(nanos).ok()
        }
        _ => None,
    }
}

/// Parses RFC 3339 / ISO 8601 times; a time without an offset is taken as UTC.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil = s.replace(' ', "T");
    if let Ok(ts) = civil.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = civil.parse::<DateTime>() {
        return dt.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return d.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::json;

    #[test]
    fn finds_common_time_fields() {
        let t = event_timestamp(&json!({"Event": {"System": {"TimeCreated": {"#attributes":
            {"SystemTime": "2026-04-17T05:24:53.092051Z"}}}}}))
        .unwrap();
        assert_eq!(t.to_string(), "2026-04-17T05:24:53.092051Z");
        let z = event_timestamp(&json!({"ts": 1700000000.5})).unwrap();
        assert_eq!(z.as_millisecond(), 1_700_000_000_500);
        let c = event_timestamp(&json!({"UtcTime": "2026-04-17 05:24:53.079"})).unwrap();
        assert_eq!(c.to_string(), "2026-04-17T05:24:53.079Z");
        assert!(event_timestamp(&json!({"ts": "yesterday"})).is_none());
    }
}
