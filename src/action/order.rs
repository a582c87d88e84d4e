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
use foldhash::{HashMap, HashSet};
use std::collections::BTreeMap;

/// Sorts actions into execution order (stable; equal keys keep their order).
pub fn sort_actions(actions: &mut [PlannedAction]) {
    // A plan that fits in memory has far fewer than 2^32 actions; the other branch is there
    // so that no length can go wrong.
    if u32::try_from(actions.len()).is_ok() {
        sort_by_position::<u32>(actions);
    } else {
        sort_by_position::<usize>(actions);
    }
}

/// Positions are sorted and the actions moved once: a key per action would be ~90 bytes, a
/// position is 4. A 1M-user plan (3M actions) peaks while it is sorted: 4-byte positions and
/// ranks worked out when compared (not listed, 8 bytes an action) cut the sort's memory
/// from ~60 to ~18 MB there (docs/benchmarks.md, issue 20).
pub(crate) fn sort_by_position<P: Position>(actions: &mut [PlannedAction]) {
    let order: Vec<P> = {
        let ranks = Ranks::of(actions);
        let mut order: Vec<P> = (0..actions.len()).map(P::of).collect();
        // The diff emits each kind of action already in key order, so the input is a few
        // sorted runs: the stable sort merges runs instead of sorting from scratch.
        order.sort_by(|a, b| compare(actions, &ranks, a.at(), b.at()));
        order
    };
    permute(actions, order);
}

/// A place in the list of actions, as the sort keeps it.
pub(crate) trait Position: Copy + Eq {
    /// Place `at` (which fits: checked by the caller).
    fn of(at: usize) -> Self;
    /// The place.
    fn at(self) -> usize;
}

impl Position for u32 {
    fn of(at: usize) -> u32 {
        u32::try_from(at).unwrap_or(u32::MAX)
    }
    fn at(self) -> usize {
        self as usize
    }
}

impl Position for usize {
    fn of(at: usize) -> usize {
        at
    }
    fn at(self) -> usize {
        self
    }
}

/// Whether the actions are in execution order (what [`sort_actions`] leaves).
pub(crate) fn in_order(actions: &[PlannedAction]) -> bool {
    let ranks = Ranks::of(actions);
    (1..actions.len()).all(|b| compare(actions, &ranks, b - 1, b) != std::cmp::Ordering::Greater)
}

/// Each action's rank: its phase (the step of the order above) and its rank within the phase
/// (a team's depth among created/moved teams), packed. Most follow from the action alone and
/// are worked out when compared; the created/moved teams' depths and the role changes among
/// the membership removals depend on other actions, so those few are kept, found in one pass
/// over the actions (a plan of a million users is hundreds of megabytes: each pass costs).
struct Ranks {
    /// The ranks of created/moved teams and of removals that are role changes, by position.
    apart: HashMap<usize, u64>,
}

impl Ranks {
    fn of(actions: &[PlannedAction]) -> Ranks {
        let mut apart = HashMap::default();
        let mut parents: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        let mut teams = Vec::new();
        let mut removals = Vec::new();
        for (at, planned) in actions.iter().enumerate() {
            match &planned.action {
                Action::CreateTeam {
                    external_id,
                    parent,
                    ..
                } => {
                    parents.insert(external_id, parent.as_deref());
                    teams.push((at, &**external_id));
                }
                Action::MoveTeam {
                    external_id, to, ..
                } => {
                    parents.insert(external_id, to.as_deref());
                    teams.push((at, &**external_id));
                }
                Action::RemoveMembership { user, team, .. } => {
                    removals.push((at, (&**user, &**team)));
                }
                _ => {}
            }
        }
        for (at, team) in teams {
            // A depth is bounded by the number of teams, far below 2^56.
            let depth = depth(team, &parents) as u64 & ((1 << 56) - 1);
            apart.insert(at, own_rank(&actions[at].action) | depth);
        }
        if !removals.is_empty() {
            // A removal of a membership that is also added is a role change: it goes with the
            // adds.
            let removed: HashSet<(&str, &str)> = removals.iter().map(|&(_, pair)| pair).collect();
            let added: HashSet<(&str, &str)> = actions
                .iter()
                .filter_map(|planned| match &planned.action {
                    Action::AddMembership { user, team, .. } => Some((&**user, &**team)),
                    _ => None,
                })
                .filter(|pair| removed.contains(pair))
                .collect();
            for (at, pair) in removals {
                if added.contains(&pair) {
                    apart.insert(at, 7 << 56);
                }
            }
        }
        Ranks { apart }
    }

