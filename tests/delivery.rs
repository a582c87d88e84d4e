//! Delivery hardening (issue 21), through the binary, on the file integration (no server):
//! a plan file is bound to its mapping, target and state, and its guard verdicts are never
//! trusted; the export and the state it records stay together.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const MAPPING: &str = "source csv { path = \"people.csv\" }\n\
    fields { id: text, mail: text, team: text? }\n\
    target winningtemp.files { dir = \"out\" }\n\
    user {\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}\n\
    group path = [team ?? \"None\"]\n";

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

fn people(dir: &Path, n: usize) {
    let mut csv = String::from("id,mail,team\n");
    for i in 0..n {
        csv.push_str(&format!("E{i},p{i}@x.example,T{}\n", i % 3));
    }
    std::fs::write(dir.join("people.csv"), csv).unwrap();
}

fn fixture(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), MAPPING).unwrap();
    people(dir.path(), n);
    dir
}

/// `plan --format json --out plan.json`, read back.
fn plan(dir: &Path, mapping: &str) -> Value {
    let o = wtmap(
        dir,
        &["plan", mapping, "--format", "json", "--out", "plan.json"],
    );
    assert!(o.status.code() == Some(0), "{}", stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap()
}

fn apply_plan(dir: &Path, mapping: &str, file: &str) -> Output {
    wtmap(dir, &["apply", mapping, "--plan", file, "--yes"])
}

/// Issue 21, item 4: the plan records what it was made from, and `apply --plan` refuses it
/// for another mapping, an edited mapping, or a state that changed since.
#[test]
fn a_plan_file_is_bound_to_its_mapping_target_and_state() {
    let dir = fixture(20);
    let d = dir.path();
    let p = plan(d, "m.wtmap");
    assert_eq!(p["format"], "wtmap.plan/v3");
    let inputs = &p["inputs"];
    assert!(inputs["mapping"].as_str().unwrap().ends_with("m.wtmap"));
    assert_eq!(inputs["mapping_sha256"].as_str().unwrap().len(), 64);
    assert!(inputs["target"].as_str().unwrap().starts_with("files:"));
    assert_eq!(inputs["state_sha256"].as_str().unwrap().len(), 64);

    // Another mapping with the same text and target: refused, not merely warned about.
    std::fs::write(d.join("other.wtmap"), MAPPING).unwrap();
    let o = apply_plan(d, "other.wtmap", "plan.json");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("it was made for the mapping")
            && stderr(&o).contains("nothing was applied"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("out").exists(), "something was exported");

    // The same mapping, edited since: refused.
    std::fs::write(d.join("m.wtmap"), format!("{MAPPING}# edited\n")).unwrap();
    let o = apply_plan(d, "m.wtmap", "plan.json");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("has changed since"), "{}", stderr(&o));
    std::fs::write(d.join("m.wtmap"), MAPPING).unwrap();

    // As made: applied.
    let o = apply_plan(d, "m.wtmap", "plan.json");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.join("out/wt_users.csv").exists());

    // Once more: the state it was made against is gone (stale), so it is refused.
    let o = apply_plan(d, "m.wtmap", "plan.json");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("made against another state"),
        "{}",
        stderr(&o)
    );
}

