//! A key twice in one record is reported (issue 21, item 23); quarantine messages and
//! `because` texts stay readable (item 24).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use wtmap::builtins::Context;
use wtmap::check::check_source;
use wtmap::records::{ReadOptions, Shape, read_bytes};
use wtmap::source::SourceFile;

const MAPPING: &str = "source json { path = \"p.json\" }\nfields {\n  Id: text\n  Email: text\n  First: text\n  Last: text\n}\ntarget winningtemp.files { dir = \"out\" }\nuser {\n  external_id = Id\n  username = Email\n  first_name = First\n  last_name = Last\n}\n";

fn record(id: &str, i: usize) -> String {
    format!(r#"{{"Id": {id}, "Email": "p{i}@a.se", "First": "A", "Last": "B"}}"#)
}

#[test]
fn a_key_twice_in_a_record_is_an_error_naming_it() {
    let opts = ReadOptions::new(Shape::Plain);
    let files: [(&str, &str); 3] = [
        ("p.json", r#"[{"Id": "1", "Name": "A", "Name": "B"}]"#),
        (
            "p.ndjson",
            "{\"Id\": \"1\", \"Name\": \"A\", \"Name\": \"B\"}\n",
        ),
        ("p.yaml", "- Id: \"1\"\n  Name: A\n  Name: B\n"),
    ];
    for (name, text) in files {
        let err = read_bytes(name, text.as_bytes(), &opts).unwrap_err();
        assert!(
            err.to_string()
                .contains("the key `Name` appears twice in one record"),
            "{name}: {err}"
        );
    }
    // Equal keys in different records, or nested, are fine.
    let ok = r#"[{"Id": "1", "Name": "A"}, {"Id": "2", "Name": "B", "X": {"Name": 1}}]"#;
    assert_eq!(read_bytes("p.json", ok.as_bytes(), &opts).unwrap().len(), 2);
    let ok = "- Id: \"1\"\n  Name: A\n- Id: \"2\"\n  Name: B\n";
    assert_eq!(read_bytes("p.yaml", ok.as_bytes(), &opts).unwrap().len(), 2);
}

#[test]
fn because_of_a_multi_line_statement_is_its_one_line_form() {
    let text = MAPPING.replace(
        "  first_name = First\n",
        "  first_name = if Id == \"1\"   # one\n    then First\n    else Last\n",
    ) + "group path = [\n  First,   # top\n  Last,\n]\n";
    let (program, diags) = check_source(&SourceFile::new("m.wtmap", text));
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let record = read_bytes(
        "p.json",
        record("1", 0)
            .replace('{', "[{")
            .replace("}", "}]")
            .as_bytes(),
        &ReadOptions::new(Shape::Plain),
    )
    .unwrap()
    .remove(0);
    let ctx = Context {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    };
    let (_, steps) = wtmap::eval::trace_record(&program, &record, &ctx);
    let statements: Vec<String> = steps
        .iter()
        .map(|s| s.because.statement.to_string())
        .collect();
    assert!(
        statements.contains(&"first_name = if Id == \"1\" then First else Last".to_string()),
        "{statements:?}"
    );
    assert!(
        statements.contains(&"group path = [First, Last]".to_string()),
        "{statements:?}"
    );
}

#[test]
fn a_huge_value_is_not_echoed_whole_in_a_quarantine_message() {
    let text = MAPPING.replace("  Last: text\n", "  Last: text\n  Born: date\n")
        + "user { birthday = Born }\n";
    let text = text.replace(
        "  last_name = Last\n}\nuser { birthday = Born }\n",
        "  last_name = Last\n  birthday = Born\n}\n",
    );
    let (program, diags) = check_source(&SourceFile::new("m.wtmap", text));
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let huge = "x".repeat(5_000_000);
    let json = format!(
        r#"[{{"Id": "1", "Email": "a@b.se", "First": "A", "Last": "B", "Born": "{huge}"}}]"#
    );
    let records = read_bytes("p.json", json.as_bytes(), &ReadOptions::new(Shape::Plain)).unwrap();
    let ctx = Context {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    };
    let desired = wtmap::eval::evaluate(&program, &records, &ctx);
    let q = &desired.quarantined[0];
    assert!(q.reason.len() < 1_200, "{} bytes", q.reason.len());
    assert!(q.reason.contains("(5000000 characters)"), "{}", q.reason);
}
