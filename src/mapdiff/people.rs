//! One version's outcome per person, read off its desired state and plan, and the changes
//! between two such outcomes.

use super::{ChangeKind, PersonChange, Side, Value};
use crate::action::Action;
use crate::model::{AttrValue, Attributes, Because, DesiredState, Role, UserStatus};
use crate::plan::Plan;
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
    /// The username, when computed.
    pub username: Option<&'a str>,
    /// The plain attributes (`username` is [`Self::username`]).
    pub attributes: Option<&'a Attributes>,
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
    fn attribute(&self, name: &str) -> Option<&'a AttrValue> {
        self.attributes.and_then(|a| a.get(name))
    }
}

/// Every person of one version, by person key (see [`super::PersonDiff::person`]).
/// Sorted by person key. The desired users come sorted by external ID and are most people:
/// they stay one sorted vector (a map of 100,000 people costs more than the comparison), the
/// few others (skipped, quarantined, only in the plan) sit in a map until the end.
pub fn people_of<'a>(desired: &'a DesiredState, plan: &'a Plan) -> Vec<(&'a str, PersonView<'a>)> {
    let mut people = People {
        users: Vec::with_capacity(desired.users.len()),
        others: BTreeMap::new(),
    };
    for (id, u) in desired.users.iter() {
        people.users.push((
            id.as_str(),
            PersonView {
                status: match u.status {
                    UserStatus::Active => Status::Active,
                    UserStatus::Paused => Status::Paused,
                },
                status_because: u.status_because.as_ref(),
                username: crate::model::text_attribute(&u.attributes, "username"),
                attributes: Some(&u.attributes),
                team: u.team.as_deref(),
                manager: u.manager.as_deref(),
                managed: BTreeSet::new(),
                segments: Some(&u.segments),
                effect: Effect::Nothing,
                effect_because: None,
            },
        ));
    }
    let left_out = desired
        .skipped
        .iter()
        .map(|s| {
            (
                s.external_id.as_deref(),
                s.record_id.as_deref(),
                s.username.as_deref(),
                &s.because,
                Status::Skipped,
            )
        })
        .chain(desired.quarantined.iter().map(|q| {
            (
                q.external_id.as_deref(),
                q.record_id.as_deref(),
                q.username.as_deref(),
                &q.because,
                Status::Quarantined,
            )
        }));
    for (external_id, record_id, username, because, status) in left_out {
        // A record whose ID could not be computed is named by its username, else by what it
        // is: records without any name cannot be told apart across the two versions.
        let key = match external_id {
            Some(id) if !people.contains(id) => id,
            _ => record_id.or(username).unwrap_or("(a record without an ID)"),
        };
        people.others.entry(key).or_insert_with(|| PersonView {
            status,
            status_because: Some(because),
            username,
            ..PersonView::default()
        });
    }
    for m in desired
        .memberships
        .roles
        .iter()
        .filter(|m| m.role == Role::Manager)
    {
        if let Some(p) = people.get_mut(m.user.as_str()) {
            p.managed.insert(&m.team);
        }
    }
    for planned in &plan.actions {
        let (key, effect, username) = match &planned.action {
            Action::CreateUser {
                external_id,
                username,
                ..
            } => (external_id.as_str(), Effect::Create, username.as_str()),
            Action::UpdateUser {
                external_id,
                username,
                link,
                ..
            } => (
                external_id.as_str(),
                if *link { Effect::Link } else { Effect::Update },
                username.as_str(),
            ),
            Action::PauseUser {
                external_id,
                username,
            } => (
                external_id.as_deref().unwrap_or(username),
                Effect::Pause,
                username.as_str(),
            ),
            Action::ReactivateUser {
                external_id,
                username,
            } => (external_id.as_str(), Effect::Reactivate, username.as_str()),
            _ => continue,
        };
        let p = people.entry(key);
        if p.username.is_none() {
            p.username = Some(username);
        }
        p.effect = effect;
        p.effect_because = Some(&planned.because);
    }
    people.into_sorted()
}

/// One version's people while they are gathered: see [`people_of`].
struct People<'a> {
    /// The desired users, sorted by external ID.
    users: Vec<(&'a str, PersonView<'a>)>,
    /// Everyone else.
    others: BTreeMap<&'a str, PersonView<'a>>,
}

