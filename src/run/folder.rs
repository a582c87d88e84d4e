//! The run folder: `<runs_dir>/<mapping key>/<UTC timestamp>-<short id>/`, one per run,
//! holding `report.txt`, `report.md`, `report.html`, `report.json` and `plan.json`, each
//! written atomically (readers such as `wtmap serve` see a whole file or none).

use crate::atomic::write_atomic;
use crate::plan::{Plan, render_json};
use crate::report::{EMAIL_ROWS, Report, html_limited, render_markdown, text_limited};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// A new run's ID: the start time (UTC, to the second) and 16 random bits, so IDs sort by time
/// and two runs in one second still differ.
pub(crate) fn new_run_id(started: DateTime<Utc>) -> String {
    format!(
        "{}-{:04x}",
        // Milliseconds, so that run IDs sort by start time even within one second (two
        // `serve` runs of one mapping, a retry); the random part only breaks exact ties.
        started.format("%Y%m%dT%H%M%S%.3fZ"),
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

/// The report as people read it, rendered once: the files in the run folder, and the email's
/// two parts (the same bytes as `report.txt` and `report.html`).
pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) markdown: String,
    pub(crate) html: String,
}

impl Rendered {
    /// Renders `report`. Text and HTML are the email's parts, so their lists are cut at
    /// [`EMAIL_ROWS`] entries (saying so); the Markdown lists everything.
    pub(crate) fn of(report: &Report) -> Rendered {
        Rendered {
            text: text_limited(report, EMAIL_ROWS),
            markdown: render_markdown(report),
            html: html_limited(report, EMAIL_ROWS),
        }
    }
}

/// Writes the renderings of the report, its JSON, and the plan when there is one.
pub(crate) fn write(
    dir: &Path,
    rendered: &Rendered,
    report: &Report,
    plan: Option<&Plan>,
) -> Result<(), String> {
    let mut files = vec![
        ("report.txt", rendered.text.clone()),
        ("report.md", rendered.markdown.clone()),
        ("report.html", rendered.html.clone()),
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

/// Rewrites `report.json` alone (after the email, whose outcome it records).
pub(crate) fn write_json(dir: &Path, report: &Report) -> Result<(), String> {
    let path = dir.join("report.json");
    write_atomic(&path, crate::report::render_json(report).as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::new_run_id;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn run_ids_sort_by_start_time_within_one_second() {
        let start = Utc.with_ymd_and_hms(2026, 11, 21, 1, 0, 2).unwrap();
        let ids: Vec<String> = (0..50)
            .map(|ms| new_run_id(start + Duration::milliseconds(ms * 20)))
            .collect();
        assert!(ids.is_sorted(), "{ids:?}");
        assert!(ids[0].starts_with("20261121T010002.000Z-"), "{}", ids[0]);
    }
}
