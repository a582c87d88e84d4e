//! Org units: the team tree built from the HR system's own units (`units { … }`), each with a
//! stable ID and its parent's ID, instead of a `group path` spelled from each person's fields.
//!
//! Three steps, all before anything is planned:
//! 1. [`evaluate`]: every unit record through the `units { … }` statement.
//! 2. [`UnitTree::validate`]: duplicates, units without ID or name, missing parents, cycles.
//!    A cycle is an error and nothing is planned (never a half-built tree); the other problems
//!    are reported and the units concerned (and everything below them) left alone.
//! 3. [`place`]: the tree into a desired state: the teams, each person's unit checked (a
//!    person whose unit does not exist is quarantined), empty branches kept or pruned, unit
//!    managers set.

mod load;
mod place;
mod tree;

pub use load::{LoadError, load_and_place, place_records, units_file};
pub use place::place;
pub use tree::{UnitTree, UnitsError};

use crate::builtins::Context;
use crate::check::Program;
use crate::check::program::UnitsRule;
use crate::diagnostics::Code;
use crate::eval::expr::Scope;
use crate::records::Record;

/// One org unit as its record gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Stable ID: the team's external ID.
    pub id: String,
    /// The team's name.
    pub name: String,
    /// The parent unit's ID as the record gives it (`None`: a top-level unit).
    pub parent: Option<String>,
    /// External ID of the person who manages the unit.
    pub manager: Option<String>,
    /// The record's name in reports: `unit D7` or `unit #3 (line 4)`.
    pub label: String,
}

/// What became of one unit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitOutcome {
    /// A unit.
    Unit(Unit),
    /// The record gives no usable unit: why, and its ID when it has one.
    Invalid {
        /// The record's name in reports.
        label: String,
        /// The unit's ID, when it could be read.
        id: Option<String>,
        /// Code (E0422, or the code of a field that could not be read).
        code: Code,
        /// Why.
        reason: String,
    },
}

/// Every unit record through the mapping's `units { … }` statement, in record order.
pub fn evaluate(rule: &UnitsRule, records: &[Record], ctx: &Context) -> Vec<UnitOutcome> {
    // A unit record has fields of its own: the evaluator reads them through a program whose
    // field slots are the unit fields.
    let mut program = Program::empty();
    program.fields = rule.fields.clone();
    records
        .iter()
        .map(|record| {
            let scope = Scope {
                program: &program,
                record: crate::records::Fields::Map(&record.fields),
                ctx,
            };
            evaluate_one(rule, &scope, record.origin)
        })
        .collect()
}

fn evaluate_one(rule: &UnitsRule, scope: &Scope, origin: crate::records::Origin) -> UnitOutcome {
    let position = match origin.line {
        Some(line) => format!("unit #{} (line {line})", origin.index + 1),
        None => format!("unit #{}", origin.index + 1),
    };
    let text = |e: &crate::check::program::CExpr| {
        scope
            .eval(e)
            .map(|v| (!v.is_empty()).then(|| v.into_text().trim().to_string()))
            .map(|v| v.filter(|t| !t.is_empty()))
    };
    let id = match text(&rule.id) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return UnitOutcome::Invalid {
                label: position,
                id: None,
                code: Code::UnitInvalid,
                reason: "the unit has no ID".into(),
            };
        }
        // An empty ID is a unit without an ID, whatever the field's declared type says.
        Err(e) => {
            let (code, reason) = match e.code {
                Code::FieldEmpty => (Code::UnitInvalid, "the unit has no ID".to_string()),
                code => (code, format!("its ID: {}", e.message)),
            };
            return UnitOutcome::Invalid {
                label: position,
                id: None,
                code,
                reason,
            };
        }
    };
    let label = format!("unit {id}");
    let invalid = |code: Code, reason: String| UnitOutcome::Invalid {
        label: label.clone(),
        id: Some(id.clone()),
        code,
        reason,
    };
    let name = match text(&rule.name) {
        Ok(Some(name)) => name,
        Ok(None) => return invalid(Code::UnitInvalid, "the unit has no name".into()),
        Err(e) if e.code == Code::FieldEmpty => {
            return invalid(Code::UnitInvalid, "the unit has no name".into());
        }
        Err(e) => return invalid(e.code, format!("its name: {}", e.message)),
    };
    let optional = |e: Option<&crate::check::program::CExpr>, what: &str| match e {
        None => Ok(None),
        Some(e) => text(e).map_err(|err| (err.code, format!("its {what}: {}", err.message))),
    };
    let parent = match optional(rule.parent.as_ref(), "parent") {
        Ok(p) => p,
        Err((code, reason)) => return invalid(code, reason),
    };
    let manager = match optional(rule.manager.as_ref(), "manager") {
        Ok(m) => m,
        Err((code, reason)) => return invalid(code, reason),
    };
    UnitOutcome::Unit(Unit {
        id,
        name,
        parent,
        manager,
        label,
    })
}

/// The tree of a mapping's unit records: evaluated and validated.
pub fn tree(program: &Program, records: &[Record], ctx: &Context) -> Result<UnitTree, UnitsError> {
    let Some(rule) = &program.units else {
        return Ok(UnitTree::default());
    };
    UnitTree::validate(evaluate(rule, records, ctx), rule.because.clone())
}

/// For file sources, the org-unit file named by the source's `units` setting, relative to the
/// mapping's folder.
pub fn source_file(program: &Program, mapping: &std::path::Path) -> Option<std::path::PathBuf> {
    match program.source.get("units") {
        Some(crate::check::program::ConfigValue::Text(p)) => {
            let base = mapping.parent().unwrap_or(std::path::Path::new("."));
            Some(base.join(p))
        }
        _ => None,
    }
}

/// Reads an org-unit file for a mapping: the readers and settings (delimiter, encoding) of its
/// records, each record one unit (a flat record, whatever the source kind). In a CSV file every
/// declared unit field must be a column.
pub fn read_file(
    program: &Program,
    path: &std::path::Path,
    format: Option<crate::records::RecordFormat>,
) -> Result<Vec<Record>, crate::records::RecordsError> {
    let columns = program
        .units
        .iter()
        .flat_map(|rule| &rule.fields)
        .filter(|f| f.path.len() == 1)
        .map(|f| f.path[0].clone())
        .collect();
    let options = crate::records::ReadOptions {
        shape: &crate::records::PLAIN,
        format,
        columns,
        ..crate::eval::read_options(program)
    };
    crate::records::read_file(path, &options)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests;
