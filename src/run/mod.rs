//! `wtmap run`: the nightly job in one call. Fetch → plan → guards → apply → report → email,
//! under a lock that keeps two runs of one mapping apart. Every outcome, failures included,
//! becomes a [`RunStatus`], a report in the run's folder, and (when configured) an email;
//! [`run_once`] never panics and never returns an error.
//!
//! `run_once` blocks (it builds its own async runtimes): from async code, call it inside
//! `tokio::task::spawn_blocking`.

mod assemble;
mod folder;
pub mod lock;
mod source;
mod steps;
mod trend;

use crate::report::{EmailOutcome, RunStatus};

use crate::connectors::HttpPolicy;
use crate::env::Env;
use crate::guard::Allow;
use crate::report::{Counts, Report};
use crate::winningtemp::scim::ClientOptions;
use chrono::{DateTime, NaiveDate, Utc};
use lock::{LockInfo, RunLock};
use std::path::{Path, PathBuf};
use steps::Synced;

/// Exit code of `wtmap run` when the sync succeeded but the report email could not be sent.
pub const EMAIL_FAILED_EXIT: u8 = 8;

/// What a run may do, and with what inputs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Guard overrides (`--allow-mass-pause`, …).
    pub allow: Allow,
    /// Evaluate as of this date instead of today in the mapping's time zone.
    pub today: Option<NaiveDate>,
    /// Where run folders and the lock are kept; default `.wtmap/runs` beside the mapping.
    pub runs_dir: Option<PathBuf>,
    /// Send the report email (when SMTP is configured and the mapping has recipients).
    pub send_email: bool,
    /// Fetch the live source from this base URL instead of the mapping's.
    pub source_url: Option<String>,
    /// Read records from this file instead of the mapping's source.
    pub records: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            allow: Allow::default(),
            today: None,
            runs_dir: None,
            send_email: true,
            source_url: None,
            records: None,
        }
    }
}

/// Knobs that rarely change: the journals folder and the HTTP behaviour towards the target and
/// the source. [`run_once`] uses the defaults.
#[derive(Debug, Clone, Default)]
pub struct Tuning {
    /// Where apply journals are kept; default `.wtmap/journal` beside the mapping.
    pub journal_dir: Option<PathBuf>,
    /// The SCIM client (concurrency, timeouts, attempts).
    pub client: ClientOptions,
    /// The HR connectors' timeouts and retries.
    pub http: HttpPolicy,
}

/// The result of one run, for the CLI and `wtmap serve`. The report in `report_dir` has the
/// details.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The mapping file as given.
    pub mapping: String,
    /// The run's ID (its folder's name).
    pub run_id: String,
    /// How it ended.
    pub status: RunStatus,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it finished (report written, email sent).
    pub finished: DateTime<Utc>,
    /// The counts.
    pub counts: Counts,
    /// The run folder (`report.json` and friends).
    pub report_dir: PathBuf,
    /// The email.
    pub email: EmailOutcome,
    /// The outcome in one line.
    pub message: String,
}

impl RunSummary {
    /// The exit code of `wtmap run`: the status's, except that a failed email turns a success
    /// into [`EMAIL_FAILED_EXIT`] (a failure that already has a code keeps it).
    pub fn exit_code(&self) -> u8 {
        if self.status.is_success() && self.email.failed() {
            EMAIL_FAILED_EXIT
        } else {
            self.status.exit_code()
        }
    }
}

/// The default runs folder: `.wtmap/runs` beside the mapping.
pub fn default_runs_dir(mapping: &Path) -> PathBuf {
    mapping
        .parent()
        .unwrap_or(Path::new("."))
        .join(".wtmap")
        .join("runs")
}

/// Where a mapping's run folders and lock are: `<runs_dir>/<file key>` (see
/// [`crate::apply::journal::file_key`]: no two mapping names share one).
pub fn mapping_runs_dir(runs_dir: &Path, mapping: &Path) -> PathBuf {
    runs_dir.join(crate::apply::journal::file_key(
        &mapping.display().to_string(),
    ))
}

/// The lock file of a mapping's runs: `<runs_dir>/<mapping key>/run.lock`.
pub fn lock_path(runs_dir: &Path, mapping: &Path) -> PathBuf {
    mapping_runs_dir(runs_dir, mapping).join("run.lock")
}

/// Runs a mapping once, with the default [`Tuning`].
pub fn run_once(mapping: &Path, opts: &RunOptions, env: &dyn Env) -> RunSummary {
    run_once_with(mapping, opts, &Tuning::default(), env)
}

/// Runs a mapping once.
pub fn run_once_with(
    mapping: &Path,
    opts: &RunOptions,
    tuning: &Tuning,
    env: &dyn Env,
) -> RunSummary {
    run_with_report(mapping, opts, tuning, env).0
}

