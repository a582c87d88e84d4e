//! Numeric IDs keep their exact text and a key twice in one record is reported (issue 21,
//! item 23); quarantine messages and `because` texts stay readable (item 24).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use proptest::prelude::*;
use wtmap::builtins::Context;
use wtmap::check::check_source;
use wtmap::records::{ReadOptions, Shape, read_bytes};
use wtmap::source::SourceFile;

const MAPPING: &str = "source json { path = \"p.json\" }\nfields {\n  Id: text\n  Email: text\n  First: text\n  Last: text\n}\ntarget winningtemp.files { dir = \"out\" }\nuser {\n  external_id = Id\n  username = Email\n  first_name = First\n  last_name = Last\n}\n";

fn record(id: &str, i: usize) -> String {
    format!(r#"{{"Id": {id}, "Email": "p{i}@a.se", "First": "A", "Last": "B"}}"#)
}

/// The external IDs the mapping gives the records of `name` (`p.json`, `p.ndjson`) read in
/// `shape`.
fn ids(name: &str, bytes: &[u8], shape: &'static Shape) -> Vec<String> {
    let (program, diags) = check_source(&SourceFile::new("m.wtmap", MAPPING));
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let records = read_bytes(
        name,
        bytes,
        &ReadOptions::new(shape, wtmap::connectors::shapes()),
    )
    .unwrap();
    let ctx = Context {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    };
    let desired = wtmap::eval::evaluate(&program, &records, &ctx);
    assert!(desired.quarantined.is_empty(), "{:?}", desired.quarantined);
    desired.users.keys().cloned().collect()
}

/// A record of [`record`] as a Personio employee, its values' text untouched:
/// `{"type": "Employee", "attributes": {"Id": {"value": 1e3}, …}}`.
fn personio_employee(record: &str) -> String {
    let inner = record.trim_start_matches('{').trim_end_matches('}');
    let attributes: Vec<String> = inner
        .split(", \"")
        .map(|pair| {
            let (key, value) = pair.split_once(": ").unwrap();
            format!("\"{}\": {{\"value\": {value}}}", key.trim_matches('"'))
        })
        .collect();
    format!(
        r#"{{"type": "Employee", "attributes": {{{}}}}}"#,
        attributes.join(", ")
    )
}

/// `records` (JSON objects) as a YAML block sequence: `- Id: 1e3\n  Email: …`.
fn yaml_block(records: &[String]) -> String {
    let mut text = String::new();
    for record in records {
        let inner = record.trim_start_matches('{').trim_end_matches('}');
        for (i, pair) in inner.split(", \"").enumerate() {
            let (key, value) = pair.split_once(": ").unwrap();
            let dash = if i == 0 { "- " } else { "  " };
            text.push_str(&format!("{dash}{}: {value}\n", key.trim_matches('"')));
        }
    }
    text
}

/// `ids` of one file holding `records`, as a JSON array and as NDJSON, read as plain records
/// and as Flex records, as YAML (block and flow), and as Personio exports (a bare array, a
/// page): all must agree.
fn ids_everywhere(records: &[String]) -> Vec<String> {
    let json = format!("[{}]", records.join(",\n"));
    let ndjson = records.join("\n") + "\n";
    let mut all = Vec::new();
    for shape in [
        &wtmap::records::PLAIN,
        wtmap::connectors::shape("flex").unwrap(),
    ] {
        let yaml_flow: String = records.iter().map(|r| format!("- {r}\n")).collect();
        let yaml_block = yaml_block(records);
        for (name, text) in [
            ("p.json", &json),
            ("p.ndjson", &ndjson),
            ("p.yaml", &yaml_flow),
            ("p.yaml", &yaml_block),
        ] {
            let mut got = ids(name, text.as_bytes(), shape);
            got.sort();
            all.push(got);
        }
    }
    // Personio exports: a bare array of employees, and the API's page envelope, each
    // employee `{"type": "Employee", "attributes": {key: {"value": …}}}`.
    let employees: Vec<String> = records.iter().map(|r| personio_employee(r)).collect();
    let bare = format!("[{}]", employees.join(",\n"));
    let page = format!(
        r#"{{"success": true, "data": [{}]}}"#,
        employees.join(",\n")
    );
    for text in [&bare, &page] {
        let mut got = ids(
            "p.json",
            text.as_bytes(),
            wtmap::connectors::shape("personio").unwrap(),
        );
        got.sort();
        all.push(got);
    }
    for other in &all[1..] {
        assert_eq!(other, &all[0], "readers disagree");
    }
    all.swap_remove(0)
}

/// Issue 21, item 23: a number used as an ID is its text as written, digit for digit (it used
/// to go through f64: `12345678901234567890123` became `1.2345678901234568e+22`, `1e3`
/// became `1000.0`).
#[test]
fn big_and_written_out_numbers_keep_their_text() {
    for id in [
        "12345678901234567890123",
        "1e3",
        "1E+3",
        "1.50",
        "-0",
        "0.1",
        "1.5",
        "18446744073709551616",
        "18446744073709551615",
        "-9223372036854775808",
        "7",
    ] {
        assert_eq!(
            ids_everywhere(&[record(id, 0)]),
            vec![id.to_string()],
            "{id}"
        );
    }
}

/// Through the binary: the JSON plan names the user by the exact text.
#[test]
fn the_plan_carries_the_exact_id() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), MAPPING).unwrap();
    let json = format!(
        "[{},\n{}]",
        record("12345678901234567890123", 0),
        record("1e3", 1)
    );
    std::fs::write(dir.path().join("p.json"), json).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["plan", "m.wtmap", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "create_user")
        .map(|a| a["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["12345678901234567890123", "1e3"]);
}

#[test]
fn a_key_twice_in_a_record_is_an_error_naming_it() {
    let opts = ReadOptions::new(&wtmap::records::PLAIN, wtmap::connectors::shapes());
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
        &ReadOptions::new(&wtmap::records::PLAIN, wtmap::connectors::shapes()),
    )
    .unwrap()
    .remove(0);
    let ctx = Context {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    };
    let (_, steps) = wtmap::eval::trace_record(&program, &record, &ctx);
    let statements: Vec<String> = steps
        .iter()
        .map(|s| s.because.statement().to_string())
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
    let records = read_bytes(
        "p.json",
        json.as_bytes(),
        &ReadOptions::new(&wtmap::records::PLAIN, wtmap::connectors::shapes()),
    )
    .unwrap();
    let ctx = Context {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    };
    let desired = wtmap::eval::evaluate(&program, &records, &ctx);
    let q = &desired.quarantined[0];
    assert!(q.reason.len() < 1_200, "{} bytes", q.reason.len());
    assert!(q.reason.contains("(5000000 characters)"), "{}", q.reason);
}

/// A JSON number as written: a sign, up to 41 integer digits, maybe a fraction of up to 20
/// digits, maybe an exponent of up to two digits (a number beyond f64's range, `1e999`, is
/// refused as a read error, as before).
fn number() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "[1-9][0-9]{0,40}|0",
        proptest::option::of("[0-9]{1,20}"),
        proptest::option::of(("[eE]", "[+-]?", "[0-9]{1,2}")),
    )
        .prop_map(|(neg, int, frac, exp)| {
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some((e, sign, digits)) = exp {
                s.push_str(&format!("{e}{sign}{digits}"));
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Every JSON number used as an ID is its own text, in JSON, NDJSON and YAML, plain and
    /// Flex.
    #[test]
    fn any_json_number_as_an_id_is_its_own_text(
        nums in proptest::collection::btree_set(number(), 1..10)
    ) {
        let records: Vec<String> = nums.iter().enumerate().map(|(i, n)| record(n, i)).collect();
        let got = ids_everywhere(&records);
        let want: Vec<String> = nums.into_iter().collect();
        prop_assert_eq!(got, want);
    }
}
