//! A small structural JSON Schema checker for tests: enough of draft 2020-12 (`$ref` into
//! `$defs`, `type`, `const`, `enum`, `properties`, `required`, `additionalProperties`, `items`,
//! `oneOf`, `anyOf`, `minimum`) to check our own documents against docs/*.schema.json.

use serde_json::Value;

/// Every violation of `schema` by `value`, as `path: problem`.
pub(crate) fn check(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    walk(schema, schema, value, "$", &mut errors);
    errors
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| root.get("$defs").and_then(|d| d.get(name)))
            .unwrap_or(&Value::Null),
        None => schema,
    }
}

fn type_ok(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn walk(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if schema.is_null() {
        errors.push(format!("{path}: unresolvable $ref"));
        return;
    }
    if let Some(t) = schema.get("type") {
        let names: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !names.iter().any(|n| type_ok(n, value)) {
            errors.push(format!("{path}: expected {names:?}, got {value}"));
            return;
        }
    }
    if let Some(c) = schema.get("const").filter(|c| *c != value) {
        errors.push(format!("{path}: expected {c}, got {value}"));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{path}: {value} not in {options:?}"));
    }
    let minimum = schema.get("minimum").and_then(Value::as_f64);
    if let (Some(min), Some(n)) = (minimum, value.as_f64())
        && n < min
    {
        errors.push(format!("{path}: {n} < {min}"));
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str().filter(|n| !object.contains_key(*n)) {
                errors.push(format!("{path}: missing `{name}`"));
            }
        }
        for (name, v) in object {
            let sub = format!("{path}.{name}");
            match (
                properties.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => walk(root, s, v, &sub, errors),
                (None, Some(Value::Bool(false))) => errors.push(format!("{sub}: not allowed")),
                (None, Some(s)) if s.is_object() => walk(root, s, v, &sub, errors),
                _ => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            walk(root, items, v, &format!("{path}[{i}]"), errors);
        }
    }
    let passing =
        |options: &Vec<Value>| options.iter().filter(|s| check_sub(root, s, value)).count();
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let n = passing(options);
        if n != 1 {
            errors.push(format!(
                "{path}: matches {n} of oneOf, expected exactly 1: {value}"
            ));
        }
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array)
        && passing(options) == 0
    {
        errors.push(format!("{path}: matches none of anyOf: {value}"));
    }
}

fn check_sub(root: &Value, schema: &Value, value: &Value) -> bool {
    let mut errors = Vec::new();
    walk(root, schema, value, "", &mut errors);
    errors.is_empty()
}
