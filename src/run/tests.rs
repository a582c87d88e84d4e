use super::lock::{LockError, LockInfo, RunLock, staleness};
use super::*;
use crate::env::MapEnv;

#[test]
fn statuses_have_distinct_codes_and_names() {
    let all = [
        RunStatus::Success,
        RunStatus::SuccessWithQuarantine,
        RunStatus::GuardAborted,
        RunStatus::SourceFailed,
        RunStatus::TargetFailed,
        RunStatus::MappingInvalid,
        RunStatus::Locked,
    ];
    let codes: Vec<u8> = all.iter().map(|s| s.exit_code()).collect();
    assert_eq!(codes, [0, 4, 3, 5, 6, 1, 7]);
    for s in all {
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", s.as_str()));
    }
}

fn summary(status: RunStatus, email: EmailOutcome) -> RunSummary {
    RunSummary {
        mapping: "m.wtmap".into(),
        run_id: "r".into(),
        status,
        started: Utc::now(),
        finished: Utc::now(),
        counts: Counts::default(),
        report_dir: PathBuf::new(),
        email,
        message: String::new(),
    }
}

#[test]
fn a_failed_email_turns_only_a_success_into_8() {
    let failed = EmailOutcome::Failed {
        message: "down".into(),
    };
    assert_eq!(summary(RunStatus::Success, failed.clone()).exit_code(), 8);
    assert_eq!(
        summary(RunStatus::SuccessWithQuarantine, failed.clone()).exit_code(),
        8
    );
    assert_eq!(summary(RunStatus::GuardAborted, failed).exit_code(), 3);
    assert_eq!(
        summary(RunStatus::Success, EmailOutcome::NotConfigured).exit_code(),
        0
    );
}

#[test]
fn a_lock_is_exclusive_and_released() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("m/run.lock");
    let first = RunLock::acquire(&path, &LockInfo::this_process("a", Utc::now()));
    let Ok(first) = first else {
        panic!("the first run takes the lock")
    };
    match RunLock::acquire(&path, &LockInfo::this_process("b", Utc::now())) {
        Err(LockError::Held { info, stale, .. }) => {
            assert_eq!(info.map(|i| i.run), Some("a".to_string()));
            assert_eq!(stale, None, "this process is alive");
        }
        other => panic!("{other:?}"),
    }
    drop(first);
    assert!(!path.exists());
    assert!(RunLock::acquire(&path, &LockInfo::this_process("c", Utc::now())).is_ok());
}

#[test]
fn a_lock_someone_else_took_is_not_removed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("run.lock");
    let Ok(mine) = RunLock::acquire(&path, &LockInfo::this_process("mine", Utc::now())) else {
        panic!("lock")
    };
    // A person removed it, and another run took it.
    let theirs = LockInfo::this_process("theirs", Utc::now());
    let text = serde_json::to_string(&theirs).unwrap_or_default();
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    drop(mine);
    assert!(path.exists());
}

#[test]
fn a_stale_lock_of_this_host_is_taken_over_once() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("run.lock");
    let mut dead = LockInfo::this_process("dead", Utc::now());
    dead.pid = 4_194_999;
    let text = serde_json::to_string(&dead).unwrap_or_default();
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let Ok(mine) = RunLock::acquire(&path, &LockInfo::this_process("mine", Utc::now())) else {
        panic!("a dead process's lock is released")
    };
    let note = mine.released().unwrap_or_default();
    assert!(
        note.contains("run dead") && note.contains("no process 4194999"),
        "{note}"
    );
    // Now it is held by a live process: nobody else takes it.
    assert!(matches!(
        RunLock::acquire(&path, &LockInfo::this_process("late", Utc::now())),
        Err(LockError::Held { stale: None, .. })
    ));
}

#[test]
fn staleness_only_when_certain() {
    let mut info = LockInfo::this_process("r", Utc::now());
    assert_eq!(staleness(&info), None);
    info.pid = 4_194_999;
    if Path::new("/proc/self").exists() {
        assert_eq!(
            staleness(&info).as_deref(),
            Some("no process 4194999 runs on this host")
        );
    }
    info.host = "another-host".into();
    assert_eq!(staleness(&info), None, "another host cannot be checked");
}

