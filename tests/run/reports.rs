//! The reports of a deterministic run (the example CSV integration on its example date, to a
//! local file target): the text and Markdown files as written, snapshotted with the run's ID,
//! times and durations redacted; and `docs/report-example.html`, the committed example of the
//! HTML report, which must be what wtmap renders today (`WTMAP_BLESS=1` rewrites it).

use super::support_smtp::fixture::{TODAY, kb, only_run_folder};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs the example through the binary and returns the run folder.
fn example_run(dir: &Path) -> std::path::PathBuf {
    let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["run", "kb.wtmap", "--today", TODAY, "--runs-dir", "runs"])
        .args(["--no-email", "--format", "none"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    assert!(o.stdout.is_empty(), "--format none prints nothing");
    only_run_folder(&dir.join("runs"), "kb")
}

#[test]
fn text_and_markdown_reports_of_the_example() {
    let dir = kb("report to \"hr@kommunalbolaget.example\"");
    let folder = example_run(dir.path());
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).unwrap();
    insta::with_settings!({
        filters => vec![
            (r"\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}", "[RUN]"),
            (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "[TIME]"),
            (r"\d+\.\d s\b", "[DURATION]"),
            (r"sha256 [0-9a-f]{12}", "sha256 [HASH]"),
        ],
    }, {
        insta::assert_snapshot!("run_report_txt", read("report.txt"));
        insta::assert_snapshot!("run_report_md", read("report.md"));
    });
}

#[test]
fn the_committed_html_example_is_current() {
    let dir = kb("report to \"hr@kommunalbolaget.example\"");
    let folder = example_run(dir.path());
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
