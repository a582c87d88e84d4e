//! Data-quality guards end to end, through the binary, against real peers (`scim2-server` and
//! `aiosmtpd`): the HR export quietly stops sending the manager field between two nightly
//! `wtmap run`s. The second run must stop before any write, with exit 3, and its email must
//! say which field fell from what to what (issue 16, "Done when").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support;
mod support_smtp;

use mail_parser::MessageParser;
use serde_json::Value;
use std::path::Path;
use support::{BODY, ScimServer, mapping_dir, people};
use support_smtp::{SmtpServer, smtp_env};

const TOKEN: &str = "tok-quality-7f6e5d4c3b";

/// `wtmap run m.wtmap --format json` in `dir`: exit code, report, stderr.
fn run(dir: &Path, extra: &[&str], env: &[(String, String)]) -> (i32, Value, String) {
    let o = support::wtmap_run(dir, TOKEN, extra, env, &support_smtp::SMTP_VARIABLES);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not a report ({e}): {stdout}\n{stderr}"));
    (o.status.code().unwrap(), report, stderr)
}

/// `people(n)` with the `boss` column emptied for everyone.
fn without_managers(n: usize) -> String {
    people(n)
        .lines()
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            if cells[0] != "id" {
                cells[5] = "";
            }
            cells.join(",") + "\n"
        })
        .collect()
}

