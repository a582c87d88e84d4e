//! From per-record outcomes to the desired state: duplicate keys quarantine every record
//! involved, teams get path-derived IDs, managers become managers of their reports' teams.

use super::record::{MappedUser, Outcome, Quarantine, Skip};
use super::team_path::TeamPath;
use crate::check::program::GroupPathRule;
use crate::diagnostics::Code;
use crate::model::*;
use litemap::LiteMap;
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::sync::Arc;

/// An outcome with the record it came from.
pub struct Evaluated {
    /// Record number (0-based).
    pub index: usize,
    /// Line in the records file, when known.
    pub line: Option<usize>,
    /// What happened.
    pub outcome: Outcome,
    /// A user's keys that must be unique, hashed on the thread that evaluated the record
    /// (that is every core, and the user's strings are still in its cache).
    pub keys: KeyHashes,
    /// The used fields the record fills (see [`super::fill`]).
    pub filled: super::fill::FillMask,
}

impl Evaluated {
    /// The outcome of record `index` (at `line`), with its keys hashed.
    pub fn new(index: usize, line: Option<usize>, outcome: Outcome) -> Evaluated {
        let keys = match &outcome {
            Outcome::User(user) => KeyHashes::of(user),
            _ => KeyHashes::default(),
        };
        Evaluated {
            index,
            line,
            outcome,
            keys,
            filled: Default::default(),
        }
    }
}

/// Hashes of the keys no two users may share, in the order of [`UNIQUE_KEYS`] (`None`: the
/// user has no such key). 32 bits are plenty: equal hashes only lead to comparing the keys,
/// and every record carries these.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHashes([Option<NonZeroU32>; 3]);

impl KeyHashes {
    fn of(user: &MappedUser) -> KeyHashes {
        let mut hashes = [None; 3];
        let mut previous: Option<(&str, bool, NonZeroU32)> = None;
        for (hash, unique) in hashes.iter_mut().zip(&UNIQUE_KEYS) {
            let Some(text) = (unique.text)(user) else {
                continue;
            };
            // Mappings usually make the email the username (`lower(trim(EmailWork))` twice):
            // the same text is lowercased and hashed once.
            let h = match previous {
                Some((seen, ignore_case, h))
                    if seen == text && ignore_case == unique.ignore_case =>
                {
                    h
                }
                _ => hash_key(&unique.key_of(text)),
            };
            *hash = Some(h);
            previous = Some((text, unique.ignore_case, h));
        }
        KeyHashes(hashes)
    }
}

/// A key no two users may share.
struct UniqueKey {
    /// What it is called in the quarantine reason (`external ID`).
    what: &'static str,
    /// The attribute whose statement a clash is blamed on.
    attribute: &'static str,
    /// The quarantine code of a clash.
    code: Code,
    /// The key's text (borrowed: this runs over every record).
    text: for<'a> fn(&'a MappedUser) -> Option<&'a str>,
    /// Whether case is ignored (the key is the text lowercased).
    ignore_case: bool,
}

impl UniqueKey {
    /// The key of a user, when it has one.
    fn key<'a>(&self, user: &'a MappedUser) -> Option<Cow<'a, str>> {
        (self.text)(user).map(|text| self.key_of(text))
    }

    /// The key a text makes.
    fn key_of<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.ignore_case {
            crate::value::lowercase(text)
        } else {
            Cow::Borrowed(text)
        }
    }
}

/// External ID, username and email: each names one person, so a shared one is a clash.
/// Usernames and emails are compared ignoring case, as Winningtemp does.
const UNIQUE_KEYS: [UniqueKey; 3] = [
    UniqueKey {
        what: "external ID",
        attribute: "external_id",
        code: Code::DuplicateExternalId,
        text: |u| Some(u.external_id.as_str()),
        ignore_case: false,
    },
    UniqueKey {
        what: "username",
        attribute: "username",
        code: Code::DuplicateUsername,
        text: |u| u.attributes.text_of(AttrKey::USERNAME),
        ignore_case: true,
    },
    UniqueKey {
        what: "email",
        attribute: "email",
        code: Code::DuplicateEmail,
        text: |u| u.attributes.text_of(AttrKey::EMAIL),
        ignore_case: true,
    },
];

impl crate::records::Numbered for Evaluated {
    fn renumber(&mut self, by: usize) {
        self.index += by;
    }
}

