//! The sync core: the main job as library calls. Which records ([`RecordsSource`]), what
//! Winningtemp holds ([`current_state`]), then records + checked program + current state →
//! desired state → diff → guards → plan. `plan`, `explain`, `apply`, `fetch`, `run` and
//! `serve` are shells over it, so they can never disagree about what a mapping means.

mod source;
mod state;
mod units;

pub use source::{
    FetchOptions, Loaded, RecordsSource, SourceError, SourceNote, connector_config, fetch_live,
    load_desired, load_records,
};
pub use state::{CurrentStateError, StateInput, current_state};
pub use units::{PlaceUnitsError, place_units};

use crate::builtins::Context;
use crate::check::Program;
use crate::check::program::ConfigValue;
use crate::diff::{DiffInput, diff};
use crate::eval::evaluate;
use crate::guard::{Allow, GuardInput, check_guards};
use crate::model::{CurrentState, DesiredState};
use crate::plan::Plan;
use crate::records::{ReadOptions, Record, RecordFormat, RecordsError, read_file, read_file_map};
use chrono::NaiveDate;
use std::path::Path;

/// A records file: its path and, when its name does not say (a pipe, a process substitution
/// `<(…)`), its format (`--records-format`). A plain path converts into one.
#[derive(Debug, Clone, Copy)]
pub struct RecordsFile<'a> {
    /// Where the records are.
    pub path: &'a Path,
    /// The format, when the name's extension does not give it.
    pub format: Option<RecordFormat>,
}

impl<'a> From<&'a Path> for RecordsFile<'a> {
    fn from(path: &'a Path) -> Self {
        RecordsFile { path, format: None }
    }
}

impl<'a> From<&'a std::path::PathBuf> for RecordsFile<'a> {
    fn from(path: &'a std::path::PathBuf) -> Self {
        RecordsFile::from(path.as_path())
    }
}

impl RecordsFile<'_> {
    fn options(&self, program: &Program) -> ReadOptions {
        let options = crate::eval::read_options(program);
        ReadOptions {
            format: self.format.or(options.format),
            ..options
        }
    }
}

/// Reads a records file for a mapping.
pub fn read_records<'a>(
    program: &Program,
    file: impl Into<RecordsFile<'a>>,
) -> Result<Vec<Record>, RecordsError> {
    let file = file.into();
    let records = read_file(file.path, &file.options(program))?;
    let presence = field_presence(program);
    records.iter().for_each(|r| presence.observe(&r.as_ref()));
    presence.check(
        &file.path.display().to_string(),
        records.len(),
        &program.source.kind,
        crate::connectors::shapes(),
    )?;
    Ok(records)
}

/// A watch for the top-level record fields `program` reads: a records file holding none of
/// them is an error that names what the records look like.
fn field_presence(program: &Program) -> crate::records::FieldPresence {
    crate::records::FieldPresence::new(
        program
            .fields
            .iter()
            .filter_map(|f| f.path.first().cloned()),
    )
}

/// Everything a plan is computed from.
pub struct PlanInput<'a> {
    /// Mapping name shown in the plan.
    pub mapping: &'a str,
    /// The checked mapping.
    pub program: &'a Program,
    /// Source records.
    pub records: &'a [Record],
    /// What Winningtemp holds.
    pub current: &'a CurrentState,
    /// The run's date (in the mapping's time zone).
    pub today: NaiveDate,
    /// Guard overrides.
    pub allow: Allow,
}

/// Computes the plan; also returns the desired state (for `explain`).
pub fn plan(input: &PlanInput) -> (Plan, DesiredState) {
    let desired = desire(input.program, input.records, input.today);
    let plan = plan_desired(
        input.mapping,
        input.program,
        &desired,
        input.current,
        input.allow.clone(),
    );
    (plan, desired)
}

/// What the mapping wants, from its records, complete (memberships included). The records are
/// not needed after this: callers that hold many may drop them before planning.
pub fn desire(program: &Program, records: &[Record], today: NaiveDate) -> DesiredState {
    evaluate(program, records, &Context { today })
}

/// What the mapping wants, from a records file read and evaluated in one pass: each record is
/// evaluated as soon as it is read and then dropped, so a big export never sits in memory whole.
/// The result is [`desire`]'s over [`read_records`]'s.
pub fn desire_from_file<'a>(
    program: &Program,
    file: impl Into<RecordsFile<'a>>,
    today: NaiveDate,
) -> Result<DesiredState, RecordsError> {
    let ctx = Context { today };
    let file = file.into();
    let presence = field_presence(program);
    let outcomes = read_file_map(file.path, &file.options(program), &|record| {
        presence.observe(&record);
        crate::eval::evaluate_one(program, record, &ctx)
    })?;
    presence.check(
        &file.path.display().to_string(),
        outcomes.len(),
        &program.source.kind,
        crate::connectors::shapes(),
    )?;
    crate::timings::stage("records read and evaluated");
    Ok(crate::eval::assemble(program, outcomes))
}

/// What two mappings want from one records file, read once (`wtmap diff`): each record is
/// evaluated by both as soon as it is read, as in [`desire_from_file`], which each result
/// equals. The file is read with `second`'s options; the caller makes sure `first` reads it
/// the same way ([`crate::eval::read_options`]).
pub fn desire_both_from_file<'a>(
    first: &Program,
    second: &Program,
    file: impl Into<RecordsFile<'a>>,
    today: NaiveDate,
) -> Result<(DesiredState, DesiredState), RecordsError> {
    let ctx = Context { today };
    let file = file.into();
    let pairs = read_file_map(file.path, &file.options(second), &|record| {
        EvaluatedPair(
            crate::eval::evaluate_one(first, record, &ctx),
            crate::eval::evaluate_one(second, record, &ctx),
        )
    })?;
    crate::timings::stage("records read and evaluated twice");
    let (a, b): (Vec<_>, Vec<_>) = pairs.into_iter().map(|p| (p.0, p.1)).unzip();
    // The two states owe each other nothing: built side by side (each build, memberships
    // included, keeps one core to itself: ~60 ms at 100k records).
    Ok(crate::parallel::join(
        a.len() >= crate::parallel::MIN_ITEMS,
        || crate::eval::assemble(first, a),
        || crate::eval::assemble(second, b),
    ))
}

