//! From per-record outcomes to the desired state: duplicate keys quarantine every record
//! involved, teams get path-derived IDs, managers become managers of their reports' teams.

use super::managers::assign_managers;
use super::record::{MappedUser, Outcome};
use super::team_path::TeamPath;
use crate::check::program::GroupPathRule;
use crate::diagnostics::Code;
use crate::model::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;
use std::sync::Arc;

/// An outcome with the record it came from.
pub struct Evaluated {
    /// Record number (0-based).
    pub index: usize,
    /// Line in the records file, when known.
    pub line: Option<usize>,
    /// What happened.
    pub outcome: Outcome,
}

impl crate::records::Numbered for Evaluated {
    fn renumber(&mut self, by: usize) {
        self.index += by;
    }
}

/// The name of a record in reports: its external ID, or its position (`#3 (line 4)`).
pub fn record_label(index: usize, line: Option<usize>, external_id: Option<&str>) -> String {
    match (external_id, line) {
        (Some(id), _) => id.to_string(),
        (None, Some(l)) => format!("#{} (line {l})", index + 1),
        (None, None) => format!("#{}", index + 1),
    }
}

/// Segment external ID: `Category:Name`.
pub fn segment_id(category: &str, name: &str) -> String {
    format!("{category}:{name}")
}

/// Assembles the desired state.
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
    // Collected in place: the users take over the outcomes' memory (same size), so a million
    // outcomes are not copied into a second vector.
    let users: Vec<(usize, Option<usize>, MappedUser)> = outcomes
        .into_iter()
        .filter_map(|e| match e.outcome {
            Outcome::User(u) => Some((e.index, e.line, u)),
            Outcome::Skipped {
                because,
                external_id,
                username,
            } => {
                state.skipped.push(SkippedRecord {
                    record_id: record_label(e.index, e.line, external_id.as_deref()),
                    external_id,
                    username,
                    because,
                });
                None
            }
            Outcome::Quarantined {
                code,
                reason,
                because,
                external_id,
                username,
            } => {
                state.quarantined.push(QuarantinedRecord {
                    record_id: record_label(e.index, e.line, external_id.as_deref()),
                    external_id,
                    username,
                    code: code.as_str().to_string(),
                    reason,
                    because,
                });
                None
            }
        })
        .collect();
    let users = quarantine_duplicates(users, reasons, &mut state);
    // Users are collected first and the map built in one go: building a BTreeMap from many
    // pairs sorts once instead of searching the tree for every insert. Keys are unique here
    // (duplicate external IDs were quarantined).
    let mut entries = Vec::with_capacity(users.len());
    let mut shared_ids = TeamIds::default();
    for (_, _, u) in users {
        let user = add_user(&mut state, &mut shared_ids, u, reasons, group);
        entries.push((user.external_id.clone(), user));
    }
    state.users = entries.into_iter().collect();
    assign_managers(&mut state, manager_because);
    state.skipped.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    state
        .quarantined
        .sort_by(|a, b| a.record_id.cmp(&b.record_id));
    state.warnings.sort();
    state
}

/// Records sharing an external ID, username or email are all quarantined: picking one would
/// be a guess, and a wrong guess merges two people.
fn quarantine_duplicates(
    users: Vec<(usize, Option<usize>, MappedUser)>,
    reasons: &Reasons,
    state: &mut DesiredState,
) -> Vec<(usize, Option<usize>, MappedUser)> {
    // (what, attribute whose statement is blamed, code, key). Keys borrow where they can:
    // this runs over every record.
    type Key = for<'a> fn(&'a MappedUser) -> Option<Cow<'a, str>>;
    let keys: [(&str, &str, Code, Key); 3] = [
        (
            "external ID",
            "external_id",
            Code::DuplicateExternalId,
            |u| Some(Cow::Borrowed(u.external_id.as_str())),
        ),
        ("username", "username", Code::DuplicateUsername, |u| {
            text_attr_ref(u, "username").map(crate::value::lowercase)
        }),
        ("email", "email", Code::DuplicateEmail, |u| {
            text_attr_ref(u, "email").map(crate::value::lowercase)
        }),
    ];
    let mut remaining = users;
    for (what, attribute, code, key) in keys {
        let clashes = clashes(&remaining, |(_, _, u)| key(u), hash_key);
        if clashes.is_empty() {
            continue;
        }
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (seen, n) in clashes {
            let k = key(&remaining[seen].2).unwrap_or_default().into_owned();
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
                    labels[m].clone(),
                ));
            }
        }
        for (n, reason, me) in reports {
            let (_, _, u) = &remaining[n];
            let because = reasons.get(attribute).cloned().unwrap_or(Because {
                statement: what.into(),
                line: 0,
            });
            state.quarantined.push(QuarantinedRecord {
                record_id: format!("{} {me}", u.external_id),
                external_id: Some(u.external_id.clone()),
                username: text_attr(u, "username"),
                code: code.as_str().to_string(),
                reason,
                because,
            });
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

/// (first item, later item) for every later item whose key the first item has too, in the
/// order of the later items per key. Duplicates are rare, so they are found by sorting hashes
/// of the keys (hashed on every core; sorting numbers in place touches no item), and only
/// items whose hashes are equal have their keys compared.
fn clashes<T: Sync>(
    items: &[T],
    key: impl for<'a> Fn(&'a T) -> Option<Cow<'a, str>> + Sync,
    hash: impl Fn(&str) -> u64 + Sync,
) -> Vec<(usize, usize)> {
    let hashes = crate::parallel::map_in_order(items, &|item| key(item).map(|k| hash(&k)));
    let mut sorted: Vec<(u64, usize)> = hashes
        .into_iter()
        .enumerate()
        .filter_map(|(n, hash)| hash.map(|h| (h, n)))
        .collect();
    sorted.sort_unstable();
    let mut clashes = Vec::new();
    for run in sorted
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
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

/// The hash `clashes` sorts by.
fn hash_key(key: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(key)
}

fn text_attr_ref<'a>(u: &'a MappedUser, name: &str) -> Option<&'a str> {
    match u.attributes.get(name) {
        Some(AttrValue::Text(t)) => Some(t.as_str()),
        _ => None,
    }
}

fn text_attr(u: &MappedUser, name: &str) -> Option<String> {
    match u.attributes.get(name) {
        Some(AttrValue::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

fn add_user(
    state: &mut DesiredState,
    shared_ids: &mut TeamIds,
    u: MappedUser,
    reasons: &Arc<Reasons>,
    group: Option<&GroupPathRule>,
) -> DesiredUser {
    let team = join_path(state, shared_ids, &u.team_path, group);
    let mut segments = BTreeSet::new();
    for (category, name) in &u.segments {
        let id = segment_id(category, name);
        let seg_because = reasons
            .get(format!("segment:{category}").as_str())
            .cloned()
            .unwrap_or(Because {
                statement: format!("segment \"{category}\"").into(),
                line: 0,
            });
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
            let because = group.map(|g| g.because.clone()).unwrap_or(Because {
                statement: "group path".into(),
                line: 0,
            });
            let team = DesiredTeam {
                external_id: id.clone(),
                name,
                parent: parent.clone(),
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
    use super::{clashes, hash_key};
    use proptest::prelude::*;
    use std::borrow::Cow;
    use std::collections::HashMap;

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
            for hash in [hash_key as fn(&str) -> u64, |_: &str| 0] {
                let mut found = clashes(&items, key, hash);
                found.sort_unstable();
                prop_assert_eq!(&found, &naive(&items));
            }
        }
    }
}
