//! A shape is data: a made-up HR system, defined here as a connector would define it in its
//! folder, is read through every path without a line of the readers knowing it.

use super::super::{
    FieldPresence, Fields, ReadOptions, RecordRef, RecordsError, read_bytes, read_file_map,
};
use super::*;
use serde_json::json;

/// "Acme HR" answers `{"result": {"staff": [...]}, "problems": [...]}`, writes camelCase keys
/// and wraps each person's name in an object.
static ACME: Shape = Shape {
    kind: "acme",
    system: "Acme HR",
    envelope: Envelope::Path(NestedPath {
        path: &["result", "staff"],
        errors: "problems",
        message: acme_message,
    }),
    keys: KeyCase::Pascal { clash: acme_clash },
    normalise: Some(unwrap_name),
    expected: "an Acme staff answer (`result.staff`)",
    looks_like: &["staffNo", "badge", "floor"],
    is_export: Some(|document| document.get("result").is_some()),
};

/// "Pager" answers pages `{"ok": true, "items": [...]}` of people kept as they are.
static PAGER: Shape = Shape {
    kind: "pager",
    system: "Pager",
    envelope: Envelope::Pages(Pages {
        data: "items",
        ok: "ok",
        message: |page| format!("pager says {}", page.get("why").unwrap_or(&Value::Null)),
    }),
    keys: KeyCase::AsWritten,
    normalise: None,
    expected: "Pager pages",
    looks_like: &["pagerId", "beeps"],
    is_export: None,
};

static KNOWN: [&Shape; 2] = [&ACME, &PAGER];

fn acme_message(problems: &Value) -> Option<String> {
    problems.as_array()?.first()?.as_str().map(str::to_owned)
}

fn acme_clash(field: &str) -> Problem {
    Problem::new(format!("has `{field}` twice in Acme"), None)
}

fn unwrap_name(
    mut record: Map<String, Value>,
    known: &[&'static Shape],
) -> Result<Map<String, Value>, Problem> {
    match record.remove("Name") {
        Some(Value::Object(mut name)) => {
            let full = name.remove("full").unwrap_or(Value::Null);
            record.insert("Name".to_owned(), full);
            Ok(record)
        }
        _ => {
            let keys: Vec<String> = record.keys().cloned().collect();
            let looks = likely_system(known, &keys).map_or(String::new(), |(shape, _)| {
                format!(" (looks like {})", shape.system)
            });
            Err(Problem::new(format!("has no name object{looks}"), None))
        }
    }
}

fn opts(shape: &'static Shape) -> ReadOptions {
    ReadOptions::new(shape, &KNOWN)
}

fn values(records: &[super::super::Record]) -> Vec<Value> {
    records
        .iter()
        .map(|r| Value::Object(r.fields.clone()))
        .collect()
}

#[test]
fn a_made_up_system_is_read_in_every_format() {
    let people = json!([{"Id": "1", "Name": "Ada"}, {"Id": "2", "Name": "Bo"}]);
    let json = br#"{"result": {"staff": [
        {"id": "1", "name": {"full": "Ada"}},
        {"id": "2", "name": {"full": "Bo"}}
    ]}, "problems": []}"#;
    let records = read_bytes("p.json", json, &opts(&ACME)).unwrap();
    assert_eq!(Value::Array(values(&records)), people);
    assert_eq!(records[1].origin.line, Some(3));

    let ndjson = b"{\"id\": \"1\", \"name\": {\"full\": \"Ada\"}}\n{\"Id\": \"2\", \"Name\": {\"full\": \"Bo\"}}\n";
    let records = read_bytes("p.ndjson", ndjson, &opts(&ACME)).unwrap();
    assert_eq!(Value::Array(values(&records)), people);

    let yaml = b"- id: \"1\"\n  name: {full: Ada}\n- id: \"2\"\n  name: {full: Bo}\n";
    let records = read_bytes("p.yaml", yaml, &opts(&ACME)).unwrap();
    assert_eq!(Value::Array(values(&records)), people);

    // CSV headers take the shape's key case too.
    let records = read_bytes("p.csv", b"id;staffNo\n1;7\n", &opts(&ACME)).unwrap();
    assert_eq!(records[0].fields["StaffNo"], json!("7"));
}

