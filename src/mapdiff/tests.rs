//! Unit tests: the JSON against docs/diff.schema.json, and the summary sentence.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;
use crate::plan::tests::schema_check::check;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn side(label: &str, text: &str) -> Side {
    let file = crate::source::SourceFile::new(label, text);
    let program = crate::check::check_source(&file).0.expect("checks");
    let records =
        crate::sync::read_records(&program, &root().join("mappings/data/flex.json")).unwrap();
    let current = crate::state::read_state(&root().join("mappings/data/flex.state.json")).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    run_side(label, &program, &records, &current, today)
}

fn flex() -> String {
    std::fs::read_to_string(root().join("mappings/flex.wtmap")).unwrap()
}

#[test]
fn the_json_follows_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/diff.schema.json")).unwrap(),
    )
    .unwrap();
    let text = flex();
    let edited = text
        .replace("2->Female", "2->None")
        .replace("  birthday    = DateOfBirth\n", "")
        .replace(
            "group path = [Office, Department, Team]",
            "group path = [Office, Department]",
        )
        .replace(
            "skip when EmailWork is empty\n",
            "skip when EmailWork is empty\nskip when Office == \"Malmö\"\n",
        );
    assert_ne!(edited, text);
    let old = side("old.wtmap", &text);
    for new in [side("new.wtmap", &edited), side("same.wtmap", &text)] {
        let d = compare(&old, &new);
        let json: serde_json::Value = serde_json::from_str(&render_json(&d)).unwrap();
        let errors = check(&schema, &json);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The schema is not vacuous: a wrong format tag and an unknown kind are caught.
    let new = side("new.wtmap", &edited);
    let d = compare(&old, &new);
    let mut json: serde_json::Value = serde_json::from_str(&render_json(&d)).unwrap();
    json["format"] = "wtmap.diff/v0".into();
    json["people"][0]["changes"][0]["kind"] = "haircut".into();
    assert_eq!(
        check(&schema, &json).len(),
        2,
        "{:#?}",
        check(&schema, &json)
    );
}

#[test]
fn the_json_written_on_several_threads_is_the_json_rendered_whole() {
    let text = flex();
    let edited = text.replace("2->Female", "2->None").replace(
        "group path = [Office, Department, Team]",
        "group path = [Office, Department]",
    );
    let (old, new, same) = (
        side("old.wtmap", &text),
        side("new.wtmap", &edited),
        side("same.wtmap", &text),
    );
    let changed = compare(&old, &new);
    assert!(changed.people.len() >= 8, "{} people", changed.people.len());
    let unchanged = compare(&old, &same);
    assert!(unchanged.people.is_empty());
    for d in [&changed, &unchanged] {
        let whole = render_json(d);
        // One thread; pieces of one and two people on two and three threads; one piece.
        for (threads, piece) in [(1, 1), (2, 1), (3, 2), (4, 1000)] {
            let mut out = Vec::new();
            render::write_json_on(d, &mut out, threads, piece).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                whole,
                "{threads} threads, pieces of {piece}"
            );
        }
    }
}

#[test]
fn the_sentence_names_every_kind_and_always_the_pauses() {
    let mut c = DiffCounts::default();
    assert_eq!(
        render::sentence(&c),
        "this change affects nobody: every person's outcome stays the same"
    );
    c.people = 42;
    c.by_kind.insert("team".into(), 37);
    c.by_kind.insert("manager".into(), 1);
    c.attributes.insert(
        "gender".into(),
        AttributeCounts {
            cleared: 4,
            ..AttributeCounts::default()
        },
    );
    assert_eq!(
        render::sentence(&c),
        "this change moves 37 people to another team, gives 1 person another manager, \
         clears gender for 4, and pauses nobody"
    );
    c.becomes.insert("paused".into(), 2);
    assert!(render::sentence(&c).ends_with("and pauses 2 people"));
    let mut teams_only = DiffCounts::default();
    teams_only.teams.insert("renamed".into(), 1);
    assert_eq!(
        render::sentence(&teams_only),
        "this change renames 1 team, and pauses nobody"
    );
}

