//! Evaluation: records through the checked program into the desired state.

mod build;
pub mod expr;
pub mod read;
pub mod record;

pub use build::{Evaluated, record_label, segment_id, team_id};
pub use record::{Outcome, TraceStep};

use crate::builtins::Context;
use crate::check::Program;
use crate::model::DesiredState;
use crate::records::Record;
use expr::Scope;

/// Evaluates every record and assembles the desired state.
pub fn evaluate(program: &Program, records: &[Record], ctx: &Context) -> DesiredState {
    let outcomes = records
        .iter()
        .map(|r| {
            let scope = Scope {
                program,
                record: &r.fields,
                ctx,
            };
            Evaluated {
                index: r.origin.index,
                line: r.origin.line,
                outcome: record::evaluate_record(&scope, None),
            }
        })
        .collect();
    let group_because = program.group_path.as_ref().map(|g| &g.because);
    let manager_because = program
        .attributes
        .iter()
        .find(|a| a.attribute == "manager")
        .map(|a| &a.because);
    build::build(outcomes, records.len(), group_because, manager_because)
}

/// Evaluates one record with a trace of every statement, for `explain` and `test`.
pub fn trace_record(
    program: &Program,
    record: &Record,
    ctx: &Context,
) -> (Outcome, Vec<TraceStep>) {
    let scope = Scope {
        program,
        record: &record.fields,
        ctx,
    };
    let mut steps = Vec::new();
    let outcome = record::evaluate_record(&scope, Some(&mut steps));
    (outcome, steps)
}
