//! `serve` with the production runner (`run_once`) on an offline mapping (a CSV export into
//! the files target): a real report linked from the status page, and a broken edit whose last
//! good version runs under the mapping's own name.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod serve_support;

use serde_json::Value;
use serve_support::*;
use std::sync::Arc;
use wtmap::serve::clock::TestClock;
use wtmap::serve::run_adapter::RunOnceRunner;
use wtmap::serve::{Parts, serve};

/// The CSV example without its SFTP upload: the export stays in a local folder.
fn offline_mapping(schedule: &str) -> String {
    let sftp = "  sftp {\n    host = \"sftp.winningtemp.example\"\n    user = \"kommunalbolaget\"\n    key  = env(\"WT_SFTP_KEY\")\n  }\n";
    let text = mapping_text(Some(schedule));
    assert!(
        text.contains(sftp),
        "the example mapping's sftp block moved"
    );
    text.replace(sftp, "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_run_once_and_links_its_report_even_from_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("exports")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/data/csv.csv"),
        dir.path().join("exports/personal.csv"),
    )
    .unwrap();
    let good = offline_mapping("schedule every 15 minutes");
    let path = write_mapping(dir.path(), "kb", &good);
    let runs = dir.path().join(".wtmap").join("runs");

    let clock = TestClock::new(utc("2026-05-01T00:10:00Z"));
    let (log, lines) = log_channel();
    let service = service(dir.path(), &runs, clock_now(&clock), 1).with_log(log);
    let env = Arc::new(wtmap::env::MapEnv::default());
    let runner = RunOnceRunner::new(runs.clone(), false, env);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stop_rx) = tokio::sync::mpsc::unbounded_channel();
    let parts = Parts {
        service,
        runner: Arc::new(runner),
        clock: clock.clone(),
        sleeper: Arc::new(clock.sleeper()),
        runs_dir: runs.clone(),
    };
    let handle = tokio::spawn(serve(parts, listener, stop_rx));
    wait_for_line(&lines, "kb: loaded");

    clock.set(utc("2026-05-01T00:15:00Z"));
    wait_for_line(&lines, "kb: run ended");
    let status: Value = reqwest::get(format!("{base}/status.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kb = &status["mappings"][0];
    // Four records of the example export cannot be mapped on purpose.
    assert_eq!(kb["last_run"]["status"], "success_with_quarantine", "{kb}");
    assert_eq!(kb["last_run"]["counts"]["created"], 43);
    assert_eq!(kb["last_run"]["counts"]["quarantined"], 4);
    let url = kb["last_run"]["report_url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/runs/kb/"), "{url}");
    let report = reqwest::get(format!("{base}{url}")).await.unwrap();
    assert_eq!(report.status(), 200);
    assert!(report.text().await.unwrap().contains("kb"));

    // Broken on disk: the last good version runs, as `kb` (same lock and run folders).
    let broken = good.replace("every 15 minutes", "every 15 fortnights");
    std::fs::write(&path, &broken).unwrap();
    clock.set(utc("2026-05-01T00:16:00Z"));
    wait_for_line(&lines, "kb: invalid");
    clock.set(utc("2026-05-01T00:30:00Z"));
    let ended = wait_for_line(&lines, "kb: run ended");
    assert!(ended.contains("success_with_quarantine"), "{ended}");
    let run_folders = std::fs::read_dir(runs.join("kb")).unwrap().count();
    assert_eq!(run_folders, 2, "both runs under runs/kb");
    assert!(
        !dir.path().join("kb.wtmap-last-good").exists(),
        "snapshot removed"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        broken,
        "the file is left alone"
    );

    stop.send(()).unwrap();
    let service = handle.await.unwrap();
    let rows = service.history().runs(Some("kb"), 10).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].counts["planned"], 0,
        "nothing left to change: {rows:?}"
    );
    let report_json = rows[0].report_dir.as_ref().unwrap().join("report.json");
    let report: Value = serde_json::from_slice(&std::fs::read(report_json).unwrap()).unwrap();
    assert!(
        report.to_string().contains("kb.wtmap-last-good"),
        "the report names what ran"
    );
}

fn clock_now(clock: &TestClock) -> chrono::DateTime<chrono::Utc> {
    use wtmap::serve::clock::Clock;
    clock.now()
}
