//! Desired state − current state = actions. Pure: no I/O, no clock; the same inputs always give
//! the same actions in the same order.
//!
//! The semantics (matching, the four Winningtemp configuration rules, and what is never
//! touched) are documented in docs/plan.md; the tests in `tests.rs` pin each of them.

mod memberships;
mod teams;
mod user_changes;
mod users;

#[cfg(test)]
pub(crate) mod tests;

use crate::action::{PlannedAction, sort_actions};
use crate::diagnostics::Code;
use crate::model::{Because, CurrentState, DesiredState, MatchKey, Rules, RunWarning};
use crate::value::lowercase;
use foldhash::HashSet;
use std::collections::BTreeSet;

/// Everything the diff reads besides the desired state.
#[derive(Debug, Clone, Copy)]
pub struct DiffInput<'a> {
    /// What Winningtemp holds.
    pub current: &'a CurrentState,
    /// The integration's configuration rules.
    pub rules: &'a Rules,
    /// `match by …` keys in order; `external_id` is always tried first whether listed or not.
    pub match_keys: &'a [MatchKey],
    /// Attributes the mapping maps. An attribute in this set that a user lacks in the desired
    /// state evaluated empty and is cleared; any other absent attribute is left alone.
    pub mapped_attributes: &'a BTreeSet<String>,
    /// 1-based line of the `rules { … }` block (0 when the mapping has none); it is the
    /// `because` of pauses and removals of things the source no longer has.
    pub rules_line: usize,
    /// 1-based line of the `match by …` statement (0 when absent); the `because` of links.
    pub match_line: usize,
}

/// What the diff's parts read: the desired state and the [`DiffInput`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input<'a> {
    /// What the mapping wants.
    pub desired: &'a DesiredState,
    /// Everything else.
    pub given: &'a DiffInput<'a>,
}

/// The diff's result: unordered-then-sorted actions, and warnings about things it left alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// Actions in execution order (see [`sort_actions`]).
    pub actions: Vec<PlannedAction>,
    /// Why something the mapping wanted was left out (`W06xx`).
    pub warnings: Vec<RunWarning>,
}

/// From this many desired users, the diff's independent steps run on two cores.
const ON_TWO_CORES_FROM: usize = 4096;

/// Computes the actions that make `current` look like `desired` under the given rules.
/// `desired` is complete (`eval` made its memberships) and is only read: the users it creates
/// share their attributes with their create actions.
pub fn diff(desired: &DesiredState, given: &DiffInput<'_>) -> Diff {
    diff_from(desired, given, ON_TWO_CORES_FROM)
}

