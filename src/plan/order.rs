//! The execution order of a plan. It is part of the plan's contract (docs/plan.md, "Order"):
//!
//! 1. `create_team`, parents before children
//! 2. `rename_team`
//! 3. `move_team`, new parents before the teams moved under them
//! 4. `create_segment`
//! 5. `create_user`
//! 6. `update_user`, links first
//! 7. `reactivate_user`
//! 8. `add_membership`; a `remove_membership` of the same user and team (a role change) comes
//!    immediately before its add, because Winningtemp allows one role per user and team
//! 9. `add_segment_connection`
//! 10. `remove_membership`
//! 11. `remove_segment_connection`
//! 12. `pause_user`, last, so a run that stops half-way never pauses before it has added
//!
//! and within each step by key (external ID, or username then team/segment).

use super::{Action, PlannedAction};
use foldhash::HashSet;
use std::collections::BTreeMap;

/// Sorts actions into execution order (stable; equal keys keep their order).
pub fn sort_actions(actions: &mut [PlannedAction]) {
    // Keys borrow from the actions, so sort positions first and move the actions once:
    // allocating key strings per action cost as much as reading the records.
    let order: Vec<usize> = {
        let parents = final_parents(actions);
        let role_changes: HashSet<(&str, &str)> = actions
            .iter()
            .filter_map(|planned| match &planned.action {
                Action::AddMembership { user, team, .. } => Some((user.as_str(), team.as_str())),
                _ => None,
            })
            .collect();
        let mut keyed: Vec<(SortKey<'_>, usize)> = actions
            .iter()
            .enumerate()
            .map(|(i, planned)| (sort_key(&planned.action, &parents, &role_changes), i))
            .collect();
        // The diff emits each kind of action already in key order, so the input is a few
        // sorted runs: the stable sort merges runs instead of sorting from scratch.
        keyed.sort();
        keyed.into_iter().map(|(_, i)| i).collect()
    };
    permute(actions, order);
}

/// Puts `items[order[k]]` at position `k` for every `k`, in place (following each cycle of the
/// permutation with swaps): a plan of a million users must not be copied to be reordered.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            items.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

/// (phase, rank within the phase, key parts, tie-break for equal keys).
type SortKey<'a> = (u8, usize, [&'a str; 3], u8);

fn sort_key<'a>(
    action: &'a Action,
    parents: &BTreeMap<String, Option<String>>,
    role_changes: &HashSet<(&str, &str)>,
) -> SortKey<'a> {
    let k = |a: &'a str, b: &'a str, c: &'a str| [a, b, c];
    match action {
        Action::CreateTeam { external_id, .. } => {
            (0, depth(external_id, parents), k(external_id, "", ""), 0)
        }
        Action::RenameTeam { external_id, .. } => (1, 0, k(external_id, "", ""), 0),
        Action::MoveTeam { external_id, .. } => {
            (2, depth(external_id, parents), k(external_id, "", ""), 0)
        }
        Action::CreateSegment { external_id, .. } => (3, 0, k(external_id, "", ""), 0),
        Action::CreateUser { external_id, .. } => (4, 0, k(external_id, "", ""), 0),
        Action::UpdateUser {
            external_id, link, ..
        } => (5, usize::from(!*link), k(external_id, "", ""), 0),
        Action::ReactivateUser { external_id, .. } => (6, 0, k(external_id, "", ""), 0),
        Action::AddMembership { user, team, .. } => (7, 0, k(user, team, ""), 1),
        Action::RemoveMembership { user, team, role } => {
            if role_changes.contains(&(user.as_str(), team.as_str())) {
                (7, 0, k(user, team, ""), 0)
            } else {
                (9, 0, k(user, team, role_name(*role)), 0)
            }
        }
        Action::AddSegmentConnection { user, segment } => (8, 0, k(user, segment, ""), 0),
        Action::RemoveSegmentConnection { user, segment } => (10, 0, k(user, segment, ""), 0),
        Action::PauseUser { username, .. } => (11, 0, k(username, "", ""), 0),
    }
}

fn role_name(role: crate::model::Role) -> &'static str {
    match role {
        crate::model::Role::Member => "member",
        crate::model::Role::Manager => "manager",
    }
}

/// The parent each created or moved team will have after the plan.
fn final_parents(actions: &[PlannedAction]) -> BTreeMap<String, Option<String>> {
    actions
        .iter()
        .filter_map(|planned| match &planned.action {
            Action::CreateTeam {
                external_id,
                parent,
                ..
            } => Some((external_id.clone(), parent.clone())),
            Action::MoveTeam {
                external_id, to, ..
            } => Some((external_id.clone(), to.clone())),
            _ => None,
        })
        .collect()
}

/// How many created/moved ancestors a team has, so those go first. Bounded by the number of
/// teams, so a (malformed) cycle cannot loop forever.
fn depth(team: &str, parents: &BTreeMap<String, Option<String>>) -> usize {
    let mut depth = 0;
    let mut at = team;
    while let Some(Some(parent)) = parents.get(at) {
        if !parents.contains_key(parent.as_str()) || depth > parents.len() {
            break;
        }
        depth += 1;
        at = parent;
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::permute;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn permute_places_each_item_where_the_order_says(
            order in (0usize..40).prop_flat_map(|n| Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        ) {
            let items: Vec<usize> = (100..100 + order.len()).collect();
            let expected: Vec<usize> = order.iter().map(|&i| items[i]).collect();
            let mut permuted = items.clone();
            permute(&mut permuted, order);
            prop_assert_eq!(permuted, expected);
        }
    }
}
