//! What a change to a mapping does to people: two versions of a mapping run over the same
//! records and the same Winningtemp state, through the same pipeline `plan` uses, and their
//! outcomes are compared person by person and team by team (`wtmap diff OLD NEW`).
//!
//! Not to be confused with [`crate::diff`], which compares a desired state with the current
//! one. The JSON form (`wtmap.diff/v1`) is documented in docs/diff.md and
//! docs/diff.schema.json.

mod people;
mod render;
#[cfg(test)]
mod tests;

pub use people::{People, PersonView, Status, matched, people_of};
pub use render::{render_human, render_json, render_markdown, write_json};

use crate::check::Program;
use crate::guard::{Allow, guards_passed};
use crate::model::{AttrRef, Because, CurrentState, DesiredState};
use crate::plan::{Plan, Summary};
use crate::records::Record;
use chrono::NaiveDate;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// The `wtmap.diff/v1` format tag.
pub const DIFF_FORMAT: &str = "wtmap.diff/v1";

/// One version of a mapping, run: its desired state and its plan against the shared state.
pub struct Side {
    /// How the version is named (`mappings/acme.wtmap`, `origin/main:mappings/acme.wtmap`).
    pub label: String,
    /// The version's desired state, after planning (memberships made).
    pub desired: DesiredState,
    /// The version's plan.
    pub plan: Plan,
    /// The attributes this version maps (an attribute it does not map is left alone).
    pub mapped: BTreeSet<String>,
    /// The statement behind each attribute and relation (`team`, `manager`, `gender`).
    pub reasons: crate::model::Reasons,
}

/// Runs one version of a mapping over `records` and `current` through the pipeline `plan`
/// uses ([`crate::sync::desire`], then [`plan_side`]).
pub fn run_side(
    label: &str,
    program: &Program,
    records: &[Record],
    current: &CurrentState,
    today: NaiveDate,
) -> Side {
    let desired = crate::sync::desire(program, records, today);
    plan_side(label, program, desired, current)
}

/// One version from its desired state (e.g. from [`crate::sync::desire_both_from_file`]):
/// planned with [`crate::sync::plan_desired`] against `current`, guards as written (no
/// overrides).
pub fn plan_side(
    label: &str,
    program: &Program,
    desired: DesiredState,
    current: &CurrentState,
) -> Side {
    let plan = crate::sync::plan_desired(label, program, &desired, current, Allow::default());
    Side {
        label: label.to_string(),
        desired,
        plan,
        mapped: program.mapped_attributes.clone(),
        reasons: crate::eval::reasons(program),
    }
}

/// Both versions, each planned from its desired state as [`plan_side`] plans it: side by side
/// on two cores when they are big, since a plan keeps one core mostly to itself (a 100k
/// `wtmap diff`: two plans of ~65 ms one after the other).
pub fn plan_sides(
    old: (&str, &Program, DesiredState),
    new: (&str, &Program, DesiredState),
    current: &CurrentState,
) -> (Side, Side) {
    let big = old.2.users.len() + new.2.users.len() >= crate::parallel::MIN_ITEMS;
    crate::parallel::join(
        big,
        || plan_side(old.0, old.1, old.2, current),
        || plan_side(new.0, new.1, new.2, current),
    )
}

/// A value before or after a change: text (dates, enum names, IDs), a flag, or a set of IDs
/// (managed teams, segments). Borrowed from the two versions' outcomes until it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value<'a> {
    /// Text.
    Text(Cow<'a, str>),
    /// A flag (`exclude_from_surveys`).
    Bool(bool),
    /// A set of external IDs, sorted.
    List(Vec<&'a str>),
}

impl<'a> From<AttrRef<'a>> for Value<'a> {
    fn from(v: AttrRef<'a>) -> Self {
        match v {
            AttrRef::Text(t) => Value::Text(Cow::Borrowed(t)),
            AttrRef::Bool(b) => Value::Bool(b),
        }
    }
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(l) if l.is_empty() => f.write_str("none"),
            Value::List(l) => f.write_str(&l.join(", ")),
        }
    }
}

/// The kinds of change to a person, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Becomes active, paused, skipped, quarantined, or leaves the source's view.
    Status,
    /// Another team (the deepest level of `group path`).
    Team,
    /// Another manager.
    Manager,
    /// Manages other teams.
    ManagedTeams,
    /// A plain attribute gets another value, a value, or none.
    Attribute,
    /// Other segments.
    Segments,
    /// The plan does something else with the person (e.g. creates instead of links), with
    /// everything above unchanged.
    Action,
}

