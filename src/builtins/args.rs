//! Typed access to a builtin's arguments.
//!
//! The checker has already matched every argument against its parameter, so a mismatch here
//! is a bug in the interpreter or checker. It is reported as an error (quarantining the record)
//! rather than a panic, because a sync must never crash half-way.

use super::BuiltinError;
use crate::value::Value;
use chrono::NaiveDate;

fn mismatch(index: usize, expected: &str, got: Option<&Value>) -> BuiltinError {
    let got = match got {
        None => "nothing".to_owned(),
        Some(v) => format!("`{v}`"),
    };
    BuiltinError::new(format!(
        "internal error: argument {} should be {expected}, got {got}",
        index + 1
    ))
    .with_hint("this is a bug in wtmap; please report it with the mapping")
}

/// Argument `i` as text.
pub(crate) fn text(args: &[Value], i: usize) -> Result<&str, BuiltinError> {
    match args.get(i) {
        Some(Value::Text(s)) => Ok(s),
        other => Err(mismatch(i, "text", other)),
    }
}

/// Argument `i` as text, or `None` when it was left out (a parameter with a default).
pub(crate) fn opt_text(args: &[Value], i: usize) -> Result<Option<&str>, BuiltinError> {
    match args.get(i) {
        None => Ok(None),
        Some(_) => text(args, i).map(Some),
    }
}

/// Argument `i` as an integer.
pub(crate) fn int(args: &[Value], i: usize) -> Result<i64, BuiltinError> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        other => Err(mismatch(i, "an int", other)),
    }
}

/// Argument `i` as an integer, or `None` when it was left out.
pub(crate) fn opt_int(args: &[Value], i: usize) -> Result<Option<i64>, BuiltinError> {
    match args.get(i) {
        None => Ok(None),
        Some(_) => int(args, i).map(Some),
    }
}

/// Argument `i` as a date.
pub(crate) fn date(args: &[Value], i: usize) -> Result<NaiveDate, BuiltinError> {
    match args.get(i) {
        Some(Value::Date(d)) => Ok(*d),
        other => Err(mismatch(i, "a date", other)),
    }
}

/// Argument `i` as a list.
pub(crate) fn list(args: &[Value], i: usize) -> Result<&[Value], BuiltinError> {
    match args.get(i) {
        Some(Value::List(items)) => Ok(items),
        other => Err(mismatch(i, "a list", other)),
    }
}

/// Argument `i`, whatever it is.
pub(crate) fn any(args: &[Value], i: usize) -> Result<&Value, BuiltinError> {
    args.get(i).ok_or_else(|| mismatch(i, "a value", None))
}
