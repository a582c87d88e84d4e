//! Managers: a user's manager becomes manager of the user's team. Winningtemp forbids member and
//! manager of one team: the manager role wins there, and the lead's own membership moves up to
//! the parent team (so they still answer surveys among their peers); with no parent team left
//! they keep only the manager role, and a warning says so.

use crate::diagnostics::Code;
use crate::model::{
    Because, DesiredMembership, DesiredMemberships, DesiredState, DesiredUser, Reasons, Role,
    RunWarning,
};
use crate::value::order_prefix;
use foldhash::{HashMap, HashSet};
use std::sync::Arc;

/// Makes the state's memberships: each user's member role in their team, and the manager
/// roles of their managers. One role per user and team, sorted by user, then team; and the
/// warnings about managers it could not place. Reads only the users, teams and the skipped
/// and quarantined records. `manager_because`: the mapping's `manager = …` statement.
pub(super) fn memberships(
    state: &DesiredState,
    manager_because: Option<&Because>,
) -> DesiredMemberships {
    let because = manager_because
        .cloned()
        .unwrap_or_else(|| Because::new("manager", 0));
    let mut warnings = Vec::new();
    // (manager, team) pairs borrowed from the users: one per team a manager leads, sorted so
    // each manager's teams are together and "does this manager lead that team" is a binary
    // search.
    // Room for one pair per user up front: growing by doubling would copy the list into
    // fresh memory several times, and faulting fresh pages in is what costs here.
    // Each pair keyed by the manager's first bytes (see `order_prefix`).
    let mut managed: Vec<(u64, &str, &Arc<str>)> = Vec::with_capacity(state.users.len());
    let mut protected: Option<HashSet<&str>> = None;
    // Hashed: a tree lookup per user compares a dozen keys far apart in memory.
    let users: HashMap<&str, &DesiredUser> = state
        .users
        .values()
        .map(|u| (u.external_id.as_str(), u))
        .collect();
    // Org units that name a manager (`units { manager = … }`): the unit's manager manages its
    // team, and wins there over the people's own `manager = …` (docs/language.md, "Managers").
    let unit_managed: Vec<(&str, Arc<str>)> = state
        .teams
        .values()
        .filter_map(|t| {
            let manager = t.manager.as_deref()?;
            Some((manager, Arc::from(t.external_id.as_str())))
        })
        .collect();
    let has_unit_manager = |team: &str| {
        !unit_managed.is_empty() && state.teams.get(team).is_some_and(|t| t.manager.is_some())
    };
    for (manager, team) in &unit_managed {
        if users.contains_key(manager) {
            managed.push((order_prefix(manager), manager, team));
            continue;
        }
        let protected = protected.get_or_insert_with(|| protected_ids(state));
        let why = if protected.contains(manager) {
            "is skipped or quarantined in this run"
        } else {
            "is not in the source"
        };
        warnings.push(RunWarning {
            code: Code::ManagerNotInSource.as_str().into(),
            record_id: Some(format!("unit {team}")),
            message: format!(
                "manager `{manager}` of unit `{team}` {why}; the unit's team gets no manager"
            ),
        });
    }
    for user in state.users.values() {
        let Some(manager) = &user.manager else {
            continue;
        };
        if user.team.as_deref().is_some_and(has_unit_manager) {
            continue;
        }
        if manager == &user.external_id {
            continue;
        }
        if !users.contains_key(manager.as_str()) {
            let protected = protected.get_or_insert_with(|| protected_ids(state));
            let why = if protected.contains(manager.as_str()) {
                "is skipped or quarantined in this run"
            } else {
                "is not in the source"
            };
            warnings.push(RunWarning {
                code: Code::ManagerNotInSource.as_str().into(),
                record_id: Some(user.external_id.clone()),
                message: format!(
                    "manager `{manager}` of `{}` {why}; no manager is set for their team",
                    user.external_id
                ),
            });
            continue;
        }
        if let Some(team) = &user.team {
            managed.push((order_prefix(manager), manager.as_str(), team));
        }
    }
    // Managers are users, so sorted by manager is in the order of the users (a `BTreeMap` of
    // the same strings).
    managed.sort_unstable();
    managed.dedup();
    let leads = |manager: &str, team: &str| {
        let key = order_prefix(manager);
        managed
            .binary_search_by(|&(k, m, t)| (k, m, &**t).cmp(&(key, manager, team)))
            .is_ok()
    };
    let parent_of = |t: &str| state.teams.get(t).and_then(|x| x.parent.as_deref());

    // Built user by user, in order: no list of every role to sort afterwards.
    let mut memberships = Vec::with_capacity(users.len() + managed.len());
    let mut next_led = 0;
    // Why users are members of their teams: every user of a mapping shares one map of
    // reasons, so the lookup is made again only when a user has another map.
    let mut team_reason: Option<(&Arc<Reasons>, Option<&Because>)> = None;
    for (place, user) in state.users.values().enumerate() {
        let id = user.external_id.as_str();
        // Users are places in a vector of at most as many records as a file can hold; a
        // `u32` place (see `DesiredMembership::user`) is checked, not assumed.
        let Ok(place) = u32::try_from(place) else {
            break;
        };
        let team_because = match team_reason {
            Some((reasons, because)) if Arc::ptr_eq(reasons, &user.because) => because,
            _ => {
                let because = user.because.get("team");
                team_reason = Some((&user.because, because));
                because
            }
        };
        let first = memberships.len();
        let led_from = next_led;
        while managed.get(next_led).is_some_and(|&(_, m, _)| m == id) {
            next_led += 1;
        }
        let led = &managed[led_from..next_led];
        for &(_, _, team) in led {
            // A unit's manager is there because of the `units` statement. Without units that
            // name managers no team is looked up (a tree lookup per manager role).
            let unit = (!unit_managed.is_empty())
                .then(|| state.teams.get(&**team))
                .flatten();
            let because = match unit {
                Some(t) if t.manager.as_deref() == Some(id) => t.because.clone(),
                _ => because.clone(),
            };
            memberships.push(DesiredMembership {
                user: place,
                team: Arc::clone(team),
                role: Role::Manager,
                because,
            });
        }
        if let Some(team) = &user.team
            && !led.iter().any(|&(_, _, t)| t == team)
        {
            memberships.push(DesiredMembership {
                user: place,
                team: Arc::clone(team),
                role: Role::Member,
                because: team_because
                    .cloned()
                    .unwrap_or_else(|| Because::new("group path", 0)),
            });
        } else if let Some(team) = &user.team {
            // A lead of their own team: their member role moves up past the teams they lead.
            let mut target = parent_of(team);
            while let Some(t) = target {
                if !leads(id, t) {
                    break;
                }
                target = parent_of(t);
            }
            match target {
                Some(parent) => memberships.push(DesiredMembership {
                    user: place,
                    team: parent.into(),
                    role: Role::Member,
                    because: team_because.cloned().unwrap_or(because.clone()),
                }),
                None => warnings.push(RunWarning {
                    code: Code::ManagerAlsoMember.as_str().into(),
                    record_id: Some(id.to_string()),
                    message: format!(
                        "`{id}` manages their own top-level team `{team}`, so they are its manager and a member of no team"
                    ),
                }),
            }
        }
        // A user's few roles, in team order (no team twice: the member role is never in a
        // team the user leads).
        memberships[first..].sort_unstable_by(|a, b| a.team.cmp(&b.team));
    }
    debug_assert!(
        memberships
            .windows(2)
            .all(|w| (w[0].user, &w[0].team) < (w[1].user, &w[1].team)),
        "memberships sorted by user, then team, one role per pair"
    );
    DesiredMemberships {
        roles: memberships,
        warnings,
    }
}

/// External IDs of skipped and quarantined records (named in warnings about their reports).
fn protected_ids(state: &DesiredState) -> HashSet<&str> {
    state
        .skipped
        .iter()
        .filter_map(|s| s.external_id.as_deref())
        .chain(
            state
                .quarantined
                .iter()
                .filter_map(|q| q.external_id.as_deref()),
        )
        .collect()
}
