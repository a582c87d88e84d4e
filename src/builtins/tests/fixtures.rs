//! Shorthands for the builtin unit tests.

use crate::builtins::{BuiltinError, Context, lookup};
use crate::value::Value;
use chrono::NaiveDate;

/// Calls builtin `name` through [`crate::builtins::Builtin::call`] with the examples' context.
pub(crate) fn call(name: &str, args: &[Value]) -> Result<Value, BuiltinError> {
    let builtin = lookup(name).unwrap_or_else(|| panic!("no builtin `{name}`"));
    builtin.call(args, &Context::for_examples())
}

/// Calls and unwraps.
pub(crate) fn ok(name: &str, args: &[Value]) -> Value {
    call(name, args).unwrap_or_else(|e| panic!("{name}({args:?}) failed: {e}"))
}

/// Calls and returns the error message.
pub(crate) fn err(name: &str, args: &[Value]) -> String {
    match call(name, args) {
        Ok(v) => panic!("{name}({args:?}) should fail, gave {v:?}"),
        Err(e) => e.message,
    }
}

/// A text value.
pub(crate) fn t(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A date value.
pub(crate) fn d(y: i32, m: u32, day: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(y, m, day).unwrap())
}

/// A list of texts.
pub(crate) fn texts(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| t(s)).collect())
}
