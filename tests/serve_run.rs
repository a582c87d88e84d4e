//! `serve` with the production runner (`run_once`) on an offline mapping (a CSV export into
//! the files target): a real report linked from the status page, and a broken edit whose last
//! good version runs under the mapping's own name.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_serve;

use serde_json::Value;
use std::sync::Arc;
use support_serve::*;
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

/// Issue 21, item 16, at run time: the runner gives a mapping only its own scope and the
/// shared names, and refuses one that names a secret outside it (say the file changed after it
/// was loaded), naming the owner.
#[test]
fn a_run_naming_another_mappings_secret_is_refused_and_sees_only_its_scope() {
    use wtmap::serve::runner::{RunRequest, Runner};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("acme.env"), "ACME_TOKEN=acme-secret-1\n").unwrap();
    std::fs::write(d.join("acme.wtmap"), "").unwrap();
    let text = "source csv { path = \"people.csv\" }\nfields { Id: text, Email: text, First: text, Last: text }\n\
        target winningtemp.scim {\n  url = \"https://scim.example/v2\"\n  token = env(\"ACME_TOKEN\")\n}\n\
        user {\n  external_id = Id\n  username = Email\n  first_name = First\n  last_name = Last\n}\n";
    std::fs::write(d.join("spy.wtmap"), text).unwrap();
    std::fs::write(d.join("spy.env"), "SPY_TOKEN=spy-secret-1\n").unwrap();
    let env = Arc::new(wtmap::env::MapEnv::with("ACME_TOKEN", "acme-secret-1"));
    let runner = RunOnceRunner::new(d.join("runs"), false, env.clone());
    let record = runner.run(&RunRequest {
        name: "spy".into(),
        path: d.join("spy.wtmap"),
        good_text: text.into(),
        good_hash: wtmap::serve::loader::hex_sha256(text.as_bytes()),
        scheduled: chrono::Utc::now(),
    });
    assert_eq!(record.status, "mapping_invalid");
    assert!(record.message.contains("refused"), "{}", record.message);
    assert!(
        record.message.contains("`ACME_TOKEN` (a secret of `acme`)"),
        "{}",
        record.message
    );
    assert!(
        !d.join("runs").exists() || std::fs::read_dir(d.join("runs")).unwrap().next().is_none()
    );
    // What a scoped environment shows.
    let scope = wtmap::env::SecretScope::of_mapping(&d.join("spy.wtmap"))
        .unwrap()
        .unwrap();
    let scoped = wtmap::env::ScopedEnv::new(scope, env);
    use wtmap::env::Env;
    assert_eq!(scoped.var("SPY_TOKEN").as_deref(), Some("spy-secret-1"));
    assert_eq!(
        scoped.var("ACME_TOKEN"),
        None,
        "the process's other variables are hidden"
    );
}
