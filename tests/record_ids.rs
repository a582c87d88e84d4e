//! Issue 18 ("Machine output keeps identity and position apart"): a skipped or quarantined
//! record's `record_id` in the JSON plan (`wtmap.plan/v3`) is the record's ID alone, with its
//! position and line in fields of their own; human output still names it as before; an older
//! plan is refused by `apply --plan` with its version named.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const MAPPING: &str = "source csv { path = \"people.csv\" }\n\
    fields { id: text, mail: text?, team: text? }\n\
    target winningtemp.files { dir = \"out\" }\n\
    user {\n  external_id = id\n  username = required(mail)\n  first_name = id\n  last_name = id\n}\n\
    group path = [team ?? \"None\"]\n\
    skip when team == \"Gone\"\n";

/// Records 1..=13; #7 and #10 share an email (E0406), #3 is skipped, #12 has no email
/// (`required` fails: E0403), #13 has no ID.
const PEOPLE: &str = "id,mail,team\n\
    E001,p1@x.example,A\n\
    E002,p2@x.example,A\n\
    E003,p3@x.example,Gone\n\
    E004,p4@x.example,A\n\
    E005,p5@x.example,A\n\
    E006,p6@x.example,A\n\
    E007,same@x.example,B\n\
    E008,p8@x.example,B\n\
    E009,p9@x.example,B\n\
    E010,same@x.example,B\n\
    E011,p11@x.example,B\n\
    E012,,B\n\
    ,p13@x.example,B\n";

fn wtmap(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), MAPPING).unwrap();
    std::fs::write(dir.path().join("people.csv"), PEOPLE).unwrap();
    dir
}

fn json_plan(dir: &Path) -> Value {
    let o = wtmap(
        dir,
        &["plan", "m.wtmap", "--format", "json", "--out", "plan.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap()
}

#[test]
fn record_id_position_and_line_are_separate_fields() {
    let dir = fixture();
    let plan = json_plan(dir.path());
    assert_eq!(plan["format"], "wtmap.plan/v3");

    let skipped = plan["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["record_id"], "E003");
    assert_eq!(skipped[0]["position"], 3);
    assert_eq!(skipped[0]["line"], 4);

    let quarantined = plan["quarantined"].as_array().unwrap();
    assert_eq!(quarantined.len(), 4, "{quarantined:?}");
    let ids: Vec<(&str, u64, u64, &str)> = quarantined[..3]
        .iter()
        .map(|q| {
            (
                q["record_id"].as_str().unwrap(),
                q["position"].as_u64().unwrap(),
                q["line"].as_u64().unwrap(),
                q["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("E007", 7, 8, "E0406"),
            ("E010", 10, 11, "E0406"),
            ("E012", 12, 13, "E0403"),
        ]
    );
    // A record whose ID could not be computed: no ID, its position and line.
    let last = &quarantined[3];
    assert_eq!(last["record_id"], Value::Null, "{last}");
    assert_eq!(
        (last["position"].as_u64(), last["line"].as_u64()),
        (Some(13), Some(14))
    );
    // The reason still tells the two sharing records apart by position.
    assert!(
        quarantined[0]["reason"]
            .as_str()
            .unwrap()
            .contains("#10 (line 11)"),
        "{quarantined:?}"
    );
}

/// The human plan names records as it did before v3: by ID, and by ID and position when
/// the record shares a key with another.
#[test]
fn the_human_plan_names_records_as_before() {
    let dir = fixture();
    let o = wtmap(dir.path(), &["plan", "m.wtmap"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("  record E003: "), "{out}");
    assert!(out.contains("  record E007 #7 (line 8): E0406 "), "{out}");
    assert!(out.contains("  record E010 #10 (line 11): E0406 "), "{out}");
    assert!(out.contains("  record E012: E0403 "), "{out}");
    assert!(out.contains("  record #13 (line 14): E0401 "), "{out}");
}

/// A `wtmap.plan/v2` plan (an older wtmap's, with `record_id` as one string) is refused by
/// name, before any of its fields are read, and nothing is applied.
#[test]
fn apply_refuses_an_older_plan_by_its_version() {
    let dir = fixture();
    let d = dir.path();
    let mut plan = json_plan(d);
    plan["format"] = "wtmap.plan/v2".into();
    for q in plan["quarantined"].as_array_mut().unwrap() {
        let q = q.as_object_mut().unwrap();
        let label = match q["record_id"].as_str() {
            Some(id) => format!("{id} #{} (line {})", q["position"], q["line"]),
            None => format!("#{} (line {})", q["position"], q["line"]),
        };
        q.remove("position");
        q.remove("line");
        q.insert("record_id".into(), label.into());
    }
    std::fs::write(d.join("v2.json"), plan.to_string()).unwrap();
    let o = wtmap(d, &["apply", "m.wtmap", "--plan", "v2.json", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("is `wtmap.plan/v2`, not wtmap.plan/v3; nothing was applied"),
        "{err}"
    );
    assert!(err.contains("Plan again"), "{err}");
    assert!(!d.join("out").exists());

    // The same plan in v3 applies.
    let o = wtmap(d, &["apply", "m.wtmap", "--plan", "plan.json", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
