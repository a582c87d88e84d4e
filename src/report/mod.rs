//! The reconciliation report of one `wtmap run` (`wtmap.report/v2`, docs/report.md): what the
//! run was (mapping, source, target, date, duration), how it ended, the guards, every action
//! with its outcome, the records that were skipped or quarantined, warnings and notes, and
//! whether the report email went out. Rendered as plain text, Markdown, self-contained HTML
//! (for mail clients) and JSON; the run stores all four in its run folder.

pub mod attention;
pub mod html;
mod markdown;
mod status;
mod text;
mod view;

pub use attention::{Attention, AttentionKind};

pub use html::render_html;
pub use markdown::render_markdown;
pub use status::{EmailOutcome, RunStatus};
pub use text::render_text;

use crate::action::Action;
use crate::apply::report::{ActionReport, Outcome};
use crate::guard::GuardOutcome;
use crate::model::{QuarantinedRecord, RunWarning, SkippedRecord};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The `wtmap.report/v2` format tag.
pub const REPORT_FORMAT: &str = "wtmap.report/v2";

/// How many entries of each list the email (and so `report.txt` and `report.html`, its two
/// parts) shows; `report.md` and `report.json` show all.
pub const EMAIL_ROWS: usize = 200;

/// What the run did to Winningtemp, counted from the actions that succeeded, plus the records
/// and problems around them. Every field is always present in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Users created.
    pub created: usize,
    /// Users updated (links excluded).
    pub updated: usize,
    /// Users created by hand that got their external ID (found by email or username).
    pub linked: usize,
    /// Users paused.
    pub paused: usize,
    /// Users reactivated.
    pub reactivated: usize,
    /// Teams created.
    pub teams_created: usize,
    /// Teams renamed.
    pub teams_renamed: usize,
    /// Teams moved under another parent.
    pub teams_moved: usize,
    /// Memberships added (member or manager).
    pub memberships_added: usize,
    /// Memberships removed.
    pub memberships_removed: usize,
    /// Segments created.
    pub segments_created: usize,
    /// Segment connections added.
    pub segment_connections_added: usize,
    /// Segment connections removed.
    pub segment_connections_removed: usize,
    /// Actions the plan held.
    pub planned: usize,
    /// Actions that failed.
    pub failed: usize,
    /// Actions not done: skipped by the executor, or never applied (guard abort, failure).
    pub not_done: usize,
    /// Records the source delivered.
    pub source_records: usize,
    /// Records skipped on purpose (`skip when`).
    pub skipped_records: usize,
    /// Records that could not be mapped; their users were left alone.
    pub quarantined: usize,
    /// Warnings.
    pub warnings: usize,
}

impl Counts {
    /// Counts the actions by outcome, and the successful ones by kind.
    pub fn of(actions: &[ActionReport]) -> Counts {
        let mut c = Counts {
            planned: actions.len(),
            ..Counts::default()
        };
        for a in actions {
            match &a.result {
                Outcome::Ok { .. } => {}
                Outcome::Failed { .. } => {
                    c.failed += 1;
                    continue;
                }
                Outcome::Skipped { .. } => {
                    c.not_done += 1;
                    continue;
                }
            }
            let slot = match &a.action.action {
                Action::CreateUser { .. } => &mut c.created,
                Action::UpdateUser { link: true, .. } => &mut c.linked,
                Action::UpdateUser { .. } => &mut c.updated,
                Action::PauseUser { .. } => &mut c.paused,
                Action::ReactivateUser { .. } => &mut c.reactivated,
                Action::CreateTeam { .. } => &mut c.teams_created,
                Action::RenameTeam { .. } => &mut c.teams_renamed,
                Action::MoveTeam { .. } => &mut c.teams_moved,
                Action::AddMembership { .. } => &mut c.memberships_added,
                Action::RemoveMembership { .. } => &mut c.memberships_removed,
                Action::CreateSegment { .. } => &mut c.segments_created,
                Action::AddSegmentConnection { .. } => &mut c.segment_connections_added,
                Action::RemoveSegmentConnection { .. } => &mut c.segment_connections_removed,
            };
            *slot += 1;
        }
        c
    }

    /// The counts of changes with their labels, in report order (zeros included).
    pub fn changes(&self) -> [(&'static str, usize); 13] {
        [
            ("users created", self.created),
            ("users updated", self.updated),
            ("users linked", self.linked),
            ("users paused", self.paused),
            ("users reactivated", self.reactivated),
            ("teams created", self.teams_created),
            ("teams renamed", self.teams_renamed),
            ("teams moved", self.teams_moved),
            ("memberships added", self.memberships_added),
            ("memberships removed", self.memberships_removed),
            ("segments created", self.segments_created),
            ("segment connections added", self.segment_connections_added),
            (
                "segment connections removed",
                self.segment_connections_removed,
            ),
        ]
    }
}

/// Which mapping ran: its path and a hash of its text, so a report names the exact version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingIdentity {
    /// The mapping file as given (`mappings/acme.wtmap`).
    pub path: String,
    /// Its short name, the file stem (`acme`), used in subjects and run folders.
    pub name: String,
    /// SHA-256 of its text, hex; empty when it could not be read.
    pub sha256: String,
}

