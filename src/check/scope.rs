//! Secret scopes (issue 21, item 16): in a folder that `serve` runs, a mapping may read only
//! its own secrets (`NAME.env`, `NAME.secrets/`) and the allow-listed shared names. When the
//! scope is known, an `env("…")` outside it is an error here, at check time, and `serve`
//! refuses the run too.

use super::program::{ConfigValue, Program};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::env::SecretScope;
use crate::source::{SourceFile, Span};
use std::collections::BTreeSet;

/// Every `env("NAME")` of a checked mapping's source and target settings, in order, once.
pub fn env_names(program: &Program) -> Vec<String> {
    fn walk(value: &ConfigValue, out: &mut Vec<String>) {
        match value {
            ConfigValue::Env(name) if !out.contains(name) => out.push(name.clone()),
            ConfigValue::Block(entries) => entries.iter().for_each(|(_, v)| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, v) in program
        .source
        .settings
        .iter()
        .chain(&program.target.settings)
    {
        walk(v, &mut out);
    }
    out
}

/// Every secret setting of a checked mapping's source and target that reads `env("NAME")`,
/// as (setting key, as in `sftp.key`; NAME), in order.
pub fn secret_env_settings(program: &Program) -> Vec<(String, String)> {
    use crate::schema::settings::{SettingDef, SettingType, find};
    fn walk(
        defs: &[SettingDef],
        settings: &[(String, ConfigValue)],
        prefix: &str,
        out: &mut Vec<(String, String)>,
    ) {
        for (key, value) in settings {
            let Some(def) = find(defs, key) else { continue };
            match (value, &def.ty) {
                (ConfigValue::Env(name), _) if def.secret => {
                    out.push((format!("{prefix}{key}"), name.clone()));
                }
                (ConfigValue::Block(entries), SettingType::Block(inner)) => {
                    walk(inner, entries, &format!("{prefix}{key}."), out);
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(kind) = crate::connectors::source_kind(&program.source.kind) {
        walk(kind.settings, &program.source.settings, "", &mut out);
    }
    if let Some(kind) = crate::schema::target::target_kind(&program.target.kind) {
        walk(kind.settings, &program.target.settings, "", &mut out);
    }
    out
}

/// An E0316 for each secret setting whose value in `scope` is too short to redact
/// ([`crate::env::MIN_SECRET_CHARS`]).
fn check_secret_lengths(program: &Program, file: &SourceFile, scope: &SecretScope) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for (setting, name) in secret_env_settings(program) {
        let Some(problem) = scope
            .value(&name)
            .and_then(|value| crate::env::short_secret(&name, value))
        else {
            continue;
        };
        let problem = format!("`{setting}` {problem}");
        let span = find_env_call(&file.text, &name).unwrap_or(Span::new(0, 0));
        let from = scope.describe();
        diags.push(
            Diagnostic::new(Code::SecretTooShort, span, problem, "secret too short").with_help(
                format!("{}, in {from}", crate::env::short_secret_help(&name)),
            ),
        );
    }
    diags
}

/// The names a mapping reads that are neither in `scope` nor in `allowed`.
pub fn out_of_scope(
    program: &Program,
    scope: &SecretScope,
    allowed: &BTreeSet<String>,
) -> Vec<String> {
    env_names(program)
        .into_iter()
        .filter(|n| !scope.contains(n) && !allowed.contains(n))
        .collect()
}

/// An E0316 for each secret in the scope too short to redact, and an E0315 for each
/// `env("NAME")` outside the scope; `owners` names, for a variable, the
/// other mappings whose scope holds it.
pub fn check_scope(
    program: &Program,
    file: &SourceFile,
    scope: &SecretScope,
    allowed: &BTreeSet<String>,
    owners: &dyn Fn(&str) -> Vec<String>,
) -> Diagnostics {
    let mut diags = check_secret_lengths(program, file, scope);
    for name in out_of_scope(program, scope, allowed) {
        let span = find_env_call(&file.text, &name).unwrap_or(Span::new(0, 0));
        let theirs = owners(&name);
        let whose = match theirs.as_slice() {
            [] => String::new(),
            list => format!(" (it is a secret of `{}`)", list.join("`, `")),
        };
        let from = match scope.describe() {
            d if d.is_empty() => "its own scope".to_string(),
            d => d,
        };
        diags.push(
            Diagnostic::new(
                Code::SecretOutOfScope,
                span,
                format!("`{name}` is not in this mapping's secret scope{whose}"),
                "outside this mapping's secrets",
            )
            .with_help(format!(
                "a served mapping reads only its own secrets ({from}) and the shared names \
                 (WTMAP_SMTP_*, and those listed in WTMAP_SHARED_ENV): add `{name}` to its \
                 scope"
            )),
        );
    }
    diags
}

/// The span of the first `env("NAME")` in `text` outside a comment.
fn find_env_call(text: &str, name: &str) -> Option<Span> {
    let needle = format!("env(\"{name}\")");
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or(line);
        if let Some(i) = code.find(&needle) {
            return Some(Span::new(offset + i, offset + i + needle.len()));
        }
        offset += line.len();
    }
    None
}
