//! The mappings `serve` runs: every `*.wtmap` directly in its folder (not in subfolders, where
//! examples and broken test mappings tend to live; not hidden files, which editors leave).
//!
//! Each scan re-reads only files whose modification time or size changed, and re-checks only
//! those whose content hash changed too. A file that no longer checks is reported, and its last
//! good version stays in force: a typo saved at 00:59 must not stop the 01:00 sync.

use crate::check::check_source;
use crate::check::program::Schedule;
use crate::diagnostics::render::{self, HumanStyle};
use crate::diagnostics::{Diagnostics, Severity};
use crate::source::SourceFile;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// A version of a mapping that checked.
#[derive(Debug, Clone)]
pub struct GoodVersion {
    /// Its schedule.
    pub schedule: Schedule,
    /// Its text.
    pub text: Arc<str>,
    /// SHA-256 of the text, hex.
    pub hash: String,
    /// When `serve` loaded it.
    pub loaded_at: DateTime<Utc>,
}

/// Why the file on disk is not running.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadError {
    /// One line: the error count and the first error.
    pub summary: String,
    /// Every error, rendered as `wtmap check` prints them (no colour).
    pub detail: String,
    /// Since when the file is in this state.
    pub since: DateTime<Utc>,
}

/// One mapping file and what `serve` knows of it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File stem: the mapping's name in the history and on the status page.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// The version that runs (`None` when the file never checked).
    pub good: Option<GoodVersion>,
    /// Set while the file on disk does not check.
    pub error: Option<LoadError>,
    seen: Seen,
}

/// What a scan found changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new file that checks.
    Loaded(String),
    /// A changed file that checks; its new version runs from now on.
    Reloaded(String),
    /// A new or changed file that does not check (the last good version, if any, runs).
    Invalid {
        /// Mapping name.
        name: String,
        /// The errors, one line.
        summary: String,
    },
    /// The file is gone; the mapping no longer runs.
    Removed(String),
}

impl Change {
    /// The mapping the change is about.
    pub fn name(&self) -> &str {
        match self {
            Change::Loaded(n) | Change::Reloaded(n) | Change::Removed(n) => n,
            Change::Invalid { name, .. } => name,
        }
    }

    /// The history's event kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Loaded(_) => "loaded",
            Change::Reloaded(_) => "reloaded",
            Change::Invalid { .. } => "invalid",
            Change::Removed(_) => "removed",
        }
    }
}

/// Modification time, size and content hash of the file as last read.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    mtime: Option<SystemTime>,
    len: u64,
    hash: String,
}

/// How a mapping's text is checked: [`check_source`], or a stand-in in tests.
pub type Checker =
    dyn Fn(&SourceFile) -> (Option<crate::check::Program>, Diagnostics) + Send + Sync;

/// The mappings of one folder.
pub struct Loader {
    dir: PathBuf,
    entries: BTreeMap<String, Entry>,
    checker: Arc<Checker>,
    allowed: std::collections::BTreeSet<String>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("dir", &self.dir)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

impl Loader {
    /// A loader for `dir` that has not scanned yet.
    pub fn new(dir: &Path) -> Loader {
        Loader {
            dir: dir.to_path_buf(),
            entries: BTreeMap::new(),
            checker: Arc::new(check_source),
            allowed: crate::env::ALWAYS_SHARED
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
        }
    }

    /// The same loader with `allowed` as the shared names every mapping may read besides its
    /// own secret scope (see [`crate::env::allow_list`]).
    pub fn with_allowed(mut self, allowed: std::collections::BTreeSet<String>) -> Loader {
        self.allowed = allowed;
        self
    }

