//! What `serve` asks of a run, and what it keeps of one. The scheduler only knows this trait:
//! tests pass a fake, production passes [`super::run_adapter::RunOnceRunner`] around
//! `crate::run::run_once`.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Counts of what a run did, by name (`created`, `updated`, `paused`, `failed`, …), in the
/// order the run reported them. A map, not a struct, so the history keeps whatever the run
/// counts without a schema change.
pub type RunCounts = IndexMap<String, u64>;

/// One run to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Mapping name (file stem): the history's key.
    pub name: String,
    /// The mapping file.
    pub path: PathBuf,
    /// The last version of the file that checked: what must run even if the file on disk
    /// has since been broken.
    pub good_text: Arc<str>,
    /// SHA-256 of `good_text`, hex: the runner compares it with the file on disk.
    pub good_hash: String,
    /// The time the schedule asked for.
    pub scheduled: DateTime<Utc>,
}

/// What the history stores about a finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Mapping name (file stem).
    pub mapping: String,
    /// The run's own id (names its report folder).
    pub run_id: String,
    /// `success`, `success_with_quarantine`, `guard_aborted`, `source_failed`,
    /// `target_failed`, `mapping_invalid`, `locked` (or `skipped`, written by `serve`).
    pub status: String,
    /// When the run started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// What it did.
    pub counts: RunCounts,
    /// Its report folder (with `report.html`), when it wrote one.
    pub report_dir: Option<PathBuf>,
    /// One line on the outcome.
    pub message: String,
    /// What became of the report email, in words (`sent to …`, `not sent: …`,
    /// `FAILED: …`); empty when there was none to send (a skipped run).
    #[serde(default)]
    pub email: String,
}

/// Runs a mapping once, start to end (fetch, plan, guards, apply, report). Called on a thread
/// of its own: it may block for as long as the run takes.
pub trait Runner: Send + Sync {
    /// Runs it; failures are outcomes (a status and a message), never panics.
    fn run(&self, request: &RunRequest) -> RunRecord;
}

/// Whether a status counts as a good run (the status page colours by it).
pub fn outcome_class(status: &str) -> &'static str {
    match status {
        "success" => "ok",
        "success_with_quarantine" | "skipped" | "running" => "warn",
        _ => "fail",
    }
}
