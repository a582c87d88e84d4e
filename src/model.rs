//! The Winningtemp directory as data: what a mapping wants (`DesiredState`, built by `eval`),
//! what Winningtemp holds (`CurrentState`, the `wtmap.state/v1` file format), and the actions
//! that turn one into the other (built by `diff`).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod mapped_attributes;
pub use mapped_attributes::{
    ATTRIBUTE_NAMES, AttrKey, AttrRef, MappedAttributes, Packer, UnknownAttribute,
};

/// A user attribute value as Winningtemp stores it: dates as `YYYY-MM-DD`, enums by name
/// (`Male`), booleans as booleans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// Text, dates and enum names. A `Box<str>`, not a `String`: a value is never grown, and
    /// the 8 bytes of capacity it does not carry are 5.6 MB of a 100k plan's ~700,000 values.
    Text(Box<str>),
    /// `exclude_from_surveys` and other flags.
    Bool(bool),
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrValue::Text(s) => f.write_str(s),
            AttrValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Plain user attributes keyed by target attribute name (`username`, `email`, `first_name`,
/// `last_name`, `gender`, `birthday`, `employed_since`, `employed_until`,
/// `exclude_from_surveys`, `role`). Status, external ID, manager, team and segments are
/// modelled separately because they are lifecycle or relations, not attributes.
/// What Winningtemp holds; a user the mapping makes holds [`MappedAttributes`] instead.
/// Keys are `Cow` so that known names are not allocated per user, while states read from files
/// own theirs. A flat sorted vector (`LiteMap`, same order
/// and map API as a `BTreeMap`): a user has a handful of attributes, and a `BTreeMap` node
/// reserves eleven slots for every one of a million users.
pub type Attributes = litemap::LiteMap<Cow<'static, str>, AttrValue>;

/// The place of attribute `name` among a user's attributes. A user has a handful: comparing
/// lengths first finds one faster than the map's binary search comparing text.
fn attribute_place(attributes: &Attributes, name: &str) -> Option<usize> {
    attributes
        .keys()
        .position(|key| key.len() == name.len() && key == name)
}

/// Attribute `name`, when it is text.
pub fn text_attribute<'a>(attributes: &'a Attributes, name: &str) -> Option<&'a str> {
    match attributes.get_indexed(attribute_place(attributes, name)?) {
        Some((_, AttrValue::Text(text))) => Some(text),
        _ => None,
    }
}

/// The attributes of a user to create: every attribute the mapping produced except `username`
/// (the create action carries that on its own). Made by the diff, it shares the desired user's
/// attributes, which hold `username` too, and skips it when read: a plan creating a million
/// users does not copy their attributes, and the desired state keeps its own.
#[derive(Clone, Default)]
pub struct NewUserAttributes {
    /// The attributes, shared.
    all: Arc<MappedAttributes>,
}

impl NewUserAttributes {
    /// A desired user's attributes, shared, without their `username`.
    pub fn shared(all: &Arc<MappedAttributes>) -> NewUserAttributes {
        NewUserAttributes {
            all: Arc::clone(all),
        }
    }

    /// Each attribute with its value, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, AttrRef<'_>)> {
        self.all
            .entries()
            .filter(|(key, _)| *key != AttrKey::USERNAME)
            .map(|(key, value)| (key.name(), value))
    }

    /// The value of attribute `name`.
    pub fn get(&self, name: &str) -> Option<AttrRef<'_>> {
        AttrKey::of(name)
            .filter(|key| *key != AttrKey::USERNAME)
            .and_then(|key| self.all.get_key(key))
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.all.len() - usize::from(self.all.get_key(AttrKey::USERNAME).is_some())
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The attributes as a map of their own (a copy).
    pub fn to_attributes(&self) -> Attributes {
        self.iter()
            .map(|(name, value)| (Cow::Borrowed(name), value.to_value()))
            .collect()
    }
}

impl From<MappedAttributes> for NewUserAttributes {
    /// `username`, if among them, is left out when read, as for shared ones.
    fn from(all: MappedAttributes) -> NewUserAttributes {
        NewUserAttributes { all: Arc::new(all) }
    }
}

impl PartialEq for NewUserAttributes {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for NewUserAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for NewUserAttributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for NewUserAttributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        MappedAttributes::deserialize(deserializer).map(NewUserAttributes::from)
    }
}

