//! The production [`Runner`]: `crate::run::run_once`, the same run as `wtmap run`.
//!
//! LEAD: branch `run` (which adds `crate::run`) had not landed when `serve` was finished. Once
//! it is merged, replace the body of [`RunOnceRunner::run`] with the code in the comment in it
//! (it compiles against the agreed `run_once` interface) and delete `not_available`.

use super::last_good::{mapping_to_run, remove_snapshot};
use super::runner::{RunCounts, RunRecord, RunRequest, Runner};
use std::path::PathBuf;

/// Runs a mapping with `crate::run::run_once`: guards at their defaults (a nightly job has no
/// one to pass `--allow-…`), today in the mapping's zone, reports into the runs folder.
#[derive(Debug, Clone)]
pub struct RunOnceRunner {
    runs_dir: PathBuf,
    send_email: bool,
}

impl RunOnceRunner {
    /// A runner writing reports into `runs_dir`, emailing them when `send_email`.
    pub fn new(runs_dir: PathBuf, send_email: bool) -> RunOnceRunner {
        RunOnceRunner {
            runs_dir,
            send_email,
        }
    }
}

impl Runner for RunOnceRunner {
    fn run(&self, request: &RunRequest) -> RunRecord {
        let started = chrono::Utc::now();
        let path = match mapping_to_run(request) {
            Ok(p) => p,
            Err(message) => return failed(request, started, "mapping_invalid", message),
        };
        // let opts = crate::run::RunOptions {
        //     allow: crate::guard::Allow::default(),
        //     today: None,
        //     runs_dir: Some(self.runs_dir.clone()),
        //     send_email: self.send_email,
        //     source_url: None,
        //     records: None,
        // };
        // let s = crate::run::run_once(&path, &opts, &crate::env::ProcessEnv);
        // remove_snapshot(&path, request);
        // RunRecord {
        //     mapping: request.name.clone(),
        //     run_id: s.run_id,
        //     status: s.status.as_str().to_string(),
        //     started: s.started,
        //     finished: s.finished,
        //     counts: counts_of(&s.counts),
        //     report_dir: Some(s.report_dir),
        //     message: s.message,
        // }
        let _ = (&self.runs_dir, self.send_email);
        let record = not_available(request, started);
        remove_snapshot(&path, request);
        record
    }
}

/// Placeholder until `crate::run` exists (see the module comment).
fn not_available(request: &RunRequest, started: chrono::DateTime<chrono::Utc>) -> RunRecord {
    let message = "this build has no `wtmap run` yet: the run was not done".to_string();
    failed(request, started, "not_available", message)
}

fn failed(
    request: &RunRequest,
    started: chrono::DateTime<chrono::Utc>,
    status: &str,
    message: String,
) -> RunRecord {
    RunRecord {
        mapping: request.name.clone(),
        run_id: String::new(),
        status: status.to_string(),
        started,
        finished: chrono::Utc::now(),
        counts: RunCounts::new(),
        report_dir: None,
        message,
    }
}

/// A run's counts as a name → number map, whatever fields the counts struct has.
pub fn counts_of(counts: &impl serde::Serialize) -> RunCounts {
    match serde_json::to_value(counts) {
        Ok(serde_json::Value::Object(fields)) => fields
            .into_iter()
            .filter_map(|(k, v)| v.as_u64().map(|n| (k, n)))
            .collect(),
        _ => RunCounts::new(),
    }
}
