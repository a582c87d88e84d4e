//! The username a plan's actions name a user by is made once per user and shared.

use crate::action::Action;
use crate::diff::tests::fixtures::*;
use crate::model::*;
use std::sync::Arc;

/// Every username the actions hold, with the action's kind.
fn names(out: &crate::diff::Diff) -> Vec<(&'static str, &Arc<str>)> {
    out.actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::CreateUser { username, .. } => Some(("create_user", username)),
            Action::AddMembership { user, .. } => Some(("add_membership", user)),
            Action::RemoveMembership { user, .. } => Some(("remove_membership", user)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_users_create_and_memberships_share_one_username() {
    // Anna is created, Bo exists and is renamed; both get memberships of two teams, Bo a role
    // change in one of them.
    let mut d = desired(vec![
        desired_user("1", "anna@x"),
        desired_user("2", "bob@x"),
    ]);
    d.teams.insert("t".into(), team("t", "T", None));
    d.teams.insert("u".into(), team("u", "U", None));
    d.memberships.roles = [
        ("1", "t", Role::Member),
        ("1", "u", Role::Manager),
        ("2", "t", Role::Manager),
        ("2", "u", Role::Member),
    ]
    .into_iter()
    .map(|(user, team, role)| membership(&d, user, team, role))
    .collect();
    let mut c = current(vec![current_user(Some("2"), "bo@x")]);
    c.teams = vec![current_team("t", "T", None), current_team("u", "U", None)];
    c.memberships = vec![current_membership("bo@x", "t", Role::Member, true)];
    let mut setup = Setup::default();
    setup.rules.membership = MembershipRule::Overwrite;
    let out = setup.run(&d, &c);
    let named = names(&out);
    let kinds: Vec<(&str, &str)> = named.iter().map(|(k, n)| (*k, &***n)).collect();
    assert_eq!(
        kinds,
        [
            ("create_user", "anna@x"),
            ("add_membership", "anna@x"),
            ("add_membership", "anna@x"),
            ("remove_membership", "bob@x"),
            ("add_membership", "bob@x"),
            ("add_membership", "bob@x"),
        ]
    );
    for (at, (kind, name)) in named.iter().enumerate() {
        let first = named.iter().find(|(_, n)| n == name).map(|(_, n)| *n);
        assert!(
            first.is_some_and(|first| Arc::ptr_eq(first, name)),
            "{kind} at {at} holds its own copy of `{name}`"
        );
    }
}
