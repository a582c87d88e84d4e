use super::*;
use crate::action::{Action, PlannedAction};

fn id(mapping: &str) -> Identity {
    Identity {
        mapping: format!("/m/{mapping}"),
        mapping_sha256: "0".repeat(64),
        target: "scim:https://a.example".into(),
    }
}

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
        because: crate::model::Because::new("group path", 3),
    };
    Plan::new("m/flex.wtmap", &desired, vec![action], vec![], vec![])
}

#[test]
fn a_run_is_recorded_line_by_line_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        find_unfinished(dir.path(), "m/flex.wtmap", &id("flex.wtmap"))
            .unwrap()
            .is_none()
    );
    let mut j = Journal::create(dir.path(), "m/flex.wtmap", &id("flex.wtmap"), &plan(10)).unwrap();
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

    let u = find_unfinished(dir.path(), "m/flex.wtmap", &id("flex.wtmap"))
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
        find_unfinished(dir.path(), "m/flex.wtmap", &id("flex.wtmap"))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        last_run_source_records(dir.path(), "m/flex.wtmap", &id("flex.wtmap")),
        Some(10)
    );
    assert_eq!(
        last_run_source_records(dir.path(), "other.wtmap", &id("other.wtmap")),
        None
    );
}

#[test]
fn abandoned_runs_do_not_count_as_last_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::create(dir.path(), "a.wtmap", &id("a.wtmap"), &plan(5)).unwrap();
    j.append(&Entry::End {
        at: now(),
        ok: 0,
        failed: 0,
        skipped: 0,
        abandoned: true,
    })
    .unwrap();
    assert_eq!(
        last_run_source_records(dir.path(), "a.wtmap", &id("a.wtmap")),
        None
    );
    assert_eq!(stem("x/Ä b.wtmap"), "Ä_b");
    assert_eq!(file_key("x/Ä b.wtmap"), "Ä~20b");
    assert_eq!(file_key("x/a.b.wtmap"), "a~2Eb");
    assert_eq!(file_key("x/a_b.wtmap"), "a_b");
}

/// Issue 21, item 1: `a.b.wtmap` and `a_b.wtmap` shared the journal stem `a_b`, and an apply
/// of one resumed the other's interrupted run against its own target.
#[test]
fn a_journal_is_only_resumed_by_its_own_mapping_and_target() {
    let dir = tempfile::tempdir().unwrap();
    let ab_dot = id("a.b.wtmap");
    let ab_under = id("a_b.wtmap");
    Journal::create(dir.path(), "m/a.b.wtmap", &ab_dot, &plan(3)).unwrap();
    assert!(
        find_unfinished(dir.path(), "m/a_b.wtmap", &ab_under)
            .unwrap()
            .is_none()
    );
    let u = find_unfinished(dir.path(), "m/a.b.wtmap", &ab_dot)
        .unwrap()
        .unwrap();
    assert_eq!(u.refusal(&ab_dot), None);
    // The same mapping edited, or pointed at another target: found, but refused, saying why.
    let edited = Identity {
        mapping_sha256: "1".repeat(64),
        ..ab_dot.clone()
    };
    let why = u.refusal(&edited).unwrap();
    assert!(
        why.contains("has changed since") && why.contains("--fresh"),
        "{why}"
    );
    let moved = Identity {
        target: "scim:https://b.example".into(),
        ..ab_dot.clone()
    };
    let why = u.refusal(&moved).unwrap();
    assert!(why.contains("scim:https://a.example"), "{why}");
    // A shared journals folder: another mapping filed under the same key is passed over.
    let elsewhere = Identity {
        mapping: "/elsewhere/a.b.wtmap".into(),
        ..ab_dot.clone()
    };
    assert!(
        find_unfinished(dir.path(), "x/a.b.wtmap", &elsewhere)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_journal_of_an_older_version_is_never_resumed_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    // What an older version wrote: no identity on the start line, filed under the lossy stem.
    let start = serde_json::json!({"event": "start", "format": JOURNAL_FORMAT, "run": "r1",
        "mapping": "m/a_b.wtmap", "at": now(), "plan": plan(3)});
    std::fs::write(dir.path().join("a_b.r1.jsonl"), format!("{start}\n")).unwrap();
    let u = find_unfinished(dir.path(), "m/a_b.wtmap", &id("a_b.wtmap"))
        .unwrap()
        .unwrap();
    assert!(u.refusal(&id("a_b.wtmap")).unwrap().contains("older wtmap"));
    // `a.b.wtmap` is filed under another key and never sees it.
    assert!(
        find_unfinished(dir.path(), "m/a.b.wtmap", &id("a.b.wtmap"))
            .unwrap()
            .is_none()
    );
}

proptest::proptest! {
    /// No two mapping names share a file key, and names of letters, digits, `-` and `_` keep
    /// theirs (today's journals and run folders stay where they are).
    #[test]
    fn file_keys_are_injective(a in "[a-z_.~ %-]{1,6}", b in "[a-z_.~ %-]{1,6}") {
        let (ka, kb) = (file_key(&format!("{a}.wtmap")), file_key(&format!("{b}.wtmap")));
        proptest::prop_assert_eq!(a == b, ka == kb, "{} {} -> {} {}", a, b, ka, kb);
        if a.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            proptest::prop_assert_eq!(&ka, &a);
        }
    }
}

#[test]
fn journals_and_the_run_history_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "a.wtmap", &id("a.wtmap"), &plan(1)).unwrap();
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
