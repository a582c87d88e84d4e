//! Tests of the JSON reader: plain arrays, every envelope, positions and errors.

use super::*;
use crate::records::shape::Shapes;
use crate::records::testing::read_as::{flex, personio, plain, worknice};
use serde_json::json;

fn read_ok(text: &str, shape: Shapes) -> Vec<Record> {
    match read("p.json", text.as_bytes(), shape) {
        Ok(records) => records,
        Err(e) => panic!("{e:?}"),
    }
}

fn read_err(text: &str, shape: Shapes) -> RecordsError {
    match read("p.json", text.as_bytes(), shape) {
        Ok(records) => panic!("expected an error, got {records:?}"),
        Err(e) => e,
    }
}

fn lines(records: &[Record]) -> Vec<Option<usize>> {
    records.iter().map(|r| r.origin.line).collect()
}

fn syntax_at(err: &RecordsError) -> Position {
    match err {
        RecordsError::Syntax {
            at, format: "JSON", ..
        } => *at,
        other => panic!("expected a JSON syntax error, got {other:?}"),
    }
}

#[test]
fn plain_array_keeps_values_order_and_lines() {
    let text = "[\n  {\"b\": 1, \"a\": [true, null]},\n\n  {\n    \"x\": {\"y\": \"z\"}\n  }\n]\n";
    let records = read_ok(text, plain());
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].fields.keys().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(
        Value::Object(records[1].fields.clone()),
        json!({"x": {"y": "z"}})
    );
    assert_eq!(lines(&records), [Some(2), Some(4)]);
    assert_eq!(records[1].origin.index, 1);
}