impl ChangeKind {
    /// Every kind, in report order.
    pub const ALL: [ChangeKind; 7] = [
        ChangeKind::Status,
        ChangeKind::Team,
        ChangeKind::Manager,
        ChangeKind::ManagedTeams,
        ChangeKind::Attribute,
        ChangeKind::Segments,
        ChangeKind::Action,
    ];

    /// The JSON tag (`managed_teams`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Status => "status",
            ChangeKind::Team => "team",
            ChangeKind::Manager => "manager",
            ChangeKind::ManagedTeams => "managed_teams",
            ChangeKind::Attribute => "attribute",
            ChangeKind::Segments => "segments",
            ChangeKind::Action => "action",
        }
    }

    /// The heading of this kind's section.
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::Status => "Status changes",
            ChangeKind::Team => "Team moves",
            ChangeKind::Manager => "Manager changes",
            ChangeKind::ManagedTeams => "Managed teams",
            ChangeKind::Attribute => "Attribute changes",
            ChangeKind::Segments => "Segment changes",
            ChangeKind::Action => "Other actions",
        }
    }
}

/// One change to one person, borrowed from the two versions until it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonChange<'a> {
    /// What changed.
    pub kind: ChangeKind,
    /// The attribute, for `attribute` changes (`external_id` and `username` too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<&'a str>,
    /// The value with the old mapping; `null`: none.
    pub old: Option<Value<'a>>,
    /// The value with the new mapping; `null`: none.
    pub new: Option<Value<'a>>,
    /// The old mapping's statement that gave the old value, when one did.
    pub old_because: Option<&'a Because>,
    /// The new mapping's statement that gave the new value, when one did.
    pub new_because: Option<&'a Because>,
}

/// Everything that changes for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonDiff<'a> {
    /// The person: the external ID (the new mapping's, else the old one's), else the record
    /// (`#3 (line 4)`), else (a Winningtemp user with no record) the username.
    pub person: Cow<'a, str>,
    /// The record the person is, by its position in the shared records (from 1), when a record
    /// maps to the person: how the two versions' outcomes were matched. Not in the JSON (its
    /// shape is unchanged): there the person is named by `person`.
    #[serde(skip)]
    pub record: Option<usize>,
    /// The username (the new mapping's, else the old one's), when there is one.
    pub username: Option<&'a str>,
    /// The changes, in [`ChangeKind`] order.
    pub changes: Vec<PersonChange<'a>>,
}

/// How a team or segment differs between the versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupChangeKind {
    /// Only the new mapping has it.
    Added,
    /// Only the old mapping has it.
    Removed,
    /// Another display name.
    Renamed,
    /// Another parent team.
    Moved,
}

/// A team or segment that appears, disappears, is renamed or moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupChange {
    /// The team's or segment's external ID.
    pub external_id: String,
    /// How it changes.
    pub change: GroupChangeKind,
    /// Old name (renamed), old parent (moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// New name (renamed), new parent (moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The old mapping's statement that built it.
    pub old_because: Option<Because>,
    /// The new mapping's statement that builds it.
    pub new_because: Option<Because>,
}

/// One version in the result: its name, its plan's counts and whether its guards pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSummary {
    /// The version as given (`origin/main:mappings/acme.wtmap`).
    pub mapping: String,
    /// Records the source delivered.
    pub source_records: usize,
    /// Skipped records.
    pub skipped: usize,
    /// Quarantined records.
    pub quarantined: usize,
    /// The plan's action counts.
    pub actions: Summary,
    /// Whether the plan passes its guards.
    pub guards_passed: bool,
}

/// How many people an attribute changes for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AttributeCounts {
    /// A value, then another value.
    pub changed: usize,
    /// No value, then a value.
    pub set: usize,
    /// A value, then none (the new mapping maps the attribute: it is cleared).
    pub cleared: usize,
    /// A value, then the new mapping does not map the attribute (it is left alone).
    pub unmapped: usize,
}

