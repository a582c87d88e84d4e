//! A report's trend: the mapping's earlier runs, read from their run folders (`report.json`),
//! so `wtmap run` from cron has a history as much as `wtmap serve` does.

use crate::report::RunStatus;
use crate::report::{Counts, TrendPoint};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::path::Path;

/// The part of a stored report the trend needs; the rest (actions, records) is skipped.
#[derive(Deserialize)]
struct Stored {
    run_id: String,
    started: DateTime<Utc>,
    status: RunStatus,
    counts: Counts,
    /// Non-empty exactly when a plan was made, and so the counts mean something.
    #[serde(default)]
    guards: Vec<serde::de::IgnoredAny>,
}

/// The newest `limit` earlier runs under `mapping_runs` that made a plan, oldest first.
/// Folders that cannot be read, or that hold no report, are passed over.
pub(crate) fn earlier_runs(mapping_runs: &Path, this_run: &str, limit: usize) -> Vec<TrendPoint> {
    let Ok(entries) = std::fs::read_dir(mapping_runs) else {
        return Vec::new();
    };
    // Run IDs sort by start time.
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|id| id.as_str() < this_run)
        .collect();
    ids.sort();
    let mut points = Vec::new();
    for id in ids.iter().rev() {
        if points.len() == limit {
            break;
        }
        let Ok(text) = std::fs::read_to_string(mapping_runs.join(id).join("report.json")) else {
            continue;
        };
        let Ok(s) = serde_json::from_str::<Stored>(&text) else {
            continue;
        };
        if s.guards.is_empty() {
            continue;
        }
        let c = &s.counts;
        points.push(TrendPoint {
            run_id: s.run_id,
            started: s.started,
            status: s.status,
            source_records: c.source_records,
            changes: c.changes().iter().map(|(_, n)| n).sum(),
            paused: c.paused,
            quarantined: c.quarantined,
        });
    }
    points.reverse();
    points
}
