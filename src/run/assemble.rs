//! Putting a run's pieces together: the mapping as loaded (or why it could not be), and the
//! report from what the sync did.

use super::steps::Synced;
use super::{EmailOutcome, RunOptions, source};
use crate::apply::report::{ActionReport, Outcome};
use crate::check::{Program, check_source};
use crate::env::Env;
use crate::report::{ApplyStats, Counts, Endpoint, MappingIdentity, REPORT_FORMAT, Report};
use crate::source::SourceFile;
use chrono::{DateTime, Utc};
use sha2::Digest;
use std::path::Path;

/// A mapping that checks, or the one-line reason and the rendered diagnostics.
pub(super) fn load_mapping(mapping: &Path) -> Result<(SourceFile, Program), (String, Vec<String>)> {
    let file = crate::files::read_source(mapping).map_err(|e| (e.to_string(), Vec::new()))?;
    let (program, diags) = check_source(&file);
    match program {
        Some(p) => Ok((file, p)),
        None => {
            let style = crate::diagnostics::render::HumanStyle {
                color: false,
                width: 100,
            };
            let rendered = diags
                .iter()
                .map(|d| crate::diagnostics::render::human(d, &file, style))
                .collect();
            let message = format!(
                "`{}` has {} error(s); run `wtmap check` for details; nothing was done",
                file.name,
                diags.error_count()
            );
            Err((message, rendered))
        }
    }
}

pub(super) struct Built<'a> {
    pub(super) run_id: &'a str,
    pub(super) mapping: &'a Path,
    pub(super) file: Option<&'a SourceFile>,
    pub(super) program: Option<&'a Program>,
    pub(super) opts: &'a RunOptions,
    pub(super) env: &'a dyn Env,
    pub(super) synced: &'a Synced,
    pub(super) notes: Vec<String>,
    pub(super) started: DateTime<Utc>,
}

pub(super) fn build_report(b: Built) -> Report {
    let s = b.synced;
    let actions: Vec<ActionReport> = match (&s.applied, &s.plan) {
        (Some(applied), _) => applied.actions.clone(),
        (None, Some(plan)) => ActionReport::all(plan, &Outcome::skipped(s.not_applied.clone())),
        (None, None) => Vec::new(),
    };
    let mut counts = Counts::of(&actions);
    let (source, target) = match b.program {
        Some(p) => (
            source::source_identity(
                p,
                b.mapping,
                b.opts.records.as_deref(),
                b.opts.source_url.as_deref(),
                b.env,
            ),
            source::target_identity(p, b.mapping, b.env),
        ),
        None => (Endpoint::default(), Endpoint::default()),
    };
    let plan = s.plan.as_ref();
    if let Some(p) = plan {
        counts.source_records = p.source_records;
        counts.skipped_records = p.skipped.len();
        counts.quarantined = p.quarantined.len();
        counts.warnings = p.warnings.len();
    }
    let name = crate::apply::journal::stem(&b.mapping.display().to_string());
    Report {
        format: REPORT_FORMAT.to_string(),
        run_id: b.run_id.to_string(),
        status: s.status,
        exit_code: s.status.exit_code(),
        message: s.message.clone(),
        mapping: MappingIdentity {
            path: b.mapping.display().to_string(),
            name,
            sha256: b
                .file
                .map(|f| hex(&sha2::Sha256::digest(f.text.as_bytes())))
                .unwrap_or_default(),
        },
        source,
        target,
        started: b.started,
        finished: b.started,
        duration_seconds: 0.0,
        today: s.today,
        counts,
        guards: plan.map(|p| p.guards.clone()).unwrap_or_default(),
        source_records: plan.map(|p| p.source_records),
        fill_rates: plan.map(|p| p.fill_rates.clone()).unwrap_or_default(),
        actions,
        skipped: plan.map(|p| p.skipped.clone()).unwrap_or_default(),
        quarantined: plan.map(|p| p.quarantined.clone()).unwrap_or_default(),
        warnings: plan.map(|p| p.warnings.clone()).unwrap_or_default(),
        notes: b.notes,
        // The file integration sends no requests and keeps no journal: nothing to show.
        apply: s
            .applied
            .as_ref()
            .filter(|a| !a.journal.is_empty())
            .map(|a| ApplyStats {
                journal: a.journal.clone(),
                requests: a.requests,
                retries: a.retries,
                throttled: a.throttled,
                concurrency: a.concurrency,
                seconds: a.seconds,
                server: a.server.as_ref().map(|c| c.summary()),
            }),
        email: EmailOutcome::NotConfigured,
        attention: plan
            .map(|p| crate::report::attention::of(&p.quarantined, &p.skipped))
            .unwrap_or_default(),
        trend: Vec::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
