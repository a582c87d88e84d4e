//! The team tree of a plan whose teams come from org units (`units { … }`): the teams the
//! plan creates, renames or moves, in place under their ancestors, for the human and Markdown
//! forms. Unchanged branches are left out; unchanged ancestors are shown for context.

use super::{Action, PlannedAction};
use crate::model::DesiredTeam;
use std::collections::{BTreeMap, BTreeSet};

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeLine {
    /// Depth below the top (0 at the top).
    pub depth: usize,
    /// `+` created, `~` renamed or moved, ` ` unchanged (shown for its changed descendants).
    pub mark: char,
    /// `Name (ID)`, with what changes.
    pub text: String,
}

/// The lines of the tree of `teams` around the team actions of `actions`; empty when the plan
/// changes no team.
pub fn team_tree(
    teams: &BTreeMap<String, DesiredTeam>,
    actions: &[PlannedAction],
) -> Vec<TreeLine> {
    let mut changes: BTreeMap<&str, (char, Vec<String>)> = BTreeMap::new();
    for planned in actions {
        let (id, mark, note) = match &planned.action {
            Action::CreateTeam { external_id, .. } => (external_id, '+', "new".to_string()),
            Action::RenameTeam {
                external_id, from, ..
            } => (external_id, '~', format!("renamed from \"{from}\"")),
            Action::MoveTeam {
                external_id, from, ..
            } => {
                let from = from
                    .as_deref()
                    .map_or("the top".to_string(), |p| format!("under {p}"));
                (external_id, '~', format!("moved from {from}"))
            }
            _ => continue,
        };
        let entry = changes.entry(&**id).or_insert((mark, Vec::new()));
        entry.1.push(note);
    }
    if changes.is_empty() {
        return Vec::new();
    }
    // The changed teams and their ancestors.
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    for id in changes.keys() {
        let mut at = Some(*id);
        while let Some(t) = at {
            if !shown.insert(t) {
                break;
            }
            at = teams.get(t).and_then(|team| team.parent.as_deref());
        }
    }
    let mut children: BTreeMap<Option<&str>, Vec<&DesiredTeam>> = BTreeMap::new();
    for id in &shown {
        let Some(team) = teams.get(*id) else { continue };
        let parent = team.parent.as_deref().filter(|p| teams.contains_key(*p));
        children.entry(parent).or_default().push(team);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| (&a.name, &a.external_id).cmp(&(&b.name, &b.external_id)));
    }
    // Depth first, iteratively (a tree may be deep).
    let mut lines = Vec::new();
    let mut stack: Vec<(usize, &DesiredTeam)> = children
        .get(&None)
        .map(|top| top.iter().rev().map(|t| (0, *t)).collect())
        .unwrap_or_default();
    while let Some((depth, team)) = stack.pop() {
        let (mark, text) = match changes.get(team.external_id.as_str()) {
            Some((mark, notes)) => (
                *mark,
                format!("{} ({}): {}", team.name, team.external_id, notes.join(", ")),
            ),
            None => (' ', format!("{} ({})", team.name, team.external_id)),
        };
        lines.push(TreeLine { depth, mark, text });
        if let Some(kids) = children.get(&Some(team.external_id.as_str())) {
            stack.extend(kids.iter().rev().map(|t| (depth + 1, *t)));
        }
    }
    lines
}
