//! Turns a parsed detection rule into [`Expr`] trees, one per log-source variant.

use crate::condition::{ident_matches, parse_condition, Cond};
use crate::expr::{Expr, Matcher, Slot};
use crate::mapping::{Mapping, SourceVariant};
use crate::modifier::{parse_field_spec, transform, Modifier, Working};
use crate::patlist::Patterns;
use crate::pattern::{SigmaString, StrPattern};
use crate::rule::{CmpOp, Detection};
use crate::yaml::Yaml;

/// One place a field may be found: a key inside a container map (the path minus its last
/// segment), resolved once per event and shared by every field that lives in it.
#[derive(Debug, Clone)]
pub struct PathSpec {
    pub container: u32,
    pub key: String,
    /// The key's hash in an event's key index.
    pub hash: u32,
    /// The whole dotted path, for flattened keys at the top level (`"process.name": ...`).
    pub flat: Option<String>,
    /// The whole path's segments when the container has a `*` step, which is resolved with the
    /// key rather than through the container's first match.
    pub star_path: Option<Vec<String>>,
}

/// Field paths interned to slots, shared by all rules.
#[derive(Debug, Default)]
pub struct FieldTable {
    /// Slot -> where to look, in order.
    pub specs: Vec<Vec<PathSpec>>,
    /// Container id -> path segments (`*` matches any key at its level).
    pub containers: Vec<Vec<String>>,
    index: rustc_hash::FxHashMap<Vec<String>, Slot>,
    container_index: rustc_hash::FxHashMap<Vec<String>, u32>,
    /// Field name -> slot, for rules joining the table.
    by_name: rustc_hash::FxHashMap<String, Slot>,
}

/// The fields one rule refers to while it compiles (rules compile in parallel): slots by field
/// name and by path list only. Where to look for each (`FieldTable`'s specs) is worked out once
/// per distinct path list when the rule's slots join the shared table.
#[derive(Debug, Default)]
pub struct RuleFields {
    by_name: rustc_hash::FxHashMap<String, Slot>,
    by_paths: rustc_hash::FxHashMap<Vec<String>, Slot>,
    /// Per slot: a field name that leads to it, and its paths.
    fields: Vec<(String, Vec<String>)>,
}

impl RuleFields {
    fn intern(&mut self, name: &str, mapping: &Mapping) -> Slot {
        if let Some(&s) = self.by_name.get(name) {
            return s;
        }
        let paths = mapping.paths_for(name);
        let slot = match self.by_paths.get(&paths) {
            Some(&s) => s,
            None => {
                let s = self.fields.len() as Slot;
                self.fields.push((name.to_string(), paths.clone()));
                self.by_paths.insert(paths, s);
                s
            }
        };
        self.by_name.insert(name.to_string(), slot);
        slot
    }

    /// A field name and the paths of each of the rule's slots, in slot order.
    pub fn into_fields(self) -> Vec<(String, Vec<String>)> {
        self.fields
    }
}

impl FieldTable {
    /// The slot of a field's paths, found by the field's name when that name was seen before
    /// (a name's paths depend on the mapping alone), which spares hashing the path list.
    pub fn intern_named(&mut self, name: &str, paths: &[String]) -> Slot {
        if let Some(&s) = self.by_name.get(name) {
            return s;
        }
        let slot = self.intern(paths.to_vec());
        self.by_name.insert(name.to_string(), slot);
        slot
    }

    pub fn intern(&mut self, paths: Vec<String>) -> Slot {
        if let Some(&s) = self.index.get(paths.as_slice()) {
            return s;
        }
        let slot = self.specs.len() as Slot;
        let mut specs = Vec::with_capacity(paths.len());
        for p in &paths {
            let mut segs: Vec<String> = p.split('.').map(str::to_string).collect();
            let key = segs.pop().unwrap_or_default();
            let star = segs.iter().any(|s| s == "*");
            let flat = (!segs.is_empty() && !star).then(|| p.clone());
            let star_path = star.then(|| [segs.as_slice(), std::slice::from_ref(&key)].concat());
            let next = self.containers.len() as u32;
            let container = *self.container_index.entry(segs.clone()).or_insert(next);
            if container == next {
                self.containers.push(segs);
            }
            specs.push(PathSpec { container, hash: crate::keyindex::key_hash(&key), key, flat, star_path });
        }
        self.specs.push(specs);
        self.index.insert(paths, slot);
        slot
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }
}

/// Why a rule compiled but cannot be fully honoured.
#[derive(Debug, Clone)]
pub enum Problem {
    /// The rule is wrong; it is not loaded.
    Error(String),
    /// A feature this engine cannot evaluate here; the rule is loaded, the part never matches.
    Unsupported(String),
}

