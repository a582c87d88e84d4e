//! Per-record normalisation of each HR system's shape, and guesses at a file's shape for
//! error hints. Envelopes (where the records sit in a document) are the JSON reader's job;
//! this file only sees one record at a time, and never clones its values.

use super::Shape;
use serde_json::{Map, Value};

/// A record that does not fit its shape; the caller adds the file, record number and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// A predicate completing "record 3 of `file` …".
    pub problem: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    fn new(problem: impl Into<String>, help: Option<&str>) -> Self {
        Problem {
            problem: problem.into(),
            help: help.map(str::to_owned),
        }
    }
}

/// Normalises one record object (from JSON, NDJSON or YAML) for its shape.
pub(super) fn normalise(
    shape: Shape,
    record: Map<String, Value>,
) -> Result<Map<String, Value>, Problem> {
    match shape {
        Shape::Flex => flex_keys(record),
        Shape::Personio => personio_employee(record),
        Shape::Worknice | Shape::Plain => Ok(record),
    }
}

/// Flex's newer API writes camelCase (`emailWork`), its older API and Winningtemp's docs
/// PascalCase (`EmailWork`); mappings are written against PascalCase, so top-level keys get
/// their first letter upper-cased. Nested objects (`employment`) are left alone.
pub(super) fn flex_keys(record: Map<String, Value>) -> Result<Map<String, Value>, Problem> {
    // Most exports are already PascalCase: check before rebuilding the map.
    if !record.keys().any(|k| starts_lowercase(k)) {
        return Ok(record);
    }
    let mut out = Map::with_capacity(record.len());
    for (key, value) in record {
        let pascal = pascal_case(&key);
        if out.contains_key(&pascal) {
            return Err(clash(&pascal));
        }
        out.insert(pascal, value);
    }
    Ok(out)
}

/// The problem of a record with two spellings of one Flex field (or one key twice).
pub(super) fn clash(field: &str) -> Problem {
    Problem::new(
        format!(
            "has field `{field}` twice (Flex keys are read as PascalCase, so `emailWork` is `EmailWork`)"
        ),
        Some("keep one spelling of the field"),
    )
}

fn starts_lowercase(key: &str) -> bool {
    key.chars().next().is_some_and(char::is_lowercase)
}

/// `emailWork` → `EmailWork`; keys that do not start with a lower-case letter are unchanged.
pub(super) fn pascal_case(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => key.to_owned(),
    }
}

/// Flattens a Personio v1 `{"type": "Employee", "attributes": {key: {label, value, type,
/// universal_id}}}` to `{key: value}`: nested `{type, attributes}` objects (department,
/// supervisor, cost centers) become their attributes, and `tags` attributes always become
/// arrays of strings.
pub(super) fn personio_employee(
    mut employee: Map<String, Value>,
) -> Result<Map<String, Value>, Problem> {
    let attributes = match employee.remove("attributes") {
        Some(Value::Object(attributes)) => attributes,
        Some(other) => {
            return Err(Problem::new(
                format!("has `attributes` that are {}, not an object", kind(&other)),
                None,
            ));
        }
        None => {
            let keys: Vec<String> = employee.keys().cloned().collect();
            let looks = match super::presence::likely_system(&keys) {
                Some((system, kind, _)) if kind != "personio" => {
                    format!("; it looks like a {system} record (`source {kind}`)")
                }
                _ => String::new(),
            };
            return Err(Problem::new(
                format!("is not a Personio employee: it has no `attributes`{looks}"),
                Some(
                    "Personio records look like `{\"type\": \"Employee\", \"attributes\": {…}}`; for flat records use `source json`",
                ),
            ));
        }
    };
    let mut out = Map::with_capacity(attributes.len());
    for (key, attribute) in attributes {
        let Value::Object(mut attribute) = attribute else {
            return Err(Problem::new(
                format!(
                    "has attribute `{key}` that is {}, not an object with a `value`",
                    kind(&attribute)
                ),
                None,
            ));
        };
        let is_tags = attribute.get("type").and_then(Value::as_str) == Some("tags");
        let Some(value) = attribute.remove("value") else {
            return Err(Problem::new(
                format!("has attribute `{key}` without a `value`"),
                None,
            ));
        };
        out.insert(
            key,
            if is_tags {
                tags(value)
            } else {
                unwrap_nested(value)
            },
        );
    }
    Ok(out)
}

/// Personio sends tags as one comma-joined string (`"English,German"`), sometimes as an
/// array; Personio forbids commas inside tag names, so splitting is safe.
fn tags(value: Value) -> Value {
    let items: Vec<Value> = match value {
        Value::Null => Vec::new(),
        Value::String(s) => split_tags(&s),
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .filter(|s| !s.is_empty())
            .map(Value::String)
            .collect(),
        other => split_tags(&other.to_string()),
    };
    Value::Array(items)
}

