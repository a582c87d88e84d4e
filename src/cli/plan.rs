//! `wtmap plan MAPPING`: what a sync would do, without doing anything.

use super::files::{FileError, write_atomic_with};
use super::load::{load_program, parse_date};
use super::verbosity::info;
use super::{ColorChoice, exit};
use crate::connectors::{BarProgress, HttpPolicy, NoProgress, Progress};
use crate::guard::{Allow, guards_passed};
use crate::plan::{render_human, render_markdown, write_json};
use crate::sync::{
    CurrentStateError, FetchOptions, RecordsSource, SourceError, SourceNote, StateInput,
    current_state, desire, load_desired, load_records, plan_with_inputs, today_in,
};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Exit code when a guard stopped the plan (nothing may be applied).
pub const GUARD_ABORT: u8 = 3;

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The mapping.
    pub mapping: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Write the plan to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes and 2 when there are (errors exit 1, guards 3).
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Inputs shared by `plan` and `explain`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Records file replacing the mapping's live source (same shape as the source kind).
    #[arg(long, value_name = "FILE")]
    pub records: Option<PathBuf>,
    /// The records' format when the file name does not say it (a pipe, `<(…)`): csv, json,
    /// ndjson or yaml.
    #[arg(long, value_name = "FORMAT", requires = "records", value_parser = parse_records_format)]
    pub records_format: Option<crate::records::RecordFormat>,
    /// Org-unit file for a mapping with `units { … }`, in any format `--records` takes
    /// (replaces the source's `units` setting).
    #[arg(long, value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// Fetch the live source from this base URL instead of the mapping's (a local emulator,
    /// a proxy).
    #[arg(long, value_name = "URL", conflicts_with = "records")]
    pub source_url: Option<String>,
    /// Current Winningtemp state (`wtmap.state/v1` JSON); without it the directory is empty.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today in the mapping's time zone.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub overrides: GuardOverrides,
}

/// `--records-format`: a format name (`csv`, `json`, `ndjson`/`jsonl`, `yaml`/`yml`).
pub fn parse_records_format(text: &str) -> Result<crate::records::RecordFormat, String> {
    text.parse()
}

impl InputArgs {
    /// The guard overrides.
    pub fn allow(&self) -> Allow {
        self.overrides.allow()
    }
}

/// The flags that let a plan through a failed guard, knowingly (`plan`, `apply`, `run`).
#[derive(Debug, Clone, Args)]
pub struct GuardOverrides {
    /// Let the plan pause more users than the pause guards allow.
    #[arg(long)]
    pub allow_mass_pause: bool,
    /// Let an empty source through (every managed user would be paused).
    #[arg(long)]
    pub allow_empty_source: bool,
    /// Let a source much smaller than last run through.
    #[arg(long)]
    pub allow_source_drop: bool,
    /// Let the plan remove more memberships than the membership guards allow.
    #[arg(long)]
    pub allow_mass_membership_removal: bool,
    /// Let the plan change more usernames/emails than the identity guards allow.
    #[arg(long)]
    pub allow_mass_identity_change: bool,
    /// Let this field's fill rate drop under its guard or under half of last run's
    /// (repeat for several fields).
    #[arg(long, value_name = "FIELD")]
    pub allow_field_drop: Vec<String>,
}

impl GuardOverrides {
    /// Refuses (exit 1) an `--allow-field-drop` field that `program` does not read, with the
    /// closest one it does (see [`crate::quality::check_allowed_fields`]).
    pub fn check_fields(&self, program: &crate::check::Program) -> Result<(), u8> {
        crate::quality::check_allowed_fields(program, &self.allow_field_drop).map_err(|e| {
            eprintln!("error: {e}");
            super::exit::FAILED
        })
    }

    /// As the guard module takes them.
    pub fn allow(&self) -> Allow {
        Allow {
            pauses: self.allow_mass_pause,
            empty_source: self.allow_empty_source,
            source_drop: self.allow_source_drop,
            membership_removals: self.allow_mass_membership_removal,
            identity_changes: self.allow_mass_identity_change,
            field_drops: self.allow_field_drop.clone(),
        }
    }
}

/// Plan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Grouped, readable, like `terraform plan`.
    Human,
    /// `wtmap.plan/v3` (docs/plan.md, docs/plan.schema.json).
    Json,
    /// For pull-request comments.
    Markdown,
}

/// Everything `plan` and `explain` compute before rendering.
pub struct Computed {
    /// The mapping file.
    pub file: crate::source::SourceFile,
    /// The checked mapping.
    pub program: crate::check::Program,
    /// Records.
    pub records: Vec<crate::records::Record>,
    /// Current state.
    pub current: crate::model::CurrentState,
    /// The plan.
    pub plan: crate::plan::Plan,
    /// The desired state.
    pub desired: crate::model::DesiredState,
    /// The org units (empty when the mapping has no `units`).
    pub units: crate::units::UnitTree,
}

