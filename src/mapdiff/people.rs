//! One version's outcome per person, read off its desired state and plan, and the changes
//! between two such outcomes.
//!
//! A person is a record of the shared records (both versions read the same ones): the two
//! versions' outcomes of one record are one person, whatever external ID each computes. A
//! Winningtemp user no record maps to (the plan pauses it, …) is a person of its own, matched
//! across the versions by its external ID (else username).

use super::{ChangeKind, PersonChange, Side, Value};
use crate::action::Action;
use crate::model::{Because, DesiredState, MappedAttributes, Role, UserStatus};
use crate::plan::Plan;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What happens to a person under one version of a mapping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Synced, active.
    Active,
    /// Synced, paused (`pause when`, `status = …`).
    Paused,
    /// `skip when` held: not synced, the Winningtemp user is left alone.
    Skipped,
    /// The record could not be mapped: not synced, the Winningtemp user is left alone.
    Quarantined,
    /// No record maps to this person: a Winningtemp user the source does not have.
    #[default]
    NotInSource,
}

impl Status {
    /// The name in reports and JSON (`not_in_source`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Skipped => "skipped",
            Status::Quarantined => "quarantined",
            Status::NotInSource => "not_in_source",
        }
    }

    fn synced(self) -> bool {
        matches!(self, Status::Active | Status::Paused)
    }
}

/// What the plan does with a person's Winningtemp user itself (memberships aside).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Effect {
    #[default]
    Nothing,
    Create,
    Update,
    Link,
    Pause,
    Reactivate,
}

impl Effect {
    fn as_str(self) -> &'static str {
        match self {
            Effect::Nothing => "none",
            Effect::Create => "create",
            Effect::Update => "update",
            Effect::Link => "link",
            Effect::Pause => "pause",
            Effect::Reactivate => "reactivate",
        }
    }
}

/// One person's outcome under one version, borrowed from its desired state and plan.
#[derive(Debug, Clone, Default)]
pub struct PersonView<'a> {
    /// Synced, skipped, quarantined, or only in Winningtemp.
    pub status: Status,
    /// The statement that decided the status, when one did.
    pub status_because: Option<&'a Because>,
    /// The external ID, when computed (for a Winningtemp user only: its external ID).
    pub external_id: Option<&'a str>,
    /// The record's position in the shared records, from 1; 0: no record maps to the person.
    pub position: usize,
    /// The record's line in its file, when known.
    pub line: Option<usize>,
    /// The username, when computed.
    pub username: Option<&'a str>,
    /// The plain attributes (`username` is [`Self::username`]).
    pub attributes: Option<&'a MappedAttributes>,
    /// The team.
    pub team: Option<&'a str>,
    /// The manager's external ID.
    pub manager: Option<&'a str>,
    /// The teams the person manages.
    pub managed: BTreeSet<&'a str>,
    /// The segments.
    pub segments: Option<&'a BTreeSet<String>>,
    effect: Effect,
    effect_because: Option<&'a Because>,
}

impl<'a> PersonView<'a> {
    /// How the person is named when nothing better is known: the external ID, else the record
    /// (`#3 (line 4)`), else the username.
    pub fn name(&self) -> Option<Cow<'a, str>> {
        if let Some(id) = self.external_id {
            return Some(Cow::Borrowed(id));
        }
        if self.position > 0 {
            return Some(Cow::Owned(crate::model::record_label(
                None,
                self.position,
                self.line,
                false,
            )));
        }
        self.username.map(Cow::Borrowed)
    }
}

/// Every person of one version: those with a record, and the Winningtemp users no record maps
/// to. The desired users come sorted by external ID and are most people: they stay one sorted
/// vector (a map of 100,000 people costs more than the comparison).
pub struct People<'a> {
    /// The people with a record: the desired users (sorted by external ID), then the skipped and
    /// quarantined records (in record order).
    pub records: Vec<PersonView<'a>>,
    /// Winningtemp users no record maps to, by external ID (else username).
    pub others: BTreeMap<&'a str, PersonView<'a>>,
    /// How many of [`Self::records`] are desired users (sorted by external ID).
    users: usize,
    /// Where the last desired user was found (see [`Self::find_user`]).
    hint: usize,
}

