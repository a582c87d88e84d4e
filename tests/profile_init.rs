//! `wtmap profile` and `wtmap init` through the binary, on the example exports in
//! `mappings/data/`: the output of each (snapshots), the drafts checked, tested and planned
//! against the hand-written example mappings, and the refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use std::collections::BTreeSet;
use std::path::Path;

mod common;

use common::{code, stderr, stdout, wtmap};

/// Each example export: its source kind, the records file, extra reading options, and the
/// hand-written mapping for it (none for the three-record camelCase sample).
const EXPORTS: &[(&str, &str, &[&str], Option<&str>)] = &[
    (
        "flex",
        "mappings/data/flex.json",
        &[],
        Some("mappings/flex.wtmap"),
    ),
    ("flex", "mappings/data/flex-camel.json", &[], None),
    (
        "personio",
        "mappings/data/personio.json",
        &[],
        Some("mappings/personio.wtmap"),
    ),
    (
        "worknice",
        "mappings/data/worknice.json",
        &[],
        Some("mappings/worknice.wtmap"),
    ),
    (
        "csv",
        "mappings/data/csv.csv",
        &["--encoding", "windows-1252"],
        Some("mappings/csv.wtmap"),
    ),
];

fn stem(records: &str) -> String {
    Path::new(records)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn profile(kind: &str, records: &str, extra: &[&str], format: &str) -> String {
    let mut args = vec![
        "profile",
        "--source",
        kind,
        "--records",
        records,
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    let o = wtmap(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn profile_of_every_example_export() {
    for (kind, records, extra, _) in EXPORTS {
        let human = profile(kind, records, extra, "human");
        insta::assert_snapshot!(format!("profile_{}_human", stem(records)), human);
    }
    let flex = "mappings/data/flex.json";
    insta::assert_snapshot!(
        "profile_flex_markdown",
        profile("flex", flex, &[], "markdown")
    );
    insta::assert_snapshot!("profile_flex_json", profile("flex", flex, &[], "json"));
}

#[test]
fn profile_json_is_versioned_and_complete() {
    let json: serde_json::Value = serde_json::from_str(&profile(
        "personio",
        "mappings/data/personio.json",
        &[],
        "json",
    ))
    .unwrap();
    assert_eq!(json["format"], "wtmap.profile/v1");
    assert_eq!(json["records"], 44);
    let fields = json["fields"].as_array().unwrap();
    let email = fields.iter().find(|f| f["path"] == "email").unwrap();
    assert_eq!(email["filled"], 43);
    assert_eq!(email["type"]["email_like"], true);
    assert_eq!(email["duplicates"], 1);
    // Nested paths are fields of their own.
    let dept = fields
        .iter()
        .find(|f| f["path"] == "department.name")
        .unwrap();
    assert_eq!(dept["distinct"], 7);
    assert_eq!(dept["distinct_exact"], true);
    let birthday = fields
        .iter()
        .find(|f| f["path"] == "dynamic_180883")
        .unwrap();
    assert_eq!(birthday["type"]["mostly_date"]["format"], "%Y-%m-%d");
    assert_eq!(birthday["type"]["mostly_date"]["others"][0], "03.02.1991");
}

#[test]
fn profile_reads_every_format_alike() {
    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &str); 4] = [
        ("p.csv", "Id;Name;Born\n7;Ada;24.12.1980\n8;Bo;01.01.1990\n"),
        (
            "p.json",
            r#"[{"Id":"7","Name":"Ada","Born":"24.12.1980"},{"Id":"8","Name":"Bo","Born":"01.01.1990"}]"#,
        ),
        (
            "p.ndjson",
            "{\"Id\":\"7\",\"Name\":\"Ada\",\"Born\":\"24.12.1980\"}\n{\"Id\":\"8\",\"Name\":\"Bo\",\"Born\":\"01.01.1990\"}\n",
        ),
        (
            "p.yaml",
            "- Id: \"7\"\n  Name: Ada\n  Born: \"24.12.1980\"\n- Id: \"8\"\n  Name: Bo\n  Born: \"01.01.1990\"\n",
        ),
    ];
    let mut seen = Vec::new();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let kind = name.rsplit('.').next().unwrap();
        let out = profile(kind, path.to_str().unwrap(), &[], "json");
        let mut json: serde_json::Value = serde_json::from_str(&out).unwrap();
        json["records_file"] = serde_json::Value::Null;
        json["source"] = serde_json::Value::Null;
        seen.push((name, json));
    }
    for (name, json) in &seen[1..] {
        assert_eq!(json, &seen[0].1, "{name} differs from p.csv");
    }
    let born = &seen[0].1["fields"][2];
    assert_eq!(born["type"]["base"], "date");
    assert_eq!(born["type"]["date_formats"][0], "%d.%m.%Y");
}

#[test]
fn profile_refuses_what_it_cannot_read_with_the_reason() {
    let o = wtmap(&[
        "profile",
        "--source",
        "sap",
        "--records",
        "mappings/data/flex.json",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("unknown source kind `sap`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("flex"), "{}", stderr(&o));

    // The CSV example is Windows-1252: without the encoding, the first bad byte is named.
    let o = wtmap(&[
        "profile",
        "--source",
        "csv",
        "--records",
        "mappings/data/csv.csv",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("not valid UTF-8 at line 1"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());

    let o = wtmap(&[
        "profile",
        "--source",
        "json",
        "--records",
        "mappings/data/nope.json",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nope.json"), "{}", stderr(&o));
}

/// The records each plan quarantines, by record ID.
fn quarantined(mapping: &str, records: &str) -> BTreeSet<String> {
    let o = wtmap(&[
        "plan",
        mapping,
        "--records",
        records,
        "--today",
        "2026-11-21",
        "--format",
        "json",
    ]);
    assert!(matches!(code(&o), 0 | 3), "{mapping}: {}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    plan["quarantined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["external_id"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn init_drafts_check_clean_pass_their_test_and_quarantine_no_one_the_example_does_not() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, records, extra, example) in EXPORTS {
        let out = dir.path().join(format!("{}.wtmap", stem(records)));
        let out = out.to_str().unwrap();
        let mut args = vec!["init", "--source", kind, "--records", records, "--out", out];
        args.extend_from_slice(extra);
        let o = wtmap(&args);
        assert_eq!(code(&o), 0, "{records}: {}", stderr(&o));
        assert!(stderr(&o).contains("draft written to"), "{}", stderr(&o));

        let check = wtmap(&["check", out]);
        assert_eq!(code(&check), 0, "{records}: {}", stderr(&check));
        assert!(
            stdout(&check).contains("0 errors") || stderr(&check).contains("0 errors"),
            "{records}: {}{}",
            stdout(&check),
            stderr(&check)
        );
        let test = wtmap(&["test", out]);
        assert_eq!(code(&test), 0, "{records}: {}", stdout(&test));
        assert!(stdout(&test).contains("1 passed"), "{}", stdout(&test));
        // Already formatted.
        let fmt = wtmap(&["fmt", "--check", out]);
        assert_eq!(code(&fmt), 0, "{records}: {}", stdout(&fmt));

        if let Some(example) = example {
            let draft = quarantined(out, records);
            let hand = quarantined(example, records);
            assert!(!hand.is_empty(), "{example} quarantines someone");
            let extra: Vec<&String> = draft.difference(&hand).collect();
            assert!(
                extra.is_empty(),
                "the draft for {records} quarantines {extra:?}, which {example} does not"
            );
        }
    }
}

#[test]
fn init_output_on_every_example_export() {
    for (kind, records, extra, _) in EXPORTS {
        let mut args = vec!["init", "--source", kind, "--records", records];
        args.extend_from_slice(extra);
        let o = wtmap(&args);
        assert_eq!(code(&o), 0, "{records}: {}", stderr(&o));
        insta::assert_snapshot!(format!("init_{}", stem(records)), stdout(&o));
    }
    let o = wtmap(&[
        "init",
        "--source",
        "personio",
        "--records",
        "mappings/data/personio.json",
        "--target",
        "scim",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("init_personio_scim", stdout(&o));
}

#[test]
fn init_scim_draft_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, records, extra, _) in EXPORTS {
        let out = dir.path().join("scim.wtmap");
        let out = out.to_str().unwrap();
        let mut args = vec![
            "init",
            "--source",
            kind,
            "--records",
            records,
            "--target",
            "scim",
            "--out",
            out,
            "--force",
        ];
        args.extend_from_slice(extra);
        let o = wtmap(&args);
        assert_eq!(code(&o), 0, "{records}: {}", stderr(&o));
        let check = wtmap(&["check", out]);
        assert_eq!(code(&check), 0, "{records}: {}", stderr(&check));
    }
}

#[test]
fn init_never_replaces_a_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme.wtmap");
    std::fs::write(&out, "# the customer's mapping\n").unwrap();
    let out_s = out.to_str().unwrap();
    let base = [
        "init",
        "--source",
        "flex",
        "--records",
        "mappings/data/flex.json",
        "--out",
        out_s,
    ];
    let o = wtmap(&base);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "# the customer's mapping\n"
    );

    let mut forced = base.to_vec();
    forced.push("--force");
    let o = wtmap(&forced);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("source flex {")
    );

    // `--force` means nothing without `--out`.
    let o = wtmap(&[
        "init",
        "--source",
        "flex",
        "--records",
        "mappings/data/flex.json",
        "--force",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn init_of_a_file_source_points_at_the_records_from_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("exports");
    std::fs::create_dir(&data).unwrap();
    let records = data.join("people.json");
    std::fs::write(
        &records,
        r#"[{"Nr":"1","Mail":"a@x.example","First":"Ada","Last":"Lind","Unit":"A"},
            {"Nr":"2","Mail":"b@x.example","First":"Bo","Last":"Ek","Unit":"A"},
            {"Nr":"3","Mail":"c@x.example","First":"Cy","Last":"Ek","Unit":"B"}]"#,
    )
    .unwrap();
    let out = dir.path().join("mappings").join("acme.wtmap");
    std::fs::create_dir(out.parent().unwrap()).unwrap();
    let o = wtmap(&[
        "init",
        "--source",
        "json",
        "--records",
        records.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("path = \"../exports/people.json\""), "{text}");
    // The mapping plans from its own `path`, without `--records`.
    let plan = wtmap(&["plan", out.to_str().unwrap(), "--today", "2026-11-21"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    assert!(stdout(&plan).contains("a@x.example"), "{}", stdout(&plan));
}

#[test]
fn init_of_an_empty_export_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("none.json");
    std::fs::write(&records, "[]").unwrap();
    let o = wtmap(&[
        "init",
        "--source",
        "json",
        "--records",
        records.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no records"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}
