use super::*;
use crate::plan::{Action, PlannedAction};

fn plan(records: usize) -> Plan {
    let desired = crate::model::DesiredState {
        source_records: records,
        ..Default::default()
    };
    let action = PlannedAction {
        action: Action::CreateTeam {
            external_id: "T".into(),
            name: "T".into(),
            parent: None,
        },
        because: crate::model::Because {
            statement: "group path".into(),
            line: 3,
        },
    };
    Plan::new("m/flex.wtmap", &desired, vec![action], vec![], vec![])
}

#[test]
fn a_run_is_recorded_line_by_line_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        find_unfinished(dir.path(), "m/flex.wtmap")
            .unwrap()
            .is_none()
    );
    let mut j = Journal::create(dir.path(), "m/flex.wtmap", &plan(10)).unwrap();
    j.append(&Entry::Outcome {
        at: now(),
        actions: vec![0],
        result: Outcome::failed("HTTP 500"),
    })
    .unwrap();
    j.append(&Entry::Outcome {
        at: now(),
        actions: vec![0],
        result: Outcome::ok("created"),
    })
    .unwrap();
    // A kill in the middle of a write leaves half a line.
    let mut f = OpenOptions::new().append(true).open(j.path()).unwrap();
    f.write_all(b"{\"event\":\"outcome\",\"at").unwrap();
    drop(f);
    assert!(
        j.path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("flex.")
    );

    let u = find_unfinished(dir.path(), "m/flex.wtmap")
        .unwrap()
        .unwrap();
    assert_eq!(u.run, j.run());
    assert_eq!(u.plan, plan(10));
    assert_eq!(u.outcomes[&0], Outcome::ok("created"));
    let mut j2 = Journal::reopen(&u).unwrap();
    j2.append(&Entry::End {
        at: now(),
        ok: 1,
        failed: 0,
        skipped: 0,
        abandoned: false,
    })
    .unwrap();
    let text = std::fs::read_to_string(j2.path()).unwrap();
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Entry>(l).is_ok()),
        "{text}"
    );
    assert!(
        find_unfinished(dir.path(), "m/flex.wtmap")
            .unwrap()
            .is_none()
    );
    assert_eq!(
        last_run_source_records(dir.path(), "m/flex.wtmap"),
        Some(10)
    );
    assert_eq!(last_run_source_records(dir.path(), "other.wtmap"), None);
}

#[test]
fn abandoned_runs_do_not_count_as_last_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::create(dir.path(), "a.wtmap", &plan(5)).unwrap();
    j.append(&Entry::End {
        at: now(),
        ok: 0,
        failed: 0,
        skipped: 0,
        abandoned: true,
    })
    .unwrap();
    assert_eq!(last_run_source_records(dir.path(), "a.wtmap"), None);
    assert_eq!(stem("x/Ä b.wtmap"), "Ä_b");
}

#[test]
fn journals_and_the_run_history_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "a.wtmap", &plan(1)).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&j.path), 0o600);
    let runs = dir.path().join("runs");
    crate::serve::history::History::open_in(&runs).unwrap();
    let db = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .unwrap();
    assert_eq!(mode(&db), 0o600);
}
