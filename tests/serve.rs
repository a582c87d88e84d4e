//! `serve` driven by a hand-stepped clock: daily schedules through day boundaries and both DST
//! changes, intervals across midnight, overlap skipping, the run history's crash safety and
//! queries, and a mapping edited into one that does not check.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_serve;

use chrono::Duration;
use chrono_tz::Europe::Stockholm;
use support_serve::*;
use wtmap::serve::history::{History, status};
use wtmap::serve::runner::RunRecord;

fn folder(mappings: &[(&str, Option<&str>)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, schedule) in mappings {
        write_mapping(dir.path(), name, &mapping_text(*schedule));
    }
    let runs = dir.path().join(".wtmap").join("runs");
    (dir, runs)
}

#[test]
fn spring_forward_runs_a_missing_time_once_at_the_jump() {
    let (dir, runs) = folder(&[
        (
            "half_past_two",
            Some("schedule daily at 02:30 Europe/Stockholm"),
        ),
        ("default", None),
    ]);
    let from = utc("2026-03-27T12:00:00Z");
    let mut s = service(dir.path(), &runs, from, 60);
    let started = drive(&mut s, from, utc("2026-03-30T12:00:00Z"));

    // 2026-03-29 02:00 CET became 03:00 CEST (01:00 UTC): 02:30 did not exist that day.
    assert_eq!(
        times_of(&started, "half_past_two"),
        vec![
            utc("2026-03-28T01:30:00Z"), // 02:30 CET
            utc("2026-03-29T01:00:00Z"), // 03:00 CEST, the first instant after the gap
            utc("2026-03-30T00:30:00Z"), // 02:30 CEST
        ]
    );
    let local: Vec<String> = times_of(&started, "half_past_two")
        .iter()
        .map(|t| {
            t.with_timezone(&Stockholm)
                .format("%d %H:%M %Z")
                .to_string()
        })
        .collect();
    assert_eq!(local, ["28 02:30 CET", "29 03:00 CEST", "30 02:30 CEST"]);

    // The default, 01:00 Europe/Stockholm: one run a day, at 01:00 local on both sides.
    assert_eq!(
        times_of(&started, "default"),
        vec![
            utc("2026-03-28T00:00:00Z"),
            utc("2026-03-29T00:00:00Z"),
            utc("2026-03-29T23:00:00Z"),
        ]
    );
    let history = s.history();
    assert_eq!(history.runs(Some("half_past_two"), 10).unwrap().len(), 3);
}

#[test]
fn fall_back_runs_a_repeated_time_once_at_its_first_occurrence() {
    let (dir, runs) = folder(&[
        (
            "half_past_two",
            Some("schedule daily at 02:30 Europe/Stockholm"),
        ),
        ("default", None),
    ]);
    let from = utc("2026-10-24T00:00:00Z");
    let mut s = service(dir.path(), &runs, from, 60);
    let started = drive(&mut s, from, utc("2026-10-26T23:00:00Z"));

    // 2026-10-25 03:00 CEST became 02:00 CET (01:00 UTC): 02:30 happened twice.
    assert_eq!(
        times_of(&started, "half_past_two"),
        vec![
            utc("2026-10-24T00:30:00Z"), // 02:30 CEST
            utc("2026-10-25T00:30:00Z"), // the first 02:30 (CEST); not again at 01:30 UTC
            utc("2026-10-26T01:30:00Z"), // 02:30 CET
        ]
    );
    assert_eq!(
        times_of(&started, "default"),
        vec![utc("2026-10-24T23:00:00Z"), utc("2026-10-26T00:00:00Z")]
    );
}

#[test]
fn every_90_minutes_keeps_its_interval_across_midnight() {
    let (dir, runs) = folder(&[("often", Some("schedule every 90 minutes"))]);
    let from = utc("2026-01-01T21:00:00Z");
    let mut s = service(dir.path(), &runs, from, 60);
    let started = drive(&mut s, from, utc("2026-01-02T03:00:00Z"));
    assert_eq!(
        times_of(&started, "often"),
        vec![
            utc("2026-01-01T22:30:00Z"),
            utc("2026-01-02T00:00:00Z"),
            utc("2026-01-02T01:30:00Z"),
            utc("2026-01-02T03:00:00Z"),
        ]
    );
}

