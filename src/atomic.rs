//! Writing a file so that readers see the old content or the new, never half of it: a temp
//! file in the same folder, synced, then renamed over the target. The one implementation for
//! plans, reports, states, exports and formatted mappings.
//!
//! File modes (docs/files-target.md, "File modes"): a file that already exists keeps its mode
//! and, where the process may set it, its owner and group, so `fmt` leaves a 0644 mapping 0644.
//! A new file is private, 0600: what wtmap writes (plans, reports, states, journals, exports,
//! the run history) holds HR data. The temp file of a write that was killed is recognisable
//! (`.wtmap-tmp.<pid>.<random>.<name>`) and is removed by the next write into the same folder
//! once its process is gone (or after a day, whatever wrote it).

use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The mode of a file wtmap creates: it holds HR data.
pub const PRIVATE_MODE: u32 = 0o600;

const TEMP_PREFIX: &str = ".wtmap-tmp.";
/// A temp file older than this is stale whatever process wrote it (another host, say).
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// A temp file for `target` in its folder, after sweeping the folder of temp files that killed
/// writes left behind. Its mode is `target`'s when `target` exists, else [`PRIVATE_MODE`].
pub fn temp_for(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    sweep(dir);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}.", std::process::id()))
        .suffix(&format!(".{name}"))
        .permissions(std::fs::Permissions::from_mode(PRIVATE_MODE))
        .tempfile_in(dir)?;
    keep_mode_and_owner(tmp.as_file(), target)?;
    Ok(tmp)
}

/// Gives `file` the mode of `target`, and its owner and group where allowed, when `target`
/// exists; a new file stays as created.
fn keep_mode_and_owner(file: &std::fs::File, target: &Path) -> io::Result<()> {
    let Ok(old) = std::fs::metadata(target) else {
        return Ok(());
    };
    // Owner first: changing the owner may clear set-id bits the mode then restores.
    let mine = file.metadata()?;
    if mine.uid() != old.uid() || mine.gid() != old.gid() {
        // Only root may give a file away; anyone may keep their own group. Where neither is
        // allowed the file stays the writer's, which is all that is possible.
        if std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_err() {
            let _ = std::os::unix::fs::fchown(file, None, Some(old.gid()));
        }
    }
    file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))
}

/// Removes temp files of killed writes from `dir`: ours whose process is gone, and any older
/// than a day. Best effort: a folder that cannot be read is left alone.
pub fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let pid = rest.split('.').next().and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|pid| {
            pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
        });
        let old = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if (gone || old) && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `contents` to `path` atomically. A target that is not a regular file is respected:
/// a symlink is followed (its target is replaced, not the link), and a device or pipe
/// (`/dev/null`, `/dev/stdout`) is written to directly, since renaming over it would replace
/// the device itself. A folder is an error.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |out| out.write_all(contents))
}

/// As [`write_atomic`], with the content produced by `write` as it goes, so a large file
/// need not be built in memory first. `write` gets a buffered writer. When it fails, the
/// temp file is removed and the target is left as it was (a device may have been written to
/// in part, as with any write to a device).
pub fn write_atomic_with<F>(path: &Path, write: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::canonicalize(path)?;
            write_atomic_with(&target, write)
        }
        Ok(meta) if meta.is_dir() => {
            Err(io::Error::new(io::ErrorKind::IsADirectory, "is a folder"))
        }
        Ok(meta) if !meta.is_file() => {
            let device = std::fs::OpenOptions::new().write(true).open(path)?;
            write_buffered(&device, write)
        }
        _ => {
            // Dropped on any error before `persist`, which deletes the temp file.
            let tmp = temp_for(path)?;
            write_buffered(tmp.as_file(), write)?;
            tmp.as_file().sync_all()?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        }
    }
}

/// Runs `write` over a buffer on `file` and flushes it: callers may write in small pieces.
fn write_buffered<F>(file: &std::fs::File, write: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let mut buffered = io::BufWriter::new(file);
    write(&mut buffered)?;
    buffered.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_regular_file_and_follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link stays a link"
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn writes_into_devices_instead_of_replacing_them() {
        write_atomic(Path::new("/dev/null"), b"discarded").unwrap();
        let meta = std::fs::symlink_metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null is still a device");
    }

    #[test]
    fn a_failed_writer_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, "old").unwrap();
        let result = write_atomic_with(&path, |out| {
            out.write_all(b"half of the new")?;
            Err(io::Error::other("the renderer failed"))
        });
        assert_eq!(result.unwrap_err().to_string(), "the renderer failed");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("plan.json")]);
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn an_existing_file_keeps_its_mode_and_a_new_one_is_private() {
        let dir = tempfile::tempdir().unwrap();
        for old in [0o644, 0o640, 0o600, 0o664, 0o755, 0o444] {
            let path = dir.path().join(format!("m{old:o}.wtmap"));
            std::fs::write(&path, "old").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(old)).unwrap();
            write_atomic(&path, b"new").unwrap();
            assert_eq!(mode(&path), old, "{old:o}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        }
        let fresh = dir.path().join("report.json");
        write_atomic(&fresh, b"{}").unwrap();
        assert_eq!(mode(&fresh), PRIVATE_MODE);
    }

    #[test]
    fn the_owner_and_group_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.wtmap");
        std::fs::write(&path, "old").unwrap();
        let before = std::fs::metadata(&path).unwrap();
        // As root (CI), give the file away first, as an admin's checkout would be.
        let _ = std::os::unix::fs::chown(&path, Some(1), Some(1));
        let owned = std::fs::metadata(&path).unwrap();
        write_atomic(&path, b"new").unwrap();
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!((after.uid(), after.gid()), (owned.uid(), owned.gid()));
        assert!(before.uid() == owned.uid() || owned.uid() == 1);
    }

    #[test]
    fn temp_files_of_killed_writes_are_swept_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        // A process that is gone: a child that has exited.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir
            .path()
            .join(format!("{TEMP_PREFIX}{dead}.abc123.plan.json"));
        std::fs::write(&stale, vec![b'x'; 1000]).unwrap();
        // Ours, and a stranger's file that only looks alike, stay.
        let alive = dir
            .path()
            .join(format!("{TEMP_PREFIX}{}.x.plan.json", std::process::id()));
        std::fs::write(&alive, "in flight").unwrap();
        let other = dir.path().join(".tmp-not-ours");
        std::fs::write(&other, "keep").unwrap();
        write_atomic(&dir.path().join("plan.json"), b"{}").unwrap();
        assert!(!stale.exists(), "the killed write's temp file is gone");
        assert!(alive.exists() && other.exists());
    }

    #[test]
    fn a_writer_writes_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        write_atomic_with(&path, |out| {
            for piece in ["{", "\"a\"", ": ", "1", "}\n"] {
                out.write_all(piece.as_bytes())?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\": 1}\n");
    }

    #[test]
    fn a_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_atomic(dir.path(), b"x").is_err());
    }
}
