//! Runs every builtin example with a tiny reader for literals and nested calls, so a wrong
//! example fails here already. The full parse → check → eval run lives with the interpreter;
//! this one also checks each example's types against the signatures.

use crate::builtins::{BUILTINS, Context, lookup};
use crate::types::Type;
use crate::value::Value;
use chrono::NaiveDate;

/// A reader for the subset of wtmap the examples use: text without escapes, ints, decimals,
/// dates, booleans, lists and calls.
struct Reader<'a> {
    rest: &'a str,
}

impl<'a> Reader<'a> {
    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let end = self.rest.find(|c| !f(c)).unwrap_or(self.rest.len());
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        taken
    }

    /// An expression: its value and static type.
    fn expr(&mut self) -> (Value, Type) {
        self.skip_ws();
        if self.eat("\"") {
            let s = self.take_while(|c| c != '"');
            assert!(!s.contains('\\'), "examples must not need escapes: {s}");
            assert!(self.eat("\""));
            return (Value::Text(s.to_owned()), Type::Text);
        }
        if self.eat("[") {
            let mut items = Vec::new();
            let mut element = Type::Error;
            while !self.eat("]") {
                let (v, t) = self.expr();
                items.push(v);
                element = t;
                let _ = self.eat(",");
            }
            return (Value::List(items), Type::List(Box::new(element)));
        }
        let word = self.take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if let Ok(d) = NaiveDate::parse_from_str(word, "%Y-%m-%d") {
            return (Value::Date(d), Type::Date);
        }
        if let Ok(n) = word.parse::<i64>() {
            return (Value::Int(n), Type::Int);
        }
        if let Ok(n) = word.parse::<f64>() {
            return (Value::Decimal(n), Type::Decimal);
        }
        match word {
            "true" => return (Value::Bool(true), Type::Bool),
            "false" => return (Value::Bool(false), Type::Bool),
            _ => {}
        }
        let builtin = lookup(word).unwrap_or_else(|| panic!("unknown builtin `{word}`"));
        assert!(self.eat("("), "expected `(` after `{word}`");
        let (mut values, mut types) = (Vec::new(), Vec::new());
        while !self.eat(")") {
            let (v, t) = self.expr();
            values.push(v);
            types.push(t);
            let _ = self.eat(",");
        }
        let ty = builtin
            .result_type(&types)
            .unwrap_or_else(|e| panic!("`{word}`: {e}"));
        for (i, p) in builtin.params.iter().enumerate() {
            if let (Some(validate), Some(Value::Text(lit))) = (p.literal, values.get(i)) {
                validate(lit).unwrap_or_else(|e| panic!("`{word}` literal: {e}"));
            }
        }
        let value = builtin
            .call(&values, &Context::for_examples())
            .unwrap_or_else(|e| panic!("`{word}`: {e}"));
        (value, ty)
    }
}

fn read(source: &str) -> (Value, Type) {
    let mut reader = Reader { rest: source };
    let out = reader.expr();
    reader.skip_ws();
    assert!(
        reader.rest.is_empty(),
        "trailing input `{}` in `{source}`",
        reader.rest
    );
    out
}

#[test]
fn every_example_gives_its_result() {
    for b in BUILTINS.iter().filter(|b| !b.config_only) {
        for ex in b.examples {
            let (got, ty) = read(ex.call);
            let (want, want_ty) = read(ex.result);
            assert_eq!(got, want, "{}: `{}`", b.name, ex.call);
            assert!(
                want_ty.is_assignable_to(&ty),
                "{}: `{}` has type {ty}, result {want_ty}",
                b.name,
                ex.call
            );
        }
    }
}
