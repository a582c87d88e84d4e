//! `wtmap diff OLD NEW`: every example mapping against itself changes nobody; deliberate edits
//! (a value-map arm, a new `group path` level, a `skip when`, a changed `match by`) report
//! exactly the people they affect; the three formats are snapshotted; and the binary is run end
//! to end, with its exit codes and `REV:path` read from a git repository made by the test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use wtmap::check::{Program, check_source};
use wtmap::mapdiff::{ChangeKind, MapDiff, compare, run_side};
use wtmap::model::CurrentState;
use wtmap::records::Record;
use wtmap::source::SourceFile;
use wtmap::sync::read_records;

const EXAMPLES: &[(&str, &str)] = &[
    ("flex", "json"),
    ("personio", "json"),
    ("worknice", "json"),
    ("csv", "csv"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn mapping_text(name: &str) -> String {
    common::read_mapping(&root().join(format!("mappings/{name}.wtmap")))
        .text
        .to_string()
}

fn program(label: &str, text: &str) -> Program {
    let (program, diags) = check_source(&SourceFile::new(label, text));
    program.unwrap_or_else(|| panic!("{label} does not check: {diags:?}"))
}

fn records_path(name: &str, ext: &str) -> PathBuf {
    root().join(format!("mappings/data/{name}.{ext}"))
}

fn state(name: &str) -> CurrentState {
    wtmap::state::read_state(&root().join(format!("mappings/data/{name}.state.json"))).unwrap()
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` once in the mapping"
    );
    text.replacen(from, to, 1)
}

/// The diff of the example `name` (records and state) with its text `old` and `new`. A diff
/// borrows from the two versions it compares; a test keeps them to its end (leaked).
fn diff_of(name: &str, ext: &str, old: &str, new: &str) -> MapDiff<'static> {
    let (old_p, new_p) = (program("old.wtmap", old), program("new.wtmap", new));
    let records: Vec<Record> = read_records(&new_p, &records_path(name, ext)).unwrap();
    let current = state(name);
    let a = run_side(
        &format!("mappings/{name}.wtmap"),
        &old_p,
        &records,
        &current,
        today(),
    );
    let b = run_side(
        &format!("mappings/{name}.wtmap (edited)"),
        &new_p,
        &records,
        &current,
        today(),
    );
    compare(Box::leak(Box::new(a)), Box::leak(Box::new(b)))
}

fn changed(d: &MapDiff) -> BTreeSet<String> {
    d.people.iter().map(|p| p.person.to_string()).collect()
}

fn with_kind(d: &MapDiff, kind: ChangeKind) -> BTreeSet<String> {
    d.people
        .iter()
        .filter(|p| p.changes.iter().any(|c| c.kind == kind))
        .map(|p| p.person.to_string())
        .collect()
}

/// The Flex export as JSON objects.
fn flex_records() -> Vec<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(records_path("flex", "json")).unwrap()).unwrap()
}

fn text_field<'a>(r: &'a serde_json::Value, field: &str) -> Option<&'a str> {
    r.get(field)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The Flex people both versions sync: not skipped (no work email) and not quarantined (as
/// the unedited mapping's plan says).
fn flex_synced(records: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    let p = program("flex.wtmap", &mapping_text("flex"));
    let recs = read_records(&p, &records_path("flex", "json")).unwrap();
    let desired = wtmap::sync::desire(&p, &recs, today());
    let quarantined: BTreeSet<String> = desired
        .quarantined
        .iter()
        .filter_map(|q| q.external_id.clone())
        .collect();
    records
        .iter()
        .filter(|r| text_field(r, "EmailWork").is_some())
        .filter(|r| !quarantined.contains(text_field(r, "Id").unwrap()))
        .collect()
}

fn ids<'a>(records: impl IntoIterator<Item = &'a serde_json::Value>) -> BTreeSet<String> {
    records
        .into_iter()
        .map(|r| text_field(r, "Id").unwrap().to_string())
        .collect()
}

#[test]
fn every_example_against_itself_changes_nobody() {
    for (name, ext) in EXAMPLES {
        let text = mapping_text(name);
        let d = diff_of(name, ext, &text, &text);
        assert!(d.people.is_empty(), "{name}: {:#?}", d.people);
        assert!(d.teams.is_empty() && d.segments.is_empty(), "{name}");
        assert!(!d.changes_people());
        assert_eq!(
            d.summary,
            "this change affects nobody: every person's outcome stays the same"
        );
        assert_eq!(d.old.actions, d.new.actions, "{name}: same plan counts");
        assert!(
            d.new.actions.total > 0,
            "{name}: the example plan does something"
        );
    }
}

#[test]
fn a_changed_value_map_arm_changes_exactly_the_people_with_that_code() {
    let text = mapping_text("flex");
    let new = edit(
        &text,
        "gender 1->Male 2->Female _->None",
        "gender 1->Male 2->None _->None",
    );
    let d = diff_of("flex", "json", &text, &new);
    let records = flex_records();
    let expected = ids(flex_synced(&records)
        .into_iter()
        .filter(|r| text_field(r, "Gender") == Some("2")));
    assert!(!expected.is_empty());
    assert_eq!(changed(&d), expected);
    for p in &d.people {
        assert_eq!(p.changes.len(), 1, "{p:?}");
        let c = &p.changes[0];
        assert_eq!(c.kind, ChangeKind::Attribute);
        assert_eq!(c.attribute, Some("gender"));
        assert_eq!(serde_json::to_value(&c.old).unwrap(), "Female");
        assert_eq!(serde_json::to_value(&c.new).unwrap(), "None");
        // Both versions' statement, with its line.
        let (ob, nb) = (
            c.old_because.as_ref().unwrap(),
            c.new_because.as_ref().unwrap(),
        );
        assert_eq!(ob.statement(), "gender 1->Male 2->Female _->None");
        assert_eq!(nb.statement(), "gender 1->Male 2->None _->None");
        assert_eq!(ob.line(), nb.line());
    }
    assert_eq!(d.counts.attributes["gender"].changed, expected.len());
    assert!(
        d.summary
            .contains(&format!("changes gender for {}", expected.len()))
    );
    assert!(d.summary.ends_with("and pauses nobody"), "{}", d.summary);
}

#[test]
fn a_new_group_path_level_moves_exactly_the_people_with_that_level() {
    let text = mapping_text("flex");
    let old = edit(
        &text,
        "group path = [Office, Department, Team]",
        "group path = [Office, Department]",
    );
    let d = diff_of("flex", "json", &old, &text);
    let records = flex_records();
    let synced = flex_synced(&records);
    let movers = ids(synced
        .iter()
        .copied()
        .filter(|r| text_field(r, "Team").is_some()));
    assert!(!movers.is_empty());
    assert_eq!(with_kind(&d, ChangeKind::Team), movers);
    // Everybody else who changes manages a team a mover moved into or out of, and nothing
    // else changes for them.
    let managers: BTreeSet<String> = synced
        .iter()
        .filter(|r| movers.contains(text_field(r, "Id").unwrap()))
        .filter_map(|r| text_field(r, "ImmediateManagerEmployeeId").map(str::to_string))
        .collect();
    for p in d
        .people
        .iter()
        .filter(|p| !movers.contains(p.person.as_ref()))
    {
        assert!(
            managers.contains(p.person.as_ref()),
            "{} is no mover's manager",
            p.person
        );
        assert!(
            p.changes.iter().all(|c| c.kind == ChangeKind::ManagedTeams),
            "{p:?}"
        );
    }
    for c in d.people.iter().flat_map(|p| &p.changes) {
        if c.kind == ChangeKind::Team {
            assert_eq!(
                c.old_because.as_ref().unwrap().statement(),
                "group path = [Office, Department]"
            );
            assert_eq!(
                c.new_because.as_ref().unwrap().statement(),
                "group path = [Office, Department, Team]"
            );
        }
    }
    // The teams of the new level appear; none disappears.
    let teams: BTreeSet<String> = synced
        .iter()
        .filter_map(|r| {
            Some(format!(
                "{}/{}/{}",
                text_field(r, "Office")?,
                text_field(r, "Department")?,
                text_field(r, "Team")?
            ))
        })
        .collect();
    let added: BTreeSet<String> = d
        .teams
        .iter()
        .map(|t| {
            assert_eq!(t.change, wtmap::mapdiff::GroupChangeKind::Added, "{t:?}");
            t.external_id.clone()
        })
        .collect();
    assert_eq!(added, teams);
}

#[test]
fn a_skip_when_skips_exactly_the_people_it_matches() {
    let text = mapping_text("flex");
    let new = edit(
        &text,
        "skip when EmailWork is empty\n",
        "skip when EmailWork is empty\nskip when Office == \"Malmö\"\n",
    );
    let d = diff_of("flex", "json", &text, &new);
    let records = flex_records();
    let expected = ids(records
        .iter()
        .filter(|r| text_field(r, "EmailWork").is_some())
        .filter(|r| text_field(r, "Office") == Some("Malmö")));
    assert!(!expected.is_empty());
    assert_eq!(with_kind(&d, ChangeKind::Status), expected);
    for c in d
        .people
        .iter()
        .flat_map(|p| &p.changes)
        .filter(|c| c.kind == ChangeKind::Status)
    {
        assert_eq!(serde_json::to_value(&c.new).unwrap(), "skipped");
        assert_eq!(
            c.new_because.as_ref().unwrap().statement(),
            "skip when Office == \"Malmö\""
        );
    }
    // Their managers manage other teams now (a skipped person's team is not built for them);
    // nothing else changes for anyone else.
    for p in d
        .people
        .iter()
        .filter(|p| !expected.contains(p.person.as_ref()))
    {
        assert!(
            p.changes.iter().all(|c| c.kind == ChangeKind::ManagedTeams),
            "{p:?}"
        );
    }
    assert!(
        d.summary
            .contains(&format!("skips {} people", expected.len()))
    );
}

#[test]
fn a_changed_match_by_changes_exactly_the_people_matched_by_email() {
    for (name, ext) in [("personio", "json"), ("worknice", "json")] {
        let text = mapping_text(name);
        let new = edit(&text, "match by external_id, email", "match by external_id");
        let d = diff_of(name, ext, &text, &new);
        // Who the email fallback links: a person whose external ID Winningtemp does not have,
        // whose email is the username or email of a Winningtemp user without external ID.
        let current = state(name);
        let known: BTreeSet<&str> = current
            .users
            .iter()
            .filter_map(|u| u.external_id.as_deref())
            .collect();
        let unlinked: BTreeSet<String> = current
            .users
            .iter()
            .filter(|u| u.external_id.is_none())
            .flat_map(|u| {
                let email =
                    wtmap::model::text_attribute(&u.attributes, "email").map(str::to_lowercase);
                std::iter::once(u.username.to_lowercase()).chain(email)
            })
            .collect();
        let p = program("m.wtmap", &text);
        let recs = read_records(&p, &records_path(name, ext)).unwrap();
        let desired = wtmap::sync::desire(&p, &recs, today());
        let expected: BTreeSet<String> = desired
            .users
            .iter()
            .filter(|(id, _)| !known.contains(id.as_str()))
            .filter(|(_, u)| {
                u.attributes
                    .text("email")
                    .is_some_and(|e| unlinked.contains(&e.to_lowercase()))
            })
            .map(|(id, _)| id.clone())
            .collect();
        assert!(
            !expected.is_empty(),
            "{name}: the example links someone by email"
        );
        assert_eq!(changed(&d), expected, "{name}");
        for p in &d.people {
            let c = &p.changes[0];
            assert_eq!(c.kind, ChangeKind::Action);
            assert_eq!(serde_json::to_value(&c.old).unwrap(), "link");
            assert_eq!(
                c.old_because.as_ref().unwrap().statement(),
                "match by external_id, email"
            );
        }
    }
}

/// The three formats of one diff that has a bit of everything.
fn showcase() -> MapDiff<'static> {
    let text = mapping_text("flex");
    let new = edit(
        &text,
        "gender 1->Male 2->Female _->None",
        "gender 1->Male _->None",
    );
    let new = edit(
        &new,
        "skip when EmailWork is empty\n",
        "skip when EmailWork is empty\nskip when Department == \"Production\"\n",
    );
    let new = edit(&new, "  birthday    = DateOfBirth\n", "");
    diff_of("flex", "json", &text, &new)
}

#[test]
fn the_three_formats_are_snapshotted() {
    let d = showcase();
    insta::assert_snapshot!("diff_flex_human", wtmap::mapdiff::render_human(&d));
    insta::assert_snapshot!("diff_flex_markdown", wtmap::mapdiff::render_markdown(&d));
    insta::assert_snapshot!("diff_flex_json", wtmap::mapdiff::render_json(&d));
}

// ---- the binary ----

fn wtmap(args: &[&str], dir: &Path) -> (u8, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap() as u8,
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn data_args(name: &str, ext: &str) -> Vec<String> {
    vec![
        "--records".into(),
        records_path(name, ext).display().to_string(),
        "--state".into(),
        root()
            .join(format!("mappings/data/{name}.state.json"))
            .display()
            .to_string(),
        "--today".into(),
        "2026-11-21".into(),
    ]
}

fn run_diff(old: &str, new: &str, extra: &[&str], dir: &Path) -> (u8, String, String) {
    let mut args: Vec<String> = vec!["diff".into(), old.into(), new.into()];
    args.extend(data_args("flex", "json"));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    wtmap(&args, dir)
}

#[test]
fn the_binary_exits_0_without_changes_2_with_changes_1_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let flex = root().join("mappings/flex.wtmap").display().to_string();
    let (code, out, err) = run_diff(&flex, &flex, &[], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("This change affects nobody"), "{out}");

    let edited = dir.path().join("edited.wtmap");
    std::fs::write(&edited, edit(&mapping_text("flex"), "2->Female", "2->None")).unwrap();
    let edited = edited.display().to_string();
    for format in ["human", "json", "markdown"] {
        let (code, out, err) = run_diff(&flex, &edited, &["--format", format], dir.path());
        assert_eq!(code, 2, "{format}: {err}");
        assert!(out.contains("gender"), "{format}: {out}");
        if format == "json" {
            let json: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(json["format"], "wtmap.diff/v1");
            assert!(!json["people"].as_array().unwrap().is_empty());
        }
        if format == "markdown" {
            assert!(out.contains("<details><summary>"), "{out}");
        }
    }

    // Errors are 1, never 2 (which means "people change").
    let (code, _, err) = run_diff(&flex, "no/such.wtmap", &[], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("no/such.wtmap"), "{err}");
    let broken = dir.path().join("broken.wtmap");
    std::fs::write(&broken, "user {\n").unwrap();
    let (code, _, err) = run_diff(&flex, &broken.display().to_string(), &[], dir.path());
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = wtmap(
        &[
            "diff",
            &flex,
            &flex,
            "--records",
            "missing.json",
            "--today",
            "2026-11-21",
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("missing.json"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=wtmap test",
            "-c",
            "user.email=test@wtmap.example",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn git_revisions_are_read_with_git_show() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::create_dir(repo.join("mappings")).unwrap();
    let file = repo.join("mappings/acme.wtmap");
    std::fs::write(&file, mapping_text("flex")).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "acme"]);
    std::fs::write(
        &file,
        edit(
            &mapping_text("flex"),
            "skip when EmailWork is empty\n",
            "skip when EmailWork is empty\nskip when Office == \"Malmö\"\n",
        ),
    )
    .unwrap();
    git(repo, &["commit", "-q", "-am", "skip Malmö"]);

    // The committed change, revision against revision, and revision against the work tree.
    let (code, out, err) = run_diff(
        "HEAD~1:mappings/acme.wtmap",
        "HEAD:mappings/acme.wtmap",
        &[],
        repo,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        out.contains("wtmap diff HEAD~1:mappings/acme.wtmap → HEAD:mappings/acme.wtmap"),
        "{out}"
    );
    assert!(out.contains("skip when Office == \"Malmö\""), "{out}");
    let (code, _, err) = run_diff("main:mappings/acme.wtmap", "mappings/acme.wtmap", &[], repo);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_diff(
        "main~1:mappings/acme.wtmap",
        "mappings/acme.wtmap",
        &[],
        repo,
    );
    assert_eq!(code, 2, "{err}");

    // A revision or path git does not have is an error, with git's reason.
    let (code, _, err) = run_diff(
        "nosuchrev:mappings/acme.wtmap",
        "mappings/acme.wtmap",
        &[],
        repo,
    );
    assert_eq!(code, 1);
    assert!(err.contains("nosuchrev:mappings/acme.wtmap"), "{err}");
    let (code, _, err) = run_diff("HEAD:mappings/nope.wtmap", "mappings/acme.wtmap", &[], repo);
    assert_eq!(code, 1);
    assert!(err.contains("git show"), "{err}");
}

#[test]
fn the_ci_recipe_checks_tests_and_posts_the_diff() {
    let text = std::fs::read_to_string(root().join("examples/wtmap-diff.yml")).unwrap();
    let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let steps = workflow["jobs"]["mappings"]["steps"].as_sequence().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let runs_one = |needle: &str| runs.iter().any(|r| r.contains(needle));
    assert!(runs_one("wtmap check"), "checks");
    assert!(runs_one("wtmap test"), "tests");
    assert!(
        runs_one("wtmap diff \"$BASE:$file\" \"$file\"") && runs_one("--format markdown"),
        "diffs against the base branch"
    );
    assert!(runs_one("gh pr comment"), "posts");
    // The base branch's versions are read with `git show`: the checkout needs the history.
    assert_eq!(steps[0]["with"]["fetch-depth"].as_u64(), Some(0));
}

#[test]
fn reading_once_for_both_versions_equals_reading_for_each() {
    for (name, ext) in EXAMPLES {
        let text = mapping_text(name);
        let edited = text.replacen("skip when", "skip when 1 == 2 or", 1);
        let (old, new) = (program("old.wtmap", &text), program("new.wtmap", &edited));
        let path = records_path(name, ext);
        let (a, b) = wtmap::sync::desire_both_from_file(&old, &new, &path, today()).unwrap();
        assert_eq!(
            a,
            wtmap::sync::desire_from_file(&old, &path, today()).unwrap(),
            "{name}"
        );
        assert_eq!(
            b,
            wtmap::sync::desire_from_file(&new, &path, today()).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn control_characters_in_records_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mapping = "source csv { path = \"p.csv\" }\nfields { id: text, mail: text, first: text, last: text }\n\
         target winningtemp.files { dir = \"out\" }\nuser {\n  external_id = id\n  username = mail\n  \
         email = mail\n  first_name = first\n  last_name = last\n}\n";
    std::fs::write(d.join("old.wtmap"), mapping).unwrap();
    std::fs::write(
        d.join("new.wtmap"),
        mapping.replace("first_name = first", "first_name = last"),
    )
    .unwrap();
    std::fs::write(
        d.join("p.csv"),
        "id,mail,first,last\nE1\x1b[31m,a@x.example,\"An\x1b[2Jna\n  + create user 666 evil@x\x1b]8;;http://e/\x07\",B\u{9b}\n",
    )
    .unwrap();
    for format in ["human", "markdown"] {
        let (code, out, err) = wtmap(
            &[
                "diff",
                "old.wtmap",
                "new.wtmap",
                "--today",
                "2026-11-21",
                "--format",
                format,
            ],
            d,
        );
        assert_eq!(code, 2, "{format}: {err}");
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: a raw control character in\n{out}"
        );
        assert!(
            !out.lines()
                .any(|l| l.trim_start().starts_with("+ create user 666")),
            "{format}: a forged line in\n{out}"
        );
        assert!(out.contains("2J"), "{format}: {out}");
    }
}

#[test]
fn a_usage_error_of_diff_is_1_not_the_2_of_changes() {
    let dir = tempfile::tempdir().unwrap();
    let flex = root().join("mappings/flex.wtmap").display().to_string();
    let (code, _, err) = wtmap(&["diff", &flex, &flex, "--frobnicate"], dir.path());
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = wtmap(&["diff", &flex], dir.path());
    assert_eq!(code, 1, "a missing NEW: {err}");
    let (code, _, err) = wtmap(&["diff", &flex, &flex, "--format", "yaml"], dir.path());
    assert_eq!(code, 1, "{err}");
    // Help is no error.
    let (code, out, _) = wtmap(&["diff", "--help"], dir.path());
    assert_eq!(code, 0);
    assert!(out.contains("REV:path"), "{out}");
    // Other commands keep clap's 2.
    let (code, _, _) = wtmap(&["plan", &flex, "--frobnicate"], dir.path());
    assert_eq!(code, 2);
}

/// The records each person of a diff is, which must all differ: one record is one person.
fn records_once(d: &MapDiff) -> BTreeSet<usize> {
    let records: Vec<usize> = d.people.iter().filter_map(|p| p.record).collect();
    let unique: BTreeSet<usize> = records.iter().copied().collect();
    assert_eq!(unique.len(), records.len(), "a record is reported twice");
    unique
}

#[test]
fn a_changed_external_id_is_one_person_whose_external_id_changes() {
    let text = mapping_text("flex");
    let new = edit(
        &text,
        "  external_id = Id\n",
        "  external_id = concat(\"e\", Id)\n",
    );
    let d = diff_of("flex", "json", &text, &new);
    let records = flex_records();
    let synced = ids(flex_synced(&records));
    assert!(!synced.is_empty());
    // Every synced record is one person, named by its new ID, whose `external_id` changes
    // from the old ID to the new one; nobody appears or disappears for it.
    let moved: BTreeSet<(String, String, String)> = d
        .people
        .iter()
        .flat_map(|p| {
            p.changes
                .iter()
                .filter(|c| c.attribute == Some("external_id"))
                .map(|c| {
                    (
                        p.person.to_string(),
                        serde_json::to_value(&c.old)
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .to_string(),
                        serde_json::to_value(&c.new)
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .to_string(),
                    )
                })
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = synced
        .iter()
        .map(|id| (format!("e{id}"), id.clone(), format!("e{id}")))
        .collect();
    assert_eq!(moved, expected);
    assert!(
        with_kind(&d, ChangeKind::Status).is_empty(),
        "{:#?}",
        d.people
    );
    records_once(&d);
    for c in d.people.iter().flat_map(|p| &p.changes) {
        if c.attribute == Some("external_id") {
            assert_eq!(c.old_because.unwrap().statement(), "external_id = Id");
            assert_eq!(
                c.new_because.unwrap().statement(),
                "external_id = concat(\"e\", Id)"
            );
        }
    }
    assert_eq!(d.counts.attributes["external_id"].changed, synced.len());
    // The Winningtemp users the old IDs named are no record's now: people of their own, whom
    // the new version pauses, and the summary counts them.
    let paused: BTreeSet<String> = d
        .people
        .iter()
        .filter(|p| p.record.is_none())
        .map(|p| {
            assert_eq!(p.changes.len(), 1, "{p:#?}");
            assert_eq!(p.changes[0].kind, ChangeKind::Action);
            assert_eq!(serde_json::to_value(&p.changes[0].new).unwrap(), "pause");
            p.person.to_string()
        })
        .collect();
    let in_winningtemp: BTreeSet<String> = state("flex")
        .users
        .iter()
        .filter_map(|u| u.external_id.clone())
        .collect();
    assert!(!paused.is_empty());
    assert!(paused.is_subset(&in_winningtemp), "{paused:?}");
    assert_eq!(
        d.counts.becomes.get("paused").copied().unwrap_or(0),
        paused.len()
    );
    assert!(
        d.summary
            .ends_with(&format!("and pauses {} people", paused.len())),
        "{}",
        d.summary
    );
}

#[test]
fn a_record_one_version_quarantines_is_one_person_whose_status_changes() {
    let text = mapping_text("flex");
    // The new version computes no external ID for Malmö: those records are quarantined, and
    // their outcome carries no external ID to match them by.
    let new = edit(
        &text,
        "  external_id = Id\n",
        "  external_id = if Office == \"Malmö\" then \"\" else Id\n",
    );
    let d = diff_of("flex", "json", &text, &new);
    let records = flex_records();
    let expected = ids(flex_synced(&records)
        .into_iter()
        .filter(|r| text_field(r, "Office") == Some("Malmö")));
    assert!(!expected.is_empty());
    assert_eq!(with_kind(&d, ChangeKind::Status), expected);
    for p in &d.people {
        if expected.contains(p.person.as_ref()) {
            assert_eq!(p.changes.len(), 1, "{p:#?}");
            assert_eq!(
                serde_json::to_value(&p.changes[0].new).unwrap(),
                "quarantined"
            );
            assert!(p.record.is_some() && p.username.is_some(), "{p:#?}");
        } else {
            // Their managers manage other teams now; nothing else changes for anyone.
            assert!(
                p.changes.iter().all(|c| c.kind == ChangeKind::ManagedTeams),
                "{p:#?}"
            );
        }
    }
    records_once(&d);
}
