//! The STIX 2.1 patterning language (section 9): parsing into [`Pattern`], with the rules the
//! OASIS validator adds to the grammar (one qualifier of each kind per observation, hash values
//! that fit their algorithm).

mod inspect;
mod lexer;

pub use inspect::{inspect, Inspection};

pub(crate) use lexer::{base64, hex};
use lexer::{lex, Kw, Tok, Token};

/// A pattern error and where it is (byte offset into the pattern).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at position {position}: {message}")]
pub struct PatternError {
    pub position: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Timestamp(String),
    Binary(Vec<u8>),
    Hex(Vec<u8>),
}

/// One step of an object path after the object type.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    Key(String),
    Index(i64),
    AnyIndex,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPath {
    pub object_type: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// `raw` is the right-hand side as written, tokens joined without spaces (`(1,2,3)`).
    Test {
        path: ObjectPath,
        negated: bool,
        op: CompareOp,
        value: Literal,
        set: Vec<Literal>,
        raw: String,
    },
    /// `EXISTS path`, or `NOT EXISTS path` when `negated`.
    Exists {
        path: ObjectPath,
        negated: bool,
    },
    And(Vec<Comparison>),
    Or(Vec<Comparison>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    Within(f64),
    Repeats(i64),
    StartStop(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    Simple(Comparison),
    And(Vec<Observation>),
    Or(Vec<Observation>),
    FollowedBy(Vec<Observation>),
    /// The qualifier and its text as written (`WITHIN 5 SECONDS`).
    Qualified(Box<Observation>, Qualifier, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub root: Observation,
}

struct Parser<'s> {
    toks: Vec<Token<'s>>,
    i: usize,
    /// Apply the validator's rules beyond the grammar (duplicate qualifiers, hash values).
    strict: bool,
}

fn describe(t: &Token) -> String {
    if matches!(t.tok, Tok::Eof) {
        "the end of the pattern".into()
    } else {
        format!("'{}'", t.text)
    }
}

impl<'s> Parser<'s> {
    fn peek(&self) -> &Token<'s> {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }
    /// Moves past the current token and hands it over. Tokens are read once, in order: its
    /// payload is moved out rather than copied (the text stays for error messages and raw
    /// values), except at the end, which is handed out again each time.
    fn next(&mut self) -> Token<'s> {
        let last = self.toks.len() - 1;
        let i = self.i.min(last);
        if i < last {
            self.i += 1;
            let t = &mut self.toks[i];
            Token { tok: std::mem::replace(&mut t.tok, Tok::Eof), pos: t.pos, text: t.text }
        } else {
            self.toks[i].clone()
        }
    }
    fn is_kw(&self, kw: Kw) -> bool {
        matches!(self.peek().tok, Tok::Kw(k) if k == kw)
    }
    fn fail<T>(&self, expected: &str) -> Result<T, PatternError> {
        let t = self.peek();
        Err(PatternError { position: t.pos, message: format!("expected {expected}, found {}", describe(t)) })
    }
    /// The next token if it is `tok` (a token without a value), else an error.
    fn expect(&mut self, tok: Tok, name: &str) -> Result<Token<'s>, PatternError> {
        if std::mem::discriminant(&self.peek().tok) == std::mem::discriminant(&tok) {
            Ok(self.next())
        } else {
            self.fail(name)
        }
    }

    /// `item (kw item)*`: one item as itself, two or more joined (a list is only made then).
    fn chain<T>(
        &mut self,
        kw: Kw,
        item: fn(&mut Self) -> Result<T, PatternError>,
        join: fn(Vec<T>) -> T,
    ) -> Result<T, PatternError> {
        let first = item(self)?;
        if !self.is_kw(kw) {
            return Ok(first);
        }
        // Room for a few operands, allocated once.
        let mut items = Vec::with_capacity(4);
        items.push(first);
        while self.is_kw(kw) {
            self.next();
            items.push(item(self)?);
        }
        Ok(join(items))
    }

    // observationExpressions: FOLLOWEDBY binds loosest, then OR, then AND.
    fn followed_by(&mut self) -> Result<Observation, PatternError> {
        self.chain(Kw::FollowedBy, Self::obs_or, Observation::FollowedBy)
    }

    fn obs_or(&mut self) -> Result<Observation, PatternError> {
        self.chain(Kw::Or, Self::obs_and, Observation::Or)
    }

    fn obs_and(&mut self) -> Result<Observation, PatternError> {
        self.chain(Kw::And, Self::observation, Observation::And)
    }

    fn observation(&mut self) -> Result<Observation, PatternError> {
        // The validator refuses a repeated qualifier kind on a bracketed observation; on a
        // parenthesised one it accepts it (and so does Seawall, applying both).
        let simple = matches!(self.peek().tok, Tok::LBrack);
        let mut obs = match self.peek().tok {
            Tok::LBrack => {
                self.next();
                let c = self.cmp_or()?;
                self.expect(Tok::RBrack, "']'")?;
                Observation::Simple(c)
            }
            Tok::LParen => {
                self.next();
                let o = self.followed_by()?;
                self.expect(Tok::RParen, "')'")?;
                o
            }
            _ => return self.fail("'[' or '('"),
        };
        // Qualifiers: any order.
        let mut seen: Vec<&str> = Vec::new();
        loop {
            let pos = self.peek().pos;
            let start_tok = self.i;
            let (kind, q) = if self.is_kw(Kw::Within) {
                self.next();
                let t = self.next();
                let secs = match t.tok {
                    Tok::IntPos(n) => n as f64,
                    Tok::FloatPos(f) => f,
                    _ => {
                        return Err(PatternError {
                            position: t.pos,
                            message: format!("expected a positive number of seconds, found {}", describe(&t)),
                        })
                    }
                };
                if !self.is_kw(Kw::Seconds) {
                    return self.fail("'SECONDS'");
                }
                self.next();
                ("WITHIN", Qualifier::Within(secs))
            } else if self.is_kw(Kw::Repeats) {
                self.next();
                let t = self.next();
                let Tok::IntPos(n) = t.tok else {
                    return Err(PatternError {
                        position: t.pos,
                        message: format!("expected a positive integer, found {}", describe(&t)),
                    });
                };
                if !self.is_kw(Kw::Times) {
                    return self.fail("'TIMES'");
                }
                self.next();
                ("REPEATS", Qualifier::Repeats(n))
            } else if self.is_kw(Kw::Start) {
                self.next();
                let Tok::Timestamp(a) = self.peek().tok.clone() else { return self.fail("a timestamp literal") };
                self.next();
                if !self.is_kw(Kw::Stop) {
                    return self.fail("'STOP'");
                }
                self.next();
                let Tok::Timestamp(b) = self.peek().tok.clone() else { return self.fail("a timestamp literal") };
                self.next();
                ("STARTSTOP", Qualifier::StartStop(a, b))
            } else {
                break;
            };
            if self.strict && simple && seen.contains(&kind) {
                return Err(PatternError { position: pos, message: format!("duplicate qualifier type: {kind}") });
            }
            seen.push(kind);
            let text = self.toks[start_tok..self.i].iter().map(|t| t.text).collect::<Vec<_>>().join(" ");
            obs = Observation::Qualified(Box::new(obs), q, text);
        }
        Ok(obs)
    }

    fn cmp_or(&mut self) -> Result<Comparison, PatternError> {
        self.chain(Kw::Or, Self::cmp_and, Comparison::Or)
    }

    fn cmp_and(&mut self) -> Result<Comparison, PatternError> {
        self.chain(Kw::And, Self::prop_test, Comparison::And)
    }

    fn prop_test(&mut self) -> Result<Comparison, PatternError> {
        if matches!(self.peek().tok, Tok::LParen) {
            self.next();
            let c = self.cmp_or()?;
            self.expect(Tok::RParen, "')'")?;
            return Ok(c);
        }
        let not_exists =
            self.is_kw(Kw::Not) && matches!(self.toks.get(self.i + 1), Some(t) if matches!(t.tok, Tok::Kw(Kw::Exists)));
        if not_exists {
            self.next();
        }
        if self.is_kw(Kw::Exists) {
            self.next();
            return Ok(Comparison::Exists { path: self.object_path()?, negated: not_exists });
        }
        let path = self.object_path()?;
        let negated = self.is_kw(Kw::Not);
        if negated {
            self.next();
        }
        let op_tok = self.next();
        let op = match op_tok.tok {
            Tok::Eq => CompareOp::Eq,
            Tok::Neq => CompareOp::Neq,
            Tok::Lt => CompareOp::Lt,
            Tok::Le => CompareOp::Le,
            Tok::Gt => CompareOp::Gt,
            Tok::Ge => CompareOp::Ge,
            Tok::Kw(Kw::In) => CompareOp::In,
            Tok::Kw(Kw::Like) => CompareOp::Like,
            Tok::Kw(Kw::Matches) => CompareOp::Matches,
            Tok::Kw(Kw::IsSubset) => CompareOp::IsSubset,
            Tok::Kw(Kw::IsSuperset) => CompareOp::IsSuperset,
            _ => {
                return Err(PatternError {
                    position: op_tok.pos,
                    message: format!("expected a comparison operator, found {}", describe(&op_tok)),
                })
            }
        };
        let mut set = Vec::new();
        let value_start = self.i;
        let value = match op {
            CompareOp::In => {
                self.expect(Tok::LParen, "'('")?;
                if !matches!(self.peek().tok, Tok::RParen) {
                    loop {
                        set.push(self.primitive(true)?);
                        if matches!(self.peek().tok, Tok::Comma) {
                            self.next();
                        } else {
                            break;
                        }
                    }
                }
                self.expect(Tok::RParen, "')'")?;
                Literal::Bool(false)
            }
            CompareOp::Like | CompareOp::Matches | CompareOp::IsSubset | CompareOp::IsSuperset => {
                let t = self.next();
                let Tok::Str(s) = t.tok else {
                    return Err(PatternError {
                        position: t.pos,
                        message: format!("expected a string literal, found {}", describe(&t)),
                    });
                };
                Literal::Str(s)
            }
            CompareOp::Eq | CompareOp::Neq => self.primitive(true)?,
            _ => self.primitive(false)?,
        };
        if self.strict {
            if let Some(msg) = hash_problem(&path, op, &value) {
                return Err(PatternError { position: op_tok.pos, message: msg });
            }
        }
        let raw = self.toks[value_start..self.i].iter().map(|t| t.text).collect();
        Ok(Comparison::Test { path, negated, op, value, set, raw })
    }

    fn primitive(&mut self, bool_ok: bool) -> Result<Literal, PatternError> {
        let t = self.next();
        Ok(match t.tok {
            Tok::IntPos(n) | Tok::IntNeg(n) => Literal::Int(n),
            Tok::FloatPos(f) | Tok::FloatNeg(f) => Literal::Float(f),
            Tok::Str(s) => Literal::Str(s),
            Tok::Timestamp(s) => Literal::Timestamp(s),
            Tok::Binary(b) => Literal::Binary(b),
            Tok::Hex(h) => Literal::Hex(h),
            Tok::Bool(b) if bool_ok => Literal::Bool(b),
            _ => {
                return Err(PatternError {
                    position: t.pos,
                    message: format!("expected a literal, found {}", describe(&t)),
                })
            }
        })
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let t = self.next();
        let Tok::Ident { name: object_type, .. } = t.tok else {
            return Err(PatternError {
                position: t.pos,
                message: format!("expected an object type, found {}", describe(&t)),
            });
        };
        self.expect(Tok::Colon, "':' after the object type")?;
        // Most paths have one to three steps: room for three, allocated once.
        let mut steps = Vec::with_capacity(3);
        steps.push(self.key("a property name")?);
        loop {
            match self.peek().tok {
                Tok::Dot => {
                    self.next();
                    steps.push(self.key("a property name after '.'")?);
                }
                Tok::LBrack => {
                    self.next();
                    let t = self.next();
                    steps.push(match t.tok {
                        Tok::IntPos(n) | Tok::IntNeg(n) => PathStep::Index(n),
                        Tok::Star => PathStep::AnyIndex,
                        _ => {
                            return Err(PatternError {
                                position: t.pos,
                                message: format!("expected a list index or '*', found {}", describe(&t)),
                            })
                        }
                    });
                    self.expect(Tok::RBrack, "']'")?;
                }
                _ => break,
            }
        }
        Ok(ObjectPath { object_type, steps })
    }

    fn key(&mut self, what: &str) -> Result<PathStep, PatternError> {
        let t = self.next();
        match t.tok {
            Tok::Ident { name, hyphen: false } => Ok(PathStep::Key(name)),
            Tok::Str(s) => Ok(PathStep::Key(s)),
            Tok::Ident { hyphen: true, .. } => Err(PatternError {
                position: t.pos,
                message: format!("property names with '-' must be quoted: '{}'", t.text),
            }),
            _ => Err(PatternError { position: t.pos, message: format!("expected {what}, found {}", describe(&t)) }),
        }
    }
}

