//! The run folder: `<runs_dir>/<mapping-stem>/<UTC timestamp>-<short id>/`, one per run,
//! holding `report.txt`, `report.md`, `report.html`, `report.json` and `plan.json`, each
//! written atomically (readers such as `wtmap serve` see a whole file or none).

use crate::atomic::write_atomic;
use crate::plan::{Plan, render_json};
use crate::report::{Report, render_html, render_markdown, render_text};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A new run's ID: the start time (UTC, to the second) and 16 random bits, so IDs sort by time
/// and two runs in one second still differ.
pub(crate) fn new_run_id(started: DateTime<Utc>) -> String {
    format!(
        "{}-{:04x}",
        started.format("%Y%m%dT%H%M%SZ"),
        fastrand::u16(..)
    )
}

/// Creates the run folder under `mapping_runs`; on the rare clash of IDs a new one is drawn.
/// Returns the folder and the run ID it settled on.
pub(crate) fn create(
    mapping_runs: &Path,
    started: DateTime<Utc>,
    run_id: &str,
) -> std::io::Result<(PathBuf, String)> {
    std::fs::create_dir_all(mapping_runs)?;
    let mut id = run_id.to_string();
    for _ in 0..8 {
        let dir = mapping_runs.join(&id);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((dir, id)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => id = new_run_id(started),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free run ID after 8 tries"))
}

/// Writes the four renderings of the report, and the plan when there is one.
pub(crate) fn write(dir: &Path, report: &Report, plan: Option<&Plan>) -> Result<(), String> {
    let mut files = vec![
        ("report.txt", render_text(report)),
        ("report.md", render_markdown(report)),
        ("report.html", render_html(report)),
        ("report.json", crate::report::render_json(report)),
    ];
    if let Some(plan) = plan {
        files.push(("plan.json", render_json(plan)));
    }
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}
