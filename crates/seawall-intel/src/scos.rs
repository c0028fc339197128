//! An event seen as STIX Cyber Observable objects, for pattern indicators the IOC index cannot
//! take. The mapping from ECS fields (what Seawall's readers write) is listed in
//! `docs/STIX.md`; telecom identifiers become the custom `x-seawall-subscriber` object
//! (`msisdn`, `imsi`, `imei`).

use serde_json::{json, Map, Value};

use seawall_core::{Event, Value as EventValue};

fn get<'v>(fields: &'v EventValue, path: &str) -> Option<&'v EventValue> {
    let mut cur = fields;
    for seg in path.split('.') {
        cur = cur.get(seg)?;
    }
    Some(cur)
}

fn text<'v>(fields: &'v EventValue, path: &str) -> Option<&'v str> {
    get(fields, path).and_then(EventValue::as_str).filter(|s| !s.is_empty() && *s != "-")
}

fn number(fields: &EventValue, path: &str) -> Option<Value> {
    match get(fields, path)? {
        n @ EventValue::Number(_) => Some(n.to_json()),
        EventValue::String(s) => s.trim().parse::<u64>().ok().map(Value::from),
        _ => None,
    }
}

fn push(ty: &str, mut obj: Map<String, Value>, out: &mut Vec<(String, Value)>) -> String {
    let id = format!("{ty}--{}", out.len());
    obj.insert("type".into(), ty.into());
    obj.insert("id".into(), id.clone().into());
    out.push((id.clone(), Value::Object(obj)));
    id
}

/// The event's objects, each with an id unique within the event.
pub fn event_objects(ev: &Event) -> Vec<(String, Value)> {
    let f = &ev.fields;
    let mut out: Vec<(String, Value)> = Vec::new();
    let addr = |path: &str, out: &mut Vec<(String, Value)>| -> Option<String> {
        let v = text(f, path)?;
        let ip: std::net::IpAddr = v.parse().ok()?;
        let ty = if ip.is_ipv4() { "ipv4-addr" } else { "ipv6-addr" };
        let mut m = Map::new();
        m.insert("value".into(), v.into());
        Some(push(ty, m, out))
    };
    let src = addr("source.ip", &mut out).or_else(|| addr("client.ip", &mut out));
    let dst = addr("destination.ip", &mut out).or_else(|| addr("server.ip", &mut out));
    let src_port = number(f, "source.port");
    let dst_port = number(f, "destination.port");
    if src.is_some() || dst.is_some() {
        let mut m = Map::new();
        if let Some(s) = src {
            m.insert("src_ref".into(), s.into());
        }
        if let Some(d) = dst {
            m.insert("dst_ref".into(), d.into());
        }
        for (k, v) in [
            ("src_port", src_port),
            ("dst_port", dst_port),
            ("src_byte_count", number(f, "source.bytes")),
            ("dst_byte_count", number(f, "destination.bytes")),
            ("src_packets", number(f, "source.packets")),
            ("dst_packets", number(f, "destination.packets")),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        let protocols: Vec<Value> = ["network.transport", "network.protocol"]
            .iter()
            .filter_map(|p| text(f, p))
            .map(|p| Value::from(p.to_ascii_lowercase()))
            .collect();
        if !protocols.is_empty() {
            m.insert("protocols".into(), Value::Array(protocols));
        }
        if let Some(t) = ev.timestamp {
            m.insert("start".into(), t.strftime("%Y-%m-%dT%H:%M:%S%.fZ").to_string().into());
        }
        push("network-traffic", m, &mut out);
    }
    let mut domains: Vec<&str> = Vec::new();
    for p in
        ["dns.question.name", "url.domain", "destination.domain", "source.domain", "tls.client.server_name", "tls.sni"]
    {
        if let Some(d) = text(f, p) {
            if !domains.contains(&d) {
                domains.push(d);
            }
        }
    }
    for d in domains {
        push("domain-name", json!({"value": d}).as_object().cloned().unwrap_or_default(), &mut out);
    }
    for p in ["url.full", "url.original"] {
        if let Some(u) = text(f, p) {
            push("url", json!({"value": u}).as_object().cloned().unwrap_or_default(), &mut out);
            break;
        }
    }
    let user = text(f, "user.name").map(|name| {
        let mut m = Map::new();
        m.insert("account_login".into(), name.into());
        if let Some(id) = text(f, "user.id") {
            m.insert("user_id".into(), id.into());
        }
        push("user-account", m, &mut out)
    });
    let mut process = Map::new();
    for (k, p) in
        [("name", "process.name"), ("command_line", "process.command_line"), ("cwd", "process.working_directory")]
    {
        if let Some(v) = text(f, p) {
            process.insert(k.into(), v.into());
        }
    }
    if let Some(pid) = number(f, "process.pid") {
        process.insert("pid".into(), pid);
    }
    if !process.is_empty() {
        if let Some(u) = &user {
            process.insert("creator_user_ref".into(), u.clone().into());
        }
        push("process", process, &mut out);
    }
    let mut file = Map::new();
    if let Some(n) = text(f, "file.name").or_else(|| text(f, "file.path").and_then(|p| p.rsplit(['/', '\\']).next())) {
        file.insert("name".into(), n.into());
    }
    if let Some(s) = number(f, "file.size") {
        file.insert("size".into(), s);
    }
    let mut hashes = Map::new();
    for (alg, p) in [
        ("MD5", "file.hash.md5"),
        ("SHA-1", "file.hash.sha1"),
        ("SHA-256", "file.hash.sha256"),
        ("SHA-512", "file.hash.sha512"),
    ] {
        if let Some(h) = text(f, p) {
            hashes.insert(alg.into(), h.to_ascii_lowercase().into());
        }
    }
    if !hashes.is_empty() {
        file.insert("hashes".into(), Value::Object(hashes));
    }
    if !file.is_empty() {
        push("file", file, &mut out);
    }
    let mut cert = Map::new();
    for (k, p) in [
        ("issuer", "tls.server.x509.issuer.distinguished_name"),
        ("subject", "tls.server.x509.subject.distinguished_name"),
        ("serial_number", "tls.server.x509.serial_number"),
    ] {
        if let Some(v) = text(f, p) {
            cert.insert(k.into(), v.into());
        }
    }
    if !cert.is_empty() {
        push("x509-certificate", cert, &mut out);
    }
    for p in ["email.from.address", "email.sender.address"] {
        if let Some(a) = text(f, p) {
            push("email-addr", json!({"value": a}).as_object().cloned().unwrap_or_default(), &mut out);
        }
    }
    let mut software = Map::new();
    for (k, p) in [("vendor", "observer.vendor"), ("name", "observer.product"), ("version", "observer.version")] {
        if let Some(v) = text(f, p) {
            software.insert(k.into(), v.into());
        }
    }
    if software.contains_key("name") || software.contains_key("vendor") {
        if !software.contains_key("name") {
            if let Some(v) = software.get("vendor").cloned() {
                software.insert("name".into(), v);
            }
        }
        push("software", software, &mut out);
    }
    if let Some(subs) = get(f, "seawall.subscribers").and_then(EventValue::as_array) {
        for s in subs.iter().filter_map(EventValue::as_str) {
            if let Some((kind, v)) = s.split_once(':') {
                if matches!(kind, "msisdn" | "imsi" | "imei") {
                    let mut m = Map::new();
                    m.insert(kind.into(), v.into());
                    push("x-seawall-subscriber", m, &mut out);
                }
            }
        }
    }
    out
}
