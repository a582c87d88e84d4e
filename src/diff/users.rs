//! Users: matching desired users to Winningtemp users, attribute updates, status, and pausing
//! users the source no longer has.

use super::{
    DiffInput, Protection, W_AMBIGUOUS_LINK, W_AMBIGUOUS_MATCH, W_PROTECTED_MATCH,
    W_USERNAME_TAKEN, rule_because, warning,
};
use crate::model::{
    AttrValue, Attributes, Because, CurrentUser, DesiredUser, MatchKey, UserRemoval, UserStatus,
    UserStatusRule,
};
use crate::plan::{Action, Change, PlannedAction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the relation diffs need to know about users after the user diff.
#[derive(Debug, Default)]
pub(crate) struct Users {
    /// Desired external ID → the username the user will have; only users that will exist.
    pub desired_username: BTreeMap<String, String>,
    /// Current username → the username after the plan, or `None` when the user is left
    /// exactly as it is (protected by a skipped/quarantined record, or contested by two records).
    pub current: HashMap<String, Option<String>>,
}

/// How one desired user relates to Winningtemp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// The current user at this index; `link` when found by email/username.
    Existing { index: usize, link: bool },
    /// Not in Winningtemp: create.
    New,
    /// Left out of the plan (a warning says why).
    Held,
}

/// The user's `email` attribute, when it is text.
pub(crate) fn email_of(attributes: &Attributes) -> Option<&str> {
    match attributes.get("email") {
        Some(AttrValue::Text(email)) => Some(email),
        _ => None,
    }
}

fn username_of(user: &DesiredUser) -> Option<&str> {
    match user.attributes.get("username") {
        Some(AttrValue::Text(name)) if !name.is_empty() => Some(name),
        _ => None,
    }
}

/// Diffs users; pushes user actions and warnings into `out`.
pub(crate) fn diff_users(
    input: &DiffInput<'_>,
    protection: &Protection,
    out: &mut super::Diff,
) -> Users {
    let current = &input.current.users;
    let (matches, claimed) = match_users(input, protection, out);
    let (finals, created) = final_usernames(input, &matches, out);

    let mut matched = BTreeSet::new();
    for (external_id, m) in &matches {
        let Some(desired) = input.desired.users.get(*external_id) else {
            continue;
        };
        match *m {
            Match::Existing { index, link } => {
                matched.insert(index);
                let user = &current[index];
                update_user(input, desired, user, &finals[index], link, &mut out.actions);
            }
            Match::New => {
                if let Some(username) = created.get(*external_id) {
                    out.actions.push(create_user(desired, username));
                }
            }
            Match::Held => {}
        }
    }

    for (index, user) in current.iter().enumerate() {
        let untouchable = claimed.contains(&index) || protection.covers(user);
        if matched.contains(&index) || untouchable {
            continue;
        }
        let (in_scope, rule) = match input.rules.user_removal {
            UserRemoval::OnlyExternalId => (
                user.external_id.is_some(),
                "user_removal = only_external_id",
            ),
            UserRemoval::All => (true, "user_removal = all"),
        };
        if in_scope && user.status == UserStatus::Active {
            out.actions.push(PlannedAction {
                action: Action::PauseUser {
                    external_id: user.external_id.clone(),
                    username: user.username.clone(),
                },
                because: rule_because(rule, input),
            });
        }
    }

    let mut users = Users::default();
    for (index, user) in current.iter().enumerate() {
        let untouchable = claimed.contains(&index) || protection.covers(user);
        let after = (!untouchable).then(|| finals[index].clone());
        users.current.insert(user.username.clone(), after);
    }
    for (external_id, m) in &matches {
        let name = match *m {
            Match::Existing { index, .. } => Some(finals[index].clone()),
            Match::New => created.get(*external_id).cloned(),
            Match::Held => None,
        };
        if let Some(name) = name {
            users.desired_username.insert(external_id.to_string(), name);
        }
    }
    users
}

