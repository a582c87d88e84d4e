//! Users: matching desired users to Winningtemp users, attribute updates, status, and pausing
//! users the source no longer has.

use super::user_changes::{
    create_user, proposed_usernames, settle_usernames, shared_usernames, update_user,
};
use super::{Input, Protection, rule_because, warning};
use crate::action::{Action, PlannedAction, sort_actions};
use crate::diagnostics::Code;
use crate::model::{
    AttrKey, Attributes, CurrentUser, DesiredUser, MatchKey, UserRemoval, UserStatus,
    text_attribute,
};
use crate::value::order_prefix;
use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Which Winningtemp user each desired user is, and the username every user has after the
/// plan: what the user actions and the relation diffs both start from. [`Users`] is the view
/// the relation diffs read.
#[derive(Debug, Default)]
pub(crate) struct Matching<'a> {
    /// Each desired user's match, in external-ID order.
    matches: Vec<(&'a str, Match)>,
    /// The username every current user has after the plan (index-aligned with the state).
    finals: Vec<&'a str>,
    /// The username of each desired user to create (index-aligned with `matches`).
    created: Vec<Option<&'a str>>,
    /// Current users left exactly as they are (protected, or contested by several records).
    untouchable: Vec<bool>,
}

/// What the relation diffs need to know about users after the user diff.
#[derive(Debug, Default)]
pub(crate) struct Users<'a> {
    /// The positions (among the desired users) of the users that will exist, sorted by the
    /// username they will have. Relations are planned in this order, which is the plan's, so
    /// they need no sorting of their own (usernames are unique after the user diff).
    pub by_username: Vec<usize>,
    /// Each desired user's username after the plan (`None` for a user left out), made once
    /// and shared by every action that names the user: its `create_user` and all its
    /// memberships (at 100k users a copy per action was 200,000 small strings).
    pub names: Vec<Option<Arc<str>>>,
    /// Current username → the username after the plan, or `None` when the user is left
    /// exactly as it is (protected by a skipped/quarantined record, or contested by two records).
    pub current: HashMap<&'a str, Option<&'a str>>,
}

impl<'a> Matching<'a> {
    /// The usernames the relation diffs work with.
    pub(crate) fn users(&self, input: &Input<'a>) -> Users<'a> {
        let mut users = Users {
            by_username: Vec::with_capacity(self.matches.len()),
            names: Vec::with_capacity(self.matches.len()),
            current: HashMap::with_capacity(input.given.current.users.len()),
        };
        for (index, user) in input.given.current.users.iter().enumerate() {
            let after = (!self.untouchable[index]).then_some(self.finals[index]);
            users.current.insert(user.username.as_str(), after);
        }
        let mut keyed: Vec<(u64, &str, usize)> = Vec::with_capacity(self.matches.len());
        for (position, (_, m)) in self.matches.iter().enumerate() {
            let name = match *m {
                Match::Existing { index, .. } => Some(self.finals[index]),
                Match::New => self.created[position],
                Match::Held => None,
            };
            if let Some(name) = name {
                keyed.push((order_prefix(name), name, position));
            }
            users.names.push(name.map(Arc::from));
        }
        // A million usernames sort mostly on their first eight bytes, without reading the
        // strings (which lie all over memory). In place: no sort buffer.
        // Names proposed before clashes are settled may repeat (see `match_all`); then the
        // users' view is made again from the settled ones.
        keyed.sort_unstable();
        users
            .by_username
            .extend(keyed.into_iter().map(|(_, _, position)| position));
        users
    }
}

impl Users<'_> {
    /// The users that will exist in username order: each one's shared username and its
    /// position among the desired users.
    pub(crate) fn named(&self) -> impl Iterator<Item = (&Arc<str>, usize)> {
        self.by_username
            .iter()
            .filter_map(|&position| Some((self.names.get(position)?.as_ref()?, position)))
    }
}

