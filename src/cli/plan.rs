//! `wtmap plan MAPPING`: what a sync would do, without doing anything.

use super::files::{FileError, write_atomic_with};
use super::load::{load_program, parse_date};
use super::{ColorChoice, exit};
use crate::guard::{Allow, guards_passed};
use crate::pipeline::{
    desire, desire_from_file, empty_state, plan_desired, read_records, today_in,
};
use crate::plan::{render_human, render_markdown, write_json};
use crate::state::read_state;
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
#[derive(Debug, Clone, Copy, Args)]
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
}

impl GuardOverrides {
    /// As the guard module takes them.
    pub fn allow(&self) -> Allow {
        Allow {
            pauses: self.allow_mass_pause,
            empty_source: self.allow_empty_source,
            source_drop: self.allow_source_drop,
            membership_removals: self.allow_mass_membership_removal,
            identity_changes: self.allow_mass_identity_change,
        }
    }
}

/// Plan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Grouped, readable, like `terraform plan`.
    Human,
    /// `wtmap.plan/v2` (docs/plan.md, docs/plan.schema.json).
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
/// HR system and no `--records` is given) and computes the plan.
/// With `keep_records` false (`plan`) each record is dropped as soon as it is evaluated and
/// `Computed::records` is empty: a large export never sits in memory whole.
pub fn compute(
    mapping: &std::path::Path,
    input: &InputArgs,
    color: ColorChoice,
    keep_records: bool,
) -> Result<Computed, u8> {
    let (file, program) = load_program(mapping, color.stderr())?;
    let today = input.today.unwrap_or_else(|| today_in(&program));
    let records_file = records_file(&program, mapping, input.records.as_deref());
    let (current, records, mut desired) = match (keep_records, &input.state, &records_file) {
        (false, Some(state), Some(records)) => {
            // Two files: the state is read on a thread of its own while the records are read
            // and evaluated (reading a state is one thread's work, and would leave a core
            // idle). A bad state file is reported first, as when it is read first.
            let (current, desired) = std::thread::scope(|scope| {
                let current = scope.spawn(|| read_state(state));
                let file = crate::pipeline::RecordsFile {
                    path: records,
                    format: input.records_format,
                };
                let desired = desire_from_file(&program, file, today);
                match current.join() {
                    Ok(current) => (current, desired),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            });
            let current = current.map_err(|e| report(&e, exit::USAGE))?;
            crate::timings::stage("current state read");
            let desired = desired.map_err(|e| records_failed(&e, "planned"))?;
            (current, Vec::new(), desired)
        }
        _ => {
            // The state first: a bad state file should not cost a whole live fetch.
            let current = current_state(&program, &file, mapping, input)?;
            crate::timings::stage("current state read");
            if keep_records {
                let records = load_records(
                    &program,
                    mapping,
                    input.records.as_deref(),
                    input.records_format,
                    input.source_url.as_deref(),
                    "planned",
                )?;
                let desired = desire(&program, &records, today);
                (current, records, desired)
            } else {
                let desired = load_desired(
                    &program,
                    mapping,
                    input.records.as_deref(),
                    input.records_format,
                    input.source_url.as_deref(),
                    today,
                    "planned",
                )?;
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
    let mut plan = plan_desired(&file.name, &program, &mut desired, &current, input.allow());
    if program.units.is_some() {
        plan.team_tree = crate::plan::team_tree(&desired.teams, &plan.actions);
    }
    let identity =
        crate::target::mapping_identity(mapping, &file, &program, &crate::target::ProcessEnv);
    plan.inputs = Some(crate::plan::PlanInputs::new(&identity, &current));
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
    let live = program.units.is_some()
        && crate::units::units_file(program, mapping, units).is_none()
        && crate::schema::units::units_built_in(&program.source.kind);
    if !live {
        return crate::units::load_and_place(program, mapping, units, None, today, desired)
            .map_err(|e| failed(&e));
    }
    let snapshot = super::fetch::live_units(program, source_url)
        .inspect_err(|_| eprintln!("nothing was {done}"))?;
    crate::units::place_records(program, &snapshot.records, today, desired).map_err(|e| failed(&e))
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
            write_atomic_with(path, write).map(|()| eprintln!("plan written to {}", path.display()))
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

/// What the mapping wants from its records, without keeping them: a records file is read and
/// evaluated in one pass (see [`desire_from_file`]); live records are evaluated, then dropped.
/// On failure nothing is `done` ("planned", "applied").
pub(super) fn load_desired(
    program: &crate::check::Program,
    mapping: &std::path::Path,
    records: Option<&std::path::Path>,
    records_format: Option<crate::records::RecordFormat>,
    source_url: Option<&str>,
    today: chrono::NaiveDate,
    done: &str,
) -> Result<crate::model::DesiredState, u8> {
    match records_file(program, mapping, records) {
        Some(path) => {
            let file = crate::pipeline::RecordsFile {
                path: &path,
                format: records_format,
            };
            desire_from_file(program, file, today).map_err(|e| records_failed(&e, done))
        }
        None => {
            let records = load_records(program, mapping, None, None, source_url, done)?;
            Ok(desire(program, &records, today))
        }
    }
}

/// The records file: `--records FILE`, else the `path` of a file source; `None` for a live
/// source.
fn records_file(
    program: &crate::check::Program,
    mapping: &std::path::Path,
    records: Option<&std::path::Path>,
) -> Option<std::path::PathBuf> {
    records
        .map(std::path::Path::to_path_buf)
        .or_else(|| crate::pipeline::source_file(program, mapping))
}

/// Reports an error with its help, and returns `code`.
fn report(e: &dyn miette::Diagnostic, code: u8) -> u8 {
    eprintln!("error: {e}");
    if let Some(help) = e.help() {
        eprintln!("help: {help}");
    }
    code
}

/// Reports a records file that could not be read; nothing was `done`.
fn records_failed(e: &crate::records::RecordsError, done: &str) -> u8 {
    report(e, exit::USAGE);
    eprintln!("nothing was {done}");
    exit::USAGE
}

/// The records of a mapping: `--records FILE`, else the `path` of a file source, else a live
/// fetch from the HR system (whole, or not at all). On failure nothing is `done` ("planned").
pub fn load_records(
    program: &crate::check::Program,
    mapping: &std::path::Path,
    records: Option<&std::path::Path>,
    records_format: Option<crate::records::RecordFormat>,
    source_url: Option<&str>,
    done: &str,
) -> Result<Vec<crate::records::Record>, u8> {
    match records_file(program, mapping, records) {
        Some(path) => {
            let file = crate::pipeline::RecordsFile {
                path: &path,
                format: records_format,
            };
            read_records(program, file).map_err(|e| records_failed(&e, done))
        }
        None => Ok(super::fetch::live(program, source_url)
            .inspect_err(|_| eprintln!("nothing was {done}"))?
            .records),
    }
}

/// What Winningtemp holds: `--state FILE`; else, for the files target, the state of the last
/// successful export (the file integration has nothing to read back); else, for SCIM, the live
/// directory, so `plan` shows what `apply` would do.
fn current_state(
    program: &crate::check::Program,
    file: &crate::source::SourceFile,
    mapping: &std::path::Path,
    input: &InputArgs,
) -> Result<crate::model::CurrentState, u8> {
    if let Some(p) = &input.state {
        return read_state(p).map_err(|e| report(&e, exit::USAGE));
    }
    if program.target.kind == "winningtemp.files" {
        let dir = mapping.parent().unwrap_or(std::path::Path::new("."));
        let files = crate::target::files::FilesConfig::from_program(program, dir)
            .map_err(|e| report(&e, exit::USAGE))?;
        return crate::target::files::read_state(&files).map_err(|e| report(&e, exit::USAGE));
    }
    if program.target.kind == "winningtemp.scim" {
        return super::state_cmd::read_scim_state(mapping, None, 30.0, file, program);
    }
    Ok(empty_state())
}
