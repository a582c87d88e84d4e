//! End-to-end runs of the `wtmap` binary on hostile inputs (issue 21): folders with FIFOs and
//! looping links, mappings with a byte-order mark, records given as a folder or a pipe.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs wtmap and kills it if it has not finished in 60 s (the test then fails).
fn wtmap_in(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("wtmap {args:?} hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn example() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/csv.wtmap")).unwrap()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo");
}

#[test]
fn check_fmt_and_test_of_a_folder_skip_fifos_and_links_out_or_around() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("maps");
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::create_dir_all(root.join("b")).unwrap();
    std::fs::write(root.join("a/ok.wtmap"), example()).unwrap();
    mkfifo(&root.join("a/pipe.wtmap"));
    std::os::unix::fs::symlink(root.join("b"), root.join("a/to_b")).unwrap();
    std::os::unix::fs::symlink(root.join("a"), root.join("b/to_a")).unwrap();
    std::os::unix::fs::symlink("/", root.join("slash")).unwrap();
    for command in [
        vec!["check", "maps"],
        vec!["fmt", "--check", "maps"],
        vec!["test", "maps"],
    ] {
        let o = wtmap_in(tmp.path(), &command);
        let err = stderr(&o);
        assert!(
            err.contains("pipe.wtmap`: a FIFO, not a regular file"),
            "{command:?}: {err}"
        );
        assert!(err.contains("slash`: a link to `/`"), "{command:?}: {err}");
        assert!(err.contains("(a loop)"), "{command:?}: {err}");
        assert!(!err.contains("ok.wtmap: "), "{command:?}: {err}");
    }
    // Named on the command line: one clear line, exit 2, at once.
    let o = wtmap_in(tmp.path(), &["check", "maps/a/pipe.wtmap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is a FIFO, not a regular file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_mapping_saved_with_a_byte_order_mark_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(example().as_bytes());
    std::fs::write(tmp.path().join("bom.wtmap"), bytes).unwrap();
    let o = wtmap_in(tmp.path(), &["check", "bom.wtmap"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_csv_header_that_differs_only_in_case_or_spaces_is_one_error_before_any_record() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(repo.join("mappings/data/csv.csv")).unwrap();
    // `E-post` becomes ` e-post ` in the header; the records stay as they are.
    let at = data.windows(8).position(|w| w == b";E-post;").unwrap();
    let mut bent = data[..at].to_vec();
    bent.extend_from_slice(b"; e-post ;");
    bent.extend_from_slice(&data[at + 8..]);
    std::fs::write(tmp.path().join("people.csv"), bent).unwrap();
    std::fs::copy(repo.join("mappings/csv.wtmap"), tmp.path().join("m.wtmap")).unwrap();
    let o = wtmap_in(
        tmp.path(),
        &[
            "plan",
            "m.wtmap",
            "--records",
            "people.csv",
            "--today",
            "2026-11-21",
        ],
    );
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("has no column `E-post`"), "{err}");
    assert!(err.contains("the header has ` e-post `"), "{err}");
    assert!(
        o.stdout.is_empty(),
        "no plan: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn fmt_keeps_a_mappings_mode_and_new_hr_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let mapping = tmp.path().join("m.wtmap");
    // Unformatted on purpose, so that fmt rewrites it.
    std::fs::write(
        &mapping,
        example().replace("  delimiter = ", "  delimiter =   "),
    )
    .unwrap();
    std::fs::set_permissions(&mapping, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = wtmap_in(tmp.path(), &["fmt", "m.wtmap"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(std::fs::read_to_string(&mapping).unwrap(), "");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&mapping), 0o644);
    // A plan written with --out holds HR data: private.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = wtmap_in(
        repo,
        &[
            "plan",
            "mappings/flex.wtmap",
            "--records",
            "mappings/data/flex.json",
            "--state",
            "mappings/data/flex.state.json",
            "--today",
            "2026-11-21",
            "--format",
            "json",
            "--out",
            tmp.path().join("plan.json").to_str().unwrap(),
        ],
    );
    assert!(tmp.path().join("plan.json").exists(), "{}", stderr(&o));
    assert_eq!(mode(&tmp.path().join("plan.json")), 0o600);
}

#[test]
fn records_given_as_a_folder_are_named_a_folder() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = wtmap_in(
        repo,
        &[
            "plan",
            "mappings/flex.wtmap",
            "--records",
            "mappings",
            "--today",
            "2026-11-21",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `mappings`: it is a folder"),
        "{}",
        stderr(&o)
    );
}
