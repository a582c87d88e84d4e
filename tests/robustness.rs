//! The parser, checker and evaluator never panic and never lose a record: every prefix of
//! every example, shuffled and random inputs, and records with arbitrary field values.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use proptest::prelude::*;
use std::path::Path;
use wtmap::builtins::Context;
use wtmap::check::check_source;
use wtmap::records::{Origin, Record};
use wtmap::source::SourceFile;

fn examples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["mappings", "mappings/errors"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut paths: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "wtmap"))
        {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    out
}

fn check_text(text: &str) {
    let (_, diags) = check_source(&SourceFile::new("fuzz.wtmap", text));
    for d in diags.iter() {
        let span = d.span();
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "span {span:?} outside {} bytes",
            text.len()
        );
    }
}

#[test]
fn every_prefix_of_every_example_checks_without_panicking() {
    for (name, text) in examples() {
        // All prefixes of the documentation mappings; every third of the small error examples.
        let step = if name.contains("errors") { 3 } else { 1 };
        for end in (0..=text.len())
            .step_by(step)
            .filter(|i| text.is_char_boundary(*i))
        {
            check_text(&text[..end]);
        }
    }
}

#[test]
fn shuffled_and_duplicated_lines_check_without_panicking() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (_, text) in examples() {
        let lines: Vec<&str> = text.lines().collect();
        for _ in 0..20 {
            let mut shuffled = lines.clone();
            for i in (1..shuffled.len()).rev() {
                let j = (next() % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            let k = (next() as usize) % shuffled.len().max(1);
            let dup = shuffled.get(k).copied().unwrap_or("");
            shuffled.push(dup);
            check_text(&shuffled.join("\n"));
        }
    }
}

const TOKENS: &[&str] = &[
    "source",
    "csv",
    "flex",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    "==",
    "->",
    "_",
    "|",
    ",",
    ":",
    "?",
    "user",
    "fields",
    "target",
    "winningtemp.scim",
    "group",
    "path",
    "segment",
    "exclude",
    "skip",
    "pause",
    "when",
    "rules",
    "guard",
    "pauses",
    "<=",
    ">=",
    "5%",
    "schedule",
    "daily",
    "at",
    "01:00",
    "Europe/Stockholm",
    "report",
    "to",
    "test",
    "given",
    "expect",
    "match",
    "by",
    "external_id",
    "email",
    "Id",
    "Förnamn",
    "`Cost center`",
    "department.name",
    "\"text\"",
    "\"",
    "1",
    "2",
    "2025-02-30",
    "2025-01-31",
    "true",
    "and",
    "or",
    "not",
    "is",
    "empty",
    "in",
    "??",
    "if",
    "then",
    "else",
    "today",
    "lower",
    "date",
    "required",
    "env(\"X\")",
    "Male",
    "text",
    "date(\"%d.%m.%Y\")",
    "list<text>",
    "#",
    "\n",
    " ",
    "Paused",
    "from",
    "ids",
    "every",
    "minutes",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn token_soup_checks_without_panicking(picks in proptest::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: Vec<&str> = picks.iter().map(|i| TOKENS[*i]).collect();
        check_text(&text.join(" "));
    }

    #[test]
    fn arbitrary_text_checks_without_panicking(text in "\\PC{0,200}") {
        check_text(&text);
    }

    #[test]
    fn every_record_is_accounted_for(values in proptest::collection::vec(
        (any_json(), any_json(), any_json(), any_json(), any_json()), 1..30)) {
        let file = SourceFile::new("flex.wtmap", std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/flex.wtmap")).unwrap());
        let (program, _) = check_source(&file);
        let program = program.unwrap();
        let records: Vec<Record> = values.into_iter().enumerate().map(|(i, (id, email, gender, born, office))| {
            let mut fields = serde_json::Map::new();
            fields.insert("Id".into(), id);
            fields.insert("EmailWork".into(), email);
            fields.insert("FirstName".into(), serde_json::json!("Anna"));
            fields.insert("LastName".into(), serde_json::json!("Berg"));
            fields.insert("Gender".into(), gender);
            fields.insert("DateOfBirth".into(), born);
            fields.insert("Office".into(), office);
            Record { fields, origin: Origin { index: i, line: Some(i + 2) } }
        }).collect();
        let ctx = Context { today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap() };
        let desired = wtmap::eval::evaluate(&program, &records, &ctx);
        let accounted = desired.users.len() + desired.skipped.len() + desired.quarantined.len();
        prop_assert_eq!(accounted, records.len());
    }
}

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-zA-ZåäöÅÄÖ@. 0-9_-]{0,12}".prop_map(serde_json::Value::String),
        Just(serde_json::json!("1990-06-14T00:00:00")),
        Just(serde_json::json!("1990-13-45")),
        Just(serde_json::json!(["a", "b"])),
        Just(serde_json::json!({"name": "x"})),
    ]
}