/// Why attributes and relations have their values: attribute name (or `team`,
/// `exclude_from_surveys`) → the statement that computes it. Statements are per mapping, not
/// per person, so one map serves every user (a map per user cost 11 inserts per record).
pub type Reasons = BTreeMap<Cow<'static, str>, Because>;

/// Writes [`Attributes`] as a map, also when empty. `LiteMap` writes an empty map as `[]` in
/// human-readable formats (it cannot tell that its keys are strings); the state and plan formats
/// say `{}`. Every serialized `Attributes` field goes through here.
pub fn attributes_as_map<S: serde::Serializer>(
    attributes: &Attributes,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(attributes.iter())
}

/// A user's lifecycle state in Winningtemp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Receives surveys, uses a licence.
    Active,
    /// Cannot log in, receives no surveys, uses no licence.
    Paused,
}

/// Which statement of the mapping caused something, for `because` in plans: the statement as
/// written, shortened to one line (`gender 1->Male 2->Female _->None`), and its 1-based line.
///
/// One pointer to a shared pair, not the pair: every action and membership carries one, and
/// every user a statement applies to points at the same statement, so a 100k plan's ~500,000
/// of them cost 8 bytes each instead of 24 (16 MB less at 100k). Written as
/// `{"statement": …, "line": …}`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Because(Arc<StatementAt>);

/// The pair a [`Because`] points at; ordered by statement, then line.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename = "Because")]
struct StatementAt {
    statement: Box<str>,
    line: usize,
}

impl Because {
    /// Statement `statement`, written at `line` (1-based; 0 when it has no line).
    pub fn new(statement: impl Into<Box<str>>, line: usize) -> Because {
        Because(Arc::new(StatementAt {
            statement: statement.into(),
            line,
        }))
    }

    /// The statement as written, on one line.
    pub fn statement(&self) -> &str {
        &self.0.statement
    }

    /// The statement's 1-based line in the mapping.
    pub fn line(&self) -> usize {
        self.0.line
    }
}

impl std::fmt::Debug for Because {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Because")
            .field("statement", &self.statement())
            .field("line", &self.line())
            .finish()
    }
}

impl Serialize for Because {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Because {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        StatementAt::deserialize(deserializer).map(|pair| Because(Arc::new(pair)))
    }
}

/// A team's membership role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A plain member ("User" membership).
    Member,
    /// Manager of the team and its subtree ("Admin" membership).
    Manager,
}

/// One user the mapping wants to exist.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredUser {
    /// The stable key.
    pub external_id: String,
    /// Plain attributes; always holds `username`, `first_name`, `last_name`. Shared with the
    /// plan's action when the user is created (see [`NewUserAttributes`]).
    pub attributes: Arc<MappedAttributes>,
    /// Active, or paused by a `pause when` / `status` statement.
    pub status: UserStatus,
    /// External ID of the team the user is a member of (deepest level of `group path`).
    /// Shared by the team's users, memberships and membership actions.
    pub team: Option<std::sync::Arc<str>>,
    /// External ID of the user's manager, as the mapping gave it.
    pub manager: Option<String>,
    /// External IDs of the segments the user belongs to.
    pub segments: BTreeSet<String>,
    /// Why each attribute / relation has its value: attribute name (or `team`) → statement.
    /// The same for every user of a mapping, so it is built once and shared.
    pub because: Arc<Reasons>,
    /// The statement that decided the status, when one did: a `pause when` that held, or a
    /// `status = …` statement. `None`: active because the source has the person.
    pub status_because: Option<Because>,
    /// The position of the record the user comes from, from 1 (`#7`); 0 when not known (a
    /// user made in a test). `wtmap diff` matches people across two versions by it.
    pub position: usize,
}

/// A team the mapping wants, derived from `group path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredTeam {
    /// Path-derived (or ID-field-derived) stable external ID.
    pub external_id: String,
    /// Display name (the level's value).
    pub name: String,
    /// Parent team's external ID; `None` for a top-level team.
    pub parent: Option<String>,
    /// External ID of the person an org unit names as its manager (`units { manager = … }`);
    /// `None` for teams of a `group path`.
    pub manager: Option<String>,
    /// The statement that built it.
    pub because: Because,
}

