//! JSON numbers keep the text they are written with (issue 21, item 23): an ID written as a
//! number, `12345678901234567890123` or `1e3`, must not become `1.2345678901234568e+22` or
//! `1000.0`. serde_json keeps a number as an `i64`, `u64` or `f64`, so a number whose value
//! would print back differently is kept as a string of its exact text instead: as text it
//! is read exactly as written, and as a whole number or a decimal it reads as before
//! (`"1e3"` as a decimal is 1000; `12345678901234567890123` is no whole number either way).
//!
//! (serde_json's `arbitrary_precision` would do this for every number, but it changes how
//! all of serde reads numbers, and broke reading the internally tagged journal lines back.)
//!
//! The cost is one scan of each record's bytes for number tokens outside strings; only a
//! record holding a number that would not print back the same is parsed a second time.

use indexmap::IndexMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Whether the JSON `record` (one object's text) may hold a number that serde_json would not
/// print back as written: a long or `-0` integer, or any decimal or exponent (checked again,
/// exactly, by [`exact_object`]).
pub(super) fn has_inexact_number(record: &[u8]) -> bool {
    let mut i = 0;
    while i < record.len() {
        match record[i] {
            b'"' => i = string_end(record, i + 1),
            b'-' | b'0'..=b'9' => {
                let end = number_end(record, i);
                if !prints_back(&record[i..end]) {
                    return true;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    false
}

/// The index after the closing quote of the string whose text starts at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
        i += 1;
    }
    i
}

/// Whether the number token prints back as written once read: an integer in `i64`/`u64`
/// (not `-0`), or a decimal that is the shortest text of its `f64`.
fn prints_back(token: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(token) else {
        return false;
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // At most 18 digits always fits; longer ones are checked.
        return text != "-0"
            && (digits.len() <= 18 || text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok());
    }
    // A decimal or exponent: parsed again below with Rust's (correctly rounded) parser, so
    // the test cannot disagree with the value that is kept.
    false
}

/// The number token as a value: the number when it prints back as written, else its text.
pub(super) fn number(text: &str) -> Value {
    if prints_back(text.as_bytes()) {
        if let Ok(n) = text.parse::<i64>() {
            return Value::from(n);
        }
        if let Ok(n) = text.parse::<u64>() {
            return Value::from(n);
        }
    }
    if let Some(n) = text
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .filter(|n| n.to_string() == text)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// The record object `text` (already read once, so well-formed and without a key twice),
/// with every number that would not print back as written kept as its text, at any depth.
pub(super) fn exact_object(text: &str) -> Result<Map<String, Value>, serde_json::Error> {
    let entries: IndexMap<String, &RawValue> = serde_json::from_str(text)?;
    entries
        .into_iter()
        .map(|(k, v)| exact_value(v).map(|v| (k, v)))
        .collect()
}

fn exact_value(raw: &RawValue) -> Result<Value, serde_json::Error> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => Ok(number(text)),
        Some(b'{') => exact_object(text).map(Value::Object),
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            items
                .into_iter()
                .map(exact_value)
                .collect::<Result<_, _>>()
                .map(Value::Array)
        }
        _ => serde_json::from_str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_numbers_that_would_change() {
        assert!(!has_inexact_number(
            br#"{"a": 12, "b": "1e3", "c": -7, "d": [1, 2]}"#
        ));
        assert!(!has_inexact_number(
            br#"{"a\"": "x\\", "n": 123456789012345678}"#
        ));
        for n in ["1e3", "1.50", "-0", "12345678901234567890123", "0.1", "1.5"] {
            let text = format!(r#"{{"x": "1", "n": {n}}}"#);
            assert!(has_inexact_number(text.as_bytes()), "{n}");
        }
    }

    #[test]
    fn keeps_the_text_of_numbers_that_would_change() {
        let text = r#"{"a": 1e3, "b": 1.5, "c": 12345678901234567890123, "d": {"e": [1.50, 7]}, "f": "s", "g": null, "h": 18446744073709551615}"#;
        let map = exact_object(text).unwrap();
        assert_eq!(map["a"], Value::String("1e3".into()));
        assert_eq!(map["b"], serde_json::json!(1.5));
        assert_eq!(map["c"], Value::String("12345678901234567890123".into()));
        assert_eq!(map["d"]["e"][0], Value::String("1.50".into()));
        assert_eq!(map["d"]["e"][1], serde_json::json!(7));
        assert_eq!(map["f"], serde_json::json!("s"));
        assert_eq!(map["g"], Value::Null);
        assert_eq!(map["h"], serde_json::json!(18446744073709551615u64));
        let keys: Vec<&String> = map.keys().collect();
        assert_eq!(keys, ["a", "b", "c", "d", "f", "g", "h"], "file order");
    }
}
