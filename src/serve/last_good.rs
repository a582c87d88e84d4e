//! Which file a run reads. Runs read their mapping from disk, but `serve` promises that a file
//! broken since it was loaded keeps running its last good version. So: when the file on disk
//! is still the good version (the usual case), run it; otherwise write the good version to a
//! file beside it and run that, then remove it. Beside it, because the mapping's relative paths
//! (`path = "exports/people.csv"`, the journal folder) resolve against its folder; with the
//! same file stem, because a run names its lock, run folders and journal after the stem, and
//! the snapshot must share them with the real file.

use super::loader::hex_sha256;
use super::runner::RunRequest;
use std::path::{Path, PathBuf};

/// The file the last good version of `path` is written to: `flex.wtmap-last-good` beside
/// `flex.wtmap`. Same stem; an extension other than `.wtmap`, so neither `serve` nor
/// `wtmap check DIR` takes it for a mapping of its own.
pub fn snapshot_path(path: &Path) -> PathBuf {
    path.with_extension("wtmap-last-good")
}

/// Removes a snapshot written by [`mapping_to_run`] (never the mapping itself).
pub fn remove_snapshot(ran: &Path, request: &RunRequest) {
    if ran != request.path && ran == snapshot_path(&request.path) {
        // Left behind, it is harmless and rewritten by the next run that needs it.
        let _ = std::fs::remove_file(ran);
    }
}

/// The file to run for `request`: the mapping itself while it holds the good version, else a
/// fresh snapshot of the good version.
pub fn mapping_to_run(request: &RunRequest) -> Result<PathBuf, String> {
    let on_disk = std::fs::read(&request.path).ok();
    if on_disk.is_some_and(|bytes| hex_sha256(&bytes) == request.good_hash) {
        return Ok(request.path.clone());
    }
    let snapshot = snapshot_path(&request.path);
    crate::atomic::write_atomic(&snapshot, request.good_text.as_bytes()).map_err(|e| {
        format!(
            "cannot write the last good version of `{}` to `{}`: {e}",
            request.path.display(),
            snapshot.display()
        )
    })?;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test fixtures")]

    use super::*;
    use std::sync::Arc;

    #[test]
    fn runs_the_file_while_good_and_a_snapshot_once_broken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flex.wtmap");
        std::fs::write(&path, "good").unwrap();
        let request = RunRequest {
            name: "flex".into(),
            path: path.clone(),
            good_text: Arc::from("good"),
            good_hash: hex_sha256(b"good"),
            scheduled: chrono::Utc::now(),
        };
        assert_eq!(mapping_to_run(&request).unwrap(), path);
        std::fs::write(&path, "broken").unwrap();
        let ran = mapping_to_run(&request).unwrap();
        assert_eq!(ran, dir.path().join("flex.wtmap-last-good"));
        assert_eq!(ran.file_stem(), path.file_stem());
        assert_eq!(std::fs::read_to_string(&ran).unwrap(), "good");
        remove_snapshot(&ran, &request);
        assert!(!ran.exists() && path.exists());
    }
}
