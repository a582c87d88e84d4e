//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a subset")]

use std::path::Path;
use wtmap::source::{SourceFile, Span};
use wtmap::syntax::ast::*;

/// Reads a mapping, named relative to the repository so snapshots do not depend on the machine.
pub fn read_mapping(path: &Path) -> SourceFile {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    SourceFile::new(name, std::fs::read_to_string(path).unwrap())
}

/// The machine-readable header of an example: `# expect = "error"`, `# codes = ["E0101"]`,
/// `# records = "file.csv"`, `# state = "file.state.json"` (what Winningtemp holds; empty when
/// absent).
#[derive(Debug, Default)]
pub struct Header {
    pub expect: String,
    pub codes: Vec<String>,
    pub records: Option<String>,
    pub state: Option<String>,
}

impl Header {
    pub fn of(text: &str) -> Header {
        let mut h = Header::default();
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            let Some((key, value)) = line.trim_start_matches('#').split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "expect" => h.expect = value.trim_matches('"').to_string(),
                "records" => h.records = Some(value.trim_matches('"').to_string()),
                "state" => h.state = Some(value.trim_matches('"').to_string()),
                "codes" => {
                    h.codes = value
                        .trim_matches(['[', ']'])
                        .split(',')
                        .map(|c| c.trim().trim_matches('"').to_string())
                        .filter(|c| !c.is_empty())
                        .collect()
                }
                _ => {}
            }
        }
        h
    }
}

/// Spans increase, stay inside the source, and enclose their children (Ruff's `validate_ast`).
pub fn span_invariants(file: &SourceFile) {
    let (ast, _) = wtmap::syntax::parse(file).unwrap_or_else(|d| panic!("{}: {d:?}", file.name));
    let len = file.text.len();
    let mut last_end = 0;
    for item in &ast.items {
        let span = item.span();
        assert!(
            span.start >= last_end && span.end <= len && span.start <= span.end,
            "{}: item span {span:?}",
            file.name
        );
        last_end = span.end;
        for e in item_exprs(item) {
            expr_within(e, span, &file.name);
        }
    }
    for c in &ast.comments {
        assert!(
            c.span.end <= len && file.text[c.span.start..c.span.end].starts_with('#'),
            "{}: comment {c:?}",
            file.name
        );
    }
}

fn item_exprs(item: &Item) -> Vec<&Expr> {
    match item {
        Item::User(u) => u.assignments.iter().map(|a| &a.value).collect(),
        Item::Condition(c) => vec![&c.condition],
        Item::Segment(s) => vec![&s.value],
        Item::GroupPath(g) => g.levels.iter().chain(g.ids.iter().flatten()).collect(),
        Item::ValueMap(m) => m.arms.iter().map(|a| &a.result).collect(),
        Item::Test(t) => t.given.iter().chain(&t.expect).map(|e| &e.value).collect(),
        Item::Source(s) => setting_exprs(&s.settings),
        Item::Target(t) => setting_exprs(&t.settings),
        Item::Rules(r) => setting_exprs(&r.settings),
        _ => vec![],
    }
}

fn setting_exprs(settings: &[Setting]) -> Vec<&Expr> {
    settings
        .iter()
        .flat_map(|s| match &s.value {
            SettingValue::Expr(e) => vec![e],
            SettingValue::Block(inner) => setting_exprs(inner),
        })
        .collect()
}

fn expr_within(e: &Expr, parent: Span, name: &str) {
    assert!(
        e.span.start >= parent.start && e.span.end <= parent.end,
        "{name}: {:?} outside {parent:?}",
        e.span
    );
    for c in e.children() {
        expr_within(c, e.span, name);
    }
}

/// Runs the `wtmap` binary with `args` from the repository's root, as a person at a terminal
/// would (colour allowed, no stage timings).
pub fn wtmap(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("WTMAP_TIMINGS")
        .output()
        .expect("runs")
}

/// The exit code of a finished `wtmap` (a signal is a failed test).
pub fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exit code")
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
