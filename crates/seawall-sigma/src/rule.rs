//! Sigma documents as parsed from YAML: detection rules, correlation rules and filters, with the
//! metadata kept for output. No evaluation logic lives here.

use std::sync::Arc;

use seawall_core::Level;

use crate::yaml::Yaml;

/// `logsource` of a rule, lower-cased for matching against the mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LogSource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl LogSource {
    pub fn from_yaml(y: Option<&Yaml>) -> LogSource {
        let get = |k: &str| y.and_then(|m| m.get(k)).and_then(|v| v.scalar_text()).map(|s| s.to_lowercase());
        LogSource { product: get("product"), category: get("category"), service: get("service") }
    }
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [("product", &self.product), ("category", &self.category), ("service", &self.service)]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// Metadata every Sigma document may carry.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: Option<String>,
    pub name: Option<String>,
    pub title: String,
    pub level: Option<Level>,
    pub status: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub falsepositives: Vec<String>,
    pub references: Vec<String>,
    pub file: Arc<str>,
    pub line: usize,
}

impl RuleMeta {
    /// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, upper-cased.
    pub fn attack_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack.").map(str::to_string))
            .filter(|t| {
                t.len() > 1 && (t.starts_with('t') || t.starts_with('T')) && t[1..2].chars().all(|c| c.is_ascii_digit())
            })
            .map(|t| t.to_uppercase())
            .collect();
        ids.dedup();
        ids
    }
    /// The id when present, else the name, else the title: what findings call the rule.
    pub fn key(&self) -> &str {
        self.id.as_deref().or(self.name.as_deref()).unwrap_or(&self.title)
    }
}

/// The `detection` section of a rule: named search identifiers and the condition.
#[derive(Debug, Clone)]
pub struct Detection {
    pub searches: Vec<(String, Yaml)>,
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DetectionRule {
    pub meta: RuleMeta,
    pub logsource: LogSource,
    pub detection: Detection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValueMin,
    ValueMax,
    ValuePercentile,
    ValueMedian,
}

impl CorrelationType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "event_count" => Self::EventCount,
            "value_count" => Self::ValueCount,
            "temporal" => Self::Temporal,
            "temporal_ordered" => Self::TemporalOrdered,
            "value_sum" => Self::ValueSum,
            "value_avg" => Self::ValueAvg,
            "value_min" => Self::ValueMin,
            "value_max" => Self::ValueMax,
            "value_percentile" => Self::ValuePercentile,
            "value_median" => Self::ValueMedian,
            _ => return None,
        })
    }
    pub fn needs_field(self) -> bool {
        !matches!(self, Self::EventCount | Self::Temporal | Self::TemporalOrdered)
    }
}

/// One comparison of a correlation condition (`gte: 10`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl CmpOp {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "eq" => Self::Eq,
            "neq" => Self::Neq,
            _ => return None,
        })
    }
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Gt => a > b,
            Self::Gte => a >= b,
            Self::Lt => a < b,
            Self::Lte => a <= b,
            Self::Eq => a == b,
            Self::Neq => a != b,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CorrelationRule {
    pub meta: RuleMeta,
    pub kind: CorrelationType,
    /// Referenced rules by id or name.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan_secs: u64,
    /// All comparisons must hold (a range is written as two).
    pub condition: Vec<(CmpOp, f64)>,
    pub field: Option<String>,
    /// For value_percentile: which percentile.
    pub percentile: Option<f64>,
    /// alias name -> (rule name -> field)
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    pub generate: bool,
}

/// A Sigma filter (meta filter): extra exclusions applied to other rules.
#[derive(Debug, Clone)]
pub struct FilterRule {
    pub meta: RuleMeta,
    pub logsource: LogSource,
    /// Rules the filter applies to, by id or name; `None` means `any`.
    pub rules: Option<Vec<String>>,
    pub detection: Detection,
}

#[derive(Debug, Clone)]
pub enum SigmaDocument {
    Detection(DetectionRule),
    Correlation(CorrelationRule),
    Filter(FilterRule),
}

impl SigmaDocument {
    pub fn meta(&self) -> &RuleMeta {
        match self {
            SigmaDocument::Detection(r) => &r.meta,
            SigmaDocument::Correlation(r) => &r.meta,
            SigmaDocument::Filter(r) => &r.meta,
        }
    }
}

/// Parses a timespan such as `90m`, `1h`, `2d`, `30s` (also `1w`, `1M`, `1y` used in the wild).
pub fn parse_timespan(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "M" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    Some(n * mult)
}

/// Builds a typed document from a YAML map. Errors name the property at fault.
/// The document is consumed: its detection's searches move into the rule rather than being
/// copied (rules are loaded by the thousand).
pub fn parse_document(mut y: Yaml, file: &Arc<str>, line: usize) -> Result<SigmaDocument, String> {
    if y.as_map().is_none() {
        return Err(format!("a rule must be a YAML mapping, found a {}", y.kind()));
    }
    let meta = parse_meta(&y, file, line)?;
    if let Some(c) = y.get("correlation") {
        return parse_correlation(meta, c).map(SigmaDocument::Correlation);
    }
    if let Some(f) = take(&mut y, "filter") {
        let logsource = LogSource::from_yaml(y.get("logsource"));
        let rules = match f.get("rules") {
            None => return Err("filter: missing 'rules'".into()),
            Some(Yaml::Str(s)) if s == "any" => None,
            Some(r) => Some(r.string_list().ok_or("filter.rules must be a list of rule ids or names")?),
        };
        let detection = parse_detection(f)?;
        return Ok(SigmaDocument::Filter(FilterRule { meta, logsource, rules, detection }));
    }
    let det = take(&mut y, "detection").ok_or("missing 'detection' section")?;
    let detection = parse_detection(det)?;
    let logsource = LogSource::from_yaml(y.get("logsource"));
    if y.get("logsource").is_none() {
        return Err("missing 'logsource' section".into());
    }
    Ok(SigmaDocument::Detection(DetectionRule { meta, logsource, detection }))
}