/// Runs a mapping once and returns the report too (as stored in the run folder).
pub fn run_with_report(
    mapping: &Path,
    opts: &RunOptions,
    tuning: &Tuning,
    env: &dyn Env,
) -> (RunSummary, Report) {
    let started = Utc::now();
    let clock = std::time::Instant::now();
    let runs_dir = opts
        .runs_dir
        .clone()
        .unwrap_or_else(|| default_runs_dir(mapping));
    let mapping_runs = mapping_runs_dir(&runs_dir, mapping);
    let mut run_id = folder::new_run_id(started);
    let loaded = assemble::load_mapping(mapping);

    // The lock comes before the run folder, so a refused run still gets a folder of its own.
    let lock = RunLock::acquire(
        &lock_path(&runs_dir, mapping),
        &LockInfo::this_process(&run_id, started),
    );
    let mut notes = Vec::new();
    if let Ok(Some(released)) = lock.as_ref().map(RunLock::released) {
        notes.push(released.to_string());
    }
    let report_dir = match folder::create(&mapping_runs, started, &run_id) {
        Ok((dir, id)) => {
            run_id = id;
            Some(dir)
        }
        Err(e) => {
            notes.push(format!(
                "the run folder could not be created under `{}`: {e}; the report was not stored",
                mapping_runs.display()
            ));
            None
        }
    };

    let synced = match (&loaded, &lock) {
        (Err((message, diagnostics)), _) => {
            notes.extend(diagnostics.iter().cloned());
            ended(RunStatus::MappingInvalid, message.clone())
        }
        (Ok(_), Err(e)) => ended(RunStatus::Locked, e.to_string()),
        (Ok((file, program)), Ok(_)) => guarded_sync(&steps::Ctx {
            mapping,
            file,
            program,
            opts,
            tuning,
            env,
        }),
    };
    notes.extend(synced.notes.iter().cloned());

    let program = loaded.as_ref().ok().map(|(_, p)| p);
    let mut report = assemble::build_report(assemble::Built {
        run_id: &run_id,
        mapping,
        file: loaded.as_ref().ok().map(|(f, _)| f),
        program,
        opts,
        env,
        synced: &synced,
        notes,
        started,
    });
    report.finished = Utc::now();
    report.duration_seconds = clock.elapsed().as_secs_f64();
    report.trend = trend::earlier_runs(&mapping_runs, &run_id, crate::report::TREND_RUNS);
    // A mapping with errors still names its recipients: they are the ones who must hear
    // that tonight's run did not happen.
    let recipients = match program {
        Some(p) => p.report_to.clone(),
        None => std::fs::read_to_string(mapping)
            .map(|text| {
                let file = crate::source::SourceFile::new(mapping.display().to_string(), text);
                crate::check::report_recipients(&file)
            })
            .unwrap_or_default(),
    };
    // The report is rendered once, saying where the email goes: the run folder keeps exactly
    // the bytes the email carries. Only report.json is written again, with the outcome.
    report.email = crate::email::planned(opts.send_email, &recipients, env);
    let will_send = matches!(report.email, EmailOutcome::Sent { .. });
    let rendered = folder::Rendered::of(&report);
    if let Some(dir) = &report_dir {
        // Should the process die while sending, this first copy says so.
        let mut pending = report.clone();
        if will_send {
            pending.email = EmailOutcome::Failed {
                message: "not sent: the run ended while sending the email".into(),
            };
        }
        let _ = folder::write(dir, &rendered, &pending, synced.plan.as_ref());
    }
    if will_send {
        // Third-party code talks to the network here: a panic in it must not end the run
        // without its report.
        let body = crate::email::Body {
            text: &rendered.text,
            html: &rendered.html,
        };
        let send =
            std::panic::AssertUnwindSafe(|| crate::email::deliver(&report, body, &recipients, env));
        report.email = std::panic::catch_unwind(send).unwrap_or_else(|_| EmailOutcome::Failed {
            message: "internal error while sending (a bug in wtmap, please report it)".into(),
        });
    }
    if report.email.failed() && report.status.is_success() {
        report.exit_code = EMAIL_FAILED_EXIT;
    }
    let mut message = report.message.clone();
    let stored = match &report_dir {
        // Nobody received the renderings: they are made again to say so (same times).
        Some(dir) if will_send && report.email.failed() => folder::write(
            dir,
            &folder::Rendered::of(&report),
            &report,
            synced.plan.as_ref(),
        ),
        Some(dir) if will_send => folder::write_json(dir, &report),
        // Nothing changed since the first write, unless that failed: then try once more.
        Some(dir) => match dir.join("report.json").is_file() {
            true => Ok(()),
            false => folder::write(dir, &rendered, &report, synced.plan.as_ref()),
        },
        None => Ok(()),
    };
    if let Err(e) = stored {
        message.push_str(&format!(" (the report could not be stored: {e})"));
    }
    drop(lock);
    let summary = RunSummary {
        mapping: mapping.display().to_string(),
        run_id,
        status: report.status,
        started,
        finished: report.finished,
        counts: report.counts.clone(),
        report_dir: report_dir.unwrap_or_else(|| mapping_runs.join("(not stored)")),
        email: report.email.clone(),
        message,
    };
    (summary, report)
}

/// The sync in a thread of its own: outside any async runtime the caller may be in (the sync
/// builds its own), and with a panic (a bug) turned into a failed run instead of a crash.
fn guarded_sync(ctx: &steps::Ctx) -> Synced {
    let joined = std::thread::scope(|scope| scope.spawn(|| steps::sync(ctx)).join());
    joined.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        ended(
            RunStatus::TargetFailed,
            format!("internal error (a bug in wtmap, please report it): {what}"),
        )
    })
}

fn ended(status: RunStatus, message: String) -> Synced {
    Synced {
        status,
        message,
        today: None,
        plan: None,
        applied: None,
        not_applied: String::new(),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
