//! Plans of every example mapping over its example data and state: snapshotted (human and
//! JSON), deterministic whatever the record order, and idempotent (apply, plan again: empty).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::path::Path;
use std::process::Command;
use wtmap::check::check_source;
use wtmap::model::{CurrentState, DesiredState};
use wtmap::plan::{apply_to_state, render_human, render_json};
use wtmap::records::Record;
use wtmap::sync::{PlanInput, desire, desire_from_file, plan, plan_desired, read_records};

/// Each example mapping and its records file in `mappings/data/` (its state is
/// `mappings/data/NAME.state.json`). `acme_scim` is Acme's Flex integration over SCIM.
const EXAMPLES: &[(&str, &str)] = &[
    ("flex", "flex.json"),
    ("personio", "personio.json"),
    ("worknice", "worknice.json"),
    ("csv", "csv.csv"),
    ("acme_scim", "flex.json"),
];

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

struct Example {
    name: String,
    program: wtmap::check::Program,
    records: Vec<Record>,
    state: CurrentState,
}

fn load(name: &str, records: &str) -> Example {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = common::read_mapping(&root.join(format!("mappings/{name}.wtmap")));
    let program = check_source(&file).0.expect("example checks");
    let records = read_records(&program, &root.join(format!("mappings/data/{records}"))).unwrap();
    let state =
        wtmap::state::read_state(&root.join(format!("mappings/data/{name}.state.json"))).unwrap();
    Example {
        name: file.name,
        program,
        records,
        state,
    }
}

fn plan_of(e: &Example, records: &[Record], state: &CurrentState) -> wtmap::plan::Plan {
    plan(&PlanInput {
        mapping: &e.name,
        program: &e.program,
        records,
        current: state,
        today: today(),
        allow: Default::default(),
    })
    .0
}

#[test]
fn example_plans_are_snapshotted_and_pass_their_guards() {
    for (name, records) in EXAMPLES {
        let e = load(name, records);
        let p = plan_of(&e, &e.records, &e.state);
        assert!(
            wtmap::guard::guards_passed(&p.guards),
            "{name}: a guard stopped the example plan"
        );
        assert!(
            !p.actions.is_empty(),
            "{name}: the example should show changes"
        );
        insta::assert_snapshot!(format!("plan_{name}_human"), render_human(&p, false));
        insta::assert_snapshot!(format!("plan_{name}_json"), render_json(&p));
    }
}

#[test]
fn plans_do_not_depend_on_record_order() {
    for (name, records) in EXAMPLES {
        let e = load(name, records);
        let reference = render_json(&plan_of(&e, &e.records, &e.state));
        let mut reversed = e.records.clone();
        reversed.reverse();
        assert_eq!(
            render_json(&plan_of(&e, &reversed, &e.state)),
            reference,
            "{name}: reversed"
        );
        let mut rotated = e.records.clone();
        rotated.rotate_left(e.records.len() / 3);
        assert_eq!(
            render_json(&plan_of(&e, &rotated, &e.state)),
            reference,
            "{name}: rotated"
        );
    }
}

#[test]
fn applying_an_example_plan_then_planning_again_changes_nothing() {
    for (name, records) in EXAMPLES {
        let e = load(name, records);
        let first = plan_of(&e, &e.records, &e.state);
        let after = apply_to_state(&e.state, &first.actions);
        let second = plan_of(&e, &e.records, &after);
        assert!(
            second.actions.is_empty(),
            "{name}: second plan is not empty:\n{}",
            render_human(&second, false)
        );
    }
}

fn explain(mapping: &str, records: &str, record: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args([
            "explain",
            mapping,
            record,
            "--records",
            records,
            "--today",
            "2026-11-21",
            "--color",
            "never",
        ])
        .arg("--state")
        .arg(
            records
                .replace(".json", ".state.json")
                .replace(".csv", ".state.json"),
        )
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "explain {mapping} {record}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn explain_of_representative_records() {
    let cases = [
        (
            "flex",
            "mappings/data/flex.json",
            "c646259b",
            "a team lead in their own team",
        ),
        (
            "flex",
            "mappings/data/flex.json",
            "4975035c",
            "a duplicate username",
        ),
        (
            "flex",
            "mappings/data/flex.json",
            "354d6c0d",
            "external personnel",
        ),
        (
            "personio",
            "mappings/data/personio.json",
            "4729",
            "linked by email",
        ),
        (
            "personio",
            "mappings/data/personio.json",
            "4723",
            "a birthday in the wrong format",
        ),
        (
            "worknice",
            "mappings/data/worknice.json",
            "prs_01NBN2ZFB8NS",
            "a leaver",
        ),
        (
            "csv",
            "mappings/data/csv.csv",
            "1029",
            "a manager outside the export",
        ),
    ];
    for (name, records, prefix, what) in cases {
        let e = load(name, records.trim_start_matches("mappings/data/"));
        // Record IDs may be long UUIDs: find the full one by its prefix.
        let id = e
            .records
            .iter()
            .find_map(|r| {
                let v = r.fields.get(if name == "csv" {
                    "Anställningsnummer"
                } else if name == "flex" {
                    "Id"
                } else {
                    "id"
                })?;
                let s = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                s.starts_with(prefix).then_some(s)
            })
            .unwrap_or_else(|| panic!("{name}: no record {prefix} ({what})"));
        let text = explain(&format!("mappings/{name}.wtmap"), records, &id);
        insta::assert_snapshot!(format!("explain_{name}_{prefix}"), text);
    }
}

