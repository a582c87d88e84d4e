//! Whether a records file holds any of the fields a mapping reads (issue 18). A file in which
//! none appears is another system's export, or written with other field names: every record
//! would map to nothing (or be quarantined one by one), so it is one error that names what
//! the records look like — "these look like Personio records; the mapping reads `source
//! flex`" — instead. What each system's records look like is its shape's
//! ([`Shape::looks_like`]).

use super::shape::likely_system;
use super::{Fields, RecordRef, RecordsError, Shape};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Watches records as they are read for any of the mapping's top-level fields. Shared by the
/// threads that read one file; once a field is seen, a record costs one atomic load.
pub struct FieldPresence {
    /// The top-level keys the mapping reads, sorted and unique.
    keys: Vec<String>,
    seen: AtomicBool,
    /// The keys of the first record (of a piece, see `observe`), for the message.
    first: Mutex<Option<Vec<String>>>,
}

impl FieldPresence {
    /// A watch for `keys`, the top-level record keys a mapping reads (`department` of
    /// `department.name`).
    pub fn new(keys: impl IntoIterator<Item = String>) -> FieldPresence {
        let mut keys: Vec<String> = keys.into_iter().collect();
        keys.sort();
        keys.dedup();
        FieldPresence {
            seen: AtomicBool::new(keys.is_empty()),
            keys,
            first: Mutex::new(None),
        }
    }

    /// Notes one record.
    pub fn observe(&self, record: &RecordRef<'_>) {
        if self.seen.load(Ordering::Relaxed) {
            return;
        }
        let has = |key: &str| self.keys.binary_search_by(|k| k.as_str().cmp(key)).is_ok();
        let found = match record.fields {
            Fields::Map(map) => self.keys.iter().any(|k| map.contains_key(k)),
            Fields::Flat(fields) => fields.iter().any(|(k, _)| has(k)),
        };
        if found {
            self.seen.store(true, Ordering::Relaxed);
        } else if record.origin.index == 0
            && let Ok(mut first) = self.first.lock()
        {
            // A big file is read in pieces, each numbered from 0 until they are joined: of the
            // pieces' first records, the least keeps the message the same from run to run.
            let keys: Vec<String> = match record.fields {
                Fields::Map(map) => map.keys().cloned().collect(),
                Fields::Flat(fields) => fields.iter().map(|(k, _)| k.to_string()).collect(),
            };
            if first.as_ref().is_none_or(|f| keys < *f) {
                *first = Some(keys);
            }
        }
    }

    /// The error for a file of `records` records (`name`) in which no field was seen, for a
    /// mapping whose source is `source_kind`; it names the one of the `known` shapes the
    /// records look like, if any.
    pub fn check(
        &self,
        name: &str,
        records: usize,
        source_kind: &str,
        known: &[&'static Shape],
    ) -> Result<(), RecordsError> {
        if records == 0 || self.seen.load(Ordering::Relaxed) {
            return Ok(());
        }
        let keys = self
            .first
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .unwrap_or_default();
        let reads = listing(&self.keys);
        let (problem, help) = match likely_system(known, &keys) {
            Some((shape, matched)) if shape.kind != source_kind => (
                format!(
                    "these look like {} records ({}); the mapping reads `source \
                     {source_kind}` ({reads})",
                    shape.system,
                    listing(&matched)
                ),
                format!(
                    "plan {} records with a mapping whose source is `source {}`, or \
                     give this mapping the export it is written for",
                    shape.system, shape.kind
                ),
            ),
            _ => (
                format!(
                    "its records have {}; the mapping reads {reads} (`source {source_kind}`)",
                    match keys.as_slice() {
                        [] => "no fields".to_string(),
                        keys => format!("the fields {}", listing(keys)),
                    }
                ),
                "check that this is the export the mapping is written for, and the field \
                 names in `fields { … }` against the file's"
                    .to_string(),
            ),
        };
        Err(RecordsError::NoMappedFields {
            name: name.to_owned(),
            records,
            problem,
            help,
        })
    }
}

/// `` `a`, `b`, `c`, … `` (at most five names).
fn listing(names: &[String]) -> String {
    let mut shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
    if names.len() > 5 {
        shown.push("…".to_owned());
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::testing::known;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_each_systems_records() {
        let flex = keys(&["Id", "FirstName", "emailWork", "DateOfBirth"]);
        assert_eq!(
            likely_system(known(), &flex).map(|s| s.0.kind),
            Some("flex")
        );
        let personio = keys(&["id", "first_name", "last_name", "email"]);
        assert_eq!(
            likely_system(known(), &personio).map(|s| s.0.kind),
            Some("personio")
        );
        let raw = keys(&["type", "attributes"]);
        assert_eq!(
            likely_system(known(), &raw).map(|s| s.0.kind),
            Some("personio")
        );
        assert_eq!(
            likely_system(known(), &keys(&["type", "x"])),
            None,
            "one key is not a guess"
        );
        let worknice = keys(&["id", "displayName", "profileEmail"]);
        assert_eq!(
            likely_system(known(), &worknice).map(|s| s.0.kind),
            Some("worknice")
        );
        assert_eq!(likely_system(known(), &keys(&["a", "b"])), None);
    }
}