#[test]
fn a_run_still_going_at_its_next_time_is_skipped_and_recorded() {
    let (dir, runs) = folder(&[("slow", Some("schedule every 15 minutes"))]);
    let t0 = utc("2026-05-01T00:00:00Z");
    let mut s = service(dir.path(), &runs, t0, 60);
    assert!(s.poll(t0).is_empty());
    let first = s.poll(t0 + Duration::minutes(15));
    assert_eq!(first.len(), 1);
    // Still going a quarter later: no second run beside it.
    assert!(s.poll(t0 + Duration::minutes(30)).is_empty());
    let record = success(&first[0].request, t0 + Duration::minutes(15), None);
    s.complete(&first[0], record, t0 + Duration::minutes(40));
    assert_eq!(s.poll(t0 + Duration::minutes(45)).len(), 1);

    let rows = s.history().runs(Some("slow"), 10).unwrap();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, [status::RUNNING, status::SKIPPED, "success"]);
    assert_eq!(rows[1].scheduled, Some(t0 + Duration::minutes(30)));
    assert!(
        rows[1].message.contains("still going"),
        "{}",
        rows[1].message
    );
    assert_eq!(rows[2].counts["created"], 2);
}

fn record(mapping: &str, minute: i64) -> RunRecord {
    let at = utc("2026-06-01T01:00:00Z") + Duration::minutes(minute);
    RunRecord {
        mapping: mapping.into(),
        run_id: format!("{mapping}-{minute}"),
        status: "success".into(),
        started: at,
        finished: at + Duration::seconds(3),
        counts: [("created".to_string(), 1), ("paused".to_string(), 0)]
            .into_iter()
            .collect(),
        report_dir: Some(format!("/runs/{mapping}/{minute}").into()),
        message: String::new(),
        email: String::new(),
    }
}

#[test]
fn history_survives_a_connection_dropped_mid_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in(dir.path()).unwrap();
    history.record(&record("a", 1), None).unwrap();
    history.record(&record("a", 2), None).unwrap();
    let path = history.path().to_path_buf();
    drop(history);

    // A writer that dies mid-transaction: rows inserted, no commit, pages spilled to the WAL.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "cache_size", 1).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    for i in 0..500 {
        conn.execute(
            "INSERT INTO runs (mapping, status, started, message) VALUES ('a', 'success', ?1, ?2)",
            rusqlite::params![
                format!("2026-06-02T00:00:{:02}.000Z", i % 60),
                "x".repeat(500)
            ],
        )
        .unwrap();
    }
    // What a power cut at this moment would leave on disk.
    let image = tempfile::tempdir().unwrap();
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", path.display());
        if std::path::Path::new(&from).exists() {
            let to = image.path().join(format!("history.sqlite3{suffix}"));
            std::fs::copy(&from, to).unwrap();
        }
    }
    drop(conn); // the process is gone: no COMMIT

    for reopened in [History::open_in(dir.path()), History::open_in(image.path())] {
        let reopened = reopened.unwrap();
        let runs = reopened.runs(None, 1000).unwrap();
        assert_eq!(runs.len(), 2, "only the committed runs");
        assert_eq!(runs[0].run_id, "a-2");
        // And it still takes writes.
        reopened.record(&record("a", 3), None).unwrap();
    }
    let check = rusqlite::Connection::open(image.path().join("history.sqlite3")).unwrap();
    let ok: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn runs_cut_off_by_a_crash_are_marked_interrupted() {
    let (dir, runs) = folder(&[]);
    let history = History::open_in(&runs).unwrap();
    let t = utc("2026-06-01T01:00:00Z");
    history.begin_run("a", Some(t), t).unwrap();
    drop(history);
    let s = service(dir.path(), &runs, t + Duration::hours(1), 60);
    let rows = s.history().runs(Some("a"), 10).unwrap();
    assert_eq!(rows[0].status, status::INTERRUPTED);
    assert_eq!(rows[0].finished, Some(t + Duration::hours(1)));
}

#[test]
fn history_queries_by_mapping_newest_first_with_limits() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in(dir.path()).unwrap();
    for m in 0..5 {
        history.record(&record("a", m), None).unwrap();
    }
    for m in 0..3 {
        history.record(&record("b", 10 + m), None).unwrap();
    }
    let a = history.runs(Some("a"), 3).unwrap();
    let ids: Vec<&str> = a.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["a-4", "a-3", "a-2"]);
    assert_eq!(a[0].counts["created"], 1);
    assert_eq!(a[0].report_dir.as_deref(), Some("/runs/a/4".as_ref()));
    assert_eq!(history.runs(None, 100).unwrap().len(), 8);
    assert_eq!(history.runs(None, 2).unwrap()[0].run_id, "b-12");
    assert!(history.runs(Some("c"), 10).unwrap().is_empty());
    assert_eq!(history.last_run("b").unwrap().unwrap().run_id, "b-12");

    // The counts are JSON in SQLite: queryable with its JSON functions.
    let conn = rusqlite::Connection::open(history.path()).unwrap();
    let created: i64 = conn
        .query_row(
            "SELECT sum(json_extract(counts, '$.created')) FROM runs WHERE mapping = 'a'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(created, 5);
}

