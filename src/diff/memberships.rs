//! Team memberships and segment connections, under the Membership Update Rule and the Segment
//! Connection Update Rule. Relations of users that are left alone (protected or contested) are
//! never touched.

use super::users::Users;
use super::{Diff, Input, W_UNKNOWN_GROUP, rule_because, warning};
use crate::model::{Because, CurrentMembership, MembershipRule, Role, SegmentRule};
use crate::plan::{Action, PlannedAction};
use crate::sorted::last_per_key;
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;

/// Membership actions. A role change is a `remove_membership` of the old role followed by an
/// `add_membership` of the new one (kept adjacent by `sort_actions`).
pub(crate) fn diff_memberships(input: &Input<'_>, users: &Users, out: &mut Diff) {
    let known: HashSet<&str> = input
        .desired
        .teams
        .keys()
        .map(String::as_str)
        .chain(
            input
                .current
                .teams
                .iter()
                .filter_map(|t| t.external_id.as_deref()),
        )
        .collect();
    let mut unknown = BTreeSet::new();
    let mut wanted: Vec<(Pair<'_>, (Role, &Because))> =
        Vec::with_capacity(input.desired.memberships.len());
    for m in &input.desired.memberships {
        let Some(username) = users.desired_username.get(m.user.as_str()) else {
            continue;
        };
        if !known.contains(m.team.as_str()) {
            unknown.insert(m.team.as_str());
            continue;
        }
        wanted.push(((username, m.team.as_str()), (m.role, &m.because)));
    }
    let wanted = one_per_pair(wanted);
    for team in unknown {
        out.warnings.push(warning(
            W_UNKNOWN_GROUP,
            None,
            format!("memberships of the unknown team `{team}` are left out"),
        ));
    }

    // Each current membership, and whether the mapping wants its pair (then it is not removed).
    let mut have: HashMap<Pair<'_>, (&CurrentMembership, bool)> = HashMap::new();
    for m in &input.current.memberships {
        if let Some(Some(username)) = users.current.get(m.user.as_str()) {
            have.insert((username, m.team.as_str()), (m, false));
        }
    }

    let rule = input.rules.membership;
    for ((user, team), (role, because)) in &wanted {
        let add = |role: Role| PlannedAction {
            action: Action::AddMembership {
                user: user.to_string(),
                team: team.to_string(),
                role,
            },
            because: (*because).clone(),
        };
        let Some((now, in_mapping)) = have.get_mut(&(*user, *team)) else {
            out.actions.push(add(*role));
            continue;
        };
        *in_mapping = true;
        if now.role == *role {
            continue;
        }
        let demotion = now.role == Role::Manager && *role == Role::Member;
        let keep = match rule {
            // `never` leaves memberships made by hand exactly as they are, role included.
            MembershipRule::Never => !now.managed,
            MembershipRule::Overwrite => false,
            MembershipRule::OverwriteIfRoleIsGreaterOrEqual => demotion,
        };
        if !keep {
            out.actions.push(PlannedAction {
                action: Action::RemoveMembership {
                    user: user.to_string(),
                    team: team.to_string(),
                    role: now.role,
                },
                because: (*because).clone(),
            });
            out.actions.push(add(*role));
        }
    }

    let rule_name = match rule {
        MembershipRule::Never => "membership = never",
        MembershipRule::Overwrite => "membership = overwrite",
        MembershipRule::OverwriteIfRoleIsGreaterOrEqual => {
            "membership = overwrite_if_role_is_greater_or_equal"
        }
    };
    for ((user, team), (now, in_mapping)) in &have {
        let removable = rule != MembershipRule::Never || now.managed;
        if removable && !in_mapping {
            out.actions.push(PlannedAction {
                action: Action::RemoveMembership {
                    user: user.to_string(),
                    team: team.to_string(),
                    role: now.role,
                },
                because: rule_because(rule_name, input),
            });
        }
    }
}

/// Segment connection actions.
pub(crate) fn diff_segment_connections(input: &Input<'_>, users: &Users, out: &mut Diff) {
    let known: HashSet<&str> = input
        .desired
        .segments
        .keys()
        .map(String::as_str)
        .chain(
            input
                .current
                .segments
                .iter()
                .filter_map(|s| s.external_id.as_deref()),
        )
        .collect();
    let mut unknown = BTreeSet::new();
    let mut wanted: Vec<(Pair<'_>, Because)> = Vec::new();
    for (external_id, username) in &users.desired_username {
        let Some(user) = input.desired.users.get(*external_id) else {
            continue;
        };
        for segment in &user.segments {
            if !known.contains(segment.as_str()) {
                unknown.insert(segment.as_str());
                continue;
            }
            let because = input
                .desired
                .segments
                .get(segment)
                .map(|s| s.because.clone())
                .unwrap_or_else(|| Because {
                    statement: format!("segment {segment}").into(),
                    line: 0,
                });
            wanted.push(((username, segment.as_str()), because));
        }
    }
    for segment in unknown {
        out.warnings.push(warning(
            W_UNKNOWN_GROUP,
            None,
            format!("connections to the unknown segment `{segment}` are left out"),
        ));
    }

    // (managed, wanted by the mapping) per current connection.
    let mut have: HashMap<Pair<'_>, (bool, bool)> = HashMap::new();
    for c in &input.current.segment_connections {
        if let Some(Some(username)) = users.current.get(c.user.as_str()) {
            have.insert((username, c.segment.as_str()), (c.managed, false));
        }
    }

    for ((user, segment), because) in &one_per_pair(wanted) {
        if let Some((_, in_mapping)) = have.get_mut(&(*user, *segment)) {
            *in_mapping = true;
        } else {
            out.actions.push(PlannedAction {
                action: Action::AddSegmentConnection {
                    user: user.to_string(),
                    segment: segment.to_string(),
                },
                because: because.clone(),
            });
        }
    }
    let (overwrite, rule_name) = match input.rules.segment_connection {
        SegmentRule::Never => (false, "segment_connection = never"),
        SegmentRule::Overwrite => (true, "segment_connection = overwrite"),
    };
    for ((user, segment), (managed, in_mapping)) in &have {
        if (overwrite || *managed) && !in_mapping {
            out.actions.push(PlannedAction {
                action: Action::RemoveSegmentConnection {
                    user: user.to_string(),
                    segment: segment.to_string(),
                },
                because: rule_because(rule_name, input),
            });
        }
    }
}

/// (username, team or segment external ID).
type Pair<'a> = (&'a str, &'a str);

/// What the mapping wants, keyed by (username, team or segment): sorted by key, one entry per
/// key (the last one given wins, as an insert into a map would).
fn one_per_pair<V>(wanted: Vec<(Pair<'_>, V)>) -> Vec<(Pair<'_>, V)> {
    last_per_key(wanted, |a, b| a.0.cmp(&b.0))
}
