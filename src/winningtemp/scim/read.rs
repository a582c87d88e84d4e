//! Reading Winningtemp over SCIM: every User and Group, page by page (`startIndex`/`count`
//! until `totalResults`), into a [`Directory`] (SCIM IDs, raw resources, members) and from
//! there into `wtmap.state/v1`.
//!
//! Teams are flat groups: `externalId` → team external ID, `displayName` → name, no parent.
//! A group whose `externalId` is `{team}:managers` holds the managers of team `{team}` (see
//! docs/scim.md, "Managers"). Members of groups that carry an `externalId` count as managed
//! (an identity provider owns its groups' members); a group without an `externalId` (made by
//! hand) is read as a team without external ID, and its members cannot be named.

use super::client::{ScimClient, ScimError};
use crate::model::{
    AttrValue, CurrentMembership, CurrentState, CurrentTeam, CurrentUser, Role, STATE_FORMAT,
    UserStatus,
};
use crate::schema::scim::AttributeMap;
use crate::types::Type;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Suffix of the external ID of a team's managers group.
pub const MANAGERS_SUFFIX: &str = ":managers";

/// The external ID of the group holding the managers of team `team`.
pub fn managers_external_id(team: &str) -> String {
    format!("{team}{MANAGERS_SUFFIX}")
}

/// The display name of the managers group of a team called `name`.
pub fn managers_display_name(name: &str) -> String {
    format!("{name} (managers)")
}

/// A SCIM user as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimUser {
    /// SCIM `id`.
    pub id: String,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `userName`.
    pub username: String,
    /// The resource as the server sent it (to read attributes and see which are set).
    pub raw: Value,
}

/// A SCIM group as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimGroup {
    /// SCIM `id`.
    pub id: String,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `displayName`.
    pub name: String,
    /// Member IDs (`members[].value`).
    pub members: BTreeSet<String>,
}

/// Everything the SCIM endpoint holds, indexed for applying a plan to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    /// Users by SCIM ID.
    pub users: BTreeMap<String, ScimUser>,
    /// Groups by SCIM ID.
    pub groups: BTreeMap<String, ScimGroup>,
    user_by_external: HashMap<String, String>,
    user_by_name: HashMap<String, String>,
    group_by_external: HashMap<String, String>,
}

impl Directory {
    /// Adds or replaces a user (after a read or a create).
    pub fn put_user(&mut self, user: ScimUser) {
        if let Some(old) = self.users.get(&user.id) {
            self.user_by_name.remove(&old.username.to_lowercase());
        }
        if let Some(ext) = &user.external_id {
            self.user_by_external.insert(ext.clone(), user.id.clone());
        }
        self.user_by_name
            .insert(user.username.to_lowercase(), user.id.clone());
        self.users.insert(user.id.clone(), user);
    }

    /// Adds or replaces a group.
    pub fn put_group(&mut self, group: ScimGroup) {
        if let Some(ext) = &group.external_id {
            self.group_by_external.insert(ext.clone(), group.id.clone());
        }
        self.groups.insert(group.id.clone(), group);
    }

    /// The user whose `externalId` is `external_id`.
    pub fn user_by_external_id(&self, external_id: &str) -> Option<&ScimUser> {
        self.users.get(self.user_by_external.get(external_id)?)
    }

    /// The user whose `userName` is `name` (case-insensitive, as SCIM compares it).
    pub fn user_by_username(&self, name: &str) -> Option<&ScimUser> {
        self.users.get(self.user_by_name.get(&name.to_lowercase())?)
    }

    /// The group whose `externalId` is `external_id`.
    pub fn group_by_external_id(&self, external_id: &str) -> Option<&ScimGroup> {
        self.groups.get(self.group_by_external.get(external_id)?)
    }

    /// A group by external ID, for changing its members.
    pub fn group_mut(&mut self, external_id: &str) -> Option<&mut ScimGroup> {
        let id = self.group_by_external.get(external_id)?;
        self.groups.get_mut(id)
    }

    /// A user by SCIM ID, for recording changes.
    pub fn user_mut(&mut self, id: &str) -> Option<&mut ScimUser> {
        self.users.get_mut(id)
    }

    /// Re-indexes a user's username after a rename.
    pub fn rename_user(&mut self, id: &str, new_name: &str) {
        if let Some(user) = self.users.get_mut(id) {
            self.user_by_name.remove(&user.username.to_lowercase());
            user.username = new_name.to_string();
            self.user_by_name
                .insert(new_name.to_lowercase(), id.to_string());
        }
    }

    /// The directory as `wtmap.state/v1`, attributes read through `map`.
    pub fn to_state(&self, map: &AttributeMap) -> CurrentState {
        let mut state = CurrentState {
            format: STATE_FORMAT.to_string(),
            ..CurrentState::default()
        };
        for user in self.users.values() {
            state.users.push(CurrentUser {
                id: Some(user.id.clone()),
                external_id: user.external_id.clone(),
                username: user.username.clone(),
                status: match user.raw.get("active") {
                    Some(Value::Bool(false)) => UserStatus::Paused,
                    _ => UserStatus::Active,
                },
                attributes: read_attributes(&user.raw, map),
            });
        }
        // Team external IDs, so a `…:managers` group is only read as managers of a team that
        // exists; otherwise it is an ordinary team.
        let teams: BTreeSet<&str> = self
            .groups
            .values()
            .filter_map(|g| g.external_id.as_deref())
            .collect();
        let base_team = |g: &ScimGroup| -> Option<String> {
            let ext = g.external_id.as_deref()?;
            let base = ext.strip_suffix(MANAGERS_SUFFIX)?;
            teams.contains(base).then(|| base.to_string())
        };
        for group in self.groups.values() {
            let (team, role) = match base_team(group) {
                Some(base) => (Some(base), Role::Manager),
                None => {
                    state.teams.push(CurrentTeam {
                        id: Some(group.id.clone()),
                        external_id: group.external_id.clone(),
                        name: group.name.clone(),
                        parent: None,
                    });
                    (group.external_id.clone(), Role::Member)
                }
            };
            // A team without an external ID cannot be named by a membership.
            let Some(team) = team else { continue };
            for member in &group.members {
                if let Some(user) = self.users.get(member) {
                    state.memberships.push(CurrentMembership {
                        user: user.username.clone(),
                        team: team.clone(),
                        role,
                        managed: true,
                    });
                }
            }
        }
        // Winningtemp allows one role per user and team: a manager listed in both groups is
        // a manager.
        let managers: BTreeSet<(String, String)> = state
            .memberships
            .iter()
            .filter(|m| m.role == Role::Manager)
            .map(|m| (m.user.clone(), m.team.clone()))
            .collect();
        state.memberships.retain(|m| {
            m.role == Role::Manager || !managers.contains(&(m.user.clone(), m.team.clone()))
        });
        crate::state::normalize(&mut state);
        state
    }
}

