//! Zeek logs in TSV form (`#separator`, `#fields`, `#types` headers) and the ECS fields every
//! Zeek record gets, whichever form it came in (JSON records are normalised here too).

use std::sync::Arc;

use seawall_core::Map;
use seawall_core::Value;

use super::record::Record;

/// The header in force for a run of Zeek records.
#[derive(Debug, Clone, Default)]
pub struct ZeekHeader {
    pub path: String,
    pub separator: char,
    pub set_separator: String,
    pub empty: String,
    pub unset: String,
    /// Column names, inline text so each record copies them without allocating.
    pub fields: Vec<seawall_core::Text>,
    pub types: Vec<String>,
}

/// Collects header directives; a complete `#fields` (with `#types` if given) yields a header.
#[derive(Default)]
pub struct ZeekHeaderBuilder {
    current: ZeekHeader,
}

fn unescape(s: &str) -> String {
    // `\x09` style escapes in the separator directive.
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("\\x") {
        out.push_str(&rest[..p]);
        match u8::from_str_radix(rest.get(p + 2..p + 4).unwrap_or(""), 16) {
            Ok(b) => {
                out.push(b as char);
                rest = &rest[p + 4..];
            }
            Err(_) => {
                out.push_str("\\x");
                rest = &rest[p + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl ZeekHeaderBuilder {
    /// A builder for a file whose `#path` may be missing: the log name is then taken from the
    /// file name (`conn.log.gz` -> `conn`).
    pub fn for_file(file: &str) -> Self {
        let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
        let path = base.split('.').next().unwrap_or("").to_string();
        ZeekHeaderBuilder { current: ZeekHeader { path, ..ZeekHeader::default() } }
    }

    /// A header row without `#` (as `zeek-cut -c` writes it: `ts<TAB>uid<TAB>…`): types follow
    /// from the names Zeek gives times and ports.
    pub fn plain_header(&mut self, line: &str) -> Arc<ZeekHeader> {
        self.directive("#set_separator\t,");
        let h = &mut self.current;
        h.fields = line.split('\t').map(seawall_core::Text::new).collect();
        h.types = h
            .fields
            .iter()
            .map(|f| {
                if f == "ts" {
                    "time".to_string()
                } else if f.ends_with("_p") || f.ends_with("port") {
                    "port".to_string()
                } else {
                    "string".to_string()
                }
            })
            .collect();
        Arc::new(h.clone())
    }

    /// Takes one `#` line; returns the new header when the line completes one.
    pub fn directive(&mut self, line: &str) -> Option<Arc<ZeekHeader>> {
        let h = &mut self.current;
        if h.separator == '\0' {
            h.separator = '\t';
            h.set_separator = ",".into();
            h.empty = "(empty)".into();
            h.unset = "-".into();
        }
        if let Some(sep) = line.strip_prefix("#separator ") {
            h.separator = unescape(sep.trim()).chars().next().unwrap_or('\t');
            return None;
        }
        let mut parts = line.split(h.separator);
        let key = parts.next()?;
        let values: Vec<String> = parts.map(str::to_string).collect();
        match key {
            "#set_separator" => h.set_separator = values.first().cloned().unwrap_or_else(|| ",".into()),
            "#empty_field" => h.empty = values.first().cloned().unwrap_or_default(),
            "#unset_field" => h.unset = values.first().cloned().unwrap_or_else(|| "-".into()),
            "#path" => h.path = values.first().cloned().unwrap_or_default(),
            "#fields" => {
                h.fields = values.iter().map(seawall_core::Text::new).collect();
                h.types.clear();
                return Some(Arc::new(h.clone()));
            }
            "#types" => {
                h.types = values;
                return Some(Arc::new(h.clone()));
            }
            _ => {}
        }
        None
    }
}

fn typed(ty: &str, v: &str, h: &ZeekHeader) -> Value {
    if let Some(inner) = ty.strip_prefix("set[").or_else(|| ty.strip_prefix("vector[")) {
        let inner = inner.trim_end_matches(']');
        if v == h.empty {
            return Value::Array(vec![]);
        }
        return Value::Array(v.split(h.set_separator.as_str()).map(|x| typed(inner, x, h)).collect());
    }
    if v == h.empty {
        return Value::from("");
    }
    match ty {
        "count" | "int" | "port" => v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(v)),
        "double" | "interval" | "time" => v
            .parse::<f64>()
            .ok()
            .and_then(seawall_core::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::from(v)),
        "bool" => Value::Bool(v == "T"),
        _ => Value::from(v),
    }
}

pub fn record(h: &ZeekHeader, line: &str) -> Result<(Value, Option<jiff::Timestamp>), String> {
    let values: Vec<&str> = line.split(h.separator).collect();
    if values.len() != h.fields.len() {
        return Err(format!("Zeek record has {} fields, the #fields header {}", values.len(), h.fields.len()));
    }
    let mut map = Map::new();
    for (i, (name, v)) in h.fields.iter().zip(values).enumerate() {
        if v == h.unset {
            continue;
        }
        let ty = h.types.get(i).map_or("string", String::as_str);
        map.insert(name.clone(), typed(ty, v, h));
    }
    let mut r = Record { fields: map };
    let ts = normalise(&mut r, &h.path);
    if ts.is_none() {
        // Some logs have no time column (loaded_scripts); test baselines mask it (`XXXX.XX`).
        r.put("seawall", "time_missing", true);
    }
    Ok((r.into_value(), ts))
}

/// Adds ECS fields to a Zeek record (TSV or JSON) and returns its time.
pub fn normalise(r: &mut Record, path: &str) -> Option<jiff::Timestamp> {
    let path = if path.is_empty() {
        r.get("_path").and_then(Value::as_str).unwrap_or("unknown").to_string()
    } else {
        path.to_string()
    };
    r.put("event", "dataset", format!("zeek.{path}"));
    r.put("event", "module", "zeek");
    r.copy("id.orig_h", "source.ip");
    r.copy("id.orig_p", "source.port");
    r.copy("id.resp_h", "destination.ip");
    r.copy("id.resp_p", "destination.port");
    r.copy("proto", "network.transport");
    r.copy("service", "network.protocol");
    r.copy("uid", "zeek.session_id");
    match path.as_str() {
        "conn" => {
            r.copy("orig_bytes", "source.bytes");
            r.copy("resp_bytes", "destination.bytes");
            r.copy("orig_pkts", "source.packets");
            r.copy("resp_pkts", "destination.packets");
            let total =
                ["orig_bytes", "resp_bytes"].iter().filter_map(|k| r.get(k).and_then(Value::as_u64)).sum::<u64>();
            r.put("network", "bytes", total);
        }
        "dns" => r.copy("query", "dns.question.name"),
        "http" => {
            r.copy("host", "url.domain");
            r.copy("uri", "url.original");
            r.copy("method", "http.request.method");
            r.copy("user_agent", "user_agent.original");
        }
        "ssl" => r.copy("server_name", "tls.client.server_name"),
        "ssh" => r.copy("auth_success", "zeek.ssh.auth_success"),
        "radius" => r.copy("username", "user.name"),
        "syslog" => r.copy("message", "message"),
        "notice" => r.copy("note", "rule.name"),
        _ => {}
    }
    let ts = r.get("ts").and_then(|v| match v {
        Value::Number(n) => n.as_f64().and_then(|f| jiff::Timestamp::from_nanosecond((f * 1e9) as i128).ok()),
        Value::String(s) => crate::parse_timestamp(s),
        _ => None,
    });
    ts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tsv_header_and_record() {
        let mut b = ZeekHeaderBuilder::default();
        assert!(b.directive("#separator \\x09").is_none());
        assert!(b.directive("#path\tconn").is_none());
        b.directive("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_bytes\tresp_bytes\ttunnel_parents");
        let h = b.directive("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tcount\tset[string]").unwrap();
        let (v, ts) = record(
            &h,
            "1300475167.096535\tCXWv6p3arKYeMETxOg\t141.142.220.202\t5353\t224.0.0.251\t5353\tudp\t10\t-\t(empty)",
        )
        .unwrap();
        assert_eq!(ts.unwrap().as_microsecond(), 1_300_475_167_096_535);
        assert_eq!(v["id.orig_p"], 5353);
        assert_eq!(v["source"]["ip"], "141.142.220.202");
        assert_eq!(v["network"]["bytes"], 10);
        assert_eq!(v["event"]["dataset"], "zeek.conn");
        assert!(v.get("resp_bytes").is_none());
        assert_eq!(v["tunnel_parents"], seawall_core::json!([]));
        assert!(record(&h, "1\t2").is_err());
    }
}
