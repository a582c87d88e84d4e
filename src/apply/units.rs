//! Units of SCIM work: one request (or, for a group's memberships, a short sequence of batched
//! requests) that settles one or more plan actions. Units are built from the directory as it is
//! when their phase starts and run concurrently; their effects are merged back by the executor.

use super::report::Outcome;
use crate::action::{Action, Change};
use crate::model::{Attributes, Role, UserStatus};
use crate::plan::Plan;
use crate::winningtemp::scim::Directory;
use crate::winningtemp::scim::read::{
    MANAGERS_SUFFIX, ScimGroup, ScimUser, managers_display_name, managers_external_id,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a finished unit changed, to keep the directory in step with the server.
#[derive(Debug, Clone)]
pub(super) enum Effect {
    None,
    User(ScimUser),
    Group(ScimGroup),
    /// A user's new username and/or newly set external ID.
    Updated {
        id: String,
        username: Option<String>,
        external_id: Option<String>,
    },
    Members {
        group: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

/// The outcome of some actions.
#[derive(Debug, Clone)]
pub(super) struct Done {
    pub indices: Vec<usize>,
    pub outcome: Outcome,
    pub effect: Effect,
}

pub(super) fn done(index: usize, outcome: Outcome) -> Done {
    Done {
        indices: vec![index],
        outcome,
        effect: Effect::None,
    }
}

/// Plan indices with the SCIM user IDs they add or remove.
pub(super) type Members = Vec<(usize, String)>;

/// Where a membership unit's group is.
#[derive(Debug, Clone)]
pub(super) enum GroupRef {
    Existing(String),
    New { external_id: String, name: String },
}

/// One piece of work.
#[derive(Debug, Clone)]
pub(super) enum Unit {
    /// Settled without a request (already in place, or impossible).
    Settled(Vec<Done>),
    CreateTeam {
        index: usize,
        external_id: String,
        name: String,
    },
    RenameTeam {
        index: usize,
        ids: Vec<(String, String)>,
    },
    CreateUser {
        index: usize,
        external_id: String,
        username: String,
        attributes: Attributes,
        status: UserStatus,
    },
    UpdateUser {
        index: usize,
        id: String,
        raw: Value,
        changes: Vec<Change>,
        link: Option<String>,
    },
    SetActive {
        index: usize,
        id: String,
        active: bool,
    },
    Members {
        group: GroupRef,
        adds: Vec<(usize, String)>,
        removes: Vec<(usize, String)>,
    },
    /// New users in one SCIM Bulk request.
    BulkCreate(Vec<BulkItem>),
}

/// One new user of a Bulk request: its POST body, made when the request is put together.
#[derive(Debug, Clone)]
pub(super) struct BulkItem {
    pub index: usize,
    pub external_id: String,
    pub username: String,
    pub body: Value,
    pub not_carried: Vec<String>,
}

/// The phases of an apply, in order: groups before users that do not need them, users before
/// memberships that need their IDs, pauses last (a run that stops early never pauses first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    Groups,
    Users,
    Memberships,
    Pauses,
}

/// The phase of an action; `Err` with the reason when SCIM cannot carry it.
pub(super) fn phase_of(action: &Action) -> Result<Phase, &'static str> {
    match action {
        Action::CreateTeam { .. } | Action::RenameTeam { .. } => Ok(Phase::Groups),
        Action::CreateUser { .. } | Action::UpdateUser { .. } | Action::ReactivateUser { .. } => {
            Ok(Phase::Users)
        }
        Action::AddMembership { .. } | Action::RemoveMembership { .. } => Ok(Phase::Memberships),
        Action::PauseUser { .. } => Ok(Phase::Pauses),
        Action::MoveTeam { .. } => Err("SCIM groups have no parent; move the team in Winningtemp"),
        Action::CreateSegment { .. }
        | Action::AddSegmentConnection { .. }
        | Action::RemoveSegmentConnection { .. } => {
            Err("SCIM carries no segments; use `target winningtemp.files` for segments")
        }
    }
}

fn find_user<'a>(
    dir: &'a Directory,
    external_id: Option<&str>,
    name: &str,
) -> Option<&'a ScimUser> {
    external_id
        .and_then(|e| dir.user_by_external_id(e))
        .or_else(|| dir.user_by_username(name))
}

