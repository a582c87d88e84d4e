//! Which SCIM attribute carries which Winningtemp attribute, and how a SCIM path reads and
//! writes a value in a SCIM resource.
//!
//! Defaults follow Winningtemp's documented SCIM properties (`userName`, the primary email,
//! `name.givenName`, `name.familyName`, `externalId`, `active`; `AttributeDef::scim`) plus the
//! standard RFC 7643 attributes for the rest that SCIM has a place for (`title`, the work
//! phone number, the enterprise extension's `employeeNumber`). Gender, birthday, employment
//! dates, survey exclusion and role have no standard SCIM attribute: they are carried only when
//! the mapping's `target winningtemp.scim { attributes { … } }` names a path.

use super::settings::ConfigValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The PATCH message URN.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The enterprise User extension URN (RFC 7643 §4.3).
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Standard SCIM attributes for Winningtemp attributes that `AttributeDef::scim` leaves open.
const STANDARD_PATHS: &[(&str, &str)] = &[
    ("title", "title"),
    ("phone", "phoneNumbers[type eq \"work\"].value"),
    (
        "employee_number",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ),
];

/// Attributes that are not plain attributes over SCIM: the key, the login name and the status
/// are written by their own code, and `manager` is a relation.
const NOT_ATTRIBUTES: &[&str] = &["external_id", "username", "status", "manager"];

/// A value filter inside a path: `[type eq "work"]`, `[primary eq true]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The sub-attribute compared (`type`).
    pub attribute: String,
    /// The value it must equal (`"work"`, `true`).
    pub value: Value,
}

/// A parsed SCIM attribute path (RFC 7644 §3.5.2): `[URN:]attr[.sub]` or
/// `[URN:]attr[filter].sub`, the forms identity providers use for single values.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimPath {
    /// The path as written, sent to the server in PATCH operations.
    pub text: String,
    /// Extension schema URN, when the attribute lives in an extension.
    pub schema: Option<String>,
    /// The top-level attribute (`name`, `emails`).
    pub attribute: String,
    /// The element filter of a multi-valued attribute.
    pub filter: Option<Filter>,
    /// The sub-attribute (`givenName`, `value`).
    pub sub: Option<String>,
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

impl ScimPath {
    /// Parses a path; the error says what is wrong.
    pub fn parse(text: &str) -> Result<ScimPath, String> {
        let bad = |why: &str| Err(format!("SCIM path `{text}`: {why}"));
        let (schema, rest) = if text.to_ascii_lowercase().starts_with("urn:") {
            // The attribute follows the URN's last colon (outside any filter).
            let head = text.split('[').next().unwrap_or(text);
            match head.rfind(':') {
                Some(i) if text[..i].matches(':').count() >= 2 => {
                    (Some(text[..i].to_string()), &text[i + 1..])
                }
                _ => return bad("an extension URN must be followed by `:attribute`"),
            }
        } else {
            (None, text)
        };
        let (attr_part, filter, sub_part) = match rest.find('[') {
            Some(open) => {
                let Some(close) = rest[open..].find(']').map(|c| open + c) else {
                    return bad("`[` without `]`");
                };
                let filter = parse_filter(&rest[open + 1..close])
                    .ok_or("the filter must be `[attribute eq value]`");
                let filter = match filter {
                    Ok(f) => f,
                    Err(why) => return bad(why),
                };
                let after = &rest[close + 1..];
                let sub = match after.strip_prefix('.') {
                    Some(s) => Some(s),
                    None if after.is_empty() => None,
                    None => return bad("only `.subAttribute` may follow a filter"),
                };
                (&rest[..open], Some(filter), sub)
            }
            None => match rest.split_once('.') {
                Some((a, s)) => (a, None, Some(s)),
                None => (rest, None, None),
            },
        };
        if !valid_name(attr_part) {
            return bad("expected an attribute name");
        }
        if let Some(s) = sub_part
            && !valid_name(s)
        {
            return bad("expected a sub-attribute name after `.`");
        }
        Ok(ScimPath {
            text: text.to_string(),
            schema,
            attribute: attr_part.to_string(),
            filter,
            sub: sub_part.map(str::to_string),
        })
    }

