//! A record of a shape whose keys are PascalCase (Flex's, [`KeyCase::Pascal`]) and that needs no
//! other normalisation, seen as it is read, for a plan over a big export: its fields in a
//! list, keys made PascalCase, text borrowed from the file wherever it has no escapes. Nothing is hashed
//! and most of it is not copied; the record is gone once the evaluator has read it. A record
//! read whole is this list made a map ([`PascalRecord::into_map`]).
//!
//! [`KeyCase::Pascal`]: super::KeyCase::Pascal

use super::FlatValue;
use super::shape::pascal_case;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

/// About how many fields an HR record has (a Flex employee has this many).
const USUAL_FIELDS: usize = 16;

/// A record's fields in file order, keys PascalCase and unique.
pub(super) struct PascalRecord<'a> {
    /// The fields.
    pub fields: Vec<(Cow<'a, str>, FlatValue<'a>)>,
    /// The first field that two keys became (`emailWork` and `EmailWork` are `EmailWork`).
    pub clash: Option<String>,
    /// Whether a value may be a number that would not print back as written (exact.rs): a
    /// number serde_json read as an `f64` (a decimal, an exponent, `-0`, or an integer too
    /// long for 64 bits), or a list or object, whose numbers are not looked at here.
    pub may_be_inexact: bool,
}

impl PascalRecord<'_> {
    /// The fields as a record read whole holds them.
    pub(super) fn into_map(self) -> Map<String, Value> {
        self.fields
            .into_iter()
            .map(|(key, value)| {
                let value = match value {
                    FlatValue::Text(text) => Value::String(text.into_owned()),
                    FlatValue::Json(json) => json,
                };
                (key.into_owned(), value)
            })
            .collect()
    }
}

impl<'de> Deserialize<'de> for PascalRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = PascalRecord<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut fields: Vec<(Cow<'de, str>, FlatValue<'de>)> =
            Vec::with_capacity(access.size_hint().unwrap_or(USUAL_FIELDS));
        let mut clash = None;
        let may_be_inexact = Cell::new(false);
        while let Some(key) = access.next_key_seed(Text)? {
            let key = pascal(key);
            let value = access.next_value_seed(Field(&may_be_inexact))?;
            // A dozen short keys: comparing them is cheaper than hashing.
            if fields.iter().any(|(k, _)| *k == key) {
                clash.get_or_insert_with(|| key.into_owned());
            } else {
                fields.push((key, value));
            }
        }
        Ok(PascalRecord {
            fields,
            clash,
            may_be_inexact: may_be_inexact.get(),
        })
    }
}

/// The key made PascalCase (`emailWork` → `EmailWork`), still borrowed when it already was.
fn pascal(key: Cow<'_, str>) -> Cow<'_, str> {
    match key.chars().next() {
        Some(first) if first.is_lowercase() => Cow::Owned(pascal_case(&key)),
        _ => key,
    }
}

/// Text, borrowed from the input when serde_json can lend it (no escapes in it).
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}

/// A field's value: text as [`FlatValue::Text`], anything else as the `serde_json::Value`
/// reading it whole gives. Sets the cell when the value may be an inexact number (see
/// [`PascalRecord::may_be_inexact`]): then the record is scanned for one, which a 100k-record
/// file of text and integers no longer is (the scan was ~3% of a plan's CPU time).
struct Field<'f>(&'f Cell<bool>);

impl<'de> DeserializeSeed<'de> for Field<'_> {
    type Value = FlatValue<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(FieldVisitor(self.0))
    }
}

struct FieldVisitor<'f>(&'f Cell<bool>);

