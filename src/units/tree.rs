//! Validating the units before anything is planned. The rules (docs/language.md, "Org units"):
//! - a unit record without an ID or a name, or whose fields cannot be read, is reported
//!   (E0422) and left out;
//! - records sharing an ID are one unit when they say the same thing (exports repeat rows);
//!   otherwise the ID is reported (E0421) and no unit of that ID is placed — picking one would
//!   be a guess;
//! - a unit whose parent is not among the units is attached at the top with a warning (W0423);
//! - parents that form a cycle are an error naming every unit in it (E0420): nothing is planned;
//! - a unit below one that cannot be placed cannot be placed either (it and its people are left
//!   alone: moving them to the top would be a guess too).

use super::{Unit, UnitOutcome};
use crate::diagnostics::Code;
use crate::model::{Because, QuarantinedRecord, RunWarning};
use std::collections::{BTreeMap, BTreeSet};

/// The validated units.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTree {
    /// The units that are placed, by ID. A unit's `parent` is another of these units, or
    /// `None` at the top.
    pub units: BTreeMap<String, Unit>,
    /// Units that cannot be placed, by ID, with the code and reason a person in them is
    /// quarantined with.
    pub broken: BTreeMap<String, (Code, String)>,
    /// Unit records reported (E0421, E0422), shown with the quarantined records.
    pub reports: Vec<QuarantinedRecord>,
    /// Warnings (W0423).
    pub warnings: Vec<RunWarning>,
    /// The `units { … }` statement.
    pub because: Because,
}

impl Default for UnitTree {
    fn default() -> Self {
        UnitTree {
            units: BTreeMap::new(),
            broken: BTreeMap::new(),
            reports: Vec::new(),
            warnings: Vec::new(),
            because: Because::new("units", 0),
        }
    }
}

/// Units that cannot form a tree: nothing is planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum UnitsError {
    /// Parents that form cycles; each cycle lists its units as (ID, name), starting with the
    /// smallest ID, each the parent of the one before.
    #[error("E0420: org units form {} (each unit is followed by its parent): {}", plural(.0.len()), describe(.0))]
    #[diagnostic(
        code(E0420),
        help(
            "a unit cannot be below itself; correct the parent of one unit of each cycle in the HR system"
        )
    )]
    Cycle(Vec<Vec<(String, String)>>),
}

fn plural(n: usize) -> String {
    if n == 1 {
        "a cycle".into()
    } else {
        format!("{n} cycles")
    }
}

fn describe(cycles: &[Vec<(String, String)>]) -> String {
    let one = |cycle: &Vec<(String, String)>| {
        let mut parts: Vec<String> = cycle
            .iter()
            .map(|(id, name)| format!("`{id}` ({name})"))
            .collect();
        if let Some((first, _)) = cycle.first() {
            parts.push(format!("`{first}`"));
        }
        parts.join(" → ")
    };
    cycles.iter().map(one).collect::<Vec<_>>().join("; ")
}

impl UnitTree {
    /// Validates the units of a run (in record order).
    pub fn validate(outcomes: Vec<UnitOutcome>, because: Because) -> Result<UnitTree, UnitsError> {
        let mut tree = UnitTree {
            because,
            ..UnitTree::default()
        };
        let mut by_id: BTreeMap<String, Vec<Unit>> = BTreeMap::new();
        for outcome in outcomes {
            match outcome {
                UnitOutcome::Unit(unit) => by_id.entry(unit.id.clone()).or_default().push(unit),
                UnitOutcome::Invalid {
                    label,
                    id,
                    code,
                    reason,
                } => {
                    if let Some(id) = id {
                        tree.broken.insert(
                            id.clone(),
                            (
                                code,
                                format!("its org unit `{id}` cannot be read: {reason}"),
                            ),
                        );
                    }
                    tree.report(label, code, reason);
                }
            }
        }
        let mut candidates: BTreeMap<String, Unit> = BTreeMap::new();
        for (id, mut units) in by_id {
            if tree.broken.contains_key(&id) {
                continue;
            }
            let first = units.remove(0);
            let differing: BTreeSet<(&str, Option<&str>, Option<&str>)> = std::iter::once(&first)
                .chain(&units)
                .map(|u| (u.name.as_str(), u.parent.as_deref(), u.manager.as_deref()))
                .collect();
            if differing.len() > 1 {
                let names: Vec<String> = differing
                    .iter()
                    .map(|(name, parent, _)| match parent {
                        Some(p) => format!("`{name}` under `{p}`"),
                        None => format!("`{name}` at the top"),
                    })
                    .collect();
                let reason = format!(
                    "{} unit records share the ID `{id}` but differ ({}); no unit `{id}` is placed",
                    units.len() + 1,
                    names.join(", ")
                );
                tree.broken.insert(
                    id.clone(),
                    (
                        Code::DuplicateUnitId,
                        format!("its org unit `{id}` is given by records that differ"),
                    ),
                );
                tree.report(first.label, Code::DuplicateUnitId, reason);
                continue;
            }
            candidates.insert(id, first);
        }
        // Parents: a missing one attaches the unit at the top (a broken one does not: the
        // unit is below it, wherever that is).
        let ids: BTreeSet<String> = candidates.keys().cloned().collect();
        for unit in candidates.values_mut() {
            let Some(parent) = &unit.parent else { continue };
            if ids.contains(parent) || tree.broken.contains_key(parent) {
                continue;
            }
            tree.warnings.push(RunWarning {
                code: Code::UnitParentMissing.as_str().into(),
                record_id: Some(unit.label.clone()),
                message: format!(
                    "the parent `{parent}` of unit `{}` ({}) is not among the units; it is placed at the top",
                    unit.id, unit.name
                ),
            });
            unit.parent = None;
        }
        let cycles = cycles(&candidates);
        if !cycles.is_empty() {
            return Err(UnitsError::Cycle(cycles));
        }
        // Below a broken unit: broken too. Walked from each unit up, each unit decided once.
        let mut below_broken: BTreeMap<String, String> = BTreeMap::new();
        let mut fine: BTreeSet<&str> = BTreeSet::new();
        for id in candidates.keys() {
            let mut path: Vec<&str> = Vec::new();
            let mut at = id.as_str();
            let broken_above = loop {
                if fine.contains(at) {
                    break None;
                }
                if let Some(root) = below_broken.get(at) {
                    break Some(root.clone());
                }
                path.push(at);
                match candidates.get(at).and_then(|u| u.parent.as_deref()) {
                    None => break None,
                    Some(p) if tree.broken.contains_key(p) => break Some(p.to_string()),
                    Some(p) => at = p,
                }
            };
            match broken_above {
                None => fine.extend(path),
                Some(root) => {
                    for p in path {
                        below_broken.insert(p.to_string(), root.clone());
                    }
                }
            }
        }
        for (id, root) in below_broken {
            candidates.remove(&id);
            tree.broken.insert(
                id.clone(),
                (
                    Code::UnitInvalid,
                    format!("its org unit `{id}` is below unit `{root}`, which cannot be placed"),
                ),
            );
        }
        tree.units = candidates;
        tree.warnings.sort();
        Ok(tree)
    }

