//! Finding and reading mapping files, for every command and for `serve`.
//!
//! - Only regular files are read. A FIFO, socket or device named `*.wtmap` would block a
//!   reader forever (a FIFO has no writer) or never end; it is reported and skipped. The check
//!   is made on the open handle (opened without blocking), so a file swapped for a FIFO between
//!   listing and reading is caught too.
//! - Folders are walked without leaving them: a symbolic link to a folder is followed only when
//!   its target is inside the folder being walked and was not walked yet, so two links that
//!   point at each other, or a link to `/`, are reported and skipped instead of walked.

use crate::source::SourceFile;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A usage or I/O problem: reported as one line.
#[derive(Debug)]
pub struct FileError(pub String);

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something under a folder that looked like a mapping (or a folder) and was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The path.
    pub path: PathBuf,
    /// Why, in words: "a FIFO, not a regular file".
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped `{}`: {}", self.path.display(), self.reason)
    }
}

/// The mapping files found, and what was passed over.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Regular `*.wtmap` files: as given, then each folder's in sorted order.
    pub files: Vec<PathBuf>,
    /// Non-regular files and links that lead out of, or back into, a walked folder.
    pub skipped: Vec<Skipped>,
}

/// What a file type is, for messages: "a FIFO", "a folder".
pub fn describe(kind: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a regular file"
    }
}

fn not_regular(path: &Path, kind: FileType) -> String {
    format!(
        "`{}` is {}, not a regular file; wtmap reads only regular files",
        path.display(),
        describe(kind)
    )
}

/// Expands paths: files as given (they must be regular files), folders recursively to their
/// `*.wtmap` regular files, sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Discovered, FileError> {
    let mut found = Discovered::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            FileError(format!(
                "cannot read `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
        if meta.is_dir() {
            let root = std::fs::canonicalize(path).map_err(|e| {
                FileError(format!(
                    "cannot read folder `{}`: {}",
                    path.display(),
                    io_reason(&e)
                ))
            })?;
            let before = found.files.len();
            let mut walked = HashSet::from([root.clone()]);
            walk(&root, path, &mut walked, &mut found)?;
            if found.files.len() == before {
                return Err(FileError(format!(
                    "no .wtmap files under `{}`",
                    path.display()
                )));
            }
        } else if meta.is_file() {
            found.files.push(path.clone());
        } else {
            return Err(FileError(not_regular(path, meta.file_type())));
        }
    }
    Ok(found)
}

fn walk(
    root: &Path,
    dir: &Path,
    walked: &mut HashSet<PathBuf>,
    found: &mut Discovered,
) -> Result<(), FileError> {
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
        let Ok(own) = std::fs::symlink_metadata(&p) else {
            continue; // vanished while walking
        };
        let is_mapping = p.extension().is_some_and(|e| e == "wtmap");
        // A link is judged by what it points at; a broken link is not a mapping.
        let meta = if own.file_type().is_symlink() {
            match std::fs::metadata(&p) {
                Ok(m) => m,
                Err(_) => {
                    if is_mapping {
                        found.skipped.push(Skipped {
                            path: p,
                            reason: "a symbolic link that leads nowhere".into(),
                        });
                    }
                    continue;
                }
            }
        } else {
            own.clone()
        };
        if meta.is_dir() {
            let Ok(real) = std::fs::canonicalize(&p) else {
                continue;
            };
            if !real.starts_with(root) {
                found.skipped.push(Skipped {
                    path: p,
                    reason: format!(
                        "a link to `{}`, outside `{}`; not followed",
                        real.display(),
                        root.display()
                    ),
                });
            } else if !walked.insert(real.clone()) {
                if !own.file_type().is_symlink() {
                    continue; // walked already, through a link that came first
                }
                found.skipped.push(Skipped {
                    path: p,
                    reason: format!(
                        "a link to `{}`, which is walked already (a loop); not followed",
                        real.display()
                    ),
                });
            } else {
                walk(root, &p, walked, found)?;
            }
        } else if is_mapping {
            if meta.is_file() {
                found.files.push(p);
            } else {
                found.skipped.push(Skipped {
                    path: p,
                    reason: format!("{}, not a regular file", describe(meta.file_type())),
                });
            }
        }
    }
    Ok(())
}