impl<'de> Visitor<'de> for FieldVisitor<'_> {
    type Value = FlatValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(FlatValue::Text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(FlatValue::Text(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(FlatValue::Text(Cow::Owned(s)))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(FlatValue::Json(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(FlatValue::Json(Value::from(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(FlatValue::Json(Value::from(n)))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        // serde_json reads a whole number in 64 bits as one, other than `-0`.
        self.0.set(true);
        // As serde_json's own `Value` does: a float it cannot hold is null.
        Ok(FlatValue::Json(Value::from(n)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(FlatValue::Json(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(FlatValue::Json(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.set(true);
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(FlatValue::Json)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.set(true);
        Value::deserialize(MapAccessDeserializer::new(map)).map(FlatValue::Json)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{flex, with_known};
    use super::*;

    /// The record read as a list and made a map, and its clash.
    fn read(text: &str) -> (Map<String, Value>, Option<String>) {
        let flat: PascalRecord = serde_json::from_str(text).expect("flat");
        let clash = flat.clash.clone();
        (flat.into_map(), clash)
    }

    #[test]
    fn a_flat_record_holds_what_a_whole_map_holds() {
        let text = r#"{"emailWork": "a@b", "Id": "1", "ärende": 2, "_x": 3.5, "N": null,
            "B": true, "Big": 18446744073709551615, "Neg": -7, "Esc": "line\nbreak \"q\"",
            "Nested": {"Name": "Sales", "L": [1, "x", {"y": null}]}, "List": ["a", "b"]}"#;
        let (flat, clash) = read(text);
        assert_eq!(clash, None);
        // The other Flex reader (CSV, YAML): serde_json's map, keys made PascalCase after.
        let whole = serde_json::from_str::<Map<String, Value>>(text).expect("whole");
        assert_eq!(with_known(flex()).normalise(whole).ok(), Some(flat.clone()));
        assert_eq!(
            flat.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "EmailWork",
                "Id",
                "Ärende",
                "_x",
                "N",
                "B",
                "Big",
                "Neg",
                "Esc",
                "Nested",
                "List"
            ]
        );
    }

    #[test]
    fn text_without_escapes_is_borrowed_and_clashes_are_found() {
        let flat: PascalRecord =
            serde_json::from_str(r#"{"EmailWork": "a@b", "esc": "a\"b"}"#).expect("flat");
        assert!(matches!(flat.fields[0].0, Cow::Borrowed("EmailWork")));
        assert!(matches!(
            flat.fields[0].1,
            FlatValue::Text(Cow::Borrowed("a@b"))
        ));
        assert!(matches!(flat.fields[1].0, Cow::Owned(_)), "made PascalCase");
        assert!(
            matches!(flat.fields[1].1, FlatValue::Text(Cow::Owned(_))),
            "unescaped"
        );
        for (text, field, first) in [
            (r#"{"EmailWork": "a", "emailWork": "b"}"#, "EmailWork", "a"),
            (r#"{"Id": "1", "Id": "2"}"#, "Id", "1"),
        ] {
            let (flat, clash) = read(text);
            assert_eq!(clash.as_deref(), Some(field), "{text}");
            assert_eq!(flat.len(), 1, "{text}");
            assert_eq!(flat[field], first, "the first spelling is kept: {text}");
        }
    }

    /// A JSON number token: integers around the 64-bit limits, `-0`, decimals, exponents.
    fn number_token() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            Just("-0".to_owned()),
            Just("0".to_owned()),
            Just("-9223372036854775808".to_owned()),
            Just("-9223372036854775809".to_owned()),
            Just("18446744073709551616".to_owned()),
            "-?[1-9][0-9]{17,22}",
            "-?(0|[1-9][0-9]{0,4})\\.[0-9]{1,4}",
            "-?[1-9][0-9]{0,3}[eE][+-]?[0-9]{1,2}",
        ]
    }

    /// A value of a record field: text (with escapes), a number, a literal, or a list.
    fn field_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            // JSON text, escapes included (`\\`, `\"`).
            r#""([a-z0-9 -]|\\\\|\\"){0,6}""#,
            number_token(),
            Just("null".to_owned()),
            Just("true".to_owned()),
            proptest::collection::vec(number_token(), 0..3)
                .prop_map(|n| format!("[{}]", n.join(", "))),
        ]
    }

    proptest::proptest! {
        /// The scan for inexact numbers is skipped only where it would find none: a record
        /// not marked holds no number that would print back differently.
        #[test]
        fn a_record_not_marked_holds_no_inexact_number(
            values in proptest::collection::vec(field_value(), 0..6),
        ) {
            let fields: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(n, v)| format!("\"F{n}\": {v}"))
                .collect();
            let text = format!("{{{}}}", fields.join(", "));
            let flat: PascalRecord = serde_json::from_str(&text).expect("a record");
            let inexact = super::super::exact::has_inexact_number(text.as_bytes());
            proptest::prop_assert!(flat.may_be_inexact || !inexact, "{}", text);
        }
    }

    #[test]
    fn decimals_long_integers_minus_zero_and_lists_are_marked() {
        for value in ["1.5", "1e3", "-0", "12345678901234567890123", "[1]", "{}"] {
            let text = format!(r#"{{"Id": "1", "N": {value}}}"#);
            let flat: PascalRecord = serde_json::from_str(&text).expect("flat");
            assert!(flat.may_be_inexact, "{value}");
        }
        for value in [
            "1",
            "-7",
            "18446744073709551615",
            "-9223372036854775808",
            "null",
            "\"x\"",
        ] {
            let text = format!(r#"{{"Id": "1", "N": {value}}}"#);
            let flat: PascalRecord = serde_json::from_str(&text).expect("flat");
            assert!(!flat.may_be_inexact, "{value}");
        }
    }
}