/// The name of a record in reports: its external ID, or its position (`#3 (line 4)`).
pub fn record_label(index: usize, line: Option<usize>, external_id: Option<&str>) -> String {
    crate::model::record_label(external_id, index + 1, line, false)
}

/// Segment external ID: `Category:Name`, with every `:` and `\` of the category escaped
/// with `\`, so the first unescaped `:` ends the category and no two (category, name) pairs
/// share an ID. A category without `:` or `\` (all of them, in practice) gives the same ID
/// as before the escaping.
pub fn segment_id(category: &str, name: &str) -> String {
    if !category.contains([':', '\\']) {
        return format!("{category}:{name}");
    }
    let mut id = String::with_capacity(category.len() + name.len() + 4);
    for c in category.chars() {
        if c == ':' || c == '\\' {
            id.push('\\');
        }
        id.push(c);
    }
    id.push(':');
    id.push_str(name);
    id
}

/// A mapped user with its record's index and line and its keys' hashes.
type UserEntry = (usize, Option<usize>, Box<MappedUser>, KeyHashes);

/// Assembles the desired state, memberships included.
pub fn build(
    outcomes: Vec<Evaluated>,
    source_records: usize,
    reasons: &Arc<Reasons>,
    group: Option<&GroupPathRule>,
    manager_because: Option<&Because>,
) -> DesiredState {
    let mut state = DesiredState {
        source_records,
        ..DesiredState::default()
    };
    // Skipped and quarantined records with their positions: the lists are shown in record
    // order (`#2` before `#10`), whatever their labels are.
    let mut skipped: Vec<(usize, SkippedRecord)> = Vec::new();
    let mut quarantined: Vec<(usize, QuarantinedRecord)> = Vec::new();
    // Collected in place: the users (pointers to them) take over the outcomes' memory.
    let users: Vec<UserEntry> = outcomes
        .into_iter()
        .filter_map(|e| match e.outcome {
            Outcome::User(u) => Some((e.index, e.line, u, e.keys)),
            Outcome::Skipped(skip) => {
                let Skip {
                    because,
                    external_id,
                    username,
                    name,
                } = *skip;
                skipped.push((
                    e.index,
                    SkippedRecord {
                        record_id: external_id.clone(),
                        position: e.index + 1,
                        line: e.line,
                        external_id,
                        username,
                        because,
                        name,
                    },
                ));
                None
            }
            Outcome::Quarantined(quarantine) => {
                let Quarantine {
                    code,
                    reason,
                    because,
                    external_id,
                    username,
                    name,
                } = *quarantine;
                quarantined.push((
                    e.index,
                    QuarantinedRecord {
                        record_id: external_id.clone(),
                        position: e.index + 1,
                        line: e.line,
                        external_id,
                        username,
                        code: code.as_str().to_string(),
                        reason,
                        because,
                        name,
                    },
                ));
                None
            }
        })
        .collect();
    let users = quarantine_duplicates(users, reasons, &mut quarantined);
    let users = quarantine_team_id_collisions(users, &mut quarantined, group);
    // Users are collected first and sorted once (not at all when the source lists them by
    // external ID, as exports usually do); the sorted list is the map. Keys are unique here
    // (duplicate external IDs were quarantined). A list of its own: at its size, while the
    // outcomes' block, too small for it, is freed.
    let mut shared_ids = TeamIds::default();
    let mut entries: Vec<(String, DesiredUser)> = users
        .into_iter()
        .map(|(index, _, u, _)| {
            let mut user = add_user(&mut state, &mut shared_ids, *u, reasons, group);
            user.position = index + 1;
            (user.external_id.clone(), user)
        })
        .collect();
    if !entries.is_sorted_by(|a, b| a.0 < b.0) {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    debug_assert!(
        entries.windows(2).all(|w| w[0].0 < w[1].0),
        "unique external IDs"
    );
    state.users = LiteMap::from_sorted_store_unchecked(entries);
    state.skipped = in_record_order(skipped);
    state.quarantined = in_record_order(quarantined);
    state.warnings.sort();
    // Last: they follow from the users, the teams and the skipped and quarantined records.
    // On one core: ~46 ms at 100k users (`cargo bench --bench plan`, load 1). The diff used to
    // make them beside matching the users; the one-pass 100k plan is 1–3% slower without that
    // overlap (docs/benchmarks.md, "issue 15 item 3"), the price of a state that leaves
    // evaluation complete.
    state.memberships = super::managers::memberships(&state, manager_because);
    crate::timings::stage("memberships made");
    state
}

/// Entries sorted by their record's position (stable: one record's entries keep their order).
fn in_record_order<T>(mut entries: Vec<(usize, T)>) -> Vec<T> {
    entries.sort_by_key(|(position, _)| *position);
    entries.into_iter().map(|(_, entry)| entry).collect()
}

/// Records sharing an external ID, username or email are all quarantined: picking one would
/// be a guess, and a wrong guess merges two people.
fn quarantine_duplicates(
    users: Vec<UserEntry>,
    reasons: &Reasons,
    quarantined: &mut Vec<(usize, QuarantinedRecord)>,
) -> Vec<UserEntry> {
    let mut remaining = users;
    let mut seen = SeenHashes::default();
    for (n, unique) in UNIQUE_KEYS.iter().enumerate() {
        let UniqueKey {
            what,
            attribute,
            code,
            ..
        } = unique;
        let clashes = clashes(
            &remaining,
            |(_, _, u, _)| unique.key(u),
            |(_, _, _, hashes)| hashes.0[n],
            &mut seen,
        );
        if clashes.is_empty() {
            continue;
        }
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (seen, n) in clashes {
            let k = unique
                .key(&remaining[seen].2)
                .unwrap_or_default()
                .into_owned();
            groups.entry(k).or_insert_with(|| vec![seen]).push(n);
        }
        let shared: Vec<(String, Vec<usize>)> = groups.into_iter().collect();
        let mut dupe = vec![false; remaining.len()];
        let mut reports = Vec::new();
        for (k, members) in &shared {
            // Records sharing a key are named by position: the key itself does not tell them apart.
            let labels: Vec<String> = members
                .iter()
                .map(|n| record_label(remaining[*n].0, remaining[*n].1, None))
                .collect();
            for (m, n) in members.iter().enumerate() {
                dupe[*n] = true;
                let others: Vec<&str> = labels
                    .iter()
                    .enumerate()
                    .filter(|(o, _)| *o != m)
                    .map(|(_, l)| l.as_str())
                    .collect();
                reports.push((
                    *n,
                    format!("{what} `{k}` is shared with {}", others.join(", ")),
                ));
            }
        }
        for (n, reason) in reports {
            let (_, _, u, _) = &remaining[n];
            let because = reasons
                .get(*attribute)
                .cloned()
                .unwrap_or_else(|| Because::new(*what, 0));
            quarantined.push((
                remaining[n].0,
                QuarantinedRecord {
                    record_id: Some(u.external_id.clone()),
                    position: remaining[n].0 + 1,
                    line: remaining[n].1,
                    external_id: Some(u.external_id.clone()),
                    username: text_attr(u, "username"),
                    code: code.as_str().to_string(),
                    reason,
                    because,
                    name: user_name(u),
                },
            ));
        }
        remaining = remaining
            .into_iter()
            .zip(dupe)
            .filter(|(_, d)| !d)
            .map(|(r, _)| r)
            .collect();
    }
    remaining
}

/// Records whose team path passes through a team ID that `ids [...]` gives to teams in two
/// places of the hierarchy (under different parents, or on different levels: `OfficeCode`
/// and `DeptCode` both `10`): creating one team would merge two teams' people, and picking
/// one place would be a guess, so every such record is quarantined (E0410). Derived IDs spell
/// their whole path and cannot collide with each other, so a mapping without `ids` is not
/// checked.
fn quarantine_team_id_collisions(
    users: Vec<UserEntry>,
    quarantined: &mut Vec<(usize, QuarantinedRecord)>,
    group: Option<&GroupPathRule>,
) -> Vec<UserEntry> {
    if users.iter().all(|(_, _, u, _)| u.team_path.derived_only()) {
        return users;
    }
    // Where each team ID sits (its parent's ID), as first seen, and every place of the IDs
    // found in more than one.
    let mut place: foldhash::HashMap<String, Option<String>> = Default::default();
    let mut places: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
    for (_, _, u, _) in &users {
        let mut parent: Option<String> = None;
        for (_, id) in u.team_path.levels() {
            match place.entry(id.clone()) {
                Entry::Vacant(v) => {
                    v.insert(parent.clone());
                }
                Entry::Occupied(o) if *o.get() != parent => {
                    let both = [o.get().clone(), parent.clone()];
                    places.entry(id.clone()).or_default().extend(both);
                }
                Entry::Occupied(_) => {}
            }
            parent = Some(id);
        }
    }
    if places.is_empty() {
        return users;
    }
    let because = group
        .map(|g| g.because.clone())
        .unwrap_or_else(|| Because::new("group path", 0));
    users
        .into_iter()
        .filter(|(index, line, u, _)| {
            let levels = u.team_path.levels();
            let Some((id, at)) = levels
                .iter()
                .find_map(|(_, id)| places.get(id).map(|at| (id, at)))
            else {
                return true;
            };
            let at: Vec<String> = at
                .iter()
                .map(|p| match p {
                    None => "at the top".to_string(),
                    Some(p) => format!("under `{p}`"),
                })
                .collect();
            quarantined.push((
                *index,
                QuarantinedRecord {
                    record_id: Some(u.external_id.clone()),
                    position: *index + 1,
                    line: *line,
                    external_id: Some(u.external_id.clone()),
                    username: text_attr(u, "username"),
                    code: Code::TeamIdCollision.as_str().to_string(),
                    reason: format!(
                        "team ID `{id}` is given to teams in different places ({}): one team \
                         would hold the people of both; give each team an ID of its own (e.g. \
                         with its parent's code in it)",
                        at.join(", ")
                    ),
                    because: because.clone(),
                    name: user_name(u),
                },
            ));
            false
        })
        .collect()
}

/// The lists [`clashes`] fills, kept by the caller for its next key: a fresh map per key is
/// fresh memory.
#[derive(Default)]
struct SeenHashes {
    /// The first item with each hash.
    first: foldhash::HashMap<NonZeroU32, usize>,
    /// (hash, item) of the items whose hash another item has too.
    shared: Vec<(NonZeroU32, usize)>,
}

/// (first item, later item) for every later item whose key the first item has too, in the
/// order of the later items per key. Duplicates are rare, so they are found by the items'
/// hashes of their keys (`hash`, computed beforehand): one pass over the hashes finds those
/// that repeat (a map lookup per item is a third of the time of sorting every hash), and only
/// items sharing a hash have their keys compared.
fn clashes<T>(
    items: &[T],
    key: impl for<'a> Fn(&'a T) -> Option<Cow<'a, str>>,
    hash: impl Fn(&T) -> Option<NonZeroU32>,
    seen: &mut SeenHashes,
) -> Vec<(usize, usize)> {
    let SeenHashes { first, shared } = seen;
    first.clear();
    first.reserve(items.len());
    shared.clear();
    for (n, item) in items.iter().enumerate() {
        let Some(h) = hash(item) else { continue };
        match first.entry(h) {
            Entry::Vacant(slot) => {
                slot.insert(n);
            }
            Entry::Occupied(earlier) => {
                shared.push((h, *earlier.get()));
                shared.push((h, n));
            }
        }
    }
    // By hash, then item: each run is every item with one shared hash, in item order.
    shared.sort_unstable();
    shared.dedup();
    let mut clashes = Vec::new();
    for run in shared.chunk_by(|a, b| a.0 == b.0) {
        // Within a run, the same key (not just the same hash) as an earlier item's: the
        // earliest such item is the first.
        for (i, &(_, n)) in run.iter().enumerate().skip(1) {
            let k = key(&items[n]);
            if let Some(&(_, seen)) = run[..i].iter().find(|(_, m)| key(&items[*m]) == k) {
                clashes.push((seen, n));
            }
        }
    }
    clashes
}

