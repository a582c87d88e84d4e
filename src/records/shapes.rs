//! What a record that does not fit its shape is told, and guesses at a file's shape for error
//! hints. The shapes themselves are data (`shape.rs`); envelopes (where the records sit in a
//! document) are the JSON reader's job.

use super::shape::{Envelope, Shape};
use serde_json::Value;

/// A record that does not fit its shape; the caller adds the file, record number and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A predicate completing "record 3 of `file` …".
    pub problem: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem, with how to fix it when there is a way.
    pub fn new(problem: impl Into<String>, help: Option<&str>) -> Self {
        Problem {
            problem: problem.into(),
            help: help.map(str::to_owned),
        }
    }
}

/// "a number", "an array", … for messages.
pub fn kind(value: &Value) -> &'static str {
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

/// Which of the `known` shapes a whole document looks like the export of, for "is this a
/// Personio export?" hints; the first that claims it.
pub(super) fn guess(known: &[&'static Shape], document: &Value) -> Option<&'static Shape> {
    known
        .iter()
        .copied()
        .find(|shape| shape.is_export.is_some_and(|is| is(document)))
}

/// The hint for a document that does not fit `shape`.
pub(super) fn hint(shape: &Shape, known: &[&'static Shape], document: &Value) -> Option<String> {
    if let Some(guessed) = guess(known, document).filter(|g| *g != shape) {
        return Some(format!(
            "is this a {} export? set `source {}`",
            guessed.system, guessed.kind
        ));
    }
    let arrays = array_fields(document);
    match (shape.envelope, arrays.as_slice()) {
        (Envelope::Bare, [field]) => Some(format!(
            "the records seem to be in `{field}`; a `{}` source must be a top-level array of records",
            if shape.kind.is_empty() {
                "json"
            } else {
                shape.kind
            }
        )),
        (Envelope::OneArrayField, [_, _, ..]) => Some(format!(
            "a wrapper object must have exactly one field holding the records; this one has {}",
            arrays
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Envelope::OneArrayField, []) | (Envelope::Bare, []) => {
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
    use crate::records::PLAIN;
    use crate::records::testing::{flex, known, personio, worknice};
    use serde_json::json;

    #[test]
    fn guesses_and_hints() {
        let personio_page = json!({"success": true, "data": []});
        assert_eq!(guess(known(), &personio_page), Some(personio()));
        assert!(
            hint(&PLAIN, known(), &personio_page)
                .unwrap()
                .contains("source personio")
        );
        let worknice_answer = json!({"data": {"session": {"org": {"people": []}}}});
        assert_eq!(guess(known(), &worknice_answer), Some(worknice()));
        assert!(
            hint(flex(), known(), &worknice_answer)
                .unwrap()
                .contains("source worknice")
        );
        let wrapped = json!({"items": [], "total": 0});
        assert!(hint(&PLAIN, known(), &wrapped).unwrap().contains("`items`"));
        assert_eq!(
            describe(&json!({"a": 1, "b": 2})),
            "an object with keys `a`, `b`"
        );
        assert_eq!(describe(&json!(3)), "a number");
    }
}
