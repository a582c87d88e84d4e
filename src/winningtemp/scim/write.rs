//! Actions as SCIM requests. Pure: these build bodies and PATCH operations; the executor
//! (the `apply` module) sends them.
//!
//! - create user / team: POST of the whole new resource;
//! - update user: one PATCH with only the changed attributes (`replace`, `add` for a
//!   multi-valued element that does not exist yet, `remove` for a cleared value);
//! - pause / reactivate: PATCH `replace active`;
//! - memberships: PATCH on the group with one `add members` of many values and one `remove`
//!   whose filter names many members — never the full member list, which could drop people
//!   added meanwhile, and never one request per member.

use crate::action::Change;
use crate::model::{AttrValue, Attributes, UserStatus};
use crate::schema::scim::{AttributeMap, GROUP_SCHEMA, ScimPath, USER_SCHEMA};
use serde_json::{Value, json};

/// Members added or removed by one PATCH request at most. Large enough that a team of any
/// usual size is one request, small enough that the remove filter stays a few kilobytes.
pub const MEMBER_BATCH: usize = 100;

/// Whether a refused member PATCH asks for smaller batches: 413, or a 400 whose message speaks
/// of too many operations (or members, or values).
pub fn too_many(status: Option<u16>, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    status == Some(413)
        || (status == Some(400)
            && m.contains("too many")
            && ["operation", "member", "value"]
                .iter()
                .any(|w| m.contains(w)))
}

/// A request body plus the attributes that could not be carried (no SCIM path).
#[derive(Debug, Clone, PartialEq)]
pub struct Built<T> {
    /// The body or operations.
    pub request: T,
    /// Attributes the plan sets that SCIM does not carry with this mapping.
    pub not_carried: Vec<String>,
}

fn json_of(value: &AttrValue) -> Value {
    match value {
        AttrValue::Text(s) => Value::String(s.to_string()),
        AttrValue::Bool(b) => Value::Bool(*b),
    }
}

/// The POST body of a new user. When the mapping does not map `email`, the username is also
/// sent as the email (`email_follows_username`), because Winningtemp reads username and email
/// from the primary email.
pub fn new_user(
    external_id: &str,
    username: &str,
    attributes: &Attributes,
    status: UserStatus,
    map: &AttributeMap,
    email_follows_username: bool,
) -> Built<Value> {
    let mut schemas = vec![USER_SCHEMA.to_string()];
    let mut body = json!({
        "externalId": external_id,
        "userName": username,
        "active": status == UserStatus::Active,
    });
    let mut not_carried = Vec::new();
    let mut set = |path: &ScimPath, value: Value, body: &mut Value| {
        if let Some(urn) = &path.schema
            && !schemas.contains(urn)
        {
            schemas.push(urn.clone());
        }
        path.set(body, value);
    };
    for (name, value) in attributes {
        match map.path(name) {
            Some(path) => set(path, json_of(value), &mut body),
            None => not_carried.push(name.to_string()),
        }
    }
    if email_follows_username
        && !attributes.contains_key("email")
        && let Some(path) = map.path("email")
    {
        set(path, Value::String(username.to_string()), &mut body);
    }
    body["schemas"] = json!(schemas);
    Built {
        request: body,
        not_carried,
    }
}

/// The operation that sets `path` to `value` on a user that currently looks like `current`.
fn set_operation(path: &ScimPath, value: Value, current: &Value) -> Value {
    if let Some(list) = email_list(path, &value, current) {
        return json!({"op": "replace", "path": "emails", "value": list});
    }
    // `replace` on a filter that matches nothing is an error (RFC 7644 §3.5.2.3, noTarget),
    // so a missing element is added whole.
    if !path.is_set(current)
        && let Some((base, element)) = path.add_element(value.clone())
    {
        return json!({"op": "add", "path": base, "value": element});
    }
    json!({"op": "replace", "path": path.text, "value": value})
}