/// The `*.wtmap` entries directly in `dir` (not hidden ones, not folders), by file stem, for
/// `serve`. Entries that are not regular files are listed too, so that reading them reports
/// what they are (on the status page) instead of blocking.
pub fn mappings_in(dir: &Path) -> Result<BTreeMap<String, PathBuf>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read folder `{}`: {e}", dir.display()))?;
    let mut out = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_mapping = path.extension().is_some_and(|e| e == "wtmap")
            && !stem.starts_with('.')
            && entry.file_type().is_ok_and(|t| !t.is_dir());
        if is_mapping {
            out.insert(stem.to_string(), path);
        }
    }
    Ok(out)
}

/// Opens a file for reading without ever blocking, and only when it is a regular file.
pub fn open_regular(path: &Path) -> std::io::Result<(File, Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    // Opening a FIFO for reading blocks until a writer comes; O_NONBLOCK makes it return at
    // once, and the type is then checked on the handle itself.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}, not a regular file", describe(meta.file_type())),
        ));
    }
    Ok((file, meta))
}

/// Reads a whole regular file (see [`open_regular`]).
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let (mut file, meta) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a mapping as UTF-8 text. A byte-order mark at the start is dropped (editors on
/// Windows write one); the text is otherwise exactly the file's.
pub fn read_source(path: &Path) -> Result<SourceFile, FileError> {
    let bytes = read_regular(path).map_err(|e| {
        FileError(format!(
            "cannot read `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    source_from_bytes(&path.display().to_string(), bytes)
}

/// A mapping's text from its bytes: UTF-8, with a leading byte-order mark dropped.
pub fn source_from_bytes(name: &str, mut bytes: Vec<u8>) -> Result<SourceFile, FileError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
            Err(FileError(format!(
                "`{name}` is not UTF-8 text (invalid byte 0x{:02X} on line {line}, offset {at}); save it as UTF-8",
                e.as_bytes().get(at).copied().unwrap_or(0)
            )))
        }
    }
}

/// An I/O error in words.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::os::unix::fs::symlink;
    use std::time::{Duration, Instant};

    fn mkfifo(path: &Path) {
        let ok = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mkfifo {}", path.display());
    }

    const MAPPING: &str = "source csv { path = \"p.csv\" }\n";

    #[test]
    fn a_fifo_in_a_folder_is_skipped_and_named_and_never_opened_blocking() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.wtmap"), MAPPING).unwrap();
        mkfifo(&dir.path().join("b.wtmap"));
        let started = Instant::now();
        let found = discover(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(found.files, vec![dir.path().join("a.wtmap")]);
        assert_eq!(found.skipped.len(), 1);
        assert!(
            found.skipped[0].reason.contains("a FIFO"),
            "{:?}",
            found.skipped
        );
        // Named directly, and read directly (as a swap after listing would): an error at once.
        let err = discover(&[dir.path().join("b.wtmap")]).unwrap_err();
        assert!(err.0.contains("is a FIFO, not a regular file"), "{err}");
        let err = read_source(&dir.path().join("b.wtmap")).unwrap_err();
        assert!(err.0.contains("a FIFO, not a regular file"), "{err}");
        assert!(
            read_regular(Path::new("/dev/zero")).is_err(),
            "a device never ends"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_bad_bytes_name_their_line() {
        let f = source_from_bytes("m", b"\xEF\xBB\xBFuser {}".to_vec()).unwrap();
        assert_eq!(&*f.text, "user {}");
        let err = source_from_bytes("m", b"a\nb\n\xE9\n".to_vec()).unwrap_err();
        assert!(err.0.contains("0xE9 on line 3"), "{err}");
    }

    #[test]
    fn links_to_outside_and_loops_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("a/x.wtmap"), MAPPING).unwrap();
        std::fs::write(dir.path().join("outside.wtmap"), MAPPING).unwrap();
        symlink(root.join("b"), root.join("a/to_b")).unwrap();
        symlink(root.join("a"), root.join("b/to_a")).unwrap();
        symlink("/", root.join("slash")).unwrap();
        symlink(dir.path(), root.join("up")).unwrap();
        let found = discover(std::slice::from_ref(&root)).unwrap();
        assert_eq!(found.files, vec![root.join("a/x.wtmap")]);
        let reasons: Vec<String> = found.skipped.iter().map(ToString::to_string).collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("slash") && r.contains("outside")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("up") && r.contains("outside")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("(a loop)")),
            "{reasons:?}"
        );
    }

    /// A random folder: `dirs[i]` is a folder under `dirs[parent]`, with mapping files, FIFOs
    /// and links to any folder of the tree, to the root, to the root's parent, to `/`, and to
    /// nowhere.
    #[derive(Debug, Clone)]
    struct Shape {
        parents: Vec<usize>,
        files: Vec<usize>,
        fifos: Vec<usize>,
        links: Vec<(usize, usize)>,
    }

    fn shape() -> impl Strategy<Value = Shape> {
        (1..7usize).prop_flat_map(|n| {
            (
                proptest::collection::vec(0..n, n),
                proptest::collection::vec(0..n, 0..6),
                proptest::collection::vec(0..n, 0..3),
                proptest::collection::vec((0..n, 0..n + 3), 0..8),
            )
                .prop_map(|(parents, files, fifos, links)| {
                    // Folder i hangs under a folder before it (folder 0 is the root).
                    let parents = parents
                        .iter()
                        .enumerate()
                        .map(|(i, p)| if i == 0 { 0 } else { p % i })
                        .collect();
                    Shape {
                        parents,
                        files,
                        fifos,
                        links,
                    }
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

        #[test]
        fn any_folder_with_links_is_walked_once_inside_its_root(s in shape()) {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path().join("root");
            let mut dirs = vec![root.clone()];
            for i in 1..s.parents.len() {
                dirs.push(dirs[s.parents[i]].join(format!("d{i}")));
            }
            for d in &dirs {
                std::fs::create_dir_all(d).unwrap();
            }
            let mut real = Vec::new();
            for (k, d) in s.files.iter().enumerate() {
                let p = dirs[*d].join(format!("m{k}.wtmap"));
                std::fs::write(&p, MAPPING).unwrap();
                real.push(std::fs::canonicalize(&p).unwrap());
            }
            for (k, d) in s.fifos.iter().enumerate() {
                mkfifo(&dirs[*d].join(format!("f{k}.wtmap")));
            }
            for (k, (from, to)) in s.links.iter().enumerate() {
                let target = match to.checked_sub(dirs.len()) {
                    None => dirs[*to].clone(),
                    Some(0) => tmp.path().to_path_buf(),
                    Some(1) => PathBuf::from("/"),
                    Some(_) => tmp.path().join("nowhere"),
                };
                let link = dirs[*from].join(format!("l{k}{}", if k % 2 == 0 { "" } else { ".wtmap" }));
                symlink(&target, &link).unwrap();
            }
            let started = Instant::now();
            let found = discover(std::slice::from_ref(&root));
            prop_assert!(started.elapsed() < Duration::from_secs(10));
            let files = match found {
                Ok(f) => f.files,
                Err(e) => {
                    prop_assert!(real.is_empty(), "{e}");
                    return Ok(());
                }
            };
            let canon_root = std::fs::canonicalize(&root).unwrap();
            let mut seen = HashSet::new();
            for f in &files {
                let c = std::fs::canonicalize(f).unwrap();
                prop_assert!(c.starts_with(&canon_root), "{} outside", f.display());
                prop_assert!(std::fs::metadata(f).unwrap().is_file());
                prop_assert!(seen.insert(c), "{} found twice", f.display());
            }
            for r in &real {
                prop_assert!(seen.contains(r), "{} not found", r.display());
            }
        }
    }
}