/// Matches every desired user. Returns the matches and the current users contested by several
/// records (left alone).
fn match_users<'a>(
    input: &DiffInput<'a>,
    protection: &Protection,
    out: &mut super::Diff,
) -> (BTreeMap<&'a str, Match>, BTreeSet<usize>) {
    let current = &input.current.users;
    let mut by_external_id = HashMap::new();
    // Fallback keys only reach users not linked yet: a linked user belongs to its external ID.
    let mut unlinked: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (index, user) in current.iter().enumerate() {
        match &user.external_id {
            Some(id) => {
                by_external_id.insert(id.as_str(), index);
            }
            None => {
                unlinked
                    .entry(user.username.to_lowercase())
                    .or_default()
                    .insert(index);
                if let Some(email) = email_of(&user.attributes) {
                    unlinked
                        .entry(email.to_lowercase())
                        .or_default()
                        .insert(index);
                }
            }
        }
    }

    let mut matches = BTreeMap::new();
    let mut claimed = BTreeSet::new();
    let mut link_claims: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (external_id, desired) in &input.desired.users {
        let id = external_id.as_str();
        let record = Some(desired.record_id.as_str());
        let found = match by_external_id.get(id) {
            Some(&index) => Some((index, false)),
            None => match fallback(desired, input.match_keys, &unlinked) {
                Fallback::Found(index) => Some((index, true)),
                Fallback::NotFound => None,
                Fallback::Ambiguous(key, candidates) => {
                    let names = usernames(current, &candidates);
                    out.warnings.push(warning(
                        W_AMBIGUOUS_MATCH,
                        record,
                        format!(
                            "user `{id}` matches several Winningtemp users by {key} ({names}); \
                             none is linked or changed"
                        ),
                    ));
                    claimed.extend(candidates);
                    matches.insert(id, Match::Held);
                    continue;
                }
            },
        };
        let m = match found {
            Some((index, _))
                if protection.covers(&current[index]) || protection.covers_desired(desired) =>
            {
                out.warnings.push(warning(
                    W_PROTECTED_MATCH,
                    record,
                    format!(
                        "user `{id}` matches Winningtemp user `{}`, and a skipped or quarantined \
                         record names the same person; it is left as it is",
                        current[index].username
                    ),
                ));
                // Held, so its user must not look like a leaver either.
                claimed.insert(index);
                Match::Held
            }
            None if protection.covers_desired(desired) => {
                out.warnings.push(warning(
                    W_PROTECTED_MATCH,
                    record,
                    format!(
                        "user `{id}` has the username or email of a skipped or quarantined record; \
                         it is not created"
                    ),
                ));
                Match::Held
            }
            Some((index, link)) => {
                if link {
                    link_claims.entry(index).or_default().push(id);
                }
                Match::Existing { index, link }
            }
            None => Match::New,
        };
        matches.insert(id, m);
    }

    // A user that any record finds ambiguously, or that several records find, is linked by
    // none of them: linking one now would change what the others find on the next run.
    let contested_by_ambiguity = claimed.clone();
    for (index, ids) in link_claims {
        if ids.len() > 1 || contested_by_ambiguity.contains(&index) {
            let list: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            let username = &current[index].username;
            let message = if ids.len() > 1 {
                format!(
                    "users {} all match the unlinked Winningtemp user `{username}`; none is linked",
                    list.join(", ")
                )
            } else {
                format!(
                    "user {} matches the unlinked Winningtemp user `{username}`, which another \
                     record matches too; it is not linked",
                    list.join(", ")
                )
            };
            out.warnings.push(warning(W_AMBIGUOUS_LINK, None, message));
            claimed.insert(index);
            for id in ids {
                matches.insert(id, Match::Held);
            }
        }
    }
    (matches, claimed)
}

