//! Large telecom inputs for bench/telecom.sh: device syslog (Cisco, Junos, Linux auth mixed),
//! nfdump CSV flows, a Zeek conn log and TACACS+ accounting, seeded.

use std::io::{BufWriter, Write};
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn ip(r: &mut Rng) -> String {
    format!("{}.{}.{}.{}", 10 + r.below(200), r.below(256), r.below(256), 1 + r.below(254))
}

/// Writes the four files under `dir`; returns their names.
pub fn write_all(dir: &Path, records: u64, seed: u64) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut r = Rng(seed);
    let open = |name: &str| -> std::io::Result<BufWriter<std::fs::File>> {
        Ok(BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(name))?))
    };
    let base = 1_727_740_800u64; // 2024-10-01
    let mut w = open("syslog.log")?;
    for i in 0..records {
        let t = base + i / 40;
        let (d, h, m, s) = (1 + (t - base) / 86_400 % 28, t / 3600 % 24, t / 60 % 60, t % 60);
        let mon = MONTHS[9];
        match r.below(10) {
            0..=5 => {
                let dev = r.below(64);
                let msg = match r.below(4) {
                    0 => format!("%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: ops{}] [Source: {}] [localport: 22] at {h:02}:{m:02}:{s:02} UTC", r.below(9), ip(&mut r)),
                    1 => format!("%SEC-6-IPACCESSLOGP: list 177 denied tcp {}({}) -> 10.255.0.{dev}(23), 1 packet", ip(&mut r), 1024 + r.below(60000)),
                    2 => format!("%PARSER-5-CFGLOG_LOGGEDCMD: User:ops{}  logged command:interface GigabitEthernet0/0/{}", r.below(9), r.below(8)),
                    _ => format!("%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/0/{}, changed state to up", r.below(8)),
                };
                writeln!(w, "{mon} {d:>2} {h:02}:{m:02}:{s:02} 10.255.0.{dev} {}: {mon} {d:>2} 2024 {h:02}:{m:02}:{s:02}.{:03} UTC: {msg}", 100_000 + i, r.below(1000))?;
            }
            6 | 7 => writeln!(w, "<189>{mon} {d:>2} {h:02}:{m:02}:{s:02} mx{} mgd[{}]: UI_CMDLINE_READ_LINE: User 'ops{}', command 'show route summary'", r.below(16), 1000 + r.below(9000), r.below(9))?,
            _ => writeln!(w, "{mon} {d:>2} {h:02}:{m:02}:{s:02} jump-0{} sshd[{}]: Accepted publickey for ops{} from {} port {} ssh2", r.below(3), 1000 + r.below(30000), r.below(9), ip(&mut r), 1024 + r.below(60000))?,
        }
    }
    w.flush()?;
    let mut w = open("flows.csv")?;
    writeln!(w, "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr")?;
    for i in 0..records {
        let t = base + i / 200;
        let ts =
            jiff::Timestamp::from_second(t as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH).strftime("%Y-%m-%d %H:%M:%S");
        let te = jiff::Timestamp::from_second(t as i64 + 4)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .strftime("%Y-%m-%d %H:%M:%S");
        let pk = 1 + r.below(300);
        writeln!(w, "{ts},{te},4.120,{},{},{},443,TCP,...AP.SF,0,0,{pk},{},0,0,1,2,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,    0.000,10.255.0.{},0/0,1,{te}", ip(&mut r), ip(&mut r), 1024 + r.below(60000), pk * 700, r.below(64))?;
    }
    writeln!(w, "Summary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n{records},0,0,0,0,0")?;
    w.flush()?;
    let mut w = open("conn.log")?;
    writeln!(w, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tset[string]")?;
    for i in 0..records {
        writeln!(
            w,
            "{}.{:06}\tC{:017x}\t{}\t{}\t{}\t443\ttcp\tssl\t{}.{:06}\t{}\t{}\tSF\t(empty)",
            base + i / 100,
            r.below(1_000_000),
            r.next() >> 4,
            ip(&mut r),
            1024 + r.below(60000),
            ip(&mut r),
            r.below(30),
            r.below(1_000_000),
            r.below(100_000),
            r.below(10_000_000)
        )?;
    }
    w.flush()?;
    let mut w = open("tacacs.acct")?;
    for i in 0..records {
        let t = base + i / 20;
        let (d, h, m, s) = (1 + (t - base) / 86_400 % 28, t / 3600 % 24, t / 60 % 60, t % 60);
        writeln!(w, "Oct {d:>2} {h:02}:{m:02}:{s:02}\t10.255.0.{}\tops{}\ttty{}\t10.0.10.{}\tstop\ttask_id={}\tservice=shell\tpriv-lvl=15\tcmd=show ip interface brief <cr>", r.below(64), r.below(9), r.below(8), r.below(8), i)?;
    }
    w.flush()?;
    Ok(vec!["syslog.log".into(), "flows.csv".into(), "conn.log".into(), "tacacs.acct".into()])
}