impl<'a> People<'a> {
    /// The desired user `external_id`, by its place in [`Self::records`]. The plan's actions
    /// and the memberships come mostly in external ID order, as the users do: the place after
    /// the last one found is tried before a binary search.
    fn find_user(&mut self, external_id: &str) -> Option<usize> {
        let is = |i: usize, records: &[PersonView<'a>]| {
            records.get(i).and_then(|p| p.external_id) == Some(external_id)
        };
        let users = &self.records[..self.users];
        let found = if is(self.hint, users) {
            Some(self.hint)
        } else if is(self.hint + 1, users) {
            Some(self.hint + 1)
        } else {
            users
                .binary_search_by(|p| p.external_id.unwrap_or("").cmp(external_id))
                .ok()
        };
        if let Some(i) = found {
            self.hint = i;
        }
        found
    }

    fn user_mut(&mut self, external_id: &str) -> Option<&mut PersonView<'a>> {
        let i = self.find_user(external_id)?;
        self.records.get_mut(i)
    }

    /// The person `key` (an external ID, else a username) the plan acts on: a desired user,
    /// else a Winningtemp user only (made when there is none yet).
    fn acted_on(&mut self, key: &'a str) -> &mut PersonView<'a> {
        match self.find_user(key) {
            Some(i) => &mut self.records[i],
            None => self.others.entry(key).or_default(),
        }
    }
}

/// Every person of one version (see [`People`]).
pub fn people_of<'a>(desired: &'a DesiredState, plan: &'a Plan) -> People<'a> {
    let left_out = desired.skipped.len() + desired.quarantined.len();
    let mut records = Vec::with_capacity(desired.users.len() + left_out);
    for (id, u) in desired.users.iter() {
        records.push(PersonView {
            status: match u.status {
                UserStatus::Active => Status::Active,
                UserStatus::Paused => Status::Paused,
            },
            status_because: u.status_because.as_ref(),
            external_id: Some(id.as_str()),
            position: u.position,
            line: None,
            username: u.attributes.text("username"),
            attributes: Some(u.attributes.as_ref()),
            team: u.team.as_deref(),
            manager: u.manager.as_deref(),
            managed: BTreeSet::new(),
            segments: Some(&u.segments),
            effect: Effect::Nothing,
            effect_because: None,
        });
    }
    let skipped = desired.skipped.iter().map(|s| {
        (
            s.external_id.as_deref(),
            s.position,
            s.line,
            s.username.as_deref(),
            &s.because,
            Status::Skipped,
        )
    });
    let quarantined = desired.quarantined.iter().map(|q| {
        (
            q.external_id.as_deref(),
            q.position,
            q.line,
            q.username.as_deref(),
            &q.because,
            Status::Quarantined,
        )
    });
    for (external_id, position, line, username, because, status) in skipped.chain(quarantined) {
        records.push(PersonView {
            status,
            status_because: Some(because),
            external_id,
            position,
            line,
            username,
            ..PersonView::default()
        });
    }
    let mut people = People {
        users: desired.users.len(),
        hint: 0,
        records,
        others: BTreeMap::new(),
    };
    for m in desired
        .memberships
        .roles
        .iter()
        .filter(|m| m.role == Role::Manager)
    {
        if let Some(p) = desired.member(m).and_then(|id| people.user_mut(id)) {
            p.managed.insert(&m.team);
        }
    }
    for planned in &plan.actions {
        let (key, external_id, effect, username) = match &planned.action {
            Action::CreateUser {
                external_id,
                username,
                ..
            } => {
                let id = &**external_id;
                (id, Some(id), Effect::Create, &**username)
            }
            Action::UpdateUser {
                external_id,
                username,
                link,
                ..
            } => {
                let id = &**external_id;
                let effect = if *link { Effect::Link } else { Effect::Update };
                (id, Some(id), effect, &**username)
            }
            Action::PauseUser {
                external_id,
                username,
            } => (
                external_id.as_deref().unwrap_or(username),
                external_id.as_deref(),
                Effect::Pause,
                &**username,
            ),
            Action::ReactivateUser {
                external_id,
                username,
            } => {
                let id = &**external_id;
                (id, Some(id), Effect::Reactivate, &**username)
            }
            _ => continue,
        };
        let p = people.acted_on(key);
        if p.external_id.is_none() {
            p.external_id = external_id;
        }
        if p.username.is_none() {
            p.username = Some(username);
        }
        p.effect = effect;
        p.effect_because = Some(&planned.because);
    }
    people
}

