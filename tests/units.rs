//! The org-unit example (`mappings/units.wtmap`): its plan snapshotted in every form, the same
//! whatever the order of people and units, empty once applied; `explain` shows the unit
//! chain; the command line reads `--units` and stops on a cycle with nothing planned.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use wtmap::builtins::Context;
use wtmap::check::{Program, check_source};
use wtmap::model::CurrentState;
use wtmap::plan::{Plan, apply_to_state, render_human, render_json, render_markdown};
use wtmap::records::Record;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Example {
    name: String,
    program: Program,
    people: Vec<Record>,
    units: Vec<Record>,
    state: CurrentState,
}

fn load() -> Example {
    let path = root().join("mappings/units.wtmap");
    let file = common::read_mapping(&path);
    let program = check_source(&file).0.expect("example checks");
    let people =
        wtmap::sync::read_records(&program, &root().join("mappings/data/units.csv")).unwrap();
    let units_file = wtmap::units::units_file(&program, &path, None).unwrap();
    let units = wtmap::units::read_file(&program, &units_file, None).unwrap();
    let state = wtmap::state::read_state(&root().join("mappings/data/units.state.json")).unwrap();
    Example {
        name: file.name,
        program,
        people,
        units,
        state,
    }
}

fn plan(e: &Example, people: &[Record], units: &[Record], state: &CurrentState) -> Plan {
    let tree = wtmap::units::tree(&e.program, units, &Context { today: today() }).unwrap();
    let mut desired = wtmap::sync::desire(&e.program, people, today());
    wtmap::units::place(&e.program, &tree, &mut desired);
    let mut plan =
        wtmap::sync::plan_desired(&e.name, &e.program, &desired, state, Default::default());
    plan.team_tree = wtmap::plan::team_tree(&desired.teams, &plan.actions);
    plan
}

#[test]
fn the_example_plan_is_snapshotted_in_every_form() {
    let e = load();
    let p = plan(&e, &e.people, &e.units, &e.state);
    assert!(wtmap::guard::guards_passed(&p.guards));
    let kinds: Vec<&str> = p.actions.iter().map(|a| a.action.kind().as_str()).collect();
    for kind in ["create_team", "rename_team", "move_team"] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    insta::assert_snapshot!("plan_units_human", render_human(&p, false));
    insta::assert_snapshot!("plan_units_markdown", render_markdown(&p));
    insta::assert_snapshot!("plan_units_json", render_json(&p));
}

#[test]
fn the_example_plan_does_not_depend_on_the_order_of_people_or_units() {
    let e = load();
    let reference = render_json(&plan(&e, &e.people, &e.units, &e.state));
    for turn in 1..e.units.len() {
        let mut units = e.units.clone();
        units.rotate_left(turn);
        let mut people = e.people.clone();
        people.reverse();
        // Quarantined records are listed in record order: the example has one.
        assert_eq!(
            render_json(&plan(&e, &people, &units, &e.state)),
            reference,
            "units rotated by {turn}"
        );
    }
}

#[test]
fn applying_the_example_plan_then_planning_again_changes_nothing() {
    let e = load();
    let first = plan(&e, &e.people, &e.units, &e.state);
    let after = apply_to_state(&e.state, &first.actions);
    let second = plan(&e, &e.people, &e.units, &after);
    assert!(
        second.actions.is_empty(),
        "{}",
        render_human(&second, false)
    );
    assert!(second.team_tree.is_empty());
}