    /// The rank of the action at `at`.
    fn at(&self, actions: &[PlannedAction], at: usize) -> u64 {
        let action = &actions[at].action;
        match action {
            Action::CreateTeam { .. }
            | Action::MoveTeam { .. }
            | Action::RemoveMembership { .. } => self
                .apart
                .get(&at)
                .copied()
                .unwrap_or_else(|| own_rank(action)),
            _ => own_rank(action),
        }
    }
}

/// The rank an action has on its own: its phase, and for an update whether it links.
fn own_rank(action: &Action) -> u64 {
    let phase: u64 = match action {
        Action::CreateTeam { .. } => 0,
        Action::RenameTeam { .. } => 1,
        Action::MoveTeam { .. } => 2,
        Action::CreateSegment { .. } => 3,
        Action::CreateUser { .. } => 4,
        Action::UpdateUser { link, .. } => return (5 << 56) | u64::from(!*link),
        Action::ReactivateUser { .. } => 6,
        Action::AddMembership { .. } => 7,
        Action::RemoveMembership { .. } => REMOVE_MEMBERSHIP,
        Action::AddSegmentConnection { .. } => 8,
        Action::RemoveSegmentConnection { .. } => 10,
        Action::PauseUser { .. } => 11,
    };
    phase << 56
}

/// The execution order of the actions at `a` and `b`.
fn compare(actions: &[PlannedAction], ranks: &Ranks, a: usize, b: usize) -> std::cmp::Ordering {
    let (x, y) = (&actions[a].action, &actions[b].action);
    let (rank_a, rank_b) = (ranks.at(actions, a), ranks.at(actions, b));
    rank_a
        .cmp(&rank_b)
        .then_with(|| names(x, rank_a).cmp(&names(y, rank_b)))
        .then_with(|| tie_break(x).cmp(&tie_break(y)))
}

/// Puts `items[order[k]]` at position `k` for every `k`, in place (following each cycle of the
/// permutation with swaps): a plan of a million users must not be copied to be reordered.
fn permute<T, P: Position>(items: &mut [T], mut order: Vec<P>) {
    for start in 0..items.len() {
        let mut at = start;
        while order[at].at() != start {
            let from = order[at].at();
            items.swap(at, from);
            order[at] = P::of(at);
            at = from;
        }
        order[at] = P::of(at);
    }
}

/// The phase of a `remove_membership` that is not a role change.
const REMOVE_MEMBERSHIP: u64 = 9;

/// The key parts after the rank: external ID, or username then team/segment (and the role of
/// a removal that is not a role change: a role change's removal ranks with the adds).
fn names(action: &Action, rank: u64) -> [&str; 3] {
    match action {
        Action::CreateTeam { external_id, .. }
        | Action::RenameTeam { external_id, .. }
        | Action::MoveTeam { external_id, .. }
        | Action::CreateSegment { external_id, .. }
        | Action::CreateUser { external_id, .. }
        | Action::UpdateUser { external_id, .. }
        | Action::ReactivateUser { external_id, .. } => [external_id, "", ""],
        Action::AddMembership { user, team, .. } => [user, team, ""],
        Action::RemoveMembership { user, team, role } if rank >> 56 == REMOVE_MEMBERSHIP => {
            [user, team, role_name(*role)]
        }
        Action::RemoveMembership { user, team, .. } => [user, team, ""],
        Action::AddSegmentConnection { user, segment }
        | Action::RemoveSegmentConnection { user, segment } => [user, segment, ""],
        Action::PauseUser { username, .. } => [username, "", ""],
    }
}

/// Equal keys: a role change's removal goes right before its add.
fn tie_break(action: &Action) -> u8 {
    u8::from(matches!(action, Action::AddMembership { .. }))
}

fn role_name(role: crate::model::Role) -> &'static str {
    match role {
        crate::model::Role::Member => "member",
        crate::model::Role::Manager => "manager",
    }
}

/// How many created/moved ancestors a team has, so those go first. Bounded by the number of
/// teams, so a (malformed) cycle cannot loop forever.
fn depth(team: &str, parents: &BTreeMap<&str, Option<&str>>) -> usize {
    let mut depth = 0;
    let mut at = team;
    while let Some(&Some(parent)) = parents.get(at) {
        if !parents.contains_key(parent) || depth > parents.len() {
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
