//! Users: matching, updates, status, removal and protections (docs/plan.md).

use super::codes;
use crate::action::{Action, Change};
use crate::diagnostics::Code;
use crate::diff::tests::fixtures::*;
use crate::model::*;

fn changes(diff: &crate::diff::Diff) -> Vec<Change> {
    diff.actions
        .iter()
        .find_map(|a| match &a.action {
            Action::UpdateUser { changes, .. } => Some(changes.to_vec()),
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
    assert_eq!((*status, &**username), (UserStatus::Paused, "bo@x"));
    assert!(
        attributes.get("username").is_none() && attributes.iter().all(|(k, _)| k != "username"),
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
    std::sync::Arc::make_mut(&mut want.attributes)
        .set("first_name", text("Anna-Lena"))
        .unwrap();
    // The statement that evaluated empty explains the clearing.
    std::sync::Arc::make_mut(&mut want.because)
        .insert("gender".into(), because("gender = Kön", 14));
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
    assert_eq!(got[1].because, Some(because("gender = Kön", 14)));
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
    assert_eq!((&**username, *link), ("anna@x", true));
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
    std::sync::Arc::make_mut(&mut want.attributes)
        .set("email", text("anna@x"))
        .unwrap();
    let out = Setup::default().run(
        &desired(vec![want]),
        &current(vec![current_user(Some("1"), "anna@x")]),
    );
    assert_eq!(kinds(&out), ["create_user 2", "pause_user anna@x"]);
}

#[test]
fn fallback_keys_are_tried_in_order_and_only_those_listed() {
    let mut want = desired_user("1", "anna@x");
    std::sync::Arc::make_mut(&mut want.attributes)
        .set("email", text("private@y"))
        .unwrap();
    let d = desired(vec![want]);
    let have = current(vec![current_user(None, "anna@x")]);
    // Email finds nobody and username is not a key: a create, which would take a username
    // that exists, so it is left out with a warning.
    let out = Setup::default().run(&d, &have);
    assert!(out.actions.is_empty(), "{out:?}");
    assert_eq!(codes(&out), [Code::UsernameTaken.as_str()]);
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
    assert_eq!(codes(&out), [Code::UsernameTaken.as_str()]);
}

#[test]
fn two_records_claiming_one_unlinked_user_link_neither_and_never_pause_it() {
    let mut a = desired_user("1", "a@x");
    std::sync::Arc::make_mut(&mut a.attributes)
        .set("email", text("shared@x"))
        .unwrap();
    let mut b = desired_user("2", "b@x");
    std::sync::Arc::make_mut(&mut b.attributes)
        .set("email", text("shared@x"))
        .unwrap();
    let mut setup = Setup::default();
    setup.rules.user_removal = UserRemoval::All;
    let out = setup.run(
        &desired(vec![a, b]),
        &current(vec![current_user(None, "shared@x")]),
    );
    assert!(out.actions.is_empty(), "{:?}", kinds(&out));
    assert_eq!(codes(&out), [Code::AmbiguousLink.as_str()]);
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
    assert_eq!(codes(&out), [Code::AmbiguousMatch.as_str()]);
}

#[test]
fn status_pause_and_reactivate_follow_the_source() {
    let mut paused = desired_user("1", "a@x");
    paused.status = UserStatus::Paused;
    paused.status_because = Some(because("pause when Status == \"left\"", 20));
    let mut inactive = current_user(Some("2"), "b@x");
    inactive.status = UserStatus::Paused;
    let d = desired(vec![paused, desired_user("2", "b@x")]);
    let have = current(vec![current_user(Some("1"), "a@x"), inactive]);
    let out = Setup::default().run(&d, &have);
    assert_eq!(kinds(&out), ["reactivate_user 2", "pause_user a@x"]);
    assert_eq!(out.actions[1].because.line(), 20);
    assert_eq!(
        out.actions[0].because.statement(),
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
        out.actions[0].because.statement(),
        "user_removal = all (not in source)"
    );
}

fn quarantined(external_id: Option<&str>, username: Option<&str>) -> QuarantinedRecord {
    QuarantinedRecord {
        record_id: Some("17".into()),
        position: 17,
        line: Some(18),
        external_id: external_id.map(String::from),
        username: username.map(String::from),
        code: "E0401".into(),
        reason: "birthday is not a date".into(),
        because: because("birthday = date(Birthday, \"%Y-%m-%d\")", 44),
        name: None,
    }
}

fn skipped(external_id: Option<&str>, username: Option<&str>) -> SkippedRecord {
    SkippedRecord {
        record_id: Some("18".into()),
        position: 18,
        line: Some(19),
        external_id: external_id.map(String::from),
        username: username.map(String::from),
        because: because("skip when Type == \"External\"", 45),
        name: None,
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
    assert_eq!(codes(&out), [Code::ProtectedMatch.as_str()]);
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
    assert_eq!(codes(&out), [Code::UsernameTaken.as_str()]);
}