/// A segment the mapping wants, from a `segment "Category" = expr` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredSegment {
    /// Stable external ID derived from category and name.
    pub external_id: String,
    /// Display name (the value).
    pub name: String,
    /// Category (`Country`, `Job role`).
    pub category: String,
    /// The statement that built it.
    pub because: Because,
}

/// A record that was deliberately not synced (`skip when`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRecord {
    /// The record's ID (its external ID), `None` when it could not be computed.
    pub record_id: Option<String>,
    /// The record's position in the source, from 1 (`#7`).
    pub position: usize,
    /// The record's line in its file, when the source has lines.
    pub line: Option<usize>,
    /// External ID, when it could be computed: the diff must not pause this user.
    pub external_id: Option<String>,
    /// Username/email when computed: protects users matched by email too.
    pub username: Option<String>,
    /// The statement that skipped it.
    pub because: Because,
    /// The person's first and last name, when the mapping could compute them: carried to the
    /// run report, which names people (not part of the plan's JSON).
    #[serde(skip)]
    pub name: Option<String>,
}

/// A record that could not be mapped. Its Winningtemp user, if any, is left exactly as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRecord {
    /// The record's ID (its external ID), `None` when it could not be computed.
    pub record_id: Option<String>,
    /// The record's position in the source, from 1 (`#7`).
    pub position: usize,
    /// The record's line in its file, when the source has lines.
    pub line: Option<usize>,
    /// External ID, when it could be computed: the diff must not pause this user.
    pub external_id: Option<String>,
    /// Username/email when computed: protects users matched by email too.
    pub username: Option<String>,
    /// Diagnostic code (`E0401`).
    pub code: String,
    /// What went wrong, in words.
    pub reason: String,
    /// The statement being evaluated and its line.
    pub because: Because,
    /// The person's first and last name, when the mapping could compute them: carried to the
    /// run report, which names people (not part of the plan's JSON).
    #[serde(skip)]
    pub name: Option<String>,
}

/// The name of a record for people: its ID, or its position and line (`#3 (line 4)`) when it
/// has no ID, or both (`E007 #7 (line 8)`) when `with_position` (its ID is shared).
pub fn record_label(
    record_id: Option<&str>,
    position: usize,
    line: Option<usize>,
    with_position: bool,
) -> String {
    let at = match line {
        Some(l) => format!("#{position} (line {l})"),
        None => format!("#{position}"),
    };
    match record_id {
        Some(id) if with_position => format!("{id} {at}"),
        Some(id) => id.to_string(),
        None => at,
    }
}

impl SkippedRecord {
    /// The record's name in human and Markdown renderings: its ID, else its position.
    pub fn label(&self) -> String {
        record_label(self.record_id.as_deref(), self.position, self.line, false)
    }
}

/// The codes of records quarantined for sharing an external ID, username or email with
/// another record (E0405–E0407): the ID alone does not tell them apart.
const SHARED_KEY_CODES: [&str; 3] = ["E0405", "E0406", "E0407"];

impl QuarantinedRecord {
    /// The record's name in human and Markdown renderings: its ID, else its position; both
    /// when the record shares a key with others (their reasons name each other by position).
    pub fn label(&self) -> String {
        let shared = SHARED_KEY_CODES.contains(&self.code.as_str());
        record_label(self.record_id.as_deref(), self.position, self.line, shared)
    }
}

/// A warning about the run that does not stop any record (e.g. a manager outside the export).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunWarning {
    /// Diagnostic code (`W0451`).
    pub code: String,
    /// Record concerned, if any.
    pub record_id: Option<String>,
    /// What it means.
    pub message: String,
}

/// A team membership the mapping wants. Built by `eval` after all records are read: every
/// user is a member of their team; a user's manager becomes manager of that team. Winningtemp
/// forbids being member and manager of one team, so a team lead who is also a member of the team
/// they manage keeps the manager role there and becomes a member of the parent team instead
/// (see docs/language.md, "Managers").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredMembership {
    /// The user's place in [`DesiredState::users`] (which is sorted by external ID; see
    /// [`DesiredState::member`]). A place, not a copy of the ID: a 100k plan has 200,000 roles,
    /// and their copied IDs cost 8 MB and an allocation each.
    pub user: u32,
    /// The team's external ID (shared: a team has many members).
    pub team: std::sync::Arc<str>,
    /// Member or manager.
    pub role: Role,
    /// The statement that caused it (`group path` for members, `manager = …` for managers).
    pub because: Because,
}

