//! Writing a file so that readers see the old content or the new, never half of it: a temp
//! file in the same folder, synced, then renamed over the target. The one implementation for
//! plans, reports, states and formatted mappings.

use std::io::{self, Write};
use std::path::Path;

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
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            // Dropped on any error before `persist`, which deletes the temp file.
            let tmp = tempfile::NamedTempFile::new_in(dir)?;
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
