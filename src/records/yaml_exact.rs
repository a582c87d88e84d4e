//! YAML numbers keep the text they are written with (issue 21, item 23), as JSON numbers do
//! (see `exact`): an ID written `12345678901234567890123`, `1e3`, `0x10` or `1.50` must not
//! become `1.2345678901234568e+22`, `1000.0`, `16` or `1.5`, and `.nan` must not become
//! nothing.
//!
//! serde_yaml_ng hands a visitor only the number (`u64`, `i128`, `f64`, …), never its text,
//! but it hands any scalar's text to `deserialize_str`. So the document is read twice: first
//! into JSON values, which gives the shape (numbers it cannot hold become placeholders); then
//! again, guided by that shape, asking for the text of exactly the scalars that were read as
//! numbers or nulls. A number that prints back as written stays a number; any other is kept
//! as its text. The second pass also refuses a key written twice in one mapping of a record,
//! at any depth (the first pass keeps the last of two equal keys without a word), so the file
//! is read twice, as before this module, not three times.

use super::strict::duplicate;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

/// The YAML document `text` as a JSON value, numbers kept exact and record keys once.
pub(super) fn read_document(text: &str) -> Result<Value, serde_yaml_ng::Error> {
    let Shape(mut document) = serde_yaml_ng::from_str(text)?;
    if matches!(document, Value::Array(_) | Value::Object(_)) {
        Guided(&mut document).deserialize(serde_yaml_ng::Deserializer::from_str(text))?;
    }
    Ok(document)
}

/// What a scalar's text becomes when the first pass read it as a number or a null.
fn exact_scalar(first: &Value, text: &str) -> Value {
    match first {
        // A null is a null only when written as one; otherwise it held a number JSON cannot
        // (an `i128`, `.nan`, `.inf`).
        Value::Null if matches!(text, "" | "~" | "null" | "Null" | "NULL") => Value::Null,
        _ => super::exact::number(text),
    }
}

/// The first pass: the document as JSON values. Unlike serde_json's own reader it never
/// fails on a number JSON cannot hold; such a number is a null until the second pass.
struct Shape(Value);

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor).map(Shape)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E>(self, _: i128) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Shape::deserialize(d).map(|Shape(v)| v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Shape(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        // A key is read as its text whatever scalar it is written as (`1:` is the key "1").
        while let Some(key) = access.next_key::<String>()? {
            let Shape(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// The second pass over one value, guided by what the first pass made of it.
struct Guided<'a>(&'a mut Value);

impl<'de> DeserializeSeed<'de> for Guided<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.0 {
            Value::Number(_) | Value::Null => {
                let text = d.deserialize_str(ScalarText)?;
                *self.0 = exact_scalar(self.0, &text);
                Ok(())
            }
            Value::Array(items) => d.deserialize_seq(GuidedItems(items)),
            Value::Object(fields) => d.deserialize_map(GuidedFields { fields }),
            Value::Bool(_) | Value::String(_) => IgnoredAny::deserialize(d).map(|_| ()),
        }
    }
}

/// A scalar's text as written (`deserialize_str` gives it for any scalar).
struct ScalarText;

impl Visitor<'_> for ScalarText {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar")
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
}

struct GuidedItems<'a>(&'a mut [Value]);

impl<'de> Visitor<'de> for GuidedItems<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for value in self.0.iter_mut() {
            if seq.next_element_seed(Guided(value))?.is_none() {
                return Err(de::Error::custom("the YAML reader saw a shorter sequence"));
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

struct GuidedFields<'a> {
    fields: &'a mut Map<String, Value>,
}

impl<'de> Visitor<'de> for GuidedFields<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = access.next_key::<String>()? {
            // A key twice is refused: the first pass kept the last one's value, and the
            // mapping would silently read it.
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(duplicate(&key)));
            }
            match self.fields.get_mut(&key) {
                Some(value) => access.next_value_seed(Guided(value))?,
                None => {
                    access.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first_record(text: &str) -> Value {
        let document = read_document(text).unwrap();
        document[0].clone()
    }

    #[test]
    fn numbers_that_would_change_keep_their_text() {
        let record = first_record(
            "- a: 12345678901234567890123\n  b: 1e3\n  c: 0x10\n  d: 1.50\n  e: .nan\n  f: -.inf\n  g: +5\n  h: -99999999999999999999\n",
        );
        for (key, text) in [
            ("a", "12345678901234567890123"),
            ("b", "1e3"),
            ("c", "0x10"),
            ("d", "1.50"),
            ("e", ".nan"),
            ("f", "-.inf"),
            ("g", "+5"),
            ("h", "-99999999999999999999"),
        ] {
            assert_eq!(record[key], json!(text), "{key}");
        }
    }

    #[test]
    fn numbers_that_print_back_and_other_scalars_are_unchanged() {
        let record = first_record(
            "- a: 12\n  b: -7\n  c: 1.5\n  d: 18446744073709551615\n  e: ~\n  f:\n  g: null\n  h: true\n  i: \"1e3\"\n  j: '0x10'\n  k: [1, 1.50, {x: 2e2}]\n",
        );
        assert_eq!(
            record,
            json!({"a": 12, "b": -7, "c": 1.5, "d": 18446744073709551615u64, "e": null,
                   "f": null, "g": null, "h": true, "i": "1e3", "j": "0x10",
                   "k": [1, "1.50", {"x": "2e2"}]})
        );
    }

    #[test]
    fn anchors_and_aliases_are_followed_in_both_passes() {
        let document = read_document("- &p {Id: 1e3, N: 1}\n- *p\n").unwrap();
        assert_eq!(
            document,
            json!([{"Id": "1e3", "N": 1}, {"Id": "1e3", "N": 1}])
        );
    }

    #[test]
    fn a_key_twice_in_one_mapping_is_refused_at_any_depth() {
        for text in [
            "- Id: 1\n  Id: 2\n",
            "- Id: 1\n  X: {a: 1.50, a: 2e2}\n",
            "- Id: 1\n  X: [{a: x, a: y}]\n",
        ] {
            let err = read_document(text).unwrap_err();
            assert!(err.to_string().contains("appears twice"), "{text}: {err}");
        }
        // Equal keys in different mappings are fine.
        let document = read_document("- Id: 1\n  X: {Id: 2}\n- Id: 3\n").unwrap();
        assert_eq!(document, json!([{"Id": 1, "X": {"Id": 2}}, {"Id": 3}]));
    }

    #[test]
    fn numeric_keys_are_their_text() {
        let document = read_document("- 1: a\n  1e3: b\n").unwrap();
        assert_eq!(document[0], json!({"1": "a", "1e3": "b"}));
    }
}
