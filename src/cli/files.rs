//! Reading and writing files for the CLI: discovery of `*.wtmap` under folders, strict UTF-8
//! reading with one-line errors, and atomic writes (a temp file in the same folder, renamed).

use std::path::{Path, PathBuf};

pub use crate::files::{FileError, read_source};

/// Expands paths: files as given, folders recursively to their `*.wtmap` files (sorted).
/// What was passed over (a FIFO, a link out of the folder or into a loop) is said on stderr.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FileError> {
    let found = crate::files::discover(paths)?;
    for skipped in &found.skipped {
        eprintln!("warning: {skipped}");
    }
    Ok(found.files)
}

/// Writes a file atomically: readers see the old or the new content, never a half-written one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FileError> {
    crate::atomic::write_atomic(path, contents).map_err(|e| write_error(path, &e))
}

/// As [`write_atomic`], with the content written by `write` as it goes (a large plan is not
/// built in memory first); when `write` fails the file is left as it was.
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<(), FileError>
where
    F: FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
{
    crate::atomic::write_atomic_with(path, write).map_err(|e| write_error(path, &e))
}

fn write_error(path: &Path, e: &std::io::Error) -> FileError {
    FileError(format!(
        "cannot write `{}`: {}",
        path.display(),
        io_reason(e)
    ))
}

use crate::files::io_reason;