#[test]
fn minified_array_is_all_on_line_one() {
    let records = read_ok(r#"[{"a":"[{"},{"a":"\n"}]"#, plain());
    assert_eq!(lines(&records), [Some(1), Some(1)]);
    assert_eq!(records[0].fields["a"], json!("[{"));
}

#[test]
fn empty_array_is_no_records() {
    assert_eq!(read_ok("[]", plain()), vec![]);
    assert_eq!(read_ok(" \n[ \n ]\n", flex()), vec![]);
    assert_eq!(read_ok("[]", personio()), vec![]);
    assert_eq!(
        read_ok(r#"{"success": true, "data": []}"#, personio()),
        vec![]
    );
}

#[test]
fn malformed_record_names_line_and_column() {
    let text = "[\n  {\"a\": 1},\n  {\"a\" 2}\n]";
    let err = read_err(text, plain());
    assert_eq!(
        syntax_at(&err),
        Position {
            line: 3,
            column: Some(8)
        }
    );
    assert!(
        err.to_string()
            .starts_with("malformed JSON in `p.json` at line 3, column 8: expected `:`"),
        "{err}"
    );
}

#[test]
fn malformed_record_after_a_multiline_record() {
    // serde_json blames the line break after `tru`, which is still line 3.
    let text = "[{\n\"a\": 1,\n\"b\": tru\n}]";
    assert_eq!(
        syntax_at(&read_err(text, plain())),
        Position {
            line: 3,
            column: Some(9)
        }
    );
}

#[test]
fn missing_comma_between_records() {
    let err = read_err("[\n{\"a\": 1}\n{\"a\": 2}]", plain());
    assert_eq!(
        syntax_at(&err),
        Position {
            line: 3,
            column: Some(1)
        }
    );
    assert!(err.to_string().contains("expected `,` or `]`"), "{err}");
}

#[test]
fn truncated_file() {
    let err = read_err("[\n{\"a\": 1},\n{\"a\": ", plain());
    assert_eq!(syntax_at(&err).line, 3);
    assert!(err.to_string().contains("end of file"), "{err}");
    let err = read_err("[{\"a\": 1}", plain());
    assert!(err.to_string().contains("end of file"), "{err}");
}

#[test]
fn trailing_comma_and_trailing_text() {
    let err = read_err("[{\"a\": 1},\n]", plain());
    assert_eq!(syntax_at(&err).line, 2);
    let err = read_err("[{\"a\": 1}]\nx", plain());
    assert_eq!(
        syntax_at(&err),
        Position {
            line: 2,
            column: Some(1)
        }
    );
}

#[test]
fn empty_file_is_malformed() {
    let err = read_err("", plain());
    assert!(err.to_string().contains("end of file"), "{err}");
}

#[test]
fn non_object_record_names_the_record() {
    let err = read_err("[\n{\"a\": 1},\n42\n]", plain());
    assert!(
        matches!(
            err,
            RecordsError::InvalidRecord {
                record: 2,
                line: Some(3),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "record 2 (line 3) of `p.json` is a number, not an object"
    );
    let err = read_err("[null]", flex());
    assert!(
        matches!(err, RecordsError::InvalidRecord { record: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn top_level_object_in_plain_shape_hints_at_personio() {
    let err = read_err(
        r#"{"success": true, "data": [{"type": "Employee", "attributes": {}}]}"#,
        plain(),
    );
    match &err {
        RecordsError::Layout {
            expected,
            found,
            help,
            ..
        } => {
            assert_eq!(expected, "an array of records");
            assert_eq!(found, "an object with keys `success`, `data`");
            assert_eq!(
                help.as_deref(),
                Some("is this a Personio export? set `source personio`")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn top_level_scalar_is_a_layout_error() {
    let err = read_err("\"people\"", plain());
    assert!(
        matches!(err, RecordsError::Layout { ref found, .. } if found == "a string"),
        "{err:?}"
    );
}

#[test]
fn invalid_utf8_in_json_gets_an_encoding_hint() {
    let err = read("p.json", b"[{\"a\": \"\xD6\"}]", plain()).unwrap_err();
    match err {
        RecordsError::Syntax {
            help: Some(help), ..
        } => assert!(help.contains("Windows-1252"), "{help}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn flex_camel_case_is_pascal_case() {
    let records = read_ok(
        r#"[{"id": "1", "emailWork": "a@b", "FirstName": "Sara"}]"#,
        flex(),
    );
    assert_eq!(
        records[0].fields.keys().collect::<Vec<_>>(),
        ["Id", "EmailWork", "FirstName"]
    );
    let err = read_err(r#"[{"Id": "1"}, {"id": "2", "Id": "2"}]"#, flex());
    assert!(
        matches!(err, RecordsError::InvalidRecord { record: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn flex_wrapper_object_with_one_array() {
    let text = "{\"pageIndex\": 0, \"totalCount\": 2,\n \"items\": [\n  {\"id\": \"1\"},\n  {\"id\": \"2\"}\n]}";
    let records = read_ok(text, flex());
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].fields["Id"], json!("2"));
    assert_eq!(lines(&records), [Some(3), Some(4)]);
    let records = read_ok(r#"{"Data": [{"Id": "1"}]}"#, flex());
    assert_eq!(records[0].fields["Id"], json!("1"));
}

#[test]
fn flex_wrapper_needs_exactly_one_array() {
    let err = read_err(r#"{"items": [{"Id": "1"}], "errors": []}"#, flex());
    match &err {
        RecordsError::Layout {
            help: Some(help), ..
        } => assert!(help.contains("`items`, `errors`"), "{help}"),
        other => panic!("{other:?}"),
    }
    let err = read_err(r#"{"total": 0}"#, flex());
    assert!(matches!(err, RecordsError::Layout { .. }), "{err:?}");
}

#[test]
fn plain_shape_does_not_unwrap_objects() {
    let err = read_err(r#"{"items": [{"Id": "1"}]}"#, plain());
    match &err {
        RecordsError::Layout {
            help: Some(help), ..
        } => assert!(help.contains("`items`"), "{help}"),
        other => panic!("{other:?}"),
    }
}

const PERSONIO_PAGE: &str = r#"{
  "success": true,
  "metadata": {"total_elements": 2, "current_page": 0, "total_pages": 1},
  "offset": 0,
  "limit": 2,
  "data": [
    {
      "type": "Employee",
      "attributes": {
        "id": {"label": "ID", "value": 4711, "type": "integer", "universal_id": "id"},
        "email": {"label": "Email", "value": "lena@example-gmbh.test", "type": "standard", "universal_id": "email"},
        "supervisor": {
          "label": "Supervisor",
          "value": {"type": "Employee", "attributes": {
            "id": {"label": "ID", "value": 4702, "type": "integer", "universal_id": "id"},
            "email": {"label": "Email", "value": "jonas@example-gmbh.test", "type": "standard", "universal_id": "email"}
          }},
          "type": "standard", "universal_id": "supervisor"
        },
        "department": {"label": "Department", "value": {"type": "Department", "attributes": {"id": 1200, "name": "Engineering"}}, "type": "standard", "universal_id": "department"},
        "cost_centers": {"label": "Cost center", "value": [{"type": "CostCenter", "attributes": {"id": 55, "name": "R&D", "percentage": 100}}], "type": "standard", "universal_id": "cost_centers"},
        "dynamic_24407": {"label": "Language Skills", "value": "English,German", "type": "tags", "universal_id": null}
      }
    },
    {"type": "Employee", "attributes": {"id": {"label": "ID", "value": 4712, "type": "integer", "universal_id": "id"},
      "dynamic_24407": {"label": "Language Skills", "value": ["Swedish"], "type": "tags", "universal_id": null}}}
  ]
}"#;

#[test]
fn personio_envelope_is_flattened() {
    let records = read_ok(PERSONIO_PAGE, personio());
    assert_eq!(records.len(), 2);
    assert_eq!(
        Value::Object(records[0].fields.clone()),
        json!({
            "id": 4711,
            "email": "lena@example-gmbh.test",
            "supervisor": {"id": 4702, "email": "jonas@example-gmbh.test"},
            "department": {"id": 1200, "name": "Engineering"},
            "cost_centers": [{"id": 55, "name": "R&D", "percentage": 100}],
            "dynamic_24407": ["English", "German"]
        })
    );
    assert_eq!(records[1].fields["dynamic_24407"], json!(["Swedish"]));
    assert_eq!(lines(&records), [Some(7), Some(25)]);
}

#[test]
fn personio_bare_array_of_employees() {
    let text = "[\n{\"type\": \"Employee\", \"attributes\": {\"id\": {\"label\": \"ID\", \"value\": 1}}},\n{\"type\": \"Employee\", \"attributes\": {\"id\": {\"label\": \"ID\", \"value\": 2}}}\n]";
    let records = read_ok(text, personio());
    assert_eq!(
        records
            .iter()
            .map(|r| r.fields["id"].clone())
            .collect::<Vec<_>>(),
        [json!(1), json!(2)]
    );
    assert_eq!(lines(&records), [Some(2), Some(3)]);
}

#[test]
fn personio_array_of_pages_concatenates() {
    let page2 = r#"{"success": true, "data": [{"type": "Employee", "attributes": {"id": {"label": "ID", "value": 4713}}}]}"#;
    let text = format!("[{PERSONIO_PAGE},\n{page2}]");
    let records = read_ok(&text, personio());
    assert_eq!(records.len(), 3);
    assert_eq!(records[2].fields["id"], json!(4713));
    assert_eq!(
        records[2].origin,
        Origin {
            index: 2,
            line: Some(29)
        }
    );
}

#[test]
fn personio_single_employee_response() {
    let text = r#"{"success": true, "data": {"type": "Employee", "attributes": {"id": {"label": "ID", "value": 9}}}}"#;
    let records = read_ok(text, personio());
    assert_eq!(records[0].fields["id"], json!(9));
}

#[test]
fn personio_error_response() {
    let text =
        r#"{"success":false,"error":{"message":"Provided authorization is not valid","code":403}}"#;
    let err = read_err(text, personio());
    assert!(
        matches!(
            err,
            RecordsError::ErrorResponse {
                system: "Personio",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("Provided authorization is not valid (code 403)"),
        "{err}"
    );
    let in_pages = format!("[{PERSONIO_PAGE}, {text}]");
    assert!(matches!(
        read_err(&in_pages, personio()),
        RecordsError::ErrorResponse { .. }
    ));
}

#[test]
fn personio_shape_rejects_flat_records_with_a_hint() {
    let err = read_err(r#"[{"id": 1, "email": "a@b"}]"#, personio());
    match &err {
        RecordsError::InvalidRecord {
            record: 1,
            help: Some(help),
            ..
        } => assert!(help.contains("source json"), "{help}"),
        other => panic!("{other:?}"),
    }
    let err = read_err(r#"{"employees": []}"#, personio());
    assert!(matches!(err, RecordsError::Layout { .. }), "{err:?}");
}

const WORKNICE: &str = r#"{
  "data": {
    "session": {
      "org": {
        "name": "Example",
        "people": [
          {"id": "prs_1", "displayName": "Mia Thompson", "location": {"name": "Brisbane"},
           "currentJob": {"position": {"title": "Payroll Officer", "manager": {"currentJob": {"person": {"id": "prs_2"}}}}}},
          {"id": "prs_2", "displayName": "Oliver Nguyen", "location": null, "currentJob": null}
        ]
      }
    }
  }
}"#;

#[test]
fn worknice_people_are_kept_nested() {
    let records = read_ok(WORKNICE, worknice());
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].fields["displayName"], json!("Mia Thompson"));
    assert_eq!(records[0].fields["location"], json!({"name": "Brisbane"}));
    assert_eq!(
        records[0].fields["currentJob"].pointer("/position/manager/currentJob/person/id"),
        Some(&json!("prs_2"))
    );
    assert_eq!(records[1].fields["currentJob"], Value::Null);
    assert_eq!(lines(&records), [Some(7), Some(9)]);
}

#[test]
fn worknice_plain_array() {
    let records = read_ok(r#"[{"id": "prs_1", "displayName": "Mia"}]"#, worknice());
    assert_eq!(records[0].fields["id"], json!("prs_1"));
}

#[test]
fn worknice_graphql_errors() {
    let text = r#"{"errors": [{"message": "Not authorised", "path": ["session"]}], "data": null}"#;
    let err = read_err(text, worknice());
    assert!(
        matches!(err, RecordsError::ErrorResponse { system: "Worknice", ref message, .. } if message == "Not authorised")
    );
    let err = read_err(
        r#"{"data": {"session": {"org": {"staff": []}}}}"#,
        worknice(),
    );
    assert!(matches!(err, RecordsError::Layout { .. }), "{err:?}");
}

#[test]
fn worknice_errors_beside_data_fail_the_read() {
    let partial = r#"{"data": {"session": {"org": {"people": [{"id": "p1", "location": null}]}}},
        "errors": [{"message": "location failed", "path": ["session", "org", "people", 0]}]}"#;
    let err = read_err(partial, worknice());
    assert!(
        matches!(err, RecordsError::ErrorResponse { ref message, .. } if message == "location failed"),
        "{err:?}"
    );
    let no_errors = r#"{"data": {"session": {"org": {"people": []}}}, "errors": []}"#;
    assert_eq!(read_ok(no_errors, worknice()), vec![]);
}

#[test]
fn escaped_keys_in_envelopes_are_unescaped() {
    let records = read_ok(
        r#"{"d\u0061ta": [{"type": "Employee", "attributes": {}}]}"#,
        personio(),
    );
    assert_eq!(records.len(), 1);
}

/// Reading cost against parse-only cost on a large Flex export:
/// `python3 gen_flex.py 100000 > /tmp/flex100k.json` (or set `WTMAP_BENCH_RECORDS`), then
/// `cargo test --release --lib records::json::tests::bench_flex -- --ignored --nocapture`.
/// `WTMAP_BENCH_MODE=parse` or `=read` runs only one side, to compare under `perf stat`.
#[test]
#[ignore = "benchmark; needs a generated file and a release build"]
fn bench_flex() {
    use std::time::{Duration, Instant};
    let path =
        std::env::var("WTMAP_BENCH_RECORDS").unwrap_or_else(|_| "/tmp/flex100k.json".to_owned());
    let mode = std::env::var("WTMAP_BENCH_MODE").unwrap_or_default();
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("no benchmark file at {path}; skipped");
        return;
    };
    let opts = crate::records::ReadOptions::new(flex().this, flex().known);
    let (mut parse, mut records) = (Duration::MAX, Duration::MAX);
    let mut count = 0;
    for _ in 0..5 {
        if mode != "read" {
            let t = Instant::now();
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            parse = parse.min(t.elapsed());
            drop(value);
        }
        if mode != "parse" {
            let t = Instant::now();
            let read = crate::records::read_bytes(&path, &bytes, &opts).unwrap();
            records = records.min(t.elapsed());
            count = read.len();
        }
    }
    eprintln!(
        "{count} records, {:.1} MB: serde_json::from_slice::<Value> {parse:?}, read_bytes {records:?} ({:.2}x)",
        bytes.len() as f64 / 1e6,
        records.as_secs_f64() / parse.as_secs_f64()
    );
}
