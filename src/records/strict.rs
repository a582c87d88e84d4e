//! A record's fields with every key once. serde_json and the YAML reader keep the last of two
//! equal keys without a word, so `{"Name": "A", "Name": "B"}` would silently be B; here the
//! second is an error naming the key.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The message for a key seen twice.
pub(super) fn duplicate(key: &str) -> String {
    format!("the key `{key}` appears twice in one record")
}

/// A JSON object read as a record's fields, refusing a key that appears twice.
pub(super) struct StrictFields(pub Map<String, Value>);

impl<'de> Deserialize<'de> for StrictFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = StrictFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::with_capacity(access.size_hint().unwrap_or(16));
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(duplicate(&key)));
            }
            let value: Value = access.next_value()?;
            map.insert(key, value);
        }
        Ok(StrictFields(map))
    }
}

/// Reads only the keys of each mapping in a sequence, to find a record with a key twice
/// (for YAML, whose reader into JSON values keeps the last). Anything else is passed over.
pub(super) struct KeysOnce;

impl<'de> Deserialize<'de> for KeysOnce {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeysVisitor)
    }
}

struct KeysVisitor;

macro_rules! pass_over {
    ($($name:ident: $ty:ty),*) => {
        $(fn $name<E>(self, _: $ty) -> Result<Self::Value, E> { Ok(KeysOnce) })*
    };
}

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = KeysOnce;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    pass_over!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64,
        visit_str: &str, visit_bytes: &[u8], visit_i128: i128, visit_u128: u128);

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(KeysOnce)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(KeysOnce)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        IgnoredAny::deserialize(d).map(|_| KeysOnce)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<KeysOnceInRecord>()?.is_some() {}
        Ok(KeysOnce)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        while access.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(KeysOnce)
    }
}

/// One element of the top-level sequence: a mapping's keys are checked.
struct KeysOnceInRecord;

impl<'de> Deserialize<'de> for KeysOnceInRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RecordKeysVisitor)
    }
}

struct RecordKeysVisitor;

impl<'de> Visitor<'de> for RecordKeysVisitor {
    type Value = KeysOnceInRecord;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = access.next_key::<KeyText>()? {
            let _: IgnoredAny = access.next_value()?;
            if !seen.insert(key.0.clone()) {
                return Err(de::Error::custom(duplicate(&key.0)));
            }
        }
        Ok(KeysOnceInRecord)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(KeysOnceInRecord)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        IgnoredAny::deserialize(d).map(|_| KeysOnceInRecord)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(KeysOnceInRecord)
    }
}

/// A mapping key as text, whatever scalar it was written as (`1:` is the key "1").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(KeyText(match value {
            Value::String(s) => s,
            other => other.to_string(),
        }))
    }
}