/// How one desired user relates to Winningtemp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Match {
    /// The current user at this index; `link` when found by email/username.
    Existing { index: usize, link: bool },
    /// Not in Winningtemp: create.
    New,
    /// Left out of the plan (a warning says why).
    Held,
}

/// The user's `email` attribute, when it is text.
pub(crate) fn email_of(attributes: &Attributes) -> Option<&str> {
    text_attribute(attributes, "email")
}

pub(super) fn username_of(user: &DesiredUser) -> Option<&str> {
    user.attributes
        .text_of(AttrKey::USERNAME)
        .filter(|name| !name.is_empty())
}

/// Matches the desired users to the current ones and settles every username; pushes the
/// warnings about users it holds back into `out`. Returns the matching and the relation
/// diffs' view of the users, both made on two cores when `two_cores`.
pub(crate) fn match_all<'a>(
    input: &Input<'a>,
    protection: &Protection,
    two_cores: bool,
    out: &mut super::Diff,
) -> (Matching<'a>, Users<'a>) {
    let current = &input.given.current.users;
    let (matches, claimed) = match_users(input, protection, out);
    let (finals, created) = proposed_usernames(input, &matches);
    let untouchable: Vec<bool> = current
        .iter()
        .enumerate()
        .map(|(index, user)| claimed.contains(&index) || protection.covers(user))
        .collect();
    let mut matching = Matching {
        matches,
        finals,
        created,
        untouchable,
    };
    // Usually no two users would share a username: the users' view is made from the proposed
    // usernames while they are counted, and made again in a run where one is shared. At 100k
    // users each takes ~15 ms on one core (`WTMAP_TIMINGS`).
    let (shared, users) = crate::parallel::join(
        two_cores,
        || shared_usernames(&matching.finals, &matching.created),
        || matching.users(input),
    );
    let settled = (&mut matching.finals[..], &mut matching.created[..]);
    let users = if settle_usernames(input, &matching.matches, settled, shared, out) {
        matching.users(input)
    } else {
        users
    };
    debug_assert!(
        users
            .named()
            .zip(users.named().skip(1))
            .all(|(a, b)| a.0 != b.0),
        "two desired users with one username"
    );
    (matching, users)
}

/// The user actions, each kind listed apart and, but for the pauses, already in the plan's order
/// for its kind (`action::order`: external ID, links before other updates). So they are put
/// in place without sorting; sorting the whole plan took a 100k plan ~11 ms on one core,
/// most of it comparing usernames that lie all over memory (docs/benchmarks.md, issue 20).
#[derive(Default)]
pub(crate) struct UserActions<'a> {
    /// `create_user`, in external-ID order, as each desired user and the username it will
    /// have: made into actions straight into the plan's list (see `diff_from`). Most of a
    /// first run's user actions: as 16-byte pairs, no list of 64-byte actions is held beside
    /// the plan's.
    pub creates: Vec<(&'a DesiredUser, &'a Arc<str>)>,
    /// `update_user` that links a user.
    pub links: Vec<PlannedAction>,
    /// Any other `update_user`.
    pub updates: Vec<PlannedAction>,
    /// `reactivate_user`.
    pub reactivations: Vec<PlannedAction>,
    /// `pause_user`, sorted by username (users matched by external ID and unmatched users
    /// are paused in two passes, so these are sorted once at the end).
    pub pauses: Vec<PlannedAction>,
}

impl UserActions<'_> {
    /// Lists `planned` with its kind.
    fn push(&mut self, planned: PlannedAction) {
        debug_assert!(
            matches!(
                planned.action,
                Action::UpdateUser { .. }
                    | Action::ReactivateUser { .. }
                    | Action::PauseUser { .. }
            ),
            "update_user makes no other kind of action"
        );
        let list = match &planned.action {
            Action::UpdateUser { link: true, .. } => &mut self.links,
            Action::ReactivateUser { .. } => &mut self.reactivations,
            Action::PauseUser { .. } => &mut self.pauses,
            // Only other updates (see above).
            _ => &mut self.updates,
        };
        list.push(planned);
    }

    /// The actions in the plan's order but the pauses (which go after the relation actions).
    pub(crate) fn before_relations(self) -> impl Iterator<Item = PlannedAction> {
        let creates = self
            .creates
            .into_iter()
            .map(|(desired, username)| create_user(desired, Arc::clone(username)));
        creates
            .chain(self.links)
            .chain(self.updates)
            .chain(self.reactivations)
    }
}

