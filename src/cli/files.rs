//! Reading and writing files for the CLI: discovery of `*.wtmap` under folders, strict UTF-8
//! reading with one-line errors, and atomic writes (a temp file in the same folder, renamed).

use crate::source::SourceFile;
use std::fmt;
use std::path::{Path, PathBuf};

/// A usage or I/O problem: reported as one line, exit code 2.
#[derive(Debug)]
pub struct FileError(pub String);

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Expands paths: files as given, folders recursively to their `*.wtmap` files (sorted).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FileError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            FileError(format!(
                "cannot read `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        if meta.is_dir() {
            let before = out.len();
            walk(path, &mut out)?;
            if out.len() == before {
                return Err(FileError(format!(
                    "no .wtmap files under `{}`",
                    path.display()
                )));
            }
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), FileError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        FileError(format!(
            "cannot read folder `{}`: {}",
            dir.display(),
            io_reason(&e)
        ))
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "wtmap") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads a mapping as UTF-8 text.
pub fn read_source(path: &Path) -> Result<SourceFile, FileError> {
    let bytes = std::fs::read(path).map_err(|e| {
        FileError(format!(
            "cannot read `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path.display().to_string(), text)),
        Err(e) => Err(FileError(format!(
            "`{}` is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))),
    }
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

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