enum Fallback {
    Found(usize),
    NotFound,
    Ambiguous(&'static str, Vec<usize>),
}

/// Tries the fallback keys in order; the first key that finds anyone decides.
fn fallback(
    desired: &DesiredUser,
    keys: &[MatchKey],
    unlinked: &HashMap<String, BTreeSet<usize>>,
) -> Fallback {
    for key in keys {
        let (name, value) = match key {
            MatchKey::ExternalId => continue,
            MatchKey::Email => ("email", email_of(&desired.attributes)),
            MatchKey::Username => ("username", username_of(desired)),
        };
        let Some(value) = value else { continue };
        let Some(candidates) = unlinked.get(&value.to_lowercase()) else {
            continue;
        };
        match candidates.len() {
            0 => continue,
            1 => {
                return candidates
                    .first()
                    .map_or(Fallback::NotFound, |&i| Fallback::Found(i));
            }
            _ => return Fallback::Ambiguous(name, candidates.iter().copied().collect()),
        }
    }
    Fallback::NotFound
}

/// The users' names, sorted so the text does not depend on the order of the state file.
fn usernames(current: &[CurrentUser], indices: &[usize]) -> String {
    let mut names: Vec<String> = indices
        .iter()
        .map(|&i| format!("`{}`", current[i].username))
        .collect();
    names.sort();
    names.join(", ")
}

/// The username every current user has after the plan (index-aligned with the current users),
/// and the usernames of users to create. A rename or create onto a username that another user
/// keeps is dropped with a warning, repeated until no two users share a username.
fn final_usernames(
    input: &DiffInput<'_>,
    matches: &BTreeMap<&str, Match>,
    out: &mut super::Diff,
) -> (Vec<String>, BTreeMap<String, String>) {
    let current = &input.current.users;
    let mut finals: Vec<String> = current.iter().map(|u| u.username.clone()).collect();
    let mut created = BTreeMap::new();
    for (external_id, m) in matches {
        let Some(desired) = input.desired.users.get(*external_id) else {
            continue;
        };
        let Some(name) = username_of(desired) else {
            continue;
        };
        match *m {
            Match::Existing { index, .. } => finals[index] = name.to_string(),
            Match::New => {
                created.insert(external_id.to_string(), name.to_string());
            }
            Match::Held => {}
        }
    }
    loop {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for name in finals.iter().chain(created.values()) {
            *counts.entry(name.to_lowercase()).or_default() += 1;
        }
        let taken = |name: &str| counts.get(&name.to_lowercase()).is_some_and(|&n| n > 1);
        let mut changed = false;
        for (index, user) in current.iter().enumerate() {
            if finals[index] != user.username && taken(&finals[index]) {
                out.warnings.push(warning(
                    W_USERNAME_TAKEN,
                    None,
                    format!(
                        "username `{}` is taken by another Winningtemp user; `{}` keeps its username",
                        finals[index], user.username
                    ),
                ));
                finals[index] = user.username.clone();
                changed = true;
            }
        }
        let clashing: Vec<String> = created
            .iter()
            .filter(|(_, name)| taken(name))
            .map(|(id, _)| id.clone())
            .collect();
        for id in clashing {
            if let Some(name) = created.remove(&id) {
                out.warnings.push(warning(
                    W_USERNAME_TAKEN,
                    None,
                    format!(
                        "username `{name}` is taken by another Winningtemp user; user `{id}` is not created"
                    ),
                ));
                changed = true;
            }
        }
        if !changed {
            return (finals, created);
        }
    }
}

/// The statement behind a user's `key`, else behind its external ID, else any.
fn user_because(desired: &DesiredUser, key: &str) -> Because {
    desired
        .because
        .get(key)
        .or_else(|| desired.because.get("external_id"))
        .or_else(|| desired.because.values().next())
        .cloned()
        .unwrap_or_else(|| Because {
            statement: "user".to_string(),
            line: 0,
        })
}

fn create_user(desired: &DesiredUser, username: &str) -> PlannedAction {
    let mut attributes = desired.attributes.clone();
    attributes.remove("username");
    PlannedAction {
        action: Action::CreateUser {
            external_id: desired.external_id.clone(),
            username: username.to_string(),
            attributes,
            status: desired.status,
        },
        because: user_because(desired, "external_id"),
    }
}

fn update_user(
    input: &DiffInput<'_>,
    desired: &DesiredUser,
    user: &CurrentUser,
    final_username: &str,
    link: bool,
    actions: &mut Vec<PlannedAction>,
) {
    let changes = attribute_changes(input, desired, user, final_username);
    if link || !changes.is_empty() {
        let because = if link {
            let keys: Vec<&str> = input.match_keys.iter().map(match_key_name).collect();
            Because {
                statement: format!("match by {}", keys.join(", ")),
                line: input.match_line,
            }
        } else {
            changes
                .iter()
                .find_map(|c| c.because.clone())
                .unwrap_or_else(|| user_because(desired, ""))
        };
        actions.push(PlannedAction {
            action: Action::UpdateUser {
                external_id: desired.external_id.clone(),
                username: user.username.clone(),
                changes,
                link,
            },
            because,
        });
    }
    let status_change = match (desired.status, user.status) {
        (UserStatus::Paused, UserStatus::Active) => Some(Action::PauseUser {
            external_id: Some(desired.external_id.clone()),
            username: final_username.to_string(),
        }),
        (UserStatus::Active, UserStatus::Paused)
            if input.rules.user_status == UserStatusRule::Overwrite =>
        {
            Some(Action::ReactivateUser {
                external_id: desired.external_id.clone(),
                username: final_username.to_string(),
            })
        }
        _ => None,
    };
    if let Some(action) = status_change {
        let because = desired
            .because
            .get("status")
            .cloned()
            .unwrap_or_else(|| Because {
                statement: "user_status = overwrite (active in source)".to_string(),
                line: input.rules_line,
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
    input: &DiffInput<'_>,
    desired: &DesiredUser,
    user: &CurrentUser,
    final_username: &str,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if final_username != user.username {
        changes.push(Change {
            attribute: "username".to_string(),
            from: Some(AttrValue::Text(user.username.clone())),
            to: Some(AttrValue::Text(final_username.to_string())),
            because: desired.because.get("username").cloned(),
        });
    }
    for (name, value) in &desired.attributes {
        let from = user.attributes.get(name);
        if name != "username" && from != Some(value) {
            changes.push(Change {
                attribute: name.clone(),
                from: from.cloned(),
                to: Some(value.clone()),
                because: desired.because.get(name).cloned(),
            });
        }
    }
    for name in input.mapped_attributes {
        let produced = name == "username" || desired.attributes.contains_key(name);
        if let (false, Some(from)) = (produced, user.attributes.get(name)) {
            changes.push(Change {
                attribute: name.clone(),
                from: Some(from.clone()),
                to: None,
                because: desired.because.get(name).cloned(),
            });
        }
    }
    changes.sort_by(|a, b| a.attribute.cmp(&b.attribute));
    changes
}
