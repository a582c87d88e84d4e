//! `wtmap history` and `wtmap serve` as processes: listing runs from the history file, and a
//! serve that stops cleanly on SIGTERM.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_serve;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support_serve::*;
use wtmap::serve::history::History;
use wtmap::serve::runner::{RunCounts, RunRecord};

fn wtmap(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .output()
        .expect("runs")
}

fn run(
    mapping: &str,
    minute: u32,
    status: &str,
    report_dir: Option<std::path::PathBuf>,
) -> RunRecord {
    let at = utc(&format!("2026-06-01T01:{minute:02}:00Z"));
    let mut counts = RunCounts::new();
    counts.insert("created".into(), 3);
    counts.insert("paused".into(), 0);
    counts.insert("failed".into(), u64::from(status != "success"));
    RunRecord {
        mapping: mapping.into(),
        run_id: format!("run-{minute}"),
        status: status.into(),
        started: at,
        finished: at + chrono::Duration::seconds(75),
        counts,
        report_dir,
        message: format!("{status} message"),
        email: "sent to hr@acme.example".into(),
    }
}

#[test]
fn history_lists_runs_with_counts_and_report_paths() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join(".wtmap").join("runs");
    let history = History::open_in(&runs).unwrap();
    let report_dir = runs.join("flex").join("run-2");
    std::fs::create_dir_all(&report_dir).unwrap();
    std::fs::write(report_dir.join("report.html"), "<p>report</p>").unwrap();
    history
        .record(&run("flex", 1, "success", None), None)
        .unwrap();
    history
        .record(
            &run("flex", 2, "target_failed", Some(report_dir.clone())),
            None,
        )
        .unwrap();
    history
        .record(&run("csv", 3, "success", None), None)
        .unwrap();
    drop(history);
    let runs_arg = runs.to_str().unwrap();

    let all = wtmap(&["history", "--runs-dir", runs_arg]);
    assert_eq!(
        all.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    let text = String::from_utf8(all.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("STARTED (UTC)"), "{text}");
    assert!(
        lines[1].contains("csv") && lines[1].contains("success"),
        "{text}"
    );
    assert!(
        lines[2].contains("target_failed") && lines[2].contains("1m15s"),
        "{text}"
    );
    assert!(lines[2].contains("created 3, failed 1"), "{text}");
    assert!(
        lines[2].contains(&report_dir.join("report.html").display().to_string()),
        "{text}"
    );
    assert!(lines[3].contains("target_failed message"), "{text}");

    // By file: the runs folder beside it is the default.
    let mapping = dir.path().join("flex.wtmap");
    let one = wtmap(&[
        "history",
        mapping.to_str().unwrap(),
        "--limit",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(
        one.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let doc: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(doc["format"], "wtmap.history/v1");
    let listed = doc["runs"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["mapping"], "flex");
    assert_eq!(listed[0]["run_id"], "run-2");
    assert_eq!(listed[0]["counts"]["created"], 3);
    assert_eq!(
        listed[0]["report"].as_str().unwrap(),
        report_dir.join("report.html").to_str().unwrap()
    );

    let missing = wtmap(&["history", "--runs-dir", dir.path().to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run history"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    write_mapping(dir.path(), "csv", &mapping_text(None));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args([
            "serve",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--no-email",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let banner = wait_for_line(&rx, "status page");
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches(',')
        .to_string();
    wait_for_line(&rx, "csv: loaded daily at 01:00 Europe/Stockholm");
    let status: Value = reqwest::get(format!("{url}status.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["mappings"][0]["schedule"],
        "daily at 01:00 Europe/Stockholm"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for_line(&rx, "stopping: no new runs");
    wait_for_line(&rx, "stopped");
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    assert!(dir.path().join(".wtmap/runs/history.sqlite3").is_file());
}

/// Issue 21, item 15: serve refuses to start on an address away from loopback unless told
/// `--allow-remote` with a token, and says why.
#[test]
fn serve_refuses_a_remote_address_without_allow_remote_and_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let serve = |extra: &[&str], token: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wtmap"));
        c.args(["serve", d, "--listen", "0.0.0.0:0"]).args(extra);
        match token {
            Some(t) => c.env("WTMAP_SERVE_TOKEN", t),
            None => c.env_remove("WTMAP_SERVE_TOKEN"),
        };
        c.output().unwrap()
    };
    let o = serve(&[], Some("a-long-enough-token-value"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0") && err.contains("--allow-remote"),
        "{err}"
    );
    let o = serve(&["--allow-remote"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("WTMAP_SERVE_TOKEN"), "{err}");
}
