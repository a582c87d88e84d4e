//! What the status page shows, kept current by the serve loop and read by the web handlers.
//! Past runs are not copied here: the page reads them from the history.

use super::loader::LoadError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::RwLock;

/// One mapping's current state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappingStatus {
    /// Mapping name (file stem).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// The schedule in force, as written (`None` when no version ever checked).
    pub schedule: Option<String>,
    /// The zone of a daily schedule.
    pub zone: Option<String>,
    /// When it runs next (`None` when not scheduled).
    pub next_run: Option<DateTime<Utc>>,
    /// When its current run started, while one is going.
    pub running_since: Option<DateTime<Utc>>,
    /// When the version in force was loaded.
    pub loaded_at: Option<DateTime<Utc>>,
    /// The first 12 hex digits of the SHA-256 of the version in force.
    pub version: Option<String>,
    /// Why the file on disk is not the version in force (it does not check).
    pub error: Option<LoadError>,
}

/// The whole board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// When `serve` started.
    pub started: DateTime<Utc>,
    /// When this snapshot was taken.
    pub updated: DateTime<Utc>,
    /// The folder of mappings.
    pub dir: PathBuf,
    /// Set once a stop was asked for: nothing new starts, running runs finish.
    pub stopping: bool,
    /// Why the folder could not be read at the last scan.
    pub scan_error: Option<String>,
    /// Runs going now.
    pub running: usize,
    /// Every mapping file, by name.
    pub mappings: Vec<MappingStatus>,
}

/// The shared board.
#[derive(Debug)]
pub struct Board(RwLock<Snapshot>);

impl Board {
    /// A board for a serve that started at `now`, before the first scan.
    pub fn new(dir: PathBuf, now: DateTime<Utc>) -> Board {
        Board(RwLock::new(Snapshot {
            started: now,
            updated: now,
            dir,
            stopping: false,
            scan_error: None,
            running: 0,
            mappings: Vec::new(),
        }))
    }

    /// A copy of the current state.
    pub fn get(&self) -> Snapshot {
        // A writer that panicked left a complete snapshot (it is replaced whole), so a
        // poisoned lock still holds something worth showing.
        match self.0.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the state.
    pub fn set(&self, snapshot: Snapshot) {
        match self.0.write() {
            Ok(mut s) => *s = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}
