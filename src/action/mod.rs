//! The actions of a sync: one change to Winningtemp each, with the mapping statement that caused
//! it, and their execution order. The diff makes them, the guards judge them, the plan carries
//! them, apply delivers them; they sit below all four.

pub(crate) mod order;

pub(crate) use order::in_order;
pub use order::sort_actions;

use crate::model::{AttrValue, Because, NewUserAttributes, Role, UserStatus};
use serde::{Deserialize, Serialize};

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
        external_id: Box<str>,
        /// The new user's username (shared with the user's memberships in the plan).
        username: std::sync::Arc<str>,
        /// Every attribute the mapping produced except `username` (shared with the desired
        /// user).
        attributes: NewUserAttributes,
        /// Created active, or directly paused.
        status: UserStatus,
    },
    /// Change attributes of an existing user, and/or link it (set its external ID).
    UpdateUser {
        /// The user's external ID (the one being set when `link` is true).
        external_id: Box<str>,
        /// The user's username before this update.
        username: Box<str>,
        /// Only the attributes that change, `username` included when it changes.
        changes: Box<[Change]>,
        /// True when the user was found by email or username and gets its external ID now.
        link: bool,
    },
    /// Pause a user (never a deletion).
    PauseUser {
        /// The user's external ID; `None` for a user created by hand.
        external_id: Option<Box<str>>,
        /// The user's username.
        username: Box<str>,
    },
    /// Re-activate a paused user.
    ReactivateUser {
        /// The user's external ID.
        external_id: Box<str>,
        /// The user's username.
        username: Box<str>,
    },
    /// Create a team.
    CreateTeam {
        /// The new team's external ID.
        external_id: Box<str>,
        /// Display name.
        name: Box<str>,
        /// Parent team's external ID; `None` for a top-level team.
        parent: Option<Box<str>>,
    },
    /// Rename a team (same external ID, new display name).
    RenameTeam {
        /// The team's external ID.
        external_id: Box<str>,
        /// Current name.
        from: Box<str>,
        /// New name.
        to: Box<str>,
    },
    /// Move a team under another parent.
    MoveTeam {
        /// The team's external ID.
        external_id: Box<str>,
        /// Current parent (`None` = top level).
        from: Option<Box<str>>,
        /// New parent (`None` = top level).
        to: Option<Box<str>>,
    },
    /// Make a user member or manager of a team.
    AddMembership {
        /// Username (shared: one user has a create and several memberships).
        user: std::sync::Arc<str>,
        /// Team external ID (shared: a team has many members).
        team: std::sync::Arc<str>,
        /// Role in the team.
        role: Role,
    },
    /// Remove a user's membership (of the given role) from a team.
    RemoveMembership {
        /// Username (shared: one user has a create and several memberships).
        user: std::sync::Arc<str>,
        /// Team external ID (shared: a team has many members).
        team: std::sync::Arc<str>,
        /// Role being removed.
        role: Role,
    },
    /// Create a segment.
    CreateSegment {
        /// The new segment's external ID.
        external_id: Box<str>,
        /// Display name.
        name: Box<str>,
        /// Category (`Country`).
        category: Box<str>,
    },
    /// Connect a user to a segment.
    AddSegmentConnection {
        /// Username.
        user: Box<str>,
        /// Segment external ID.
        segment: Box<str>,
    },
    /// Disconnect a user from a segment.
    RemoveSegmentConnection {
        /// Username.
        user: Box<str>,
        /// Segment external ID.
        segment: Box<str>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A big plan holds hundreds of thousands of actions, nearly all `create_user` and
    /// `add_membership`, so every byte of the enum counts once per action (24 B less was ~10 MB
    /// at 100k users). A variant that makes `Action` bigger than these bounds must keep its data
    /// behind one pointer: `Box<str>` for text, `Box<[T]>` for lists, or box the whole payload.
    #[test]
    fn actions_stay_small() {
        let (action, planned) = (
            std::mem::size_of::<Action>(),
            std::mem::size_of::<PlannedAction>(),
        );
        assert!(
            action <= 56,
            "Action is {action} bytes, more than 56: box the data of the variant that grew it"
        );
        assert!(
            planned <= 64,
            "PlannedAction is {planned} bytes, more than 64: box the data of the variant that \
             grew Action"
        );
    }
}
