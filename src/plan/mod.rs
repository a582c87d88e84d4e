//! The plan: the ordered list of Winningtemp actions that turns the current state into the
//! desired state, each with the mapping statement that caused it, plus everything a reviewer
//! needs next to it (skipped and quarantined records, warnings, guard outcomes, a summary).
//! The JSON form (`wtmap.plan/v2`) is documented in docs/plan.md and docs/plan.schema.json.

mod apply_memory;
mod json;
mod json_layout;
mod json_pretty;
#[cfg(test)]
mod json_tests;
mod markdown;
mod order;
mod render;
#[cfg(test)]
pub(crate) mod schema_check;
#[cfg(test)]
pub(crate) mod tests;
mod tree;

pub use apply_memory::apply_to_state;
pub use json::{render_json, write_json};
pub use markdown::render_markdown;
pub use order::sort_actions;
pub use render::{because_text, headline, render_actions, render_human};
pub use tree::{TreeLine, team_tree};

use crate::guard::GuardOutcome;
use crate::model::{
    AttrValue, Attributes, Because, DesiredState, QuarantinedRecord, Role, RunWarning,
    SkippedRecord, UserStatus,
};
use serde::{Deserialize, Serialize};

/// The `wtmap.plan/v2` format tag. v2 added `inputs`, which `apply --plan` requires.
pub const PLAN_FORMAT: &str = "wtmap.plan/v2";

/// What a plan was made from: the mapping (canonical path, text hash), the target, and the
/// state the plan was computed against. `wtmap apply --plan` refuses a plan whose inputs are
/// not the mapping, target and state it finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInputs {
    /// The mapping file's canonical path.
    pub mapping: String,
    /// SHA-256 of the mapping's text.
    pub mapping_sha256: String,
    /// `scim:<url>` or `files:<folder>`.
    pub target: String,
    /// [`crate::state::fingerprint`] of the state the plan was made against.
    pub state_sha256: String,
}

impl PlanInputs {
    /// The inputs of a plan of the mapping and target `identity` against `state`.
    pub fn new(identity: &crate::identity::Identity, state: &crate::model::CurrentState) -> Self {
        PlanInputs {
            mapping: identity.mapping.clone(),
            mapping_sha256: identity.mapping_sha256.clone(),
            target: identity.target.clone(),
            state_sha256: crate::state::fingerprint(state),
        }
    }

    /// The mapping and target part.
    pub fn identity(&self) -> crate::identity::Identity {
        crate::identity::Identity {
            mapping: self.mapping.clone(),
            mapping_sha256: self.mapping_sha256.clone(),
            target: self.target.clone(),
        }
    }
}

/// One change to Winningtemp. Serialized internally tagged: `{"action": "create_user", …}`.
///
/// Users are named by username in membership and connection actions; that is the username the
/// user has when the action runs, i.e. after every `update_user` of the plan (see the order in
/// [`sort_actions`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create a user that does not exist yet.
    CreateUser {
        /// The new user's external ID.
        external_id: String,
        /// The new user's username.
        username: String,
        /// Every attribute the mapping produced except `username`.
        #[serde(serialize_with = "crate::model::attributes_as_map")]
        attributes: Attributes,
        /// Created active, or directly paused.
        status: UserStatus,
    },
    /// Change attributes of an existing user, and/or link it (set its external ID).
    UpdateUser {
        /// The user's external ID (the one being set when `link` is true).
        external_id: String,
        /// The user's username before this update.
        username: String,
        /// Only the attributes that change, `username` included when it changes.
        changes: Vec<Change>,
        /// True when the user was found by email or username and gets its external ID now.
        link: bool,
    },
    /// Pause a user (never a deletion).
    PauseUser {
        /// The user's external ID; `None` for a user created by hand.
        external_id: Option<String>,
        /// The user's username.
        username: String,
    },
    /// Re-activate a paused user.
    ReactivateUser {
        /// The user's external ID.
        external_id: String,
        /// The user's username.
        username: String,
    },
    /// Create a team.
    CreateTeam {
        /// The new team's external ID.
        external_id: String,
        /// Display name.
        name: String,
        /// Parent team's external ID; `None` for a top-level team.
        parent: Option<String>,
    },
    /// Rename a team (same external ID, new display name).
    RenameTeam {
        /// The team's external ID.
        external_id: String,
        /// Current name.
        from: String,
        /// New name.
        to: String,
    },
    /// Move a team under another parent.
    MoveTeam {
        /// The team's external ID.
        external_id: String,
        /// Current parent (`None` = top level).
        from: Option<String>,
        /// New parent (`None` = top level).
        to: Option<String>,
    },
    /// Make a user member or manager of a team.
    AddMembership {
        /// Username.
        user: String,
        /// Team external ID (shared: a team has many members).
        team: std::sync::Arc<str>,
        /// Role in the team.
        role: Role,
    },
    /// Remove a user's membership (of the given role) from a team.
    RemoveMembership {
        /// Username.
        user: String,
        /// Team external ID (shared: a team has many members).
        team: std::sync::Arc<str>,
        /// Role being removed.
        role: Role,
    },
    /// Create a segment.
    CreateSegment {
        /// The new segment's external ID.
        external_id: String,
        /// Display name.
        name: String,
        /// Category (`Country`).
        category: String,
    },
    /// Connect a user to a segment.
    AddSegmentConnection {
        /// Username.
        user: String,
        /// Segment external ID.
        segment: String,
    },
    /// Disconnect a user from a segment.
    RemoveSegmentConnection {
        /// Username.
        user: String,
        /// Segment external ID.
        segment: String,
    },
}

