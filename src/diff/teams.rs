//! Teams and segments: create what is missing, rename and move teams. Nothing is deleted:
//! teams and segments the mapping no longer produces are left as they are.

use super::Input;
use crate::action::{Action, PlannedAction};
use crate::model::CurrentTeam;
use foldhash::{HashMap, HashSet};

/// Team actions (parent-first order is applied later by `sort_actions`).
pub(crate) fn diff_teams(input: &Input<'_>) -> Vec<PlannedAction> {
    let current: HashMap<&str, &CurrentTeam> = input
        .given
        .current
        .teams
        .iter()
        .filter_map(|t| t.external_id.as_deref().map(|id| (id, t)))
        .collect();
    let mut actions = Vec::new();
    for (external_id, team) in &input.desired.teams {
        let because = team.because.clone();
        let Some(now) = current.get(external_id.as_str()) else {
            actions.push(PlannedAction {
                action: Action::CreateTeam {
                    external_id: external_id.as_str().into(),
                    name: team.name.as_str().into(),
                    parent: team.parent.as_deref().map(Box::from),
                },
                because,
            });
            continue;
        };
        if now.name != team.name {
            actions.push(PlannedAction {
                action: Action::RenameTeam {
                    external_id: external_id.as_str().into(),
                    from: now.name.as_str().into(),
                    to: team.name.as_str().into(),
                },
                because: because.clone(),
            });
        }
        if now.parent != team.parent {
            actions.push(PlannedAction {
                action: Action::MoveTeam {
                    external_id: external_id.as_str().into(),
                    from: now.parent.as_deref().map(Box::from),
                    to: team.parent.as_deref().map(Box::from),
                },
                because,
            });
        }
    }
    actions
}

/// Segment actions: create the missing ones. A segment's external ID derives from its category
/// and name, so a changed name is a new segment, never a rename.
pub(crate) fn diff_segments(input: &Input<'_>) -> Vec<PlannedAction> {
    let existing: HashSet<&str> = input
        .given
        .current
        .segments
        .iter()
        .filter_map(|s| s.external_id.as_deref())
        .collect();
    let mut actions = Vec::new();
    for (external_id, segment) in &input.desired.segments {
        if !existing.contains(external_id.as_str()) {
            actions.push(PlannedAction {
                action: Action::CreateSegment {
                    external_id: external_id.as_str().into(),
                    name: segment.name.as_str().into(),
                    category: segment.category.as_str().into(),
                },
                because: segment.because.clone(),
            });
        }
    }
    actions
}
