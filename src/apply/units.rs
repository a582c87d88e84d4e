//! Units of SCIM work: one request (or, for a group's memberships, a short sequence of batched
//! requests) that settles one or more plan actions. Units are built from the directory as it is
//! when their phase starts and run concurrently; their effects are merged back by the executor.

use super::report::Outcome;
use crate::model::{Attributes, Role, UserStatus};
use crate::plan::{Action, Change, Plan};
use crate::target::scim::read::{
    MANAGERS_SUFFIX, ScimGroup, ScimUser, group_of, managers_display_name, managers_external_id,
};
use crate::target::scim::{Directory, ScimTarget, write};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a finished unit changed, to keep the directory in step with the server.
#[derive(Debug, Clone)]
pub(super) enum Effect {
    None,
    User(ScimUser),
    Group(ScimGroup),
    Renamed {
        id: String,
        name: String,
    },
    Linked {
        id: String,
        external_id: String,
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

fn done(index: usize, outcome: Outcome) -> Done {
    Done {
        indices: vec![index],
        outcome,
        effect: Effect::None,
    }
}

/// Where a membership unit's group is.
#[derive(Debug, Clone)]
pub(super) enum GroupRef {
    Existing(String),
    New { external_id: String, name: String },
}

/// One piece of work.
#[derive(Debug, Clone)]
pub(super) enum Unit {
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
    let mut groups: BTreeMap<String, (Vec<(usize, String)>, Vec<(usize, String)>)> =
        BTreeMap::new();
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
                    external_id: external_id.clone(),
                    name: name.clone(),
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
                let mut ids = vec![(team.id.clone(), to.clone())];
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
                    external_id: external_id.clone(),
                    username: username.clone(),
                    attributes: attributes.clone(),
                    status: *status,
                }),
            },
            Action::UpdateUser {
                external_id,
                username,
                changes,
                link,
            } if phase == Phase::Users => {
                let by_id = if *link {
                    None
                } else {
                    Some(external_id.as_str())
                };
                match find_user(dir, by_id, username) {
                    Some(u) => units.push(Unit::UpdateUser {
                        index,
                        id: u.id.clone(),
                        raw: u.raw.clone(),
                        changes: changes.clone(),
                        link: link.then(|| external_id.clone()),
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
                    Role::Member => team.clone(),
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

fn with_note(text: String, not_carried: &[String]) -> String {
    if not_carried.is_empty() {
        text
    } else {
        format!(
            "{text}; not carried by SCIM (no path in `attributes`): {}",
            not_carried.join(", ")
        )
    }
}

impl Unit {
    /// Runs the unit against the target.
    pub(super) async fn run(self, target: &ScimTarget) -> Vec<Done> {
        let client = &target.client;
        match self {
            Unit::Settled(dones) => dones,
            Unit::CreateTeam {
                index,
                external_id,
                name,
            } => {
                let body = write::new_group(&external_id, &name, &[]);
                vec![created_group(target, index, &external_id, &body).await]
            }
            Unit::RenameTeam { index, ids } => {
                for (id, name) in &ids {
                    if let Err(e) = client
                        .patch(&format!("/Groups/{id}"), write::rename_group(name))
                        .await
                    {
                        return vec![done(index, Outcome::failed(e.message))];
                    }
                }
                vec![done(index, Outcome::Ok { detail: None })]
            }
            Unit::CreateUser {
                index,
                external_id,
                username,
                attributes,
                status,
            } => {
                let built = write::new_user(
                    &external_id,
                    &username,
                    &attributes,
                    status,
                    &target.map,
                    target.email_follows_username,
                );
                match client.create("/Users", &built.request, &external_id).await {
                    Ok(created) => {
                        let raw = match created.resource.get("id") {
                            Some(_) => Ok(created.resource),
                            // A server may answer without the resource: look it up.
                            None => client
                                .find_by_external_id("/Users", &external_id)
                                .await
                                .map(Option::unwrap_or_default),
                        };
                        let user = raw.ok().and_then(|raw| {
                            let id = raw.get("id")?.as_str()?.to_string();
                            Some(ScimUser {
                                id,
                                external_id: Some(external_id.clone()),
                                username: username.clone(),
                                raw,
                            })
                        });
                        let Some(user) = user else {
                            return vec![done(
                                index,
                                Outcome::failed(
                                    "POST /Users: the server did not say which ID it gave the user",
                                ),
                            )];
                        };
                        let what = if created.adopted {
                            "created (by an earlier attempt whose answer was lost)"
                        } else {
                            "created"
                        };
                        vec![Done {
                            indices: vec![index],
                            outcome: Outcome::ok(with_note(
                                format!("{what} as {}", user.id),
                                &built.not_carried,
                            )),
                            effect: Effect::User(user),
                        }]
                    }
                    Err(e) => vec![done(index, Outcome::failed(e.message))],
                }
            }
            Unit::UpdateUser {
                index,
                id,
                raw,
                changes,
                link,
            } => {
                let built = write::user_changes(
                    &changes,
                    link.as_deref(),
                    &raw,
                    &target.map,
                    target.email_follows_username,
                );
                if built.request.is_empty() {
                    let outcome = if built.not_carried.is_empty() {
                        Outcome::ok("already in place")
                    } else {
                        Outcome::skipped(with_note("nothing to send".into(), &built.not_carried))
                    };
                    return vec![done(index, outcome)];
                }
                if let Err(e) = client.patch(&format!("/Users/{id}"), built.request).await {
                    return vec![done(index, Outcome::failed(e.message))];
                }
                let effect = match (changes.iter().find(|c| c.attribute == "username"), link) {
                    (_, Some(external_id)) => Effect::Linked {
                        id: id.clone(),
                        external_id,
                    },
                    (Some(c), None) => match &c.to {
                        Some(crate::model::AttrValue::Text(name)) => Effect::Renamed {
                            id: id.clone(),
                            name: name.clone(),
                        },
                        _ => Effect::None,
                    },
                    (None, None) => Effect::None,
                };
                let detail = with_note("updated".into(), &built.not_carried);
                vec![Done {
                    indices: vec![index],
                    outcome: Outcome::ok(detail),
                    effect,
                }]
            }
            Unit::SetActive { index, id, active } => {
                match client
                    .patch(&format!("/Users/{id}"), write::set_active(active))
                    .await
                {
                    Ok(_) => vec![done(index, Outcome::Ok { detail: None })],
                    Err(e) => vec![done(index, Outcome::failed(e.message))],
                }
            }
            Unit::Members {
                group,
                adds,
                removes,
            } => members(target, group, adds, removes).await,
        }
    }
}

async fn created_group(target: &ScimTarget, index: usize, external_id: &str, body: &Value) -> Done {
    match target.client.create("/Groups", body, external_id).await {
        Ok(created) => match group_of(&created.resource) {
            Some(g) => Done {
                indices: vec![index],
                outcome: Outcome::ok(if created.adopted {
                    "created (by an earlier attempt whose answer was lost)"
                } else {
                    "created"
                }),
                effect: Effect::Group(g),
            },
            None => done(
                index,
                Outcome::failed("POST /Groups: the server did not say which ID it gave the group"),
            ),
        },
        Err(e) => done(index, Outcome::failed(e.message)),
    }
}

/// A group's member changes in batches, one request after the other (concurrent PATCHes of
/// one group could overwrite each other on a server that reads, changes and writes the list).
async fn members(
    target: &ScimTarget,
    group: GroupRef,
    adds: Vec<(usize, String)>,
    removes: Vec<(usize, String)>,
) -> Vec<Done> {
    let mut out = Vec::new();
    let ids = |v: &[(usize, String)]| v.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>();
    let (add_ids, remove_ids) = (ids(&adds), ids(&removes));
    let index_of: BTreeMap<(bool, &str), usize> = adds
        .iter()
        .map(|(i, id)| ((true, id.as_str()), *i))
        .chain(removes.iter().map(|(i, id)| ((false, id.as_str()), *i)))
        .collect();
    let mut batches = write::member_batches(&add_ids, &remove_ids).into_iter();
    let group_id = match group {
        GroupRef::Existing(id) => id,
        GroupRef::New { external_id, name } => {
            let Some((first, _)) = batches.next() else {
                return out;
            };
            let body = write::new_group(&external_id, &name, &first);
            let indices: Vec<usize> = first
                .iter()
                .filter_map(|id| index_of.get(&(true, id.as_str())).copied())
                .collect();
            let created = created_group(target, 0, &external_id, &body).await;
            let Effect::Group(g) = created.effect else {
                let rest: Vec<usize> = index_of.values().copied().collect();
                out.push(Done {
                    indices: rest,
                    outcome: created.outcome,
                    effect: Effect::None,
                });
                return out;
            };
            let id = g.id.clone();
            let adopted = g.members.is_empty() && !first.is_empty();
            out.push(Done {
                indices: vec![],
                outcome: created.outcome,
                effect: Effect::Group(g),
            });
            // An adopted group (made by an attempt whose answer was lost) may lack the members.
            let result = if adopted {
                target
                    .client
                    .patch(
                        &format!("/Groups/{id}"),
                        write::member_operations(&first, &[]),
                    )
                    .await
                    .map(|_| ())
            } else {
                Ok(())
            };
            out.push(Done {
                indices,
                outcome: match result {
                    Ok(()) => Outcome::ok("added with the new group"),
                    Err(e) => Outcome::failed(e.message),
                },
                effect: Effect::Members {
                    group: id.clone(),
                    added: first,
                    removed: vec![],
                },
            });
            id
        }
    };
    for (a, r) in batches {
        let indices: Vec<usize> = a
            .iter()
            .map(|id| (true, id))
            .chain(r.iter().map(|id| (false, id)))
            .filter_map(|(add, id)| index_of.get(&(add, id.as_str())).copied())
            .collect();
        let result = target
            .client
            .patch(
                &format!("/Groups/{group_id}"),
                write::member_operations(&a, &r),
            )
            .await;
        out.push(match result {
            Ok(_) => Done {
                indices,
                outcome: Outcome::Ok { detail: None },
                effect: Effect::Members {
                    group: group_id.clone(),
                    added: a,
                    removed: r,
                },
            },
            Err(e) => Done {
                indices,
                outcome: Outcome::failed(e.message),
                effect: Effect::None,
            },
        });
    }
    out
}