/// Issue 21, item 4: a plan file's `"guards": []` and a forged source size are not trusted;
/// every guard is checked again on the plan's own actions against the state found now.
#[test]
fn apply_checks_every_guard_again_whatever_the_plan_file_says() {
    let dir = fixture(20);
    let d = dir.path();
    plan(d, "m.wtmap");
    assert_eq!(apply_plan(d, "m.wtmap", "plan.json").status.code(), Some(0));

    // A plan against the exported state from an empty source: every user paused. Its guards
    // fail; the file is then edited to say they passed, or that there were none.
    std::fs::write(d.join("people.csv"), "id,mail,team\n").unwrap();
    let o = wtmap(
        d,
        &["plan", "m.wtmap", "--format", "json", "--out", "empty.json"],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "the guards stop this plan: {}",
        stderr(&o)
    );
    let mut forged: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("empty.json")).unwrap()).unwrap();
    assert_eq!(forged["summary"]["pause_user"], 20);
    for guards in [serde_json::json!([]), {
        let mut g = forged["guards"].clone();
        for o in g.as_array_mut().unwrap() {
            o["passed"] = true.into();
        }
        g
    }] {
        forged["guards"] = guards;
        forged["source_records"] = 20.into();
        std::fs::write(d.join("forged.json"), forged.to_string()).unwrap();
        let before = std::fs::read(d.join("out/wt_users.csv")).unwrap();
        let o = apply_plan(d, "m.wtmap", "forged.json");
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("guard failed") && stderr(&o).contains("pauses 20 of 20"),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(d.join("out/wt_users.csv")).unwrap(), before);
    }
    // The override still works, knowingly, from the command line.
    let o = wtmap(
        d,
        &[
            "apply",
            "m.wtmap",
            "--plan",
            "forged.json",
            "--yes",
            "--allow-mass-pause",
            "--allow-mass-membership-removal",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A plan of an older format (or one without `inputs`) is refused with what to do.
#[test]
fn a_plan_without_inputs_is_refused() {
    let dir = fixture(3);
    let d = dir.path();
    let mut p = plan(d, "m.wtmap");
    p.as_object_mut().unwrap().remove("inputs");
    std::fs::write(d.join("bare.json"), p.to_string()).unwrap();
    let o = apply_plan(d, "m.wtmap", "bare.json");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("does not say which mapping, target and state"),
        "{}",
        stderr(&o)
    );
    p["format"] = "wtmap.plan/v1".into();
    std::fs::write(d.join("v1.json"), p.to_string()).unwrap();
    let o = apply_plan(d, "m.wtmap", "v1.json");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not wtmap.plan/v3"), "{}", stderr(&o));
    assert!(!d.join("out").exists());
}

/// Issue 21, item 5: an apply whose state cannot be recorded after the files were replaced
/// says what was delivered (it used to say "nothing was delivered"), and the next plan starts
/// from what was delivered: nothing to do. (Library calls: the state must become unwritable
/// between reading it and recording the new one.)
#[test]
fn a_state_that_cannot_be_recorded_is_reported_as_delivered_and_repaired() {
    let dir = fixture(6);
    let d = dir.path();
    let o = wtmap(d, &["apply", "m.wtmap", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    people(d, 7);

    let file = wtmap::source::SourceFile::new("m.wtmap", MAPPING);
    let program = wtmap::check::check_source(&file).0.unwrap();
    let cfg = wtmap::winningtemp::files::FilesConfig::from_program(&program, d).unwrap();
    let records = wtmap::sync::read_records(&program, &d.join("people.csv")).unwrap();
    let plan_now = |current: &wtmap::model::CurrentState| {
        wtmap::sync::plan(&wtmap::sync::PlanInput {
            mapping: "m.wtmap",
            program: &program,
            records: &records,
            current,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            allow: Default::default(),
        })
        .0
    };
    let current = wtmap::winningtemp::files::read_state(&cfg).unwrap();
    let plan = plan_now(&current);
    assert!(!plan.is_empty());
    // The state cannot be replaced now: a folder is in its place.
    let state = cfg.state_path();
    std::fs::rename(&state, d.join("saved.json")).unwrap();
    std::fs::create_dir(&state).unwrap();
    let env = std::collections::HashMap::<String, String>::new();
    let applied = wtmap::apply::files::apply_files(&cfg, &current, &plan, "m.wtmap", &env);
    let wtmap::apply::report::Outcome::Failed { message } = &applied.report.actions[0].result
    else {
        panic!("{:?}", applied.report.actions[0].result)
    };
    assert!(
        message.starts_with("the export was delivered (wt_users.csv")
            && !message.contains("nothing was delivered"),
        "{message}"
    );
    assert!(
        std::fs::read_to_string(d.join("out/wt_users.csv"))
            .unwrap()
            .contains("p6@x.example")
    );

    // The disk is fixed; the next plan (through the binary) has nothing to do.
    std::fs::remove_dir(&state).unwrap();
    std::fs::rename(d.join("saved.json"), &state).unwrap();
    let o = wtmap(
        d,
        &["plan", "m.wtmap", "--format", "json", "--out", "again.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("again.json")).unwrap()).unwrap();
    assert_eq!(again["summary"]["total"], 0, "{again}");
    // And `apply` says it took the pending state.
    let o = wtmap(d, &["apply", "m.wtmap", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("matches the files"), "{}", stderr(&o));
}

/// A SCIM mapping whose target has nothing listening.
fn scim_mapping(dir: &Path, name: &str) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "source csv {{ path = \"people.csv\" }}\n\
         fields {{ id: text, mail: text, team: text? }}\n\
         target winningtemp.scim {{\n  url = \"http://127.0.0.1:{port}/v2\"\n  token = env(\"WT_SCIM_TOKEN\")\n}}\n\
         user {{\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}}\n"
    );
    std::fs::write(dir.join(name), &text).unwrap();
    text
}

fn unfinished_journal(dir: &Path, file: &str, start: serde_json::Value) {
    let journals = dir.join(".wtmap/journal");
    std::fs::create_dir_all(&journals).unwrap();
    std::fs::write(journals.join(file), format!("{start}\n")).unwrap();
}

fn apply_scim(dir: &Path, mapping: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["apply", mapping, "--yes", "--attempts", "1"])
        .current_dir(dir)
        .env("WT_SCIM_TOKEN", "tok-delivery-1234")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Issue 21, item 1, through the binary: `a.b.wtmap`'s interrupted run (journal named
/// `a_b.…` as older versions named it) is not resumed by `apply a_b.wtmap`, and a journal of
/// this mapping made for another target is refused with the reason.
#[test]
fn apply_resumes_only_its_own_mappings_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    people(d, 2);
    scim_mapping(d, "a.b.wtmap");
    scim_mapping(d, "a_b.wtmap");
    let desired = wtmap::model::DesiredState::default();
    let plan = wtmap::plan::Plan::new("a.b.wtmap", &desired, vec![], vec![], vec![]);
    unfinished_journal(
        d,
        "a_b.20261120T010000.000Z-beef.jsonl",
        serde_json::json!({"event": "start", "format": "wtmap.journal/v1", "run": "r-ab",
            "mapping": "a.b.wtmap", "at": "2026-11-20T01:00:00Z", "plan": plan}),
    );
    let o = apply_scim(d, "a_b.wtmap");
    let err = stderr(&o);
    assert!(!err.contains("resuming") && !err.contains("r-ab"), "{err}");
    assert!(err.contains("reading the SCIM directory failed"), "{err}");

    // This mapping's own run, made for another target: refused before anything is read.
    let text = scim_mapping(d, "m.wtmap");
    let identity =
        wtmap::identity::Identity::new(&d.join("m.wtmap"), &text, "scim:https://other.example");
    unfinished_journal(
        d,
        "m.20261120T010000.000Z-beef.jsonl",
        serde_json::json!({"event": "start", "format": "wtmap.journal/v1", "run": "r-m",
            "mapping": "m.wtmap", "at": "2026-11-20T01:00:00Z", "identity": identity,
            "plan": plan}),
    );
    let o = apply_scim(d, "m.wtmap");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("run r-m")
            && err.contains("cannot be resumed")
            && err.contains("made for the target `scim:https://other.example`")
            && err.contains("--fresh"),
        "{err}"
    );
}