/// Lists the user actions (create, update, link, status, pause) in `listed`.
pub(crate) fn user_actions<'a>(
    input: &Input<'a>,
    matching: &Matching<'_>,
    named: &'a Users<'_>,
    listed: &mut UserActions<'a>,
) {
    let current = &input.given.current.users;
    let mut matched = vec![false; current.len()];
    let mut updates = Vec::new();
    let users = input.desired.users.iter().zip(&matching.matches);
    for (position, ((_, desired), (_, m))) in users.enumerate() {
        match *m {
            Match::Existing { index, link } => {
                matched[index] = true;
                let user = &current[index];
                update_user(
                    input,
                    desired,
                    user,
                    matching.finals[index],
                    link,
                    &mut updates,
                );
                updates.drain(..).for_each(|a| listed.push(a));
            }
            Match::New => {
                if let Some(Some(username)) = named.names.get(position) {
                    listed.creates.push((desired, username));
                }
            }
            Match::Held => {}
        }
    }

    // One `because` for every pause: the rule is the same for all of them.
    let (only_external_ids, rule) = match input.given.rules.user_removal {
        UserRemoval::OnlyExternalId => (true, "user_removal = only_external_id"),
        UserRemoval::All => (false, "user_removal = all"),
    };
    let because = rule_because(rule, input);
    for (index, user) in current.iter().enumerate() {
        if matched[index] || matching.untouchable[index] {
            continue;
        }
        let in_scope = !only_external_ids || user.external_id.is_some();
        if in_scope && user.status == UserStatus::Active {
            listed.pauses.push(PlannedAction {
                action: Action::PauseUser {
                    external_id: user.external_id.as_deref().map(Box::from),
                    username: Box::from(&*user.username),
                },
                because: because.clone(),
            });
        }
    }
    sort_actions(&mut listed.pauses);
}