/// The kind of an [`Action`], without its data; its `as_str` is the JSON tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    /// `create_user`
    CreateUser,
    /// `update_user`
    UpdateUser,
    /// `pause_user`
    PauseUser,
    /// `reactivate_user`
    ReactivateUser,
    /// `create_team`
    CreateTeam,
    /// `rename_team`
    RenameTeam,
    /// `move_team`
    MoveTeam,
    /// `add_membership`
    AddMembership,
    /// `remove_membership`
    RemoveMembership,
    /// `create_segment`
    CreateSegment,
    /// `add_segment_connection`
    AddSegmentConnection,
    /// `remove_segment_connection`
    RemoveSegmentConnection,
}

impl ActionKind {
    /// Every kind, in declaration order.
    pub const ALL: [ActionKind; 12] = [
        ActionKind::CreateUser,
        ActionKind::UpdateUser,
        ActionKind::PauseUser,
        ActionKind::ReactivateUser,
        ActionKind::CreateTeam,
        ActionKind::RenameTeam,
        ActionKind::MoveTeam,
        ActionKind::AddMembership,
        ActionKind::RemoveMembership,
        ActionKind::CreateSegment,
        ActionKind::AddSegmentConnection,
        ActionKind::RemoveSegmentConnection,
    ];

    /// The JSON tag (`create_user`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::CreateUser => "create_user",
            ActionKind::UpdateUser => "update_user",
            ActionKind::PauseUser => "pause_user",
            ActionKind::ReactivateUser => "reactivate_user",
            ActionKind::CreateTeam => "create_team",
            ActionKind::RenameTeam => "rename_team",
            ActionKind::MoveTeam => "move_team",
            ActionKind::AddMembership => "add_membership",
            ActionKind::RemoveMembership => "remove_membership",
            ActionKind::CreateSegment => "create_segment",
            ActionKind::AddSegmentConnection => "add_segment_connection",
            ActionKind::RemoveSegmentConnection => "remove_segment_connection",
        }
    }
}

impl Action {
    /// This action's kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::CreateUser { .. } => ActionKind::CreateUser,
            Action::UpdateUser { .. } => ActionKind::UpdateUser,
            Action::PauseUser { .. } => ActionKind::PauseUser,
            Action::ReactivateUser { .. } => ActionKind::ReactivateUser,
            Action::CreateTeam { .. } => ActionKind::CreateTeam,
            Action::RenameTeam { .. } => ActionKind::RenameTeam,
            Action::MoveTeam { .. } => ActionKind::MoveTeam,
            Action::AddMembership { .. } => ActionKind::AddMembership,
            Action::RemoveMembership { .. } => ActionKind::RemoveMembership,
            Action::CreateSegment { .. } => ActionKind::CreateSegment,
            Action::AddSegmentConnection { .. } => ActionKind::AddSegmentConnection,
            Action::RemoveSegmentConnection { .. } => ActionKind::RemoveSegmentConnection,
        }
    }
}

/// One attribute change of an `update_user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Attribute name (`first_name`, `username`, …).
    pub attribute: String,
    /// Value in Winningtemp now; `None` when unset.
    pub from: Option<AttrValue>,
    /// New value; `None` clears it (the mapping maps it, but it evaluated empty).
    pub to: Option<AttrValue>,
    /// The statement that produced the new value, when the mapping recorded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<Because>,
}

/// An action with the statement that caused it. In JSON the action's fields and `because`
/// sit side by side in one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAction {
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
    /// Why.
    pub because: Because,
}