#[test]
fn a_made_up_systems_errors_and_problems_are_its_own() {
    let answer = br#"{"result": null, "problems": ["token expired"]}"#;
    let err = read_bytes("p.json", answer, &opts(&ACME)).unwrap_err();
    assert!(
        matches!(&err, RecordsError::ErrorResponse { system: "Acme HR", message, .. } if message == "token expired"),
        "{err:?}"
    );

    let clash = br#"[{"Id": "1", "id": "2", "Name": {"full": "A"}}]"#;
    let err = read_bytes("p.json", clash, &opts(&ACME)).unwrap_err();
    assert!(err.to_string().contains("has `Id` twice in Acme"), "{err}");

    // Its normaliser is told every known shape, to say what a record looks like instead.
    let pager_person = br#"[{"pagerId": 1, "beeps": 3}]"#;
    let err = read_bytes("p.json", pager_person, &opts(&ACME)).unwrap_err();
    assert!(
        matches!(&err, RecordsError::InvalidRecord { problem, .. } if problem == "has no name object (looks like Pager)"),
        "{err:?}"
    );

    // A document without its path: its own "expected"; read as plain, a hint naming it.
    let err = read_bytes("p.json", br#"{"staff": []}"#, &opts(&ACME)).unwrap_err();
    assert!(
        matches!(&err, RecordsError::Layout { expected, .. } if expected == "an Acme staff answer (`result.staff`)"),
        "{err:?}"
    );
    let acme_answer = br#"{"result": {"staff": []}}"#;
    let err = read_bytes("p.json", acme_answer, &opts(&PLAIN)).unwrap_err();
    assert!(
        matches!(&err, RecordsError::Layout { help: Some(help), .. } if help == "is this a Acme HR export? set `source acme`"),
        "{err:?}"
    );
}

#[test]
fn a_made_up_systems_pages_are_walked_by_its_keys() {
    let pages =
        br#"[{"ok": true, "items": [{"pagerId": 1}]}, {"ok": true, "items": {"pagerId": 2}}]"#;
    let records = read_bytes("p.json", pages, &opts(&PAGER)).unwrap();
    assert_eq!(
        Value::Array(values(&records)),
        json!([{"pagerId": 1}, {"pagerId": 2}])
    );
    let failed = br#"{"ok": false, "why": "busy"}"#;
    let err = read_bytes("p.json", failed, &opts(&PAGER)).unwrap_err();
    assert!(
        matches!(&err, RecordsError::ErrorResponse { system: "Pager", message, .. } if message == "pager says \"busy\""),
        "{err:?}"
    );
}

#[test]
fn its_records_are_recognised_by_their_keys() {
    let keys = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (shape, matched) = likely_system(&KNOWN, &keys(&["Id", "StaffNo", "badge"])).unwrap();
    assert_eq!((shape.kind, matched), ("acme", keys(&["StaffNo", "badge"])));
    assert_eq!(likely_system(&KNOWN, &keys(&["Id", "badge"])), None);

    let presence = FieldPresence::new(["EmailWork".to_owned()]);
    let fields = json!({"pagerId": 1, "beeps": 2});
    let Value::Object(fields) = fields else {
        unreachable!()
    };
    presence.observe(&RecordRef {
        fields: Fields::Map(&fields),
        origin: super::super::Origin {
            index: 0,
            line: None,
        },
    });
    let err = presence.check("p.json", 1, "flex", &KNOWN).unwrap_err();
    assert!(
        err.to_string().contains("these look like Pager records"),
        "{err}"
    );
}

/// A shape with PascalCase keys and its own normalisation is normalised when a big export is
/// read as it is mapped, too (no record shown to the mapper unnormalised).
#[test]
fn records_read_as_they_are_mapped_are_normalised() {
    static BARE: Shape = Shape {
        envelope: Envelope::OneArrayField,
        ..ACME_LIKE
    };
    const ACME_LIKE: Shape = Shape {
        kind: "acme",
        system: "Acme HR",
        envelope: Envelope::Bare,
        keys: KeyCase::Pascal { clash: acme_clash },
        normalise: Some(unwrap_name),
        expected: "",
        looks_like: &[],
        is_export: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staff.json");
    std::fs::write(
        &path,
        r#"{"staff": [{"id": "1", "name": {"full": "Ada"}}], "total": 1}"#,
    )
    .unwrap();
    struct Name(Option<String>);
    impl super::super::Numbered for Name {
        fn renumber(&mut self, _by: usize) {}
    }
    let names = read_file_map(&path, &ReadOptions::new(&BARE, &KNOWN), &|r| {
        Name(match r.fields {
            Fields::Map(map) => map.get("Name").and_then(Value::as_str).map(str::to_owned),
            Fields::Flat(_) => None,
        })
    })
    .unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].0.as_deref(), Some("Ada"));
}