/// Hash values must fit their algorithm (as the OASIS validator checks).
fn hash_problem(path: &ObjectPath, op: CompareOp, value: &Literal) -> Option<String> {
    if !matches!(op, CompareOp::Eq | CompareOp::Neq) {
        return None;
    }
    let n = path.steps.len();
    if n < 2 || path.steps[n - 2] != PathStep::Key("hashes".into()) {
        return None;
    }
    let (PathStep::Key(alg), Literal::Str(v)) = (&path.steps[n - 1], value) else { return None };
    let hex_len = match alg.to_ascii_uppercase().replace('_', "-").as_str() {
        "MD5" => 32,
        "SHA-1" | "SHA1" => 40,
        "SHA-224" | "SHA3-224" => 56,
        "SHA-256" | "SHA256" | "SHA3-256" => 64,
        "SHA-384" | "SHA3-384" => 96,
        "SHA-512" | "SHA512" | "SHA3-512" => 128,
        _ => return None,
    };
    (v.len() != hex_len || !v.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("'{v}' is not a valid {alg} hash"))
}

/// Parses a STIX 2.1 pattern and applies the validator's rules (one qualifier of each kind on
/// a bracketed observation, hash values that fit their algorithm).
pub fn parse_pattern(src: &str) -> Result<Pattern, PatternError> {
    parse(src, true)
}

