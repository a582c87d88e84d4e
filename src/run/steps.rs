//! The sync of one run, as data: set up the target → read the records → read what Winningtemp
//! holds → plan → guards → apply. Each step that fails ends the sync with its status and a
//! one-line reason; nothing here prints, panics on purpose, or writes to Winningtemp before the
//! guards have passed.

use super::{RunOptions, RunStatus, Tuning};
use crate::apply::files::apply_files;
use crate::apply::report::{ApplyReport, Outcome};
use crate::apply::session::{self, SessionError};
use crate::check::Program;
use crate::connectors::NoProgress;
use crate::env::Env;
use crate::guard::guards_passed;
use crate::model::CurrentState;
use crate::model::DesiredState;
use crate::plan::Plan;
use crate::source::SourceFile;
use crate::sync::{FetchOptions, RecordsSource, load_desired, plan_with_inputs, today_in};
use crate::winningtemp::Target;
use crate::winningtemp::files::{self, FilesConfig};
use std::path::{Path, PathBuf};

/// What the sync needs.
pub(crate) struct Ctx<'a> {
    pub mapping: &'a Path,
    pub file: &'a SourceFile,
    pub program: &'a Program,
    pub opts: &'a RunOptions,
    pub tuning: &'a Tuning,
    pub env: &'a dyn Env,
}

/// How the sync ended.
#[derive(Debug)]
pub(crate) struct Synced {
    pub status: RunStatus,
    pub message: String,
    pub today: Option<chrono::NaiveDate>,
    pub plan: Option<Plan>,
    pub applied: Option<ApplyReport>,
    /// Why the plan's actions were not applied, when they were not.
    pub not_applied: String,
    pub notes: Vec<String>,
}

impl Synced {
    fn end(mut self, status: RunStatus, message: impl Into<String>) -> Synced {
        self.status = status;
        self.message = message.into();
        self
    }
}

/// Runs the sync.
pub(crate) fn sync(ctx: &Ctx) -> Synced {
    let s = Synced {
        status: RunStatus::Success,
        message: String::new(),
        today: Some(ctx.opts.today.unwrap_or_else(|| today_in(ctx.program))),
        plan: None,
        applied: None,
        not_applied: String::new(),
        notes: Vec::new(),
    };
    if ctx.program.target.kind == "winningtemp.files" {
        files_sync(ctx, s)
    } else {
        scim_sync(ctx, s)
    }
}

/// What the mapping wants from the run's records, read and evaluated in one pass as `plan`
/// does (a records file is never held whole), through the sync core.
fn records(ctx: &Ctx, s: &mut Synced) -> Result<DesiredState, String> {
    let today = s.today.unwrap_or_else(|| today_in(ctx.program));
    let source = RecordsSource::choose(
        ctx.program,
        ctx.mapping,
        ctx.opts.records.as_deref(),
        None,
        ctx.opts.source_url.as_deref(),
    );
    let options = FetchOptions {
        env: ctx.env,
        progress: &NoProgress,
        policy: ctx.tuning.http,
    };
    let loaded = load_desired(ctx.program, &source, today, options).map_err(|e| {
        let reason = match miette::Diagnostic::help(&e) {
            Some(help) => format!("{e} ({help})"),
            None => e.to_string(),
        };
        format!("the source could not be read, nothing was applied: {reason}")
    })?;
    s.notes
        .extend(loaded.notes.iter().map(|n| n.text().to_string()));
    Ok(loaded.value)
}

/// Plans, and says whether the guards let the plan through.
fn plan(ctx: &Ctx, s: &mut Synced, mut desired: DesiredState, current: &CurrentState) -> bool {
    let today = s.today.unwrap_or_else(|| today_in(ctx.program));
    // Org units (`units { … }`): a tree that cannot be built stops the run before any plan.
    let options = FetchOptions {
        env: ctx.env,
        progress: &NoProgress,
        policy: ctx.tuning.http,
    };
    let units_source = (None, ctx.opts.source_url.as_deref());
    let placed = crate::sync::place_units(
        ctx.program,
        ctx.mapping,
        units_source,
        today,
        &mut desired,
        options,
    );
    if let Err(e) = placed {
        s.status = RunStatus::SourceFailed;
        s.message = format!("the org units could not be used, nothing was applied: {e}");
        s.not_applied = "not applied: the org units do not form a tree".to_string();
        return false;
    }
    let identity =
        crate::winningtemp::mapping_identity(ctx.mapping, ctx.file, ctx.program, ctx.env);
    let plan = plan_with_inputs(
        &ctx.file.name,
        ctx.program,
        (&desired, current),
        ctx.opts.allow.clone(),
        &identity,
    );
    let passed = guards_passed(&plan.guards);
    if !passed {
        let failed: Vec<&str> = plan
            .guards
            .iter()
            .filter(|g| !g.passed && !g.overridden)
            .map(|g| g.guard.as_str())
            .collect();
        s.status = RunStatus::GuardAborted;
        s.message = format!(
            "aborted by guard {}; nothing was written to Winningtemp",
            failed.join(", ")
        );
        s.not_applied = "not applied: a guard stopped the run".to_string();
    }
    s.plan = Some(plan);
    passed
}

