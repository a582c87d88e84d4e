//! What the readers know of an HR system's records, as data: a [`Shape`]. Each connector
//! defines its own (`src/connectors/<system>/shape.rs`) and names it in its descriptor; the
//! file kinds read with [`PLAIN`]. The readers know how to walk a few kinds of [`Envelope`]
//! and [`KeyCase`]; the facts (key names, paths, the system's name, its normalisation, the keys
//! that make a record look like it) are the shape's, so a new HR system needs no change here.

use super::shapes::Problem;
use serde_json::{Map, Value};

/// The record shape of one HR system (or [`PLAIN`] for the file kinds).
#[derive(Debug)]
pub struct Shape {
    /// The source kind whose records these are (`flex`); empty for [`PLAIN`].
    pub kind: &'static str,
    /// The system's name in messages (`Flex HRM`).
    pub system: &'static str,
    /// Where a JSON document holds the records.
    pub envelope: Envelope,
    /// How the records' top-level keys are read.
    pub keys: KeyCase,
    /// Turns one record, its keys read as [`Shape::keys`] says, into the fields a mapping
    /// reads (Personio's attribute objects become their values); `None` keeps it as read,
    /// which lets a big JSON export be read without a map built for each record.
    pub normalise: Option<Normalise>,
    /// What a JSON document of these records looks like, for "expected …" in an error about
    /// a document that holds no records where this shape looks for them.
    pub expected: &'static str,
    /// Top-level keys only this system's records carry; a record with two of them looks like
    /// this system's (compared with their first letters upper-cased, see [`KeyCase::Pascal`]).
    pub looks_like: &'static [&'static str],
    /// Whether a whole JSON document looks like this system's export, for "is this a … export?"
    /// hints when it is read with another shape.
    pub is_export: Option<fn(&Value) -> bool>,
}

/// A shape's per-record normalisation. `known` is every shape, to say what a record that does
/// not fit looks like instead ([`likely_system`]).
pub type Normalise =
    fn(Map<String, Value>, known: &[&'static Shape]) -> Result<Map<String, Value>, Problem>;

/// Where a JSON document holds its records. Every shape also reads a top-level array of
/// records.
#[derive(Debug, Clone, Copy)]
pub enum Envelope {
    /// Only a top-level array of records.
    Bare,
    /// Also an object with exactly one field holding an array (`{"items": [...], "total": 3}`),
    /// which is that array; two array fields are ambiguous and an error.
    OneArrayField,
    /// Pages (Personio's); a top-level array may hold records or pages.
    Pages(Pages),
    /// An array at a path through nested objects (a GraphQL answer, Worknice's).
    Path(NestedPath),
}

/// Pages: `{"<ok>": true, "<data>": [records]}` (or `"<data>": record`); a top-level array
/// may hold records or such pages (several pages saved together). A page whose `ok` field is
/// `false` is the system's error answer, told by `message`.
#[derive(Debug, Clone, Copy)]
pub struct Pages {
    /// The field holding a page's records.
    pub data: &'static str,
    /// The field that is `false` on an error answer.
    pub ok: &'static str,
    /// The error answer's message, from the page's other fields.
    pub message: fn(&Map<String, Value>) -> String,
}

/// The records are the array at `path` through nested objects (a GraphQL answer); the
/// top-level field `errors`, when `message` finds an error in it, fails the whole read (some
/// of the data may be missing then).
#[derive(Debug, Clone, Copy)]
pub struct NestedPath {
    /// The fields from the top to the array.
    pub path: &'static [&'static str],
    /// The top-level field holding errors.
    pub errors: &'static str,
    /// The first error's message, if `errors` holds any.
    pub message: fn(&Value) -> Option<String>,
}

/// How the top-level keys of records are read.
#[derive(Debug, Clone, Copy)]
pub enum KeyCase {
    /// As written.
    AsWritten,
    /// With their first letter upper-cased (`emailWork` → `EmailWork`, see [`pascal_case`]);
    /// nested objects are left alone. A record with two keys that become one is a problem,
    /// told by `clash` with the key they become.
    Pascal {
        /// The problem of a record with two spellings of one field.
        clash: fn(&str) -> Problem,
    },
}

impl Shape {
    /// Normalises one record object (from JSON, NDJSON or YAML) for this shape: its keys,
    /// then its own normalisation; `known` is every shape, for what a record that does not fit
    /// looks like instead.
    pub fn normalise(
        &self,
        record: Map<String, Value>,
        known: &[&'static Shape],
    ) -> Result<Map<String, Value>, Problem> {
        let record = match self.keys {
            KeyCase::AsWritten => record,
            KeyCase::Pascal { clash } => pascal_keys(record, clash)?,
        };
        match self.normalise {
            Some(normalise) => normalise(record, known),
            None => Ok(record),
        }
    }
}

impl PartialEq for Shape {
    /// Shapes are told apart by their kind and system.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.system == other.system
    }
}

impl Eq for Shape {}

/// The `csv`, `json`, `ndjson` and `yaml` source kinds: records taken as they are.
pub static PLAIN: Shape = Shape {
    kind: "",
    system: "",
    envelope: Envelope::Bare,
    keys: KeyCase::AsWritten,
    normalise: None,
    expected: "an array of records",
    looks_like: &[],
    is_export: None,
};

/// `emailWork` → `EmailWork`; keys that do not start with a lower-case letter are unchanged.
pub fn pascal_case(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => key.to_owned(),
    }
}

/// The shape of `known` whose [`Shape::looks_like`] keys a record's keys match best (at least
/// two), with the keys that matched. Keys are compared with their first letters upper-cased,
/// as a [`KeyCase::Pascal`] reader makes them (`Type`, `Attributes`); on a tie the shape whose
/// kind sorts last wins, so the answer does not depend on the order of `known`.
pub fn likely_system(
    known: &[&'static Shape],
    keys: &[String],
) -> Option<(&'static Shape, Vec<String>)> {
    known
        .iter()
        .map(|shape| {
            let matched: Vec<String> = keys
                .iter()
                .filter(|k| {
                    let pascal = pascal_case(k);
                    shape.looks_like.iter().any(|s| pascal_case(s) == pascal)
                })
                .cloned()
                .collect();
            (*shape, matched)
        })
        .filter(|(_, matched)| matched.len() >= 2)
        .max_by(|(a, am), (b, bm)| am.len().cmp(&bm.len()).then(a.kind.cmp(b.kind)))
}

/// The shape records are read with and every shape known (for hints), as the readers pass
/// them along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shapes {
    /// The shape read with.
    pub this: &'static Shape,
    /// Every shape a file might be in instead.
    pub known: &'static [&'static Shape],
}

impl Shapes {
    /// [`Shape::normalise`] with the shapes known.
    pub(super) fn normalise(
        self,
        record: Map<String, Value>,
    ) -> Result<Map<String, Value>, Problem> {
        self.this.normalise(record, self.known)
    }
}

/// Top-level keys with their first letters upper-cased; nested objects are left alone.
fn pascal_keys(
    record: Map<String, Value>,
    clash: fn(&str) -> Problem,
) -> Result<Map<String, Value>, Problem> {
    // Most records are already PascalCase: check before rebuilding the map.
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

fn starts_lowercase(key: &str) -> bool {
    key.chars().next().is_some_and(char::is_lowercase)
}

#[cfg(test)]
#[path = "shape_tests.rs"]
mod tests;
