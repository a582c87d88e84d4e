//! The journal of an apply run: one JSON Lines file per run (`wtmap.journal/v1`), appended
//! and flushed to disk (`fsync`) before an outcome counts as recorded, so whatever a killed run
//! did before it died is on record. Outcomes that complete together share one write and one
//! `fsync`.
//!
//! ```text
//! {"event":"start","format":"wtmap.journal/v1","run":"…","mapping":"…","at":"…","identity":{…},"plan":{…}}
//! {"event":"server","at":"…","capabilities":{"source":"/ServiceProviderConfig","patch":true,…}}
//! {"event":"outcome","at":"…","actions":[0],"result":{"status":"ok","detail":"created"}}
//! {"event":"outcome","at":"…","actions":[7,8,9],"result":{"status":"failed","message":"…"}}
//! {"event":"resume","at":"…"}
//! {"event":"end","at":"…","ok":12,"failed":0,"skipped":1}
//! ```
//!
//! A run without `end` is unfinished: the next `apply` of the same mapping resumes it (see
//! `crate::apply`). A last line cut short by a kill is dropped when the journal is reopened.
//!
//! Journals are filed as `<key>.<run>.jsonl`, `<key>` the mapping's [`file_key`] (no two
//! mapping names share one), and the start line carries the [`Identity`] of the run: the
//! mapping's canonical path and text hash and the target. A journal is only this mapping's when
//! its path matches, and an unfinished one is only resumed when the text and the target match
//! too ([`Unfinished::refusal`]).

use super::report::Outcome;
use crate::identity::Identity;
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The default journal folder: `.wtmap/journal` beside the mapping.
pub fn default_journal_dir(mapping: &std::path::Path) -> std::path::PathBuf {
    mapping
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(".wtmap")
        .join("journal")
}

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
        /// The mapping and target the run belongs to (absent in journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<Identity>,
        /// The plan.
        plan: Box<Plan>,
    },
    /// What the SCIM server said it supports, as this run (or its resumption) found it.
    Server {
        /// When.
        at: String,
        /// `/ServiceProviderConfig` as read, or the defaults and why.
        capabilities: crate::winningtemp::scim::discovery::Capabilities,
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
    /// Starts the journal of a new run of `mapping` (for `identity`) under `dir` (created when
    /// missing).
    pub fn create(
        dir: &Path,
        mapping: &str,
        identity: &Identity,
        plan: &Plan,
    ) -> io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let run = format!(
            "{}-{:04x}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            fastrand::u16(..)
        );
        let path = dir.join(format!("{}.{run}.jsonl", file_key(mapping)));
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
            identity: Some(identity.clone()),
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

/// The file-name stem of a mapping for people (`flex` for `mappings/flex.wtmap`): characters
/// other than letters, digits, `-` and `_` become `_`, so two mappings may share it. Files are
/// named by [`file_key`], which no two mapping names share.
pub fn stem(mapping: &str) -> String {
    raw_stem(mapping)
        .chars()
        .map(|c| if kept(c) { c } else { '_' })
        .collect()
}

/// The name a mapping's journals and run folder are filed under: its file stem with every
/// character other than a letter, a digit, `-` and `_` written `~XX` (each UTF-8 byte in hex,
/// `~` itself included). Injective, so `a.b.wtmap` (`a~2Eb`) and `a_b.wtmap` (`a_b`) never
/// share journals or a lock; a stem of only those characters is its own key, as before.
pub fn file_key(mapping: &str) -> String {
    let mut key = String::new();
    for c in raw_stem(mapping).chars() {
        if kept(c) {
            key.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                key.push_str(&format!("~{b:02X}"));
            }
        }
    }
    key
}