fn split_tags(s: &str) -> Vec<Value> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Value::String(t.to_owned()))
        .collect()
}

/// `{"type": "Department", "attributes": {"id": 1, "name": "X"}}` → `{"id": 1, "name": "X"}`;
/// the supervisor's attributes are themselves attribute objects and are flattened too.
fn unwrap_nested(value: Value) -> Value {
    match value {
        Value::Object(mut object) if is_typed_object(&object) => {
            match object.remove("attributes") {
                Some(Value::Object(attributes)) => Value::Object(
                    attributes
                        .into_iter()
                        .map(|(key, inner)| match inner {
                            Value::Object(mut attribute) if is_attribute_object(&attribute) => {
                                let value = attribute.remove("value").unwrap_or(Value::Null);
                                (key, unwrap_nested(value))
                            }
                            other => (key, unwrap_nested(other)),
                        })
                        .collect(),
                ),
                // `is_typed_object` checked that `attributes` is an object.
                _ => Value::Object(object),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(unwrap_nested).collect()),
        other => other,
    }
}

fn is_typed_object(object: &Map<String, Value>) -> bool {
    object.len() == 2
        && object.get("type").is_some_and(Value::is_string)
        && object.get("attributes").is_some_and(Value::is_object)
}

/// `{label, value, type, universal_id}` (old exports lack the last two; salaries add
/// `currency`).
fn is_attribute_object(object: &Map<String, Value>) -> bool {
    object.contains_key("value")
        && object.keys().all(|k| {
            matches!(
                k.as_str(),
                "label" | "value" | "type" | "universal_id" | "currency"
            )
        })
}

/// "a number", "an array", … for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Describes a document for "found …": `an object with keys `data`, `success``.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Object(object) if object.is_empty() => "an empty object".to_owned(),
        Value::Object(object) => {
            let mut keys: Vec<String> = object.keys().take(5).map(|k| format!("`{k}`")).collect();
            if object.len() > 5 {
                keys.push("…".to_owned());
            }
            format!("an object with keys {}", keys.join(", "))
        }
        other => kind(other).to_owned(),
    }
}

/// Which shape a whole document looks like, for "is this a Personio export?" hints.
pub(super) fn guess(document: &Value) -> Option<Shape> {
    let looks_personio =
        |v: &Value| v.get("type").is_some() && v.get("attributes").is_some_and(Value::is_object);
    match document {
        Value::Object(object) => {
            if object.contains_key("success") || object.get("data").is_some_and(Value::is_array) {
                Some(Shape::Personio)
            } else if document.pointer("/data/session/org").is_some() {
                Some(Shape::Worknice)
            } else {
                None
            }
        }
        Value::Array(items) => items
            .first()
            .filter(|first| looks_personio(first))
            .map(|_| Shape::Personio),
        _ => None,
    }
}