/// A desired state's team memberships, made by `eval` from every user's team and manager once
/// the users and teams are known (and made again when org units are placed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredMemberships {
    /// One role per (user, team) pair; sorted by user, then team. A flat `Vec` because a
    /// million-user plan holds two million of them.
    pub roles: Vec<DesiredMembership>,
    /// Warnings about managers that could not be placed. Apart from
    /// [`DesiredState::warnings`] so that making the memberships again replaces them; the plan
    /// lists both, sorted together.
    pub warnings: Vec<RunWarning>,
}

/// Everything a mapping wants, for every record of one source read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredState {
    /// Users keyed by external ID. A sorted vector (`LiteMap`, a `BTreeMap`'s API): built once
    /// from the records and then only read, so it is one block of memory, filled without copying.
    pub users: litemap::LiteMap<String, DesiredUser>,
    /// Teams keyed by external ID.
    pub teams: BTreeMap<String, DesiredTeam>,
    /// Segments keyed by external ID.
    pub segments: BTreeMap<String, DesiredSegment>,
    /// Team memberships (see [`DesiredMemberships`]).
    pub memberships: DesiredMemberships,
    /// Records skipped on purpose.
    pub skipped: Vec<SkippedRecord>,
    /// Records that failed and are left alone.
    pub quarantined: Vec<QuarantinedRecord>,
    /// Run-level warnings (the memberships' are in [`DesiredMemberships::warnings`]).
    pub warnings: Vec<RunWarning>,
    /// How many records the source delivered (for guards).
    pub source_records: usize,
    /// Per field the program reads (by slot), the records that fill it (the `quality` module).
    pub filled: Vec<usize>,
}

impl DesiredState {
    /// The external ID of the user a membership is of.
    pub fn member(&self, membership: &DesiredMembership) -> Option<&str> {
        let (id, _) = self.users.get_indexed(membership.user as usize)?;
        Some(id)
    }

    /// The place of user `external_id` in [`DesiredState::users`], for
    /// [`DesiredMembership::user`].
    pub fn place_of(&self, external_id: &str) -> Option<u32> {
        let place = self.users.find_index(external_id).ok()?;
        u32::try_from(place).ok()
    }
}

/// The `wtmap.state/v1` format tag.
pub const STATE_FORMAT: &str = "wtmap.state/v1";

/// What Winningtemp holds now: the `wtmap.state/v1` JSON document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentState {
    /// Always `wtmap.state/v1`.
    pub format: String,
    /// Users; `username` is unique and is how memberships refer to a user.
    #[serde(default)]
    pub users: Vec<CurrentUser>,
    /// Teams with their parents.
    #[serde(default)]
    pub teams: Vec<CurrentTeam>,
    /// Segments.
    #[serde(default)]
    pub segments: Vec<CurrentSegment>,
    /// Team memberships with role.
    #[serde(default)]
    pub memberships: Vec<CurrentMembership>,
    /// Segment connections.
    #[serde(default)]
    pub segment_connections: Vec<CurrentSegmentConnection>,
    /// Number of people the source delivered on the last successful run (for
    /// `guard source >= 90% of last_run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_source_records: Option<usize>,
    /// Fill rate in percent of each field the mapping used on the last successful run (for
    /// the fill-rate drift guard, the `quality` module).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_fill_rates: Option<BTreeMap<String, f64>>,
}

impl CurrentState {
    /// An empty Winningtemp directory (a first run, or no `--state`).
    pub fn empty() -> CurrentState {
        CurrentState {
            format: STATE_FORMAT.to_string(),
            ..CurrentState::default()
        }
    }
}

/// A user in Winningtemp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentUser {
    /// The target's own ID (SCIM `id`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// External ID; `None` for users created by hand (outside `user_removal = only_external_id`).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Login name, unique.
    pub username: String,
    /// Active or paused.
    pub status: UserStatus,
    /// Other attributes (email, names, gender, dates, …), same keys as [`Attributes`].
    #[serde(default, serialize_with = "attributes_as_map")]
    pub attributes: Attributes,
}

