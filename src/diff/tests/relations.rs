//! Teams, memberships, segments and determinism (docs/plan.md).

use super::codes;
use crate::action::Action;
use crate::diagnostics::Code;
use crate::diff::tests::fixtures::*;
use crate::model::*;

#[test]
fn teams_are_created_parents_first_renamed_moved_and_never_deleted() {
    let mut d = desired(vec![]);
    for t in [
        team("a/b/c", "C", Some("a/b")),
        team("a", "A", None),
        team("a/b", "B", Some("a")),
        team("x", "X new", None),
        team("y", "Y", Some("a")),
    ] {
        d.teams.insert(t.external_id.clone(), t);
    }
    let mut have = current(vec![]);
    have.teams = vec![
        current_team("x", "X", None),
        current_team("y", "Y", None),
        current_team("old", "Old", None),
    ];
    let out = Setup::default().run(&d, &have);
    assert_eq!(
        kinds(&out),
        [
            "create_team a",
            "create_team a/b",
            "create_team a/b/c",
            "rename_team x",
            "move_team y"
        ]
    );
    let Action::MoveTeam { from, to, .. } = &out.actions[4].action else {
        panic!()
    };
    assert_eq!((from.as_deref(), to.as_deref()), (None, Some("a")));
    assert_eq!(out.actions[0].because.line(), 30);
}

/// Anna (1) and Bo (2) with teams t and u; Bo's membership state varies per test.
fn team_setup(
    have: Vec<CurrentMembership>,
    want: Vec<(&str, &str, Role)>,
) -> (DesiredState, CurrentState) {
    let mut d = desired(vec![desired_user("1", "anna@x"), desired_user("2", "bo@x")]);
    d.teams.insert("t".into(), team("t", "T", None));
    d.teams.insert("u".into(), team("u", "U", None));
    d.memberships.roles = want
        .into_iter()
        .map(|(u, t, r)| membership(&d, u, t, r))
        .collect();
    let mut c = current(vec![
        current_user(Some("1"), "anna@x"),
        current_user(Some("2"), "bo@x"),
    ]);
    c.teams = vec![current_team("t", "T", None), current_team("u", "U", None)];
    c.memberships = have;
    (d, c)
}

fn run_membership(rule: MembershipRule, d: &DesiredState, c: &CurrentState) -> Vec<String> {
    let mut setup = Setup::default();
    setup.rules.membership = rule;
    kinds(&setup.run(d, c))
}

const ALL_MEMBERSHIP_RULES: [MembershipRule; 3] = [
    MembershipRule::Never,
    MembershipRule::Overwrite,
    MembershipRule::OverwriteIfRoleIsGreaterOrEqual,
];

#[test]
fn missing_memberships_are_added_under_every_rule() {
    let (d, c) = team_setup(
        vec![],
        vec![("1", "t", Role::Member), ("2", "t", Role::Manager)],
    );
    for rule in ALL_MEMBERSHIP_RULES {
        assert_eq!(
            run_membership(rule, &d, &c),
            [
                "add_membership anna@x t Member",
                "add_membership bo@x t Manager"
            ],
            "{rule:?}"
        );
    }
}

#[test]
fn membership_never_removes_only_managed_memberships() {
    let have = vec![
        current_membership("anna@x", "t", Role::Member, true),
        current_membership("bo@x", "u", Role::Member, false),
    ];
    let (d, c) = team_setup(have, vec![]);
    let out = run_membership(MembershipRule::Never, &d, &c);
    assert_eq!(out, ["remove_membership anna@x t Member"]);
}

#[test]
fn membership_overwrite_and_its_variant_remove_hand_made_memberships_too() {
    let have = vec![
        current_membership("anna@x", "t", Role::Member, true),
        current_membership("bo@x", "u", Role::Manager, false),
    ];
    let (d, c) = team_setup(have, vec![]);
    for rule in [
        MembershipRule::Overwrite,
        MembershipRule::OverwriteIfRoleIsGreaterOrEqual,
    ] {
        let out = run_membership(rule, &d, &c);
        assert_eq!(
            out,
            [
                "remove_membership anna@x t Member",
                "remove_membership bo@x u Manager"
            ]
        );
    }
}

