//! The run history: one SQLite file (`history.sqlite3` in the runs folder) that `serve` writes
//! and `wtmap history` and the status page read.
//!
//! SQLite because a user expects the history to be queryable with ordinary tools
//! (`sqlite3 history.sqlite3 "select …"`), and to survive a crash or a power cut: every write is
//! one transaction, in WAL mode with `synchronous = FULL`, so a killed process leaves the last
//! committed state and never half a row. A run is written twice: as `running` when it starts,
//! completed when it ends; rows still `running` when `serve` starts again were cut off by a
//! crash and are marked `interrupted`.

use super::runner::{RunCounts, RunRecord};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The history file's name inside the runs folder.
pub const FILE_NAME: &str = "history.sqlite3";

/// Statuses `serve` itself writes (the others are a run's own, e.g. `success`).
pub mod status {
    /// The run started and has not finished.
    pub const RUNNING: &str = "running";
    /// The previous run of the mapping was still going at this run's time.
    pub const SKIPPED: &str = "skipped";
    /// `serve` stopped (crashed, was killed) while the run was going.
    pub const INTERRUPTED: &str = "interrupted";
    /// The run panicked or could not be started: a bug, reported instead of lost.
    pub const CRASHED: &str = "crashed";
}

/// The schema, version 1. `user_version` records it so a later wtmap can migrate.
const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    mapping    TEXT NOT NULL,
    run_id     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    scheduled  TEXT,
    started    TEXT NOT NULL,
    finished   TEXT,
    counts     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),
    report_dir TEXT,
    message    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_mapping ON runs (mapping, started DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status);
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    mapping TEXT NOT NULL,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_by_mapping ON events (mapping, at DESC, id DESC);
PRAGMA user_version = 1;
";

/// Version 2: what became of each run's report email (`sent to …`, `FAILED: …`), for the
/// status page. Runs recorded before have none (empty).
const SCHEMA_V2: &str = "
ALTER TABLE runs ADD COLUMN email TEXT NOT NULL DEFAULT '';
PRAGMA user_version = 2;
";

/// A history that could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryError(pub String);

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HistoryError {}

fn err(what: &str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
    move |e| HistoryError(format!("run history: cannot {what}: {e}"))
}

/// One run as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRun {
    /// Row id: increases with every run.
    pub id: i64,
    /// Mapping name (file stem).
    pub mapping: String,
    /// The run's own id (empty while running or when skipped).
    pub run_id: String,
    /// `success`, `guard_aborted`, …, or `running`, `skipped`, `interrupted`.
    pub status: String,
    /// The time the schedule asked for.
    pub scheduled: Option<DateTime<Utc>>,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it ended (`None` while running).
    pub finished: Option<DateTime<Utc>>,
    /// Counts of what the run did, by name.
    pub counts: RunCounts,
    /// The run's report folder.
    pub report_dir: Option<PathBuf>,
    /// One line on the outcome.
    pub message: String,
    /// What became of the report email, in words; empty when not recorded.
    pub email: String,
}

/// A change to a mapping that `serve` noticed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Mapping name.
    pub mapping: String,
    /// When.
    pub at: DateTime<Utc>,
    /// `loaded`, `reloaded`, `invalid`, `removed`.
    pub kind: String,
    /// Details (the check errors for `invalid`).
    pub message: String,
}