fn kept(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

fn raw_stem(mapping: &str) -> String {
    Path::new(mapping)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mapping".to_string())
}

/// A journal as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    /// The file.
    pub path: PathBuf,
    /// Run ID.
    pub run: String,
    /// The mapping as named when the run started.
    pub mapping: String,
    /// The mapping and target the run belongs to; `None` in journals of older versions.
    pub identity: Option<Identity>,
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
            Ok(Entry::Start {
                run,
                plan,
                mapping,
                identity,
                ..
            }) => start = Some((run, *plan, mapping, identity)),
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
            Ok(Entry::Resume { .. } | Entry::Server { .. }) | Err(_) => {}
        }
    }
    let (run, plan, mapping, identity) = start.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("`{}` is not a wtmap journal", path.display()),
        )
    })?;
    Ok(Unfinished {
        path: path.to_path_buf(),
        run,
        mapping,
        identity,
        plan,
        outcomes,
        ended,
        abandoned,
    })
}

impl Unfinished {
    /// True when the journal is `identity`'s mapping's: the same canonical path, or, for a
    /// journal of an older version without an identity, the same file key.
    fn belongs_to(&self, mapping: &str, identity: &Identity) -> bool {
        match &self.identity {
            Some(i) => i.mapping == identity.mapping,
            None => file_key(&self.mapping) == file_key(mapping),
        }
    }

    /// Why this run must not be resumed by a command working on `now`, in one sentence;
    /// `None` when it may (the same mapping text and target as when it started).
    pub fn refusal(&self, now: &Identity) -> Option<String> {
        let why = match &self.identity {
            Some(then) => then.mismatch(now)?,
            None => "its journal was written by an older wtmap and does not say which mapping \
                     text and target it was made for"
                .to_string(),
        };
        Some(format!(
            "the interrupted run {} (journal `{}`) cannot be resumed: {why}; nothing was \
             applied. `--fresh` gives that run up and plans afresh",
            self.run,
            self.path.display()
        ))
    }
}

/// The journals filed under `mapping`'s key in `dir`, newest first (names sort by start time).
fn journals(dir: &Path, mapping: &str) -> io::Result<Vec<PathBuf>> {
    let prefix = format!("{}.", file_key(mapping));
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
    paths.reverse();
    Ok(paths)
}

/// The latest run of the mapping (`mapping` as named, `identity` its identity) when it did not
/// finish. Journals of another mapping filed under the same key (a shared journals folder)
/// are not this mapping's and are passed over; whether the run may be resumed is
/// [`Unfinished::refusal`]'s call.
pub fn find_unfinished(
    dir: &Path,
    mapping: &str,
    identity: &Identity,
) -> io::Result<Option<Unfinished>> {
    for path in journals(dir, mapping)? {
        let journal = read(&path)?;
        if journal.belongs_to(mapping, identity) {
            return Ok((!journal.ended).then_some(journal));
        }
    }
    Ok(None)
}

/// How many records the source delivered in the latest finished run of the mapping against
/// the same target (for the `source >= N% of last_run` guard: SCIM itself does not remember
/// it).
pub fn last_run_source_records(dir: &Path, mapping: &str, identity: &Identity) -> Option<usize> {
    last_run(dir, mapping, identity).map(|l| l.source_records)
}

/// What the latest finished run of the mapping against the same target planned from.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    /// How many records the source delivered.
    pub source_records: usize,
    /// Each used field's fill rate in percent; `None` from journals of versions that did not
    /// count them (`crate::quality`).
    pub fill_rates: Option<BTreeMap<String, f64>>,
}

/// The latest finished run of the mapping against the same target (SCIM remembers neither
/// its source size nor its fill rates).
pub fn last_run(dir: &Path, mapping: &str, identity: &Identity) -> Option<LastRun> {
    let paths = journals(dir, mapping).ok()?;
    paths
        .iter()
        .filter_map(|p| read(p).ok())
        .filter(|j| j.belongs_to(mapping, identity))
        .filter(|j| {
            j.identity
                .as_ref()
                .is_none_or(|i| i.target == identity.target)
        })
        .find(|j| j.ended && !j.abandoned)
        .map(|j| LastRun {
            source_records: j.plan.source_records,
            fill_rates: (!j.plan.fill_rates.is_empty())
                .then(|| crate::quality::rates_of(&j.plan.fill_rates)),
        })
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