/// Edits a reviewer might make to the Flex mapping: each a (from, to) replacement.
const EDITS: [(&str, &str); 6] = [
    ("2->Female", "2->None"),
    ("  birthday    = DateOfBirth\n", ""),
    (
        "group path = [Office, Department, Team]",
        "group path = [Office, Department]",
    ),
    (
        "skip when EmailWork is empty\n",
        "skip when EmailWork is empty\nskip when Office == \"Malmö\"\n",
    ),
    (
        "exclude when EmploymentType == \"External Personnel\"",
        "exclude when EmploymentType == \"Permanent\"",
    ),
    (
        "pause when EmploymentEndDate < today or EmploymentStartDate > today",
        "pause when EmploymentEndDate < today",
    ),
];

fn side_over(label: &str, text: &str, keep: &[bool]) -> Side {
    let file = crate::source::SourceFile::new(label, text);
    let program = crate::check::check_source(&file).0.expect("checks");
    let records: Vec<_> =
        crate::sync::read_records(&program, &root().join("mappings/data/flex.json"))
            .unwrap()
            .into_iter()
            .zip(keep.iter().cycle())
            .filter_map(|(r, k)| k.then_some(r))
            .collect();
    let current = crate::state::read_state(&root().join("mappings/data/flex.state.json")).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    run_side(label, &program, &records, &current, today)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Over any subset of the records and any combination of edits: a version against itself
    /// changes nobody, and swapping the versions reports the same people with every change
    /// reversed (the comparison has no direction of its own).
    #[test]
    fn a_diff_is_empty_against_itself_and_reverses_when_swapped(
        keep in proptest::collection::vec(proptest::bool::weighted(0.8), 42),
        edits in proptest::collection::vec(proptest::bool::ANY, EDITS.len()),
    ) {
        let text = flex();
        let mut edited = text.clone();
        for ((from, to), on) in EDITS.iter().zip(&edits) {
            if *on {
                edited = edited.replacen(from, to, 1);
            }
        }
        let (a, b) = (side_over("a", &text, &keep), side_over("b", &edited, &keep));
        let again = side_over("a", &text, &keep);
        let same = compare(&a, &again);
        proptest::prop_assert!(same.people.is_empty() && same.teams.is_empty());
        let forth = compare(&a, &b);
        let back = compare(&b, &a);
        proptest::prop_assert_eq!(forth.people.len(), back.people.len());
        // A person is their record (a Winningtemp user without one: their name); the name of
        // a record whose external ID the edit changes is the new version's.
        let by_identity = |d: &MapDiff<'_>| -> Vec<(String, usize)> {
            let mut keys: Vec<(String, usize)> = d
                .people
                .iter()
                .enumerate()
                .map(|(i, p)| (p.record.map_or_else(|| p.person.to_string(), |r| format!("#{r}")), i))
                .collect();
            keys.sort();
            keys
        };
        let (fk, rk) = (by_identity(&forth), by_identity(&back));
        for ((kf, i), (kr, j)) in fk.iter().zip(&rk) {
            proptest::prop_assert_eq!(kf, kr);
            let (f, r) = (&forth.people[*i], &back.people[*j]);
            proptest::prop_assert_eq!(f.changes.len(), r.changes.len());
            for (x, y) in f.changes.iter().zip(&r.changes) {
                proptest::prop_assert_eq!(x.kind, y.kind);
                proptest::prop_assert_eq!(&x.old, &y.new);
                proptest::prop_assert_eq!(&x.new, &y.old);
                proptest::prop_assert_eq!(&x.old_because, &y.new_because);
            }
        }
        proptest::prop_assert_eq!(forth.teams.len(), back.teams.len());
        if edits.iter().all(|e| !e) {
            proptest::prop_assert!(forth.people.is_empty());
        }
    }
}