pub struct Compiler<'a> {
    pub mapping: &'a Mapping,
    pub fields: &'a mut RuleFields,
    pub unsupported: Vec<String>,
}

impl Compiler<'_> {
    fn slot(&mut self, variant: &SourceVariant, field: &str) -> Slot {
        let name = variant.rename.get(field).map(String::as_str).unwrap_or(field);
        self.fields.intern(name, self.mapping)
    }

    /// Compiles a detection under one variant: the detection's condition(s) AND the variant's
    /// own conditions (the guard, first: cheap checks such as the EventID).
    pub fn compile(&mut self, det: &Detection, variant: &SourceVariant) -> Result<Expr, String> {
        let (guard, body) = self.compile_parts(det, variant)?;
        Ok(match guard {
            Some(g) => Expr::And(vec![g, body]),
            None => body,
        })
    }

    /// The variant's log-source conditions and the detection, separately: the prefilter looks
    /// for literals of the detection only, as every routed event carries the guard's.
    pub fn compile_parts(&mut self, det: &Detection, variant: &SourceVariant) -> Result<(Option<Expr>, Expr), String> {
        let mut searches: Vec<SearchUse> = Vec::with_capacity(det.searches.len());
        for (name, body) in &det.searches {
            let e = self.search(body, variant).map_err(|e| format!("search '{name}': {e}"))?;
            searches.push((name.as_str(), Some(e), 0));
        }
        let parsed = det.conditions.iter().map(|c| parse_condition(c)).collect::<Result<Vec<_>, _>>()?;
        parsed.iter().for_each(|c| count_refs(c, &mut searches));
        let mut conds = Vec::new();
        for c in &parsed {
            conds.push(resolve(c, &mut searches)?);
        }
        let body = Expr::or(conds);
        let mut all = Vec::new();
        for (field, values) in &variant.conditions {
            let slot = self.slot(variant, field);
            let mut pats = Vec::new();
            for v in values {
                let text = v.scalar_text().ok_or("mapping condition values must be scalars")?;
                pats.push(StrPattern::compile(&SigmaString::literal(&text), false));
            }
            all.push(Expr::Field(slot, Matcher::Str(Patterns::new(pats))));
        }
        Ok(((!all.is_empty()).then(|| Expr::and(all)), body))
    }

    /// A search identifier's body: a map (AND), a list of maps (OR), or keywords.
    fn search(&mut self, body: &Yaml, variant: &SourceVariant) -> Result<Expr, String> {
        match body {
            Yaml::Map(items) => self.map_search(items, variant),
            Yaml::Seq(items) => {
                let mut alts = Vec::new();
                let mut keywords = Vec::new();
                for i in items {
                    match i {
                        Yaml::Map(m) => alts.push(self.map_search(m, variant)?),
                        Yaml::Seq(_) => return Err("nested lists are not allowed in a search".into()),
                        scalar => keywords.push(scalar.clone()),
                    }
                }
                if !keywords.is_empty() {
                    alts.push(self.keyword(&keywords, &[])?);
                }
                if alts.is_empty() {
                    return Err("empty search".into());
                }
                Ok(Expr::or(alts))
            }
            Yaml::Null => Err("empty search".into()),
            scalar => self.keyword(std::slice::from_ref(scalar), &[]),
        }
    }

    fn map_search(&mut self, items: &[(String, Yaml)], variant: &SourceVariant) -> Result<Expr, String> {
        if items.is_empty() {
            return Err("empty search map".into());
        }
        let mut parts = Vec::with_capacity(items.len());
        for (spec, value) in items {
            let (field, mods) = parse_field_spec(spec)?;
            let values: &[Yaml] = match value {
                Yaml::Seq(v) => v,
                Yaml::Map(_) => return Err(format!("'{spec}': a value cannot be a map")),
                other => std::slice::from_ref(other),
            };
            if field.is_empty() {
                parts.push(self.keyword(values, &mods)?);
                continue;
            }
            let slot = self.slot(variant, &field);
            parts.push(self.field_condition(slot, &mods, values, variant).map_err(|e| format!("'{spec}': {e}"))?);
        }
        Ok(Expr::and(parts))
    }

    /// Keyword searches are full-text: a keyword may occur anywhere in any value, so unless a
    /// modifier says where, it is matched as `contains`.
    fn keyword(&mut self, values: &[Yaml], mods: &[Modifier]) -> Result<Expr, String> {
        let positional = [Modifier::Contains, Modifier::StartsWith, Modifier::EndsWith, Modifier::Re, Modifier::Cidr];
        let mut mods = mods.to_vec();
        if !mods.iter().any(|m| positional.contains(m) || m.is_numeric()) {
            mods.push(Modifier::Contains);
        }
        let mods = &mods[..];
        let ms = self.value_matchers(mods, values, None)?;
        let all = mods.contains(&Modifier::All);
        let exprs: Vec<Expr> = ms.into_iter().map(Expr::Keyword).collect();
        Ok(if all { Expr::and(exprs) } else { Expr::or(exprs) })
    }

    fn field_condition(
        &mut self,
        slot: Slot,
        mods: &[Modifier],
        values: &[Yaml],
        variant: &SourceVariant,
    ) -> Result<Expr, String> {
        if mods.contains(&Modifier::Exists) {
            let [Yaml::Bool(b)] = values else {
                return Err("'exists' needs a single true or false".into());
            };
            return Ok(Expr::Field(slot, Matcher::Exists(*b)));
        }
        if values.is_empty() {
            return Err("empty value list".into());
        }
        let all = mods.contains(&Modifier::All);
        let matchers = self.value_matchers(mods, values, Some(variant))?;
        let exprs: Vec<Expr> = matchers.into_iter().map(|m| Expr::Field(slot, m)).collect();
        let combined = if all && exprs.len() > 1 { Expr::And(exprs) } else { Expr::or(exprs) };
        Ok(if mods.contains(&Modifier::Neq) { Expr::Not(Box::new(combined)) } else { combined })
    }

    /// One matcher per value, except that plain string alternatives are merged into one.
    /// With `all`, each value stays separate so they can be ANDed.
    fn value_matchers(
        &mut self,
        mods: &[Modifier],
        values: &[Yaml],
        variant: Option<&SourceVariant>,
    ) -> Result<Vec<Matcher>, String> {
        let has = |m: Modifier| mods.contains(&m);
        let all = has(Modifier::All);
        let cased = has(Modifier::Cased);
        let mut out: Vec<Matcher> = Vec::new();
        let mut merged: Vec<StrPattern> = Vec::new();
        let time_part = mods.iter().copied().find(|m| m.is_time_part());
        let num_op = mods.iter().find_map(|m| match m {
            Modifier::Lt => Some(CmpOp::Lt),
            Modifier::Lte => Some(CmpOp::Lte),
            Modifier::Gt => Some(CmpOp::Gt),
            Modifier::Gte => Some(CmpOp::Gte),
            _ => None,
        });
        for v in values {
            if let Yaml::Null = v {
                out.push(Matcher::Null);
                continue;
            }
            if has(Modifier::FieldRef) {
                let name = v.scalar_text().ok_or("fieldref needs a field name")?;
                let variant = variant.ok_or("fieldref needs a field, not a keyword")?;
                let other = self.slot(variant, &name);
                out.push(Matcher::FieldRef { other, cased });
                continue;
            }
            if let Some(part) = time_part {
                let n = number(v).ok_or("time modifiers need a number")?;
                out.push(Matcher::TimePart { part, op: num_op.unwrap_or(CmpOp::Eq), value: n });
                continue;
            }
            if let Some(op) = num_op {
                let n = number(v).ok_or("numeric modifiers need a number")?;
                out.push(Matcher::Num(op, n));
                continue;
            }
            if has(Modifier::Cidr) {
                let text = v.scalar_text().ok_or("cidr needs a network")?;
                // `expand` first: a placeholder stands for a list of networks.
                let texts = if has(Modifier::Expand) { self.expand_text(&text) } else { vec![text] };
                for text in texts {
                    let net = parse_cidr(&text).ok_or_else(|| format!("'{text}' is not a CIDR network"))?;
                    out.push(Matcher::Cidr(net));
                }
                continue;
            }
            if has(Modifier::Re) {
                let text = v.as_str().ok_or("re needs a string")?;
                let mut flags = String::new();
                if has(Modifier::ReI) {
                    flags.push('i');
                }
                if has(Modifier::ReM) {
                    flags.push('m');
                }
                if has(Modifier::ReS) {
                    flags.push('s');
                }
                let src = if flags.is_empty() { text.to_string() } else { format!("(?{flags}){text}") };
                let re = crate::expr::LazyRegex::new(src).map_err(|e| format!("bad regular expression: {e}"))?;
                out.push(Matcher::Regex(re));
                continue;
            }
            if [Modifier::ReI, Modifier::ReM, Modifier::ReS].iter().any(|m| has(*m)) {
                return Err("the i, m and s modifiers need 're'".into());
            }
            // String matching, with value transformations applied in the order written.
            let text = match v {
                Yaml::Str(s) => s.clone(),
                other => other.scalar_text().ok_or("a value must be a scalar")?,
            };
            let initial: Vec<SigmaString> = if has(Modifier::Expand) {
                self.expand(&text)?
            } else if matches!(v, Yaml::Str(_)) {
                vec![SigmaString::parse(&text)]
            } else {
                vec![SigmaString::literal(&text)]
            };
            let mut working: Vec<Working> = initial.into_iter().map(Working::Text).collect();
            for m in mods {
                working = transform(working, *m)?;
            }
            let pats: Vec<StrPattern> =
                working.into_iter().map(|w| StrPattern::compile(&w.into_sigma(), cased)).collect();
            if all {
                let pats = Patterns::new(pats);
                out.push(if cased { Matcher::StrCased(pats) } else { Matcher::Str(pats) });
            } else {
                merged.extend(pats);
            }
        }
        if !merged.is_empty() {
            let merged = Patterns::new(merged);
            out.push(if cased { Matcher::StrCased(merged) } else { Matcher::Str(merged) });
        }
        Ok(out)
    }

    fn expand(&mut self, text: &str) -> Result<Vec<SigmaString>, String> {
        Ok(self.expand_text(text).iter().map(|r| SigmaString::parse(r)).collect())
    }

    /// The texts a value with `%placeholders%` stands for (none when one is undefined, which is
    /// reported as unsupported).
    fn expand_text(&mut self, text: &str) -> Vec<String> {
        let mut results = vec![String::new()];
        let mut rest = text;
        while let Some(start) = rest.find('%') {
            let Some(len) = rest[start + 1..].find('%') else {
                break;
            };
            let name = &rest[start + 1..start + 1 + len];
            let Some(values) = self.mapping.placeholders.get(name) else {
                self.unsupported.push(format!("placeholder '%{name}%' has no values in the mapping (expand modifier)"));
                return vec![];
            };
            let prefix = &rest[..start];
            results = results.into_iter().flat_map(|r| values.iter().map(move |v| format!("{r}{prefix}{v}"))).collect();
            rest = &rest[start + len + 2..];
        }
        results.into_iter().map(|r| format!("{r}{rest}")).collect()
    }
}