#[test]
fn a_role_change_is_a_remove_then_an_add_kept_together() {
    let have = vec![current_membership("bo@x", "t", Role::Member, true)];
    let (d, c) = team_setup(
        have,
        vec![("1", "u", Role::Member), ("2", "t", Role::Manager)],
    );
    for rule in ALL_MEMBERSHIP_RULES {
        assert_eq!(
            run_membership(rule, &d, &c),
            [
                "add_membership anna@x u Member",
                "remove_membership bo@x t Member",
                "add_membership bo@x t Manager"
            ],
            "{rule:?}"
        );
    }
}

#[test]
fn overwrite_if_role_is_greater_or_equal_never_demotes_a_manager() {
    let have = vec![current_membership("bo@x", "t", Role::Manager, false)];
    let (d, c) = team_setup(have, vec![("2", "t", Role::Member)]);
    assert!(run_membership(MembershipRule::OverwriteIfRoleIsGreaterOrEqual, &d, &c).is_empty());
    assert_eq!(
        run_membership(MembershipRule::Overwrite, &d, &c),
        [
            "remove_membership bo@x t Manager",
            "add_membership bo@x t Member"
        ]
    );
}

#[test]
fn membership_never_leaves_the_role_of_a_hand_made_membership_alone() {
    let hand_made = vec![current_membership("bo@x", "t", Role::Manager, false)];
    let (d, c) = team_setup(hand_made, vec![("2", "t", Role::Member)]);
    assert!(run_membership(MembershipRule::Never, &d, &c).is_empty());
    let managed = vec![current_membership("bo@x", "t", Role::Manager, true)];
    let (d, c) = team_setup(managed, vec![("2", "t", Role::Member)]);
    assert_eq!(
        run_membership(MembershipRule::Never, &d, &c),
        [
            "remove_membership bo@x t Manager",
            "add_membership bo@x t Member"
        ]
    );
}

#[test]
fn memberships_follow_a_username_change() {
    let (mut d, c) = team_setup(
        vec![current_membership("anna@x", "t", Role::Member, true)],
        vec![("1", "t", Role::Member)],
    );
    d.users.insert("1".into(), desired_user("1", "anna.new@x"));
    assert_eq!(
        run_membership(MembershipRule::Overwrite, &d, &c),
        ["update_user 1"]
    );
}

#[test]
fn memberships_of_unknown_teams_are_left_out_with_a_warning() {
    let (d, c) = team_setup(vec![], vec![("1", "nowhere", Role::Member)]);
    let out = Setup::default().run(&d, &c);
    assert!(out.actions.is_empty());
    assert_eq!(codes(&out), [Code::UnknownGroup.as_str()]);
}

fn segment_setup(managed: bool) -> (DesiredState, CurrentState) {
    let mut anna = desired_user("1", "anna@x");
    anna.segments.insert("se".into());
    let mut d = desired(vec![anna, desired_user("2", "bo@x")]);
    d.segments.insert("se".into(), segment("se"));
    d.segments.insert("no".into(), segment("no"));
    let mut c = current(vec![
        current_user(Some("1"), "anna@x"),
        current_user(Some("2"), "bo@x"),
    ]);
    c.segments.push(current_segment("dk"));
    c.segment_connections.push(CurrentSegmentConnection {
        user: "bo@x".into(),
        segment: "dk".into(),
        managed,
    });
    (d, c)
}

#[test]
fn segments_are_created_and_connections_added() {
    let (d, c) = segment_setup(false);
    let out = Setup::default().run(&d, &c);
    assert_eq!(
        kinds(&out),
        [
            "create_segment no",
            "create_segment se",
            "connect anna@x se"
        ]
    );
    assert_eq!(out.actions[2].because.line(), 33);
}

