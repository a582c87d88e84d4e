//! Running units of SCIM work: the requests of each unit and the outcome of its actions.

use super::report::Outcome;
use super::units::{BulkItem, Done, Effect, GroupRef, Members, Unit, done};
use crate::winningtemp::scim::client::resource_path;
use crate::winningtemp::scim::discovery::Capabilities;
use crate::winningtemp::scim::read::{ScimUser, group_of};
use crate::winningtemp::scim::{ScimTarget, write};
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
                let body = write::new_group(&external_id, &name);
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
                    ("username", Some(crate::model::AttrValue::Text(name))) => {
                        Some(name.to_string())
                    }
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
            Unit::BulkCreate(items) => bulk_create(target, items).await,
        }
    }
}

/// The user creates among `units` gathered into Bulk requests within the server's
/// `maxOperations` and `maxPayloadSize`; every other unit as it was.
pub(super) fn bulk_units(units: Vec<Unit>, caps: &Capabilities, target: &ScimTarget) -> Vec<Unit> {
    // Room for the envelope (`schemas`, `Operations`) beside the operations.
    const ENVELOPE: usize = 128;
    let max_ops = caps.bulk_max_operations.unwrap_or(1000).max(1);
    let max_bytes = caps.bulk_max_payload.unwrap_or(1 << 20);
    let mut out = Vec::new();
    let mut batch: Vec<BulkItem> = Vec::new();
    let mut bytes = ENVELOPE;
    for unit in units {
        let Unit::CreateUser {
            index,
            external_id,
            username,
            attributes,
            status,
        } = unit
        else {
            out.push(unit);
            continue;
        };
        let built = write::new_user(
            &external_id,
            &username,
            &attributes,
            status,
            &target.map,
            target.email_follows_username,
        );
        let item = BulkItem {
            index,
            external_id,
            username,
            body: built.request,
            not_carried: built.not_carried,
        };
        let size = bulk_operation(&item).to_string().len() + 1;
        if !batch.is_empty() && (batch.len() >= max_ops || bytes + size > max_bytes) {
            out.push(Unit::BulkCreate(std::mem::take(&mut batch)));
            bytes = ENVELOPE;
        }
        bytes += size;
        batch.push(item);
    }
    if !batch.is_empty() {
        out.push(Unit::BulkCreate(batch));
    }
    out
}

fn bulk_operation(item: &BulkItem) -> Value {
    serde_json::json!({
        "method": "POST",
        "path": "/Users",
        "bulkId": format!("a{}", item.index),
        "data": item.body,
    })
}

/// The status of one Bulk answer: `"201"`, `201`, or `{"code": 201}`.
fn bulk_status(op: &Value) -> Option<u16> {
    let status = op.get("status")?;
    let status = status.get("code").unwrap_or(status);
    match status {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Creates users in one Bulk request. A user the answer does not account for, or whose
/// operation met a 409, is settled on its own by looking it up first (the request may have
/// created it) and creating it only when absent — the same guarantee as a single create.
async fn bulk_create(target: &ScimTarget, items: Vec<BulkItem>) -> Vec<Done> {
    let client = &target.client;
    let n = items.len();
    let answers = client
        .bulk(items.iter().map(bulk_operation).collect())
        .await;
    let by_bulk_id: BTreeMap<String, Value> = match &answers {
        Ok(ops) => ops
            .iter()
            .filter_map(|op| {
                let id = op.get("bulkId")?.as_str()?.to_string();
                Some((id, op.clone()))
            })
            .collect(),
        Err(_) => BTreeMap::new(),
    };
    let mut out = Vec::with_capacity(n);
    for item in items {
        let answer = by_bulk_id.get(&format!("a{}", item.index));
        let status = answer.and_then(bulk_status);
        let created = match (answer, status) {
            (Some(op), Some(s)) if (200..300).contains(&s) => {
                let resource = op.get("response").filter(|r| r.get("id").is_some());
                let id = resource
                    .and_then(|r| r.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        op.get("location")
                            .and_then(Value::as_str)
                            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
                            .map(str::to_string)
                    });
                id.map(|id| {
                    let mut raw = resource.cloned().unwrap_or_else(|| item.body.clone());
                    raw["id"] = Value::String(id.clone());
                    (id, raw, false)
                })
            }
            (Some(op), Some(s)) if s != 409 => {
                let detail = op
                    .get("response")
                    .and_then(|r| r.get("detail"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.push(done(
                    item.index,
                    Outcome::failed(format!(
                        "POST /Bulk (POST /Users of {}): HTTP {s}{}{detail}",
                        item.external_id,
                        if detail.is_empty() { "" } else { ": " }
                    )),
                ));
                continue;
            }
            _ => None,
        };
        let (id, raw, adopted) = match created {
            Some(c) => c,
            None => match client
                .create_after_doubt("/Users", &item.body, &item.external_id)
                .await
            {
                Ok(c) => match c.resource.get("id").and_then(Value::as_str) {
                    Some(id) => (id.to_string(), c.resource.clone(), c.adopted),
                    None => {
                        out.push(done(
                            item.index,
                            Outcome::failed(
                                "POST /Users: the server did not say which ID it gave the user",
                            ),
                        ));
                        continue;
                    }
                },
                Err(e) => {
                    let why = match &answers {
                        Err(b) => format!("{}; then alone: {}", b.message, e.message),
                        Ok(_) => e.message,
                    };
                    out.push(done(item.index, Outcome::failed(why)));
                    continue;
                }
            },
        };
        let what = if adopted {
            "created (by an earlier attempt whose answer was lost)".to_string()
        } else if answer.is_some() {
            format!("created in a Bulk request of {n}")
        } else {
            "created".to_string()
        };
        out.push(Done {
            indices: vec![item.index],
            outcome: Outcome::ok(with_note(format!("{what} as {id}"), &item.not_carried)),
            effect: Effect::User(ScimUser {
                id,
                external_id: Some(item.external_id.clone()),
                username: item.username.clone(),
                raw,
            }),
        });
    }
    out
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
            if batches.is_empty() {
                return out;
            }
            // Created empty; every member then goes through the batches below, which adapt to
            // a server that refuses a batch as too large (a POST carrying the first batch could
            // not be halved). One request more per new group.
            let body = write::new_group(&external_id, &name);
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
            out.push(Done {
                indices: vec![],
                outcome: created.outcome,
                effect: Effect::Group(g),
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