/// Loads the mapping, state and records (from a file, or fetched live when the source is an
/// HR system and no `--records` is given) and computes the plan, through the sync core.
/// With `keep_records` false (`plan`) each record is dropped as soon as it is evaluated and
/// `Computed::records` is empty: a large export never sits in memory whole.
pub fn compute(
    mapping: &std::path::Path,
    input: &InputArgs,
    color: ColorChoice,
    keep_records: bool,
) -> Result<Computed, u8> {
    let (file, program) = load_program(mapping, color.stderr())?;
    input.overrides.check_fields(&program)?;
    let today = input.today.unwrap_or_else(|| today_in(&program));
    let source = RecordsSource::choose(
        &program,
        mapping,
        input.records.as_deref(),
        input.records_format,
        input.source_url.as_deref(),
    );
    let state = state_input(mapping, &file, input.state.as_deref(), None, 30.0);
    let (current, records, mut desired) = match (keep_records, &input.state, &source) {
        (false, Some(_), RecordsSource::File { .. }) => {
            // Two files: the state is read on a thread of its own while the records are read
            // and evaluated (reading a state is one thread's work, and would leave a core
            // idle). A bad state file is reported first, as when it is read first.
            let (current, desired) = std::thread::scope(|scope| {
                let current = scope.spawn(|| current_state(&program, &state));
                let desired =
                    with_fetch_options(|options| load_desired(&program, &source, today, options));
                match current.join() {
                    Ok(current) => (current, desired),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            });
            let current = current.map_err(|e| state_failed(&e))?;
            crate::timings::stage("current state read");
            let desired = desired.map_err(|e| source_failed(&e, "planned"))?;
            print_notes(&desired.notes);
            (current, Vec::new(), desired.value)
        }
        _ => {
            // The state first: a bad state file should not cost a whole live fetch.
            let current = current_state(&program, &state).map_err(|e| state_failed(&e))?;
            crate::timings::stage("current state read");
            if keep_records {
                let records = records_from(&program, &source, "planned")?;
                let desired = desire(&program, &records, today);
                (current, records, desired)
            } else {
                let desired = desired_from(&program, &source, today, "planned")?;
                (current, Vec::new(), desired)
            }
        }
    };
    let units = place_units(
        &program,
        mapping,
        (input.units.as_deref(), input.source_url.as_deref()),
        today,
        &mut desired,
        "planned",
    )?;
    crate::timings::stage("desired state built");
    let identity = crate::winningtemp::mapping_identity(
        mapping,
        &file,
        &program,
        &crate::winningtemp::ProcessEnv,
    );
    let mut plan = plan_with_inputs(
        &file.name,
        &program,
        (&desired, &current),
        input.allow(),
        &identity,
    );
    if program.units.is_some() {
        plan.team_tree = crate::plan::team_tree(&desired.teams, &plan.actions);
    }
    crate::timings::stage("guards checked, plan made");
    Ok(Computed {
        file,
        program,
        records,
        current,
        plan,
        desired,
        units,
    })
}

/// The org units of a mapping with `units { … }` placed into `desired`: from `--units FILE`
/// or the source's `units` file (see [`crate::units::load_and_place`]), else fetched live
/// when the source's connector reads units (Personio; `source_url` as for the records). On
/// failure nothing is `done`.
pub(super) fn place_units(
    program: &crate::check::Program,
    mapping: &std::path::Path,
    (units, source_url): (Option<&std::path::Path>, Option<&str>),
    today: chrono::NaiveDate,
    desired: &mut crate::model::DesiredState,
    done: &str,
) -> Result<crate::units::UnitTree, u8> {
    let failed = |e: &dyn miette::Diagnostic| {
        report(e, exit::USAGE);
        eprintln!("nothing was {done}");
        exit::USAGE
    };
    with_fetch_options(|options| {
        crate::sync::place_units(
            program,
            mapping,
            (units, source_url),
            today,
            desired,
            options,
        )
    })
    .map_err(|e| failed(&e))
}

/// Runs `plan`.
pub fn run(args: PlanArgs, color: ColorChoice) -> u8 {
    let c = match compute(&args.mapping, &args.input, color, false) {
        Ok(c) => c,
        Err(code) => {
            return if args.detailed_exitcode && code == exit::USAGE {
                exit::FAILED
            } else {
                code
            };
        }
    };
    let to_terminal = args.out.is_none();
    // The plan is written as it is rendered: a JSON plan of 100k users is never one string.
    let write = |out: &mut dyn Write| match args.format {
        PlanFormat::Human => {
            out.write_all(render_human(&c.plan, to_terminal && color.stdout()).as_bytes())
        }
        PlanFormat::Json => write_json(&c.plan, out),
        PlanFormat::Markdown => out.write_all(render_markdown(&c.plan).as_bytes()),
    };
    let written = match &args.out {
        Some(path) => {
            write_atomic_with(path, write).map(|()| info!("plan written to {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            write(&mut stdout)
                .and_then(|()| stdout.flush())
                .map_err(|e| FileError(format!("cannot write the plan to standard output: {e}")))
        }
    };
    if let Err(FileError(message)) = written {
        eprintln!("error: {message}");
        return if args.detailed_exitcode {
            exit::FAILED
        } else {
            exit::USAGE
        };
    }
    crate::timings::stage("plan written");
    let code = if !guards_passed(&c.plan.guards) {
        GUARD_ABORT
    } else if args.detailed_exitcode && !c.plan.is_empty() {
        2
    } else {
        exit::OK
    };
    // The process ends here: freeing every record and action one by one would cost as much as
    // parsing them; the operating system reclaims the memory at once.
    std::mem::forget(c);
    code
}

/// Where the current state is read from, for the CLI: the process environment, and a SCIM
/// client with `timeout_secs` per request.
pub(super) fn state_input<'a>(
    mapping: &'a std::path::Path,
    file: &'a crate::source::SourceFile,
    state_file: Option<&'a std::path::Path>,
    journal_dir: Option<PathBuf>,
    timeout_secs: f64,
) -> StateInput<'a> {
    StateInput {
        mapping,
        file,
        state_file,
        journal_dir,
        client: crate::winningtemp::scim::ClientOptions {
            timeout: super::apply::seconds(timeout_secs),
            ..crate::winningtemp::scim::ClientOptions::default()
        },
        env: &crate::winningtemp::ProcessEnv,
    }
}

/// Reports a current state that could not be read; setup problems are the user's to fix (1),
/// a directory that could not be read is a failure (2).
pub(super) fn state_failed(e: &CurrentStateError) -> u8 {
    let code = match e {
        CurrentStateError::Read(_) => exit::FAILED,
        _ => exit::USAGE,
    };
    report(e, code)
}

/// Runs a live fetch with a progress bar on a terminal, its warnings and notes on stderr.
pub(super) fn with_fetch_options<T>(run: impl FnOnce(FetchOptions<'_>) -> T) -> T {
    // No bar under --quiet.
    let bar = BarProgress::stderr().filter(|_| !super::verbosity::quiet());
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &NoProgress,
    };
    run(FetchOptions {
        env: &crate::winningtemp::ProcessEnv,
        progress,
        policy: HttpPolicy::default(),
    })
}

/// Prints the source's warnings and notes.
pub(super) fn print_notes(notes: &[SourceNote]) {
    for note in notes {
        match note {
            SourceNote::Warning(text) => eprintln!("warning: {text}"),
            SourceNote::Note(text) => super::verbosity::info!("note: {text}"),
        }
    }
}

/// What the mapping wants from its records, without keeping them (see
/// [`crate::sync::load_desired`]). On failure nothing is `done` ("planned", "applied").
pub(super) fn desired_from(
    program: &crate::check::Program,
    source: &RecordsSource,
    today: chrono::NaiveDate,
    done: &str,
) -> Result<crate::model::DesiredState, u8> {
    let loaded = with_fetch_options(|options| load_desired(program, source, today, options))
        .map_err(|e| source_failed(&e, done))?;
    print_notes(&loaded.notes);
    Ok(loaded.value)
}

/// The records, kept. On failure nothing is `done`.
pub(super) fn records_from(
    program: &crate::check::Program,
    source: &RecordsSource,
    done: &str,
) -> Result<Vec<crate::records::Record>, u8> {
    let loaded = with_fetch_options(|options| load_records(program, source, options))
        .map_err(|e| source_failed(&e, done))?;
    print_notes(&loaded.notes);
    Ok(loaded.value)
}

/// Reports an error with its help, and returns `code`.
fn report(e: &dyn miette::Diagnostic, code: u8) -> u8 {
    eprintln!("error: {e}");
    if let Some(help) = e.help() {
        eprintln!("help: {help}");
    }
    code
}

/// Reports records that could not be read; nothing was `done`.
pub(super) fn source_failed(e: &SourceError, done: &str) -> u8 {
    report(e, exit::USAGE);
    eprintln!("nothing was {done}");
    exit::USAGE
}