#[test]
fn a_mapping_edited_into_errors_keeps_its_last_good_version() {
    let (dir, runs) = folder(&[("flex", Some("schedule every 30 minutes"))]);
    let good = mapping_text(Some("schedule every 30 minutes"));
    let t0 = utc("2026-05-01T00:10:00Z");
    let mut s = service(dir.path(), &runs, t0, 1);
    assert!(s.poll(t0).is_empty());
    assert_eq!(
        s.scheduler().next_run("flex"),
        Some(utc("2026-05-01T00:30:00Z"))
    );

    let broken = good.replace("schedule every 30 minutes", "schedule every 30 fortnights");
    write_mapping(dir.path(), "flex", &broken);
    assert!(s.poll(t0 + Duration::minutes(5)).is_empty());

    let board = s.board().get();
    let error = board.mappings[0].error.clone().expect("the error is shown");
    assert!(error.summary.contains("E0309"), "{}", error.summary);
    assert!(error.detail.contains("fortnights"), "{}", error.detail);
    assert_eq!(
        board.mappings[0].schedule.as_deref(),
        Some("every 30 minutes")
    );

    // The good version still runs on the good schedule, with the good text.
    let launches = s.poll(utc("2026-05-01T00:30:00Z"));
    assert_eq!(launches.len(), 1);
    assert_eq!(&*launches[0].request.good_text, good.as_str());
    let events = s.history().events(Some("flex"), 10).unwrap();
    assert_eq!(events[0].kind, "invalid");
    assert!(
        events[0].message.contains("keeps running"),
        "{}",
        events[0].message
    );

    // Fixed: the error goes, the new version runs.
    let fixed = good.replace("every 30 minutes", "every 20 minutes");
    write_mapping(dir.path(), "flex", &fixed);
    let now = utc("2026-05-01T00:31:00Z");
    s.poll(now);
    let board = s.board().get();
    assert_eq!(board.mappings[0].error, None);
    assert_eq!(
        board.mappings[0].schedule.as_deref(),
        Some("every 20 minutes")
    );
}

#[test]
fn a_removed_mapping_stops_running() {
    let (dir, runs) = folder(&[("gone", Some("schedule every 15 minutes"))]);
    let t0 = utc("2026-05-01T00:00:00Z");
    let mut s = service(dir.path(), &runs, t0, 1);
    assert_eq!(drive(&mut s, t0, t0 + Duration::minutes(15)).len(), 1);
    std::fs::remove_file(dir.path().join("gone.wtmap")).unwrap();
    assert!(drive(&mut s, t0 + Duration::minutes(16), t0 + Duration::hours(2)).is_empty());
    assert!(s.board().get().mappings.is_empty());
    assert_eq!(
        s.history().events(Some("gone"), 1).unwrap()[0].kind,
        "removed"
    );
}

#[test]
fn a_mapping_that_never_checked_is_shown_but_not_run() {
    let (dir, runs) = folder(&[("good", Some("schedule every 15 minutes"))]);
    write_mapping(dir.path(), "bad", "source nowhere {");
    let t0 = utc("2026-05-01T00:00:00Z");
    let mut s = service(dir.path(), &runs, t0, 60);
    let started = drive(&mut s, t0, t0 + Duration::minutes(30));
    assert!(times_of(&started, "bad").is_empty());
    assert_eq!(times_of(&started, "good").len(), 2);
    let board = s.board().get();
    let bad = board.mappings.iter().find(|m| m.name == "bad").unwrap();
    assert!(bad.error.is_some() && bad.next_run.is_none() && bad.schedule.is_none());
}