fn wtmap(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .args(["--today", "2026-11-21", "--color", "never"])
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn explain_shows_a_persons_unit_chain_up_to_the_top() {
    let o = wtmap(&[
        "explain",
        "mappings/units.wtmap",
        "104",
        "--state",
        "mappings/data/units.state.json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    insta::assert_snapshot!("explain_units_104", text(&o));
    let o = wtmap(&[
        "explain",
        "mappings/units.wtmap",
        "110",
        "--state",
        "mappings/data/units.state.json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("quarantined (E0424)"), "{out}");
    assert!(
        out.contains("Org unit: `U77`, which is not among the units"),
        "{out}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_plan_command_reads_units_in_any_format_and_stops_on_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    // The same units as JSON, given with `--units`: the same plan as the CSV file of the source.
    let csv = wtmap(&[
        "plan",
        "mappings/units.wtmap",
        "--state",
        "mappings/data/units.state.json",
        "--format",
        "json",
    ]);
    assert!(csv.status.success(), "{}", text(&csv));
    let e = load();
    let as_json: Vec<serde_json::Value> = e
        .units
        .iter()
        .map(|r| serde_json::Value::Object(r.fields.clone()))
        .collect();
    let json = write(
        dir.path(),
        "units.json",
        &serde_json::to_string(&as_json).unwrap(),
    );
    let yaml = write(
        dir.path(),
        "units.yaml",
        &serde_yaml_ng::to_string(&as_json).unwrap(),
    );
    for units in [&json, &yaml] {
        let o = wtmap(&[
            "plan",
            "mappings/units.wtmap",
            "--state",
            "mappings/data/units.state.json",
            "--format",
            "json",
            "--units",
            units.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(o.stdout, csv.stdout, "{}", units.display());
    }

    // A cycle: an error naming its units, exit 2, nothing on standard output.
    let cycle = write(
        dir.path(),
        "cycle.csv",
        "UnitId,UnitName,ParentId,HeadId\nU1,Acme,,\nU10,Sales,U11,\nU11,Nordics,U10,\n",
    );
    let o = wtmap(&[
        "plan",
        "mappings/units.wtmap",
        "--units",
        cycle.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`U10` (Sales) → `U11` (Nordics) → `U10`")
            && err.contains("nothing was planned"),
        "{err}"
    );

    // A unit file that is missing: an error naming it, nothing planned.
    let o = wtmap(&["plan", "mappings/units.wtmap", "--units", "no/such.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no/such.csv"), "{}", text(&o));
}

#[test]
fn schema_lists_the_unit_fields_of_each_source_kind() {
    let schema = |kind: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
            .args(["schema", kind])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let out = schema("personio");
    assert!(out.contains("Unit fields (org units"), "{out}");
    assert!(out.contains("parent_id"), "{out}");
    let out = schema("csv");
    assert!(out.contains("declared in `unit fields { … }`"), "{out}");
}

/// `wtmap run` places units through the same core as `plan`: the example exports its teams
/// with the unit tree, and a units file with a cycle stops the run before anything is written.
#[test]
fn the_nightly_run_places_units_and_stops_on_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, to: &str| {
        std::fs::copy(root().join(from), dir.path().join(to)).unwrap();
    };
    std::fs::create_dir(dir.path().join("data")).unwrap();
    copy("mappings/units.wtmap", "m.wtmap");
    copy("mappings/data/units.csv", "data/units.csv");
    copy(
        "mappings/data/units.org_units.csv",
        "data/units.org_units.csv",
    );
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_wtmap"))
            .args([
                "run",
                "m.wtmap",
                "--today",
                "2026-11-21",
                "--format",
                "json",
            ])
            .current_dir(dir.path())
            .env_remove("WTMAP_SMTP_HOST")
            .output()
            .unwrap()
    };
    let out_dir = dir.path().join("out/acme-group");

    let o = run();
    // Person 110's unit is missing (E0424): a success with a quarantine, exit 4.
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let teams = std::fs::read_to_string(out_dir.join("wt_groups.csv")).unwrap();
    assert!(teams.contains("U1") && teams.contains("U11"), "{teams}");

    // A cycle: the run stops as the source failing (exit 5); the export is untouched.
    let before = std::fs::read_to_string(out_dir.join("wt_users.csv")).unwrap();
    std::fs::write(
        dir.path().join("data/units.org_units.csv"),
        "UnitId,UnitName,ParentId,HeadId\nU1,Acme,,\nU10,Sales,U11,\nU11,Nordics,U10,\n",
    )
    .unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(text(&o).contains("org units"), "{}", text(&o));
    let after = std::fs::read_to_string(out_dir.join("wt_users.csv")).unwrap();
    assert_eq!(before, after);
}
