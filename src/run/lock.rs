//! One run of a mapping at a time: a lock file, created atomically (`create_new`), holding the
//! process ID, the host, the boot and the start time of the run that holds it, removed when
//! the run ends.
//!
//! `wtmap run` and `wtmap apply` take the same lock, so two of them never deliver to one
//! target at once.
//!
//! A run that was killed leaves its lock behind. When it was left on this host and its process
//! is certainly gone (no `/proc/PID`, or the host restarted since), the next run releases it,
//! takes the lock and says so ([`RunLock::released`]). A lock of another host (or one that
//! cannot be read) is never taken over: wtmap cannot see that host's processes, so a person
//! checks and removes the file. Taking over is serialised by an OS lock (`flock`) on the
//! sidecar `run.lock.guard`, which the OS releases when its holder dies: two runs that find the
//! same stale lock cannot both take it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `wtmap.lock/v1` format tag.
pub const LOCK_FORMAT: &str = "wtmap.lock/v1";

/// What a lock file says about the run holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Always `wtmap.lock/v1`.
    pub format: String,
    /// The run's ID.
    pub run: String,
    /// The process ID.
    pub pid: u32,
    /// The host name.
    pub host: String,
    /// The Linux boot ID, when known: a lock from an earlier boot is stale whatever its PID.
    #[serde(default)]
    pub boot_id: Option<String>,
    /// When the run started.
    pub started: DateTime<Utc>,
}

impl LockInfo {
    /// The lock of a run of this process.
    pub fn this_process(run: &str, started: DateTime<Utc>) -> LockInfo {
        LockInfo {
            format: LOCK_FORMAT.to_string(),
            run: run.to_string(),
            pid: std::process::id(),
            host: host_name(),
            boot_id: boot_id(),
            started,
        }
    }
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another run holds it, or held it and was killed (`stale` says why it looks dead).
    Held {
        /// The lock file.
        path: PathBuf,
        /// Its contents; `None` when unreadable (being written, or damaged).
        info: Option<Box<LockInfo>>,
        /// Why the holder looks dead; `None` when it is alive or cannot be checked.
        stale: Option<String>,
    },
    /// The lock file could not be created (permissions, a missing disk).
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Io { path, error } => write!(
                f,
                "cannot create the lock file `{}`: {error}; nothing was done",
                path.display()
            ),
            LockError::Held { path, info, stale } => {
                let holder = match info {
                    Some(i) => format!(
                        "run {} (pid {} on {}, started {})",
                        i.run,
                        i.pid,
                        i.host,
                        i.started.format("%Y-%m-%d %H:%M:%S UTC")
                    ),
                    None => "a run whose lock file cannot be read".to_string(),
                };
                match stale {
                    Some(why) => write!(
                        f,
                        "a stale lock was left by a killed run: `{}` names {holder}, and {why}; \
                         this run did nothing. Check that no wtmap run of this mapping is going \
                         on, then remove the file",
                        path.display()
                    ),
                    None => write!(
                        f,
                        "another run holds the lock `{}`: {holder}; this run did nothing. If no \
                         run is going on (a host wtmap cannot check), remove the file",
                        path.display()
                    ),
                }
            }
        }
    }
}

/// A held lock; dropping it removes the file (only while it is still this run's).
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    run: String,
    released: Option<String>,
}

impl RunLock {
    /// Takes the lock at `path` for `info`'s run, or says who holds it.
    pub fn acquire(path: &Path, info: &LockInfo) -> Result<RunLock, LockError> {
        let io = |error| LockError::Io {
            path: path.to_path_buf(),
            error,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let create = || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
        };
        let mut released = None;
        let mut file = match create() {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Held until the end of this arm; the OS drops it if this process dies.
                let guard = takeover_guard(path);
                let held = read(path).map(Box::new);
                let stale = held.as_deref().and_then(staleness);
                match (&guard, &held, stale) {
                    (Some(_), Some(h), Some(why)) => {
                        std::fs::remove_file(path).map_err(io)?;
                        released = Some(format!(
                            "released the stale lock `{}` of run {} (pid {} on {}, started {}): {why}",
                            path.display(),
                            h.run,
                            h.pid,
                            h.host,
                            h.started.format("%Y-%m-%d %H:%M:%S UTC")
                        ));
                        create().map_err(io)?
                    }
                    (_, _, stale) => {
                        return Err(LockError::Held {
                            path: path.to_path_buf(),
                            info: held,
                            stale,
                        });
                    }
                }
            }
            Err(e) => return Err(io(e)),
        };
        let lock = RunLock {
            path: path.to_path_buf(),
            run: info.run.clone(),
            released,
        };
        // From here on the file exists: dropping `lock` on an error removes it again.
        let text = serde_json::to_string_pretty(info).map_err(std::io::Error::other);
        text.and_then(|t| {
            file.write_all(t.as_bytes())?;
            file.sync_all()
        })
        .map_err(io)?;
        Ok(lock)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What was said when a stale lock of a dead process on this host was released to take
    /// this one; `None` when the lock was free.
    pub fn released(&self) -> Option<&str> {
        self.released.as_deref()
    }
}

/// An exclusive OS lock on `<lock>.guard`, serialising the take-over of a stale lock; `None`
/// when the file system cannot lock (then a stale lock is reported, not taken over).
fn takeover_guard(path: &Path) -> Option<std::fs::File> {
    let mut name = path.file_name()?.to_os_string();
    name.push(".guard");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_file_name(name))
        .ok()?;
    file.lock().ok()?;
    Some(file)
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // A person may have removed a lock they thought stale and another run taken it since:
        // that one is not ours to remove.
        let ours = read(&self.path).is_none_or(|i| i.run == self.run);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The lock file's contents, when it can be read.
pub fn read(path: &Path) -> Option<LockInfo> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Why the holder of `info` is certainly gone, or `None` when it is alive or wtmap cannot
/// tell (another host, no `/proc`).
pub fn staleness(info: &LockInfo) -> Option<String> {
    if info.host != host_name() || !Path::new("/proc/self").exists() {
        return None;
    }
    if let (Some(then), Some(now)) = (&info.boot_id, boot_id())
        && *then != now
    {
        return Some("this host has restarted since".to_string());
    }
    if !Path::new("/proc").join(info.pid.to_string()).exists() {
        return Some(format!("no process {} runs on this host", info.pid));
    }
    None
}

/// This machine's host name (Linux `/proc`, else `$HOSTNAME`, else `unknown`).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|b| b.trim().to_string())
}
