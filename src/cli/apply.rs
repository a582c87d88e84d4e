//! `wtmap apply MAPPING [--plan FILE] [--yes]`: executes a plan against the mapping's target,
//! behind the guards, journaled, resumable.

use super::files::write_atomic;
use super::load::{load_program, parse_date};
use super::plan::GUARD_ABORT;
use super::plan::GuardOverrides;
use super::state_cmd::runtime;
use super::verbosity::info;
use super::{ColorChoice, exit};
use crate::apply::journal::Unfinished;
use crate::apply::journal::default_journal_dir;
use crate::apply::report::{ApplyReport, render_human, render_json};
use crate::apply::session::{self, SessionError};
use crate::check::Program;
use crate::guard::{GuardInput, check_guards, guards_passed};
use crate::identity::{Identity, short};
use crate::model::CurrentState;
use crate::plan::{PLAN_FORMAT, Plan};
use crate::run::lock::{LockInfo, RunLock};
use crate::source::SourceFile;
use crate::sync::today_in;
use crate::winningtemp::scim::{ClientOptions, ScimTarget};
use crate::winningtemp::{ProcessEnv, Target};
use clap::{Args, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The mapping.
    pub mapping: PathBuf,
    /// Apply this plan (`wtmap plan --format json --out FILE`) instead of planning afresh.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Apply without asking; required when not run from a terminal.
    #[arg(long)]
    pub yes: bool,
    /// Records file replacing the mapping's live source (same shape as the source kind).
    #[arg(long, value_name = "FILE")]
    pub records: Option<PathBuf>,
    /// Org-unit file for a mapping with `units { … }` (replaces the source's `units` setting).
    #[arg(long, value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// The records' format when the file name does not say it (a pipe, `<(…)`): csv, json,
    /// ndjson or yaml.
    #[arg(long, value_name = "FORMAT", requires = "records", value_parser = super::plan::parse_records_format)]
    pub records_format: Option<crate::records::RecordFormat>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today in the mapping's time zone.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub overrides: GuardOverrides,
    /// Requests in flight at once (default: the mapping's `concurrency`, else 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: Option<u16>,
    /// Seconds before one request is given up (it is retried).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Attempts per request, the first included.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
    /// Replace the HR source's base URL (an emulator or a proxy) for a live fetch.
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// Where journals are kept (default: `.wtmap/journal` beside the mapping).
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Where the mapping's lock is kept, as for `wtmap run` (default: `.wtmap/runs` beside
    /// the mapping).
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// Give up an interrupted run instead of finishing it, and plan afresh.
    #[arg(long)]
    pub fresh: bool,
    /// Report format on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One line per action.
    Human,
    /// `wtmap.apply/v1`.
    Json,
}

/// A duration from seconds given on the command line (negative or absurd values are clamped).
pub fn seconds(secs: f64) -> Duration {
    Duration::from_secs_f64(secs.clamp(0.001, 86_400.0))
}

pub(super) fn fail(message: impl std::fmt::Display, code: u8) -> u8 {
    eprintln!("error: {message}");
    code
}

/// Runs `apply`.
pub fn run(args: ApplyArgs, color: ColorChoice) -> u8 {
    match run_inner(&args, color) {
        Ok(code) | Err(code) => code,
    }
}

/// Exit code when another run or apply of the mapping holds its lock (as `wtmap run`'s).
pub const LOCKED: u8 = 7;

