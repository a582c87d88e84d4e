//! The changes to one user: attribute updates, status, creation, and the usernames every user
//! ends up with (no two may share one).

use super::users::{Match, username_of};
use super::{Input, warning};
use crate::action::{Action, Change, PlannedAction};
use crate::diagnostics::Code;
use crate::model::{
    AttrKey, AttrRef, AttrValue, Because, CurrentUser, DesiredUser, MatchKey, NewUserAttributes,
    UserStatus, UserStatusRule,
};
use foldhash::{HashSet, HashSetExt};
use std::borrow::Cow;

/// Usernames as the matching leaves them, before any clash is settled: the username every
/// current user would have after the plan (index-aligned with the current users: its own, or
/// that of the desired user matched to it), and the username of each desired user to create
/// (index-aligned with the desired users, `None` for the others). [`settle_usernames`] makes
/// them final.
pub(super) fn proposed_usernames<'a>(
    input: &Input<'a>,
    matches: &[(&'a str, Match)],
) -> (Vec<&'a str>, Vec<Option<&'a str>>) {
    let current = &input.given.current.users;
    // Borrowed: every name is one the state or a desired user already holds.
    let mut finals: Vec<&'a str> = current.iter().map(|u| u.username.as_str()).collect();
    let mut created = vec![None; matches.len()];
    for (position, ((_, desired), (_, m))) in input.desired.users.iter().zip(matches).enumerate() {
        let Some(name) = username_of(desired) else {
            continue;
        };
        match *m {
            Match::Existing { index, .. } => finals[index] = name,
            Match::New => created[position] = Some(name),
            Match::Held => {}
        }
    }
    (finals, created)
}

/// The usernames (lowercased) that more than one user would have, kept owned (there are few,
/// usually none). Seen in a set of borrowed names, most of which are lowercase already, and
/// one of the lowercased copies of the others: 16 bytes a name where a count by `Cow` took
/// 32, which at 1M users is held beside the users' view (see `match_all`).
pub(super) fn shared_usernames(finals: &[&str], created: &[Option<&str>]) -> HashSet<String> {
    let mut seen: HashSet<&str> = HashSet::with_capacity(finals.len() + created.len());
    let mut lowered: HashSet<String> = HashSet::default();
    let mut shared = HashSet::default();
    for name in finals.iter().chain(created.iter().flatten()) {
        match crate::value::lowercase(name) {
            Cow::Borrowed(lower) => {
                if lowered.contains(lower) || !seen.insert(lower) {
                    shared.insert(lower.to_owned());
                }
            }
            Cow::Owned(lower) => {
                if seen.contains(lower.as_str()) || lowered.contains(&lower) {
                    shared.insert(lower);
                } else {
                    lowered.insert(lower);
                }
            }
        }
    }
    shared
}

/// Settles the proposed usernames, given those `shared` by several users: a rename or create
/// onto a username that another user keeps is dropped with a warning, repeated until no two
/// users share a username. Returns whether anything changed.
pub(super) fn settle_usernames<'a>(
    input: &Input<'a>,
    matches: &[(&'a str, Match)],
    (finals, created): (&mut [&'a str], &mut [Option<&'a str>]),
    mut shared: HashSet<String>,
    out: &mut super::Diff,
) -> bool {
    let current = &input.given.current.users;
    let mut changed_at_all = false;
    // Usually no name is held twice: then nothing below can change.
    while !shared.is_empty() {
        let taken = |name: &str| shared.contains(crate::value::lowercase(name).as_ref());
        let mut changed = false;
        for (index, user) in current.iter().enumerate() {
            if finals[index] != user.username && taken(finals[index]) {
                out.warnings.push(warning(
                    Code::UsernameTaken,
                    None,
                    format!(
                        "username `{}` is taken by another Winningtemp user; `{}` keeps its username",
                        finals[index], user.username
                    ),
                ));
                finals[index] = user.username.as_str();
                changed = true;
            }
        }
        for (slot, (id, _)) in created.iter_mut().zip(matches) {
            if let Some(name) = slot.take_if(|name| taken(name)) {
                out.warnings.push(warning(
                    Code::UsernameTaken,
                    None,
                    format!(
                        "username `{name}` is taken by another Winningtemp user; user `{id}` is not created"
                    ),
                ));
                changed = true;
            }
        }
        if !changed {
            break;
        }
        changed_at_all = true;
        shared = shared_usernames(finals, created);
    }
    changed_at_all
}

/// The statement behind a user's `key`, else behind its external ID, else any.
fn user_because(desired: &DesiredUser, key: &str) -> Because {
    desired
        .because
        .get(key)
        .or_else(|| desired.because.get("external_id"))
        .or_else(|| desired.because.values().next())
        .cloned()
        .unwrap_or_else(|| Because::new("user", 0))
}

/// Creates the user, with its attributes shared with the desired user (not copied).
pub(super) fn create_user(desired: &DesiredUser, username: std::sync::Arc<str>) -> PlannedAction {
    PlannedAction {
        action: Action::CreateUser {
            external_id: Box::from(&*desired.external_id),
            username,
            attributes: NewUserAttributes::shared(&desired.attributes),
            status: desired.status,
        },
        because: user_because(desired, "external_id"),
    }
}

pub(super) fn update_user(
    input: &Input<'_>,
    desired: &DesiredUser,
    user: &CurrentUser,
    final_username: &str,
    link: bool,
    actions: &mut Vec<PlannedAction>,
) {
    let changes = attribute_changes(input, desired, user, final_username);
    if link || !changes.is_empty() {
        let because = if link {
            let keys: Vec<&str> = input.given.match_keys.iter().map(match_key_name).collect();
            Because::new(
                format!("match by {}", keys.join(", ")),
                input.given.match_line,
            )
        } else {
            changes
                .iter()
                .find_map(|c| c.because.clone())
                .unwrap_or_else(|| user_because(desired, "external_id"))
        };
        actions.push(PlannedAction {
            action: Action::UpdateUser {
                external_id: Box::from(&*desired.external_id),
                username: Box::from(&*user.username),
                changes: changes.into_boxed_slice(),
                link,
            },
            because,
        });
    }
    let status_change = match (desired.status, user.status) {
        (UserStatus::Paused, UserStatus::Active) => Some(Action::PauseUser {
            external_id: Some(Box::from(&*desired.external_id)),
            username: Box::from(final_username),
        }),
        (UserStatus::Active, UserStatus::Paused)
            if input.given.rules.user_status == UserStatusRule::Overwrite =>
        {
            Some(Action::ReactivateUser {
                external_id: Box::from(&*desired.external_id),
                username: Box::from(final_username),
            })
        }
        _ => None,
    };
    if let Some(action) = status_change {
        let because = desired.status_because.clone().unwrap_or_else(|| {
            Because::new(
                "user_status = overwrite (active in source)",
                input.given.rules_line,
            )
        });
        actions.push(PlannedAction { action, because });
    }
}

fn match_key_name(key: &MatchKey) -> &'static str {
    match key {
        MatchKey::ExternalId => "external_id",
        MatchKey::Email => "email",
        MatchKey::Username => "username",
    }
}

/// Only what changes: produced attributes that differ, and mapped attributes that evaluated
/// empty but are set in Winningtemp (cleared). Anything else the user has is left alone.
fn attribute_changes(
    input: &Input<'_>,
    desired: &DesiredUser,
    user: &CurrentUser,
    final_username: &str,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if final_username != user.username {
        changes.push(Change {
            attribute: "username".to_string(),
            from: Some(AttrValue::Text(user.username.as_str().into())),
            to: Some(AttrValue::Text(final_username.into())),
            because: desired.because.get("username").cloned(),
        });
    }
    // Both maps are sorted by name: one walk through the current attributes alongside.
    let mut current = user.attributes.iter().peekable();
    for (name, value) in desired.attributes.iter() {
        while current.next_if(|(k, _)| k.as_ref() < name).is_some() {}
        let from = current.next_if(|(k, _)| k.as_ref() == name).map(|(_, v)| v);
        if name != "username" && from.map(AttrRef::from) != Some(value) {
            changes.push(Change {
                attribute: name.to_string(),
                from: from.cloned(),
                to: Some(value.to_value()),
                because: desired.because.get(name).cloned(),
            });
        }
    }
    let mut produced_names = desired.attributes.keys().map(AttrKey::name).peekable();
    for name in input.given.mapped_attributes {
        while produced_names.next_if(|k| *k < name.as_str()).is_some() {}
        let produced =
            name == "username" || produced_names.next_if(|k| *k == name.as_str()).is_some();
        if let (false, Some(from)) = (produced, user.attributes.get(name.as_str())) {
            changes.push(Change {
                attribute: name.clone(),
                from: Some(from.clone()),
                to: None,
                because: desired.because.get(name.as_str()).cloned(),
            });
        }
    }
    changes.sort_by(|a, b| a.attribute.cmp(&b.attribute));
    changes
}

#[cfg(test)]
mod tests {
    use super::shared_usernames;

    #[test]
    fn a_username_is_shared_whatever_case_either_holder_writes_it_in() {
        let finals = ["anna@x", "Bo@x", "cia@x", "Dan@x"];
        let created = [
            Some("ANNA@X"),
            None,
            Some("bo@x"),
            Some("dan@X"),
            Some("eve@x"),
        ];
        let mut shared: Vec<String> = shared_usernames(&finals, &created).into_iter().collect();
        shared.sort();
        assert_eq!(shared, ["anna@x", "bo@x", "dan@x"]);
        // Borrowed twice, and lowercased twice.
        let shared = shared_usernames(&["x@y", "X@Y"], &[Some("x@y"), Some("X@y")]);
        assert_eq!(shared.into_iter().collect::<Vec<_>>(), ["x@y"]);
        assert!(shared_usernames(&["a", "b"], &[Some("c"), None]).is_empty());
    }
}