/// How many actions of each kind a plan holds. Every field is always present in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// `create_user` actions.
    pub create_user: usize,
    /// `update_user` actions (links included).
    pub update_user: usize,
    /// `update_user` actions that link a user by email/username.
    pub link_user: usize,
    /// `pause_user` actions.
    pub pause_user: usize,
    /// `reactivate_user` actions.
    pub reactivate_user: usize,
    /// `create_team` actions.
    pub create_team: usize,
    /// `rename_team` actions.
    pub rename_team: usize,
    /// `move_team` actions.
    pub move_team: usize,
    /// `add_membership` actions.
    pub add_membership: usize,
    /// `remove_membership` actions.
    pub remove_membership: usize,
    /// `create_segment` actions.
    pub create_segment: usize,
    /// `add_segment_connection` actions.
    pub add_segment_connection: usize,
    /// `remove_segment_connection` actions.
    pub remove_segment_connection: usize,
    /// All actions.
    pub total: usize,
}

impl Summary {
    /// Counts the actions of a plan.
    pub fn of(actions: &[PlannedAction]) -> Summary {
        let mut s = Summary {
            total: actions.len(),
            ..Summary::default()
        };
        for planned in actions {
            let slot = match &planned.action {
                Action::CreateUser { .. } => &mut s.create_user,
                Action::UpdateUser { link, .. } => {
                    if *link {
                        s.link_user += 1;
                    }
                    &mut s.update_user
                }
                Action::PauseUser { .. } => &mut s.pause_user,
                Action::ReactivateUser { .. } => &mut s.reactivate_user,
                Action::CreateTeam { .. } => &mut s.create_team,
                Action::RenameTeam { .. } => &mut s.rename_team,
                Action::MoveTeam { .. } => &mut s.move_team,
                Action::AddMembership { .. } => &mut s.add_membership,
                Action::RemoveMembership { .. } => &mut s.remove_membership,
                Action::CreateSegment { .. } => &mut s.create_segment,
                Action::AddSegmentConnection { .. } => &mut s.add_segment_connection,
                Action::RemoveSegmentConnection { .. } => &mut s.remove_segment_connection,
            };
            *slot += 1;
        }
        s
    }
}

/// A complete plan (`wtmap.plan/v2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always `wtmap.plan/v2`.
    pub format: String,
    /// The mapping file's name (`mappings/flex.wtmap`).
    pub mapping: String,
    /// What the plan was made from; `None` for plans made in memory (tests, `explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<PlanInputs>,
    /// How many records the source delivered.
    pub source_records: usize,
    /// Counts per action kind.
    pub summary: Summary,
    /// The actions, in execution order.
    pub actions: Vec<PlannedAction>,
    /// Records skipped on purpose (`skip when`); their users are left alone.
    pub skipped: Vec<SkippedRecord>,
    /// Records that could not be mapped; their users are left alone.
    pub quarantined: Vec<QuarantinedRecord>,
    /// Warnings from evaluation and from the diff.
    pub warnings: Vec<RunWarning>,
    /// Guard outcomes; the plan may only be applied when [`crate::guard::guards_passed`].
    pub guards: Vec<GuardOutcome>,
    /// For teams from org units: the tree around the teams this plan creates, renames or
    /// moves (see [`team_tree`]), shown by the human and Markdown forms; not in the JSON form.
    #[serde(skip)]
    pub team_tree: Vec<TreeLine>,
}

impl Plan {
    /// Assembles a plan from actions in execution order, as the diff returns them (see
    /// [`sort_actions`]; sorting them again would cost a 100k-user plan ~8 ms): counts them, and
    /// carries the desired state's skipped, quarantined and warnings (followed by
    /// `diff_warnings`).
    pub fn new(
        mapping: impl Into<String>,
        desired: &DesiredState,
        actions: Vec<PlannedAction>,
        diff_warnings: Vec<RunWarning>,
        guards: Vec<GuardOutcome>,
    ) -> Plan {
        debug_assert!(order::in_order(&actions), "actions not in execution order");
        let mut warnings = desired.warnings.clone();
        warnings.extend(diff_warnings);
        Plan {
            format: PLAN_FORMAT.to_string(),
            mapping: mapping.into(),
            inputs: None,
            source_records: desired.source_records,
            summary: Summary::of(&actions),
            actions,
            skipped: desired.skipped.clone(),
            quarantined: desired.quarantined.clone(),
            warnings,
            guards,
            team_tree: Vec::new(),
        }
    }

    /// True when the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}