    /// The same loader checking mappings with `checker` (tests: a checker that panics).
    pub fn with_checker(mut self, checker: Arc<Checker>) -> Loader {
        self.checker = checker;
        self
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every mapping file seen, by name.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// One mapping by name.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    /// Looks at the folder again; returns what changed. An unreadable folder is an error and
    /// changes nothing (a mount that went away must not unschedule every mapping).
    pub fn scan(&mut self, now: DateTime<Utc>) -> Result<Vec<Change>, String> {
        let files = crate::files::mappings_in(&self.dir)?;
        let mut changes = Vec::new();
        let names: Vec<String> = self.entries.keys().cloned().collect();
        for name in names {
            if !files.contains_key(&name) {
                self.entries.remove(&name);
                changes.push(Change::Removed(name));
            }
        }
        for (name, path) in files {
            // One mapping that makes the checker (or anything else here) panic is that
            // mapping's error, shown on the status page; the others load and run as before.
            let looked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.look_at(&name, &path, now)
            }));
            let change = match looked {
                Ok(change) => change,
                Err(panic) => Some(self.panicked(&name, &path, panic_text(panic.as_ref()), now)),
            };
            if let Some(change) = change {
                changes.push(change);
            }
        }
        Ok(changes)
    }

    /// Records that looking at `path` panicked. The file's content hash is kept, so that the
    /// same content is not checked (and does not panic) again at every scan.
    fn panicked(&mut self, name: &str, path: &Path, why: String, now: DateTime<Utc>) -> Change {
        let meta = std::fs::metadata(path).ok();
        let seen = Seen {
            mtime: meta.as_ref().and_then(|m| m.modified().ok()),
            len: meta.as_ref().map_or(0, |m| m.len()),
            hash: std::fs::read(path).map_or_else(|_| String::new(), |b| hex_sha256(&b)),
        };
        let summary = format!("wtmap failed on this mapping (a bug): {why}");
        let detail = format!(
            "{summary}\nThe other mappings are not affected. Please report this with the mapping."
        );
        self.invalid(name, path, seen, summary, detail, now)
    }

    fn look_at(&mut self, name: &str, path: &Path, now: DateTime<Utc>) -> Option<Change> {
        let meta = std::fs::metadata(path).ok();
        let mtime = meta.as_ref().and_then(|m| m.modified().ok());
        let len = meta.as_ref().map_or(0, |m| m.len());
        if let Some(e) = self.entries.get(name)
            && e.seen.mtime == mtime
            && e.seen.len == len
            && mtime.is_some()
        {
            return None;
        }
        // Only a regular file is read, and never with a blocking open: a FIFO named
        // `*.wtmap` is reported on the status page instead of stopping every schedule.
        let bytes = match crate::files::read_regular(path) {
            Ok(b) => b,
            // Vanished between listing and reading: the next scan reports it removed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                let seen = Seen {
                    mtime,
                    len,
                    hash: String::new(),
                };
                let message = format!("cannot read `{}`: {e}", path.display());
                return Some(self.invalid(name, path, seen, message.clone(), message, now));
            }
        };
        let hash = hex_sha256(&bytes);
        let seen = Seen { mtime, len, hash };
        if let Some(e) = self.entries.get_mut(name)
            && e.seen.hash == seen.hash
        {
            // Touched, not changed: nothing to re-check.
            e.seen = seen;
            return None;
        }
        let file = match crate::files::source_from_bytes(&path.display().to_string(), bytes) {
            Ok(f) => f,
            Err(e) => {
                let message = e.to_string();
                return Some(self.invalid(name, path, seen, message.clone(), message, now));
            }
        };
        let (program, mut diags) = (self.checker)(&file);
        // A served mapping reads only its own secrets and the shared names: one that names
        // anything else (another customer's token) does not load.
        let program = match program {
            Some(program) => match crate::env::SecretScope::of_mapping(path) {
                Ok(scope) => {
                    let scope = scope.unwrap_or_default();
                    let owners = |var: &str| crate::env::SecretScope::owners(&self.dir, var, name);
                    let scoped = crate::check::scope::check_scope(
                        &program,
                        &file,
                        &scope,
                        &self.allowed,
                        &owners,
                    );
                    let refused = scoped.has_errors();
                    diags.0.extend(scoped.0);
                    (!refused).then_some(program)
                }
                Err(message) => {
                    return Some(self.invalid(name, path, seen, message.clone(), message, now));
                }
            },
            None => None,
        };
        match program {
            Some(program) => {
                let good = GoodVersion {
                    schedule: program.schedule,
                    text: Arc::clone(&file.text),
                    hash: seen.hash.clone(),
                    loaded_at: now,
                };
                let existed = self.entries.contains_key(name);
                self.entries.insert(
                    name.to_string(),
                    Entry {
                        name: name.to_string(),
                        path: path.to_path_buf(),
                        good: Some(good),
                        error: None,
                        seen,
                    },
                );
                Some(if existed {
                    Change::Reloaded(name.to_string())
                } else {
                    Change::Loaded(name.to_string())
                })
            }
            None => {
                let (summary, detail) = describe_errors(&diags, &file);
                Some(self.invalid(name, path, seen, summary, detail, now))
            }
        }
    }

    fn invalid(
        &mut self,
        name: &str,
        path: &Path,
        seen: Seen,
        summary: String,
        detail: String,
        now: DateTime<Utc>,
    ) -> Change {
        let entry = self
            .entries
            .entry(name.to_string())
            .or_insert_with(|| Entry {
                name: name.to_string(),
                path: path.to_path_buf(),
                good: None,
                error: None,
                seen: seen.clone(),
            });
        entry.seen = seen;
        entry.error = Some(LoadError {
            summary: summary.clone(),
            detail,
            since: now,
        });
        Change::Invalid {
            name: name.to_string(),
            summary,
        }
    }
}

/// A panic's message, when it has one.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// SHA-256 of some bytes, lower-case hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One line (count and first error with its line) and the full rendering.
fn describe_errors(diags: &Diagnostics, file: &SourceFile) -> (String, String) {
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .collect();
    let summary = match errors.first() {
        Some(first) => {
            let line = file.line_col(first.span().start).0;
            let more = match errors.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            format!(
                "{} at line {line}: {}{more}",
                first.code.as_str(),
                first.message
            )
        }
        None => "does not check".to_string(),
    };
    let style = HumanStyle {
        color: false,
        width: 100,
    };
    let detail = errors
        .iter()
        .map(|d| render::human(d, file, style))
        .collect();
    (summary, detail)
}