/// The hash `clashes` compares first: the high half of a 64-bit hash, never 0.
fn hash_key(key: &str) -> NonZeroU32 {
    let high = (foldhash::fast::FixedState::default().hash_one(key) >> 32) as u32;
    NonZeroU32::new(high).unwrap_or(NonZeroU32::MIN)
}

fn text_attr_ref<'a>(u: &'a MappedUser, name: &str) -> Option<&'a str> {
    u.attributes.text(name)
}

/// A mapped user's `first_name last_name`, for the run report; `None` when both are empty.
fn user_name(u: &MappedUser) -> Option<String> {
    let parts: Vec<&str> = ["first_name", "last_name"]
        .iter()
        .filter_map(|a| text_attr_ref(u, a))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn text_attr(u: &MappedUser, name: &str) -> Option<String> {
    text_attr_ref(u, name).map(str::to_string)
}

fn add_user(
    state: &mut DesiredState,
    shared_ids: &mut TeamIds,
    u: MappedUser,
    reasons: &Arc<Reasons>,
    group: Option<&GroupPathRule>,
) -> DesiredUser {
    // An org unit is its team (the tree is built from the units, see the `units` module).
    let team = match &u.unit {
        Some(unit) => Some(Arc::clone(
            shared_ids
                .entry(unit.clone())
                .or_insert_with_key(|id| Arc::from(id.as_str())),
        )),
        None => join_path(state, shared_ids, &u.team_path, group),
    };
    let mut segments = BTreeSet::new();
    for (category, name) in &u.segments {
        let id = segment_id(category, name);
        let seg_because = reasons
            .get(format!("segment:{category}").as_str())
            .cloned()
            .unwrap_or_else(|| Because::new(format!("segment \"{category}\""), 0));
        state
            .segments
            .entry(id.clone())
            .or_insert_with(|| DesiredSegment {
                external_id: id.clone(),
                name: name.clone(),
                category: category.clone(),
                because: seg_because,
            });
        segments.insert(id);
    }
    DesiredUser {
        external_id: u.external_id,
        attributes: u.attributes,
        status: u.status,
        team,
        manager: u.manager,
        segments,
        because: Arc::clone(reasons),
        status_because: u.status_because,
        position: 0,
    }
}

/// The external IDs of the teams users join, one shared copy per team (a team has many members,
/// and each member's user, membership and membership action holds its ID).
type TeamIds = foldhash::HashMap<String, Arc<str>>;

/// The team a user joins (the deepest level of the path), creating the path's teams the first
/// time they are seen.
fn join_path(
    state: &mut DesiredState,
    shared_ids: &mut TeamIds,
    path: &TeamPath,
    group: Option<&GroupPathRule>,
) -> Option<Arc<str>> {
    if path.is_empty() {
        return None;
    }
    // When every ID is derived, a team's ID spells its whole path, so when that team exists
    // its ancestors do too: one lookup for all but the first user of each team.
    if path.derived_only()
        && let Some(id) = shared_ids.get(path.derived())
    {
        return Some(Arc::clone(id));
    }
    let mut parent: Option<String> = None;
    for (name, id) in path.levels() {
        if !state.teams.contains_key(&id) {
            let because = group
                .map(|g| g.because.clone())
                .unwrap_or_else(|| Because::new("group path", 0));
            let team = DesiredTeam {
                external_id: id.clone(),
                name,
                parent: parent.clone(),
                manager: None,
                because,
            };
            state.teams.insert(id.clone(), team);
        }
        parent = Some(id);
    }
    parent.map(|id| {
        Arc::clone(
            shared_ids
                .entry(id)
                .or_insert_with_key(|id| Arc::from(id.as_str())),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{SeenHashes, clashes, hash_key};
    use proptest::prelude::*;
    use std::borrow::Cow;
    use std::collections::HashMap;
    use std::num::NonZeroU32;

    /// What `clashes` finds, the plain way: each key's first item, then every later one.
    fn naive(items: &[Option<String>]) -> Vec<(usize, usize)> {
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut found = Vec::new();
        for (n, item) in items.iter().enumerate() {
            if let Some(k) = item {
                match first.get(k.as_str()) {
                    Some(&seen) => found.push((seen, n)),
                    None => {
                        first.insert(k, n);
                    }
                }
            }
        }
        found.sort_unstable();
        found
    }

    proptest! {
        #[test]
        fn finds_what_a_map_finds_even_when_every_hash_collides(
            items in proptest::collection::vec(proptest::option::of("[ab]{0,2}"), 0..40)
        ) {
            fn key(item: &Option<String>) -> Option<Cow<'_, str>> {
                item.as_deref().map(Cow::Borrowed)
            }
            for hash in [hash_key as fn(&str) -> NonZeroU32, |_: &str| NonZeroU32::MIN] {
                let mut found = clashes(
                    &items,
                    key,
                    |item| key(item).map(|k| hash(&k)),
                    &mut SeenHashes::default(),
                );
                found.sort_unstable();
                prop_assert_eq!(&found, &naive(&items));
            }
        }
    }
}
