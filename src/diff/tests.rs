//! One test per matching rule, configuration rule option and protection. Each fails if the
//! behaviour documented in docs/plan.md changes.

use super::fixtures::*;
use super::{
    W_AMBIGUOUS_LINK, W_AMBIGUOUS_MATCH, W_PROTECTED_MATCH, W_UNKNOWN_GROUP, W_USERNAME_TAKEN,
};
use crate::model::*;
use crate::plan::{Action, Change};

fn codes(diff: &super::Diff) -> Vec<&str> {
    diff.warnings.iter().map(|w| w.code.as_str()).collect()
}

fn changes(diff: &super::Diff) -> Vec<Change> {
    diff.actions
        .iter()
        .find_map(|a| match &a.action {
            Action::UpdateUser { changes, .. } => Some(changes.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn new_users_are_created_with_their_status() {
    let mut paused = desired_user("2", "bo@x");
    paused.status = UserStatus::Paused;
    let d = desired(vec![desired_user("1", "anna@x"), paused]);
    let out = Setup::default().run(&d, &current(vec![]));
    assert_eq!(kinds(&out), ["create_user 1", "create_user 2"]);
    let Action::CreateUser {
        status,
        attributes,
        username,
        ..
    } = &out.actions[1].action
    else {
        panic!("not a create")
    };
    assert_eq!((*status, username.as_str()), (UserStatus::Paused, "bo@x"));
    assert!(
        !attributes.contains_key("username"),
        "username is a field of its own"
    );
}

#[test]
fn an_unchanged_user_gives_no_action() {
    let d = desired(vec![desired_user("1", "anna@x")]);
    let out = Setup::default().run(&d, &current(vec![current_user(Some("1"), "anna@x")]));
    assert!(out.actions.is_empty() && out.warnings.is_empty(), "{out:?}");
}

#[test]
fn updates_carry_only_changed_attributes_and_clear_mapped_empty_ones() {
    let mut want = desired_user("1", "anna@x");
    want.attributes
        .insert("first_name".into(), text("Anna-Lena"));
    let mut have = current_user(Some("1"), "anna@x");
    have.attributes.insert("gender".into(), text("Female")); // mapped, evaluated empty → cleared
    have.attributes
        .insert("birthday".into(), text("1990-01-01")); // not mapped → left alone
    let out = Setup::default().run(&desired(vec![want]), &current(vec![have]));
    assert_eq!(kinds(&out), ["update_user 1"]);
    let got = changes(&out);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].attribute.as_str(), got[0].to.clone()),
        ("first_name", Some(text("Anna-Lena")))
    );
    assert_eq!(got[0].from, Some(text("Anna")));
    assert_eq!(got[0].because, Some(because("first_name = …", 11)));
    assert_eq!(
        (got[1].attribute.as_str(), got[1].to.clone()),
        ("gender", None)
    );
    assert_eq!(out.actions[0].because, because("first_name = …", 11));
}

#[test]
fn an_email_change_of_a_linked_user_is_an_update_not_create_and_pause() {
    let want = desired_user("1", "anna.new@x");
    let out = Setup::default().run(
        &desired(vec![want]),
        &current(vec![current_user(Some("1"), "anna@x")]),
    );
    assert_eq!(kinds(&out), ["update_user 1"]);
    let attrs: Vec<String> = changes(&out).into_iter().map(|c| c.attribute).collect();
    assert_eq!(attrs, ["email", "username"]);
}

#[test]
fn fallback_email_links_an_unlinked_user_ignoring_case() {
    let d = desired(vec![desired_user("1", "Anna@X")]);
    let out = Setup::default().run(&d, &current(vec![current_user(None, "anna@x")]));
    assert_eq!(kinds(&out), ["link_user 1"]);
    assert_eq!(
        out.actions[0].because,
        because("match by external_id, email", 37)
    );
    let Action::UpdateUser { username, link, .. } = &out.actions[0].action else {
        panic!()
    };
    assert_eq!((username.as_str(), *link), ("anna@x", true));
}

#[test]
fn fallback_email_also_finds_the_username_of_an_unlinked_user() {
    let mut have = current_user(None, "anna@x");
    have.attributes.remove("email");
    let out = Setup::default().run(
        &desired(vec![desired_user("1", "anna@x")]),
        &current(vec![have]),
    );
    assert_eq!(kinds(&out), ["link_user 1"]);
}

#[test]
fn fallback_never_reaches_a_user_linked_to_another_external_id() {
    let mut want = desired_user("2", "anna2@x");
    want.attributes.insert("email".into(), text("anna@x"));
    let out = Setup::default().run(
        &desired(vec![want]),
        &current(vec![current_user(Some("1"), "anna@x")]),
    );
    assert_eq!(kinds(&out), ["create_user 2", "pause_user anna@x"]);
}

#[test]
fn fallback_keys_are_tried_in_order_and_only_those_listed() {
    let mut want = desired_user("1", "anna@x");
    want.attributes.insert("email".into(), text("private@y"));
    let d = desired(vec![want]);
    let have = current(vec![current_user(None, "anna@x")]);
    // Email finds nobody and username is not a key: a create, which would take a username
    // that exists, so it is left out with a warning.
    let out = Setup::default().run(&d, &have);
    assert!(out.actions.is_empty(), "{out:?}");
    assert_eq!(codes(&out), [W_USERNAME_TAKEN]);
    let setup = Setup {
        keys: vec![MatchKey::ExternalId, MatchKey::Email, MatchKey::Username],
        ..Setup::default()
    };
    assert_eq!(kinds(&setup.run(&d, &have)), ["link_user 1"]);
}

#[test]
fn without_fallback_keys_nothing_is_linked() {
    let setup = Setup {
        keys: vec![MatchKey::ExternalId],
        ..Setup::default()
    };
    let d = desired(vec![desired_user("1", "anna@x")]);
    let out = setup.run(&d, &current(vec![current_user(None, "anna@x")]));
    assert!(out.actions.is_empty());
    assert_eq!(codes(&out), [W_USERNAME_TAKEN]);
}

#[test]
fn two_records_claiming_one_unlinked_user_link_neither_and_never_pause_it() {
    let mut a = desired_user("1", "a@x");
    a.attributes.insert("email".into(), text("shared@x"));
    let mut b = desired_user("2", "b@x");
    b.attributes.insert("email".into(), text("shared@x"));
    let mut setup = Setup::default();
    setup.rules.user_removal = UserRemoval::All;
    let out = setup.run(
        &desired(vec![a, b]),
        &current(vec![current_user(None, "shared@x")]),
    );
    assert!(out.actions.is_empty(), "{:?}", kinds(&out));
    assert_eq!(codes(&out), [W_AMBIGUOUS_LINK]);
}

#[test]
fn one_record_matching_several_unlinked_users_links_none() {
    let mut other = current_user(None, "other@x");
    other.attributes.insert("email".into(), text("anna@x"));
    let mut setup = Setup::default();
    setup.rules.user_removal = UserRemoval::All;
    let have = current(vec![current_user(None, "anna@x"), other]);
    let out = setup.run(&desired(vec![desired_user("1", "anna@x")]), &have);
    assert!(out.actions.is_empty(), "{:?}", kinds(&out));
    assert_eq!(codes(&out), [W_AMBIGUOUS_MATCH]);
}

#[test]
fn status_pause_and_reactivate_follow_the_source() {
    let mut paused = desired_user("1", "a@x");
    paused.status = UserStatus::Paused;
    paused.because.insert(
        "status".into(),
        because("pause when Status == \"left\"", 20),
    );
    let mut inactive = current_user(Some("2"), "b@x");
    inactive.status = UserStatus::Paused;
    let d = desired(vec![paused, desired_user("2", "b@x")]);
    let have = current(vec![current_user(Some("1"), "a@x"), inactive]);
    let out = Setup::default().run(&d, &have);
    assert_eq!(kinds(&out), ["reactivate_user 2", "pause_user a@x"]);
    assert_eq!(out.actions[1].because.line, 20);
    assert_eq!(
        out.actions[0].because.statement,
        "user_status = overwrite (active in source)"
    );
}

#[test]
fn keep_inactive_never_reactivates() {
    let mut inactive = current_user(Some("2"), "b@x");
    inactive.status = UserStatus::Paused;
    let mut setup = Setup::default();
    setup.rules.user_status = UserStatusRule::KeepInactive;
    let out = setup.run(
        &desired(vec![desired_user("2", "b@x")]),
        &current(vec![inactive]),
    );
    assert!(out.actions.is_empty(), "{:?}", kinds(&out));
}

fn leavers() -> CurrentState {
    let mut gone = current_user(Some("9"), "paused@x");
    gone.status = UserStatus::Paused;
    current(vec![
        current_user(Some("8"), "left@x"),
        current_user(None, "byhand@x"),
        gone,
    ])
}

#[test]
fn removal_only_external_id_pauses_only_linked_users() {
    let out = Setup::default().run(&desired(vec![]), &leavers());
    assert_eq!(kinds(&out), ["pause_user left@x"]);
    assert_eq!(
        out.actions[0].because,
        because("user_removal = only_external_id (not in source)", 55)
    );
    let Action::PauseUser { external_id, .. } = &out.actions[0].action else {
        panic!()
    };
    assert_eq!(external_id.as_deref(), Some("8"));
}

#[test]
fn removal_all_pauses_hand_made_users_too_and_never_deletes() {
    let mut setup = Setup::default();
    setup.rules.user_removal = UserRemoval::All;
    let out = setup.run(&desired(vec![]), &leavers());
    assert_eq!(kinds(&out), ["pause_user byhand@x", "pause_user left@x"]);
    assert_eq!(
        out.actions[0].because.statement,
        "user_removal = all (not in source)"
    );
}

fn quarantined(external_id: Option<&str>, username: Option<&str>) -> QuarantinedRecord {
    QuarantinedRecord {
        record_id: "17".into(),
        external_id: external_id.map(String::from),
        username: username.map(String::from),
        code: "E0401".into(),
        reason: "birthday is not a date".into(),
        because: because("birthday = date(Birthday, \"%Y-%m-%d\")", 44),
    }
}

fn skipped(external_id: Option<&str>, username: Option<&str>) -> SkippedRecord {
    SkippedRecord {
        record_id: "18".into(),
        external_id: external_id.map(String::from),
        username: username.map(String::from),
        because: because("skip when Type == \"External\"", 45),
    }
}

#[test]
fn quarantined_and_skipped_users_are_never_paused_under_any_removal_rule() {
    for removal in [UserRemoval::OnlyExternalId, UserRemoval::All] {
        let mut setup = Setup::default();
        setup.rules.user_removal = removal;
        let mut d = desired(vec![]);
        d.quarantined.push(quarantined(Some("8"), None)); // by external ID
        d.skipped.push(skipped(None, Some("BYHAND@x"))); // by username, any case
        let out = setup.run(&d, &leavers());
        assert!(out.actions.is_empty(), "{removal:?}: {:?}", kinds(&out));
    }
}

#[test]
fn protection_by_username_also_covers_the_email_attribute() {
    let mut have = current_user(Some("8"), "login-8");
    have.attributes.insert("email".into(), text("anna@x"));
    let mut d = desired(vec![]);
    d.quarantined.push(quarantined(None, Some("anna@x")));
    assert!(
        Setup::default()
            .run(&d, &current(vec![have]))
            .actions
            .is_empty()
    );
}

#[test]
fn relations_of_protected_users_are_untouched_even_under_overwrite() {
    let mut have = leavers();
    have.teams.push(current_team("t", "T", None));
    have.segments.push(current_segment("se"));
    have.memberships
        .push(current_membership("left@x", "t", Role::Member, true));
    have.segment_connections.push(CurrentSegmentConnection {
        user: "left@x".into(),
        segment: "se".into(),
        managed: true,
    });
    let mut setup = Setup::default();
    setup.rules.membership = MembershipRule::Overwrite;
    setup.rules.segment_connection = SegmentRule::Overwrite;
    let mut d = desired(vec![]);
    d.skipped.push(skipped(Some("8"), None));
    assert!(setup.run(&d, &have).actions.is_empty());
}

#[test]
fn a_record_matching_a_protected_user_leaves_it_alone() {
    let mut d = desired(vec![desired_user("8", "new@x")]);
    d.quarantined.push(quarantined(Some("8"), None));
    let out = Setup::default().run(&d, &leavers());
    assert!(out.actions.is_empty(), "{:?}", kinds(&out));
    assert_eq!(codes(&out), [W_PROTECTED_MATCH]);
}

#[test]
fn a_rename_onto_a_username_someone_keeps_is_dropped() {
    let d = desired(vec![desired_user("1", "taken@x")]);
    let have = current(vec![
        current_user(Some("1"), "anna@x"),
        current_user(None, "taken@x"),
    ]);
    let out = Setup::default().run(&d, &have);
    let attrs: Vec<String> = changes(&out).into_iter().map(|c| c.attribute).collect();
    assert_eq!(
        attrs,
        ["email"],
        "the email still changes, the username does not"
    );
    assert_eq!(codes(&out), [W_USERNAME_TAKEN]);
}

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
    assert_eq!(out.actions[0].because.line, 30);
}

/// Anna (1) and Bo (2) with teams t and u; Bo's membership state varies per test.
fn team_setup(
    have: Vec<CurrentMembership>,
    want: Vec<(&str, &str, Role)>,
) -> (DesiredState, CurrentState) {
    let mut d = desired(vec![desired_user("1", "anna@x"), desired_user("2", "bo@x")]);
    d.teams.insert("t".into(), team("t", "T", None));
    d.teams.insert("u".into(), team("u", "U", None));
    d.memberships = want
        .into_iter()
        .map(|(u, t, r)| membership(u, t, r))
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
    assert_eq!(codes(&out), [W_UNKNOWN_GROUP]);
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
    assert_eq!(out.actions[2].because.line, 33);
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
        out.actions.last().map(|a| a.because.statement.as_str()),
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
