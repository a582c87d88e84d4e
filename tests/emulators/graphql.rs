//! Just enough GraphQL for the Worknice emulator: one operation, fields with arguments and
//! selection sets, variables. No fragments, aliases or directives (the connector uses none).

use serde_json::{Map, Value};

/// A field of a selection set.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field name.
    pub name: String,
    /// Arguments, variables already substituted.
    pub args: Vec<(String, Value)>,
    /// Sub-selection; empty for a leaf.
    pub selection: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Punct(char),
    Str(String),
    Num(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' {
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Name(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() || c == '-' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push(Token::Num(chars[start..i].iter().collect()));
        } else if c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            out.push(Token::Str(
                chars[start..i.min(chars.len())].iter().collect(),
            ));
            i += 1;
        } else if "{}()[]:$!=".contains(c) {
            out.push(Token::Punct(c));
            i += 1;
        } else {
            return Err(format!("Syntax Error: Unexpected character \"{c}\"."));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    variables: &'a Map<String, Value>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Result<Token, String> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or("Syntax Error: Unexpected <EOF>.")?;
        self.pos += 1;
        Ok(t)
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next()? {
            Token::Punct(p) if p == c => Ok(()),
            other => Err(format!("Syntax Error: Expected \"{c}\", found {other:?}.")),
        }
    }

    fn selection(&mut self) -> Result<Vec<Field>, String> {
        self.expect('{')?;
        let mut fields = Vec::new();
        loop {
            match self.next()? {
                Token::Punct('}') => return Ok(fields),
                Token::Name(name) => {
                    let mut args = Vec::new();
                    if self.peek() == Some(&Token::Punct('(')) {
                        self.next()?;
                        while self.peek() != Some(&Token::Punct(')')) {
                            let Token::Name(arg) = self.next()? else {
                                return Err("Syntax Error: Expected Name.".into());
                            };
                            self.expect(':')?;
                            args.push((arg, self.value()?));
                        }
                        self.next()?;
                    }
                    let selection = if self.peek() == Some(&Token::Punct('{')) {
                        self.selection()?
                    } else {
                        Vec::new()
                    };
                    fields.push(Field {
                        name,
                        args,
                        selection,
                    });
                }
                other => return Err(format!("Syntax Error: Unexpected {other:?}.")),
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next()? {
            Token::Punct('$') => match self.next()? {
                Token::Name(var) => Ok(self.variables.get(&var).cloned().unwrap_or(Value::Null)),
                _ => Err("Syntax Error: Expected Name.".into()),
            },
            Token::Name(n) if n == "true" => Ok(Value::Bool(true)),
            Token::Name(n) if n == "false" => Ok(Value::Bool(false)),
            Token::Name(n) if n == "null" => Ok(Value::Null),
            Token::Name(n) => Ok(Value::String(n)), // an enum value
            Token::Str(s) => Ok(Value::String(s)),
            Token::Num(n) => Ok(serde_json::from_str(&n).unwrap_or(Value::Null)),
            Token::Punct('[') => {
                let mut items = Vec::new();
                while self.peek() != Some(&Token::Punct(']')) {
                    items.push(self.value()?);
                }
                self.next()?;
                Ok(Value::Array(items))
            }
            other => Err(format!("Syntax Error: Unexpected {other:?}.")),
        }
    }
}

/// The root selection of a query document (`query Name($v: T) { … }` or `{ … }`).
pub fn parse(query: &str, variables: &Map<String, Value>) -> Result<Vec<Field>, String> {
    let mut p = Parser {
        tokens: tokens(query)?,
        pos: 0,
        variables,
    };
    if let Some(Token::Name(keyword)) = p.peek().cloned() {
        if keyword != "query" {
            return Err(format!("Syntax Error: Unexpected Name \"{keyword}\"."));
        }
        p.next()?;
        if let Some(Token::Name(_)) = p.peek() {
            p.next()?;
        }
        if p.peek() == Some(&Token::Punct('(')) {
            // Variable definitions: their types are not checked.
            while p.next()? != Token::Punct(')') {}
        }
    }
    let root = p.selection()?;
    if p.pos != p.tokens.len() {
        return Err("Syntax Error: Unexpected text after the operation.".into());
    }
    Ok(root)
}

/// `value` cut down to `selection` (absent fields are null, as GraphQL resolves them here).
pub fn project(value: &Value, selection: &[Field]) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|i| project(i, selection)).collect()),
        Value::Object(map) if !selection.is_empty() => Value::Object(
            selection
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        map.get(&f.name)
                            .map_or(Value::Null, |v| project(v, &f.selection)),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
