//! The journal of an apply run: one JSON Lines file per run (`wtmap.journal/v1`), appended
//! and flushed to disk (`fsync`) before an outcome counts as recorded, so whatever a killed run
//! did before it died is on record. Outcomes that complete together share one write and one
//! `fsync`.
//!
//! ```text
//! {"event":"start","format":"wtmap.journal/v1","run":"…","mapping":"…","at":"…","plan":{…}}
//! {"event":"outcome","at":"…","actions":[0],"result":{"status":"ok","detail":"created"}}
//! {"event":"outcome","at":"…","actions":[7,8,9],"result":{"status":"failed","message":"…"}}
//! {"event":"resume","at":"…"}
//! {"event":"end","at":"…","ok":12,"failed":0,"skipped":1}
//! ```
//!
//! A run without `end` is unfinished: the next `apply` of the same mapping resumes it (see
//! `crate::apply`). A last line cut short by a kill is dropped when the journal is reopened.

use super::report::Outcome;
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The `wtmap.journal/v1` format tag.
pub const JOURNAL_FORMAT: &str = "wtmap.journal/v1";

/// One line of a journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The run begins; the plan it executes (plans hold no secrets).
    Start {
        /// Always `wtmap.journal/v1`.
        format: String,
        /// Run ID.
        run: String,
        /// The mapping.
        mapping: String,
        /// When (RFC 3339, UTC).
        at: String,
        /// The plan.
        plan: Box<Plan>,
    },
    /// An interrupted run is picked up again.
    Resume {
        /// When.
        at: String,
    },
    /// The outcome of actions (several when one request carried them).
    Outcome {
        /// When.
        at: String,
        /// Plan indices.
        actions: Vec<usize>,
        /// What happened.
        result: Outcome,
    },
    /// The run is over.
    End {
        /// When.
        at: String,
        /// Actions done.
        ok: usize,
        /// Actions failed.
        failed: usize,
        /// Actions skipped.
        skipped: usize,
        /// True when the run was given up (`--fresh`) rather than finished.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        abandoned: bool,
    },
}

/// Now, for journal lines.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    run: String,
}

impl Journal {
    /// Starts the journal of a new run of `mapping` under `dir` (created when missing).
    pub fn create(dir: &Path, mapping: &str, plan: &Plan) -> io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let run = format!(
            "{}-{:04x}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            fastrand::u16(..)
        );
        let path = dir.join(format!("{}.{run}.jsonl", stem(mapping)));
        // A journal holds the plan, so HR data: private (docs/files-target.md).
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .mode(crate::atomic::PRIVATE_MODE)
            .open(&path)?;
        sync_dir(dir);
        let mut journal = Journal { file, path, run };
        journal.append(&Entry::Start {
            format: JOURNAL_FORMAT.to_string(),
            run: journal.run.clone(),
            mapping: mapping.to_string(),
            at: now(),
            plan: Box::new(plan.clone()),
        })?;
        Ok(journal)
    }

    /// Reopens an unfinished journal for appending, dropping a last line cut short by a kill.
    pub fn reopen(unfinished: &Unfinished) -> io::Result<Journal> {
        let text = std::fs::read(&unfinished.path)?;
        let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new().append(true).open(&unfinished.path)?;
        if keep < text.len() {
            file.set_len(keep as u64)?;
        }
        let mut journal = Journal {
            file,
            path: unfinished.path.clone(),
            run: unfinished.run.clone(),
        };
        journal.append(&Entry::Resume { at: now() })?;
        Ok(journal)
    }

    /// Appends one entry as one line in one write, then waits until it is on disk.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        self.append_all(std::slice::from_ref(entry))
    }

    /// Appends entries, one line each, in one write, then waits until they are on disk. One
    /// `fsync` for all the outcomes that completed together (group commit): an `fsync` takes
    /// milliseconds, so one per line would make the disk, not the server, set the pace.
    pub fn append_all(&mut self, entries: &[Entry]) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for entry in entries {
            text.push_str(&serde_json::to_string(entry).map_err(io::Error::other)?);
            text.push('\n');
        }
        self.file.write_all(text.as_bytes())?;
        self.file.sync_data()
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run ID.
    pub fn run(&self) -> &str {
        &self.run
    }
}

/// Makes a new file's directory entry durable too (best effort: not every platform can).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The file-name stem of a mapping (`flex` for `mappings/flex.wtmap`).
pub fn stem(mapping: &str) -> String {
    let name = Path::new(mapping)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mapping".to_string());
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A journal as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    /// The file.
    pub path: PathBuf,
    /// Run ID.
    pub run: String,
    /// The plan the run executes.
    pub plan: Plan,
    /// The latest outcome of each action that has one.
    pub outcomes: BTreeMap<usize, Outcome>,
    /// True when the run ended.
    pub ended: bool,
    /// True when it ended by being given up.
    pub abandoned: bool,
}

/// Reads a journal. Lines that do not parse (a last line cut short) are ignored; a journal
/// without a start line is an error.
pub fn read(path: &Path) -> io::Result<Unfinished> {
    let text = std::fs::read_to_string(path)?;
    let mut start = None;
    let mut outcomes = BTreeMap::new();
    let mut ended = false;
    let mut abandoned = false;
    for line in text.lines() {
        match serde_json::from_str::<Entry>(line) {
            Ok(Entry::Start { run, plan, .. }) => start = Some((run, *plan)),
            Ok(Entry::Outcome {
                actions, result, ..
            }) => {
                for i in actions {
                    outcomes.insert(i, result.clone());
                }
            }
            Ok(Entry::End { abandoned: a, .. }) => {
                ended = true;
                abandoned = a;
            }
            Ok(Entry::Resume { .. }) | Err(_) => {}
        }
    }
    let (run, plan) = start.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("`{}` is not a wtmap journal", path.display()),
        )
    })?;
    Ok(Unfinished {
        path: path.to_path_buf(),
        run,
        plan,
        outcomes,
        ended,
        abandoned,
    })
}

/// The journals of `mapping` under `dir`, oldest first (names sort by start time).
fn journals(dir: &Path, mapping: &str) -> io::Result<Vec<PathBuf>> {
    let prefix = format!("{}.", stem(mapping));
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with(&prefix) && n.ends_with(".jsonl")
                })
            })
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    paths.sort();
    Ok(paths)
}

/// The latest run of `mapping` when it did not finish.
pub fn find_unfinished(dir: &Path, mapping: &str) -> io::Result<Option<Unfinished>> {
    let Some(last) = journals(dir, mapping)?.pop() else {
        return Ok(None);
    };
    let journal = read(&last)?;
    Ok((!journal.ended).then_some(journal))
}

/// How many records the source delivered in the latest finished run of `mapping` (for the
/// `source >= N% of last_run` guard: SCIM itself does not remember it).
pub fn last_run_source_records(dir: &Path, mapping: &str) -> Option<usize> {
    let paths = journals(dir, mapping).ok()?;
    paths
        .iter()
        .rev()
        .filter_map(|p| read(p).ok())
        .find(|j| j.ended && !j.abandoned)
        .map(|j| j.plan.source_records)
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
