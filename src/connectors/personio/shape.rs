//! Personio's records as the records reader reads them (a [`Shape`]): v1 `Employee` objects,
//! in pages (`{"success": true, "data": [...]}`), a bare array of employees, or an array of
//! such pages, with their attributes flattened to one value per attribute.

use super::SYSTEM;
use crate::records::{Envelope, KeyCase, Pages, Problem, Shape, likely_system, value_kind};
use serde_json::{Map, Value};

/// The shape of Personio's records.
pub(crate) static SHAPE: Shape = Shape {
    kind: "personio",
    system: SYSTEM,
    envelope: Envelope::Pages(Pages {
        data: "data",
        ok: "success",
        message: error_message,
    }),
    keys: KeyCase::AsWritten,
    normalise: Some(personio_employee),
    expected: "a Personio employee list (`{\"success\": true, \"data\": […]}`) or an array of employees",
    looks_like: &[
        "first_name",
        "last_name",
        "preferred_name",
        "hire_date",
        "termination_date",
        "supervisor",
        "employment_type",
        "weekly_working_hours",
        // A Personio employee before flattening: both make a guess.
        "type",
        "attributes",
    ],
    is_export: Some(is_export),
};

/// The message of an error page (`{"success": false, "error": {"code": …, "message": …}}`).
fn error_message(page: &Map<String, Value>) -> String {
    let error = page.get("error");
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("no message");
    match error.and_then(|e| e.get("code")) {
        Some(code) => format!("{message} (code {code})"),
        None => message.to_owned(),
    }
}

/// A page (`success`, or `data` holding an array) or an array of employees: a Personio export.
fn is_export(document: &Value) -> bool {
    let employee =
        |v: &Value| v.get("type").is_some() && v.get("attributes").is_some_and(Value::is_object);
    match document {
        Value::Object(object) => {
            object.contains_key("success") || object.get("data").is_some_and(Value::is_array)
        }
        Value::Array(items) => items.first().is_some_and(employee),
        _ => false,
    }
}

/// Flattens a Personio v1 `{"type": "Employee", "attributes": {key: {label, value, type,
/// universal_id}}}` to `{key: value}`: nested `{type, attributes}` objects (department,
/// supervisor, cost centers) become their attributes, and `tags` attributes always become
/// arrays of strings.
fn personio_employee(
    mut employee: Map<String, Value>,
    known: &[&'static Shape],
) -> Result<Map<String, Value>, Problem> {
    let attributes = match employee.remove("attributes") {
        Some(Value::Object(attributes)) => attributes,
        Some(other) => {
            return Err(Problem::new(
                format!("has `attributes` that are {}, not an object", value_kind(&other)),
                None,
            ));
        }
        None => {
            let keys: Vec<String> = employee.keys().cloned().collect();
            let looks = match likely_system(known, &keys) {
                Some((shape, _)) if shape.kind != SHAPE.kind => {
                    format!(
                        "; it looks like a {} record (`source {}`)",
                        shape.system, shape.kind
                    )
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
                    value_kind(&attribute)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::testing::object;
    use serde_json::json;

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
        let out = personio_employee(employee, &[]).unwrap();
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
        let out = personio_employee(employee, &[]).unwrap();
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
        let flat = personio_employee(object(json!({"id": 1})), &[]).unwrap_err();
        assert!(flat.problem.contains("no `attributes`"), "{flat:?}");
        assert!(flat.help.is_some());
        let bare = personio_employee(object(json!({"attributes": {"id": 1}})), &[]).unwrap_err();
        assert!(
            bare.problem.contains("attribute `id` that is a number"),
            "{bare:?}"
        );
        let no_value =
            personio_employee(object(json!({"attributes": {"id": {"label": "ID"}}})), &[]).unwrap_err();
        assert!(
            no_value.problem.contains("`id` without a `value`"),
            "{no_value:?}"
        );
    }
}