/// A new email address as the whole `emails` list: the element the path names gets the address,
/// and any other element that already held it is dropped (its `primary` mark kept), so the
/// user never ends up with two copies of one address — which a filtered `replace`, or an `add`
/// of a missing element, would leave behind. `None` for paths other than `emails[…].value`.
fn email_list(path: &ScimPath, value: &Value, current: &Value) -> Option<Value> {
    let filter = path.filter.as_ref()?;
    if !path.attribute.eq_ignore_ascii_case("emails")
        || path.schema.is_some()
        || !path
            .sub
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("value"))
    {
        return None;
    }
    let address = value.as_str()?;
    let same = |e: &Value| {
        e.get("value")
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(address))
    };
    let current = current
        .get("emails")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let target = current.iter().position(|e| filter.matches(e));
    let mut primary_dropped = false;
    let mut list = Vec::with_capacity(current.len() + 1);
    for (i, e) in current.into_iter().enumerate() {
        if Some(i) != target && same(&e) {
            primary_dropped |= e.get("primary") == Some(&Value::Bool(true));
            continue;
        }
        list.push((Some(i) == target, e));
    }
    let mut out: Vec<Value> = Vec::with_capacity(list.len() + 1);
    let mut placed = false;
    for (is_target, mut e) in list {
        if is_target {
            e["value"] = value.clone();
            if primary_dropped {
                e["primary"] = Value::Bool(true);
            }
            placed = true;
        }
        out.push(e);
    }
    if !placed {
        let mut e = filter.element(Some("value"), value.clone());
        if primary_dropped {
            e["primary"] = Value::Bool(true);
        }
        out.push(e);
    }
    Some(Value::Array(out))
}

/// Applies PATCH operations as wtmap writes them (`user_changes`, `set_active`,
/// `rename_group`, `member_operations`) to a resource read from the server, for a server
/// without PATCH: the result is PUT back whole. An operation of another shape is an error,
/// never a guess.
pub fn apply_operations(resource: &mut Value, operations: &[Value]) -> Result<(), String> {
    for op in operations {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        if path.eq_ignore_ascii_case("members") && kind == "add" {
            let mut members = resource
                .get("members")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for m in value.as_array().into_iter().flatten() {
                let id = m.get("value");
                if !members.iter().any(|x| x.get("value") == id) {
                    members.push(m.clone());
                }
            }
            resource["members"] = Value::Array(members);
            continue;
        }
        if kind == "remove" && path.to_ascii_lowercase().starts_with("members[") {
            let ids = filter_values(&path[8..]);
            if let Some(Value::Array(members)) = resource.get_mut("members") {
                members.retain(|m| {
                    m.get("value")
                        .and_then(Value::as_str)
                        .is_none_or(|v| !ids.iter().any(|id| id == v))
                });
            }
            continue;
        }
        let parsed = ScimPath::parse(path)?;
        match kind {
            "replace" => parsed.set(resource, value),
            // `add` of a whole element to a multi-valued attribute (`emails`, `phoneNumbers`).
            "add" if parsed.filter.is_none() && parsed.sub.is_none() && value.is_array() => {
                let list = match &parsed.schema {
                    Some(urn) => &mut resource[urn.as_str()][parsed.attribute.as_str()],
                    None => &mut resource[parsed.attribute.as_str()],
                };
                if !list.is_array() {
                    *list = Value::Array(Vec::new());
                }
                if let (Value::Array(items), Value::Array(new)) = (list, value) {
                    items.extend(new);
                }
            }
            "add" => parsed.set(resource, value),
            "remove" => parsed.remove(resource),
            other => return Err(format!("cannot apply a PATCH operation `{other}` {path}")),
        }
    }
    Ok(())
}

