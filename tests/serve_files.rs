//! `serve` and files that are not mappings (issue 21, item 11): a FIFO, a socket-like entry or a
//! link to a folder named `*.wtmap` in the served folder is shown as an error on the status page
//! and never blocks the scan, so every other mapping keeps its schedule.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_serve;

use chrono::Duration;
use support_serve::*;

#[test]
fn a_fifo_named_like_a_mapping_is_reported_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    write_mapping(
        dir.path(),
        "good",
        &mapping_text(Some("schedule every 15 minutes")),
    );
    let ok = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe.wtmap"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo");
    std::os::unix::fs::symlink("/", dir.path().join("slash.wtmap")).unwrap();
    let runs = dir.path().join(".wtmap").join("runs");
    let t0 = utc("2026-05-01T00:00:00Z");
    let started_at = std::time::Instant::now();
    let mut s = service(dir.path(), &runs, t0, 60);
    let started = drive(&mut s, t0, t0 + Duration::minutes(30));
    assert!(started_at.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(times_of(&started, "good").len(), 2);
    let board = s.board().get();
    for (name, what) in [("pipe", "a FIFO"), ("slash", "a folder")] {
        let m = board.mappings.iter().find(|m| m.name == name).unwrap();
        let error = format!("{:?}", m.error);
        assert!(
            error.contains(what) && error.contains("not a regular file"),
            "{error}"
        );
        assert!(m.next_run.is_none());
    }
}
