//! The effect of a plan on a state, in memory: what Winningtemp will hold after the plan ran.
//! Used to check that planning again after applying gives an empty plan, and to write the state
//! snapshot after a file-integration delivery.

use crate::action::{Action, PlannedAction};
use crate::model::{
    AttrValue, CurrentMembership, CurrentSegment, CurrentSegmentConnection, CurrentState,
    CurrentTeam, CurrentUser, Role, UserStatus,
};
use std::collections::{BTreeMap, HashMap};

/// A membership or connection holder: a user by position, so renames carry their relations
/// along, or (for a reference the state could not resolve) the username as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    User(usize),
    Name(String),
}

struct Work {
    users: Vec<CurrentUser>,
    /// Usernames as they were before the plan: `update_user` names its user that way.
    original: HashMap<String, usize>,
    external: HashMap<String, usize>,
    /// Usernames as they are now; rebuilt after creates and renames (`None` = stale).
    names: Option<HashMap<String, usize>>,
    /// (holder, team) → (role, managed): one role per user and team.
    memberships: BTreeMap<(Holder, String), (Role, bool)>,
    /// (holder, segment) → managed.
    connections: BTreeMap<(Holder, String), bool>,
}

impl Work {
    /// The user currently called `name` (after any renames so far).
    fn named(&mut self, name: &str) -> Option<usize> {
        let users = &self.users;
        let names = self.names.get_or_insert_with(|| {
            users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.username.clone(), i))
                .collect()
        });
        names.get(name).copied()
    }

    fn by_id_or_name(&mut self, external_id: Option<&str>, name: &str) -> Option<usize> {
        match external_id.and_then(|id| self.external.get(id).copied()) {
            Some(i) => Some(i),
            None => self.named(name),
        }
    }
}

/// Applies `plan` to a copy of `state`. Memberships and connections the plan adds are
/// `managed: true`. An action naming something the state lacks is skipped. The result is
/// normalized (sorted) like a state file.
pub fn apply_to_state(state: &CurrentState, plan: &[PlannedAction]) -> CurrentState {
    let users = state.users.clone();
    let original: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.username.clone(), i))
        .collect();
    let holder = |name: &str| {
        original
            .get(name)
            .map_or(Holder::Name(name.to_string()), |&i| Holder::User(i))
    };
    let memberships = state
        .memberships
        .iter()
        .map(|m| ((holder(&m.user), m.team.clone()), (m.role, m.managed)))
        .collect();
    let connections = state
        .segment_connections
        .iter()
        .map(|c| ((holder(&c.user), c.segment.clone()), c.managed))
        .collect();
    let external = users
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.external_id.clone().map(|id| (id, i)))
        .collect();
    let mut work = Work {
        users,
        original,
        external,
        names: None,
        memberships,
        connections,
    };
    let mut next = state.clone();
    for planned in plan {
        apply_one(&mut work, &mut next, &planned.action);
    }

    let name_of = |h: &Holder| match h {
        Holder::User(i) => work.users[*i].username.clone(),
        Holder::Name(name) => name.clone(),
    };
    next.memberships = work
        .memberships
        .iter()
        .map(|((h, team), (role, managed))| CurrentMembership {
            user: name_of(h),
            team: team.clone(),
            role: *role,
            managed: *managed,
        })
        .collect();
    next.segment_connections = work
        .connections
        .iter()
        .map(|((h, segment), managed)| CurrentSegmentConnection {
            user: name_of(h),
            segment: segment.clone(),
            managed: *managed,
        })
        .collect();
    next.users = work.users;
    crate::state::normalize(&mut next);
    next
}

fn apply_one(work: &mut Work, next: &mut CurrentState, action: &Action) {
    match action {
        Action::CreateUser {
            external_id,
            username,
            attributes,
            status,
        } => {
            work.external
                .insert(external_id.to_string(), work.users.len());
            work.names = None;
            work.users.push(CurrentUser {
                id: None,
                external_id: Some(external_id.to_string()),
                username: username.to_string(),
                status: *status,
                attributes: attributes.to_attributes(),
            });
        }
        Action::UpdateUser {
            external_id,
            username,
            changes,
            link,
        } => {
            let by_id = if *link {
                None
            } else {
                work.external.get(&**external_id).copied()
            };
            let Some(i) = by_id.or_else(|| work.original.get(&**username).copied()) else {
                return;
            };
            for change in changes {
                match (change.attribute.as_str(), &change.to) {
                    ("username", Some(AttrValue::Text(name))) => {
                        work.users[i].username = name.to_string();
                        work.names = None;
                    }
                    ("username", _) => {}
                    (name, Some(value)) => {
                        work.users[i]
                            .attributes
                            .insert(name.to_string().into(), value.clone());
                    }
                    (name, None) => {
                        work.users[i].attributes.remove(name);
                    }
                }
            }
            if *link {
                work.users[i].external_id = Some(external_id.to_string());
                work.external.insert(external_id.to_string(), i);
            }
        }
        Action::PauseUser {
            external_id,
            username,
        } => {
            if let Some(i) = work.by_id_or_name(external_id.as_deref(), username) {
                work.users[i].status = UserStatus::Paused;
            }
        }
        Action::ReactivateUser {
            external_id,
            username,
        } => {
            if let Some(i) = work.by_id_or_name(Some(external_id), username) {
                work.users[i].status = UserStatus::Active;
            }
        }
        Action::CreateTeam {
            external_id,
            name,
            parent,
        } => next.teams.push(CurrentTeam {
            id: None,
            external_id: Some(external_id.to_string()),
            name: name.to_string(),
            parent: parent.as_deref().map(str::to_string),
        }),
        Action::RenameTeam {
            external_id, to, ..
        } => {
            for team in next
                .teams
                .iter_mut()
                .filter(|t| t.external_id.as_deref() == Some(&**external_id))
            {
                team.name = to.to_string();
            }
        }
        Action::MoveTeam {
            external_id, to, ..
        } => {
            for team in next
                .teams
                .iter_mut()
                .filter(|t| t.external_id.as_deref() == Some(&**external_id))
            {
                team.parent = to.as_deref().map(str::to_string);
            }
        }
        Action::AddMembership { user, team, role } => {
            let Some(i) = work.named(user) else { return };
            // One role per user and team: adding a role replaces the other, as in Winningtemp.
            work.memberships
                .insert((Holder::User(i), team.to_string()), (*role, true));
        }
        Action::RemoveMembership { user, team, role } => {
            let Some(i) = work.named(user) else { return };
            let key = (Holder::User(i), team.to_string());
            if work.memberships.get(&key).is_some_and(|(r, _)| r == role) {
                work.memberships.remove(&key);
            }
        }
        Action::CreateSegment {
            external_id,
            name,
            category,
        } => {
            next.segments.push(CurrentSegment {
                id: None,
                external_id: Some(external_id.to_string()),
                name: name.to_string(),
                category: category.to_string(),
            });
        }
        Action::AddSegmentConnection { user, segment } => {
            let Some(i) = work.named(user) else { return };
            work.connections
                .entry((Holder::User(i), segment.to_string()))
                .or_insert(true);
        }
        Action::RemoveSegmentConnection { user, segment } => {
            let Some(i) = work.named(user) else { return };
            work.connections
                .remove(&(Holder::User(i), segment.to_string()));
        }
    }
}