/// A team in Winningtemp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentTeam {
    /// The target's own ID, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// External ID (teams created by hand may have none).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Parent's external ID.
    #[serde(default)]
    pub parent: Option<String>,
}

/// A segment in Winningtemp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentSegment {
    /// The target's own ID, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// External ID.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: String,
}

/// A team membership.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentMembership {
    /// The user's username.
    pub user: String,
    /// The team's external ID.
    pub team: String,
    /// Member or manager.
    pub role: Role,
    /// Created by the integration (wtmap) rather than by hand. Under `membership = never`
    /// only managed memberships are removed when the feed drops them.
    #[serde(default)]
    pub managed: bool,
}

/// A segment connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentSegmentConnection {
    /// The user's username.
    pub user: String,
    /// The segment's external ID.
    pub segment: String,
    /// Created by the integration rather than by hand (see [`CurrentMembership::managed`]).
    #[serde(default)]
    pub managed: bool,
}

/// Winningtemp's User Removal Rule: which users the integration manages (and may pause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRemoval {
    /// Only users that carry an external ID (Winningtemp's default).
    #[default]
    OnlyExternalId,
    /// Every user, including those created by hand.
    All,
}

/// Winningtemp's User Status Update Rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusRule {
    /// The feed decides the status (default).
    #[default]
    Overwrite,
    /// Users paused in Winningtemp stay paused even if the feed says active.
    KeepInactive,
}

/// Winningtemp's Membership Update Rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipRule {
    /// Memberships made by hand are never touched (default).
    #[default]
    Never,
    /// The integration owns every membership and removes those the feed lacks.
    Overwrite,
    /// As `overwrite`, but a manager in Winningtemp is never demoted to member by the feed.
    OverwriteIfRoleIsGreaterOrEqual,
}

/// Winningtemp's Segment Connection Update Rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentRule {
    /// Connections made by hand are never touched (default).
    #[default]
    Never,
    /// The integration owns every connection and removes those the feed lacks.
    Overwrite,
}

/// The configuration rules of one integration (`rules { … }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rules {
    /// User Removal Rule.
    pub user_removal: UserRemoval,
    /// User Status Update Rule.
    pub user_status: UserStatusRule,
    /// Membership Update Rule.
    pub membership: MembershipRule,
    /// Segment Connection Update Rule.
    pub segment_connection: SegmentRule,
    /// Whether created users are invited (carried to the target; `off` by default).
    pub invitations: bool,
}

/// How a record finds its Winningtemp user (`match by external_id, email`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    /// By external ID (always first).
    ExternalId,
    /// By email attribute, for users not yet linked.
    Email,
    /// By username, for users not yet linked.
    Username,
}

/// What a guard limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardSubject {
    /// Users paused by this run (`guard pauses <= 5%`).
    Pauses,
    /// Records the source delivered (`guard source >= 90% of last_run`).
    Source,
    /// Memberships removed from users who get no other membership of that role in the plan
    /// (`guard membership_removals <= 10%`, of the memberships Winningtemp holds).
    MembershipRemovals,
    /// Users whose username or email changes from a value they had
    /// (`guard identity_changes <= 10%`, of the active users the integration manages).
    IdentityChanges,
}

/// A guard's limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardLimit {
    /// An absolute number.
    Count(u64),
    /// A percentage (of managed users for pauses, of the last run for source).
    Percent(f64),
}

/// A safety limit checked before any write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    /// What is limited.
    pub subject: GuardSubject,
    /// `<=` / `>=` as written (`true` for an upper bound).
    pub upper_bound: bool,
    /// The limit.
    pub limit: GuardLimit,
    /// The statement (or `default guard` when none was written).
    pub because: Because,
}

/// `guard filled(Manager) >= 90%` (also `>= N` records, or `>= 80% of last_run`): a lower
/// bound on how many records fill a field (see the `quality` module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FillGuard {
    /// The field as written (`department.name`).
    pub field: String,
    /// Its slot among the fields the program reads.
    pub slot: usize,
    /// Percent of the source's records (or of last run's rate), or a count of records.
    pub limit: GuardLimit,
    /// `of last_run`: the percentage is of the field's fill rate in the last run.
    pub of_last_run: bool,
    /// The statement.
    pub because: Because,
}

