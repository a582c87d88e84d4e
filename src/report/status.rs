//! How a run ended and what became of its email: the facts a report states, kept here so the
//! run that decides them, the email that sends them and the status page that lists them all
//! read them from the report, below themselves.

use serde::{Deserialize, Serialize};

/// How a run ended. Each has its own exit code (see [`RunStatus::exit_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every action applied (or nothing to do).
    Success,
    /// Every action applied; some records could not be mapped and their users were left alone.
    SuccessWithQuarantine,
    /// A guard stopped the plan; nothing was written.
    GuardAborted,
    /// The records could not be read; nothing was written.
    SourceFailed,
    /// The target could not be set up or reached, or actions failed.
    TargetFailed,
    /// The mapping could not be read or does not check.
    MappingInvalid,
    /// The lock could not be taken: another run holds it, a killed run left it, or the runs
    /// folder is not writable. Nothing was done.
    Locked,
}

impl RunStatus {
    /// The process exit code: 0, 4, 3, 5, 6, 1, 7 in declaration order.
    pub fn exit_code(self) -> u8 {
        match self {
            RunStatus::Success => 0,
            RunStatus::SuccessWithQuarantine => 4,
            RunStatus::GuardAborted => 3,
            RunStatus::SourceFailed => 5,
            RunStatus::TargetFailed => 6,
            RunStatus::MappingInvalid => 1,
            RunStatus::Locked => 7,
        }
    }

    /// The JSON spelling: `success`, `success_with_quarantine`, `guard_aborted`,
    /// `source_failed`, `target_failed`, `mapping_invalid`, `locked`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::SuccessWithQuarantine => "success_with_quarantine",
            RunStatus::GuardAborted => "guard_aborted",
            RunStatus::SourceFailed => "source_failed",
            RunStatus::TargetFailed => "target_failed",
            RunStatus::MappingInvalid => "mapping_invalid",
            RunStatus::Locked => "locked",
        }
    }

    /// The status for people, in capitals (`ABORTED BY A GUARD`).
    pub fn title(self) -> &'static str {
        match self {
            RunStatus::Success => "SUCCESS",
            RunStatus::SuccessWithQuarantine => "SUCCESS WITH QUARANTINED RECORDS",
            RunStatus::GuardAborted => "ABORTED BY A GUARD",
            RunStatus::SourceFailed => "SOURCE FAILED",
            RunStatus::TargetFailed => "TARGET FAILED",
            RunStatus::MappingInvalid => "MAPPING INVALID",
            RunStatus::Locked => "NOT RUN (LOCKED)",
        }
    }

    /// True for the two successes.
    pub fn is_success(self) -> bool {
        matches!(self, RunStatus::Success | RunStatus::SuccessWithQuarantine)
    }
}

/// What became of the report email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EmailOutcome {
    /// No SMTP server is configured (`WTMAP_SMTP_HOST` unset), or sending was turned off.
    NotConfigured,
    /// The mapping names no `report to` recipients.
    NoRecipients,
    /// The SMTP server accepted the message for these recipients.
    Sent {
        /// The recipients.
        to: Vec<String>,
    },
    /// The message could not be sent.
    Failed {
        /// Why, without secrets.
        message: String,
    },
}

impl EmailOutcome {
    /// True for [`EmailOutcome::Failed`].
    pub fn failed(&self) -> bool {
        matches!(self, EmailOutcome::Failed { .. })
    }
}