/// The hint for a document that does not fit `shape`.
pub(super) fn hint(shape: Shape, document: &Value) -> Option<String> {
    let guessed = guess(document).filter(|g| *g != shape);
    let suggestion = match guessed {
        Some(Shape::Personio) => Some("is this a Personio export? set `source personio`"),
        Some(Shape::Worknice) => Some("is this a Worknice export? set `source worknice`"),
        _ => None,
    };
    if let Some(s) = suggestion {
        return Some(s.to_owned());
    }
    let arrays = array_fields(document);
    match (shape, arrays.as_slice()) {
        (Shape::Plain, [field]) => Some(format!(
            "the records seem to be in `{field}`; a `json` source must be a top-level array of records"
        )),
        (Shape::Flex, [_, _, ..]) => Some(format!(
            "a wrapper object must have exactly one field holding the records; this one has {}",
            arrays
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Shape::Flex, []) | (Shape::Plain, []) => {
            Some("write the records as `[{…}, {…}]`".to_owned())
        }
        _ => None,
    }
}

/// Keys of an object's fields that hold arrays.
pub(super) fn array_fields(document: &Value) -> Vec<&str> {
    match document {
        Value::Object(object) => object
            .iter()
            .filter(|(_, v)| v.is_array())
            .map(|(k, _)| k.as_str())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn flex_camel_case_becomes_pascal_case_at_the_top_level_only() {
        let record = object(
            json!({"emailWork": "a@b", "Id": "1", "employment": [{"employmentNumber": "7"}]}),
        );
        let out = flex_keys(record).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"EmailWork": "a@b", "Id": "1", "Employment": [{"employmentNumber": "7"}]})
        );
        assert_eq!(pascal_case("ärende"), "Ärende");
        assert_eq!(pascal_case("_x"), "_x");
        assert_eq!(pascal_case(""), "");
    }

    #[test]
    fn flex_keys_keep_order() {
        let out = flex_keys(object(json!({"lastName": "L", "firstName": "F"}))).unwrap();
        assert_eq!(out.keys().collect::<Vec<_>>(), ["LastName", "FirstName"]);
    }

    #[test]
    fn flex_both_spellings_is_a_problem() {
        let problem = flex_keys(object(json!({"EmailWork": "a", "emailWork": "b"}))).unwrap_err();
        assert!(
            problem.problem.contains("has field `EmailWork` twice"),
            "{problem:?}"
        );
    }

    #[test]
    fn personio_attributes_flatten_to_values() {
        let employee = object(json!({"type": "Employee", "attributes": {
            "id": {"label": "ID", "value": 4711, "type": "integer", "universal_id": "id"},
            "first_name": {"label": "First name", "value": "Lena", "type": "standard", "universal_id": "first_name"},
            "termination_date": {"label": "T", "value": null, "type": "date", "universal_id": null},
            "department": {"label": "Department", "value": {"type": "Department", "attributes": {"id": 1200, "name": "Engineering"}}, "type": "standard", "universal_id": "department"},
            "supervisor": {"label": "Supervisor", "value": {"type": "Employee", "attributes": {
                "id": {"label": "ID", "value": 4702, "type": "integer", "universal_id": "id"},
                "email": {"label": "Email", "value": "jonas@x.test", "type": "standard", "universal_id": "email"}}},
                "type": "standard", "universal_id": "supervisor"},
            "cost_centers": {"label": "Cost center", "value": [{"type": "CostCenter", "attributes": {"id": 55, "name": "R&D", "percentage": 100}}], "type": "standard", "universal_id": "cost_centers"},
            "old": {"label": "Old style", "value": "x"}
        }}));
        let out = personio_employee(employee).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({
                "id": 4711,
                "first_name": "Lena",
                "termination_date": null,
                "department": {"id": 1200, "name": "Engineering"},
                "supervisor": {"id": 4702, "email": "jonas@x.test"},
                "cost_centers": [{"id": 55, "name": "R&D", "percentage": 100}],
                "old": "x"
            })
        );
    }

    #[test]
    fn personio_tags_are_arrays_whether_string_or_array() {
        let employee = object(json!({"type": "Employee", "attributes": {
            "a": {"label": "A", "value": "English, German,", "type": "tags", "universal_id": null},
            "b": {"label": "B", "value": [" CI/CD", "Presentation Training"], "type": "tags", "universal_id": null},
            "c": {"label": "C", "value": null, "type": "tags", "universal_id": null},
            "d": {"label": "D", "value": "", "type": "tags", "universal_id": null},
            "e": {"label": "E", "value": "English,German", "type": "standard", "universal_id": null}
        }}));
        let out = personio_employee(employee).unwrap();
        assert_eq!(out["a"], json!(["English", "German"]));
        assert_eq!(out["b"], json!(["CI/CD", "Presentation Training"]));
        assert_eq!(out["c"], json!([]));
        assert_eq!(out["d"], json!([]));
        assert_eq!(
            out["e"],
            json!("English,German"),
            "only `tags` attributes are split"
        );
    }

    #[test]
    fn personio_problems() {
        let flat = personio_employee(object(json!({"id": 1}))).unwrap_err();
        assert!(flat.problem.contains("no `attributes`"), "{flat:?}");
        assert!(flat.help.is_some());
        let bare = personio_employee(object(json!({"attributes": {"id": 1}}))).unwrap_err();
        assert!(
            bare.problem.contains("attribute `id` that is a number"),
            "{bare:?}"
        );
        let no_value =
            personio_employee(object(json!({"attributes": {"id": {"label": "ID"}}}))).unwrap_err();
        assert!(
            no_value.problem.contains("`id` without a `value`"),
            "{no_value:?}"
        );
    }

    #[test]
    fn guesses_and_hints() {
        let personio = json!({"success": true, "data": []});
        assert_eq!(guess(&personio), Some(Shape::Personio));
        assert!(
            hint(Shape::Plain, &personio)
                .unwrap()
                .contains("source personio")
        );
        let worknice = json!({"data": {"session": {"org": {"people": []}}}});
        assert_eq!(guess(&worknice), Some(Shape::Worknice));
        assert!(
            hint(Shape::Flex, &worknice)
                .unwrap()
                .contains("source worknice")
        );
        let wrapped = json!({"items": [], "total": 0});
        assert!(hint(Shape::Plain, &wrapped).unwrap().contains("`items`"));
        assert_eq!(
            describe(&json!({"a": 1, "b": 2})),
            "an object with keys `a`, `b`"
        );
        assert_eq!(describe(&json!(3)), "a number");
    }
}