/// The two versions' outcomes of each person, matched: the people with a record by their
/// record's position, the others (and, when the versions read the records differently, the
/// records one version has and the other lacks) by name (see [`PersonView::name`]).
/// `None`: the version has no such person.
pub fn matched<'v, 'a>(
    a: &'v People<'a>,
    b: &'v People<'a>,
) -> Vec<(Option<&'v PersonView<'a>>, Option<&'v PersonView<'a>>)> {
    const NONE: u32 = u32::MAX;
    let last = b.records.iter().map(|p| p.position).max().unwrap_or(0);
    let mut at_b = vec![NONE; last + 1];
    for (i, p) in b.records.iter().enumerate() {
        if p.position > 0 {
            at_b[p.position] = u32::try_from(i).unwrap_or(NONE);
        }
    }
    let mut out = Vec::with_capacity(a.records.len().max(b.records.len()));
    let mut rest_a = Vec::new();
    for p in &a.records {
        match at_b.get_mut(p.position) {
            Some(i) if p.position > 0 && *i != NONE => {
                out.push((Some(p), b.records.get(*i as usize)));
                // Taken: what is left in `at_b` are the records only `b` has.
                *i = NONE;
            }
            _ => rest_a.push(p),
        }
    }
    let rest_b = b
        .records
        .iter()
        .filter(|p| p.position == 0 || at_b.get(p.position).is_some_and(|i| *i != NONE));
    if rest_a.is_empty() && a.others.is_empty() && b.others.is_empty() {
        out.extend(rest_b.map(|p| (None, Some(p))));
        return out;
    }
    let mut by_name: BTreeMap<
        Cow<'a, str>,
        (Option<&'v PersonView<'a>>, Option<&'v PersonView<'a>>),
    > = BTreeMap::new();
    let unnamed = || Cow::Borrowed("(a record without an ID)");
    for p in rest_a.into_iter().chain(a.others.values()) {
        by_name
            .entry(p.name().unwrap_or_else(unnamed))
            .or_default()
            .0 = Some(p);
    }
    for p in rest_b.chain(b.others.values()) {
        by_name
            .entry(p.name().unwrap_or_else(unnamed))
            .or_default()
            .1 = Some(p);
    }
    out.extend(by_name.into_values());
    out
}

/// Makes a change of a kind (and attribute) from the old and the new value, with the
/// statements behind them.
type MakeChange<'f, 'a> = dyn Fn(ChangeKind, Option<&'a str>, Option<Value<'a>>, Option<Value<'a>>) -> PersonChange<'a>
    + 'f;

/// The changes from `a` (under `old`) to `b` (under `new`).
pub(super) fn changes<'a>(
    a: &PersonView<'a>,
    b: &PersonView<'a>,
    old: &'a Side,
    new: &'a Side,
) -> Vec<PersonChange<'a>> {
    let mut out = Vec::new();
    let change = |kind, attribute: Option<&'a str>, o: Option<Value<'a>>, n: Option<Value<'a>>| {
        let (ob, nb) = match (kind, attribute) {
            (ChangeKind::Attribute, Some(name)) => (old.reasons.get(name), new.reasons.get(name)),
            (ChangeKind::Team, _) => (old.reasons.get("team"), new.reasons.get("team")),
            (ChangeKind::Manager | ChangeKind::ManagedTeams, _) => {
                (old.reasons.get("manager"), new.reasons.get("manager"))
            }
            (ChangeKind::Status, _) => (a.status_because, b.status_because),
            (ChangeKind::Action, _) => (a.effect_because, b.effect_because),
            _ => (None, None),
        };
        PersonChange {
            kind,
            attribute,
            old: o,
            new: n,
            old_because: ob,
            new_because: nb,
        }
    };
    let text = |s: Option<&'a str>| s.map(|s| Value::Text(Cow::Borrowed(s)));
    if a.status != b.status {
        out.push(change(
            ChangeKind::Status,
            None,
            text(Some(a.status.as_str())),
            text(Some(b.status.as_str())),
        ));
    }
    if a.status.synced() && b.status.synced() {
        details(a, b, (old, new), &change, &mut out);
    } else if a.status.synced() || b.status.synced() {
        // Synced by one version only: the status says it all, and who the person is.
        external_id(a, b, &change, &mut out);
    }
    let routine = |e: Effect| matches!(e, Effect::Nothing | Effect::Update);
    if a.status == b.status && a.effect != b.effect && !(routine(a.effect) && routine(b.effect)) {
        out.push(change(
            ChangeKind::Action,
            None,
            text(Some(a.effect.as_str())),
            text(Some(b.effect.as_str())),
        ));
    }
    out
}