    /// The value at this path in a resource, if set.
    pub fn get<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        let container = match &self.schema {
            Some(urn) => get_ci(resource, urn)?,
            None => resource,
        };
        let top = get_ci(container, &self.attribute)?;
        let target = match &self.filter {
            Some(f) => top.as_array()?.iter().find(|e| f.matches(e))?,
            None => top,
        };
        let value = match &self.sub {
            Some(sub) => get_ci(target, sub)?,
            None => target,
        };
        (!value.is_null()).then_some(value)
    }

    /// Whether the resource has a value at this path (so PATCH must `replace` rather than `add`).
    pub fn is_set(&self, resource: &Value) -> bool {
        self.get(resource).is_some()
    }

    /// Writes `value` at this path into a resource being built for a POST.
    pub fn set(&self, resource: &mut Value, value: Value) {
        let container = match &self.schema {
            Some(urn) => object_at(resource, urn),
            None => as_object(resource),
        };
        match (&self.filter, &self.sub) {
            (Some(f), sub) => {
                let list = &mut container[self.attribute.as_str()];
                if !list.is_array() {
                    *list = Value::Array(Vec::new());
                }
                if let Value::Array(items) = list {
                    let element = f.element(sub.as_deref(), value);
                    match items.iter_mut().find(|e| f.matches(e)) {
                        Some(existing) => merge(existing, element),
                        None => items.push(element),
                    }
                }
            }
            (None, Some(sub)) => object_at(container, &self.attribute)[sub.as_str()] = value,
            (None, None) => container[self.attribute.as_str()] = value,
        }
    }

    /// Removes the value at this path from a resource (the whole element for a filtered path
    /// without a sub-attribute), for applying a PATCH `remove` locally.
    pub fn remove(&self, resource: &mut Value) {
        let container = match &self.schema {
            Some(urn) => match key_ci(resource, urn).and_then(|k| resource.get_mut(&k)) {
                Some(c) => c,
                None => return,
            },
            None => resource,
        };
        let Some(attr) = key_ci(container, &self.attribute) else {
            return;
        };
        match (&self.filter, &self.sub) {
            (Some(f), None) => {
                if let Some(Value::Array(items)) = container.get_mut(&attr) {
                    items.retain(|e| !f.matches(e));
                }
            }
            (Some(f), Some(sub)) => {
                if let Some(Value::Array(items)) = container.get_mut(&attr) {
                    for e in items.iter_mut().filter(|e| f.matches(e)) {
                        if let Some(k) = key_ci(e, sub)
                            && let Value::Object(m) = e
                        {
                            m.remove(&k);
                        }
                    }
                }
            }
            (None, Some(sub)) => {
                if let Some(inner) = container.get_mut(&attr)
                    && let Some(k) = key_ci(inner, sub)
                    && let Value::Object(m) = inner
                {
                    m.remove(&k);
                }
            }
            (None, None) => {
                if let Value::Object(m) = container {
                    m.remove(&attr);
                }
            }
        }
    }

    /// For a filtered path whose element does not exist yet: the PATCH `add` that creates it,
    /// as (path, value) — RFC 7644 gives `add` no filters, so the element is added whole.
    pub fn add_element(&self, value: Value) -> Option<(String, Value)> {
        let f = self.filter.as_ref()?;
        let path = match &self.schema {
            Some(urn) => format!("{urn}:{}", self.attribute),
            None => self.attribute.clone(),
        };
        Some((
            path,
            Value::Array(vec![f.element(self.sub.as_deref(), value)]),
        ))
    }

    /// The path that removes this value: the whole element for a filtered path.
    pub fn remove_path(&self) -> String {
        match self.filter {
            Some(_) => self
                .text
                .split(']')
                .next()
                .map_or(self.text.clone(), |head| format!("{head}]")),
            None => self.text.clone(),
        }
    }
}

