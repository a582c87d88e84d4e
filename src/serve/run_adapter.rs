//! The production [`Runner`]: `crate::run::run_once`, the same run as `wtmap run`.

use super::last_good::{mapping_to_run, remove_snapshot};
use super::runner::{RunCounts, RunRecord, RunRequest, Runner};
use crate::env::{Env, ScopedEnv, SecretScope};
use crate::run::{RunOptions, RunSummary, run_once};
use crate::source::SourceFile;
use std::path::PathBuf;
use std::sync::Arc;

/// Runs a mapping with [`run_once`]: guards at their defaults (a nightly job has nobody to
/// pass `--allow-…`), today in the mapping's zone, the live source, reports into the runs
/// folder.
#[derive(Clone)]
pub struct RunOnceRunner {
    runs_dir: PathBuf,
    send_email: bool,
    env: Arc<dyn Env>,
}

impl RunOnceRunner {
    /// A runner writing reports into `runs_dir`, emailing them when `send_email`, reading
    /// `env("…")` settings (tokens, SMTP) from `env`.
    pub fn new(runs_dir: PathBuf, send_email: bool, env: Arc<dyn Env>) -> RunOnceRunner {
        RunOnceRunner {
            runs_dir,
            send_email,
            env,
        }
    }
}

impl RunOnceRunner {
    /// The environment of the mapping `request` runs: its secret scope over the shared one,
    /// or why it may not run (a variable outside its scope, an unreadable scope file).
    fn scoped_env(&self, request: &RunRequest) -> Result<ScopedEnv, String> {
        let scope = SecretScope::of_mapping(&request.path)?.unwrap_or_default();
        let env = ScopedEnv::new(scope.clone(), Arc::clone(&self.env));
        let file = SourceFile::new(request.path.display().to_string(), &*request.good_text);
        if let (Some(program), _) = crate::check::check_source(&file) {
            let allowed = crate::env::allow_list(self.env.as_ref());
            let outside = crate::check::scope::out_of_scope(&program, &scope, &allowed);
            if !outside.is_empty() {
                let dir = request.path.parent().unwrap_or(std::path::Path::new("."));
                let names: Vec<String> = outside
                    .iter()
                    .map(
                        |n| match SecretScope::owners(dir, n, &request.name).as_slice() {
                            [] => format!("`{n}`"),
                            owners => format!("`{n}` (a secret of `{}`)", owners.join("`, `")),
                        },
                    )
                    .collect();
                return Err(format!(
                    "refused: the mapping reads {} outside its secret scope ({}.env, {}.secrets/); \
                     nothing was run",
                    names.join(", "),
                    request.name,
                    request.name
                ));
            }
        }
        Ok(env)
    }
}

/// The record of a run refused before it started (the mapping could not be snapshotted, or it
/// names a secret outside its scope).
fn refused(request: &RunRequest, message: String) -> RunRecord {
    let now = chrono::Utc::now();
    RunRecord {
        mapping: request.name.clone(),
        run_id: String::new(),
        status: "mapping_invalid".to_string(),
        started: now,
        finished: now,
        counts: RunCounts::new(),
        report_dir: None,
        message,
        email: String::new(),
    }
}

impl Runner for RunOnceRunner {
    fn run(&self, request: &RunRequest) -> RunRecord {
        let path = match mapping_to_run(request) {
            Ok(p) => p,
            Err(message) => {
                return refused(request, message);
            }
        };
        // The mapping sees its own secrets and the shared names, nothing else of the process;
        // one that names anything else is refused before it runs.
        let env = match self.scoped_env(request) {
            Ok(env) => env,
            Err(message) => {
                remove_snapshot(&path, request);
                return refused(request, message);
            }
        };
        let opts = RunOptions {
            runs_dir: Some(self.runs_dir.clone()),
            send_email: self.send_email,
            ..RunOptions::default()
        };
        let summary = run_once(&path, &opts, &env);
        remove_snapshot(&path, request);
        record_of(&request.name, &summary)
    }
}

/// What the history keeps of a [`RunSummary`]. Also for `wtmap run`, should it record its runs
/// in the same history: `History::open_in(runs_dir)?.record(&record_of(name, &s), None)`.
pub fn record_of(mapping: &str, summary: &RunSummary) -> RunRecord {
    let mut message = summary.message.clone();
    if summary.email.failed() {
        message.push_str(" (the report email failed)");
    }
    RunRecord {
        mapping: mapping.to_string(),
        run_id: summary.run_id.clone(),
        status: summary.status.as_str().to_string(),
        started: summary.started,
        finished: summary.finished,
        counts: counts_of(&summary.counts),
        report_dir: Some(summary.report_dir.clone()),
        message,
        email: crate::report::email_text(&summary.email),
    }
}

/// A run's counts as a name → number map, in the struct's field order.
pub fn counts_of(counts: &impl serde::Serialize) -> RunCounts {
    match serde_json::to_value(counts) {
        Ok(serde_json::Value::Object(fields)) => fields
            .into_iter()
            .filter_map(|(k, v)| v.as_u64().map(|n| (k, n)))
            .collect(),
        _ => RunCounts::new(),
    }
}