/// Another external ID for the same record: an attribute change of `external_id`.
fn external_id<'a>(
    a: &PersonView<'a>,
    b: &PersonView<'a>,
    change: &MakeChange<'_, 'a>,
    out: &mut Vec<PersonChange<'a>>,
) {
    if a.position > 0
        && a.external_id.is_some()
        && b.external_id.is_some()
        && a.external_id != b.external_id
    {
        let text = |s: Option<&'a str>| s.map(|s| Value::Text(Cow::Borrowed(s)));
        out.push(change(
            ChangeKind::Attribute,
            Some("external_id"),
            text(a.external_id),
            text(b.external_id),
        ));
    }
}

/// The changes of a person both versions sync: team, manager, attributes, segments.
fn details<'a>(
    a: &PersonView<'a>,
    b: &PersonView<'a>,
    (old, new): (&'a Side, &'a Side),
    change: &MakeChange<'_, 'a>,
    out: &mut Vec<PersonChange<'a>>,
) {
    let text = |s: Option<&'a str>| s.map(|s| Value::Text(Cow::Borrowed(s)));
    if a.team != b.team {
        out.push(change(ChangeKind::Team, None, text(a.team), text(b.team)));
    }
    if a.manager != b.manager {
        out.push(change(
            ChangeKind::Manager,
            None,
            text(a.manager),
            text(b.manager),
        ));
    }
    if a.managed != b.managed {
        let list = |s: &BTreeSet<&'a str>| Some(Value::List(s.iter().copied().collect()));
        out.push(change(
            ChangeKind::ManagedTeams,
            None,
            list(&a.managed),
            list(&b.managed),
        ));
    }
    external_id(a, b, change, out);
    if a.username != b.username {
        out.push(change(
            ChangeKind::Attribute,
            Some("username"),
            text(a.username),
            text(b.username),
        ));
    }
    attributes(a.attributes, b.attributes, change, out);
    let none = BTreeSet::new();
    let (sa, sb) = (a.segments.unwrap_or(&none), b.segments.unwrap_or(&none));
    if sa != sb {
        let list = |s: Option<&'a BTreeSet<String>>| {
            Some(Value::List(
                s.into_iter().flatten().map(String::as_str).collect(),
            ))
        };
        // The statement behind the first segment only one version gives.
        let first = |side: &'a Side| {
            sa.symmetric_difference(sb)
                .find_map(|id| side.desired.segments.get(id))
                .map(|s| &s.because)
        };
        out.push(PersonChange {
            kind: ChangeKind::Segments,
            attribute: None,
            old: list(a.segments),
            new: list(b.segments),
            old_because: first(old),
            new_because: first(new),
        });
    }
}

/// The plain attributes that differ (`username` aside), by name: both lists are sorted by
/// name, so one walk through both finds them.
fn attributes<'a>(
    a: Option<&'a MappedAttributes>,
    b: Option<&'a MappedAttributes>,
    change: &MakeChange<'_, 'a>,
    out: &mut Vec<PersonChange<'a>>,
) {
    let pairs = |m: Option<&'a MappedAttributes>| m.into_iter().flat_map(|m| m.iter()).peekable();
    let (mut xs, mut ys) = (pairs(a), pairs(b));
    loop {
        let (name, x, y) = match (xs.peek(), ys.peek()) {
            (None, None) => break,
            (Some(&(kx, vx)), Some(&(ky, vy))) => match kx.cmp(ky) {
                std::cmp::Ordering::Equal => {
                    xs.next();
                    ys.next();
                    (kx, Some(vx), Some(vy))
                }
                std::cmp::Ordering::Less => {
                    xs.next();
                    (kx, Some(vx), None)
                }
                std::cmp::Ordering::Greater => {
                    ys.next();
                    (ky, None, Some(vy))
                }
            },
            (Some(&(kx, vx)), None) => {
                xs.next();
                (kx, Some(vx), None)
            }
            (None, Some(&(ky, vy))) => {
                ys.next();
                (ky, None, Some(vy))
            }
        };
        if x != y && name != "username" {
            out.push(change(
                ChangeKind::Attribute,
                Some(name),
                x.map(Value::from),
                y.map(Value::from),
            ));
        }
    }
}
