//! Team memberships and segment connections, under the Membership Update Rule and the Segment
//! Connection Update Rule. Relations of users that are left alone (protected or contested) are
//! never touched.

use super::users::Users;
use super::{Input, rule_because, warning};
use crate::action::{Action, PlannedAction, sort_actions};
use crate::diagnostics::Code;
use crate::model::{
    Because, CurrentMembership, DesiredMembership, DesiredUser, MembershipRule, Role, RunWarning,
    SegmentRule,
};
use crate::parallel::Chunks;
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;

/// Membership actions: the adds in `actions`, in the plan's order (by username, then team), a role
/// change as a `remove_membership` of the old role right before the `add_membership` of the
/// new one; and the removals of memberships the mapping no longer wants, returned sorted
/// (they go after the segment connections added).
pub(crate) fn diff_memberships(
    input: &Input<'_>,
    users: &Users,
    wanted: &[DesiredMembership],
    actions: &mut Chunks<'_, PlannedAction>,
    warnings: &mut Vec<RunWarning>,
) -> Vec<PlannedAction> {
    let known: HashSet<&str> = input
        .desired
        .teams
        .keys()
        .map(String::as_str)
        .chain(
            input
                .given
                .current
                .teams
                .iter()
                .filter_map(|t| t.external_id.as_deref()),
        )
        .collect();
    let mut unknown = BTreeSet::new();
    // Each desired user's memberships: the list is sorted by user place, and each user's
    // roles are together.
    let desired = input.desired;
    let mut of_user = vec![0..0; desired.users.len()];
    debug_assert!(
        wanted.is_sorted_by(|a, b| a.user <= b.user),
        "desired memberships must be sorted by user"
    );
    for (start, roles) in wanted
        .chunk_by(|a, b| a.user == b.user)
        .scan(0, |start, roles| {
            let at = *start;
            *start += roles.len();
            Some((at, roles))
        })
    {
        if let Some(range) = roles.first().and_then(|m| of_user.get_mut(m.user as usize)) {
            *range = start..start + roles.len();
        }
    }
    // Each current membership, and whether the mapping wants its pair (then it is not removed).
    let mut have: HashMap<Pair<'_>, (&CurrentMembership, bool)> =
        HashMap::with_capacity(input.given.current.memberships.len());
    for m in &input.given.current.memberships {
        if let Some(Some(username)) = users.current.get(m.user.as_str()) {
            have.insert((username, m.team.as_str()), (m, false));
        }
    }

    let rule = input.given.rules.membership;
    // In username order, and within a user in team order: the plan's order.
    for (name, position) in users.named() {
        let user: &str = name;
        for m in &wanted[of_user[position].clone()] {
            let team: &str = &m.team;
            if !known.contains(team) {
                unknown.insert(team);
                continue;
            }
            let add = |role: Role| PlannedAction {
                action: Action::AddMembership {
                    user: name.clone(),
                    team: m.team.clone(),
                    role,
                },
                because: m.because.clone(),
            };
            let Some((now, in_mapping)) = have.get_mut(&(user, team)) else {
                actions.push(add(m.role));
                continue;
            };
            *in_mapping = true;
            if now.role == m.role {
                continue;
            }
            let demotion = now.role == Role::Manager && m.role == Role::Member;
            let keep = match rule {
                // `never` leaves memberships made by hand exactly as they are, role included.
                MembershipRule::Never => !now.managed,
                MembershipRule::Overwrite => false,
                MembershipRule::OverwriteIfRoleIsGreaterOrEqual => demotion,
            };
            if !keep {
                actions.push(PlannedAction {
                    action: Action::RemoveMembership {
                        user: name.clone(),
                        team: m.team.clone(),
                        role: now.role,
                    },
                    because: m.because.clone(),
                });
                actions.push(add(m.role));
            }
        }
    }
    for team in unknown {
        warnings.push(warning(
            Code::UnknownGroup,
            None,
            format!("memberships of the unknown team `{team}` are left out"),
        ));
    }

    let rule_name = match rule {
        MembershipRule::Never => "membership = never",
        MembershipRule::Overwrite => "membership = overwrite",
        MembershipRule::OverwriteIfRoleIsGreaterOrEqual => {
            "membership = overwrite_if_role_is_greater_or_equal"
        }
    };
    // One `because` for every removal: the rule is the same for all of them.
    let because = rule_because(rule_name, input);
    let mut removals = Vec::new();
    for ((user, team), (now, in_mapping)) in &have {
        let removable = rule != MembershipRule::Never || now.managed;
        if removable && !in_mapping {
            removals.push(PlannedAction {
                action: Action::RemoveMembership {
                    user: (*user).into(),
                    team: (*team).into(),
                    role: now.role,
                },
                because: because.clone(),
            });
        }
    }
    // Found in the map's order.
    sort_actions(&mut removals);
    removals
}

