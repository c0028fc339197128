//! The Sigma condition language: `and`, `or`, `not`, parentheses, `1 of x*`, `all of them`.

/// A parsed condition, still naming search identifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Ident(String),
    /// `1 of` / `all of` a pattern (`them` = all identifiers not starting with `_`).
    OneOf(String),
    AllOf(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LParen,
    RParen,
    And,
    Or,
    Not,
    OneOf,
    AllOf,
    Word(String),
    Pipe,
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let words: Vec<String> = {
        let mut ws = Vec::new();
        let mut cur = String::new();
        for c in s.chars() {
            match c {
                '(' | ')' | '|' => {
                    if !cur.is_empty() {
                        ws.push(std::mem::take(&mut cur));
                    }
                    ws.push(c.to_string());
                }
                c if c.is_whitespace() => {
                    if !cur.is_empty() {
                        ws.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            ws.push(cur);
        }
        ws
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let lower = w.to_lowercase();
        let tok = match lower.as_str() {
            "(" => Token::LParen,
            ")" => Token::RParen,
            "|" => Token::Pipe,
            "and" => Token::And,
            "or" => Token::Or,
            "not" => Token::Not,
            "1" | "any" | "all" if words.get(i + 1).map(|n| n.eq_ignore_ascii_case("of")) == Some(true) => {
                i += 1;
                if lower == "all" {
                    Token::AllOf
                } else {
                    Token::OneOf
                }
            }
            _ => Token::Word(w.clone()),
        };
        out.push(tok);
        i += 1;
    }
    Ok(out)
}

/// Parses a condition string. Precedence: `not` > `and` > `or`.
pub fn parse_condition(s: &str) -> Result<Cond, String> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err("empty condition".into());
    }
    if toks.contains(&Token::Pipe) {
        return Err(
            "condition uses the Sigma v1 aggregation syntax ('| count() ...'), which Sigma v2 replaced with correlation rules"
                .into(),
        );
    }
    let mut p = Parser { toks, pos: 0 };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected '{}' in condition", p.describe(p.pos)));
    }
    Ok(c)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn describe(&self, i: usize) -> String {
        match self.toks.get(i) {
            Some(Token::LParen) => "(".into(),
            Some(Token::RParen) => ")".into(),
            Some(Token::And) => "and".into(),
            Some(Token::Or) => "or".into(),
            Some(Token::Not) => "not".into(),
            Some(Token::OneOf) => "1 of".into(),
            Some(Token::AllOf) => "all of".into(),
            Some(Token::Pipe) => "|".into(),
            Some(Token::Word(w)) => w.clone(),
            None => "end of condition".into(),
        }
    }
    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while self.toks.get(self.pos) == Some(&Token::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
    }
    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.not()?];
        while self.toks.get(self.pos) == Some(&Token::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
    }
    fn not(&mut self) -> Result<Cond, String> {
        if self.toks.get(self.pos) == Some(&Token::Not) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Cond, String> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match t {
            Some(Token::LParen) => {
                let c = self.or()?;
                if self.toks.get(self.pos) != Some(&Token::RParen) {
                    return Err(format!("expected ')' but found '{}'", self.describe(self.pos)));
                }
                self.pos += 1;
                Ok(c)
            }
            Some(Token::OneOf) | Some(Token::AllOf) => {
                let target = match self.toks.get(self.pos) {
                    Some(Token::Word(w)) => w.clone(),
                    _ => {
                        return Err(format!(
                            "expected an identifier pattern after 'of', found '{}'",
                            self.describe(self.pos)
                        ))
                    }
                };
                self.pos += 1;
                Ok(if t == Some(Token::OneOf) { Cond::OneOf(target) } else { Cond::AllOf(target) })
            }
            Some(Token::Word(w)) => Ok(Cond::Ident(w)),
            _ => Err(format!("unexpected '{}' in condition", self.describe(self.pos - 1))),
        }
    }
}

/// Does a search identifier match a `1 of` pattern (`*` wildcards; `them` means all but `_x`)?
pub fn ident_matches(pattern: &str, ident: &str) -> bool {
    if pattern == "them" {
        return !ident.starts_with('_');
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == ident;
    }
    let mut rest = ident;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(pos) => rest = &rest[pos + p.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Cond {
        Cond::Ident(s.into())
    }

    #[test]
    fn precedence_not_and_or() {
        let c = parse_condition("a or b and not c").unwrap();
        assert_eq!(c, Cond::Or(vec![id("a"), Cond::And(vec![id("b"), Cond::Not(Box::new(id("c")))])]));
        let c = parse_condition("(a or b) and c").unwrap();
        assert_eq!(c, Cond::And(vec![Cond::Or(vec![id("a"), id("b")]), id("c")]));
    }

    #[test]
    fn quantifiers() {
        let c = parse_condition("1 of selection_* and not all of filter*").unwrap();
        assert_eq!(
            c,
            Cond::And(vec![Cond::OneOf("selection_*".into()), Cond::Not(Box::new(Cond::AllOf("filter*".into())))])
        );
        assert_eq!(parse_condition("all of them").unwrap(), Cond::AllOf("them".into()));
        assert!(ident_matches("sel*", "selection"));
        assert!(ident_matches("*_img", "sel_img"));
        assert!(!ident_matches("sel*", "filter"));
        assert!(ident_matches("them", "x") && !ident_matches("them", "_x"));
    }

    #[test]
    fn errors() {
        assert!(parse_condition("selection | count() > 5").unwrap_err().contains("v1 aggregation"));
        assert!(parse_condition("(a or b").is_err());
        assert!(parse_condition("a and").is_err());
        assert!(parse_condition("a b").is_err());
    }
}
