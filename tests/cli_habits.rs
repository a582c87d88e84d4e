//! The command-line habits users bring from cargo, ruff and terraform: `--version` with the
//! commit, shell completions and a man page from the clap definitions, hints for flags other
//! tools spell differently, `fmt -` as a filter, and `check` of the current folder.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn wtmap_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs")
}

fn wtmap(args: &[&str]) -> Output {
    wtmap_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_names_the_crate_version() {
    let out = wtmap(&["--version"]);
    assert!(out.status.success());
    let line = text(&out.stdout);
    assert!(
        line.starts_with(&format!("wtmap {}", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
}

#[test]
fn completions_for_every_shell_list_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = wtmap(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for subcommand in ["check", "plan", "apply", "serve"] {
            assert!(script.contains(subcommand), "{shell} lacks {subcommand}");
        }
    }
    let out = wtmap(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_render_to_stdout_and_one_per_command_to_a_folder() {
    let out = wtmap(&["man"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH wtmap 1"), "{page}");
    assert!(page.contains("plan"), "the page lists the subcommands");

    let dir = tempfile::tempdir().unwrap();
    let out = wtmap(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for page in ["wtmap.1", "wtmap-plan.1", "wtmap-check.1"] {
        assert!(dir.path().join(page).is_file(), "{page} written");
    }
}

#[test]
fn flags_from_other_tools_get_a_hint() {
    let out = wtmap(&["plan", "mappings/flex.wtmap", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("hint: use `--format json`"),
        "{}",
        text(&out.stderr)
    );

    for command in ["run", "apply"] {
        let out = wtmap(&[command, "mappings/flex.wtmap", "--dry-run"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("`wtmap plan MAPPING` shows what"),
            "{command}: {}",
            text(&out.stderr)
        );
    }

    let out = wtmap(&["plan", "mappings/flex.wtmap", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("hint:"), "no hint without one");
}

fn fmt_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn fmt_dash_filters_standard_input() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let formatted = std::fs::read_to_string(root.join("mappings/flex.wtmap")).unwrap();
    // Squash the layout: indentation gone, so the formatter has something to do.
    let squashed: String = formatted
        .lines()
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(squashed, formatted);

    let out = fmt_stdin(&["fmt", "-"], &squashed);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), formatted);

    let out = fmt_stdin(&["fmt", "--check", "-"], &squashed);
    assert_eq!(out.status.code(), Some(1), "--check - reports the change");
    let out = fmt_stdin(&["fmt", "--check", "-"], &formatted);
    assert_eq!(out.status.code(), Some(0));

    let out = fmt_stdin(&["fmt", "-"], "source flex {\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing printed for text that does not parse"
    );
    assert!(text(&out.stderr).contains("does not parse"));
}

#[test]
fn check_without_paths_checks_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("mappings/flex.wtmap"), dir.path().join("a.wtmap")).unwrap();
    let out = wtmap_in(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("checked 1 file"));

    std::fs::write(dir.path().join("b.wtmap"), "source nope {}\n").unwrap();
    let out = wtmap_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    let empty = tempfile::tempdir().unwrap();
    let out = wtmap_in(empty.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no .wtmap files"));
}

#[test]
fn skipped_records_are_listed_in_record_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.wtmap"),
        "source csv {\n  path = \"people.csv\"\n}\n\nfields {\n  Id:    text\n  Email: text?\n}\n\n\
         target winningtemp.files {\n  dir = \"out\"\n}\n\nuser {\n  external_id = Id\n  \
         username    = required(Email)\n  first_name  = Id\n  last_name   = Id\n}\n\n\
         skip when Email is empty\n",
    )
    .unwrap();
    // Records #2 and #11 have no email; byte order would list #11 first.
    let mut csv = String::from("Id,Email\n");
    for n in 1..=12 {
        let email = if n == 2 || n == 11 {
            String::new()
        } else {
            format!("p{n}@acme.example")
        };
        csv.push_str(&format!("{n},{email}\n"));
    }
    std::fs::write(dir.path().join("people.csv"), csv).unwrap();
    let out = wtmap_in(dir.path(), &["plan", "m.wtmap", "--today", "2026-12-07"]);
    let plan = text(&out.stdout);
    let (second, eleventh) = (plan.find("record 2: skip"), plan.find("record 11: skip"));
    assert!(
        second.is_some() && eleventh.is_some() && second < eleventh,
        "{plan}{}",
        text(&out.stderr)
    );
}

#[test]
fn explain_finds_a_record_by_id_position_or_email_and_suggests_close_ids() {
    let explain = |record: &str| {
        wtmap(&[
            "explain",
            "mappings/flex.wtmap",
            record,
            "--records",
            "mappings/data/flex.json",
            "--today",
            "2026-11-21",
        ])
    };
    let by_email = explain("JOHAN.Andersson@acme.example");
    assert!(by_email.status.success(), "{}", text(&by_email.stderr));
    let by_id = explain("4975035c-a572-563c-8441-4639f09350f8");
    assert_eq!(
        text(&by_email.stdout),
        text(&by_id.stdout),
        "the same record"
    );
    let by_position = explain("#20");
    assert_eq!(text(&by_position.stdout), text(&by_id.stdout));

    let typo = explain("4975035c-a572-563c-8441-4639f09350f9");
    assert_eq!(typo.status.code(), Some(2));
    let message = text(&typo.stderr);
    assert!(message.contains("searched 42 records"), "{message}");
    assert!(
        message.contains("did you mean `4975035c-a572-563c-8441-4639f09350f8`?"),
        "{message}"
    );

    let beyond = explain("#43");
    assert_eq!(beyond.status.code(), Some(2));
    assert!(
        text(&beyond.stderr).contains("there is no record #43: the records hold 42 records"),
        "{}",
        text(&beyond.stderr)
    );
}

#[test]
fn records_from_a_pipe_are_read_with_an_explicit_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let records = std::fs::read(root.join("mappings/data/flex.json")).unwrap();
    let plan_from_stdin = |extra: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wtmap"))
            .args([
                "plan",
                "mappings/flex.wtmap",
                "--records",
                "/dev/stdin",
                "--state",
                "mappings/data/flex.state.json",
                "--today",
                "2026-11-21",
            ])
            .args(extra)
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader may stop early on an error: a closed pipe is not the test's failure.
        let _ = child.stdin.take().unwrap().write_all(&records);
        child.wait_with_output().unwrap()
    };
    let without = plan_from_stdin(&[]);
    assert_eq!(without.status.code(), Some(2));
    assert!(
        text(&without.stderr).contains("--records-format"),
        "{}",
        text(&without.stderr)
    );

    let with = plan_from_stdin(&["--records-format", "json"]);
    assert!(with.status.success(), "{}", text(&with.stderr));
    let from_file = wtmap(&[
        "plan",
        "mappings/flex.wtmap",
        "--records",
        "mappings/data/flex.json",
        "--state",
        "mappings/data/flex.state.json",
        "--today",
        "2026-11-21",
    ]);
    let body = |o: &Output| {
        text(&o.stdout)
            .lines()
            .skip(1) // the first line names the records file
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        body(&with),
        body(&from_file),
        "the same plan as from the file"
    );
}
