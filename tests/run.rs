//! `wtmap run` end to end, through the binary, against real peers: `scim2-server` (a real SCIM
//! 2.0 server, tests/support), the Personio emulator (tests/emulators) and `aiosmtpd` (a real
//! SMTP server, tests/support_smtp). Every exit code is produced by the situation it stands
//! for: success, quarantined records, a guard abort, a source failure, a target failure, a
//! held lock, a stale one, and `apply` under the same lock. `run/reports.rs` snapshots the reports of a deterministic run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod emulators;
mod support;
mod support_smtp;

#[path = "run/reports.rs"]
mod reports;

use mail_parser::MessageParser;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{BODY, ScimServer, mapping_dir, people};
use support_smtp::{SmtpServer, free_port, smtp_env};

const TOKEN: &str = "tok-run-5e4d3c2b1a";
const REPORT_TO: &str = "report to \"ops@acme.example\"\n";

/// The outcome of one `wtmap run`.
struct Ran {
    code: i32,
    /// The report printed on stdout (`--format json`).
    report: Value,
    stderr: String,
}

/// Runs `wtmap run m.wtmap --format json` in `dir` with `env` (and no SMTP settings from the
/// developer's own environment).
fn run(dir: &Path, extra: &[&str], env: &[(String, String)]) -> Ran {
    let o = support::wtmap_run(dir, TOKEN, extra, env, &support_smtp::SMTP_VARIABLES);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "token leaked"
    );
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not a report ({e}): {stdout}\n{stderr}"));
    Ran {
        code: o.status.code().unwrap(),
        report,
        stderr,
    }
}