/// The units of one phase for the given plan indices.
pub(super) fn build(phase: Phase, plan: &Plan, indices: &[usize], dir: &Directory) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut settled = Vec::new();
    let mut groups: BTreeMap<String, (Members, Members)> = BTreeMap::new();
    for &index in indices {
        let Some(planned) = plan.actions.get(index) else {
            continue;
        };
        match &planned.action {
            Action::CreateTeam {
                external_id, name, ..
            } if phase == Phase::Groups => match dir.group_by_external_id(external_id) {
                Some(_) => settled.push(done(
                    index,
                    Outcome::ok("already exists (matched by externalId); not created again"),
                )),
                None => units.push(Unit::CreateTeam {
                    index,
                    external_id: external_id.to_string(),
                    name: name.to_string(),
                }),
            },
            Action::RenameTeam {
                external_id, to, ..
            } if phase == Phase::Groups => {
                let Some(team) = dir.group_by_external_id(external_id) else {
                    settled.push(done(
                        index,
                        Outcome::failed(format!("no SCIM group has externalId `{external_id}`")),
                    ));
                    continue;
                };
                let mut ids = vec![(team.id.clone(), to.to_string())];
                if let Some(m) = dir.group_by_external_id(&managers_external_id(external_id)) {
                    ids.push((m.id.clone(), managers_display_name(to)));
                }
                units.push(Unit::RenameTeam { index, ids });
            }
            Action::CreateUser {
                external_id,
                username,
                attributes,
                status,
            } if phase == Phase::Users => match dir.user_by_external_id(external_id) {
                Some(_) => settled.push(done(
                    index,
                    Outcome::ok("already exists (matched by externalId); not created again"),
                )),
                None => units.push(Unit::CreateUser {
                    index,
                    external_id: external_id.to_string(),
                    username: username.to_string(),
                    attributes: attributes.to_attributes(),
                    status: *status,
                }),
            },
            Action::UpdateUser {
                external_id,
                username,
                changes,
                link,
            } if phase == Phase::Users => {
                // A user being linked is found by username; if an interrupted run already
                // linked (and maybe renamed) it, by the external ID it got then.
                let user = if *link {
                    dir.user_by_username(username)
                        .or_else(|| dir.user_by_external_id(external_id))
                } else {
                    find_user(dir, Some(external_id), username)
                };
                match user {
                    Some(u) => units.push(Unit::UpdateUser {
                        index,
                        id: u.id.clone(),
                        raw: u.raw.clone(),
                        changes: changes.to_vec(),
                        link: link.then(|| external_id.to_string()),
                    }),
                    None => settled.push(done(
                        index,
                        Outcome::failed(format!(
                            "no SCIM user `{username}` (externalId `{external_id}`)"
                        )),
                    )),
                }
            }
            Action::ReactivateUser {
                external_id,
                username,
            } if phase == Phase::Users => {
                set_active(
                    &mut units,
                    &mut settled,
                    dir,
                    index,
                    Some(external_id),
                    username,
                    true,
                );
            }
            Action::PauseUser {
                external_id,
                username,
            } if phase == Phase::Pauses => {
                set_active(
                    &mut units,
                    &mut settled,
                    dir,
                    index,
                    external_id.as_deref(),
                    username,
                    false,
                );
            }
            Action::AddMembership { user, team, role }
            | Action::RemoveMembership { user, team, role }
                if phase == Phase::Memberships =>
            {
                let add = matches!(planned.action, Action::AddMembership { .. });
                let key = match role {
                    Role::Member => team.to_string(),
                    Role::Manager => managers_external_id(team),
                };
                let Some(member) = dir.user_by_username(user) else {
                    settled.push(done(
                        index,
                        Outcome::skipped(format!("no SCIM user `{user}` (was it created?)")),
                    ));
                    continue;
                };
                let entry = groups.entry(key).or_default();
                if add {
                    entry.0.push((index, member.id.clone()))
                } else {
                    entry.1.push((index, member.id.clone()))
                }
            }
            _ => {}
        }
    }
    for (key, (adds, removes)) in groups {
        membership_unit(dir, key, adds, removes, &mut units, &mut settled);
    }
    if !settled.is_empty() {
        units.push(Unit::Settled(settled));
    }
    units
}

fn set_active(
    units: &mut Vec<Unit>,
    settled: &mut Vec<Done>,
    dir: &Directory,
    index: usize,
    external_id: Option<&str>,
    username: &str,
    active: bool,
) {
    match find_user(dir, external_id, username) {
        Some(u) => units.push(Unit::SetActive {
            index,
            id: u.id.clone(),
            active,
        }),
        None => settled.push(done(
            index,
            Outcome::failed(format!("no SCIM user `{username}`")),
        )),
    }
}

/// The unit for one SCIM group's member changes, leaving out what is already in place.
fn membership_unit(
    dir: &Directory,
    key: String,
    adds: Vec<(usize, String)>,
    removes: Vec<(usize, String)>,
    units: &mut Vec<Unit>,
    settled: &mut Vec<Done>,
) {
    let team = key
        .strip_suffix(MANAGERS_SUFFIX)
        .unwrap_or(&key)
        .to_string();
    let group = match dir.group_by_external_id(&key) {
        Some(g) => Some(g),
        None if key != team => None,
        None => {
            for (index, _) in adds.iter().chain(&removes) {
                settled.push(done(
                    *index,
                    Outcome::skipped(format!(
                        "no SCIM group has externalId `{key}` (was the team created?)"
                    )),
                ));
            }
            return;
        }
    };
    let members = group.map(|g| g.members.clone()).unwrap_or_default();
    let (adds, present): (Vec<_>, Vec<_>) =
        adds.into_iter().partition(|(_, id)| !members.contains(id));
    let (removes, absent): (Vec<_>, Vec<_>) = removes
        .into_iter()
        .partition(|(_, id)| members.contains(id));
    for (index, _) in present {
        settled.push(done(index, Outcome::ok("already a member")));
    }
    for (index, _) in absent {
        settled.push(done(index, Outcome::ok("already not a member")));
    }
    if adds.is_empty() && removes.is_empty() {
        return;
    }
    let group = match group {
        Some(g) => GroupRef::Existing(g.id.clone()),
        None => match dir.group_by_external_id(&team) {
            Some(base) => GroupRef::New {
                external_id: key,
                name: managers_display_name(&base.name),
            },
            None => {
                for (index, _) in adds.iter().chain(&removes) {
                    settled.push(done(
                        *index,
                        Outcome::skipped(format!(
                            "no SCIM group has externalId `{team}` (was the team created?)"
                        )),
                    ));
                }
                return;
            }
        },
    };
    units.push(Unit::Members {
        group,
        adds,
        removes,
    });
}