/// The status of a run whose apply finished.
fn applied(mut s: Synced, report: ApplyReport) -> Synced {
    let failed = report.summary.failed;
    let total = report.summary.total;
    s.applied = Some(report);
    let quarantined = s.plan.as_ref().map_or(0, |p| p.quarantined.len());
    if failed > 0 {
        let message = format!("{failed} of {total} actions failed; see the failed actions");
        return s.end(RunStatus::TargetFailed, message);
    }
    if quarantined > 0 {
        let message = format!(
            "{total} actions applied; {quarantined} record(s) quarantined, their users were left as they are"
        );
        return s.end(RunStatus::SuccessWithQuarantine, message);
    }
    let message = match total {
        0 => "no changes: Winningtemp already matches the mapping".to_string(),
        n => format!("{n} actions applied"),
    };
    s.end(RunStatus::Success, message)
}

fn scim_sync(ctx: &Ctx, mut s: Synced) -> Synced {
    let name = &ctx.file.name;
    let Target::Scim(target) =
        match Target::from_program(ctx.program, ctx.env, ctx.tuning.client.clone()) {
            Ok(t) => t,
            Err(e) => {
                return s.end(
                    RunStatus::TargetFailed,
                    format!("the target cannot be used: {e}"),
                );
            }
        };
    let journal_dir = journal_dir(ctx);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let message = format!("cannot start the async runtime: {e}");
            return s.end(RunStatus::TargetFailed, message);
        }
    };
    let desired = match records(ctx, &mut s) {
        Ok(l) => l,
        Err(e) => return s.end(RunStatus::SourceFailed, e),
    };
    let identity =
        crate::winningtemp::mapping_identity(ctx.mapping, ctx.file, ctx.program, ctx.env);
    let read = runtime.block_on(session::read_current(
        &target,
        &journal_dir,
        name,
        &identity,
    ));
    let (current, directory) = match read {
        Ok(r) => r,
        Err(e) => return s.end(RunStatus::TargetFailed, format!("{e}; nothing was applied")),
    };
    if !plan(ctx, &mut s, desired, &current) {
        return s;
    }
    // A nightly run does not finish an interrupted plan made from older records: it gives it
    // up and applies its own, made against the directory as it is now, which includes
    // whatever the interrupted run did and plans again whatever it did not.
    match session::find_unfinished(&journal_dir, name, &identity) {
        Ok(None) => {}
        Ok(Some(u)) => {
            let done = u.outcomes.values().filter(|o| o.is_ok()).count();
            if let Err(e) = session::abandon(&u) {
                let message = format!("cannot end the interrupted run {}: {e}", u.run);
                s.not_applied = "not applied: the journal could not be written".into();
                return s.end(RunStatus::TargetFailed, message);
            }
            s.notes.push(format!(
                "an interrupted apply (run {}, {done} of {} actions done) was given up; this run planned afresh against the directory as it is now",
                u.run,
                u.plan.actions.len()
            ));
        }
        Err(e) => {
            s.not_applied = "not applied: the journals could not be read".into();
            return s.end(RunStatus::TargetFailed, e.to_string());
        }
    }
    let Some(plan) = s.plan.as_ref() else {
        return s;
    };
    match runtime.block_on(session::apply_plan(
        &target,
        &journal_dir,
        name,
        &identity,
        plan,
        directory,
    )) {
        Ok(report) => applied(s, report),
        Err(e) => {
            s.not_applied = match e {
                SessionError::Journal(_) => {
                    "unknown: the journal stopped part way; the next run plans what is left".into()
                }
                _ => "not applied: the journal could not be started".into(),
            };
            s.end(RunStatus::TargetFailed, e.to_string())
        }
    }
}

fn files_sync(ctx: &Ctx, mut s: Synced) -> Synced {
    let dir = ctx.mapping.parent().unwrap_or(Path::new("."));
    let cfg = match FilesConfig::from_program(ctx.program, dir) {
        Ok(c) => c,
        Err(e) => {
            return s.end(
                RunStatus::TargetFailed,
                format!("the target cannot be used: {e}"),
            );
        }
    };
    let desired = match records(ctx, &mut s) {
        Ok(l) => l,
        Err(e) => return s.end(RunStatus::SourceFailed, e),
    };
    let current = match files::read_state_repaired(&cfg) {
        Ok((c, repaired)) => {
            s.notes.extend(repaired);
            c
        }
        Err(e) => {
            let message = format!("the last export's state cannot be read: {e}");
            return s.end(RunStatus::TargetFailed, message);
        }
    };
    if !plan(ctx, &mut s, desired, &current) {
        return s;
    }
    let Some(plan) = s.plan.as_ref() else {
        return s;
    };
    let mut done = apply_files(&cfg, &current, plan, &ctx.file.name, ctx.env);
    // One export delivers every action: say where once, not on every action's line.
    if let Some(first) = done.report.actions.first()
        && let Outcome::Ok { detail: Some(d) } = &first.result
    {
        s.notes.push(format!(
            "{d}: every action was delivered by this one export"
        ));
        for a in &mut done.report.actions {
            a.result = Outcome::Ok { detail: None };
        }
    }
    if let Ok(export) = &done.export {
        let o = &export.omitted;
        if o.users + o.teams + o.segments > 0 {
            s.notes.push(format!(
                "left out of the export for lack of an external ID: {} user(s), {} team(s), {} segment(s)",
                o.users, o.teams, o.segments
            ));
        }
    }
    applied(s, done.report)
}

/// The journals folder: the tuning's, else `.wtmap/journal` beside the mapping (shared with
/// `wtmap apply`, so both see the same interrupted runs and last source size).
fn journal_dir(ctx: &Ctx) -> PathBuf {
    ctx.tuning
        .journal_dir
        .clone()
        .unwrap_or_else(|| crate::apply::journal::default_journal_dir(ctx.mapping))
}
