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
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::canonicalize(path)?;
            write_atomic(&target, contents)
        }
        Ok(meta) if meta.is_dir() => {
            Err(io::Error::new(io::ErrorKind::IsADirectory, "is a folder"))
        }
        Ok(meta) if !meta.is_file() => std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .write_all(contents),
        _ => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(contents)?;
            tmp.as_file().sync_all()?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        }
    }
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
    fn a_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_atomic(dir.path(), b"x").is_err());
    }
}