/// Segment connection actions: the connections added in `actions`, in the plan's order (by
/// username, then segment); the connections removed returned sorted (they go after the
/// memberships removed).
pub(crate) fn diff_segment_connections(
    input: &Input<'_>,
    users: &Users,
    actions: &mut Chunks<'_, PlannedAction>,
    warnings: &mut Vec<RunWarning>,
) -> Vec<PlannedAction> {
    let known: HashSet<&str> = input
        .desired
        .segments
        .keys()
        .map(String::as_str)
        .chain(
            input
                .given
                .current
                .segments
                .iter()
                .filter_map(|s| s.external_id.as_deref()),
        )
        .collect();
    let mut unknown = BTreeSet::new();
    // (managed, wanted by the mapping) per current connection.
    let mut have: HashMap<Pair<'_>, (bool, bool)> =
        HashMap::with_capacity(input.given.current.segment_connections.len());
    for c in &input.given.current.segment_connections {
        if let Some(Some(username)) = users.current.get(c.user.as_str()) {
            have.insert((username, c.segment.as_str()), (c.managed, false));
        }
    }

    // Segments are few, so each one's statement is looked up once.
    let mut because_of: HashMap<&str, Because> = HashMap::new();
    let desired: Vec<&DesiredUser> = input.desired.users.values().collect();
    // In username order, and within a user in segment order: the plan's order.
    for (name, position) in users.named() {
        let user: &str = name;
        for segment in &desired[position].segments {
            let segment = segment.as_str();
            if !known.contains(segment) {
                unknown.insert(segment);
                continue;
            }
            if let Some((_, in_mapping)) = have.get_mut(&(user, segment)) {
                *in_mapping = true;
                continue;
            }
            let because = because_of.entry(segment).or_insert_with(|| {
                input
                    .desired
                    .segments
                    .get(segment)
                    .map(|s| s.because.clone())
                    .unwrap_or_else(|| Because::new(format!("segment {segment}"), 0))
            });
            actions.push(PlannedAction {
                action: Action::AddSegmentConnection {
                    user: user.into(),
                    segment: segment.into(),
                },
                because: because.clone(),
            });
        }
    }
    for segment in unknown {
        warnings.push(warning(
            Code::UnknownGroup,
            None,
            format!("connections to the unknown segment `{segment}` are left out"),
        ));
    }

    let (overwrite, rule_name) = match input.given.rules.segment_connection {
        SegmentRule::Never => (false, "segment_connection = never"),
        SegmentRule::Overwrite => (true, "segment_connection = overwrite"),
    };
    let because = rule_because(rule_name, input);
    let mut removals = Vec::new();
    for ((user, segment), (managed, in_mapping)) in &have {
        if (overwrite || *managed) && !in_mapping {
            removals.push(PlannedAction {
                action: Action::RemoveSegmentConnection {
                    user: (*user).into(),
                    segment: (*segment).into(),
                },
                because: because.clone(),
            });
        }
    }
    // Found in the map's order.
    sort_actions(&mut removals);
    removals
}

/// (username, team or segment external ID).
type Pair<'a> = (&'a str, &'a str);
