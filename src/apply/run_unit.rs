//! Running units of SCIM work: the requests of each unit and the outcome of its actions.

use super::report::Outcome;
use super::units::{Done, Effect, GroupRef, Members, Unit, done};
use crate::target::scim::client::resource_path;
use crate::target::scim::read::{ScimUser, group_of};
use crate::target::scim::{ScimTarget, write};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

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
                        .modify(&resource_path("/Groups", id), write::rename_group(name))
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
                if let Err(e) = client
                    .modify(&resource_path("/Users", &id), built.request)
                    .await
                {
                    return vec![done(index, Outcome::failed(e.message))];
                }
                let username = changes.iter().find_map(|c| match (&*c.attribute, &c.to) {
                    ("username", Some(crate::model::AttrValue::Text(name))) => Some(name.clone()),
                    _ => None,
                });
                let effect = Effect::Updated {
                    id: id.clone(),
                    username,
                    external_id: link,
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
                    .modify(&resource_path("/Users", &id), write::set_active(active))
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
    adds: Members,
    removes: Members,
) -> Vec<Done> {
    let mut out = Vec::new();
    let ids = |v: &[(usize, String)]| v.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>();
    let (add_ids, remove_ids) = (ids(&adds), ids(&removes));
    let index_of: BTreeMap<(bool, &str), usize> = adds
        .iter()
        .map(|(i, id)| ((true, id.as_str()), *i))
        .chain(removes.iter().map(|(i, id)| ((false, id.as_str()), *i)))
        .collect();
    // Without PATCH the group's whole member list is PUT, so one request carries every change.
    let mut size = if target.client.capabilities().await.patch {
        target.member_batch
    } else {
        usize::MAX
    };
    let mut batches: VecDeque<(Vec<String>, Vec<String>)> =
        write::member_batches(&add_ids, &remove_ids, size).into();
    let group_id = match group {
        GroupRef::Existing(id) => id,
        GroupRef::New { external_id, name } => {
            let Some((first, _)) = batches.pop_front() else {
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
                    .modify(
                        &resource_path("/Groups", &id),
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
    // Set when the server refused a batch as too large and the batches were halved.
    let mut shrunk: Option<String> = None;
    while let Some((a, r)) = batches.pop_front() {
        let indices: Vec<usize> = a
            .iter()
            .map(|id| (true, id))
            .chain(r.iter().map(|id| (false, id)))
            .filter_map(|(add, id)| index_of.get(&(add, id.as_str())).copied())
            .collect();
        let result = target
            .client
            .modify(
                &resource_path("/Groups", &group_id),
                write::member_operations(&a, &r),
            )
            .await;
        if let Err(e) = &result
            && write::too_many(e.status, &e.message)
            && a.len() + r.len() > 1
        {
            // Halve, and cut this batch and every later one to the new size.
            size = size.min(a.len() + r.len()).div_ceil(2).max(1);
            shrunk = Some(format!(
                "sent in batches of {size} after the server refused a larger one ({})",
                e.message
            ));
            let (mut all_a, mut all_r) = (a, r);
            for (x, y) in batches.drain(..) {
                all_a.extend(x);
                all_r.extend(y);
            }
            batches = write::member_batches(&all_a, &all_r, size).into();
            continue;
        }
        out.push(match result {
            Ok(_) => Done {
                indices,
                outcome: Outcome::Ok {
                    detail: shrunk.clone(),
                },
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