/// [`diff`], on two cores from `two_cores_from` desired users (tests set it to 0 and to
/// `usize::MAX` to compare both ways on small cases).
fn diff_from(desired: &DesiredState, given: &DiffInput<'_>, two_cores_from: usize) -> Diff {
    let input = Input { desired, given };
    let protection = Protection::of(input.desired);
    let mut out = Diff::default();
    // Room for every action the diff can make, so a plan of a million actions is never copied
    // to grow (room that stays unused is never touched, so costs no memory).
    let wanted = &input.desired.memberships.roles;
    let connections: usize = input.desired.users.values().map(|u| u.segments.len()).sum();
    let relations_room = wanted.len() * 2
        + connections
        + input.given.current.memberships.len()
        + input.given.current.segment_connections.len();
    let users_room = input.desired.teams.len() * 2
        + input.desired.segments.len()
        + input.desired.users.len()
        + input.given.current.users.len();
    out.actions.extend(teams::diff_teams(&input));
    out.actions.extend(teams::diff_segments(&input));
    // Teams go parents first, which their keys do not say: the few team and segment actions
    // are sorted. Every other kind of action is made in the plan's order for its kind, and the
    // kinds are put one after the other in the plan's order (`action::order`), so the plan
    // (300,000 actions at 100k users) is not sorted: that took ~11 ms on one core, and
    // without it a first 100k plan takes 0.94x the time, a 1M plan 0.91x (docs/benchmarks.md,
    // issue 20). `Plan::new` checks the order in debug builds, and a property test compares it
    // with `sort_actions`'.
    sort_actions(&mut out.actions);
    // The users are matched (and listed by their usernames after the plan). Then the user
    // actions are made on this core, straight into the plan's list, while the relation diffs
    // plan memberships and segment connections on the other: both start from the matching,
    // and neither needs the other's actions. The relations are handed over in chunks
    // (`parallel::stream`) and join the list behind the user actions as they come, so no
    // action is moved twice and no list is held whole twice. At `ffde3ef` the relations
    // went into the list first and the user actions were made in front of them afterwards,
    // on one core while the other waited: now a first 100k plan takes 0.95x the time and a
    // 1M plan 0.96x; the relations made while the creates are made wait in chunks, 4 MB more
    // at the 100k peak, 37 MB at 1M (docs/benchmarks.md, issue 20).
    let big = input.desired.users.len() >= two_cores_from;
    let (matching, relation_users) = users::match_all(&input, &protection, big, &mut out);
    crate::timings::stage("diff: users matched");
    let mut actions = Vec::with_capacity(users_room + relations_room);
    actions.append(&mut out.actions);
    let ((mut actions, mut pauses), mut warnings) = crate::parallel::stream(
        big,
        || {
            let mut user_actions = users::UserActions::default();
            user_actions.creates.reserve(input.desired.users.len());
            users::user_actions(&input, &matching, &relation_users, &mut user_actions);
            let pauses = std::mem::take(&mut user_actions.pauses);
            actions.extend(user_actions.before_relations());
            (actions, pauses)
        },
        |relations| {
            let mut warnings = Vec::new();
            let memberships_removed = memberships::diff_memberships(
                &input,
                &relation_users,
                wanted,
                relations,
                &mut warnings,
            );
            let connections_removed = memberships::diff_segment_connections(
                &input,
                &relation_users,
                relations,
                &mut warnings,
            );
            // The additions of both kinds go before the removals of both.
            relations.extend(memberships_removed);
            relations.extend(connections_removed);
            warnings
        },
        |(actions, _), relations| actions.append(relations),
    );
    actions.append(&mut pauses);
    out.actions = actions;
    out.warnings.append(&mut warnings);
    crate::timings::stage("diff: user and relation actions");
    // Warnings are found in an order that depends on the state file's order; sort them so the
    // plan does not.
    out.warnings.sort();
    out
}

/// Users a skipped or quarantined record still stands for: they are left exactly as they are.
#[derive(Debug, Default)]
pub(crate) struct Protection {
    external_ids: HashSet<String>,
    /// Lowercased usernames/emails.
    names: HashSet<String>,
}

impl Protection {
    fn of(desired: &DesiredState) -> Protection {
        let mut p = Protection::default();
        let skipped = desired
            .skipped
            .iter()
            .map(|s| (&s.external_id, &s.username));
        let quarantined = desired
            .quarantined
            .iter()
            .map(|q| (&q.external_id, &q.username));
        for (external_id, username) in skipped.chain(quarantined) {
            if let Some(id) = external_id {
                p.external_ids.insert(id.clone());
            }
            if let Some(name) = username {
                p.names.insert(name.to_lowercase());
            }
        }
        p
    }

    /// True when a desired user names the same person as a skipped/quarantined record (same
    /// external ID, or its username or email): two records for one person, so neither is used.
    pub(crate) fn covers_desired(&self, user: &crate::model::DesiredUser) -> bool {
        let named = |key: &str| {
            user.attributes
                .text(key)
                .is_some_and(|name| self.names.contains(lowercase(name).as_ref()))
        };
        // Nothing is protected in most runs: skip the lookups.
        if self.external_ids.is_empty() && self.names.is_empty() {
            return false;
        }
        self.external_ids.contains(&user.external_id) || named("username") || named("email")
    }

    /// True when a current user must not be touched: its external ID, username or email is
    /// claimed by a skipped/quarantined record.
    pub(crate) fn covers(&self, user: &crate::model::CurrentUser) -> bool {
        // Nothing is protected in most runs: skip the lookups (and the lowercasing).
        if self.external_ids.is_empty() && self.names.is_empty() {
            return false;
        }
        user.external_id
            .as_ref()
            .is_some_and(|id| self.external_ids.contains(id))
            || self.names.contains(lowercase(&user.username).as_ref())
            || users::email_of(&user.attributes)
                .is_some_and(|email| self.names.contains(lowercase(email).as_ref()))
    }
}

/// `because` for things done because the source no longer has them (pauses, removals).
pub(crate) fn rule_because(rule: &str, input: &Input<'_>) -> Because {
    Because::new(format!("{rule} (not in source)"), input.given.rules_line)
}

fn warning(code: Code, record_id: Option<&str>, message: String) -> RunWarning {
    RunWarning {
        code: code.as_str().to_string(),
        record_id: record_id.map(str::to_string),
        message,
    }
}
