//! Reading a field of a record as the type its slot declares. The one place where source
//! data (JSON values, CSV text) becomes language values.

use crate::check::program::FieldSlot;
use crate::records::{Fields, FlatValue};
use crate::types::Type;
use crate::value::Value;
use chrono::DateTime;
use serde_json::Value as Json;

/// Why a field could not be read (span-free; the evaluator names the statement).
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// Declared without `?` but empty.
    Empty,
    /// Present but not of the declared type.
    Invalid(String),
}

/// A value found in a record: text (borrowed from the record, or from the file it is read
/// from) or any other JSON value.
#[derive(Debug, Clone, Copy)]
enum Raw<'r> {
    Text(&'r str),
    Json(&'r Json),
}

impl<'r> Raw<'r> {
    fn of(json: &'r Json) -> Raw<'r> {
        match json {
            Json::String(s) => Raw::Text(s),
            other => Raw::Json(other),
        }
    }
}

/// Looks a dotted path up in a record.
pub fn lookup<'r>(record: &'r serde_json::Map<String, Json>, path: &[String]) -> Option<&'r Json> {
    let (first, rest) = path.split_first()?;
    let current = first_field(record, first)?;
    nested(current, rest)
}

/// A top-level field of a record read whole.
fn first_field<'r>(record: &'r serde_json::Map<String, Json>, name: &str) -> Option<&'r Json> {
    // serde_json's map hashes keys with SipHash; for the dozen fields of a typical HR record,
    // comparing the keys in order is several times cheaper than hashing one.
    if record.len() <= 24 {
        record.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    } else {
        record.get(name)
    }
}

/// The value at `path` under `json`.
fn nested<'r>(mut current: &'r Json, path: &[String]) -> Option<&'r Json> {
    for segment in path {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

/// Looks a dotted path up in a record, seen either way.
fn lookup_raw<'r>(record: Fields<'r>, path: &[String]) -> Option<Raw<'r>> {
    match record {
        Fields::Map(map) => lookup(map, path).map(Raw::of),
        Fields::Flat(fields) => {
            let (first, rest) = path.split_first()?;
            let (_, value) = fields.iter().find(|(k, _)| k == first)?;
            match (value, rest.is_empty()) {
                (FlatValue::Text(text), true) => Some(Raw::Text(text)),
                (FlatValue::Text(_), false) => None,
                (FlatValue::Json(json), _) => nested(json, rest).map(Raw::of),
            }
        }
    }
}

/// Whether a record has a value for the slot's field: not missing, null, blank text, or an
/// empty list or object. A value of the wrong type counts: it arrived (and is quarantined).
pub fn is_filled(record: Fields<'_>, slot: &FieldSlot) -> bool {
    match lookup_raw(record, &slot.path) {
        None | Some(Raw::Json(Json::Null)) => false,
        Some(Raw::Text(text)) => !text.trim().is_empty(),
        Some(Raw::Json(Json::Array(items))) => !items.is_empty(),
        Some(Raw::Json(Json::Object(fields))) => !fields.is_empty(),
        Some(Raw::Json(_)) => true,
    }
}

/// Reads the slot's field from a record as a typed value.
pub fn read_field(record: Fields<'_>, slot: &FieldSlot) -> Result<Value, ReadError> {
    let raw = lookup_raw(record, &slot.path);
    // Text read as text, most of any record's fields, is made where it is returned: through
    // `convert` and the checks after it, a value was copied on the stack several times, each
    // copy waiting for the one before to land (a fifth of evaluating a Flex record).
    if let (Some(Raw::Text(text)), Type::Text) = (raw, slot.ty.base()) {
        return match text_value(text) {
            Value::Empty if !slot.ty.is_optional() => Err(ReadError::Empty),
            value => Ok(value),
        };
    }
    let value = match raw {
        None | Some(Raw::Json(Json::Null)) => Value::Empty,
        Some(raw) => convert(raw, slot.ty.base(), &slot.formats)?,
    };
    if value.is_empty() && !slot.ty.is_optional() {
        return Err(ReadError::Empty);
    }
    Ok(value)
}

