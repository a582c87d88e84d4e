//! Evaluation: records through the checked program into the desired state.

mod options;
pub use options::read_options;
mod build;
pub mod expr;
pub mod fill;
mod managers;
pub mod read;
pub mod record;
mod team_path;

pub use build::{Evaluated, record_label, segment_id};
pub use record::{Outcome, TraceStep};
pub use team_path::TeamPath;

use crate::builtins::Context;
use crate::check::Program;
use crate::model::{DesiredState, Reasons};
use crate::records::{Fields, Record, RecordRef};
use crate::syntax::ast::ConditionKind;
use expr::Scope;
use std::borrow::Cow;

/// Evaluates every record and assembles the desired state.
pub fn evaluate(program: &Program, records: &[Record], ctx: &Context) -> DesiredState {
    let outcomes = evaluate_all(program, records, ctx);
    assemble(program, outcomes)
}

/// One record through the mapping. Records are independent until [`assemble`], so a caller
/// may evaluate them as they are read, on any thread, and drop each record at once.
pub fn evaluate_one(program: &Program, record: RecordRef<'_>, ctx: &Context) -> Evaluated {
    let scope = Scope {
        program,
        record: record.fields,
        ctx,
    };
    Evaluated {
        filled: fill::FillMask::of(program, record.fields),
        ..Evaluated::new(
            record.origin.index,
            record.origin.line,
            record::evaluate_record(&scope, None),
        )
    }
}

/// The desired state from every record's outcome (one per record of the source, in any order
/// of evaluation; they are taken in record order).
pub fn assemble(program: &Program, mut outcomes: Vec<Evaluated>) -> DesiredState {
    if !outcomes.is_sorted_by_key(|e| e.index) {
        outcomes.sort_by_key(|e| e.index);
    }
    let source_records = outcomes.len();
    let reasons = std::sync::Arc::new(reasons(program));
    let mut filled = vec![0; program.fields.len()];
    for e in &outcomes {
        e.filled.add_to(&mut filled);
    }
    DesiredState {
        filled,
        ..build::build(
            outcomes,
            source_records,
            &reasons,
            program.group_path.as_ref(),
            manager_because(program),
        )
    }
}

/// The mapping's `manager = …` statement, when it has one: the `because` of managers' roles.
fn manager_because(program: &Program) -> Option<&crate::model::Because> {
    program
        .attributes
        .iter()
        .find(|a| a.attribute == "manager")
        .map(|a| &a.because)
}

/// Makes `state`'s memberships again from its users and teams, replacing those made before
/// (and their warnings). [`assemble`] makes them; a caller that changes the users or teams
/// afterwards (placing org units) calls this, so the state stays complete.
pub fn remake_memberships(program: &Program, state: &mut DesiredState) {
    state.memberships = managers::memberships(state, manager_because(program));
}

/// Why each attribute and relation of a user has its value. It depends on the mapping only,
/// so every user shares one map.
pub fn reasons(program: &Program) -> Reasons {
    let mut reasons = Reasons::new();
    for rule in &program.attributes {
        reasons.insert(Cow::Borrowed(rule.attribute), rule.because.clone());
    }
    // The last `exclude when` decides, as in `evaluate_record`.
    for cond in &program.conditions {
        if cond.kind == ConditionKind::Exclude {
            reasons.insert(Cow::Borrowed("exclude_from_surveys"), cond.because.clone());
        }
    }
    if let Some(group) = &program.group_path {
        reasons.insert(Cow::Borrowed("team"), group.because.clone());
    }
    if let Some(group) = &program.group {
        reasons.insert(Cow::Borrowed("team"), group.because.clone());
    }
    for seg in &program.segments {
        let key = format!("segment:{}", seg.category);
        reasons.insert(Cow::Owned(key), seg.because.clone());
    }
    reasons
}

/// Records are independent until `build`, so they are evaluated on every core.
fn evaluate_all(program: &Program, records: &[Record], ctx: &Context) -> Vec<Evaluated> {
    crate::parallel::map_in_order(records, &|r| evaluate_one(program, r.as_ref(), ctx))
}

/// Evaluates one record with a trace of every statement, for `explain` and `test`.
pub fn trace_record(
    program: &Program,
    record: &Record,
    ctx: &Context,
) -> (Outcome, Vec<TraceStep>) {
    let scope = Scope {
        program,
        record: Fields::Map(&record.fields),
        ctx,
    };
    let mut steps = Vec::new();
    let outcome = record::evaluate_record(&scope, Some(&mut steps));
    (outcome, steps)
}

/// Checks and evaluates a lone expression that reads no fields (builtin examples, docs):
/// the value, or the rendered reason it has none.
pub fn eval_expression(
    file: &crate::source::SourceFile,
    ctx: &Context,
) -> Result<crate::value::Value, String> {
    let checked = crate::check::check_expression(file)?;
    let program = Program::empty();
    let record = serde_json::Map::new();
    let scope = expr::Scope {
        program: &program,
        record: crate::records::Fields::Map(&record),
        ctx,
    };
    scope
        .eval(&checked)
        .map_err(|e| format!("{}: {}", e.code.as_str(), e.message))
}
