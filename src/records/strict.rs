//! A record's fields with every key once. serde_json keeps the last of two equal keys without
//! a word, so `{"Name": "A", "Name": "B"}` would silently be B; here the second is an error
//! naming the key. (YAML records are checked in `yaml_exact`.)

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
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