/// Parses by the grammar alone.
pub fn parse_pattern_syntax(src: &str) -> Result<Pattern, PatternError> {
    parse(src, false)
}

fn parse(src: &str, strict: bool) -> Result<Pattern, PatternError> {
    let toks = lex(src)?;
    let mut p = Parser { toks, i: 0, strict };
    let root = p.followed_by()?;
    if !matches!(p.peek().tok, Tok::Eof) {
        return p.fail("the end of the pattern");
    }
    Ok(Pattern { root })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_with_positions() {
        let p = parse_pattern("([a:b = 1] AND [c:d[*].'e-f' != 'x']) FOLLOWEDBY [g:h > 2] WITHIN 5 SECONDS").unwrap();
        assert!(matches!(p.root, Observation::FollowedBy(_)));
        let e = parse_pattern("[file:size = ]").unwrap_err();
        assert_eq!(e.position, 13);
        let e = parse_pattern("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        assert!(parse_pattern("[file:hashes.'SHA-256' = 'f00']").is_err());
        assert!(parse_pattern("[some-type:needs-quotes = 1]").is_err());
        assert!(parse_pattern("[x:y NOT IN ('a', 1, true)]").is_ok());
        assert!(parse_pattern("[x:y = true]").is_ok());
        assert!(parse_pattern("[x:y > true]").is_err());
    }
}