/// One record evaluated by two mappings.
struct EvaluatedPair(crate::eval::Evaluated, crate::eval::Evaluated);

impl crate::records::Numbered for EvaluatedPair {
    fn renumber(&mut self, by: usize) {
        self.0.renumber(by);
        self.1.renumber(by);
    }
}

/// The plan from an evaluated desired state: diff, guards, order. `desired` is only read.
pub fn plan_desired(
    mapping: &str,
    program: &Program,
    desired: &DesiredState,
    current: &CurrentState,
    allow: Allow,
) -> Plan {
    // Only plain attributes can be cleared; the key, status and manager are not attributes.
    let mapped: std::collections::BTreeSet<String> = program
        .mapped_attributes
        .iter()
        .filter(|a| !matches!(a.as_str(), "external_id" | "status" | "manager"))
        .cloned()
        .collect();
    let d = diff(
        desired,
        &DiffInput {
            current,
            rules: &program.rules,
            match_keys: &program.match_keys,
            mapped_attributes: &mapped,
            rules_line: program.rules_because.line(),
            match_line: program.match_line,
        },
    );
    let mut guards = check_guards(&GuardInput {
        actions: &d.actions,
        source_records: desired.source_records,
        current,
        rules: &program.rules,
        guards: &program.guards,
        allow: allow.clone(),
    });
    let last = current.last_run_fill_rates.as_ref();
    let fill_rates = crate::quality::fill_rates(program, desired, last);
    guards.extend(crate::quality::check_fill(&crate::quality::FillInput {
        guards: &program.fill_guards,
        table: &fill_rates,
        source_records: desired.source_records,
        last_known: last.is_some(),
        allowed: &allow.field_drops,
    }));
    Plan {
        fill_rates,
        ..Plan::new(mapping, desired, d.actions, d.warnings, guards)
    }
}

/// [`plan_desired`], with the plan's inputs: the mapping and target (`identity`) and the
/// fingerprint of `current`, which `apply --plan` checks. The fingerprint is made on another
/// core while the plan is: against a full state it is most of a plan's work, and the diff
/// leaves the second core idle for much of its time (docs/benchmarks.md, issue 20).
pub fn plan_with_inputs(
    mapping: &str,
    program: &Program,
    (desired, current): (&DesiredState, &CurrentState),
    allow: Allow,
    identity: &crate::identity::Identity,
) -> Plan {
    // Below a few thousand users the fingerprint takes less than starting a thread.
    let worth_a_thread =
        current.users.len() + current.memberships.len() >= crate::parallel::MIN_ITEMS;
    let (mut plan, inputs) = crate::parallel::join(
        worth_a_thread,
        || plan_desired(mapping, program, desired, current, allow),
        || crate::plan::PlanInputs::new(identity, current),
    );
    plan.inputs = Some(inputs);
    plan
}

/// Today's date in the mapping's time zone.
pub fn today_in(program: &Program) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&program.zone())
        .date_naive()
}

/// For file sources (`csv`, `json`, `ndjson`, `yaml`), the records file named by the source's
/// `path` setting, relative to the mapping's folder.
pub fn source_file(program: &Program, mapping: &Path) -> Option<std::path::PathBuf> {
    if !matches!(
        program.source.kind.as_str(),
        "csv" | "json" | "ndjson" | "yaml"
    ) {
        return None;
    }
    match program.source.get("path") {
        Some(ConfigValue::Text(p)) => {
            let base = mapping.parent().unwrap_or(Path::new("."));
            Some(base.join(p))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CurrentUser, UserStatus};

    #[test]
    fn the_plan_with_its_inputs_is_the_plan_and_the_inputs_made_one_after_the_other() {
        let program = crate::check::checked(
            "source csv { path = \"x.csv\" }\nfields { id: text, mail: text }\n\
             target winningtemp.files { dir = \"out\" }\n\
             user {\n external_id = id\n username = mail\n first_name = id\n last_name = id\n}\n"
                .to_string(),
        );
        let identity = crate::identity::Identity::new(Path::new("m.wtmap"), "text", "files:out");
        // On either side of where the fingerprint gets a thread of its own.
        for n in [3, 5000] {
            let current = CurrentState {
                users: (0..n)
                    .map(|i| CurrentUser {
                        id: None,
                        external_id: Some(format!("{i}")),
                        username: format!("u{i}@x"),
                        status: UserStatus::Active,
                        attributes: Default::default(),
                    })
                    .collect(),
                ..CurrentState::empty()
            };
            let desired = DesiredState::default();
            let together = plan_with_inputs(
                "m",
                &program,
                (&desired, &current),
                Allow::default(),
                &identity,
            );
            let mut apart = plan_desired("m", &program, &desired, &current, Allow::default());
            apart.inputs = Some(crate::plan::PlanInputs::new(&identity, &current));
            assert_eq!(together, apart, "{n} users");
            assert_eq!(
                together.inputs.map(|i| i.state_sha256),
                Some(crate::state::fingerprint(&current))
            );
        }
    }
}