/// The counts behind the summary sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffCounts {
    /// People with any change.
    pub people: usize,
    /// People with a change of each kind (`team`: 37), every kind present.
    pub by_kind: BTreeMap<String, usize>,
    /// People who become each status (`paused`: 2), only statuses someone becomes.
    pub becomes: BTreeMap<String, usize>,
    /// Per attribute.
    pub attributes: BTreeMap<String, AttributeCounts>,
    /// Teams added, removed, renamed, moved.
    pub teams: BTreeMap<String, usize>,
    /// Segments added, removed, renamed.
    pub segments: BTreeMap<String, usize>,
}

/// The result of comparing two versions of a mapping (`wtmap.diff/v1`), borrowing from the
/// two [`Side`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapDiff<'a> {
    /// Always `wtmap.diff/v1`.
    pub format: String,
    /// The old version.
    pub old: VersionSummary,
    /// The new version.
    pub new: VersionSummary,
    /// The summary in one sentence (`this change moves 37 people to another team, …`).
    pub summary: String,
    /// The counts the sentence is made of.
    pub counts: DiffCounts,
    /// Every person whose outcome changes, by person.
    pub people: Vec<PersonDiff<'a>>,
    /// Teams that appear, disappear, are renamed or move.
    pub teams: Vec<GroupChange>,
    /// Segments that appear, disappear or are renamed.
    pub segments: Vec<GroupChange>,
}

impl MapDiff<'_> {
    /// True when some person's outcome changes (`wtmap diff` exits 2).
    pub fn changes_people(&self) -> bool {
        !self.people.is_empty()
    }
}