/// Where records came from or changes went: a kind and a location, never a credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// `personio`, `csv`, `winningtemp.scim`, `winningtemp.files`; empty when unknown.
    pub kind: String,
    /// A URL without user information or query, or a file or folder path; may be empty.
    pub location: String,
}

/// Request statistics of the apply, when it ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplyStats {
    /// The journal file (empty for the file integration, which has none).
    pub journal: String,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Retries among them.
    pub retries: u64,
    /// Answers 429/503.
    pub throttled: u64,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Wall time of the apply, in seconds.
    pub seconds: f64,
    /// What the SCIM server said it supports, in one line (`PATCH no, filter yes, …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// One run's report (`wtmap.report/v2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `wtmap.report/v2`.
    pub format: String,
    /// The run's ID, also its folder's name (`20261121T010000.417Z-3fa2`).
    pub run_id: String,
    /// How the run ended.
    pub status: RunStatus,
    /// The process exit code `wtmap run` ends with (the status's, or 8 for a failed email).
    pub exit_code: u8,
    /// The outcome in one line.
    pub message: String,
    /// The mapping.
    pub mapping: MappingIdentity,
    /// The HR source.
    pub source: Endpoint,
    /// The Winningtemp target.
    pub target: Endpoint,
    /// When the run started (UTC).
    pub started: DateTime<Utc>,
    /// When it finished (UTC).
    pub finished: DateTime<Utc>,
    /// Wall time in seconds.
    pub duration_seconds: f64,
    /// The date the mapping was evaluated as of; `None` when it never got that far.
    pub today: Option<NaiveDate>,
    /// The counts.
    pub counts: Counts,
    /// Guard outcomes (empty when no plan was made).
    pub guards: Vec<GuardOutcome>,
    /// How many records the source delivered, when a plan was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_records: Option<usize>,
    /// The plan's fill-rate table: each field the mapping uses, with last run's rate when
    /// known (`crate::quality`; empty when no plan was made).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fill_rates: Vec<crate::model::FieldFill>,
    /// Every action of the plan, in plan order, with its outcome.
    pub actions: Vec<ActionReport>,
    /// Records skipped on purpose.
    pub skipped: Vec<SkippedRecord>,
    /// Records that could not be mapped, with the reason and the statement's line.
    pub quarantined: Vec<QuarantinedRecord>,
    /// Warnings from evaluation and the diff.
    pub warnings: Vec<RunWarning>,
    /// Everything else worth knowing: connector warnings, a given-up interrupted run, the
    /// mapping's errors, lock details.
    pub notes: Vec<String>,
    /// The apply's request statistics, when it ran.
    pub apply: Option<ApplyStats>,
    /// The report email.
    pub email: EmailOutcome,
    /// The people HR must look at (quarantined and skipped records), by name, with what to
    /// fix in HR's words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<Attention>,
    /// The mapping's recorded runs before this one, oldest first (at most [`TREND_RUNS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
}

/// How many earlier runs a report's trend shows.
pub const TREND_RUNS: usize = 9;

/// One run in a report's trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The run's ID.
    pub run_id: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// How it ended.
    pub status: RunStatus,
    /// Records the source delivered.
    pub source_records: usize,
    /// Changes made (every kind).
    pub changes: usize,
    /// Users paused.
    pub paused: usize,
    /// Records quarantined.
    pub quarantined: usize,
}

impl TrendPoint {
    /// The point of a report.
    pub fn of(report: &Report) -> TrendPoint {
        let c = &report.counts;
        TrendPoint {
            run_id: report.run_id.clone(),
            started: report.started,
            status: report.status,
            source_records: c.source_records,
            changes: c.changes().iter().map(|(_, n)| n).sum(),
            paused: c.paused,
            quarantined: c.quarantined,
        }
    }
}

impl Report {
    /// Actions with a failed outcome, in plan order.
    pub fn failed_actions(&self) -> impl Iterator<Item = &ActionReport> {
        self.actions
            .iter()
            .filter(|a| matches!(a.result, Outcome::Failed { .. }))
    }

    /// Actions done, in plan order.
    pub fn done_actions(&self) -> impl Iterator<Item = &ActionReport> {
        self.actions.iter().filter(|a| a.result.is_ok())
    }

    /// Actions not done (skipped or never applied), in plan order.
    pub fn not_done_actions(&self) -> impl Iterator<Item = &ActionReport> {
        self.actions
            .iter()
            .filter(|a| matches!(a.result, Outcome::Skipped { .. }))
    }

    /// Guards that stopped the run (failed and not overridden).
    pub fn failed_guards(&self) -> impl Iterator<Item = &GuardOutcome> {
        self.guards.iter().filter(|g| !g.passed && !g.overridden)
    }
}