/// How many of a source's records fill one field the mapping uses (the plan's fill-rate
/// table, the `quality` module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldFill {
    /// The field (`department.name`).
    pub field: String,
    /// Records in which it has a value (not missing, null, blank text or an empty list).
    pub filled: usize,
    /// `filled` in percent of the source's records.
    pub percent: f64,
    /// The field's fill rate in the last run, in percent, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_percent: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15, item 3: a created user's attributes share the desired user's and leave out
    /// `username` wherever it sits (first, between, last, or absent), in every way they are read.
    #[test]
    fn new_user_attributes_share_the_map_and_leave_out_the_username() {
        let names = ["birthday", "email", "username", "title"];
        for without in 0..=names.len() {
            let pairs = (names.iter().enumerate())
                .filter(|(n, _)| *n != without)
                .map(|(_, name)| (*name, AttrValue::Text(format!("{name}!").into())));
            let all = Arc::new(MappedAttributes::from_pairs(pairs).unwrap());
            let shared = NewUserAttributes::shared(&all);
            assert_eq!(Arc::strong_count(&all), 2, "shared, not copied");
            let mut plain = all.to_attributes();
            plain.remove("username");
            assert_eq!(shared.to_attributes(), plain);
            assert_eq!(shared, NewUserAttributes::from((*all).clone()));
            assert_eq!(
                (shared.len(), shared.is_empty()),
                (plain.len(), plain.is_empty())
            );
            assert_eq!(shared.get("username"), None);
            for (name, value) in plain.iter() {
                assert_eq!(shared.get(name), Some(AttrRef::from(value)));
            }
            let as_map: std::collections::BTreeMap<_, _> = plain.iter().collect();
            assert_eq!(format!("{shared:?}"), format!("{as_map:?}"));
            let json = serde_json::to_string(&shared).unwrap_or_default();
            let expected: Vec<String> = (plain.iter())
                .map(|(name, value)| format!("\"{name}\":\"{value}\""))
                .collect();
            assert_eq!(json, format!("{{{}}}", expected.join(",")));
            let back: NewUserAttributes = serde_json::from_str(&json).unwrap_or_default();
            assert_eq!(back, shared);
        }
    }

    #[test]
    fn attributes_are_found_by_name() {
        let mut attributes = Attributes::new();
        for (name, value) in [
            ("birthday", AttrValue::Text("1990-01-02".into())),
            ("email", AttrValue::Text("a@x".into())),
            ("exclude_from_surveys", AttrValue::Bool(true)),
            ("username", AttrValue::Text("a@x".into())),
        ] {
            attributes.insert(Cow::Borrowed(name), value);
        }
        assert_eq!(text_attribute(&attributes, "username"), Some("a@x"));
        assert_eq!(text_attribute(&attributes, "birthday"), Some("1990-01-02"));
        assert_eq!(
            text_attribute(&attributes, "exclude_from_surveys"),
            None,
            "not text"
        );
        assert_eq!(text_attribute(&attributes, "usernam"), None);
        assert_eq!(text_attribute(&attributes, "last_name"), None);
    }

    /// The state and plan formats say `"attributes": {}`, whatever the map type does.
    #[test]
    fn attributes_are_written_as_a_map_also_when_empty() {
        let mut user = CurrentUser {
            id: None,
            external_id: None,
            username: "a@x".into(),
            status: UserStatus::Active,
            attributes: Attributes::new(),
        };
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["attributes"], serde_json::json!({}));
        user.attributes
            .insert("email".into(), AttrValue::Text("a@x".into()));
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["attributes"], serde_json::json!({"email": "a@x"}));
        let back: CurrentUser = serde_json::from_value(json).unwrap();
        assert_eq!(back, user);
        // Keys in any order read back sorted, so lookups find them.
        let text = r#"{"username": "a@x", "status": "active",
                       "attributes": {"last_name": "B", "email": "a@x", "first_name": "A"}}"#;
        let read: CurrentUser = serde_json::from_str(text).unwrap();
        let keys: Vec<&str> = read.attributes.keys().map(|k| k.as_ref()).collect();
        assert_eq!(keys, ["email", "first_name", "last_name"]);
        assert_eq!(
            read.attributes.get("last_name"),
            Some(&AttrValue::Text("B".into()))
        );
    }
}
