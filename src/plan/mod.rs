//! The plan: the ordered list of Winningtemp actions that turns the current state into the
//! desired state, each with the mapping statement that caused it, plus everything a reviewer
//! needs next to it (skipped and quarantined records, warnings, guard outcomes, a summary).
//! The JSON form (`wtmap.plan/v3`) is documented in docs/plan.md and docs/plan.schema.json.

mod apply_memory;
mod json;
mod json_layout;
mod json_pretty;
mod markdown;
mod render;
#[cfg(test)]
pub(crate) mod tests;
mod tree;

pub use apply_memory::apply_to_state;
pub use json::{render_json, write_json};
pub use markdown::render_markdown;
pub use render::{because_text, headline, render_actions, render_human};
pub use tree::{TreeLine, team_tree};

use crate::action::{Action, PlannedAction};
use crate::guard::GuardOutcome;
use crate::model::{DesiredState, QuarantinedRecord, RunWarning, SkippedRecord};
use serde::{Deserialize, Serialize};

/// The `wtmap.plan/v3` format tag. v2 added `inputs`, which `apply --plan` requires; v3 gave
/// skipped and quarantined records their ID, position and line as separate fields.
pub const PLAN_FORMAT: &str = "wtmap.plan/v3";

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

/// A complete plan (`wtmap.plan/v3`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always `wtmap.plan/v3`.
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
    /// How many records fill each field the mapping uses, with last run's rate when known
    /// (`crate::quality`); kept in the journal, so the next run compares against it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fill_rates: Vec<crate::model::FieldFill>,
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
        debug_assert!(
            crate::action::in_order(&actions),
            "actions not in execution order"
        );
        let mut warnings = desired.warnings.clone();
        // The memberships' warnings are kept apart in the desired state (making them again
        // replaces them); listed among the others, in one order.
        if !desired.memberships.warnings.is_empty() {
            warnings.extend(desired.memberships.warnings.iter().cloned());
            warnings.sort();
        }
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
            fill_rates: Vec::new(),
            team_tree: Vec::new(),
        }
    }

    /// True when the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}
