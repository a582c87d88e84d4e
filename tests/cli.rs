//! End-to-end runs of the `wtmap` binary: exit codes, output formats, files written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{code, stderr, stdout, wtmap};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn check_exit_codes_clean_error_usage() {
    let ok = wtmap(&["check", "mappings/flex.wtmap", "mappings/csv.wtmap"]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(
        stderr(&ok).contains("checked 2 files: 0 errors, 0 warnings"),
        "{}",
        stderr(&ok)
    );

    let err = wtmap(&["check", "mappings/errors/E0101_unknown_field.wtmap"]);
    assert_eq!(code(&err), 1);
    assert!(
        stderr(&err).contains("E0101") && stderr(&err).contains("did you mean `First`?"),
        "{}",
        stderr(&err)
    );

    let missing = wtmap(&["check", "no/such.wtmap"]);
    assert_eq!(code(&missing), 2);
    assert_eq!(stderr(&missing).lines().count(), 1, "{}", stderr(&missing));
    assert!(stderr(&missing).contains("no/such.wtmap"));

    let usage = wtmap(&["check", "--format", "xml", "mappings/flex.wtmap"]);
    assert_eq!(code(&usage), 2);
}

#[test]
fn check_rejects_non_utf8_with_one_line() {
    let dir = tmp();
    let path = dir.path().join("latin1.wtmap");
    std::fs::write(&path, b"# F\xf6rnamn\n").unwrap();
    let o = wtmap(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn check_folder_recursively_and_json_format() {
    let o = wtmap(&["check", "--format", "json", "mappings/errors"]);
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(doc["format"], "wtmap.diagnostics/v1");
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(diags.len() > 30);
    let first = &diags[0];
    for key in [
        "file", "code", "severity", "message", "start", "end", "labels",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert!(first["start"]["line"].as_u64().unwrap() >= 1);
    assert_eq!(
        doc["errors"].as_u64().unwrap() as usize,
        diags.iter().filter(|d| d["severity"] == "error").count()
    );
}

#[test]
fn check_github_annotations() {
    let o = wtmap(&[
        "check",
        "--format",
        "github",
        "mappings/errors/E0106_mandatory_may_be_empty.wtmap",
    ]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with(
            "::error file=mappings/errors/E0106_mandatory_may_be_empty.wtmap,line=29,col=17,"
        ),
        "{line}"
    );
    assert!(line.contains("title=E0106"), "{line}");
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let path = "mappings/errors/W0115_unused_field.wtmap";
    assert_eq!(code(&wtmap(&["check", path])), 0);
    assert_eq!(code(&wtmap(&["check", "--deny-warnings", path])), 1);
}

#[test]
fn explain_prints_the_runnable_example() {
    let o = wtmap(&["check", "--explain", "e0108"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("gender 1->Male 2->Female"),
        "{}",
        stdout(&o)
    );
    assert_eq!(code(&wtmap(&["check", "--explain", "E9999"])), 2);
}

#[test]
fn test_command_passes_and_fails_like_cargo_test() {
    let ok = wtmap(&[
        "test",
        "mappings/flex.wtmap",
        "mappings/personio.wtmap",
        "--today",
        "2026-11-21",
    ]);
    assert_eq!(code(&ok), 0, "{}", stdout(&ok));
    assert!(
        stdout(&ok).contains("test result: ok. 6 passed; 0 failed"),
        "{}",
        stdout(&ok)
    );

    let failing = wtmap(&["test", "mappings/errors/E0502_test_failed.wtmap"]);
    assert_eq!(code(&failing), 1);
    let out = stdout(&failing);
    assert!(
        out.contains("test usernames keep their case ... FAILED"),
        "{out}"
    );
    assert!(
        out.contains("expected: \"Anna@Acme.example\"")
            && out.contains("actual: \"anna@acme.example\""),
        "{out}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const MAPPING: &str = r#"
source csv { path = "people.csv" }
fields {
  Id: text
  Email: text
  First: text
  Last: text
}
target winningtemp.files { dir = "out" }
user {
  external_id = Id
  username = Email
  first_name = First
  last_name = Last
}
"#;

/// A folder with [`MAPPING`] and the `people.csv` it reads; the folder lives as long as the
/// returned handle.
fn mapping_with_people(people_csv: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tmp();
    let mapping = write(dir.path(), "m.wtmap", MAPPING);
    write(dir.path(), "people.csv", people_csv);
    (dir, mapping)
}

/// A state with active users (external ID, username, first name, last name).
fn state_with(users: &[(&str, &str, &str, &str)]) -> String {
    let users: Vec<_> = users
        .iter()
        .map(|(id, name, first, last)| {
            serde_json::json!({"external_id": id, "username": name, "status": "active",
                "attributes": {"first_name": first, "last_name": last}})
        })
        .collect();
    serde_json::json!({"format": "wtmap.state/v1", "users": users}).to_string()
}

#[test]
fn plan_reads_the_source_path_writes_json_and_detailed_exit_codes() {
    let (dir, mapping) =
        mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n2;b@x.example;Bo;Ek\n");
    let m = mapping.to_str().unwrap();

    let human = wtmap(&["plan", m]);
    assert_eq!(code(&human), 0, "{}", stderr(&human));
    assert!(
        stdout(&human).contains("+ create user 1 a@x.example"),
        "{}",
        stdout(&human)
    );

    let out = dir.path().join("plan.json");
    let json = wtmap(&[
        "plan",
        m,
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&json), 0, "{}", stderr(&json));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(plan["format"], "wtmap.plan/v3");
    assert_eq!(plan["actions"].as_array().unwrap().len(), 2);

    assert_eq!(
        code(&wtmap(&["plan", m, "--detailed-exitcode"])),
        2,
        "changes → 2"
    );
    let state = write(
        dir.path(),
        "state.json",
        &state_with(&[
            ("1", "a@x.example", "Ann", "Berg"),
            ("2", "b@x.example", "Bo", "Ek"),
        ]),
    );
    let none = wtmap(&[
        "plan",
        m,
        "--detailed-exitcode",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(code(&none), 0, "no changes → 0: {}", stdout(&none));
}

#[test]
fn plan_guard_aborts_with_exit_3_and_the_override_flag_lets_it_through() {
    let (dir, mapping) = mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n");
    let users: Vec<(String, String)> = (2..40)
        .map(|i| (i.to_string(), format!("u{i}@x.example")))
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = users
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str(), "X", "Y"))
        .collect();
    let state = write(dir.path(), "state.json", &state_with(&refs));
    let args = [
        "plan",
        mapping.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ];
    let stopped = wtmap(&args);
    assert_eq!(code(&stopped), 3, "{}", stdout(&stopped));
    assert!(
        stdout(&stopped).contains("--allow-mass-pause"),
        "{}",
        stdout(&stopped)
    );
    let mut allowed = args.to_vec();
    allowed.push("--allow-mass-pause");
    assert_eq!(code(&wtmap(&allowed)), 0);
}

#[test]
fn plan_with_an_empty_source_aborts() {
    let (_dir, mapping) = mapping_with_people("Id;Email;First;Last\n");
    let o = wtmap(&["plan", mapping.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
}

#[test]
fn plan_with_a_malformed_records_file_names_file_and_line_and_plans_nothing() {
    let (_dir, mapping) =
        mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n2;b@x.example;Bo\n");
    let o = wtmap(&["plan", mapping.to_str().unwrap()]);
    assert_plans_nothing_for_line_3_of_people_csv(&o);
}

/// A plan refused for the malformed third line of `people.csv`: usage error, the file and the
/// line named, nothing on standard output.
fn assert_plans_nothing_for_line_3_of_people_csv(o: &Output) {
    assert_eq!(code(o), 2, "{}", stderr(o));
    let err = stderr(o);
    assert!(
        err.contains("people.csv") && err.contains("line 3"),
        "{err}"
    );
    assert!(err.contains("nothing was planned"), "{err}");
    assert!(stdout(o).is_empty(), "nothing planned: {}", stdout(o));
}

#[test]
fn plan_with_a_bad_state_file_reports_the_state_even_when_the_records_are_bad_too() {
    // The state and the records are read at the same time; the state's error comes first and
    // alone, as when the state was read first.
    let (dir, mapping) =
        mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n2;b@x.example;Bo\n");
    let m = mapping.to_str().unwrap();
    let state = write(
        dir.path(),
        "state.json",
        "{\"format\": \"wtmap.state/v1\", \"users\": [",
    );
    let s = state.to_str().unwrap();
    let records = dir.path().join("people.csv");
    let r = records.to_str().unwrap();
    // With `--records`, and with the mapping's own source path.
    for args in [
        vec!["plan", m, "--state", s, "--records", r],
        vec!["plan", m, "--state", s],
    ] {
        let o = wtmap(&args);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("state.json"), "{err}");
        assert!(
            !err.contains("people.csv"),
            "only the state is reported: {err}"
        );
        assert!(stdout(&o).is_empty(), "nothing planned: {}", stdout(&o));
    }

    // With a good state, the records' error is reported and nothing is planned.
    write(
        dir.path(),
        "state.json",
        &state_with(&[("1", "a@x.example", "Ann", "Berg")]),
    );
    let o = wtmap(&["plan", m, "--state", s, "--records", r]);
    assert_plans_nothing_for_line_3_of_people_csv(&o);
}

#[test]
fn plan_refuses_a_mapping_with_errors() {
    let o = wtmap(&[
        "plan",
        "mappings/errors/E0104_type_mismatch.wtmap",
        "--records",
        "mappings/errors/E0405_duplicate_external_id.csv",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("E0104"));
}

#[test]
fn explain_traces_one_record() {
    let dir = tmp();
    let mapping = write(
        dir.path(),
        "m.wtmap",
        &format!("{MAPPING}\nskip when Email == \"b@x.example\"\n"),
    );
    write(
        dir.path(),
        "people.csv",
        "Id;Email;First;Last\n1;a@x.example;Ann;Berg\n2;b@x.example;Bo;Ek\n",
    );
    let m = mapping.to_str().unwrap();
    let o = wtmap(&["explain", m, "1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("username = Email") && out.contains("\"a@x.example\""),
        "{out}"
    );
    assert!(out.contains("create user 1"), "{out}");
    let skipped = stdout(&wtmap(&["explain", m, "#2"]));
    assert!(
        skipped.contains("skipped by `skip when Email == \"b@x.example\"`"),
        "{skipped}"
    );
    assert_eq!(code(&wtmap(&["explain", m, "404"])), 2);
}

#[test]
fn schema_lists_fields_and_rejects_unknown_kinds() {
    let o = wtmap(&["schema", "personio"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("supervisor.id") && stdout(&o).contains("client_secret"),
        "{}",
        stdout(&o)
    );
    assert_eq!(code(&wtmap(&["schema", "sap"])), 2);
}

#[test]
fn fmt_check_reports_a_diff_and_fmt_rewrites_keeping_comments() {
    let dir = tmp();
    let messy = "source csv{path=\"p.csv\"}   # the export\nfields{Id:text Email:text First:text Last:text}\ntarget winningtemp.files{dir=\"out\"}\nuser{external_id=Id\nusername=Email # login\nfirst_name=First\nlast_name=Last}\n";
    let path = write(dir.path(), "m.wtmap", messy);
    let p = path.to_str().unwrap();

    let check = wtmap(&["fmt", "--check", p]);
    assert_eq!(code(&check), 1);
    assert!(
        stdout(&check).contains("+  username    = Email  # login"),
        "{}",
        stdout(&check)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        messy,
        "--check changes nothing"
    );

    assert_eq!(code(&wtmap(&["fmt", p])), 0);
    let formatted = std::fs::read_to_string(&path).unwrap();
    assert!(
        formatted.contains("# the export") && formatted.contains("# login"),
        "{formatted}"
    );
    assert_eq!(
        code(&wtmap(&["fmt", "--check", p])),
        0,
        "formatting is idempotent"
    );
    assert_eq!(
        code(&wtmap(&["check", p])),
        0,
        "still the same valid mapping"
    );
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_alone() {
    let dir = tmp();
    let broken = "user {\n  external_id Id\n}\n";
    let path = write(dir.path(), "broken.wtmap", broken);
    let o = wtmap(&["fmt", path.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("expected `=` after `external_id`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn apply_to_the_files_target_exports_and_the_next_plan_starts_from_the_export() {
    let (dir, mapping) =
        mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n2;b@x.example;Bo;Ek\n");
    let m = mapping.to_str().unwrap();

    let no_yes = wtmap(&["apply", m]);
    assert_eq!(
        code(&no_yes),
        2,
        "off a terminal --yes is required: {}",
        stderr(&no_yes)
    );
    assert!(
        !dir.path().join("out/wt_users.csv").exists(),
        "nothing written without --yes"
    );

    let first = wtmap(&["apply", m, "--yes"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let users = std::fs::read_to_string(dir.path().join("out/wt_users.csv")).unwrap();
    assert!(users.starts_with("external_id;username;"), "{users}");
    assert!(
        users.contains("1;a@x.example;") && users.contains("2;b@x.example;"),
        "{users}"
    );
    assert_eq!(
        code(&wtmap(&["plan", m, "--detailed-exitcode"])),
        0,
        "the export is the new current state"
    );

    // Bo leaves: he is paused (not removed) in the next export.
    write(
        dir.path(),
        "people.csv",
        "Id;Email;First;Last\n1;a@x.example;Ann;Berg\n",
    );
    let plan = wtmap(&["plan", m, "--allow-mass-pause", "--allow-source-drop"]);
    assert!(
        stdout(&plan).contains("pause user 2 b@x.example"),
        "{}",
        stdout(&plan)
    );
    assert_eq!(
        code(&wtmap(&["apply", m, "--yes"])),
        3,
        "the guards stop a run that halves the source"
    );
    assert_eq!(
        code(&wtmap(&[
            "apply",
            m,
            "--yes",
            "--allow-mass-pause",
            "--allow-source-drop"
        ])),
        0
    );
    let users = std::fs::read_to_string(dir.path().join("out/wt_users.csv")).unwrap();
    let bo = users.lines().find(|l| l.starts_with("2;")).unwrap();
    assert!(bo.contains(";Paused"), "{users}");
}

#[test]
fn a_run_from_the_command_line_is_listed_by_history() {
    let (dir, mapping) = mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n");
    let m = mapping.to_str().unwrap();
    let run = wtmap(&["run", m, "--no-email", "--format", "none"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert!(
        dir.path().join("out/wt_users.csv").exists(),
        "the run delivered the export"
    );
    let history = wtmap(&["history", m, "--format", "json"]);
    assert_eq!(code(&history), 0, "{}", stderr(&history));
    let out = stdout(&history);
    assert!(
        out.contains("\"mapping\": \"m\"") || out.contains("\"mapping\":\"m\""),
        "{out}"
    );
    assert!(out.contains("success"), "{out}");
}

#[test]
fn wtmap_timings_reports_each_plan_stage_on_stderr_only_when_asked() {
    let (_dir, mapping) = mapping_with_people("Id;Email;First;Last\n1;a@x.example;Ann;Berg\n");
    let m = mapping.to_str().unwrap();
    let plain = wtmap(&["plan", m, "--format", "json"]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    assert!(!stderr(&plain).contains("timings:"), "{}", stderr(&plain));

    let timed = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["plan", m, "--format", "json"])
        .env("WTMAP_TIMINGS", "1")
        .output()
        .expect("runs");
    assert_eq!(code(&timed), 0, "{}", stderr(&timed));
    // The plan itself is unchanged; the stages go to stderr in pipeline order.
    assert_eq!(stdout(&timed), stdout(&plain));
    let err = stderr(&timed);
    let stages: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("timings:"))
        .map(|l| {
            l.split(" s  ")
                .nth(1)
                .unwrap_or("")
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == 'k' || c == 'B')
                .trim()
        })
        .collect();
    assert_eq!(
        stages,
        [
            "started",
            "current state read",
            "records read and evaluated",
            "memberships made",
            "desired state built",
            "diff: users matched",
            "diff: user and relation actions",
            "guards checked, plan made",
            "plan written",
        ],
        "{err}"
    );
}

/// Issue 21, item 7: `explain` and `plan` show a record value full of control characters
/// escaped, on its own line: no ESC reaches the terminal, no forged plan line appears.
#[test]
fn explain_and_plan_show_control_characters_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("m.wtmap"),
        "source csv { path = \"p.csv\" }\nfields { id: text, mail: text, first: text, last: text }\n\
         target winningtemp.files { dir = \"out\" }\nuser {\n  external_id = id\n  username = mail\n  \
         email = mail\n  first_name = first\n  last_name = last\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("p.csv"),
        "id,mail,first,last\nE1,a@x.example,\"An\x1b[2Jna\n  + create user 666 evil@x\x1b]8;;http://e/\x07\",B\u{9b}\n",
    )
    .unwrap();
    for args in [
        &[
            "explain",
            "m.wtmap",
            "E1",
            "--records",
            "p.csv",
            "--today",
            "2026-11-21",
        ][..],
        &[
            "plan",
            "m.wtmap",
            "--records",
            "p.csv",
            "--today",
            "2026-11-21",
        ][..],
        &[
            "plan",
            "m.wtmap",
            "--records",
            "p.csv",
            "--today",
            "2026-11-21",
            "--format",
            "markdown",
        ][..],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_wtmap"))
            .args(args)
            .current_dir(d)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{args:?}: {out}");
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?}: a raw control character in\n{out}"
        );
        assert!(
            !out.lines()
                .any(|l| l.trim_start().starts_with("+ create user 666")),
            "{args:?}: a forged line in\n{out}"
        );
        assert!(
            out.contains("\\u{1b}[2J") || out.contains("\\u001b[2J"),
            "{args:?}: {out}"
        );
    }
}
