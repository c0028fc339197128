//! Flow records (NetFlow / IPFIX as nfdump stores them): `nfdump -o csv` lines here, nfdump's
//! binary files in `nfcapd.rs`; both become the same [`FlowRecord`] and the same fields.

use seawall_core::{Map, Text, ToCompactString, Value};

/// One unidirectional flow as the exporter reported it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowRecord {
    pub start: Option<jiff::Timestamp>,
    pub end: Option<jiff::Timestamp>,
    pub src: Text,
    pub dst: Text,
    pub src_port: u16,
    pub dst_port: u16,
    /// IANA protocol number.
    pub protocol: u8,
    pub tcp_flags: Text,
    pub packets: u64,
    pub bytes: u64,
    /// Packets and bytes of the reverse direction (bidirectional exporters only).
    pub out_packets: u64,
    pub out_bytes: u64,
    pub input_if: u32,
    pub output_if: u32,
    pub tos: u8,
    /// The exporter (router) address.
    pub exporter: Text,
}

const PROTOCOLS: &[(u8, &str)] = &[
    (1, "icmp"),
    (2, "igmp"),
    (4, "ipip"),
    (6, "tcp"),
    (17, "udp"),
    (41, "ipv6"),
    (47, "gre"),
    (50, "esp"),
    (51, "ah"),
    (58, "ipv6-icmp"),
    (89, "ospf"),
    (103, "pim"),
    (112, "vrrp"),
    (115, "l2tp"),
    (132, "sctp"),
];

pub fn protocol_name(n: u8) -> Option<&'static str> {
    PROTOCOLS.iter().find(|(p, _)| *p == n).map(|(_, name)| *name)
}

fn protocol_number(s: &str) -> Option<u8> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(n);
    }
    let s = if s.eq_ignore_ascii_case("icmp6") { "ipv6-icmp" } else { s };
    PROTOCOLS.iter().find(|(_, name)| name.eq_ignore_ascii_case(s)).map(|(p, _)| *p)
}

impl FlowRecord {
    pub fn to_fields(&self) -> Value {
        // Built object by object with known keys: no path walks, no key scans, one exact
        // allocation per object.
        let mut event = Map::with_capacity(7);
        event.push_new("dataset", "flow.netflow");
        event.push_new("module", "netflow");
        event.push_new("kind", "event");
        event.push_new("category", "network");
        if let Some(s) = self.start {
            event.push_new("start", seawall_core::rfc3339(s));
        }
        if let Some(e) = self.end {
            event.push_new("end", seawall_core::rfc3339(e));
        }
        if let (Some(s), Some(e)) = (self.start, self.end) {
            let nanos = e.duration_since(s).as_nanos();
            event.push_new("duration", i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX }));
        }
        let side = |ip: &Text, port: u16, packets: u64, bytes: u64| {
            let mut m = Map::with_capacity(4);
            m.push_new("ip", ip.clone());
            m.push_new("port", port);
            m.push_new("packets", packets);
            m.push_new("bytes", bytes);
            Value::Object(m)
        };
        let mut network = Map::with_capacity(4);
        network.push_new("iana_number", self.protocol.to_compact_string());
        network.push_new(
            "transport",
            protocol_name(self.protocol).map_or_else(|| self.protocol.to_compact_string(), Text::const_new),
        );
        network.push_new("packets", self.packets + self.out_packets);
        network.push_new("bytes", self.bytes + self.out_bytes);
        let mut netflow = Map::with_capacity(4);
        if !self.tcp_flags.is_empty() {
            netflow.push_new("tcp_flags", self.tcp_flags.clone());
        }
        netflow.push_new("input_interface", self.input_if);
        netflow.push_new("output_interface", self.output_if);
        netflow.push_new("tos", self.tos);
        let mut top = Map::with_capacity(6);
        top.push_new("event", event);
        top.push_new("source", side(&self.src, self.src_port, self.packets, self.bytes));
        top.push_new("destination", side(&self.dst, self.dst_port, self.out_packets, self.out_bytes));
        top.push_new("network", network);
        top.push_new("netflow", netflow);
        if !self.exporter.is_empty() {
            let mut observer = Map::with_capacity(1);
            observer.push_new("ip", self.exporter.clone());
            top.push_new("observer", observer);
        }
        Value::Object(top)
    }
}

