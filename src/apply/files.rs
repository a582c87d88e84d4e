//! Applying a plan to the file integration, as a library function: the plan's effect on the
//! last export becomes the new export, delivered as a whole or not at all, and reported like a
//! SCIM apply (every action shares the one outcome).

use super::journal::now;
use super::report::{APPLY_FORMAT, ActionReport, ApplyReport, Outcome, OutcomeSummary};
use crate::env::Env;
use crate::model::CurrentState;
use crate::plan::{Plan, apply_to_state};
use crate::winningtemp::files::{self, ExportReport, FilesConfig};

/// The outcome of exporting a plan.
#[derive(Debug)]
pub struct FilesApplied {
    /// Every action with the export's outcome.
    pub report: ApplyReport,
    /// What the export wrote, or why it failed; the message says what was delivered.
    pub export: Result<ExportReport, String>,
}

/// Exports `current` with `plan` applied, and records it as the last export when it worked.
pub fn apply_files(
    cfg: &FilesConfig,
    current: &CurrentState,
    plan: &Plan,
    mapping: &str,
    env: &dyn Env,
) -> FilesApplied {
    let started = std::time::Instant::now();
    let mut next = apply_to_state(current, &plan.actions);
    next.last_run_source_records = Some(plan.source_records);
    next.last_run_fill_rates =
        (!plan.fill_rates.is_empty()).then(|| crate::quality::rates_of(&plan.fill_rates));
    let export = files::export(cfg, &next, env).map_err(|e| {
        if e.delivered_nothing() {
            // Nothing was recorded as exported: the next run plans the same changes again.
            format!("the export failed, nothing was delivered: {e}")
        } else {
            // The message names what was delivered and what the next run does about it.
            e.to_string()
        }
    });
    let outcome = match &export {
        Ok(report) => Outcome::ok(match &report.uploaded_to {
            Some(to) => format!("exported and uploaded to {to}"),
            None => format!("exported to {}", report.dir.display()),
        }),
        Err(e) => Outcome::failed(e.clone()),
    };
    let actions = ActionReport::all(plan, &outcome);
    let report = ApplyReport {
        format: APPLY_FORMAT.to_string(),
        mapping: mapping.to_string(),
        run: now(),
        journal: String::new(),
        resumed: false,
        concurrency: 1,
        requests: 0,
        retries: 0,
        throttled: 0,
        seconds: started.elapsed().as_secs_f64(),
        server: None,
        summary: OutcomeSummary::of(actions.iter().map(|a| &a.result)),
        actions,
    };
    FilesApplied { report, export }
}