/// Matches every desired user. Returns the matches and the current users contested by several
/// records (left alone).
fn match_users<'a>(
    input: &Input<'a>,
    protection: &Protection,
    out: &mut super::Diff,
) -> (Vec<(&'a str, Match)>, BTreeSet<usize>) {
    let current = &input.given.current.users;
    let mut by_external_id = HashMap::with_capacity(current.len());
    // Fallback keys only reach users not linked yet: a linked user belongs to its external ID.
    let mut unlinked: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (index, user) in current.iter().enumerate() {
        match &user.external_id {
            Some(id) => {
                by_external_id.insert(id.as_str(), index);
            }
            None => {
                unlinked
                    .entry(user.username.to_lowercase())
                    .or_default()
                    .insert(index);
                if let Some(email) = email_of(&user.attributes) {
                    unlinked
                        .entry(email.to_lowercase())
                        .or_default()
                        .insert(index);
                }
            }
        }
    }

    // One entry per desired user, in the desired users' (external ID) order.
    let mut matches: Vec<(&str, Match)> = Vec::with_capacity(input.desired.users.len());
    let mut claimed = BTreeSet::new();
    let mut link_claims: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (external_id, desired) in &input.desired.users {
        let id = external_id.as_str();
        // A user's record is named by its external ID.
        let record = Some(id);
        let found = match by_external_id.get(id) {
            Some(&index) => Some((index, false)),
            None => match fallback(desired, input.given.match_keys, &unlinked) {
                Fallback::Found(index) => Some((index, true)),
                Fallback::NotFound => None,
                Fallback::Ambiguous(key, candidates) => {
                    let names = usernames(current, &candidates);
                    out.warnings.push(warning(
                        Code::AmbiguousMatch,
                        record,
                        format!(
                            "user `{id}` matches several Winningtemp users by {key} ({names}); \
                             none is linked or changed"
                        ),
                    ));
                    claimed.extend(candidates);
                    matches.push((id, Match::Held));
                    continue;
                }
            },
        };
        let m = match found {
            Some((index, _))
                if protection.covers(&current[index]) || protection.covers_desired(desired) =>
            {
                out.warnings.push(warning(
                    Code::ProtectedMatch,
                    record,
                    format!(
                        "user `{id}` matches Winningtemp user `{}`, and a skipped or quarantined \
                         record names the same person; it is left as it is",
                        current[index].username
                    ),
                ));
                // Held, so its user must not look like a leaver either.
                claimed.insert(index);
                Match::Held
            }
            None if protection.covers_desired(desired) => {
                out.warnings.push(warning(
                    Code::ProtectedMatch,
                    record,
                    format!(
                        "user `{id}` has the username or email of a skipped or quarantined record; \
                         it is not created"
                    ),
                ));
                Match::Held
            }
            Some((index, link)) => {
                if link {
                    link_claims.entry(index).or_default().push(id);
                }
                Match::Existing { index, link }
            }
            None => Match::New,
        };
        matches.push((id, m));
    }

    // A user that any record finds ambiguously, or that several records find, is linked by
    // none of them: linking one now would change what the others find on the next run.
    let contested_by_ambiguity = claimed.clone();
    for (index, ids) in link_claims {
        if ids.len() > 1 || contested_by_ambiguity.contains(&index) {
            let list: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            let username = &current[index].username;
            let message = if ids.len() > 1 {
                format!(
                    "users {} all match the unlinked Winningtemp user `{username}`; none is linked",
                    list.join(", ")
                )
            } else {
                format!(
                    "user {} matches the unlinked Winningtemp user `{username}`, which another \
                     record matches too; it is not linked",
                    list.join(", ")
                )
            };
            out.warnings
                .push(warning(Code::AmbiguousLink, None, message));
            claimed.insert(index);
            for id in ids {
                // `matches` is sorted by external ID: the desired users are a BTreeMap.
                if let Ok(at) = matches.binary_search_by(|(m, _)| (*m).cmp(id)) {
                    matches[at].1 = Match::Held;
                }
            }
        }
    }
    (matches, claimed)
}

enum Fallback {
    Found(usize),
    NotFound,
    Ambiguous(&'static str, Vec<usize>),
}

/// Tries the fallback keys in order; the first key that finds anyone decides.
fn fallback(
    desired: &DesiredUser,
    keys: &[MatchKey],
    unlinked: &HashMap<String, BTreeSet<usize>>,
) -> Fallback {
    for key in keys {
        let (name, value) = match key {
            MatchKey::ExternalId => continue,
            MatchKey::Email => ("email", desired.attributes.text_of(AttrKey::EMAIL)),
            MatchKey::Username => ("username", username_of(desired)),
        };
        let Some(value) = value else { continue };
        let Some(candidates) = unlinked.get(crate::value::lowercase(value).as_ref()) else {
            continue;
        };
        match candidates.len() {
            0 => continue,
            1 => {
                return candidates
                    .first()
                    .map_or(Fallback::NotFound, |&i| Fallback::Found(i));
            }
            _ => return Fallback::Ambiguous(name, candidates.iter().copied().collect()),
        }
    }
    Fallback::NotFound
}

/// The users' names, sorted so the text does not depend on the order of the state file.
fn usernames(current: &[CurrentUser], indices: &[usize]) -> String {
    let mut names: Vec<String> = indices
        .iter()
        .map(|&i| format!("`{}`", current[i].username))
        .collect();
    names.sort();
    names.join(", ")
}
