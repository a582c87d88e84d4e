//! Runs a mapping's `test` blocks: the `given` record goes through the mapping and every
//! `expect` entry is compared with what came out. Used by `wtmap test` and by the project's own
//! example suite, so users' tests and ours run on one implementation.

use crate::builtins::Context;
use crate::check::Program;
use crate::check::program::TestCase;
use crate::eval::{Outcome, trace_record};
use crate::model::{AttrRef, UserStatus};
use crate::records::{Origin, Record};
use crate::value::Value;
use serde_json::{Map, Value as Json};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Line of the expectation.
    pub line: usize,
    /// What was expected (`gender`).
    pub key: String,
    /// Expected value as written.
    pub expected: String,
    /// What the mapping produced.
    pub actual: String,
}

/// The result of one test block.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// Test name.
    pub name: String,
    /// Line of the block.
    pub line: usize,
    /// Failed expectations; empty = passed.
    pub failures: Vec<Failure>,
    /// How the record ended, in words (for failure output).
    pub outcome: String,
}

impl TestResult {
    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every test of a checked program.
pub fn run_tests(program: &Program, ctx: &Context) -> Vec<TestResult> {
    program
        .tests
        .iter()
        .map(|t| run_test(program, t, ctx))
        .collect()
}

/// Builds the record a test gives: dotted keys become nested objects.
pub fn given_record(test: &TestCase) -> Record {
    let mut fields = Map::new();
    for (path, value) in &test.given {
        insert_path(&mut fields, path, to_json(value));
    }
    Record {
        fields,
        origin: Origin {
            index: 0,
            line: Some(test.line),
        },
    }
}

fn insert_path(map: &mut Map<String, Json>, path: &[String], value: Json) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert(first.clone(), value);
        return;
    }
    let entry = map
        .entry(first.clone())
        .or_insert_with(|| Json::Object(Map::new()));
    if !entry.is_object() {
        *entry = Json::Object(Map::new());
    }
    if let Json::Object(inner) = entry {
        insert_path(inner, rest, value);
    }
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Empty => Json::Null,
        Value::Int(i) => Json::from(*i),
        Value::Bool(b) => Json::Bool(*b),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        other => Json::String(other.to_text()),
    }
}

fn run_test(program: &Program, test: &TestCase, ctx: &Context) -> TestResult {
    let record = given_record(test);
    let (outcome, _) = trace_record(program, &record, ctx);
    let described = describe(&outcome);
    let mut failures = Vec::new();
    for (key, expected, line) in &test.expect {
        let actual = actual_value(&outcome, key);
        if !matches(key, expected, &actual) {
            let quote = matches!(expected, Value::Text(_));
            failures.push(Failure {
                line: *line,
                key: key
                    .strip_prefix("segment:")
                    .map_or(key.clone(), |c| format!("segment \"{c}\"")),
                expected: shown(expected),
                actual: match actual {
                    Some(a) if quote => format!("{a:?}"),
                    Some(a) => a,
                    None => format!("nothing ({described})"),
                },
            });
        }
    }
    TestResult {
        name: test.name.clone(),
        line: test.line,
        failures,
        outcome: described,
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::User(_) => "mapped to a user".into(),
        Outcome::Skipped(skip) => format!(
            "skipped by `{}` at line {}",
            skip.because.statement(),
            skip.because.line()
        ),
        Outcome::Quarantined(q) => {
            format!(
                "quarantined with {}: {} (`{}`, line {})",
                q.code.as_str(),
                q.reason,
                q.because.statement(),
                q.because.line()
            )
        }
    }
}

/// What the mapping produced for an expectation key, as text.
fn actual_value(outcome: &Outcome, key: &str) -> Option<String> {
    match (key, outcome) {
        ("skipped", _) => Some(matches!(outcome, Outcome::Skipped(_)).to_string()),
        ("quarantined", Outcome::Quarantined(q)) => Some(q.code.as_str().to_string()),
        ("quarantined", _) => Some("false".into()),
        (_, Outcome::User(u)) => match key {
            "external_id" => Some(u.external_id.clone()),
            "status" => Some(match u.status {
                UserStatus::Active => "Active".into(),
                UserStatus::Paused => "Paused".into(),
            }),
            "manager" => u.manager.clone(),
            "group" => match &u.unit {
                Some(unit) => Some(unit.clone()),
                None => (!u.team_path.is_empty()).then(|| u.team_path.names().join("/")),
            },
            "exclude_from_surveys" => Some(match u.attributes.get(key) {
                Some(AttrRef::Bool(b)) => b.to_string(),
                _ => "false".into(),
            }),
            _ => match key.strip_prefix("segment:") {
                Some(category) => u
                    .segments
                    .iter()
                    .find(|(c, _)| c == category)
                    .map(|(_, n)| n.clone()),
                None => u.attributes.get(key).map(|v| v.to_string()),
            },
        },
        _ => None,
    }
}

fn matches(key: &str, expected: &Value, actual: &Option<String>) -> bool {
    match (key, expected, actual) {
        // `quarantined = true` accepts any code; `quarantined = "E0401"` a specific one.
        ("quarantined", Value::Bool(true), Some(a)) => a != "false",
        (_, Value::Text(t), None) => t.is_empty(),
        (_, e, Some(a)) => &e.to_text() == a,
        _ => false,
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Text(t) => format!("{t:?}"),
        other => other.to_text(),
    }
}
