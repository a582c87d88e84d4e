//! `wtmap test PATH…`: runs the `test` blocks of mappings, reporting like `cargo test`.

use super::files::{discover, read_source};
use super::load::parse_date;
use super::{ColorChoice, exit};
use crate::builtins::Context;
use crate::check::check_source;
use crate::testing::run_tests;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Mapping files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
}

/// Runs `test`.
pub fn run(args: TestArgs, color: ColorChoice) -> u8 {
    let paths = match discover(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    let mut failures = String::new();
    for path in &paths {
        let file = match read_source(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        let (program, diags) = check_source(&file);
        let Some(program) = program else {
            super::load::print_diagnostics(&diags, &file, color.stderr());
            broken += 1;
            continue;
        };
        if program.tests.is_empty() {
            continue;
        }
        let today = args
            .today
            .unwrap_or_else(|| crate::sync::today_in(&program));
        let results = run_tests(&program, &Context { today });
        println!(
            "\nrunning {} test{} in {}",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            file.name
        );
        for r in &results {
            if r.passed() {
                passed += 1;
                println!("test {} ... ok", r.name);
            } else {
                failed += 1;
                println!("test {} ... FAILED", r.name);
                failures.push_str(&format!(
                    "\n---- {} ({}:{}) ----\n",
                    r.name, file.name, r.line
                ));
                for f in &r.failures {
                    failures.push_str(&format!(
                        "  line {}: {}\n    expected: {}\n      actual: {}\n",
                        f.line, f.key, f.expected, f.actual
                    ));
                }
                failures.push_str(&format!("  (the record was {})\n", r.outcome));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:\n{failures}");
    }
    let status = if failed == 0 && broken == 0 {
        "ok"
    } else {
        "FAILED"
    };
    let broken_note = if broken > 0 {
        format!("; {broken} mapping(s) did not check")
    } else {
        String::new()
    };
    println!("\ntest result: {status}. {passed} passed; {failed} failed{broken_note}");
    if failed > 0 || broken > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}
