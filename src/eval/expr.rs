//! Evaluating checked expressions over one record. Pure: no spans, no I/O; errors are
//! span-free and the record evaluator says which statement failed.

use super::read::{ReadError, read_field};
use crate::builtins::Context;
use crate::check::program::{CArm, CExpr, Program};
use crate::diagnostics::Code;
use crate::records::Fields;
use crate::syntax::ast::BinOp;
use crate::value::Value;
use std::cmp::Ordering;

/// Why an expression failed for a record.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// `E0401`…
    pub code: Code,
    /// What went wrong.
    pub message: String,
}

/// One record under evaluation.
pub struct Scope<'a> {
    /// The program.
    pub program: &'a Program,
    /// The record's fields.
    pub record: Fields<'a>,
    /// Clock and other context for builtins.
    pub ctx: &'a Context,
}

impl Scope<'_> {
    /// Evaluates an expression.
    pub fn eval(&self, e: &CExpr) -> Result<Value, EvalError> {
        match e {
            CExpr::Literal(v) => Ok(v.clone()),
            CExpr::Field(id) => {
                let slot = &self.program.fields[*id];
                read_field(self.record, slot).map_err(|err| match err {
                    ReadError::Empty => EvalError {
                        code: Code::FieldEmpty,
                        message: format!(
                            "field `{}` is empty, but is declared `{}`",
                            slot.dotted(),
                            slot.ty
                        ),
                    },
                    ReadError::Invalid(why) => EvalError {
                        code: Code::FieldInvalid,
                        message: format!("field `{}`: {why}", slot.dotted()),
                    },
                })
            }
            CExpr::Today => Ok(Value::Date(self.ctx.today)),
            CExpr::Call { builtin, args } => {
                // Most calls take one or two arguments (`lower(trim(x))`): no Vec for those.
                let result = match args.as_slice() {
                    [a] => builtin.call(&[self.eval(a)?], self.ctx),
                    [a, b] => builtin.call(&[self.eval(a)?, self.eval(b)?], self.ctx),
                    _ => {
                        let values = args
                            .iter()
                            .map(|a| self.eval(a))
                            .collect::<Result<Vec<_>, _>>()?;
                        builtin.call(&values, self.ctx)
                    }
                };
                result.map_err(|err| EvalError {
                    code: Code::FunctionFailed,
                    message: match err.hint {
                        Some(h) => format!("`{}`: {} ({h})", builtin.name, err.message),
                        None => format!("`{}`: {}", builtin.name, err.message),
                    },
                })
            }
            CExpr::Not(inner) => Ok(Value::Bool(!truthy(&self.eval(inner)?))),
            CExpr::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            CExpr::IsEmpty { expr, negated } => {
                Ok(Value::Bool(self.eval(expr)?.is_empty() != *negated))
            }
            CExpr::In {
                expr,
                list,
                negated,
            } => {
                let v = self.eval(expr)?;
                let mut found = false;
                for item in list {
                    if equal(&v, &self.eval(item)?) {
                        found = true;
                        break;
                    }
                }
                Ok(Value::Bool(found != *negated))
            }
            CExpr::If {
                cond,
                then,
                otherwise,
            } => {
                if truthy(&self.eval(cond)?) {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
            CExpr::Map { scrutinee, arms } => {
                let v = self.eval(scrutinee)?;
                match select_arm(&v, arms) {
                    Some(arm) => self.eval(&arm.result),
                    None => Err(EvalError {
                        code: Code::FunctionFailed,
                        message: format!("no value-map arm matches `{v}`"),
                    }),
                }
            }
            CExpr::List(items) => items
                .iter()
                .map(|i| self.eval(i))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
        }
    }

    fn binary(&self, op: BinOp, lhs: &CExpr, rhs: &CExpr) -> Result<Value, EvalError> {
        let l = self.eval(lhs)?;
        let result = match op {
            BinOp::And => truthy(&l) && truthy(&self.eval(rhs)?),
            BinOp::Or => truthy(&l) || truthy(&self.eval(rhs)?),
            BinOp::Coalesce => return if l.is_empty() { self.eval(rhs) } else { Ok(l) },
            BinOp::Eq => equal(&l, &self.eval(rhs)?),
            BinOp::Ne => !equal(&l, &self.eval(rhs)?),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let r = self.eval(rhs)?;
                // Ordering with an empty side is false: "end date before today" does not hold
                // for someone without an end date.
                match compare(&l, &r) {
                    None => false,
                    Some(ord) => match op {
                        BinOp::Lt => ord == Ordering::Less,
                        BinOp::Le => ord != Ordering::Greater,
                        BinOp::Gt => ord == Ordering::Greater,
                        _ => ord != Ordering::Less,
                    },
                }
            }
        };
        Ok(Value::Bool(result))
    }
}

/// The first arm whose pattern matches; `_` matches everything, including empty.
pub fn select_arm<'a>(v: &Value, arms: &'a [CArm]) -> Option<&'a CArm> {
    arms.iter().find(|arm| {
        arm.patterns.iter().any(|p| match p {
            None => true,
            Some(pattern) => {
                !v.is_empty() && (equal(v, pattern) || pattern_text_matches(v, pattern))
            }
        })
    })
}

/// Number patterns match text values of the same digits (`1` matches Flex's `"1"`).
fn pattern_text_matches(v: &Value, pattern: &Value) -> bool {
    let (Value::Text(text), Value::Int(n)) = (v, pattern) else {
        return false;
    };
    // Compared as written out, without allocating: value maps run for every record.
    text.as_str() == itoa::Buffer::new().format(*n)
}

fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// Equality: empty equals only empty; numbers compare by value.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Decimal(y)) | (Value::Decimal(y), Value::Int(x)) => {
            (*x as f64) == *y
        }
        (x, y) if x.is_empty() && y.is_empty() => true,
        (x, y) => x == y,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Decimal(x), Value::Decimal(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Decimal(y)) => (*x as f64).partial_cmp(y),
        (Value::Decimal(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::DateTime(y)) => Some(x.cmp(&y.date_naive())),
        (Value::DateTime(x), Value::Date(y)) => Some(x.date_naive().cmp(y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_patterns_match_text_of_the_same_digits_only() {
        let text = |s: &str| Value::Text(s.to_string());
        for (t, n, expected) in [
            ("1", 1, true),
            ("2", 1, false),
            ("10", 1, false),
            ("01", 1, false),
            (" 1", 1, false),
            ("0", 0, true),
            ("-0", 0, false),
            ("-7", -7, true),
            ("7", -7, false),
            ("-7", 7, false),
            ("9223372036854775807", i64::MAX, true),
            ("-9223372036854775808", i64::MIN, true),
            ("", 0, false),
        ] {
            assert_eq!(
                pattern_text_matches(&text(t), &Value::Int(n)),
                expected,
                "{t:?} vs {n}"
            );
            // The same as comparing with the number written out.
            assert_eq!(t == n.to_string(), expected, "{t:?} vs {n}");
        }
        assert!(!pattern_text_matches(&Value::Int(1), &Value::Int(1)));
    }
}