fn number(v: &Yaml) -> Option<f64> {
    match v {
        Yaml::Int(i) => Some(*i as f64),
        Yaml::Float(f) => Some(*f),
        Yaml::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses `10.0.0.0/8`, `fe80::/10`, or a bare address (a host network).
pub fn parse_cidr(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    if let Ok(n) = s.parse::<ipnet::IpNet>() {
        return Some(n.trunc());
    }
    s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from)
}

/// A compiled search, and how many references to it are still to be resolved: the last one
/// takes it, the others copy it.
type SearchUse<'n> = (&'n str, Option<Expr>, u32);

/// Counts, per search, the references the condition makes to it.
fn count_refs(c: &Cond, searches: &mut [SearchUse]) {
    match c {
        Cond::And(items) | Cond::Or(items) => items.iter().for_each(|i| count_refs(i, searches)),
        Cond::Not(inner) => count_refs(inner, searches),
        Cond::Ident(name) => searches.iter_mut().filter(|s| s.0 == name).for_each(|s| s.2 += 1),
        Cond::OneOf(pat) | Cond::AllOf(pat) => {
            searches.iter_mut().filter(|s| ident_matches(pat, s.0)).for_each(|s| s.2 += 1)
        }
    }
}

/// One reference to a search: the search itself when no other reference is left.
fn use_search(s: &mut SearchUse) -> Expr {
    s.2 = s.2.saturating_sub(1);
    let copy = if s.2 == 0 { s.1.take() } else { s.1.clone() };
    // Counted beforehand, so a search is never asked for after its last reference took it.
    copy.unwrap_or(Expr::Const(false))
}

/// Replaces identifiers in a condition with the compiled searches (counted by `count_refs`).
fn resolve(c: &Cond, searches: &mut [SearchUse]) -> Result<Expr, String> {
    Ok(match c {
        Cond::And(items) => Expr::And(items.iter().map(|i| resolve(i, searches)).collect::<Result<_, _>>()?),
        Cond::Or(items) => Expr::Or(items.iter().map(|i| resolve(i, searches)).collect::<Result<_, _>>()?),
        Cond::Not(inner) => Expr::Not(Box::new(resolve(inner, searches)?)),
        Cond::Ident(name) => searches
            .iter_mut()
            .find(|s| s.0 == name)
            .map(use_search)
            .ok_or_else(|| format!("condition refers to '{name}', which is not defined in detection"))?,
        Cond::OneOf(pat) | Cond::AllOf(pat) => {
            let hits: Vec<Expr> = searches.iter_mut().filter(|s| ident_matches(pat, s.0)).map(use_search).collect();
            if hits.is_empty() {
                return Err(format!("'{pat}' in the condition matches no search identifier"));
            }
            if matches!(c, Cond::OneOf(_)) {
                Expr::or(hits)
            } else {
                Expr::and(hits)
            }
        }
    })
}