/// A CSV mapping delivering to a local file target, with `n` people.
fn files_fixture(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = "source csv { path = \"people.csv\" }\nfields { id: text, mail: text }\n\
        target winningtemp.files { dir = \"out\" }\n\
        user {\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}\n";
    std::fs::write(dir.path().join("m.wtmap"), mapping).unwrap_or_else(|e| panic!("{e}"));
    people(dir.path(), n);
    dir
}

fn people(dir: &Path, n: usize) {
    let mut csv = String::from("id,mail\n");
    for i in 1..=n {
        csv.push_str(&format!("E{i},p{i}@x.example\n"));
    }
    std::fs::write(dir.join("people.csv"), csv).unwrap_or_else(|e| panic!("{e}"));
}

fn run(dir: &Path) -> RunSummary {
    let opts = RunOptions {
        today: NaiveDate::from_ymd_opt(2026, 11, 21),
        ..RunOptions::default()
    };
    run_once(&dir.join("m.wtmap"), &opts, &MapEnv::default())
}

fn stored(summary: &RunSummary) -> Report {
    let text = std::fs::read_to_string(summary.report_dir.join("report.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_guard_abort_leaves_the_last_export_alone() {
    let dir = files_fixture(10);
    let first = run(dir.path());
    assert_eq!(first.status, RunStatus::Success, "{}", first.message);
    assert_eq!(first.counts.created, 10);
    let users = dir.path().join("out/wt_users.csv");
    let exported = std::fs::read_to_string(&users).unwrap_or_default();

    people(dir.path(), 1);
    let second = run(dir.path());
    assert_eq!(second.status, RunStatus::GuardAborted, "{}", second.message);
    assert!(second.message.starts_with("aborted by guard pauses <= 10%"));
    assert_eq!(
        std::fs::read_to_string(&users).unwrap_or_default(),
        exported
    );
    let report = stored(&second);
    assert_eq!(report.counts.not_done, 9);
    assert!(report.failed_guards().count() >= 1);
    assert!(dir.path().join(".wtmap/runs/m").is_dir());
    assert!(second.report_dir.join("plan.json").is_file());
}

#[test]
fn a_missing_records_file_is_a_source_failure() {
    let dir = files_fixture(3);
    std::fs::remove_file(dir.path().join("people.csv")).unwrap_or_else(|e| panic!("{e}"));
    let s = run(dir.path());
    assert_eq!(s.status, RunStatus::SourceFailed);
    assert!(!dir.path().join("out/wt_users.csv").exists());
    assert!(!s.report_dir.join("plan.json").exists());
}

#[test]
fn a_mapping_with_errors_is_reported_with_its_diagnostics() {
    let dir = files_fixture(3);
    std::fs::write(
        dir.path().join("m.wtmap"),
        "source csv { path = \"people.csv\" }\nuser {\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = run(dir.path());
    assert_eq!(s.status, RunStatus::MappingInvalid);
    assert_eq!(s.status.exit_code(), 1);
    let report = stored(&s);
    assert!(
        report.notes.iter().any(|n| n.contains("E0001")),
        "{:?}",
        report.notes
    );

    let missing = run(&dir.path().join("nowhere"));
    assert_eq!(missing.status, RunStatus::MappingInvalid);
    assert!(
        missing.message.contains("cannot read"),
        "{}",
        missing.message
    );
}

#[test]
fn run_once_works_from_inside_an_async_runtime() {
    // `wtmap serve` may call it from async code; the sync builds runtimes of its own.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = "source csv { path = \"people.csv\" }\nfields { id: text, mail: text }\n\
        target winningtemp.scim {\n  url = \"http://127.0.0.1:9/v2\"\n  token = env(\"T\")\n}\n\
        user {\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}\n";
    std::fs::write(dir.path().join("m.wtmap"), mapping).unwrap_or_else(|e| panic!("{e}"));
    people(dir.path(), 2);
    let tuning = Tuning {
        client: ClientOptions {
            max_attempts: 1,
            ..ClientOptions::default()
        },
        ..Tuning::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("m.wtmap");
    let env = MapEnv::with("T", "token-1234");
    let s = rt.block_on(async { run_once_with(&path, &RunOptions::default(), &tuning, &env) });
    assert_eq!(s.status, RunStatus::TargetFailed, "{}", s.message);
    assert!(s.message.starts_with("reading the SCIM directory failed"));
}