/// Issue 21, item 10: a mapping that makes wtmap panic while it is checked is that mapping's
/// error, on the status page; the other mappings load and run on their schedules, and the same
/// content is not checked again at every scan.
#[test]
fn a_mapping_that_panics_the_checker_is_contained_to_itself() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (dir, runs) = folder(&[
        ("good", Some("schedule every 15 minutes")),
        ("other", Some("schedule every 15 minutes")),
    ]);
    let poison = format!(
        "{}# PANIC\n",
        mapping_text(Some("schedule every 15 minutes"))
    );
    write_mapping(dir.path(), "bad", &poison);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let checker = Arc::new(move |file: &wtmap::source::SourceFile| {
        if file.text.contains("# PANIC") {
            counted.fetch_add(1, Ordering::SeqCst);
            panic!("boom in the checker");
        }
        wtmap::check::check_source(file)
    });
    let t0 = utc("2026-05-01T00:00:00Z");
    let mut s = service(dir.path(), &runs, t0, 5).with_checker(checker);
    let started = drive(&mut s, t0, t0 + Duration::minutes(30));
    assert_eq!(times_of(&started, "good").len(), 2);
    assert_eq!(times_of(&started, "other").len(), 2);
    assert!(times_of(&started, "bad").is_empty());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "checked once, not at every scan"
    );
    let board = s.board().get();
    let bad = board.mappings.iter().find(|m| m.name == "bad").unwrap();
    let error = format!("{:?}", bad.error);
    assert!(error.contains("boom in the checker"), "{error}");
    // Fixed on disk: it loads and runs like the others.
    write_mapping(
        dir.path(),
        "bad",
        &mapping_text(Some("schedule every 15 minutes")),
    );
    let t1 = t0 + Duration::minutes(31);
    let started = drive(&mut s, t1, t1 + Duration::minutes(30));
    assert_eq!(times_of(&started, "bad").len(), 2);
}

/// Issue 21, item 16: each served mapping has its own secret scope (`NAME.env`, or a folder
/// `NAME.secrets/` as Kubernetes mounts a secret). A mapping naming another mapping's secret
/// does not load (E0315, naming the owner); the others load and run.
#[test]
fn a_mapping_naming_another_mappings_secret_is_refused_at_load() {
    let (dir, runs) = folder(&[("acme", Some("schedule every 15 minutes"))]);
    // `acme` got `acme.env` with WT_SFTP_KEY; `globex` keeps its secrets in a folder.
    let text = mapping_text(Some("schedule every 15 minutes"));
    let globex = text.replace("env(\"WT_SFTP_KEY\")", "env(\"GLOBEX_SFTP_KEY\")");
    std::fs::write(dir.path().join("globex.wtmap"), &globex).unwrap();
    std::fs::create_dir(dir.path().join("globex.secrets")).unwrap();
    std::fs::write(
        dir.path().join("globex.secrets/GLOBEX_SFTP_KEY"),
        "globex-key\n",
    )
    .unwrap();
    // `spy` has a scope of its own but names acme's key.
    std::fs::write(dir.path().join("spy.wtmap"), &text).unwrap();
    std::fs::write(dir.path().join("spy.env"), "SPY_TOKEN=x\n").unwrap();
    // `bare` has no scope at all: it may read nothing but the shared names.
    std::fs::write(dir.path().join("bare.wtmap"), &globex).unwrap();
    let t0 = utc("2026-05-01T00:00:00Z");
    let mut s = service(dir.path(), &runs, t0, 60);
    let started = drive(&mut s, t0, t0 + Duration::minutes(30));
    assert_eq!(times_of(&started, "acme").len(), 2);
    assert_eq!(times_of(&started, "globex").len(), 2);
    assert!(times_of(&started, "spy").is_empty());
    assert!(times_of(&started, "bare").is_empty());
    let board = s.board().get();
    let error = |name: &str| {
        let m = board.mappings.iter().find(|m| m.name == name).unwrap();
        serde_json::to_string(&m.error).unwrap()
    };
    let spy = error("spy");
    assert!(
        spy.contains("E0315") && spy.contains("WT_SFTP_KEY"),
        "{spy}"
    );
    assert!(spy.contains("a secret of `acme`"), "{spy}");
    let bare = error("bare");
    assert!(
        bare.contains("GLOBEX_SFTP_KEY") && bare.contains("`globex`"),
        "{bare}"
    );
    // The explicit allow-list makes a shared name visible to every mapping.
    let allowed = ["WT_SFTP_KEY", "GLOBEX_SFTP_KEY"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut s = service(dir.path(), &runs, t0, 60).with_allowed(allowed);
    let started = drive(&mut s, t0, t0 + Duration::minutes(30));
    // (Four mappings, two runs at a time: each runs at least once.)
    assert!(!times_of(&started, "spy").is_empty());
    assert!(!times_of(&started, "bare").is_empty());
}
