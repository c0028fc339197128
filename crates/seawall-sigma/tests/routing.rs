//! Log-source routing: Windows rules reach only events of their channel and event id, and the
//! mapping's conditions hold for every event a route brings.

use seawall_core::{json, Value};
use seawall_sigma::{Mapping, Scratch};

mod common;
use common::{engine_with, matches};

#[test]
fn logsource_routing_keeps_windows_rules_on_their_channel() {
    let r = "title: t\nid: w\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n";
    let e = engine_with(r, &Mapping::default_mapping());
    let sysmon = json!({"Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1}, "EventData": {"Image": "C:\\x.exe"}}});
    let security = json!({"Event": {"System": {"Channel": "Security", "EventID": 4688}, "EventData": {"NewProcessName": "C:\\x.exe"}}});
    let wrong_id = json!({"Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 11}, "EventData": {"Image": "C:\\x.exe"}}});
    let qualifiers = json!({"Event": {"System": {"Channel": "Security", "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4688}}, "EventData": {"NewProcessName": "C:\\x.exe"}}});
    let plain = json!({"Image": "C:\\x.exe"});
    assert!(matches(&e, &sysmon));
    assert!(matches(&e, &security), "Security 4688 with its own field names");
    assert!(matches(&e, &qualifiers), "EventID with attributes");
    assert!(!matches(&e, &wrong_id));
    assert!(!matches(&e, &plain), "a Windows rule does not run on non-Windows records");
}

#[test]
fn routed_events_still_meet_the_mappings_conditions_as_written() {
    // Routing reads " 1" and "01" as event id 1, and folds the channel; the mapping's
    // conditions compare the text. The routes settle the conditions only where both agree.
    let r = "title: t\nid: w\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n";
    let e = engine_with(r, &Mapping::default_mapping());
    let event = |channel: &str, id: Value| json!({"Channel": channel, "EventID": id, "Image": "C:\\x.exe"});
    let sysmon = "Microsoft-Windows-Sysmon/Operational";
    for (id, want) in [
        (json!(1), true),
        (json!("1"), true),
        (json!("01"), false),
        (json!(" 1"), false),
        (json!("1 "), false),
        (json!(11), false),
    ] {
        assert_eq!(matches(&e, &event(sysmon, id.clone())), want, "EventID {id}");
        // The same after an event that took the shortcut, with one scratch for both.
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        e.evaluate(&event(sysmon, json!(1)), &mut scratch, &mut out);
        out.clear();
        e.evaluate(&event(sysmon, id.clone()), &mut scratch, &mut out);
        assert_eq!(!out.is_empty(), want, "EventID {id} after an exact one");
    }
    assert!(matches(&e, &event("microsoft-windows-SYSMON/operational", json!(1))), "channels compare folded");
    assert!(!matches(&e, &event("Microsoft-Windows-Sysmon/Operational2", json!(1))));
    // One scratch over events of changing channels (it keeps the last channel's route key).
    let mut scratch = Scratch::default();
    let security = json!({"Channel": "Security", "EventID": 4688, "NewProcessName": "C:\\x.exe"});
    let sequence = [
        (event(sysmon, json!(1)), true),
        (event(sysmon, json!(1)), true),
        (security.clone(), true),
        (event("Security", json!(1)), false),
        (event("microsoft-windows-sysmon/OPERATIONAL", json!(1)), true),
        (event("Microsoft-Windows-Sysmon/Operational2", json!(1)), false),
        (event(sysmon, json!(1)), true),
        (security, true),
    ];
    for (i, (ev, want)) in sequence.iter().enumerate() {
        let mut out = Vec::new();
        e.evaluate(ev, &mut scratch, &mut out);
        assert_eq!(!out.is_empty(), *want, "event {i} of the sequence: {ev}");
    }
}
