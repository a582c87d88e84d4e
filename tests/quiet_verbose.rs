//! Issue 18: `--quiet` and `--verbose` on every command. Quiet drops progress and
//! informational lines on stderr, never errors, warnings or the output asked for; verbose adds
//! stage timings and the wall time. Through the binary, for `check`, `fmt`, `plan`, `state`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

const MAPPING: &str = "source csv { path = \"people.csv\" }\n\
    fields { id: text, mail: text }\n\
    target winningtemp.files { dir = \"out\" }\n\
    user {\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}\n";

fn wtmap(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("WTMAP_TIMINGS")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), MAPPING).unwrap();
    std::fs::write(dir.path().join("people.csv"), "id,mail\nE1,a@x.example\n").unwrap();
    dir
}

#[test]
fn check_quiet_drops_the_summary_but_not_errors() {
    let dir = fixture();
    let d = dir.path();
    let o = wtmap(d, &["check", "m.wtmap"]);
    assert!(err(&o).contains("checked 1 file: 0 errors"), "{}", err(&o));
    // The flag is global: before or after the command, long or short.
    for args in [
        ["-q", "check", "m.wtmap"],
        ["check", "m.wtmap", "--quiet"],
        ["--quiet", "check", "m.wtmap"],
    ] {
        let o = wtmap(d, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert_eq!(err(&o), "", "{args:?}");
    }
    std::fs::write(d.join("bad.wtmap"), "x y\n").unwrap();
    let o = wtmap(d, &["check", "-q", "bad.wtmap"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("E0001"), "{}", err(&o));
    assert!(!err(&o).contains("checked 1 file"), "{}", err(&o));
}

#[test]
fn fmt_quiet_writes_without_saying_so() {
    let dir = fixture();
    let d = dir.path();
    std::fs::write(d.join("n.wtmap"), MAPPING).unwrap();
    let o = wtmap(d, &["fmt", "n.wtmap"]);
    assert!(err(&o).contains("formatted n.wtmap"), "{}", err(&o));
    let o = wtmap(d, &["fmt", "-q", "m.wtmap"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(err(&o), "");
    let formatted = std::fs::read_to_string(d.join("n.wtmap")).unwrap();
    assert_ne!(formatted, MAPPING, "the fixture is not in canonical layout");
    assert_eq!(
        std::fs::read_to_string(d.join("m.wtmap")).unwrap(),
        formatted
    );
}

#[test]
fn plan_quiet_and_verbose() {
    let dir = fixture();
    let d = dir.path();
    let normal = wtmap(d, &["plan", "m.wtmap"]);
    assert_eq!(normal.status.code(), Some(0), "{}", err(&normal));
    // The plan is the requested output: the same under --quiet.
    let quiet = wtmap(d, &["plan", "m.wtmap", "-q"]);
    assert_eq!(out(&quiet), out(&normal));
    assert!(out(&quiet).contains("create user E1"), "{}", out(&quiet));

    let o = wtmap(d, &["plan", "m.wtmap", "--out", "p.txt"]);
    assert!(err(&o).contains("plan written to p.txt"), "{}", err(&o));
    assert!(!err(&o).contains("timings:"), "{}", err(&o));
    let o = wtmap(d, &["plan", "m.wtmap", "--out", "q.txt", "-q"]);
    assert_eq!(err(&o), "");
    assert_eq!(
        std::fs::read_to_string(d.join("q.txt")).unwrap(),
        std::fs::read_to_string(d.join("p.txt")).unwrap()
    );

    let o = wtmap(d, &["plan", "m.wtmap", "--out", "v.txt", "--verbose"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains("timings:") && e.contains("records read and evaluated"),
        "{e}"
    );
    assert!(
        e.contains("finished in ") && e.contains("(exit code 0)"),
        "{e}"
    );
    assert!(e.contains("plan written to v.txt"), "{e}");
}

#[test]
fn quiet_and_verbose_exclude_each_other() {
    let dir = fixture();
    let o = wtmap(dir.path(), &["-q", "-v", "check", "m.wtmap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot be used with"), "{}", err(&o));
}

/// An error stays on stderr under --quiet (here, `state` of a target with no state yet is
/// fine, and of a missing mapping is an error).
#[test]
fn errors_survive_quiet() {
    let dir = fixture();
    let o = wtmap(dir.path(), &["state", "missing.wtmap", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("missing.wtmap"), "{}", err(&o));
}
