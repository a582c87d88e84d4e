//! The production [`Runner`]: `crate::run::run_once`, the same run as `wtmap run`.

use super::last_good::{mapping_to_run, remove_snapshot};
use super::runner::{RunCounts, RunRecord, RunRequest, Runner};
use crate::env::Env;
use crate::run::{RunOptions, RunSummary, run_once};
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

impl Runner for RunOnceRunner {
    fn run(&self, request: &RunRequest) -> RunRecord {
        let path = match mapping_to_run(request) {
            Ok(p) => p,
            Err(message) => {
                let now = chrono::Utc::now();
                return RunRecord {
                    mapping: request.name.clone(),
                    run_id: String::new(),
                    status: "mapping_invalid".to_string(),
                    started: now,
                    finished: now,
                    counts: RunCounts::new(),
                    report_dir: None,
                    message,
                };
            }
        };
        let opts = RunOptions {
            runs_dir: Some(self.runs_dir.clone()),
            send_email: self.send_email,
            ..RunOptions::default()
        };
        let summary = run_once(&path, &opts, self.env.as_ref());
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
