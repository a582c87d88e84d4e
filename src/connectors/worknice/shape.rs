//! Worknice's records as the records reader reads them (a [`Shape`]): people from the GraphQL
//! `people` query (`data.session.org.people`), kept as they are, nested objects included. An
//! answer with `errors` fails the whole read, since some of its data may be missing.

use super::SYSTEM;
use crate::records::{Envelope, KeyCase, NestedPath, Shape};
use serde_json::Value;

/// The shape of Worknice's records.
pub(crate) static SHAPE: Shape = Shape {
    kind: "worknice",
    system: SYSTEM,
    envelope: Envelope::Path(NestedPath {
        path: &["data", "session", "org", "people"],
        errors: "errors",
        message: graphql_message,
    }),
    keys: KeyCase::AsWritten,
    normalise: None,
    expected: "a Worknice people query result (`data.session.org.people`) or an array of people",
    looks_like: &[
        "displayName",
        "profileEmail",
        "profilePhone",
        "profileBirthday",
        "profileImage",
        "employeeCode",
        "startDate",
    ],
    is_export: Some(is_export),
};

/// The first GraphQL error's message, if there is one.
fn graphql_message(errors: &Value) -> Option<String> {
    let first = errors.as_array()?.first()?;
    Some(
        first
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message")
            .to_owned(),
    )
}

/// A GraphQL answer with the organisation's session: a Worknice export.
fn is_export(document: &Value) -> bool {
    document.is_object() && document.pointer("/data/session/org").is_some()
}