fn journals(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".wtmap/journal")).map_or(0, |d| d.count())
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_manager_field_that_stops_arriving_aborts_the_next_run_with_exit_3_and_says_why() {
    let server = ScimServer::start(TOKEN);
    let smtp = SmtpServer::start(None);
    // Losing every manager also removes the managers' memberships; this mapping allows that,
    // so that only the fill rate can stop the run.
    let body = format!("{BODY}guard membership_removals <= 100%\nreport to \"ops@acme.example\"\n");
    // 19 of 20 people have a manager (person 1 manages the leads): 95%.
    let dir = mapping_dir(&server.url(), "", &body, &people(20));
    let d = dir.path();
    let env = smtp_env(smtp.port);

    let (code, first, stderr) = run(d, &[], &env);
    assert_eq!(code, 0, "{stderr}");
    let boss = first["fill_rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "boss")
        .cloned()
        .unwrap();
    assert_eq!(
        (boss["filled"].as_u64(), boss["percent"].as_f64()),
        (Some(19), Some(95.0))
    );
    assert!(
        boss.get("last_run_percent").is_none(),
        "a first run has no last rate"
    );
    let users_before = server.users();
    let groups_before = server.groups();
    let journals_before = journals(d);

    // The export still has everyone, but no manager: 0%.
    std::fs::write(d.join("people.csv"), without_managers(20)).unwrap();
    let (code, second, stderr) = run(d, &[], &env);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(second["status"], "guard_aborted");
    assert_eq!(second["exit_code"], 3);
    let failed: Vec<&Value> = second["guards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "only the fill rate stopped it: {failed:?}");
    assert_eq!(failed[0]["guard"], "filled(boss) >= 50% of last_run");
    assert_eq!(failed[0]["override_flag"], "--allow-field-drop boss");
    assert!(second["counts"]["planned"].as_u64().unwrap() > 0);
    assert_eq!(second["counts"]["not_done"], second["counts"]["planned"]);
    // Nothing was written: the directory is as it was, and no apply journal was started.
    assert_eq!(server.users(), users_before);
    assert_eq!(server.groups(), groups_before);
    assert_eq!(journals(d), journals_before);

    let why = "field `boss` is filled in 0 of 20 records (0.0%), down from 95.0% in the last run";
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "one email per run");
    let parsed = MessageParser::default().parse(&messages[1].raw).unwrap();
    let subject = parsed.subject().unwrap();
    assert!(
        subject.starts_with("m: ABORTED by guard filled(boss) >= 50% of last_run"),
        "{subject}"
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains(why), "{text}");
    assert!(text.contains("--allow-field-drop boss"), "{text}");
    assert!(
        text.contains("nothing was written to Winningtemp"),
        "{text}"
    );
    assert_eq!(second["email"]["status"], "sent");

    // The aborted run is not the new baseline: the next run still compares with 95%, and
    // goes through only when told that the drop is intended.
    let (code, third, stderr) = run(d, &[], &env);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(third["status"], "guard_aborted");
    let (code, allowed, stderr) = run(d, &["--allow-field-drop", "boss"], &env);
    assert_eq!(code, 0, "{stderr}");
    let overridden = allowed["guards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["guard"] == "filled(boss) >= 50% of last_run")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            overridden["passed"].as_bool(),
            overridden["overridden"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_ne!(server.groups(), groups_before, "the managers were removed");
}

/// The people mapping of `support::BODY` over `people.csv`, delivered as files, with `extra`
/// statements at the end.
fn files_mapping(extra: &str) -> String {
    format!(
        "source csv {{ path = \"people.csv\" }}\n\
         fields {{ id: text, mail: text, first: text, last: text, team: text, boss: text?, title: text?, number: text?, left: text? }}\n\
         target winningtemp.files {{ dir = \"out\" }}\n{BODY}{extra}"
    )
}

/// The file integration keeps last run's rates in the last export's state: the same drop
/// stops the run, and neither the export nor its state changes.
#[test]
fn the_file_integration_compares_with_its_last_export_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("m.wtmap"),
        files_mapping("guard membership_removals <= 100%\n"),
    )
    .unwrap();
    std::fs::write(d.join("people.csv"), people(20)).unwrap();
    let (code, _, stderr) = run(d, &["--no-email"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let read_out = || {
        let mut files: Vec<(String, Vec<u8>)> = walk(&d.join("out"));
        files.sort();
        files
    };
    let before = read_out();
    let state = String::from_utf8(
        before
            .iter()
            .find(|(p, _)| p.ends_with("state.json"))
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(state.contains("\"last_run_fill_rates\""), "{state}");

    std::fs::write(d.join("people.csv"), without_managers(20)).unwrap();
    let (code, report, stderr) = run(d, &["--no-email"], &[]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(report["status"], "guard_aborted");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .contains("filled(boss) >= 50% of last_run"),
        "{report}"
    );
    assert_eq!(read_out(), before, "the export or its state changed");
}

fn walk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// `--allow-field-drop` with a field the mapping does not read is refused by `plan`, `apply`
/// and `run` alike: exit 1, the closest field it reads, and nothing written (a typo in the
/// flag would otherwise let nothing through and hide itself).
#[test]
fn an_allowed_field_drop_of_a_field_the_mapping_does_not_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.wtmap"), files_mapping("")).unwrap();
    std::fs::write(d.join("people.csv"), people(5)).unwrap();
    let wtmap = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_wtmap"))
            .args(args)
            .current_dir(d)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.code().unwrap(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let today = ["--today", "2026-11-21"];
    for command in [
        &["plan", "m.wtmap"][..],
        &["apply", "m.wtmap", "--yes"],
        &["run", "m.wtmap", "--no-email"],
    ] {
        let args: Vec<&str> = [command, &today, &["--allow-field-drop", "bos"]].concat();
        let (code, stdout, stderr) = wtmap(&args);
        assert_eq!(code, 1, "{command:?}: {stdout}{stderr}");
        assert!(
            stderr.contains(
                "error: `--allow-field-drop bos`: the mapping reads no field `bos`, so it has no \
                 fill rate to let drop; did you mean `boss`?"
            ),
            "{command:?}: {stderr}"
        );
        assert!(stdout.is_empty(), "{command:?}: {stdout}");
        assert!(!d.join("out").exists(), "{command:?} wrote the export");
        assert!(!d.join(".wtmap").exists(), "{command:?} started a run");
    }
    // Nothing close: the fields it reads are listed.
    let (code, _, stderr) = wtmap(&["plan", "m.wtmap", "--allow-field-drop", "Department"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("; it reads: "), "{stderr}");
    assert!(stderr.contains("boss"), "{stderr}");
    // A field it reads is accepted, repeated or not.
    for args in [
        &["plan", "m.wtmap", "--allow-field-drop", "boss"][..],
        &[
            "plan",
            "m.wtmap",
            "--allow-field-drop",
            "boss",
            "--allow-field-drop",
            "mail",
        ],
    ] {
        let args: Vec<&str> = [args, &today].concat();
        let (code, _, stderr) = wtmap(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
}