    fn report(&mut self, label: String, code: Code, reason: String) {
        self.reports.push(QuarantinedRecord {
            // A unit record is named by its label (`unit U7`, or its position in the units
            // file); its position among the people's records means nothing.
            record_id: Some(label),
            position: 0,
            line: None,
            name: None,
            external_id: None,
            username: None,
            code: code.as_str().into(),
            reason,
            because: self.because.clone(),
        });
    }

    /// A person's unit and its chain up to the top, for `explain`: `Stockholm Sales (U111) ←
    /// Sales Nordics (U11) ← Acme (U1)`, or why the unit is not placed.
    pub fn describe_chain(&self, id: &str) -> String {
        if let Some((_, reason)) = self.broken.get(id) {
            return format!("`{id}`, not placed: {reason}");
        }
        let chain = self.chain(id);
        if chain.is_empty() {
            return format!("`{id}`, which is not among the units");
        }
        let names: Vec<String> = chain
            .iter()
            .map(|u| format!("{} ({})", u.name, u.id))
            .collect();
        format!("{} (top)", names.join(" ← "))
    }

    /// A unit and its ancestors, the unit first (empty when it is not placed).
    pub fn chain(&self, id: &str) -> Vec<&super::Unit> {
        let mut chain = Vec::new();
        let mut at = self.units.get(id);
        while let Some(unit) = at {
            chain.push(unit);
            // Validation leaves no cycle, but a tree built by hand could have one.
            if chain.len() > self.units.len() {
                break;
            }
            at = unit.parent.as_deref().and_then(|p| self.units.get(p));
        }
        chain
    }
}

/// Every cycle of parents, each starting at its smallest ID; in the order of those IDs.
fn cycles(units: &BTreeMap<String, Unit>) -> Vec<Vec<(String, String)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        OnPath,
        Done,
    }
    let mut seen: BTreeMap<&str, Seen> = BTreeMap::new();
    let mut found = Vec::new();
    for start in units.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut at = Some(start.as_str());
        while let Some(id) = at {
            match seen.get(id) {
                Some(Seen::Done) => break,
                Some(Seen::OnPath) => {
                    let from = path.iter().position(|p| *p == id).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[from..].to_vec();
                    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                    cycle.rotate_left(smallest);
                    // Walked child → parent: listed so, each unit the parent of the one before.
                    found.push(
                        cycle
                            .into_iter()
                            .map(|id| {
                                let name =
                                    units.get(id).map(|u| u.name.clone()).unwrap_or_default();
                                (id.to_string(), name)
                            })
                            .collect::<Vec<_>>(),
                    );
                    break;
                }
                None => {
                    seen.insert(id, Seen::OnPath);
                    path.push(id);
                    at = units
                        .get(id)
                        .and_then(|u| u.parent.as_deref())
                        .filter(|p| units.contains_key(*p));
                }
            }
        }
        for id in path {
            seen.insert(id, Seen::Done);
        }
    }
    found.sort();
    found
}
