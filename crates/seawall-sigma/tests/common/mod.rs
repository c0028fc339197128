//! Helpers shared by the integration tests: an engine built from rule text, and one event
//! evaluated on it.

use std::path::Path;

use seawall_core::Value;
use seawall_sigma::loader::load_rule_text;
use seawall_sigma::{Engine, Mapping, Scratch};

pub fn engine_with(yaml: &str, mapping: &Mapping) -> Engine {
    let (docs, errs) = load_rule_text(yaml, Path::new("test.yml"));
    assert!(errs.is_empty(), "rule did not parse: {errs:?}");
    let e = Engine::build(docs, mapping);
    assert!(e.errors.is_empty(), "rule did not compile: {:?}", e.errors);
    e
}

pub fn matches(e: &Engine, ev: &Value) -> bool {
    let mut out = Vec::new();
    e.evaluate(ev, &mut Scratch::default(), &mut out);
    !out.is_empty()
}
