//! Managers: a user's manager becomes manager of the user's team. Winningtemp forbids member and
//! manager of one team: the manager role wins there, and the lead's own membership moves up to
//! the parent team (so they still answer surveys among their peers); with no parent team left
//! they keep only the manager role, and a warning says so.

use crate::diagnostics::Code;
use crate::model::{Because, DesiredMembership, DesiredState, DesiredUser, Role, RunWarning};
use foldhash::{HashMap, HashSet};

/// Adds the manager roles (and moves leads' member roles) to `members`, the users' member
/// roles, and makes them the state's memberships. One role per user and team: a later entry
/// replaces an earlier one (manager over member).
pub(super) fn assign_managers(
    state: &mut DesiredState,
    members: Vec<DesiredMembership>,
    manager_because: Option<&Because>,
) {
    let because = manager_because.cloned().unwrap_or(Because {
        statement: "manager".into(),
        line: 0,
    });
    let mut warnings = Vec::new();
    // (manager, team) pairs borrowed from the users: one per team a manager leads, sorted so
    // "does this manager lead that team" is a binary search.
    let mut managed: Vec<(&str, &str)> = Vec::new();
    let mut protected: Option<HashSet<&str>> = None;
    // Hashed: a tree lookup per user compares a dozen keys far apart in memory.
    let users: HashMap<&str, &DesiredUser> = state
        .users
        .values()
        .map(|u| (u.external_id.as_str(), u))
        .collect();
    for user in state.users.values() {
        let Some(manager) = &user.manager else {
            continue;
        };
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
            managed.push((manager.as_str(), team.as_str()));
        }
    }
    managed.sort_unstable();
    managed.dedup();
    let leads = |manager: &str, team: &str| managed.binary_search(&(manager, team)).is_ok();

    let mut memberships = members;
    // Usually no-op: the caller made room for three roles per user.
    memberships.reserve(managed.len() * 2);
    for &(manager, team) in &managed {
        memberships.push(DesiredMembership {
            user: manager.to_string(),
            team: team.to_string(),
            role: Role::Manager,
            because: because.clone(),
        });
    }
    // Move each lead's member role up past the teams they manage.
    for &(manager, team) in &managed {
        let Some(user) = users.get(manager) else {
            continue;
        };
        if user.team.as_deref() != Some(team) {
            continue;
        }
        let parent_of = |t: &str| state.teams.get(t).and_then(|x| x.parent.as_deref());
        let mut target = parent_of(team);
        while let Some(t) = target {
            if !leads(manager, t) {
                break;
            }
            target = parent_of(t);
        }
        match target {
            Some(parent) => memberships.push(DesiredMembership {
                user: manager.to_string(),
                team: parent.to_string(),
                role: Role::Member,
                because: user.because.get("team").cloned().unwrap_or(because.clone()),
            }),
            None => warnings.push(RunWarning {
                code: Code::ManagerAlsoMember.as_str().into(),
                record_id: Some(manager.to_string()),
                message: format!(
                    "`{manager}` manages their own top-level team `{team}`, so they are its manager and a member of no team"
                ),
            }),
        }
    }
    // One role per user and team: the only pairs given twice are a lead's member role in the
    // team they manage and their manager role there (lead moves skip led teams, and users and
    // led teams are unique), and the manager role wins. Sorted in place with the manager role
    // first, keeping the first: no copy of the list, no sort buffer. (The statement only
    // breaks ties that cannot happen, so that even then the result is one.)
    memberships.sort_unstable_by(|a, b| {
        (&a.user, &a.team, b.role, &a.because).cmp(&(&b.user, &b.team, a.role, &b.because))
    });
    memberships.dedup_by(|later, kept| later.user == kept.user && later.team == kept.team);
    state.memberships = memberships;
    state.warnings.extend(warnings);
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