impl Filter {
    /// Whether an element of a multi-valued attribute passes the filter.
    pub fn matches(&self, element: &Value) -> bool {
        match (get_ci(element, &self.attribute), &self.value) {
            (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
            (Some(a), b) => a == b,
            (None, Value::Bool(false)) => true,
            (None, _) => false,
        }
    }

    /// A new element that passes the filter, holding `value` (at `sub`, or merged when `sub`
    /// is `None` and `value` an object).
    pub fn element(&self, sub: Option<&str>, value: Value) -> Value {
        let mut m = Map::new();
        m.insert(self.attribute.clone(), self.value.clone());
        match sub {
            Some(s) => {
                m.insert(s.to_string(), value);
            }
            None => {
                if let Value::Object(v) = value {
                    m.extend(v);
                }
            }
        }
        Value::Object(m)
    }
}

fn parse_filter(text: &str) -> Option<Filter> {
    let mut parts = text.trim().splitn(3, ' ');
    let attribute = parts.next()?.trim();
    let op = parts.next()?.trim();
    let literal = parts.next()?.trim();
    if !op.eq_ignore_ascii_case("eq") || !valid_name(attribute) {
        return None;
    }
    let value = match literal {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        quoted if quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"') => {
            Value::String(quoted[1..quoted.len() - 1].to_string())
        }
        _ => return None,
    };
    Some(Filter {
        attribute: attribute.to_string(),
        value,
    })
}

/// A key of a JSON object, compared case-insensitively as SCIM attribute names are.
fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The key of an object that is `name` case-insensitively, as the object spells it.
fn key_ci(value: &Value, name: &str) -> Option<String> {
    let obj = value.as_object()?;
    if obj.contains_key(name) {
        return Some(name.to_string());
    }
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// `value` made an object (indexing an object by key cannot panic).
fn as_object(value: &mut Value) -> &mut Value {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    value
}

/// The object under `key`, created when missing.
fn object_at<'a>(value: &'a mut Value, key: &str) -> &'a mut Value {
    as_object(&mut as_object(value)[key])
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

/// Winningtemp attribute name → SCIM path, for the plain attributes a mapping can carry.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeMap {
    paths: BTreeMap<String, ScimPath>,
}

impl AttributeMap {
    /// The defaults, overridden and extended by a target's `attributes { … }` block.
    pub fn new(overrides: Option<&ConfigValue>) -> Result<AttributeMap, String> {
        let mut paths = BTreeMap::new();
        for def in crate::schema::target::attributes() {
            if let Some(p) = def.scim
                && !NOT_ATTRIBUTES.contains(&def.name)
            {
                paths.insert(def.name.to_string(), ScimPath::parse(p)?);
            }
        }
        for (name, p) in STANDARD_PATHS {
            paths.insert((*name).to_string(), ScimPath::parse(p)?);
        }
        if let Some(ConfigValue::Block(items)) = overrides {
            for (name, value) in items {
                let ConfigValue::Text(p) = value else {
                    return Err(format!("`attributes {{ {name} = … }}` must be a text"));
                };
                if NOT_ATTRIBUTES.contains(&name.as_str()) {
                    return Err(format!(
                        "`{name}` always travels in its own SCIM attribute and cannot be moved"
                    ));
                }
                paths.insert(name.clone(), ScimPath::parse(p)?);
            }
        }
        Ok(AttributeMap { paths })
    }

    /// The path carrying `attribute`, if SCIM carries it.
    pub fn path(&self, attribute: &str) -> Option<&ScimPath> {
        self.paths.get(attribute)
    }

    /// Every (attribute, path), by attribute name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ScimPath)> {
        self.paths.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Extension schemas the paths use (they go into a created resource's `schemas`).
    pub fn extension_schemas(&self) -> Vec<String> {
        let mut urns: Vec<String> = self
            .paths
            .values()
            .filter_map(|p| p.schema.clone())
            .collect();
        urns.sort();
        urns.dedup();
        urns
    }
}

#[cfg(test)]
#[path = "scim_tests.rs"]
mod tests;