impl<'a> People<'a> {
    fn contains(&self, key: &str) -> bool {
        self.users.binary_search_by(|(k, _)| (*k).cmp(key)).is_ok() || self.others.contains_key(key)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut PersonView<'a>> {
        match self.users.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => Some(&mut self.users[i].1),
            Err(_) => self.others.get_mut(key),
        }
    }

    /// The person `key`, a new one (not in the source) when there is none yet.
    fn entry(&mut self, key: &'a str) -> &mut PersonView<'a> {
        match self.users.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => &mut self.users[i].1,
            Err(_) => self.others.entry(key).or_default(),
        }
    }

    fn into_sorted(self) -> Vec<(&'a str, PersonView<'a>)> {
        if self.others.is_empty() {
            return self.users;
        }
        let mut out = Vec::with_capacity(self.users.len() + self.others.len());
        let mut others = self.others.into_iter().peekable();
        for user in self.users {
            while let Some(other) = others.next_if(|(k, _)| *k < user.0) {
                out.push(other);
            }
            out.push(user);
        }
        out.extend(others);
        out
    }
}

/// Makes a change of a kind (and attribute) from the old and the new value, with the
/// statements behind them.
type MakeChange<'f> =
    dyn Fn(ChangeKind, Option<&str>, Option<Value>, Option<Value>) -> PersonChange + 'f;

/// The changes from `a` (under `old`) to `b` (under `new`).
pub(super) fn changes(a: &PersonView, b: &PersonView, old: &Side, new: &Side) -> Vec<PersonChange> {
    let mut out = Vec::new();
    let change = |kind, attribute: Option<&str>, o: Option<Value>, n: Option<Value>| {
        let (ob, nb) = match (kind, attribute) {
            (ChangeKind::Attribute, Some(name)) => (
                old.reasons.get(name).cloned(),
                new.reasons.get(name).cloned(),
            ),
            (ChangeKind::Team, _) => (
                old.reasons.get("team").cloned(),
                new.reasons.get("team").cloned(),
            ),
            (ChangeKind::Manager | ChangeKind::ManagedTeams, _) => (
                old.reasons.get("manager").cloned(),
                new.reasons.get("manager").cloned(),
            ),
            (ChangeKind::Status, _) => (a.status_because.cloned(), b.status_because.cloned()),
            (ChangeKind::Action, _) => (a.effect_because.cloned(), b.effect_because.cloned()),
            _ => (None, None),
        };
        PersonChange {
            kind,
            attribute: attribute.map(str::to_string),
            old: o,
            new: n,
            old_because: ob,
            new_because: nb,
        }
    };
    let text = |s: Option<&str>| s.map(|s| Value::Text(s.to_string()));
    if a.status != b.status {
        out.push(change(
            ChangeKind::Status,
            None,
            text(Some(a.status.as_str())),
            text(Some(b.status.as_str())),
        ));
    }
    // A person synced by one version only: the status says it all.
    if a.status.synced() && b.status.synced() {
        details(a, b, old, new, &change, &mut out);
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

/// The changes of a person both versions sync: team, manager, attributes, segments.
fn details(
    a: &PersonView,
    b: &PersonView,
    old: &Side,
    new: &Side,
    change: &MakeChange,
    out: &mut Vec<PersonChange>,
) {
    let text = |s: Option<&str>| s.map(|s| Value::Text(s.to_string()));
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
        let list =
            |s: &BTreeSet<&str>| Some(Value::List(s.iter().map(|t| t.to_string()).collect()));
        out.push(change(
            ChangeKind::ManagedTeams,
            None,
            list(&a.managed),
            list(&b.managed),
        ));
    }
    if a.username != b.username {
        out.push(change(
            ChangeKind::Attribute,
            Some("username"),
            text(a.username),
            text(b.username),
        ));
    }
    let names: BTreeSet<&str> = [a.attributes, b.attributes]
        .into_iter()
        .flatten()
        .flat_map(|attrs| attrs.keys().map(|k| k.as_ref()))
        .filter(|k| *k != "username")
        .collect();
    for name in names {
        let (x, y) = (a.attribute(name), b.attribute(name));
        if x != y {
            out.push(change(
                ChangeKind::Attribute,
                Some(name),
                x.map(Value::from),
                y.map(Value::from),
            ));
        }
    }
    let empty = BTreeSet::new();
    let (sa, sb) = (a.segments.unwrap_or(&empty), b.segments.unwrap_or(&empty));
    if sa != sb {
        let first = |side: &Side| {
            sa.symmetric_difference(sb)
                .find_map(|id| side.desired.segments.get(id))
                .map(|s| s.because.clone())
        };
        out.push(PersonChange {
            kind: ChangeKind::Segments,
            attribute: None,
            old: Some(Value::List(sa.iter().cloned().collect())),
            new: Some(Value::List(sb.iter().cloned().collect())),
            old_because: first(old),
            new_because: first(new),
        });
    }
}
