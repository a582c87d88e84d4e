//! Small builders for diff, plan and guard tests.

use crate::diff::{Diff, DiffInput, diff};
use crate::model::*;
use std::collections::BTreeSet;

pub(crate) fn because(statement: &str, line: usize) -> Because {
    Because::new(statement, line)
}

pub(crate) fn text(s: &str) -> AttrValue {
    AttrValue::Text(s.into())
}

/// A desired user with username, email and first name; `because` for each attribute.
pub(crate) fn desired_user(id: &str, username: &str) -> DesiredUser {
    let mut attributes = Attributes::new();
    attributes.insert("username".into(), text(username));
    attributes.insert("email".into(), text(username));
    attributes.insert("first_name".into(), text("Anna"));
    let because = std::sync::Arc::new(
        attributes
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), because(&format!("{k} = …"), 10 + i)))
            .collect(),
    );
    DesiredUser {
        external_id: id.to_string(),
        attributes: std::sync::Arc::new(MappedAttributes::from_pairs(attributes).unwrap()),
        status: UserStatus::Active,
        team: None,
        manager: None,
        segments: BTreeSet::new(),
        because,
        status_because: None,
        position: 0,
    }
}

pub(crate) fn current_user(id: Option<&str>, username: &str) -> CurrentUser {
    let mut attributes = Attributes::new();
    attributes.insert("email".into(), text(username));
    attributes.insert("first_name".into(), text("Anna"));
    CurrentUser {
        id: None,
        external_id: id.map(str::to_string),
        username: username.to_string(),
        status: UserStatus::Active,
        attributes,
    }
}

pub(crate) fn team(id: &str, name: &str, parent: Option<&str>) -> DesiredTeam {
    DesiredTeam {
        external_id: id.to_string(),
        name: name.to_string(),
        parent: parent.map(str::to_string),
        manager: None,
        because: because("group path = [Office, Department]", 30),
    }
}

pub(crate) fn current_team(id: &str, name: &str, parent: Option<&str>) -> CurrentTeam {
    CurrentTeam {
        id: None,
        external_id: Some(id.to_string()),
        name: name.to_string(),
        parent: parent.map(str::to_string),
    }
}

pub(crate) fn segment(id: &str) -> DesiredSegment {
    DesiredSegment {
        external_id: id.to_string(),
        name: id.to_uppercase(),
        category: "Country".to_string(),
        because: because("segment \"Country\" = Country", 33),
    }
}

pub(crate) fn current_segment(id: &str) -> CurrentSegment {
    CurrentSegment {
        id: None,
        external_id: Some(id.to_string()),
        name: id.to_uppercase(),
        category: "Country".to_string(),
    }
}

/// A role of user `user` of `desired` (which must hold them).
pub(crate) fn membership(
    desired: &DesiredState,
    user: &str,
    team: &str,
    role: Role,
) -> DesiredMembership {
    let place = desired.place_of(user);
    DesiredMembership {
        user: place.unwrap_or_else(|| panic!("no desired user {user}")),
        team: team.to_string().into(),
        role,
        because: because("manager = ManagerId", 35),
    }
}

pub(crate) fn current_membership(
    user: &str,
    team: &str,
    role: Role,
    managed: bool,
) -> CurrentMembership {
    CurrentMembership {
        user: user.to_string(),
        team: team.to_string(),
        role,
        managed,
    }
}

pub(crate) fn desired(users: Vec<DesiredUser>) -> DesiredState {
    DesiredState {
        source_records: users.len(),
        users: users
            .into_iter()
            .map(|u| (u.external_id.clone(), u))
            .collect(),
        ..DesiredState::default()
    }
}

pub(crate) fn current(users: Vec<CurrentUser>) -> CurrentState {
    CurrentState {
        format: STATE_FORMAT.to_string(),
        users,
        ..CurrentState::default()
    }
}

/// Options of one diff run, with the defaults of a fresh mapping.
pub(crate) struct Setup {
    pub rules: Rules,
    pub keys: Vec<MatchKey>,
    pub mapped: BTreeSet<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            rules: Rules::default(),
            keys: vec![MatchKey::ExternalId, MatchKey::Email],
            mapped: ["username", "email", "first_name", "gender"]
                .map(String::from)
                .into(),
        }
    }
}

impl Setup {
    /// The diff of `desired` against `current`.
    pub(crate) fn run(&self, desired: &DesiredState, current: &CurrentState) -> Diff {
        diff(
            desired,
            &DiffInput {
                current,
                rules: &self.rules,
                match_keys: &self.keys,
                mapped_attributes: &self.mapped,
                rules_line: 55,
                match_line: 37,
            },
        )
    }
}

/// Actions as compact strings (`create_user 1`), for readable assertions.
pub(crate) fn kinds(diff: &Diff) -> Vec<String> {
    use crate::action::Action::*;
    diff.actions
        .iter()
        .map(|a| match &a.action {
            CreateUser { external_id, .. } => format!("create_user {external_id}"),
            UpdateUser {
                external_id, link, ..
            } => {
                format!(
                    "{} {external_id}",
                    if *link { "link_user" } else { "update_user" }
                )
            }
            PauseUser { username, .. } => format!("pause_user {username}"),
            ReactivateUser { external_id, .. } => format!("reactivate_user {external_id}"),
            CreateTeam { external_id, .. } => format!("create_team {external_id}"),
            RenameTeam { external_id, .. } => format!("rename_team {external_id}"),
            MoveTeam { external_id, .. } => format!("move_team {external_id}"),
            AddMembership { user, team, role } => format!("add_membership {user} {team} {role:?}"),
            RemoveMembership { user, team, role } => {
                format!("remove_membership {user} {team} {role:?}")
            }
            CreateSegment { external_id, .. } => format!("create_segment {external_id}"),
            AddSegmentConnection { user, segment } => format!("connect {user} {segment}"),
            RemoveSegmentConnection { user, segment } => format!("disconnect {user} {segment}"),
        })
        .collect()
}
