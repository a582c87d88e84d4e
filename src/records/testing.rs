//! The connectors' shapes for the records tests, which read their example documents (test
//! code may name a later layer; see tests/layers.rs).

use super::Shape;
use super::shape::Shapes;
use serde_json::{Map, Value};

/// The object `value` is (a record written with `json!`).
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Every connector's shape, in registry order.
pub(crate) fn known() -> &'static [&'static Shape] {
    crate::connectors::shapes()
}

fn of(kind: &str) -> &'static Shape {
    match crate::connectors::shape(kind) {
        Some(shape) => shape,
        None => panic!("no source kind `{kind}`"),
    }
}

/// Flex HRM's shape.
pub(crate) fn flex() -> &'static Shape {
    of("flex")
}

/// Personio's shape.
pub(crate) fn personio() -> &'static Shape {
    of("personio")
}

/// Worknice's shape.
pub(crate) fn worknice() -> &'static Shape {
    of("worknice")
}

/// The shapes as a reader is given them: with every connector's shape known.
pub(super) mod read_as {
    use super::super::PLAIN;
    use super::super::shape::Shapes;
    use super::with_known;

    /// The file kinds' shape.
    pub(crate) fn plain() -> Shapes {
        with_known(&PLAIN)
    }

    /// Flex HRM's shape.
    pub(crate) fn flex() -> Shapes {
        with_known(super::flex())
    }

    /// Personio's shape.
    pub(crate) fn personio() -> Shapes {
        with_known(super::personio())
    }

    /// Worknice's shape.
    pub(crate) fn worknice() -> Shapes {
        with_known(super::worknice())
    }
}

/// `shape` with every connector's shape known, as a reader is given it.
pub(super) fn with_known(shape: &'static Shape) -> Shapes {
    Shapes {
        this: shape,
        known: known(),
    }
}