/// nfdump prints times in the local zone of the machine it ran on, without a zone: taken as UTC.
fn csv_time(s: &str) -> Option<jiff::Timestamp> {
    let b = s.trim().as_bytes();
    // `YYYY-MM-DD HH:MM:SS` (optionally `.fff`), read without allocating.
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let part = b.get(r)?;
        part.iter().try_fold(0i32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0')))
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let millis = if b.len() > 20 && b[19] == b'.' { num(20..b.len().min(23)).unwrap_or(0) } else { 0 };
    let dt = jiff::civil::DateTime::new(
        num(0..4)? as i16,
        num(5..7)? as i8,
        num(8..10)? as i8,
        num(11..13)? as i8,
        num(14..16)? as i8,
        num(17..19)? as i8,
        millis * 1_000_000,
    )
    .ok()?;
    jiff::tz::Offset::UTC.to_timestamp(dt).ok()
}

/// Where each field sits in an `nfdump -o csv` header, found once per header.
#[derive(Debug)]
pub struct FlowColumns {
    count: usize,
    idx: [Option<usize>; 16],
}

const COLUMNS: [&str; 16] =
    ["ts", "te", "sa", "da", "sp", "dp", "pr", "flg", "ipkt", "ibyt", "opkt", "obyt", "in", "out", "stos", "ra"];

impl FlowColumns {
    pub fn new(header: &[String]) -> FlowColumns {
        let mut idx = [None; 16];
        for (i, name) in COLUMNS.iter().enumerate() {
            idx[i] = header.iter().position(|h| h.trim() == *name);
        }
        FlowColumns { count: header.len(), idx }
    }
}

pub fn nfdump_csv(cols: &FlowColumns, line: &str) -> Result<(Value, Option<jiff::Timestamp>), String> {
    // Cell boundaries only; the few cells a flow needs are trimmed when read.
    let mut ends: [u32; 64] = [0; 64];
    let mut n = 0;
    // A plain byte loop: cells are a few bytes long, shorter than a vector search pays off on.
    let commas = line.bytes().enumerate().filter(|&(_, b)| b == b',').map(|(i, _)| i);
    for comma in commas.chain(std::iter::once(line.len())) {
        if n < ends.len() {
            ends[n] = comma as u32;
        }
        n += 1;
    }
    if n != cols.count {
        return Err(format!("flow record has {n} columns, the header {}", cols.count));
    }
    let cell = |i: usize| -> Option<&str> {
        let end = *ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { ends[i - 1] as usize + 1 };
        line.get(start..end).map(str::trim)
    };
    let col = |k: usize| cols.idx[k].and_then(cell);
    let num = |k: usize| -> Result<u64, String> {
        let v = col(k).ok_or_else(|| format!("no '{}' column", COLUMNS[k]))?;
        v.parse::<u64>().map_err(|_| format!("'{}' is not a number: {v:?}", COLUMNS[k]))
    };
    let start = col(0).and_then(csv_time).ok_or("'ts' is not a time")?;
    let flow = FlowRecord {
        start: Some(start),
        end: col(1).and_then(csv_time),
        src: Text::new(col(2).ok_or("no 'sa' column")?),
        dst: Text::new(col(3).ok_or("no 'da' column")?),
        src_port: num(4)? as u16,
        dst_port: num(5)? as u16,
        protocol: col(6).and_then(protocol_number).ok_or("unknown protocol in 'pr'")?,
        tcp_flags: Text::new(col(7).unwrap_or("")),
        packets: num(8)?,
        bytes: num(9)?,
        out_packets: num(10).unwrap_or(0),
        out_bytes: num(11).unwrap_or(0),
        input_if: num(12).unwrap_or(0) as u32,
        output_if: num(13).unwrap_or(0) as u32,
        tos: num(14).unwrap_or(0) as u8,
        exporter: Text::new(col(15).unwrap_or("")),
    };
    if flow.src.parse::<std::net::IpAddr>().is_err() || flow.dst.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("flow addresses are not IP addresses: {} -> {}", flow.src, flow.dst));
    }
    Ok((flow.to_fields(), Some(start)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_nfdump_csv_line() {
        let header: Vec<String> = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,ra"
            .split(',')
            .map(str::to_string)
            .collect();
        let cols = FlowColumns::new(&header);
        let (v, ts) = nfdump_csv(
            &cols,
            "2015-03-30 14:44:49,2015-03-30 14:44:57,8.220,192.168.56.1,192.168.56.103,55470,22,TCP,...AP.SF,0,0,26,4249,0,0,0,0,127.0.0.1",
        )
        .unwrap();
        assert_eq!(ts.unwrap().to_string(), "2015-03-30T14:44:49Z");
        assert_eq!(v["network"]["transport"], "tcp");
        assert_eq!(v["destination"]["port"], 22);
        assert_eq!(v["network"]["bytes"], 4249);
        assert_eq!(v["event"]["duration"], 8_000_000_000i64);
        assert!(nfdump_csv(&cols, "a,b").is_err());
    }
}