/// Compares two versions run over the same records and state: each record's outcomes under
/// the two versions are one person (see [`matched`]).
pub fn compare<'a>(old: &'a Side, new: &'a Side) -> MapDiff<'a> {
    let (before, after) = std::thread::scope(|scope| {
        let before = scope.spawn(|| people_of(&old.desired, &old.plan));
        let after = people_of(&new.desired, &new.plan);
        match before.join() {
            Ok(before) => (before, after),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let pairs = matched(&before, &after);
    // The people's changes, in two halves on two threads: a large change is most of the
    // comparison.
    let diffs = |part: &[(Option<&PersonView<'a>>, Option<&PersonView<'a>>)]| {
        let absent = PersonView::default();
        let mut out = Vec::new();
        for (a, b) in part {
            let (a, b) = (a.unwrap_or(&absent), b.unwrap_or(&absent));
            let changes = people::changes(a, b, old, new);
            if changes.is_empty() {
                continue;
            }
            let record = [a.position, b.position].into_iter().find(|p| *p > 0);
            out.push(PersonDiff {
                person: b
                    .external_id
                    .or(a.external_id)
                    .map(Cow::Borrowed)
                    .or_else(|| b.name())
                    .or_else(|| a.name())
                    .unwrap_or(Cow::Borrowed("(a record without an ID)")),
                record,
                username: b.username.or(a.username),
                changes,
            });
        }
        out
    };
    let (first, second) = pairs.split_at(pairs.len() / 2);
    let mut people = std::thread::scope(|scope| {
        let later = scope.spawn(|| diffs(second));
        let mut people = diffs(first);
        match later.join() {
            Ok(later) => people.extend(later),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        people
    });
    // By person, then record: the records come by external ID already (nearly sorted).
    people.sort_by(|x, y| (&x.person, x.record).cmp(&(&y.person, y.record)));
    let teams = team_changes(&old.desired, &new.desired);
    let segments = segment_changes(&old.desired, &new.desired);
    let counts = count(&people, &teams, &segments, new);
    MapDiff {
        format: DIFF_FORMAT.to_string(),
        old: version(old),
        new: version(new),
        summary: render::sentence(&counts),
        counts,
        people,
        teams,
        segments,
    }
}

fn version(side: &Side) -> VersionSummary {
    VersionSummary {
        mapping: side.label.clone(),
        source_records: side.plan.source_records,
        skipped: side.plan.skipped.len(),
        quarantined: side.plan.quarantined.len(),
        actions: side.plan.summary.clone(),
        guards_passed: guards_passed(&side.plan.guards),
    }
}

fn team_changes(old: &DesiredState, new: &DesiredState) -> Vec<GroupChange> {
    let mut out = Vec::new();
    let ids: BTreeSet<&String> = old.teams.keys().chain(new.teams.keys()).collect();
    for id in ids {
        let (a, b) = (old.teams.get(id), new.teams.get(id));
        let change = |change, old_v: Option<String>, new_v: Option<String>| GroupChange {
            external_id: id.clone(),
            change,
            old: old_v,
            new: new_v,
            old_because: a.map(|t| t.because.clone()),
            new_because: b.map(|t| t.because.clone()),
        };
        match (a, b) {
            (None, Some(_)) => out.push(change(GroupChangeKind::Added, None, None)),
            (Some(_), None) => out.push(change(GroupChangeKind::Removed, None, None)),
            (Some(a), Some(b)) => {
                if a.name != b.name {
                    out.push(change(
                        GroupChangeKind::Renamed,
                        Some(a.name.clone()),
                        Some(b.name.clone()),
                    ));
                }
                if a.parent != b.parent {
                    out.push(change(
                        GroupChangeKind::Moved,
                        a.parent.clone(),
                        b.parent.clone(),
                    ));
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn segment_changes(old: &DesiredState, new: &DesiredState) -> Vec<GroupChange> {
    let mut out = Vec::new();
    let ids: BTreeSet<&String> = old.segments.keys().chain(new.segments.keys()).collect();
    for id in ids {
        let (a, b) = (old.segments.get(id), new.segments.get(id));
        let (change, old_v, new_v) = match (a, b) {
            (None, Some(_)) => (GroupChangeKind::Added, None, None),
            (Some(_), None) => (GroupChangeKind::Removed, None, None),
            (Some(a), Some(b)) if a.name != b.name => (
                GroupChangeKind::Renamed,
                Some(a.name.clone()),
                Some(b.name.clone()),
            ),
            _ => continue,
        };
        out.push(GroupChange {
            external_id: id.clone(),
            change,
            old: old_v,
            new: new_v,
            old_because: a.map(|s| s.because.clone()),
            new_because: b.map(|s| s.because.clone()),
        });
    }
    out
}

fn count(
    people: &[PersonDiff<'_>],
    teams: &[GroupChange],
    segments: &[GroupChange],
    new: &Side,
) -> DiffCounts {
    // Counted under borrowed names, named once at the end: a person's changes cost no
    // allocation.
    let mut by_kind = [0usize; ChangeKind::ALL.len()];
    let mut becomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut attributes: BTreeMap<&str, AttributeCounts> = BTreeMap::new();
    for p in people {
        let mut seen = [false; ChangeKind::ALL.len()];
        for ch in &p.changes {
            seen[ch.kind as usize] = true;
            match ch.kind {
                ChangeKind::Status => {
                    if let Some(Value::Text(s)) = &ch.new {
                        *becomes.entry(s.as_ref()).or_default() += 1;
                    }
                }
                // A Winningtemp user only the new version's plan pauses (e.g. the one a
                // record named before its external ID changed) becomes paused too: the
                // summary's pauses must not miss them.
                ChangeKind::Action => {
                    if matches!(&ch.new, Some(Value::Text(s)) if s == "pause") {
                        *becomes.entry(Status::Paused.as_str()).or_default() += 1;
                    }
                }
                ChangeKind::Attribute => {
                    let Some(name) = ch.attribute else { continue };
                    let slot = attributes.entry(name).or_default();
                    match (&ch.old, &ch.new) {
                        (Some(_), Some(_)) => slot.changed += 1,
                        (None, Some(_)) => slot.set += 1,
                        (Some(_), None) if new.mapped.contains(name) => slot.cleared += 1,
                        (Some(_), None) => slot.unmapped += 1,
                        (None, None) => {}
                    }
                }
                _ => {}
            }
        }
        for (n, seen) in by_kind.iter_mut().zip(seen) {
            *n += usize::from(seen);
        }
    }
    let mut c = DiffCounts {
        people: people.len(),
        by_kind: ChangeKind::ALL
            .iter()
            .zip(by_kind)
            .map(|(k, n)| (k.as_str().to_string(), n))
            .collect(),
        becomes: becomes
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        attributes: attributes
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        ..DiffCounts::default()
    };
    for (map, groups) in [(&mut c.teams, teams), (&mut c.segments, segments)] {
        for g in groups {
            let key = match g.change {
                GroupChangeKind::Added => "added",
                GroupChangeKind::Removed => "removed",
                GroupChangeKind::Renamed => "renamed",
                GroupChangeKind::Moved => "moved",
            };
            *map.entry(key.to_string()).or_default() += 1;
        }
    }
    c
}