/// The run history of one runs folder.
#[derive(Debug)]
pub struct History {
    // rusqlite connections are Send but not Sync; the lock also makes each call one unit.
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// The history file of a runs folder.
pub fn path_in(runs_dir: &Path) -> PathBuf {
    runs_dir.join(FILE_NAME)
}

fn ts(t: DateTime<Utc>) -> String {
    // Fixed width, UTC, `Z`: text order is time order, so SQL can sort and compare it.
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

fn opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

impl History {
    /// Opens (creating when missing) the history of a runs folder, creating the folder too.
    pub fn open_in(runs_dir: &Path) -> Result<History, HistoryError> {
        std::fs::create_dir_all(runs_dir)
            .map_err(|e| HistoryError(format!("cannot create `{}`: {e}", runs_dir.display())))?;
        History::open(&path_in(runs_dir))
    }

    /// Opens (creating when missing) a history file.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        // The history holds HR data (names in reports' messages): create it private; SQLite
        // gives its journal files the database file's mode.
        {
            use std::os::unix::fs::OpenOptionsExt;
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(crate::atomic::PRIVATE_MODE)
                .open(path);
        }
        let conn = Connection::open(path).map_err(|e| {
            HistoryError(format!(
                "cannot open the run history `{}`: {e}",
                path.display()
            ))
        })?;
        History::setup(conn, path)
    }

    /// Opens an existing history file; `Ok(None)` when there is none (nothing has run yet).
    pub fn open_existing(path: &Path) -> Result<Option<History>, HistoryError> {
        if !path.is_file() {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| {
            HistoryError(format!(
                "cannot open the run history `{}`: {e}",
                path.display()
            ))
        })?;
        History::setup(conn, path).map(Some)
    }

    fn setup(mut conn: Connection, path: &Path) -> Result<History, HistoryError> {
        // WAL: readers (the status page, `wtmap history`) never block the writer, and a crash
        // mid-write leaves the last commit. FULL: a commit survives a power cut as well.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err("switch to WAL mode"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err("set synchronous"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err("set a busy timeout"))?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err("start a transaction"))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err("read the schema version"))?;
        match version {
            0 => tx
                .execute_batch(&format!("{SCHEMA_V1}{SCHEMA_V2}"))
                .map_err(err("create the tables"))?,
            1 => tx
                .execute_batch(SCHEMA_V2)
                .map_err(err("add the email column"))?,
            2 => {}
            v => {
                return Err(HistoryError(format!(
                    "the run history `{}` has schema version {v}, written by a newer wtmap",
                    path.display()
                )));
            }
        }
        tx.commit().map_err(err("commit the schema"))?;
        Ok(History {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// The file this history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, HistoryError> {
        self.conn
            .lock()
            .map_err(|_| HistoryError("run history: a writer panicked".into()))
    }

    /// Records that a run started; the id is passed to [`History::finish_run`].
    pub fn begin_run(
        &self,
        mapping: &str,
        scheduled: Option<DateTime<Utc>>,
        started: DateTime<Utc>,
    ) -> Result<i64, HistoryError> {
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO runs (mapping, status, scheduled, started) VALUES (?1, ?2, ?3, ?4)",
            params![mapping, status::RUNNING, scheduled.map(ts), ts(started)],
        )
        .map_err(err("record a run"))?;
        Ok(conn.last_insert_rowid())
    }

    /// Completes a run started with [`History::begin_run`].
    pub fn finish_run(&self, id: i64, run: &RunRecord) -> Result<(), HistoryError> {
        let counts = encode_counts(&run.counts)?;
        let conn = self.lock()?;
        conn.execute(
            "UPDATE runs SET run_id = ?2, status = ?3, started = ?4, finished = ?5, counts = ?6,
                 report_dir = ?7, message = ?8, email = ?9
             WHERE id = ?1",
            params![
                id,
                run.run_id,
                run.status,
                ts(run.started),
                ts(run.finished),
                counts,
                run.report_dir.as_ref().map(|p| p.display().to_string()),
                run.message,
                run.email
            ],
        )
        .map_err(err("record a run's end"))?;
        Ok(())
    }

    /// Records a finished run (or a skipped one) in one go.
    pub fn record(
        &self,
        run: &RunRecord,
        scheduled: Option<DateTime<Utc>>,
    ) -> Result<i64, HistoryError> {
        let counts = encode_counts(&run.counts)?;
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO runs (mapping, run_id, status, scheduled, started, finished, counts,
                 report_dir, message, email)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                run.mapping,
                run.run_id,
                run.status,
                scheduled.map(ts),
                ts(run.started),
                ts(run.finished),
                counts,
                run.report_dir.as_ref().map(|p| p.display().to_string()),
                run.message,
                run.email
            ],
        )
        .map_err(err("record a run"))?;
        Ok(conn.last_insert_rowid())
    }

    /// Marks runs left `running` by a previous process as interrupted; returns how many.
    pub fn mark_interrupted(&self, now: DateTime<Utc>) -> Result<usize, HistoryError> {
        let conn = self.lock()?;
        conn.execute(
            "UPDATE runs SET status = ?1, finished = ?2,
                 message = 'wtmap serve stopped while this run was going; its apply journal \
                            has what was done, and the next run resumes from it'
             WHERE status = ?3",
            params![status::INTERRUPTED, ts(now), status::RUNNING],
        )
        .map_err(err("mark interrupted runs"))
    }

