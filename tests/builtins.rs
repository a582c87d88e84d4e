//! Every builtin's documented examples run through parse → check → eval, and the builtins table
//! in docs/language.md is generated from the registry (refresh with `UPDATE_DOCS=1 cargo test`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use wtmap::builtins::{BUILTINS, Context};
use wtmap::eval::eval_expression;
use wtmap::eval::expr::equal;
use wtmap::source::SourceFile;

#[test]
fn every_builtin_example_evaluates_to_its_documented_result() {
    let ctx = Context::for_examples();
    let mut failures = Vec::new();
    let mut ran = 0;
    for b in BUILTINS {
        if b.config_only {
            continue;
        }
        for ex in b.examples {
            ran += 1;
            let got = eval_expression(&SourceFile::new("example", ex.call), &ctx);
            let want = eval_expression(&SourceFile::new("result", ex.result), &ctx);
            match (&got, &want) {
                (Ok(g), Ok(w)) if equal(g, w) => {}
                _ => failures.push(format!(
                    "{}: {} → {:?}, documented {} ({:?})",
                    b.name, ex.call, got, ex.result, want
                )),
            }
        }
    }
    assert!(ran >= BUILTINS.len(), "every builtin has an example");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn docs_builtins_table_matches_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md");
    let text = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- builtins:start -->\n", "<!-- builtins:end -->");
    let a = text.find(start).expect("start marker") + start.len();
    let b = text.find(end).expect("end marker");
    let table = wtmap::builtins::render_markdown_table();
    if text[a..b] != table {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, format!("{}{}{}", &text[..a], table, &text[b..])).unwrap();
        } else {
            panic!(
                "docs/language.md's builtins table is stale: run `UPDATE_DOCS=1 cargo test --test builtins`"
            );
        }
    }
}