fn run_inner(args: &ApplyArgs, color: ColorChoice) -> Result<u8, u8> {
    let (file, program) = load_program(&args.mapping, color.stderr())?;
    args.overrides.check_fields(&program)?;
    let _lock = take_lock(args)?;
    let options = ClientOptions {
        concurrency: args.concurrency.map(usize::from),
        timeout: seconds(args.timeout),
        max_attempts: args.attempts,
        ..ClientOptions::default()
    };
    if program.target.kind == "winningtemp.files" {
        return super::apply_files::run(args, &file, &program, color);
    }
    let Target::Scim(target) =
        Target::from_program(&program, &ProcessEnv, options).map_err(|e| fail(e, exit::USAGE))?;
    let journal_dir = args
        .journal_dir
        .clone()
        .unwrap_or_else(|| default_journal_dir(&args.mapping));
    let identity =
        crate::winningtemp::mapping_identity(&args.mapping, &file, &program, &ProcessEnv);
    let rt = runtime()?;
    let unfinished = session::find_unfinished(&journal_dir, &file.name, &identity)
        .map_err(|e| fail(e, exit::USAGE))?;

    if let Some(u) = unfinished {
        if !args.fresh {
            if let Some(refusal) = u.refusal(&identity) {
                return Err(fail(refusal, exit::USAGE));
            }
            if args.plan.is_some() {
                return Err(fail(
                    format!(
                        "run {} of this mapping did not finish; apply without --plan finishes it first, or --fresh gives it up",
                        u.run
                    ),
                    exit::USAGE,
                ));
            }
            return resume(args, &rt, &target, &file, u);
        }
        session::abandon(&u)
            .map_err(|e| fail(format!("cannot write the journal: {e}"), exit::USAGE))?;
        info!("gave up the interrupted run {}", u.run);
    }

    let (current, directory) = rt
        .block_on(session::read_current(
            &target,
            &journal_dir,
            &file.name,
            &identity,
        ))
        .map_err(|e| fail(e, exit::FAILED))?;
    let plan = approved_plan(args, &file, &program, &current, color)?;
    let applied = rt.block_on(session::apply_plan(
        &target,
        &journal_dir,
        &file.name,
        &identity,
        &plan,
        directory,
    ));
    finish(args, applied)
}

/// The mapping's lock, the one `wtmap run` takes, held until the apply ends.
fn take_lock(args: &ApplyArgs) -> Result<RunLock, u8> {
    let runs_dir = args
        .runs_dir
        .clone()
        .unwrap_or_else(|| crate::run::default_runs_dir(&args.mapping));
    let run = format!("apply-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let info = LockInfo::this_process(&run, chrono::Utc::now());
    let lock = RunLock::acquire(&crate::run::lock_path(&runs_dir, &args.mapping), &info)
        .map_err(|e| fail(e, LOCKED))?;
    if let Some(released) = lock.released() {
        info!("note: {released}");
    }
    Ok(lock)
}

fn resume(
    args: &ApplyArgs,
    rt: &tokio::runtime::Runtime,
    target: &ScimTarget,
    file: &SourceFile,
    u: Unfinished,
) -> Result<u8, u8> {
    let done = u.outcomes.values().filter(|o| o.is_ok()).count();
    info!(
        "resuming the interrupted run {}: {done} of {} action(s) were done",
        u.run,
        u.plan.actions.len()
    );
    confirm(args, &u.plan, ColorChoice::Never)?;
    finish(args, rt.block_on(session::resume(target, &file.name, u)))
}

pub(super) fn finish(
    args: &ApplyArgs,
    result: Result<ApplyReport, SessionError>,
) -> Result<u8, u8> {
    let report = result.map_err(|e| {
        // Before the journal exists nothing was applied: a usage problem, as before the run.
        let code = match e {
            SessionError::StartJournal { .. } | SessionError::ReopenJournal(_) => exit::USAGE,
            _ => exit::FAILED,
        };
        fail(e, code)
    })?;
    match args.format {
        ReportFormat::Human => print!("{}", render_human(&report)),
        ReportFormat::Json => print!("{}", render_json(&report)),
    }
    if let Some(path) = &args.report {
        write_atomic(path, render_json(&report).as_bytes()).map_err(|e| fail(e, exit::USAGE))?;
    }
    Ok(if report.succeeded() {
        exit::OK
    } else {
        exit::FAILED
    })
}

/// Reads a plan file. Whether it may be applied here is [`check_inputs`]'s call.
pub(super) fn read_plan(path: &std::path::Path) -> Result<Plan, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            format!("cannot read `{}`: {e}", path.display()),
            exit::USAGE,
        )
    })?;
    // The format tag first: a plan of another version (an older wtmap's `wtmap.plan/v2`) is
    // named as such, not reported as a missing field of this version.
    #[derive(serde::Deserialize)]
    struct Tag {
        format: Option<String>,
    }
    let format = serde_json::from_str::<Tag>(&text)
        .ok()
        .and_then(|t| t.format);
    if let Some(format) = format.filter(|f| f != PLAN_FORMAT) {
        return Err(fail(
            format!(
                "`{}` is `{format}`, not {PLAN_FORMAT}; nothing was applied. Plan again with \
                 `wtmap plan MAPPING --format json --out FILE`",
                path.display(),
            ),
            exit::USAGE,
        ));
    }
    serde_json::from_str(&text).map_err(|e| {
        fail(
            format!("`{}` is not a {PLAN_FORMAT} plan: {e}", path.display()),
            exit::USAGE,
        )
    })
}