/// The text rendering with at most `limit` entries per list (for the email).
pub fn text_limited(report: &Report, limit: usize) -> String {
    text::render(report, limit)
}

/// The HTML rendering with at most `limit` rows per table (for the email).
pub fn html_limited(report: &Report, limit: usize) -> String {
    html::render(report, limit)
}

/// The report as pretty JSON with a final newline.
pub fn render_json(report: &Report) -> String {
    // Strings, numbers, booleans and string-keyed maps only: serializing cannot fail.
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// The changes done, as a short phrase: `3 created, 1 paused, 2 memberships added`, or
/// `no changes`.
pub fn changes_phrase(counts: &Counts) -> String {
    let short = [
        ("created", counts.created),
        ("updated", counts.updated),
        ("linked", counts.linked),
        ("paused", counts.paused),
        ("reactivated", counts.reactivated),
        ("teams created", counts.teams_created),
        ("teams renamed", counts.teams_renamed),
        ("teams moved", counts.teams_moved),
        ("memberships added", counts.memberships_added),
        ("memberships removed", counts.memberships_removed),
        ("segments created", counts.segments_created),
        (
            "segment connections added",
            counts.segment_connections_added,
        ),
        (
            "segment connections removed",
            counts.segment_connections_removed,
        ),
    ];
    let parts: Vec<String> = short
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!("{n} {label}"))
        .collect();
    if parts.is_empty() {
        "no changes".to_string()
    } else {
        parts.join(", ")
    }
}

/// `N more not shown; the full report is in the run folder`, when a list was cut.
pub(crate) fn more_line(total: usize, shown: usize) -> Option<String> {
    (total > shown).then(|| {
        format!(
            "… and {} more, not shown here: report.md and report.json in the run folder list them all",
            total - shown
        )
    })
}

/// The note every action of a list shares, when there is one and more than one action: shown
/// once with the list's title instead of on every line.
pub(crate) fn shared_note(actions: &[&ActionReport]) -> Option<String> {
    let mut notes = actions.iter().map(|a| outcome_text(&a.result).1);
    let first = notes.next()?;
    (actions.len() > 1 && !first.is_empty() && notes.all(|n| n == first)).then_some(first)
}

/// An outcome's mark and note for one action line.
pub(crate) fn outcome_text(outcome: &Outcome) -> (&'static str, String) {
    match outcome {
        Outcome::Ok { detail } => ("ok", detail.clone().unwrap_or_default()),
        Outcome::Failed { message } => ("FAILED", message.clone()),
        Outcome::Skipped { reason } => ("not done", reason.clone()),
    }
}

/// The email outcome in words.
pub fn email_text(email: &EmailOutcome) -> String {
    match email {
        EmailOutcome::NotConfigured => {
            "not sent: no SMTP server configured (WTMAP_SMTP_HOST), or --no-email".to_string()
        }
        EmailOutcome::NoRecipients => "not sent: the mapping has no `report to`".to_string(),
        EmailOutcome::Sent { to } => format!("sent to {}", to.join(", ")),
        EmailOutcome::Failed { message } => format!("FAILED: {message}"),
    }
}

/// The email in a rendering. Renderings are made once, before the email is sent (the email
/// carries them), so a message to be sent names its recipients, not an outcome; the outcome
/// is in `report.json`, the history and the status page.
fn email_line(email: &EmailOutcome) -> String {
    match email {
        EmailOutcome::Sent { to } => format!("to {}", to.join(", ")),
        other => email_text(other),
    }
}

/// The run's facts in every rendering, as label and value.
pub(crate) fn header_rows(report: &Report) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        (
            "status",
            format!("{} (exit {})", report.status.title(), report.exit_code),
        ),
        ("message", report.message.clone()),
        ("run", report.run_id.clone()),
    ];
    let short_hash: String = report.mapping.sha256.chars().take(12).collect();
    rows.push((
        "mapping",
        if short_hash.is_empty() {
            report.mapping.path.clone()
        } else {
            format!("{} (sha256 {short_hash})", report.mapping.path)
        },
    ));
    let endpoint = |e: &Endpoint| {
        [e.kind.as_str(), e.location.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    if !report.source.kind.is_empty() {
        // Guards exist exactly when a plan was made, and so a record count.
        let records = match report.guards.is_empty() {
            true => String::new(),
            false => format!(" ({} records)", report.counts.source_records),
        };
        rows.push(("source", format!("{}{records}", endpoint(&report.source))));
    }
    if !report.target.kind.is_empty() {
        rows.push(("target", endpoint(&report.target)));
    }
    if let Some(today) = report.today {
        rows.push(("as of", today.to_string()));
    }
    rows.push((
        "started",
        report.started.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    ));
    rows.push(("duration", format!("{:.1} s", report.duration_seconds)));
    rows.push(("email", email_line(&report.email)));
    rows
}

#[cfg(test)]
pub(crate) mod tests;
