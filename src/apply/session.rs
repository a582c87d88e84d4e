//! The steps of an apply over SCIM as library functions that return values: read the
//! directory (with the last run's source size from the journals), start a journal and execute
//! a plan, finish or give up an interrupted run. `wtmap apply` puts a confirmation and
//! printing around them; `wtmap run` a lock and a report. Neither prints from here.

use super::journal::{self, Entry, Journal, Unfinished};
use super::report::ApplyReport;
use super::{Run, execute};
use crate::identity::Identity;
use crate::model::CurrentState;
use crate::plan::Plan;
use crate::winningtemp::TargetError;
use crate::winningtemp::scim::{Directory, ScimTarget};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why an apply step failed. The messages are the ones `wtmap apply` prints.
#[derive(Debug)]
pub enum SessionError {
    /// The SCIM directory could not be read (the target is down, refuses the token, …).
    ReadDirectory(TargetError),
    /// The journals folder could not be read.
    ReadJournals {
        /// The folder.
        dir: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A new journal could not be started: nothing was applied.
    StartJournal {
        /// The folder.
        dir: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// An interrupted run's journal could not be reopened: nothing was applied.
    ReopenJournal(std::io::Error),
    /// The journal could not be written while applying: the run stopped part way.
    Journal(std::io::Error),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::ReadDirectory(e) => write!(f, "reading the SCIM directory failed: {e}"),
            SessionError::ReadJournals { dir, error } => write!(
                f,
                "cannot read the journals in `{}`: {error}",
                dir.display()
            ),
            SessionError::StartJournal { dir, error } => write!(
                f,
                "cannot start the journal in `{}`: {error}",
                dir.display()
            ),
            SessionError::ReopenJournal(e) => write!(f, "cannot reopen the journal: {e}"),
            SessionError::Journal(e) => write!(
                f,
                "the journal cannot be written ({e}); the run stopped, and the next apply resumes it"
            ),
        }
    }
}

impl std::error::Error for SessionError {}

/// The latest run of `mapping` (`identity`) under `journal_dir` when it did not finish.
pub fn find_unfinished(
    journal_dir: &Path,
    mapping: &str,
    identity: &Identity,
) -> Result<Option<Unfinished>, SessionError> {
    journal::find_unfinished(journal_dir, mapping, identity).map_err(|error| {
        SessionError::ReadJournals {
            dir: journal_dir.to_path_buf(),
            error,
        }
    })
}

/// Gives up an interrupted run: its journal ends, marked abandoned, so it is neither resumed
/// nor taken as the last run for the source-size guard.
pub fn abandon(u: &Unfinished) -> std::io::Result<()> {
    let mut j = Journal::reopen(u)?;
    j.append(&Entry::End {
        at: journal::now(),
        ok: u.outcomes.values().filter(|o| o.is_ok()).count(),
        failed: 0,
        skipped: 0,
        abandoned: true,
    })
}

/// What the directory holds now, as a state to plan against (with the source size of the last
/// finished run, which SCIM does not remember), and the directory itself for the executor.
pub async fn read_current(
    target: &ScimTarget,
    journal_dir: &Path,
    mapping: &str,
    identity: &Identity,
) -> Result<(CurrentState, Directory), SessionError> {
    let (mut current, directory) = target.read().await.map_err(SessionError::ReadDirectory)?;
    let last = journal::last_run(journal_dir, mapping, identity);
    current.last_run_source_records = last.as_ref().map(|l| l.source_records);
    current.last_run_fill_rates = last.and_then(|l| l.fill_rates);
    Ok((current, directory))
}

/// Starts a journal for `plan` and executes it against the directory read just before.
pub async fn apply_plan(
    target: &ScimTarget,
    journal_dir: &Path,
    mapping: &str,
    identity: &Identity,
    plan: &Plan,
    directory: Directory,
) -> Result<ApplyReport, SessionError> {
    let mut journal = Journal::create(journal_dir, mapping, identity, plan).map_err(|error| {
        SessionError::StartJournal {
            dir: journal_dir.to_path_buf(),
            error,
        }
    })?;
    let run = Run {
        mapping,
        target,
        directory,
        previous: BTreeMap::new(),
        resumed: false,
    };
    execute(plan, run, &mut journal)
        .await
        .map_err(SessionError::Journal)
}

/// Finishes an interrupted run: reads the directory afresh, reopens the journal and runs every
/// action of its plan that has no `ok` outcome.
pub async fn resume(
    target: &ScimTarget,
    mapping: &str,
    u: Unfinished,
) -> Result<ApplyReport, SessionError> {
    let directory = target.read().await.map_err(SessionError::ReadDirectory)?.1;
    let mut journal = Journal::reopen(&u).map_err(SessionError::ReopenJournal)?;
    let run = Run {
        mapping,
        target,
        directory,
        previous: u.outcomes,
        resumed: true,
    };
    execute(&u.plan, run, &mut journal)
        .await
        .map_err(SessionError::Journal)
}