/// The JSON strings of a `value eq "…" or value eq "…"]` filter, in order.
fn filter_values(filter: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = filter;
    while let Some(at) = rest.find('"') {
        let tail = &rest[at..];
        let mut stream = serde_json::Deserializer::from_str(tail).into_iter::<String>();
        match stream.next() {
            Some(Ok(s)) => {
                out.push(s);
                rest = &tail[stream.byte_offset()..];
            }
            _ => break,
        }
    }
    out
}

/// The PATCH operations of an `update_user`: only the changed attributes, plus `externalId`
/// when the user is being linked. `current` is the user as the server holds it now (a filtered
/// value is replaced when it exists and added when it does not; a cleared value is removed only
/// when set).
pub fn user_changes(
    changes: &[Change],
    link: Option<&str>,
    current: &Value,
    map: &AttributeMap,
    email_follows_username: bool,
) -> Built<Vec<Value>> {
    let mut ops = Vec::new();
    let mut not_carried = Vec::new();
    if let Some(external_id) = link {
        ops.push(json!({"op": "replace", "path": "externalId", "value": external_id}));
    }
    for change in changes {
        if change.attribute == "username" {
            if let Some(AttrValue::Text(name)) = &change.to {
                ops.push(json!({"op": "replace", "path": "userName", "value": name}));
                let email_changes = changes.iter().any(|c| c.attribute == "email");
                if email_follows_username
                    && !email_changes
                    && let Some(path) = map.path("email")
                {
                    ops.push(set_operation(
                        path,
                        Value::String(name.to_string()),
                        current,
                    ));
                }
            }
            continue;
        }
        let Some(path) = map.path(&change.attribute) else {
            not_carried.push(change.attribute.clone());
            continue;
        };
        match &change.to {
            Some(value) => ops.push(set_operation(path, json_of(value), current)),
            None if path.is_set(current) => {
                ops.push(json!({"op": "remove", "path": path.remove_path()}));
            }
            None => {}
        }
    }
    Built {
        request: ops,
        not_carried,
    }
}

/// Pause (`false`) or reactivate (`true`).
pub fn set_active(active: bool) -> Vec<Value> {
    vec![json!({"op": "replace", "path": "active", "value": active})]
}

/// The POST body of a new group. It carries no members: they follow in batched PATCHes,
/// which adapt when a server refuses a batch as too large.
pub fn new_group(external_id: &str, name: &str) -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "externalId": external_id,
        "displayName": name,
    })
}

/// A group's new display name.
pub fn rename_group(name: &str) -> Vec<Value> {
    vec![json!({"op": "replace", "path": "displayName", "value": name})]
}

fn member_values(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(|id| json!({"value": id})).collect())
}

/// The operations of one membership PATCH: one `add` carrying every added member, one `remove`
/// whose filter names every removed member (RFC 7644 §3.5.2.2).
pub fn member_operations(adds: &[String], removes: &[String]) -> Vec<Value> {
    let mut ops = Vec::new();
    if !adds.is_empty() {
        ops.push(json!({"op": "add", "path": "members", "value": member_values(adds)}));
    }
    if !removes.is_empty() {
        let filter = removes
            .iter()
            .map(|id| format!("value eq {}", Value::String(id.clone())))
            .collect::<Vec<_>>()
            .join(" or ");
        ops.push(json!({"op": "remove", "path": format!("members[{filter}]")}));
    }
    ops
}

/// Splits member changes into requests of at most `size` members each (at least 1).
pub fn member_batches(
    adds: &[String],
    removes: &[String],
    size: usize,
) -> Vec<(Vec<String>, Vec<String>)> {
    let size = size.max(1);
    let mut out = Vec::new();
    let mut adds = adds.iter();
    let mut removes = removes.iter();
    loop {
        let a: Vec<String> = adds.by_ref().take(size).cloned().collect();
        let room = size - a.len();
        let r: Vec<String> = removes.by_ref().take(room).cloned().collect();
        if a.is_empty() && r.is_empty() {
            return out;
        }
        out.push((a, r));
    }
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
