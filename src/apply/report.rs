//! The report of an apply: every action of the plan with its outcome (`wtmap.apply/v1`).

use crate::action::{Action, PlannedAction};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The `wtmap.apply/v1` format tag.
pub const APPLY_FORMAT: &str = "wtmap.apply/v1";

/// What happened to one action (or to every action of one batched request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Done, or found already done.
    Ok {
        /// What was done when it is worth saying (`created`, `already a member`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// The target refused or could not be reached; the message is the server's.
    Failed {
        /// Why, with the request and the server's own words.
        message: String,
    },
    /// Not attempted, and why.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// `Ok` with a detail.
    pub fn ok(detail: impl Into<String>) -> Outcome {
        Outcome::Ok {
            detail: Some(detail.into()),
        }
    }

    /// `Failed`.
    pub fn failed(message: impl Into<String>) -> Outcome {
        Outcome::Failed {
            message: message.into(),
        }
    }

    /// `Skipped`.
    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome::Skipped {
            reason: reason.into(),
        }
    }

    /// True for `Ok`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok { .. })
    }
}

/// One action and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionReport {
    /// Position in the plan.
    pub index: usize,
    /// The action as planned.
    pub action: PlannedAction,
    /// What happened.
    pub result: Outcome,
    /// True when an earlier, interrupted run of the same plan did it (from the journal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub earlier_run: bool,
}

impl ActionReport {
    /// Every action of a plan with one outcome: an export that delivered all or nothing, or a
    /// plan that was not applied.
    pub fn all(plan: &crate::plan::Plan, result: &Outcome) -> Vec<ActionReport> {
        plan.actions
            .iter()
            .enumerate()
            .map(|(index, action)| ActionReport {
                index,
                action: action.clone(),
                result: result.clone(),
                earlier_run: false,
            })
            .collect()
    }
}

/// Counts of outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeSummary {
    /// Done.
    pub ok: usize,
    /// Refused or unreachable.
    pub failed: usize,
    /// Not attempted.
    pub skipped: usize,
    /// All actions.
    pub total: usize,
}

impl OutcomeSummary {
    /// Counts outcomes.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> OutcomeSummary {
        let mut s = OutcomeSummary::default();
        for o in outcomes {
            s.total += 1;
            match o {
                Outcome::Ok { .. } => s.ok += 1,
                Outcome::Failed { .. } => s.failed += 1,
                Outcome::Skipped { .. } => s.skipped += 1,
            }
        }
        s
    }
}

/// The report of one apply run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Always `wtmap.apply/v1`.
    pub format: String,
    /// The mapping.
    pub mapping: String,
    /// The run's ID (the journal's name).
    pub run: String,
    /// The journal file.
    pub journal: String,
    /// True when this run finished an interrupted one.
    pub resumed: bool,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// Retries among them.
    pub retries: u64,
    /// Answers 429/503 (throttling).
    pub throttled: u64,
    /// Wall time of the execution, in seconds.
    pub seconds: f64,
    /// What the SCIM server said it supports (asked once per run; also in the journal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<crate::winningtemp::scim::discovery::Capabilities>,
    /// Outcome counts.
    pub summary: OutcomeSummary,
    /// Every action of the plan, in plan order.
    pub actions: Vec<ActionReport>,
}

impl ApplyReport {
    /// True when no action failed.
    pub fn succeeded(&self) -> bool {
        self.summary.failed == 0
    }
}

/// A short name for an action: `create_user E1 (ann@x.se)`.
pub fn describe(action: &Action) -> String {
    let kind = action.kind().as_str();
    let what = match action {
        Action::CreateUser {
            external_id,
            username,
            ..
        } => format!("{external_id} ({username})"),
        Action::UpdateUser {
            external_id,
            username,
            ..
        }
        | Action::ReactivateUser {
            external_id,
            username,
        } => format!("{external_id} ({username})"),
        Action::PauseUser {
            external_id,
            username,
        } => match external_id {
            Some(id) => format!("{id} ({username})"),
            None => username.to_string(),
        },
        Action::CreateTeam { external_id, .. }
        | Action::RenameTeam { external_id, .. }
        | Action::MoveTeam { external_id, .. }
        | Action::CreateSegment { external_id, .. } => external_id.to_string(),
        Action::AddMembership { user, team, role }
        | Action::RemoveMembership { user, team, role } => {
            let role = match role {
                crate::model::Role::Member => "member",
                crate::model::Role::Manager => "manager",
            };
            format!("{user} → {team} ({role})")
        }
        Action::AddSegmentConnection { user, segment }
        | Action::RemoveSegmentConnection { user, segment } => format!("{user} → {segment}"),
    };
    crate::escape::line(&format!("{kind} {what}")).into_owned()
}

/// The report for people: one line per action with its outcome, then the totals.
pub fn render_human(report: &ApplyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "apply {} (run {}{})",
        crate::escape::line(&report.mapping),
        crate::escape::line(&report.run),
        if report.resumed { ", resumed" } else { "" }
    );
    for a in &report.actions {
        let (mark, note) = match &a.result {
            Outcome::Ok { detail } => ("ok     ", detail.clone().unwrap_or_default()),
            Outcome::Failed { message } => ("FAILED ", message.clone()),
            Outcome::Skipped { reason } => ("skipped", reason.clone()),
        };
        let earlier = if a.earlier_run { " (earlier run)" } else { "" };
        let sep = if note.is_empty() { "" } else { ": " };
        let note = crate::escape::line(&note);
        let _ = writeln!(
            out,
            "  {mark} {}{earlier}{sep}{note}",
            describe(&a.action.action)
        );
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{} ok, {} failed, {} skipped of {} actions; {} requests ({} retries, {} throttled) at concurrency {} in {:.2}s",
        s.ok,
        s.failed,
        s.skipped,
        s.total,
        report.requests,
        report.retries,
        report.throttled,
        report.concurrency,
        report.seconds
    );
    if let Some(server) = &report.server {
        let _ = writeln!(out, "server: {}", crate::escape::line(&server.summary()));
    }
    let _ = writeln!(out, "journal: {}", crate::escape::line(&report.journal));
    out
}

/// The report as pretty JSON with a final newline.
pub fn render_json(report: &ApplyReport) -> String {
    // Plain data with string keys: serializing cannot fail.
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}