/// The Winningtemp attributes a SCIM user carries, typed as the schema says.
fn read_attributes(raw: &Value, map: &AttributeMap) -> crate::model::Attributes {
    let mut out = crate::model::Attributes::new();
    for (name, path) in map.iter() {
        let Some(value) = path.get(raw) else { continue };
        let ty = crate::schema::target::attribute(name).map(|a| a.ty.base().clone());
        let converted = match (value, ty) {
            (Value::Bool(b), Some(Type::Bool)) => Some(AttrValue::Bool(*b)),
            (Value::String(s), Some(Type::Bool)) => match s.to_ascii_lowercase().as_str() {
                "true" => Some(AttrValue::Bool(true)),
                "false" => Some(AttrValue::Bool(false)),
                _ => None,
            },
            // A dateTime attribute (`2021-03-01T00:00:00Z`) carries a date in its first ten
            // characters.
            (Value::String(s), Some(Type::Date)) if s.len() > 10 && s.is_char_boundary(10) => {
                Some(AttrValue::Text(s[..10].into()))
            }
            (Value::String(s), _) if s.is_empty() => None,
            (Value::String(s), _) => Some(AttrValue::Text(s.as_str().into())),
            (Value::Bool(b), _) => Some(AttrValue::Text(b.to_string().into())),
            (Value::Number(n), _) => Some(AttrValue::Text(n.to_string().into())),
            _ => None,
        };
        if let Some(v) = converted {
            out.insert(name.to_string().into(), v);
        }
    }
    out
}

/// Reads every user and group.
pub async fn read_directory(client: &ScimClient) -> Result<Directory, ScimError> {
    let mut dir = Directory::default();
    for raw in list_all(client, "/Users").await? {
        let (Some(id), Some(username)) = (
            raw.get("id").and_then(Value::as_str),
            raw.get("userName").and_then(Value::as_str),
        ) else {
            continue;
        };
        let external_id = raw
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_string);
        dir.put_user(ScimUser {
            id: id.to_string(),
            external_id,
            username: username.to_string(),
            raw: raw.clone(),
        });
    }
    for raw in list_all(client, "/Groups").await? {
        if let Some(group) = group_of(&raw) {
            dir.put_group(group);
        }
    }
    Ok(dir)
}

/// A group resource as a [`ScimGroup`].
pub fn group_of(raw: &Value) -> Option<ScimGroup> {
    let id = raw.get("id").and_then(Value::as_str)?;
    Some(ScimGroup {
        id: id.to_string(),
        external_id: raw
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_string),
        name: raw
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        members: raw
            .get("members")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(|m| m.get("value").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Every resource of an endpoint, one page after the other until `totalResults` are in (or a
/// page comes back empty, for servers that miscount). Duplicates (a resource seen on two pages
/// because the list shifted) are dropped. A server that does not advance (a page of resources
/// all seen before, or a page that says it starts elsewhere than asked, as when `startIndex` is
/// ignored) and a listing longer than `max_pages` pages are errors, never an endless loop or a
/// silently partial directory.
async fn list_all(client: &ScimClient, endpoint: &str) -> Result<Vec<Value>, ScimError> {
    let page = client.options().page_size.max(1);
    let max_pages = client.options().max_pages.max(1);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut start = 1usize;
    let fail = |message: String| ScimError {
        status: None,
        message: format!("GET {endpoint}: {message}"),
    };
    for pages in 1.. {
        if pages > max_pages {
            return Err(fail(format!(
                "more than {max_pages} pages of {page} resources (target setting `max_pages`); \
                 nothing was read"
            )));
        }
        let list = client
            .get(
                endpoint,
                &[
                    ("startIndex", start.to_string()),
                    ("count", page.to_string()),
                ],
            )
            .await?;
        let total = list
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let resources = list
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let got = resources.len();
        if got > 0
            && let Some(answered) = list.get("startIndex").and_then(Value::as_u64)
            && answered as usize != start
        {
            return Err(fail(format!(
                "asked for startIndex={start}, the server answered startIndex={answered}: it \
                 does not page as SCIM says (RFC 7644 §3.4.2.4); nothing was read"
            )));
        }
        let mut new = 0;
        for r in resources {
            let id = r.get("id").and_then(Value::as_str).map(str::to_string);
            if id.is_none_or(|id| seen.insert(id)) {
                out.push(r);
                new += 1;
            }
        }
        if got > 0 && new == 0 {
            return Err(fail(format!(
                "the page at startIndex={start} holds only resources already read: the server \
                 does not advance (it may ignore startIndex); nothing was read"
            )));
        }
        start += got;
        if got == 0 || start > total {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