/// The run folder a report names.
fn folder(dir: &Path, report: &Value) -> PathBuf {
    dir.join(".wtmap/runs/m")
        .join(report["run_id"].as_str().unwrap())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn active_users(server: &ScimServer) -> usize {
    server
        .users()
        .iter()
        .filter(|u| u["active"] != false)
        .count()
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_run_applies_reports_in_four_formats_and_the_next_run_has_nothing_to_do() {
    let server = ScimServer::start(TOKEN);
    let dir = mapping_dir(
        &server.url(),
        "",
        &format!("{BODY}{REPORT_TO}"),
        &people(12),
    );
    let d = dir.path();

    let first = run(d, &[], &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let r = &first.report;
    assert_eq!(r["format"], "wtmap.report/v2");
    assert_eq!(r["status"], "success");
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["counts"]["created"], 12);
    assert_eq!(r["counts"]["teams_created"], 4);
    assert_eq!(r["counts"]["failed"], 0);
    assert_eq!(r["source"]["kind"], "csv");
    assert_eq!(r["target"]["location"], server.url());
    assert_eq!(r["email"]["status"], "not_configured");
    assert_eq!(server.users().len(), 12);

    // The run folder holds all four formats and the plan, and they agree.
    let f = folder(d, r);
    let stored: Value = serde_json::from_str(&read(&f.join("report.json"))).unwrap();
    assert_eq!(&stored, r);
    let plan: Value = serde_json::from_str(&read(&f.join("plan.json"))).unwrap();
    assert_eq!(plan["format"], "wtmap.plan/v3");
    assert_eq!(
        plan["actions"].as_array().unwrap().len(),
        r["actions"].as_array().unwrap().len()
    );
    assert!(read(&f.join("report.txt")).starts_with("wtmap run of m: SUCCESS\n"));
    assert!(read(&f.join("report.md")).starts_with("### wtmap run of m: SUCCESS\n"));
    assert!(read(&f.join("report.html")).starts_with("<!DOCTYPE html>"));
    let applied = format!(": SUCCESS: {} actions applied", r["counts"]["planned"]);
    assert!(first.stderr.contains(&applied), "{}", first.stderr);
    assert!(!d.join(".wtmap/runs/m/run.lock").exists(), "the lock stays");

    let second = run(d, &[], &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.report["counts"]["planned"], 0);
    assert_eq!(
        second.report["message"],
        "no changes: Winningtemp already matches the mapping"
    );
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn quarantined_records_exit_4_and_appear_in_every_format() {
    let server = ScimServer::start(TOKEN);
    let mut records = people(6);
    records.push_str("E99,,Nomail,Person,Sales,,,,\n");
    let dir = mapping_dir(&server.url(), "", BODY, &records);
    let ran = run(dir.path(), &[], &[]);
    assert_eq!(ran.code, 4, "{}", ran.stderr);
    assert_eq!(ran.report["status"], "success_with_quarantine");
    assert_eq!(ran.report["quarantined"][0]["record_id"], "E99");
    assert_eq!(server.users().len(), 6);
    let f = folder(dir.path(), &ran.report);
    let reason = "field `mail` is empty";
    for name in ["report.txt", "report.md", "report.html", "report.json"] {
        let text = read(&f.join(name));
        assert!(text.contains("E99"), "{name}");
        let escaped = match name {
            "report.md" => "field \\`mail\\` is empty",
            _ => reason,
        };
        assert!(text.contains(escaped), "{name}: {text}");
        let line = if name == "report.json" {
            "\"line\": "
        } else {
            "(line "
        };
        assert!(text.contains(line), "{name} names the line");
    }
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_guard_abort_writes_nothing_exits_3_and_still_sends_the_email() {
    let server = ScimServer::start(TOKEN);
    let smtp = SmtpServer::start(None);
    let body = format!("{BODY}guard pauses <= 5%\n{REPORT_TO}");
    let dir = mapping_dir(&server.url(), "", &body, &people(12));
    let d = dir.path();
    let env = smtp_env(smtp.port);
    assert_eq!(run(d, &[], &env).code, 0);
    assert_eq!(active_users(&server), 12);

    // Ten of twelve people vanish from the export: a broken export, not ten leavers.
    std::fs::write(d.join("people.csv"), people(2)).unwrap();
    let requests_before = server.users().len();
    let ran = run(d, &[], &env);
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert_eq!(ran.report["status"], "guard_aborted");
    assert_eq!(ran.report["counts"]["paused"], 0);
    assert_eq!(
        ran.report["counts"]["not_done"],
        ran.report["counts"]["planned"]
    );
    assert_eq!(active_users(&server), 12, "a user was paused");
    assert_eq!(server.users().len(), requests_before);

    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "one email per run");
    assert_eq!(messages[1].rcpt_tos, ["ops@acme.example"]);
    let parsed = MessageParser::default().parse(&messages[1].raw).unwrap();
    let subject = parsed.subject().unwrap();
    assert!(
        subject.starts_with("m: ABORTED by guard pauses <= 5%"),
        "{subject}"
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("ABORTED BY A GUARD"), "{text}");
    assert!(text.contains("nothing was written to Winningtemp"));
    assert!(
        text.contains("pause user E3"),
        "the pauses it refused are listed"
    );
    assert_eq!(ran.report["email"]["status"], "sent");
}

/// A Personio integration (the example's core: match by email, statuses, departments as
/// teams, managers) delivering to `scim_url`.
fn personio_dir(scim_url: &str) -> tempfile::TempDir {
    let text = format!(
        "source personio {{\n  client_id = env(\"PERSONIO_CLIENT_ID\")\n  client_secret = env(\"PERSONIO_CLIENT_SECRET\")\n}}\n\
         target winningtemp.scim {{\n  url = \"{scim_url}\"\n  token = env(\"WT_SCIM_TOKEN\")\n}}\n\
         match by external_id, email\n\
         user {{\n  external_id = id\n  username = lower(trim(email))\n  email = lower(trim(email))\n  \
         first_name = first_name\n  last_name = last_name\n  manager = supervisor.id\n}}\n\
         status \"active\"->Active \"leave\"->Active \"onboarding\"->Paused \"inactive\"->Paused _->Active\n\
         group path = [department.name] ids [department.id]\n\
         skip when email is empty\n{REPORT_TO}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), text).unwrap();
    dir
}

fn personio_env() -> Vec<(String, String)> {
    vec![
        ("PERSONIO_CLIENT_ID".into(), "wtmap-client".into()),
        ("PERSONIO_CLIENT_SECRET".into(), "papi-secret-123".into()),
    ]
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_live_run_from_the_personio_emulator_to_scim2_server() {
    let server = ScimServer::start(TOKEN);
    let personio = emulators::personio::start(emulators::personio::Scenario::default());
    let dir = personio_dir(&server.url());
    let args = ["--source-url", personio.url.as_str()];
    let ran = run(dir.path(), &args, &personio_env());
    assert!(matches!(ran.code, 0 | 4), "{}", ran.stderr);
    let created = ran.report["counts"]["created"].as_u64().unwrap();
    assert!(created > 10, "{}", ran.report["counts"]);
    assert_eq!(server.users().len() as u64, created);
    assert_eq!(ran.report["source"]["kind"], "personio");
    assert_eq!(
        ran.report["source"]["location"],
        format!("{}/", personio.url)
    );
    assert!(!read(&folder(dir.path(), &ran.report).join("report.json")).contains("papi-secret"));

    let again = run(dir.path(), &args, &personio_env());
    assert!(matches!(again.code, 0 | 4), "{}", again.stderr);
    assert_eq!(again.report["counts"]["created"], 0);
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_source_failure_exits_5_and_applies_nothing() {
    let server = ScimServer::start(TOKEN);
    let personio = emulators::personio::start(emulators::personio::Scenario {
        fail: Some((1, 500)),
        ..emulators::personio::Scenario::default()
    });
    let dir = personio_dir(&server.url());
    let ran = run(
        dir.path(),
        &["--source-url", &personio.url],
        &personio_env(),
    );
    assert_eq!(ran.code, 5, "{}", ran.stderr);
    assert_eq!(ran.report["status"], "source_failed");
    let message = ran.report["message"].as_str().unwrap();
    assert!(message.contains("answered HTTP 500"), "{message}");
    assert!(message.contains("nothing was applied"), "{message}");
    assert!(ran.report["actions"].as_array().unwrap().is_empty());
    assert!(server.users().is_empty());
    assert!(!folder(dir.path(), &ran.report).join("plan.json").exists());
}

/// A mapping whose SCIM target has nothing listening.
fn down_dir() -> tempfile::TempDir {
    let url = format!("http://127.0.0.1:{}/v2", free_port());
    mapping_dir(&url, "", BODY, &people(3))
}

#[test]
fn a_target_that_is_down_exits_6() {
    let dir = down_dir();
    let ran = run(dir.path(), &["--attempts", "1"], &[]);
    assert_eq!(ran.code, 6, "{}", ran.stderr);
    assert_eq!(ran.report["status"], "target_failed");
    let message = ran.report["message"].as_str().unwrap();
    assert!(
        message.starts_with("reading the SCIM directory failed"),
        "{message}"
    );
}

fn write_lock(dir: &Path, pid: u32) -> PathBuf {
    let mut info =
        wtmap::run::lock::LockInfo::this_process("20261120T010000Z-beef", chrono::Utc::now());
    info.pid = pid;
    let path = dir.join(".wtmap/runs/m/run.lock");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string(&info).unwrap()).unwrap();
    path
}

#[test]
fn a_held_lock_exits_7_and_does_nothing() {
    let dir = down_dir();
    // This test process holds it: alive, on this host.
    let lock = write_lock(dir.path(), std::process::id());
    let before = read(&lock);
    let ran = run(dir.path(), &["--attempts", "1"], &[]);
    assert_eq!(ran.code, 7, "{}", ran.stderr);
    assert_eq!(ran.report["status"], "locked");
    let message = ran.report["message"].as_str().unwrap();
    assert!(
        message.starts_with("another run holds the lock"),
        "{message}"
    );
    assert!(message.contains("run 20261120T010000Z-beef"), "{message}");
    assert_eq!(read(&lock), before, "the lock was touched");
}

/// Issue 21, item 19: a lock left on this host by a process that is gone is released, and
/// the run says so; a lock of another host still waits for a person.
#[test]
fn a_stale_lock_of_this_host_is_released_and_reported_another_hosts_is_not() {
    let dir = down_dir();
    // Above the largest PID Linux hands out (2^22): certainly no such process.
    let lock = write_lock(dir.path(), 4_194_999);
    let ran = run(dir.path(), &["--attempts", "1"], &[]);
    // The run went ahead (and found the target down).
    assert_eq!(ran.code, 6, "{}", ran.stderr);
    let txt = read(&folder(dir.path(), &ran.report).join("report.txt"));
    assert!(
        txt.contains("released the stale lock")
            && txt.contains("run 20261120T010000Z-beef")
            && txt.contains("no process 4194999 runs on this host"),
        "{txt}"
    );
    assert!(!lock.exists(), "the run's own lock is removed at its end");

    // Another host's lock: wtmap cannot see its processes, so it waits for a person.
    let mut info =
        wtmap::run::lock::LockInfo::this_process("20261120T010000Z-f00d", chrono::Utc::now());
    info.pid = 4_194_999;
    info.host = "another-host.example".into();
    std::fs::write(&lock, serde_json::to_string(&info).unwrap()).unwrap();
    let before = read(&lock);
    let ran = run(dir.path(), &["--attempts", "1"], &[]);
    assert_eq!(ran.code, 7, "{}", ran.stderr);
    let message = ran.report["message"].as_str().unwrap();
    assert!(
        message.starts_with("another run holds the lock") && message.contains("another-host"),
        "{message}"
    );
    assert!(message.contains("remove the file"), "{message}");
    assert_eq!(read(&lock), before, "another host's lock was taken over");
}

/// Issue 21, item 19: `apply` takes the lock `run` takes, so an apply never runs beside a
/// run (or another apply) of the same mapping.
#[test]
fn apply_takes_the_same_lock_as_run() {
    let dir = down_dir();
    let lock = write_lock(dir.path(), std::process::id());
    let before = read(&lock);
    let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["apply", "m.wtmap", "--yes", "--attempts", "1"])
        .current_dir(dir.path())
        .env("WT_SCIM_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(7), "{stderr}");
    assert!(
        stderr.contains("another run holds the lock") && stderr.contains("20261120T010000Z-beef"),
        "{stderr}"
    );
    assert_eq!(read(&lock), before);
    // Free, the apply goes ahead (and finds the target down) and leaves no lock behind.
    std::fs::remove_file(&lock).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["apply", "m.wtmap", "--yes", "--attempts", "1"])
        .current_dir(dir.path())
        .env("WT_SCIM_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(7));
    assert!(!lock.exists());
}