/// Takes a key's value out of a mapping.
fn take(y: &mut Yaml, key: &str) -> Option<Yaml> {
    let Yaml::Map(m) = y else { return None };
    let at = m.iter().position(|(k, _)| k == key)?;
    Some(m.remove(at).1)
}

fn parse_meta(y: &Yaml, file: &Arc<str>, line: usize) -> Result<RuleMeta, String> {
    let text = |k: &str| y.get(k).and_then(Yaml::scalar_text);
    let title = text("title").ok_or("missing 'title'")?;
    let level = match y.get("level") {
        None | Some(Yaml::Null) => None,
        Some(v) => {
            let s = v.scalar_text().ok_or("'level' must be a string")?;
            Some(s.parse::<Level>().map_err(|e| e.to_string())?)
        }
    };
    let list = |k: &str| y.get(k).and_then(Yaml::string_list).unwrap_or_default();
    Ok(RuleMeta {
        id: text("id"),
        name: text("name"),
        title,
        level,
        status: text("status"),
        author: text("author"),
        tags: list("tags").into_iter().map(|t| t.to_lowercase()).collect(),
        description: text("description"),
        falsepositives: list("falsepositives"),
        references: list("references"),
        file: file.clone(),
        line,
    })
}

fn parse_detection(det: Yaml) -> Result<Detection, String> {
    let Yaml::Map(map) = det else { return Err("'detection' must be a mapping".into()) };
    let mut searches = Vec::new();
    let mut conditions = Vec::new();
    for (k, v) in map {
        match k.as_str() {
            "condition" => match v {
                Yaml::Str(s) => conditions.push(s),
                Yaml::Seq(items) => {
                    for i in items {
                        match i {
                            Yaml::Str(s) => conditions.push(s),
                            _ => return Err("condition list items must be strings".into()),
                        }
                    }
                }
                other => return Err(format!("condition must be a string, found a {}", other.kind())),
            },
            "timeframe" => {}
            _ => searches.push((k, v)),
        }
    }
    if conditions.is_empty() {
        return Err("detection has no 'condition'".into());
    }
    Ok(Detection { searches, conditions })
}

fn parse_correlation(meta: RuleMeta, c: &Yaml) -> Result<CorrelationRule, String> {
    let ty = c.get("type").and_then(Yaml::as_str).ok_or("correlation: missing 'type'")?;
    let kind = CorrelationType::parse(ty).ok_or_else(|| format!("correlation: unknown type '{ty}'"))?;
    let rules = c.get("rules").and_then(Yaml::string_list).ok_or("correlation: missing 'rules'")?;
    if rules.is_empty() {
        return Err("correlation: 'rules' is empty".into());
    }
    let group_by = match c.get("group-by") {
        None | Some(Yaml::Null) => Vec::new(),
        Some(g) => g.string_list().ok_or("correlation: 'group-by' must be a list of field names")?,
    };
    let span = c
        .get("timespan")
        .or_else(|| c.get("timeframe"))
        .and_then(Yaml::scalar_text)
        .ok_or("correlation: missing 'timespan'")?;
    let timespan_secs = parse_timespan(&span).ok_or_else(|| format!("correlation: bad timespan '{span}'"))?;
    let mut condition = Vec::new();
    let mut field = None;
    let mut percentile = None;
    match c.get("condition") {
        Some(Yaml::Map(m)) => {
            for (k, v) in m {
                match k.as_str() {
                    "field" => field = v.scalar_text(),
                    "percentile" => percentile = num(v),
                    op => {
                        let op = CmpOp::parse(op)
                            .ok_or_else(|| format!("correlation: unknown condition operator '{op}'"))?;
                        let n =
                            num(v).ok_or_else(|| format!("correlation: condition value for {k} must be a number"))?;
                        condition.push((op, n));
                    }
                }
            }
        }
        None if matches!(kind, CorrelationType::Temporal | CorrelationType::TemporalOrdered) => {}
        _ => return Err("correlation: 'condition' must be a mapping such as {gte: 10}".into()),
    }
    if matches!(kind, CorrelationType::Temporal | CorrelationType::TemporalOrdered) && condition.is_empty() {
        // Default: every referenced rule must have fired.
        condition.push((CmpOp::Gte, rules.len() as f64));
    }
    if condition.is_empty() {
        return Err("correlation: condition has no comparison".into());
    }
    if kind.needs_field() && field.is_none() {
        return Err(format!("correlation: type {ty} needs 'field' in its condition"));
    }
    let mut aliases = Vec::new();
    if let Some(a) = c.get("aliases") {
        for (alias, m) in a.as_map().ok_or("correlation: 'aliases' must be a mapping")? {
            let per_rule = m
                .as_map()
                .ok_or("correlation: each alias must map rule names to fields")?
                .iter()
                .map(|(r, f)| f.scalar_text().map(|f| (r.clone(), f)).ok_or("alias field must be a string"))
                .collect::<Result<Vec<_>, _>>()?;
            aliases.push((alias.clone(), per_rule));
        }
    }
    let generate = matches!(c.get("generate"), Some(Yaml::Bool(true)));
    Ok(CorrelationRule { meta, kind, rules, group_by, timespan_secs, condition, field, percentile, aliases, generate })
}

fn num(v: &Yaml) -> Option<f64> {
    match v {
        Yaml::Int(i) => Some(*i as f64),
        Yaml::Float(f) => Some(*f),
        Yaml::Str(s) => s.parse().ok(),
        _ => None,
    }
}
