//! Issue 18: a records file in which none of the mapping's fields appear is one error that
//! names what the records look like ("these look like Personio records; the mapping reads
//! `source flex`"), for each connector's records, and a generic one otherwise — through the
//! binary, for `plan` (records evaluated as they are read) and `explain` (read whole).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const JSON_MAPPING: &str = "source json { path = \"people.json\" }\n\
    fields { EmployeeNo: text, Mail: text }\n\
    target winningtemp.files { dir = \"out\" }\n\
    user {\n  external_id = EmployeeNo\n  username = Mail\n  first_name = EmployeeNo\n  last_name = EmployeeNo\n}\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wtmap(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `plan` of `mapping` over `records` fails with an error containing each of `wanted`.
fn refused(dir: &Path, mapping: &str, records: &str, wanted: &[&str]) {
    let o = wtmap(dir, &["plan", mapping, "--records", records]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{mapping} over {records}: {err}");
    assert!(o.stdout.is_empty(), "a plan was printed: {err}");
    for w in wanted {
        assert!(
            err.contains(w),
            "{mapping} over {records}: no {w:?} in {err}"
        );
    }
}

fn json_dir(records: &Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), JSON_MAPPING).unwrap();
    std::fs::write(dir.path().join("people.json"), records.to_string()).unwrap();
    dir
}

#[test]
fn flex_records_for_a_json_mapping() {
    let dir = json_dir(&Value::Null);
    let flex = root().join("mappings/data/flex.json");
    let flex = flex.to_str().unwrap();
    let wanted = [
        "none of the fields the mapping reads appear in the 42 record(s) of",
        "these look like Flex HRM records (`EmailWork`",
        "the mapping reads `source json` (`EmployeeNo`, `Mail`)",
        "`source flex`",
    ];
    refused(dir.path(), "m.wtmap", flex, &wanted);
    // Read whole for `explain`: the same error.
    let o = wtmap(dir.path(), &["explain", "m.wtmap", "#1", "--records", flex]);
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("these look like Flex HRM records"), "{err}");
}

#[test]
fn personio_records_for_a_flex_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let personio = root().join("mappings/data/personio.json");
    refused(
        dir.path(),
        root().join("mappings/flex.wtmap").to_str().unwrap(),
        personio.to_str().unwrap(),
        &[
            "these look like Personio records",
            "the mapping reads `source flex`",
            "`source personio`",
        ],
    );
    // Personio records already flattened (as another tool might save them).
    let flat = json!([
        {"id": 1, "first_name": "Anna", "last_name": "Berg", "email": "a@x.example", "hire_date": "2020-01-01"},
        {"id": 2, "first_name": "Bo", "last_name": "Ek", "email": "b@x.example", "hire_date": "2021-01-01"}
    ]);
    let dir = json_dir(&flat);
    refused(
        dir.path(),
        "m.wtmap",
        "people.json",
        &["these look like Personio records (`first_name`, `last_name`, `hire_date`)"],
    );
}

#[test]
fn flex_records_for_a_personio_mapping() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        dir.path(),
        root().join("mappings/personio.wtmap").to_str().unwrap(),
        root().join("mappings/data/flex.json").to_str().unwrap(),
        &[
            "is not a Personio employee",
            "it looks like a Flex HRM record (`source flex`)",
        ],
    );
}

#[test]
fn worknice_people_for_a_json_mapping() {
    let text = std::fs::read_to_string(root().join("mappings/data/worknice.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let people = doc.pointer("/data/session/org/people").unwrap().clone();
    let dir = json_dir(&people);
    refused(
        dir.path(),
        "m.wtmap",
        "people.json",
        &[
            "these look like Worknice records",
            "`displayName`",
            "`source worknice`",
        ],
    );
}

#[test]
fn unknown_records_get_the_generic_message() {
    let dir = json_dir(&json!([{"a": 1, "b": 2}, {"a": 3, "b": 4}]));
    refused(
        dir.path(),
        "m.wtmap",
        "people.json",
        &[
            "none of the fields the mapping reads appear in the 2 record(s) of `people.json`",
            "its records have the fields `a`, `b`; the mapping reads `EmployeeNo`, `Mail` (`source json`)",
            "check that this is the export the mapping is written for",
        ],
    );
}

/// One field of the mapping in the records is enough: records with a missing field are
/// quarantined as before, not refused as a whole.
#[test]
fn one_field_present_is_not_a_wrong_shape() {
    let dir = json_dir(&json!([{"EmployeeNo": "E1", "name": "x"}, {"a": 1}]));
    let o = wtmap(dir.path(), &["plan", "m.wtmap", "--records", "people.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("E0401"), "{out}");
}
