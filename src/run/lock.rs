//! One run of a mapping at a time: a lock file, created atomically (`create_new`), holding the
//! process ID, the host, the boot and the start time of the run that holds it, removed when
//! the run ends.
//!
//! A run that was killed leaves its lock behind. The next run sees whether that process is
//! still alive (same host: `/proc/PID`, and the same boot) and says so, but never takes the
//! lock over: a person checks and removes the file. Stealing a lock that only looks stale (a
//! host name that changed, a shared folder seen from two machines) could run two syncs at once.

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
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let info = read(path).map(Box::new);
                let stale = info.as_deref().and_then(staleness);
                return Err(LockError::Held {
                    path: path.to_path_buf(),
                    info,
                    stale,
                });
            }
            Err(e) => return Err(io(e)),
        };
        let lock = RunLock {
            path: path.to_path_buf(),
            run: info.run.clone(),
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