/// `wtmap plan` evaluates each record as it is read (`desire_from_file`); that must be exactly
/// what reading all records and then evaluating them gives, for every example and for a file
/// big enough to be read on several threads.
#[test]
fn reading_and_evaluating_in_one_pass_gives_the_same_desired_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, records) in EXAMPLES {
        let e = load(name, records);
        desire_both_ways(&e.program, &root.join(format!("mappings/data/{records}")));
    }

    // A Flex file is seen record by record as a list of fields (`records::Fields::Flat`), not a
    // map: camelCase keys, escaped text, numbers and nested values must evaluate alike.
    let e = load("flex", "flex.json");
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd.json");
    let camel = std::fs::read_to_string(root.join("mappings/data/flex-camel.json")).unwrap();
    let text = camel.replacen(
        "\"firstName\": \"",
        "\"extra\": {\"a\": [1, 2.5, null, true]}, \"n\": 7, \"firstName\": \"A\\u00e9\\\"",
        3,
    );
    assert_eq!(
        text.matches("\"extra\"").count(),
        3,
        "the camelCase example changed"
    );
    std::fs::write(&odd, &text).unwrap();
    for path in [root.join("mappings/data/flex-camel.json"), odd] {
        desire_both_ways(&e.program, &path);
    }

    let path = big_flex_file(dir.path(), 90);
    assert!(std::fs::metadata(&path).unwrap().len() > 2 << 20);
    let desired = desire_both_ways(&e.program, &path);
    assert!(desired.users.len() > 80 * 42 / 2, "{}", desired.users.len());
    assert!(!desired.quarantined.is_empty());

    // A broken record far into the file fails the whole read, as `read_records` does.
    let mut text = std::fs::read_to_string(&path).unwrap();
    let at = text.len() * 9 / 10;
    let brace = at + text[at..].find('{').unwrap();
    text.insert_str(brace + 1, "\"broken\" ");
    std::fs::write(&path, &text).unwrap();
    let one_pass = desire_from_file(&e.program, &path, today()).unwrap_err();
    let two_pass = read_records(&e.program, &path).unwrap_err();
    assert_eq!(one_pass.to_string(), two_pass.to_string());

    // So does a record with one field spelt two ways.
    let mut text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"broken\" ", "");
    let at = text.len() / 2 + text[text.len() / 2..].find("\"FirstName\"").unwrap();
    text.insert_str(at, "\"firstName\": \"Twice\", ");
    std::fs::write(&path, &text).unwrap();
    let one_pass = desire_from_file(&e.program, &path, today()).unwrap_err();
    let two_pass = read_records(&e.program, &path).unwrap_err();
    assert!(one_pass.to_string().contains("twice"), "{one_pass}");
    assert_eq!(one_pass.to_string(), two_pass.to_string());
}

/// The Flex example's people `copies` times over (~28 KB a copy), with fresh IDs per copy
/// (managers pointing into the same copy) and the last copy's IDs repeating the first's, so
/// quarantines are part of every comparison.
fn big_flex_file(dir: &Path, copies: usize) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let people: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(root.join("mappings/data/flex.json")).unwrap())
            .unwrap();
    let mut big = Vec::new();
    for copy in 0..copies {
        for person in &people {
            let mut p = person.clone();
            let suffix = if copy == copies - 1 { 0 } else { copy };
            for key in ["Id", "ImmediateManagerEmployeeId", "EmailWork"] {
                if let Some(serde_json::Value::String(s)) = p.get_mut(key) {
                    *s = format!("{suffix}.{s}");
                }
            }
            big.push(p);
        }
    }
    let path = dir.join("big.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&big).unwrap()).unwrap();
    path
}

/// The desired state of a records file read and evaluated in one pass (as `wtmap plan` does),
/// checked against reading every record first and then evaluating them.
fn desire_both_ways(program: &wtmap::check::Program, path: &Path) -> DesiredState {
    let records = read_records(program, path).unwrap();
    let one_pass = desire_from_file(program, path, today()).unwrap();
    let two_pass = desire(program, &records, today());
    assert_eq!(one_pass, two_pass, "{path:?}");
    two_pass
}

/// Issue 15, item 3: evaluation finishes the desired state (its memberships, with their
/// warnings, are made before the diff), and the diff only reads it: planning a big state (the
/// diff on two cores) leaves it exactly as it was, and planning it again gives the same plan.
#[test]
fn the_desired_state_leaves_evaluation_complete_and_planning_only_reads_it() {
    let e = load("flex", "flex.json");
    let dir = tempfile::tempdir().unwrap();
    let path = big_flex_file(dir.path(), 150);
    let desired = desire_from_file(&e.program, &path, today()).unwrap();
    // Above the 4,096 users from which the diff uses a second core.
    assert!(desired.users.len() > 5000, "{}", desired.users.len());
    assert!(desired.memberships.roles.len() >= desired.users.len());
    assert!(
        (desired.memberships.warnings.iter()).any(|w| w.code == "W0451"),
        "a manager outside the export is warned about"
    );
    let before = desired.clone();
    for state in [CurrentState::default(), e.state.clone()] {
        let plan = |desired: &DesiredState| {
            plan_desired("big", &e.program, desired, &state, Default::default())
        };
        let first = plan(&desired);
        if state.users.is_empty() {
            assert_eq!(first.summary.create_user, desired.users.len());
        }
        let json = render_json(&first);
        assert!(json.contains("add_membership"));
        assert!(
            json.contains("W0451"),
            "the memberships' warnings are in the plan"
        );
        assert_eq!(desired, before, "planning left the desired state as it was");
        assert_eq!(render_json(&plan(&desired)), json);
    }
}
