//! Issue 21, item 3: derived IDs never merge distinct teams or segments. Team IDs given by
//! `ids [...]` that land in two places of the hierarchy are quarantined (E0410), never merged;
//! segment IDs escape the category's separator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use proptest::prelude::*;
use std::collections::HashMap;
use wtmap::action::Action;

const MAPPING: &str = "source csv { path = \"people.csv\" }\n\
    fields { id: text, mail: text, n1: text?, c1: text?, n2: text?, c2: text?, n3: text?, c3: text? }\n\
    target winningtemp.files { dir = \"out\" }\n\
    user {\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}\n\
    group path = [n1, n2, n3] ids [c1, c2, c3]\n";

/// One level of a record's path: (name, code); an empty code falls back to the derived ID.
fn level() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(vec!["A", "B", "C"]),
        prop::sample::select(vec!["", "1", "2", "A", "A/B"]),
    )
        .prop_map(|(n, c)| (n.to_string(), c.to_string()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// For random code hierarchies (codes repeating across levels and parents, codes equal to
    /// derived IDs), every record that is not quarantined finds each level of its path as a
    /// team under the parent its own path names: no two places share a team.
    #[test]
    fn given_team_ids_never_merge_two_places(
        paths in prop::collection::vec(prop::collection::vec(level(), 1..4), 1..12)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("id,mail,n1,c1,n2,c2,n3,c3\n");
        for (i, p) in paths.iter().enumerate() {
            csv.push_str(&format!("E{i},p{i}@x.example"));
            for l in 0..3 {
                let (n, c) = p.get(l).cloned().unwrap_or_default();
                csv.push_str(&format!(",{n},{c}"));
            }
            csv.push('\n');
        }
        std::fs::write(dir.path().join("people.csv"), csv).unwrap();
        let file = wtmap::source::SourceFile::new("m.wtmap", MAPPING);
        let program = wtmap::check::check_source(&file).0.unwrap();
        let records =
            wtmap::sync::read_records(&program, &dir.path().join("people.csv")).unwrap();
        let (plan, _) = wtmap::sync::plan(&wtmap::sync::PlanInput {
            mapping: "m.wtmap",
            program: &program,
            records: &records,
            current: &wtmap::model::CurrentState::empty(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            allow: Default::default(),
        });
        let mut parent_of: HashMap<String, Option<String>> = HashMap::new();
        let mut team_of: HashMap<String, String> = HashMap::new();
        for a in &plan.actions {
            match &a.action {
                Action::CreateTeam { external_id, parent, .. } => {
                    prop_assert!(
                        parent_of.insert(external_id.to_string(), parent.as_deref().map(str::to_string)).is_none(),
                        "team {} created twice", external_id
                    );
                }
                Action::AddMembership { user, team, .. } => {
                    team_of.insert(user.to_string(), team.to_string());
                }
                _ => {}
            }
        }
        let quarantined: Vec<&str> = plan
            .quarantined
            .iter()
            .map(|q| q.external_id.as_deref().unwrap())
            .collect();
        for q in &plan.quarantined {
            prop_assert_eq!(q.code.as_str(), "E0410");
        }
        for (i, p) in paths.iter().enumerate() {
            if quarantined.contains(&format!("E{i}").as_str()) {
                continue;
            }
            // The record's own chain of (ID, parent ID), as the mapping defines it.
            let mut parent: Option<String> = None;
            let mut derived = String::new();
            for (name, code) in p {
                if !derived.is_empty() {
                    derived.push('/');
                }
                for c in name.chars() {
                    if c == '/' || c == '\\' {
                        derived.push('\\');
                    }
                    derived.push(c);
                }
                let id = if code.is_empty() { derived.clone() } else { code.clone() };
                prop_assert_eq!(
                    parent_of.get(&id),
                    Some(&parent),
                    "record E{} puts team {} under {:?}", i, id, parent
                );
                parent = Some(id);
            }
            prop_assert_eq!(team_of.get(&format!("p{i}@x.example")), parent.as_ref());
        }
    }

    /// Segment IDs: two (category, value) pairs share an ID only when they are equal, whatever
    /// `:` and `\` they hold; a category without them keeps today's `Category:Value`.
    #[test]
    fn segment_ids_are_injective(
        a in ("[a:\\\\]{0,4}", "[a:\\\\]{0,4}"),
        b in ("[a:\\\\]{0,4}", "[a:\\\\]{0,4}"),
    ) {
        let (ia, ib) = (
            wtmap::eval::segment_id(&a.0, &a.1),
            wtmap::eval::segment_id(&b.0, &b.1),
        );
        prop_assert_eq!(ia == ib, a == b, "{:?} {:?} -> {} {}", a, b, ia, ib);
        if !a.0.contains([':', '\\']) {
            prop_assert_eq!(ia, format!("{}:{}", a.0, a.1));
        }
    }
}

/// The two examples, as they were reported.
#[test]
fn the_reported_collisions() {
    use wtmap::eval::segment_id;
    assert_ne!(segment_id("a:b", "c"), segment_id("a", "b:c"));
    assert_eq!(segment_id("Country", "SE:North"), "Country:SE:North");
    assert_eq!(segment_id("Region:Area", "North"), "Region\\:Area:North");
}