/// Refuses a plan file made for another mapping (path or text), another target, or a state
/// other than the one found now (stale).
fn check_inputs(
    plan: &Plan,
    path: &std::path::Path,
    now: &Identity,
    current: &CurrentState,
) -> Result<(), u8> {
    let refuse = |why: String| {
        fail(
            format!(
                "the plan `{}` cannot be applied: {why}; nothing was applied. Plan again with \
                 `wtmap plan MAPPING --format json --out FILE`",
                path.display()
            ),
            exit::USAGE,
        )
    };
    let Some(inputs) = &plan.inputs else {
        return Err(refuse(
            "it does not say which mapping, target and state it was made from".into(),
        ));
    };
    if let Some(why) = inputs.identity().mismatch(now) {
        return Err(refuse(why));
    }
    let found = crate::state::fingerprint(current);
    if inputs.state_sha256 != found {
        return Err(refuse(format!(
            "it was made against another state of the target (sha256 {}), and the target now \
             holds {}: Winningtemp changed since, or the plan was made from a state file that \
             is not what the target holds",
            short(&inputs.state_sha256),
            short(&found)
        )));
    }
    Ok(())
}

/// The plan to apply (`--plan FILE`, else planned now against `current`), once its guards
/// passed and it was confirmed; both targets go through here.
pub(super) fn approved_plan(
    args: &ApplyArgs,
    file: &SourceFile,
    program: &Program,
    current: &CurrentState,
    color: ColorChoice,
) -> Result<Plan, u8> {
    let identity = crate::winningtemp::mapping_identity(&args.mapping, file, program, &ProcessEnv);
    let plan = match &args.plan {
        Some(path) => {
            let mut plan = read_plan(path)?;
            check_inputs(&plan, path, &identity, current)?;
            // The file's guard verdicts are never trusted: every guard of the mapping is
            // checked again on the plan's own actions against the state found now.
            plan.guards = check_guards(&GuardInput {
                actions: &plan.actions,
                source_records: plan.source_records,
                current,
                rules: &program.rules,
                guards: &program.guards,
                allow: args.overrides.allow(),
            });
            plan
        }
        None => fresh_plan(args, file, program, current, &identity)?,
    };
    if !guards_passed(&plan.guards) {
        for g in plan.guards.iter().filter(|g| !g.passed && !g.overridden) {
            eprintln!("guard failed: {}", g.message);
        }
        return Err(GUARD_ABORT);
    }
    info!("plan: {} action(s)", plan.actions.len());
    if !plan.is_empty() {
        confirm(args, &plan, color)?;
    }
    Ok(plan)
}

fn fresh_plan(
    args: &ApplyArgs,
    file: &SourceFile,
    program: &Program,
    current: &CurrentState,
    identity: &crate::identity::Identity,
) -> Result<Plan, u8> {
    let source = crate::sync::RecordsSource::choose(
        program,
        &args.mapping,
        args.records.as_deref(),
        args.records_format,
        args.source_url.as_deref(),
    );
    let today = args.today.unwrap_or_else(|| today_in(program));
    let mut desired = super::plan::desired_from(program, &source, today, "applied")?;
    super::plan::place_units(
        program,
        &args.mapping,
        (args.units.as_deref(), args.source_url.as_deref()),
        today,
        &mut desired,
        "applied",
    )?;
    Ok(crate::sync::plan_with_inputs(
        &file.name,
        program,
        (&desired, current),
        args.overrides.allow(),
        identity,
    ))
}

/// `--yes`, or a person at a terminal who types `yes` after seeing the plan.
pub(super) fn confirm(args: &ApplyArgs, plan: &Plan, color: ColorChoice) -> Result<(), u8> {
    if args.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(fail(
            "not a terminal: pass --yes to apply without asking; nothing was applied",
            exit::USAGE,
        ));
    }
    eprint!("{}", crate::plan::render_human(plan, color.stderr()));
    eprint!(
        "Apply these {} action(s)? Type `yes` to go on: ",
        plan.actions.len()
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(fail("not confirmed; nothing was applied", exit::USAGE))
    }
}
