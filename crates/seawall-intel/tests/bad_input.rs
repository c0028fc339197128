//! Bad intelligence is reported with its place (line and column, object number and id, pattern
//! position, list line) and the rest still loads; of two objects with one id the newer wins.

use seawall_intel::Loader;

const IND: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--0a5e8d5c-4c5e-4a4f-8a3e-7d6f0b3b1c01","created":"2024-10-01T00:00:00Z","modified":"MOD","name":"NAME","pattern":"PATTERN","pattern_type":"stix","valid_from":"2024-10-01T00:00:00Z"}"#;

fn indicator(id_tail: &str, modified: &str, name: &str, pattern: &str) -> String {
    IND.replace("7d6f0b3b1c01", id_tail).replace("MOD", modified).replace("NAME", name).replace("PATTERN", pattern)
}

#[test]
fn invalid_json_names_line_and_column() {
    let mut l = Loader::default();
    l.load_text("broken.json", "{\"type\": \"bundle\",\n \"objects\": [ {\"type\": }\n]}");
    let set = l.finish();
    assert_eq!(set.errors.len(), 1);
    assert_eq!(set.errors[0].origin.place, "line 2 column 24");
    assert!(set.errors[0].message.contains("not valid JSON"), "{}", set.errors[0]);
}

#[test]
fn bad_objects_are_reported_and_the_rest_loads() {
    let good = indicator("7d6f0b3b1c01", "2024-10-01T00:00:00Z", "good", "[ipv4-addr:value = '198.51.100.7']");
    let no_pattern =
        indicator("7d6f0b3b1c02", "2024-10-01T00:00:00Z", "no pattern", "X").replace(r#""pattern":"X","#, "");
    let bad_pattern = indicator("7d6f0b3b1c03", "2024-10-01T00:00:00Z", "bad", "[file:size = ]");
    let bad_id = indicator("7d6f0b3b1c04", "2024-10-01T00:00:00Z", "bad id", "[a:b = 1]")
        .replace("indicator--0a5e", "indicator--zz5e");
    let bundle =
        format!(r#"{{"type":"bundle","id":"bundle--1","objects":[{good},{no_pattern},{bad_pattern},{bad_id}]}}"#);
    let mut l = Loader::default();
    l.load_text("feed.json", &bundle);
    let set = l.finish();
    assert_eq!(set.indicators.len(), 1);
    assert_eq!(set.indicators[0].name.as_deref(), Some("good"));
    let errors: Vec<String> = set.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].contains("object 2 (indicator--0a5e8d5c-4c5e-4a4f-8a3e-7d6f0b3b1c02)")
            && errors[0].contains("'pattern'")
    );
    assert!(errors[1].contains("object 3 (") && errors[1].contains("at position 13"), "{}", errors[1]);
    assert!(errors[2].contains("object 4 (") && errors[2].contains("UUID"), "{}", errors[2]);
}

#[test]
fn newest_modified_wins_for_one_id() {
    let old = indicator("7d6f0b3b1c01", "2024-10-01T00:00:00Z", "old", "[ipv4-addr:value = '198.51.100.7']");
    let new = indicator("7d6f0b3b1c01", "2024-10-02T00:00:00Z", "new", "[ipv4-addr:value = '198.51.100.8']");
    for order in [[&old, &new], [&new, &old]] {
        let mut l = Loader::default();
        l.load_text("a.json", &format!(r#"{{"type":"bundle","id":"bundle--1","objects":[{}]}}"#, order[0]));
        l.load_text("b.json", &format!(r#"{{"type":"bundle","id":"bundle--2","objects":[{}]}}"#, order[1]));
        let set = l.finish();
        assert_eq!(set.indicators.len(), 1);
        assert_eq!(set.indicators[0].name.as_deref(), Some("new"));
        assert_eq!(set.superseded, 1);
    }
}

#[test]
fn ioc_list_lines_are_checked_one_by_one() {
    let mut l = Loader::default();
    l.load_text("list.csv", "type,value,context\nipv4-addr,198.51.100.7,c2\nipv4-addr,not-an-ip,oops\nbogus,1.2.3.4,x\ndomain,evil.example,\n");
    let set = l.finish();
    assert_eq!(set.indicators.len(), 2);
    let errors: Vec<String> = set.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "list.csv: line 3: 'not-an-ip' is not a valid ipv4-addr",
            "list.csv: line 4: unknown indicator type 'bogus' for '1.2.3.4'"
        ]
    );
    // Ids are stable (UUIDv5 over the value), so a re-import is the same indicator.
    let mut again = Loader::default();
    again.load_text("other.txt", "198.51.100.7\n");
    assert_eq!(again.finish().indicators[0].id, set.indicators[0].id);
}