#[test]
fn segment_connection_never_removes_only_managed_connections() {
    let (d, c) = segment_setup(false);
    assert!(
        !kinds(&Setup::default().run(&d, &c))
            .iter()
            .any(|k| k.starts_with("disconnect"))
    );
    let (d, c) = segment_setup(true);
    let out = kinds(&Setup::default().run(&d, &c));
    assert!(out.contains(&"disconnect bo@x dk".to_string()), "{out:?}");
}

#[test]
fn segment_connection_overwrite_removes_hand_made_connections() {
    let (d, c) = segment_setup(false);
    let mut setup = Setup::default();
    setup.rules.segment_connection = SegmentRule::Overwrite;
    let out = setup.run(&d, &c);
    assert_eq!(
        out.actions.last().map(|a| a.because.statement()),
        Some("segment_connection = overwrite (not in source)")
    );
    assert!(kinds(&out).contains(&"disconnect bo@x dk".to_string()));
}

#[test]
fn the_same_inputs_in_any_order_give_byte_identical_plans() {
    let (mut d, mut c) = team_setup(
        vec![
            current_membership("anna@x", "t", Role::Member, true),
            current_membership("bo@x", "u", Role::Manager, true),
        ],
        vec![("1", "u", Role::Member), ("2", "t", Role::Manager)],
    );
    d.users.insert("3".into(), desired_user("3", "cy@x"));
    c.users.push(current_user(Some("9"), "gone@x"));
    let setup = Setup::default();
    let json = |d: &DesiredState, c: &CurrentState| {
        let out = setup.run(d, c);
        let plan = crate::plan::Plan::new("m.wtmap", d, out.actions, out.warnings, vec![]);
        crate::plan::render_json(&plan)
    };
    let first = json(&d, &c);
    assert_eq!(first, json(&d, &c));
    c.users.reverse();
    c.memberships.reverse();
    c.teams.reverse();
    assert_eq!(first, json(&d, &c));
}

/// More relation actions than one hand-over between the diff's two threads (`parallel::stream`
/// passes them in chunks): they still come whole and in order, after the user actions and
/// before the pauses, on two cores as on one.
#[test]
fn relations_handed_over_in_many_chunks_keep_their_place() {
    let n = 2 * crate::parallel::CHUNK + 100;
    let id = |i: usize| format!("{i:06}");
    let users = (0..n)
        .map(|i| {
            let mut user = desired_user(&id(i), &format!("u{i:06}@x"));
            user.segments.insert("se".into());
            user
        })
        .collect();
    let mut d = desired(users);
    d.teams.insert("t".into(), team("t", "T", None));
    d.segments.insert("se".into(), segment("se"));
    d.memberships.roles = (0..n)
        .map(|i| membership(&d, &id(i), "t", Role::Member))
        .collect();
    // Someone the source no longer has: their relations are removed, then they are paused.
    let mut c = current(vec![current_user(Some("gone"), "gone@x")]);
    c.teams = vec![current_team("t", "T", None)];
    c.segments = vec![current_segment("se")];
    c.memberships = vec![current_membership("gone@x", "t", Role::Member, true)];
    c.segment_connections = vec![CurrentSegmentConnection {
        user: "gone@x".into(),
        segment: "se".into(),
        managed: true,
    }];
    let setup = Setup::default();
    let on = |two_cores_from| {
        crate::diff::diff_from(
            &d,
            &crate::diff::DiffInput {
                current: &c,
                rules: &setup.rules,
                match_keys: &setup.keys,
                mapped_attributes: &setup.mapped,
                rules_line: 55,
                match_line: 37,
            },
            two_cores_from,
        )
    };
    let two = on(0);
    assert_eq!(two, on(usize::MAX));
    let made = kinds(&two);
    let mut expected: Vec<String> = (0..n).map(|i| format!("create_user {}", id(i))).collect();
    expected.extend((0..n).map(|i| format!("add_membership u{i:06}@x t Member")));
    expected.extend((0..n).map(|i| format!("connect u{i:06}@x se")));
    expected.extend([
        "remove_membership gone@x t Member".to_string(),
        "disconnect gone@x se".to_string(),
        "pause_user gone@x".to_string(),
    ]);
    assert_eq!(made, expected);
}