/// Text as a text value: blank text is empty.
fn text_value(text: &str) -> Value {
    if text.trim().is_empty() {
        Value::Empty
    } else {
        Value::Text(text.to_owned())
    }
}

fn convert(raw: Raw<'_>, ty: &Type, formats: &[String]) -> Result<Value, ReadError> {
    match ty {
        Type::Text => match raw {
            Raw::Text(s) => Ok(text_value(s)),
            // Numbers and booleans written out are never blank.
            Raw::Json(Json::Number(n)) => Ok(Value::Text(n.to_string())),
            Raw::Json(Json::Bool(b)) => Ok(Value::Text(b.to_string())),
            other => Err(ReadError::Invalid(format!(
                "expected text, found {}",
                describe(other)
            ))),
        },
        Type::Int => match raw {
            Raw::Json(Json::Number(n)) => n
                .as_i64()
                .map(Value::Int)
                .ok_or_else(|| ReadError::Invalid(format!("`{n}` is not a whole number"))),
            Raw::Text(s) if s.trim().is_empty() => Ok(Value::Empty),
            Raw::Text(s) => s
                .trim()
                .parse()
                .map(Value::Int)
                .map_err(|_| ReadError::Invalid(format!("`{s}` is not a whole number"))),
            other => Err(ReadError::Invalid(format!(
                "expected a whole number, found {}",
                describe(other)
            ))),
        },
        Type::Decimal => match raw {
            Raw::Json(Json::Number(n)) => n
                .as_f64()
                .map(Value::Decimal)
                .ok_or_else(|| ReadError::Invalid(format!("`{n}` is not a number"))),
            Raw::Text(s) if s.trim().is_empty() => Ok(Value::Empty),
            // Swedish and German exports write decimals with a comma.
            Raw::Text(s) => s
                .trim()
                .replace(',', ".")
                .parse()
                .map(Value::Decimal)
                .map_err(|_| ReadError::Invalid(format!("`{s}` is not a number"))),
            other => Err(ReadError::Invalid(format!(
                "expected a number, found {}",
                describe(other)
            ))),
        },
        Type::Bool => match raw {
            Raw::Json(Json::Bool(b)) => Ok(Value::Bool(*b)),
            Raw::Text(s) => match s.trim().to_lowercase().as_str() {
                "" => Ok(Value::Empty),
                "true" | "1" | "yes" | "ja" => Ok(Value::Bool(true)),
                "false" | "0" | "no" | "nej" => Ok(Value::Bool(false)),
                _ => Err(ReadError::Invalid(format!("`{s}` is not true or false"))),
            },
            Raw::Json(Json::Number(n)) if n.as_i64() == Some(1) => Ok(Value::Bool(true)),
            Raw::Json(Json::Number(n)) if n.as_i64() == Some(0) => Ok(Value::Bool(false)),
            other => Err(ReadError::Invalid(format!(
                "expected true or false, found {}",
                describe(other)
            ))),
        },
        Type::Date => match raw {
            Raw::Text(s) if s.trim().is_empty() => Ok(Value::Empty),
            Raw::Text(s) => crate::dates::parse_date(s.trim(), formats)
                .map(Value::Date)
                .map_err(ReadError::Invalid),
            other => Err(ReadError::Invalid(format!(
                "expected a date, found {}",
                describe(other)
            ))),
        },
        Type::DateTime => match raw {
            Raw::Text(s) if s.trim().is_empty() => Ok(Value::Empty),
            Raw::Text(s) => parse_datetime(s.trim(), formats).map(Value::DateTime),
            other => Err(ReadError::Invalid(format!(
                "expected a date and time, found {}",
                describe(other)
            ))),
        },
        Type::List(inner) => match raw {
            Raw::Json(Json::Array(items)) => items
                .iter()
                .map(|i| convert(Raw::of(i), inner, formats))
                .collect::<Result<_, _>>()
                .map(Value::List),
            // Personio tags arrive as one comma-separated string.
            Raw::Text(s) => s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| convert(Raw::Text(p), inner, formats))
                .collect::<Result<_, _>>()
                .map(Value::List),
            other => Err(ReadError::Invalid(format!(
                "expected a list, found {}",
                describe(other)
            ))),
        },
        Type::Optional(inner) => convert(raw, inner, formats),
        Type::Enum(_) | Type::Object | Type::Error => Err(ReadError::Invalid(
            "this field cannot be read directly".into(),
        )),
    }
}

