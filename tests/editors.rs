//! The editor package in editors/vscode stays in step with the language: its files are valid
//! JSON, the TextMate grammar names every keyword of grammar/wtmap.pest, every builtin of the
//! registry and every enum value, and the client starts `wtmap lsp`.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use wtmap::builtins::BUILTINS;
use wtmap::types::EnumType;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The words of an alternation `\b(?:a|b|c)\b` / `\b(a|b)\s*…`.
fn alternatives(pattern: &str) -> Vec<String> {
    let start = pattern.find('(').unwrap() + 1;
    let start = if pattern[start..].starts_with("?:") {
        start + 2
    } else {
        start
    };
    let end = start + pattern[start..].find(')').unwrap();
    pattern[start..end].split('|').map(str::to_string).collect()
}

#[test]
fn package_files_are_valid_and_start_the_server() {
    let package = json("editors/vscode/package.json");
    assert_eq!(
        package["contributes"]["languages"][0]["extensions"][0],
        ".wtmap"
    );
    assert_eq!(package["main"], "./extension.js");
    json("editors/vscode/language-configuration.json");
    let extension = read("editors/vscode/extension.js");
    assert!(extension.contains("args: [\"lsp\"]"), "{extension}");
}

#[test]
fn grammar_knows_every_keyword_builtin_and_enum_value() {
    let g = json("editors/vscode/syntaxes/wtmap.tmLanguage.json");
    assert_eq!(g["scopeName"], "source.wtmap");
    let repo = &g["repository"];
    let keywords: Vec<String> = repo["keyword"]["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| alternatives(p["match"].as_str().unwrap()))
        .chain(["true", "false", "today"].map(String::from))
        .collect();
    let pest = read("grammar/wtmap.pest");
    let mut n = 0;
    for line in pest.lines().filter(|l| l.starts_with("kw_")) {
        let kw = line.split('"').nth(1).unwrap();
        assert!(
            keywords.iter().any(|k| k == kw),
            "keyword `{kw}` is not highlighted"
        );
        n += 1;
    }
    assert!(n > 30, "{n}");
    let builtins = alternatives(repo["builtin"]["match"].as_str().unwrap());
    let registry: Vec<String> = BUILTINS.iter().map(|b| b.name.to_string()).collect();
    assert_eq!(
        builtins, registry,
        "the grammar's builtins are the registry's"
    );
    let values = alternatives(repo["enum-value"]["match"].as_str().unwrap());
    let all: Vec<String> = [EnumType::Gender, EnumType::Status, EnumType::Role]
        .iter()
        .flat_map(|e| e.variants().iter().map(|v| v.to_string()))
        .collect();
    assert_eq!(values, all);
}
