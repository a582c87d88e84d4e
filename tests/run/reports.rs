//! The reports of deterministic runs (the example CSV integration on its example date, to a
//! local file target), in every format people read (`report.txt`, `report.md`,
//! `report.html`) as written to the run folder, snapshotted with the run's ID, times and
//! durations redacted:
//!
//! - **abort**: the example with `guard pauses <= 1`, which its two pauses break;
//! - **quarantine**: the example as it is, run after the abort, so its report has a trend;
//! - **success**: the example without the records it quarantines or skips.
//!
//! And `docs/report-example.html`, the committed example of the HTML report, which must be
//! what wtmap renders today (`WTMAP_BLESS=1` rewrites it).

use super::support_smtp::fixture::{TODAY, abort_dir, kb, set_guard, success_dir};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `kb.wtmap` in `dir` through the binary; returns the new run folder.
fn example_run(dir: &Path, code: i32) -> PathBuf {
    let before: Vec<PathBuf> = run_folders(dir);
    let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["run", "kb.wtmap", "--today", TODAY, "--runs-dir", "runs"])
        .args(["--no-email", "--format", "none"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{stderr}");
    assert!(o.stdout.is_empty(), "--format none prints nothing");
    let mut new: Vec<PathBuf> = run_folders(dir)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    new.pop().unwrap()
}

fn run_folders(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("runs/kb")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Snapshots the three renderings of a run folder as `run_report_<name>_{txt,md,html}`.
fn snapshot(name: &str, folder: &Path) {
    let read = |file: &str| std::fs::read_to_string(folder.join(file)).unwrap();
    insta::with_settings!({
        filters => vec![
            (r"\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}", "[RUN]"),
            (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "[TIME]"),
            (r"\d{4}-\d\d-\d\d \d\d:\d\d\b", "[TIME]"),
            (r"\d+\.\d s\b", "[DURATION]"),
            (r"sha256 [0-9a-f]{12}", "sha256 [HASH]"),
        ],
    }, {
        insta::assert_snapshot!(format!("run_report_{name}_txt"), read("report.txt"));
        insta::assert_snapshot!(format!("run_report_{name}_md"), read("report.md"));
        insta::assert_snapshot!(format!("run_report_{name}_html"), read("report.html"));
    });
}

#[test]
fn reports_of_an_abort_then_a_quarantine_with_its_trend() {
    let dir = abort_dir();
    let abort = example_run(dir.path(), 3);
    snapshot("abort", &abort);
    set_guard(dir.path(), "guard pauses <= 1", "guard pauses <= 5%");
    let quarantine = example_run(dir.path(), 4);
    snapshot("quarantine", &quarantine);
    let text = std::fs::read_to_string(quarantine.join("report.txt")).unwrap();
    assert!(text.contains("Trend (last 2 runs)"), "{text}");
}

#[test]
fn reports_of_a_success() {
    let dir = success_dir();
    let folder = example_run(dir.path(), 0);
    snapshot("success", &folder);
}

#[test]
fn the_committed_html_example_is_current() {
    let dir = kb("report to \"hr@kommunalbolaget.example\"");
    let folder = example_run(dir.path(), 4);
    let text = std::fs::read_to_string(folder.join("report.json")).unwrap();
    let mut report: wtmap::report::Report = serde_json::from_str(&text).unwrap();
    // What differs from run to run is fixed, and the email shown as sent, as in the mail.
    report.run_id = "20261121T000012Z-5a3c".into();
    report.started = "2026-11-21T00:00:12Z".parse().unwrap();
    report.finished = "2026-11-21T00:00:13.4Z".parse().unwrap();
    report.duration_seconds = 1.4;
    report.email = wtmap::report::EmailOutcome::Sent {
        to: vec!["hr@kommunalbolaget.example".into()],
    };
    let html = wtmap::report::render_html(&report);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-example.html");
    if std::env::var("WTMAP_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &html).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == html,
        "docs/report-example.html is not what wtmap renders now; rerun this test with WTMAP_BLESS=1 and commit the file"
    );
}
