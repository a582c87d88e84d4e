//! The example mappings are the documentation, so they are tests: every file in `mappings/`
//! checks cleanly, its tests pass and its plan is snapshotted; every file in `mappings/errors/`
//! produces exactly the codes its header names, with its rendering snapshotted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use common::{Header, read_mapping, span_invariants};
use std::path::{Path, PathBuf};
use wtmap::builtins::Context;
use wtmap::check::check_source;
use wtmap::diagnostics::render::{self, HumanStyle};
use wtmap::testing::run_tests;

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wtmap"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no mappings under {dir}");
    out
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

#[test]
fn example_mappings_check_cleanly_and_their_tests_pass() {
    for path in files("mappings") {
        let file = read_mapping(&path);
        span_invariants(&file);
        let (program, diags) = check_source(&file);
        let rendered: String = diags
            .iter()
            .map(|d| render::human(d, &file, HumanStyle::PLAIN))
            .collect();
        assert!(diags.is_empty(), "{} is not clean:\n{rendered}", file.name);
        let program = program.unwrap();
        assert!(
            !program.tests.is_empty(),
            "{} has no test blocks",
            file.name
        );
        for r in run_tests(&program, &Context { today: today() }) {
            assert!(
                r.passed(),
                "{}: test `{}` failed: {:?} ({})",
                file.name,
                r.name,
                r.failures,
                r.outcome
            );
        }
    }
}

#[test]
fn every_error_example_yields_exactly_its_codes() {
    let mut seen_codes = std::collections::BTreeSet::new();
    for path in files("mappings/errors") {
        let file = read_mapping(&path);
        let header = Header::of(&file.text);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            stem.starts_with(&header.codes[0]),
            "{stem}: file name and header code differ"
        );
        seen_codes.extend(header.codes.iter().cloned());
        let (program, mut diags) = check_source(&file);
        // As `wtmap check` does: a secret scope beside the example (E0315) is checked too.
        if let (Some(p), Some(scope)) = (
            &program,
            wtmap::env::SecretScope::of_mapping(&path).unwrap(),
        ) {
            let allowed = wtmap::env::ALWAYS_SHARED
                .iter()
                .map(|s| s.to_string())
                .collect();
            let scoped =
                wtmap::check::scope::check_scope(p, &file, &scope, &allowed, &|_| Vec::new());
            diags.0.extend(scoped.0);
        }
        match header.expect.as_str() {
            "error" | "warning" if header.records.is_none() => {
                let codes: Vec<String> =
                    diags.iter().map(|d| d.code.as_str().to_string()).collect();
                let mut unique = codes.clone();
                unique.dedup();
                assert_eq!(unique, header.codes, "{stem}: codes differ");
                let human: String = diags
                    .iter()
                    .map(|d| render::human(d, &file, HumanStyle::PLAIN))
                    .collect();
                let json: Vec<_> = diags.iter().map(|d| render::json(d, &file)).collect();
                insta::assert_snapshot!(format!("error_{stem}_human"), human);
                insta::assert_json_snapshot!(format!("error_{stem}_json"), json);
            }
            "quarantine" if header.records.is_none() => {
                assert!(diags.is_empty(), "{stem}: {diags:?}");
                let program = program.unwrap();
                let results = run_tests(&program, &Context { today: today() });
                assert!(!results.is_empty(), "{stem}: needs a test block");
                for r in &results {
                    assert!(r.passed(), "{stem}: {:?} ({})", r.failures, r.outcome);
                }
                let expected = format!("quarantined = \"{}\"", header.codes[0]);
                assert!(
                    file.text.contains(&expected),
                    "{stem}: the test must expect {expected}"
                );
            }
            "test-failure" => {
                let program = program.unwrap();
                let results = run_tests(&program, &Context { today: today() });
                let failures: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
                assert!(!failures.is_empty(), "{stem}: a test must fail");
                insta::assert_debug_snapshot!(format!("error_{stem}_failures"), failures);
            }
            _ => {
                let records = header.records.clone().unwrap_or_default();
                assert!(diags.is_empty(), "{stem}: {diags:?}");
                let program = program.unwrap();
                let records =
                    wtmap::sync::read_records(&program, &path.with_file_name(&records)).unwrap();
                let current = match &header.state {
                    Some(state) => wtmap::state::read_state(&path.with_file_name(state)).unwrap(),
                    None => wtmap::model::CurrentState::empty(),
                };
                let mut desired = wtmap::sync::desire(&program, &records, today());
                // Org units (`units = "…"` in the source) are placed as `plan` does; units
                // that form no tree stop the plan with one error.
                let placed = wtmap::units::load_and_place(
                    &program,
                    &path,
                    None,
                    None,
                    today(),
                    &mut desired,
                );
                if let Err(e) = placed {
                    let message = e.to_string();
                    let code = message.split(':').next().unwrap_or_default().to_string();
                    assert_eq!(vec![code], header.codes, "{stem}: {message}");
                    insta::assert_snapshot!(format!("error_{stem}_units"), message);
                    continue;
                }
                if header.expect == "library" {
                    // What no mapping produces: a library caller's desired state that keeps
                    // its people's memberships but drops their teams.
                    assert!(!desired.teams.is_empty(), "{stem}: needs a team to drop");
                    desired.teams.clear();
                }
                let plan = wtmap::sync::plan_desired(
                    &file.name,
                    &program,
                    &desired,
                    &current,
                    Default::default(),
                );
                let mut codes: Vec<String> = plan
                    .quarantined
                    .iter()
                    .map(|q| q.code.clone())
                    .chain(plan.warnings.iter().map(|w| w.code.clone()))
                    .collect();
                codes.sort();
                codes.dedup();
                assert_eq!(codes, header.codes, "{stem}: plan codes differ");
                insta::assert_snapshot!(
                    format!("error_{stem}_plan"),
                    wtmap::plan::render_human(&plan, false)
                );
            }
        }
    }
    let registry: std::collections::BTreeSet<String> = wtmap::diagnostics::Code::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let missing: Vec<_> = registry.difference(&seen_codes).collect();
    assert!(
        missing.is_empty(),
        "codes without an example in mappings/errors: {missing:?}"
    );
}

#[test]
fn explain_text_of_every_code_is_its_example() {
    for code in wtmap::diagnostics::Code::ALL {
        let on_disk = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(code.example_path()),
        )
        .unwrap();
        assert_eq!(code.example(), on_disk, "{}", code.as_str());
        assert!(
            on_disk.starts_with(&format!("# {}:", code.as_str())),
            "{} example must start with its code",
            code.as_str()
        );
    }
}

#[test]
fn every_code_is_in_the_diagnostics_reference() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"))
            .unwrap();
    let missing: Vec<&str> = wtmap::diagnostics::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !doc.contains(&format!("| {c} |")))
        .collect();
    assert!(missing.is_empty(), "docs/diagnostics.md lacks {missing:?}");
}