    /// Runs newest first, of one mapping or all, at most `limit`.
    pub fn runs(
        &self,
        mapping: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRun>, HistoryError> {
        let conn = self.lock()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, mapping, run_id, status, scheduled, started, finished, counts,
                        report_dir, message, email
                 FROM runs WHERE (?1 IS NULL OR mapping = ?1)
                 ORDER BY started DESC, id DESC LIMIT ?2",
            )
            .map_err(err("query runs"))?;
        let rows = stmt
            .query_map(params![mapping, limit], stored_run)
            .map_err(err("query runs"))?;
        rows.collect::<Result<_, _>>().map_err(err("read runs"))
    }

    /// The newest run of a mapping that is not `skipped` (what "last outcome" means).
    pub fn last_run(&self, mapping: &str) -> Result<Option<StoredRun>, HistoryError> {
        let conn = self.lock()?;
        conn.query_row(
            "SELECT id, mapping, run_id, status, scheduled, started, finished, counts,
                    report_dir, message, email
             FROM runs WHERE mapping = ?1 AND status <> ?2
             ORDER BY started DESC, id DESC LIMIT 1",
            params![mapping, status::SKIPPED],
            stored_run,
        )
        .optional()
        .map_err(err("query the last run"))
    }

    /// Records a change to a mapping.
    pub fn event(&self, event: &Event) -> Result<(), HistoryError> {
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO events (mapping, at, kind, message) VALUES (?1, ?2, ?3, ?4)",
            params![event.mapping, ts(event.at), event.kind, event.message],
        )
        .map_err(err("record an event"))?;
        Ok(())
    }

    /// Mapping events newest first, of one mapping or all, at most `limit`.
    pub fn events(&self, mapping: Option<&str>, limit: usize) -> Result<Vec<Event>, HistoryError> {
        let conn = self.lock()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = conn
            .prepare_cached(
                "SELECT mapping, at, kind, message FROM events
                 WHERE (?1 IS NULL OR mapping = ?1) ORDER BY at DESC, id DESC LIMIT ?2",
            )
            .map_err(err("query events"))?;
        let rows = stmt
            .query_map(params![mapping, limit], |r| {
                Ok(Event {
                    mapping: r.get(0)?,
                    at: parse_ts(&r.get::<_, String>(1)?)?,
                    kind: r.get(2)?,
                    message: r.get(3)?,
                })
            })
            .map_err(err("query events"))?;
        rows.collect::<Result<_, _>>().map_err(err("read events"))
    }
}

fn encode_counts(counts: &RunCounts) -> Result<String, HistoryError> {
    serde_json::to_string(counts)
        .map_err(|e| HistoryError(format!("run history: cannot encode counts: {e}")))
}

fn stored_run(r: &Row<'_>) -> rusqlite::Result<StoredRun> {
    let counts: String = r.get(7)?;
    Ok(StoredRun {
        id: r.get(0)?,
        mapping: r.get(1)?,
        run_id: r.get(2)?,
        status: r.get(3)?,
        scheduled: opt_ts(r.get(4)?)?,
        started: parse_ts(&r.get::<_, String>(5)?)?,
        finished: opt_ts(r.get(6)?)?,
        // Counts written by this module are always an object of numbers; anything else
        // (edited by hand) reads as none rather than failing the whole listing.
        counts: serde_json::from_str(&counts).unwrap_or_default(),
        report_dir: r.get::<_, Option<String>>(8)?.map(PathBuf::from),
        message: r.get(9)?,
        email: r.get(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_history_gets_the_email_column_and_keeps_its_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute(
                "INSERT INTO runs (mapping, run_id, status, started) VALUES ('a', 'r1', 'success', ?1)",
                params![ts(DateTime::UNIX_EPOCH)],
            )
            .unwrap();
        }
        let history = History::open(&path).unwrap();
        let runs = history.runs(Some("a"), 10).unwrap();
        assert_eq!((runs.len(), runs[0].email.as_str()), (1, ""));
        let mut record = RunRecord {
            mapping: "a".into(),
            run_id: "r2".into(),
            status: "success".into(),
            started: Utc::now(),
            finished: Utc::now(),
            counts: Default::default(),
            report_dir: None,
            message: String::new(),
            email: "sent to hr@acme.example".into(),
        };
        history.record(&record, None).unwrap();
        record.email = "FAILED: x".into();
        let id = history.begin_run("a", None, Utc::now()).unwrap();
        history.finish_run(id, &record).unwrap();
        let emails: Vec<String> = history
            .runs(Some("a"), 10)
            .unwrap()
            .into_iter()
            .map(|r| r.email)
            .collect();
        assert_eq!(emails, ["FAILED: x", "sent to hr@acme.example", ""]);
        drop(history);
        // Opened again, it is version 2 and stays so.
        assert!(History::open(&path).is_ok());
    }
}