fn parse_datetime(s: &str, formats: &[String]) -> Result<DateTime<chrono::FixedOffset>, ReadError> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt);
    }
    for f in formats {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return Ok(dt);
        }
    }
    Err(ReadError::Invalid(format!(
        "`{s}` is not a date and time (RFC 3339 or {})",
        crate::dates::quoted_list(formats)
    )))
}

fn describe(raw: Raw<'_>) -> &'static str {
    let Raw::Json(json) = raw else {
        return "text";
    };
    match json {
        Json::Null => "nothing",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde_json::json;

    fn slot(path: &str, ty: Type, formats: &[&str]) -> FieldSlot {
        FieldSlot {
            path: path.split('.').map(String::from).collect(),
            ty,
            formats: formats.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn rec(v: serde_json::Value) -> serde_json::Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn personio_datetime_takes_the_date_as_written() {
        let r = rec(json!({"hire_date": "2014-11-09T00:00:00+01:00"}));
        assert_eq!(
            read_field(
                Fields::Map(&r),
                &slot("hire_date", Type::Date.optional(), &[])
            ),
            Ok(Value::Date(NaiveDate::from_ymd_opt(2014, 11, 9).unwrap()))
        );
    }

    #[test]
    fn declared_formats_and_their_errors() {
        let r = rec(json!({"Född": "31.01.1990", "Bad": "1990-31-01"}));
        let ok = read_field(Fields::Map(&r), &slot("Född", Type::Date, &["%d.%m.%Y"]));
        assert_eq!(
            ok,
            Ok(Value::Date(NaiveDate::from_ymd_opt(1990, 1, 31).unwrap()))
        );
        let bad = read_field(Fields::Map(&r), &slot("Bad", Type::Date, &["%d.%m.%Y"]));
        assert!(matches!(bad, Err(ReadError::Invalid(m)) if m.contains("%d.%m.%Y")));
    }

    #[test]
    fn empty_required_field_is_an_error_but_optional_is_empty() {
        let r = rec(json!({"A": "", "B": null, "C": " \t", "D": " x "}));
        assert_eq!(
            read_field(Fields::Map(&r), &slot("A", Type::Text, &[])),
            Err(ReadError::Empty)
        );
        // Blank is empty; other text is read as it is, spaces and all.
        assert_eq!(
            read_field(Fields::Map(&r), &slot("C", Type::Text, &[])),
            Err(ReadError::Empty)
        );
        assert_eq!(
            read_field(Fields::Map(&r), &slot("C", Type::Text.optional(), &[])),
            Ok(Value::Empty)
        );
        assert_eq!(
            read_field(Fields::Map(&r), &slot("D", Type::Text, &[])),
            Ok(Value::Text(" x ".into()))
        );
        assert_eq!(
            read_field(Fields::Map(&r), &slot("B", Type::Text.optional(), &[])),
            Ok(Value::Empty)
        );
        assert_eq!(
            read_field(
                Fields::Map(&r),
                &slot("Missing", Type::Text.optional(), &[])
            ),
            Ok(Value::Empty)
        );
    }

    #[test]
    fn nested_paths_numbers_as_text_and_tags() {
        let r = rec(json!({"id": 4711, "department": {"name": "Sales"}, "tags": "a, b"}));
        assert_eq!(
            read_field(Fields::Map(&r), &slot("id", Type::Text, &[])),
            Ok(Value::Text("4711".into()))
        );
        assert_eq!(
            read_field(Fields::Map(&r), &slot("department.name", Type::Text, &[])),
            Ok(Value::Text("Sales".into()))
        );
        assert_eq!(
            read_field(
                Fields::Map(&r),
                &slot("tags", Type::List(Box::new(Type::Text)), &[])
            ),
            Ok(Value::List(vec![
                Value::Text("a".into()),
                Value::Text("b".into())
            ]))
        );
    }
}
