//! The validated tree into a desired state: one team per unit (its ID the team's external ID,
//! so a renamed unit is a `rename_team` and a moved one a `move_team`), each person in the
//! team of their unit, unit managers on their teams.
//!
//! Empty branches: a unit is empty when no synced person is a member of it or of a unit below
//! it. With `empty_units = keep` (the default) every unit becomes a team, so the tree in
//! Winningtemp is the HR system's; with `empty_units = prune` empty units are not created
//! (teams that exist already are never deleted).

use super::UnitTree;
use crate::check::Program;
use crate::diagnostics::Code;
use crate::model::{DesiredState, DesiredTeam, QuarantinedRecord};
use std::collections::BTreeSet;

/// Places the tree into `state` (made by `eval` from the people of the same run).
pub fn place(program: &Program, tree: &UnitTree, state: &mut DesiredState) {
    let Some(rule) = &program.units else {
        return;
    };
    let group_because = program
        .group
        .as_ref()
        .map_or_else(|| tree.because.clone(), |g| g.because.clone());
    // People whose unit is not placed: quarantined, their Winningtemp user left alone.
    let mut quarantined = Vec::new();
    if program.group.is_some() {
        state.users.retain(|_, user| {
            let Some(team) = user.team.as_deref() else {
                return true;
            };
            if tree.units.contains_key(team) {
                return true;
            }
            let (code, reason) = match tree.broken.get(team) {
                Some((code, reason)) => (*code, reason.clone()),
                None => (
                    Code::UnitNotFound,
                    format!("their org unit `{team}` is not among the units"),
                ),
            };
            let name_part = |a: &str| user.attributes.text(a);
            let name = match (name_part("first_name"), name_part("last_name")) {
                (Some(first), Some(last)) => Some(format!("{first} {last}")),
                (first, last) => first.or(last).map(str::to_string),
            };
            quarantined.push(QuarantinedRecord {
                record_id: Some(user.external_id.clone()),
                // The person was mapped before their unit was looked up: their record's
                // position is not kept with the mapped user, so they are named by ID.
                position: 0,
                line: None,
                name,
                external_id: Some(user.external_id.clone()),
                username: user.attributes.text("username").map(str::to_string),
                code: code.as_str().into(),
                reason,
                because: group_because.clone(),
            });
            false
        });
    }
    let kept: Option<BTreeSet<&str>> = rule.prune_empty.then(|| occupied(tree, state));
    for unit in tree.units.values() {
        if kept.as_ref().is_some_and(|k| !k.contains(unit.id.as_str())) {
            continue;
        }
        state.teams.insert(
            unit.id.clone(),
            DesiredTeam {
                external_id: unit.id.clone(),
                name: unit.name.clone(),
                parent: unit.parent.clone(),
                manager: unit.manager.clone(),
                because: tree.because.clone(),
            },
        );
    }
    state.quarantined.extend(tree.reports.iter().cloned());
    state.quarantined.extend(quarantined);
    if !tree.warnings.is_empty() {
        state.warnings.extend(tree.warnings.iter().cloned());
        state.warnings.sort();
    }
    // The users, teams and quarantined records changed: the memberships follow them.
    crate::eval::remake_memberships(program, state);
}

/// The units with a person in them or below them.
fn occupied<'t>(tree: &'t UnitTree, state: &DesiredState) -> BTreeSet<&'t str> {
    let mut occupied: BTreeSet<&str> = BTreeSet::new();
    for user in state.users.values() {
        let Some((mut at, _)) = user
            .team
            .as_deref()
            .and_then(|t| tree.units.get_key_value(t))
        else {
            continue;
        };
        // Up to the first unit already marked: its ancestors are marked too.
        while occupied.insert(at.as_str()) {
            match tree.units.get(at).and_then(|u| u.parent.as_ref()) {
                Some(parent) => match tree.units.get_key_value(parent) {
                    Some((key, _)) => at = key,
                    None => break,
                },
                None => break,
            }
        }
    }
    occupied
}
