//! Whether a records file holds any of the fields a mapping reads (issue 18). A file in which
//! none appears is another system's export, or written with other field names: every record
//! would map to nothing (or be quarantined one by one), so it is one error that names what
//! the records look like — "these look like Personio records; the mapping reads `source
//! flex`" — instead.

use super::{Fields, RecordRef, RecordsError};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Keys only one HR system's records carry, compared with their first letter upper-cased as
/// the Flex reader makes them (`emailWork` counts as `EmailWork`). Two of them make a guess.
const SIGNATURES: &[(&str, &str, &[&str])] = &[
    (
        "Flex HRM",
        "flex",
        &[
            "EmailWork",
            "EmailPrivate",
            "EmploymentNumber",
            "ImmediateManagerEmployeeId",
            "EmploymentStartDate",
            "EmploymentEndDate",
            "DateOfBirth",
            "CompanyId",
        ],
    ),
    (
        "Personio",
        "personio",
        &[
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
    ),
    (
        "Worknice",
        "worknice",
        &[
            "displayName",
            "profileEmail",
            "profilePhone",
            "profileBirthday",
            "profileImage",
            "employeeCode",
            "startDate",
        ],
    ),
];

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
    /// mapping whose source is `source_kind`.
    pub fn check(&self, name: &str, records: usize, source_kind: &str) -> Result<(), RecordsError> {
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
        let (problem, help) = match likely_system(&keys) {
            Some((system, kind, matched)) if kind != source_kind => (
                format!(
                    "these look like {system} records ({}); the mapping reads `source \
                     {source_kind}` ({reads})",
                    listing(&matched)
                ),
                format!(
                    "plan {system} records with a mapping whose source is `source {kind}`, or \
                     give this mapping the export it is written for"
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

/// The HR system whose signature keys a record's keys match best (at least two), with the
/// mapping's source kind for it and the keys that matched.
pub(super) fn likely_system(keys: &[String]) -> Option<(&'static str, &'static str, Vec<String>)> {
    SIGNATURES
        .iter()
        .map(|(system, kind, signature)| {
            let matched: Vec<String> = keys
                .iter()
                .filter(|k| {
                    // The Flex reader upper-cases first letters (`Type`, `Attributes`).
                    let pascal = super::shapes::pascal_case(k);
                    signature
                        .iter()
                        .any(|s| super::shapes::pascal_case(s) == pascal)
                })
                .cloned()
                .collect();
            (*system, *kind, matched)
        })
        .filter(|(_, _, matched)| matched.len() >= 2)
        .max_by_key(|(_, _, matched)| matched.len())
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

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_each_systems_records() {
        let flex = keys(&["Id", "FirstName", "emailWork", "DateOfBirth"]);
        assert_eq!(likely_system(&flex).map(|s| s.1), Some("flex"));
        let personio = keys(&["id", "first_name", "last_name", "email"]);
        assert_eq!(likely_system(&personio).map(|s| s.1), Some("personio"));
        let raw = keys(&["type", "attributes"]);
        assert_eq!(likely_system(&raw).map(|s| s.1), Some("personio"));
        assert_eq!(
            likely_system(&keys(&["type", "x"])),
            None,
            "one key is not a guess"
        );
        let worknice = keys(&["id", "displayName", "profileEmail"]);
        assert_eq!(likely_system(&worknice).map(|s| s.1), Some("worknice"));
        assert_eq!(likely_system(&keys(&["a", "b"])), None);
    }
}
