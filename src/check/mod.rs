//! Syntax tree → checked program. `check` never stops at the first problem: it reports every
//! diagnostic it can, gives failed sub-expressions the poison type so one mistake is reported
//! once, and returns a best-effort program the caller must not run when errors are present.

mod config;
pub use config::url_exposure;
mod env;
mod expr;
mod fill;
pub mod program;
mod repeats;
pub mod scope;
mod statements;
mod tests_block;
mod units;

pub use config::{MATCH_KEYS, RULES};
pub use program::Program;
pub use units::UNIT_KEYS;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Because;
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{File, Item};
use env::FieldEnv;

/// Parses and checks a mapping: the one entry point for `check`, `fmt --check`, `plan`.
pub fn check_source(file: &SourceFile) -> (Option<Program>, Diagnostics) {
    match crate::syntax::parse(file) {
        Err(diags) => (None, diags),
        Ok((ast, mut diags)) => {
            let (program, more) = check(&ast, file);
            diags.extend(more.0);
            diags.sort();
            let program = (!diags.has_errors()).then_some(program);
            (program, diags)
        }
    }
}

/// The `report to` recipients of a mapping that may not check: the people who must hear that
/// the nightly run stopped because the mapping has errors. Empty when the text does not parse;
/// only addresses that check (E0310) are returned.
pub fn report_recipients(file: &SourceFile) -> Vec<String> {
    let Ok((ast, _)) = crate::syntax::parse(file) else {
        return Vec::new();
    };
    ast.items
        .iter()
        .filter_map(|item| match item {
            Item::Report(r) => Some(r),
            _ => None,
        })
        .flat_map(|r| r.recipients.iter())
        .filter(|rcpt| config::is_email(&rcpt.node))
        .map(|rcpt| rcpt.node.clone())
        .collect()
}

/// Checks a lone expression that reads no fields (builtin examples, docs): the checked
/// expression, or the rendered diagnostics. The evaluator's `eval_expression` evaluates it.
pub fn check_expression(file: &SourceFile) -> Result<program::CExpr, String> {
    let describe = |diags: &Diagnostics| {
        diags
            .iter()
            .map(|d| format!("{}: {}", d.code.as_str(), d.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (expr, mut diags) = crate::syntax::parse_expression(file).map_err(|d| describe(&d))?;
    let mut cx = Checker {
        file,
        diags: Diagnostics::default(),
        suggested_attributes: Default::default(),
        scim_paths: None,
    };
    let mut env = FieldEnv::new("json");
    let (checked, _) = cx.expr(&mut env, &expr, None);
    diags.extend(cx.diags.0);
    if diags.has_errors() {
        return Err(describe(&diags));
    }
    Ok(checked)
}

/// A mapping's text checked, for tests: panics with the diagnostics when it has errors.
#[cfg(test)]
pub(crate) fn checked(text: String) -> Program {
    let file = SourceFile::new("t.wtmap", text);
    let (program, diags) = check_source(&file);
    program.unwrap_or_else(|| panic!("{diags:?}"))
}

/// Checks a parsed file.
pub fn check(ast: &File, file: &SourceFile) -> (Program, Diagnostics) {
    let mut cx = Checker {
        file,
        diags: Diagnostics::default(),
        suggested_attributes: Default::default(),
        scim_paths: None,
    };
    let program = cx.run(ast);
    (program, cx.diags)
}

/// State shared by the checking passes.
pub(crate) struct Checker<'a> {
    pub(crate) file: &'a SourceFile,
    pub(crate) diags: Diagnostics,
    /// Attributes offered as suggestions for unknown ones: not reported as unmapped too.
    pub(crate) suggested_attributes: std::collections::HashSet<&'static str>,
    /// SCIM paths of the mapping's SCIM target (`None` for other targets).
    pub(crate) scim_paths: Option<crate::schema::scim::AttributeMap>,
}

impl Checker<'_> {
    pub(crate) fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The `because` of a statement: its one-line form, shortened, and its line number. A
    /// statement written over several lines (`group path = [` … `]`) is joined into one; a
    /// block's body (a line ending in `{`) is summarised as `{ … }`.
    pub(crate) fn because(&self, span: Span) -> Because {
        let text = self.file.slice(span);
        // Alignment padding and trailing comments are layout, not meaning:
        // `manager     = Boss   # HR` reads `manager = Boss`.
        let code = |line: &'_ str| -> String {
            let code = crate::syntax::errors::comment_start(line).map_or(line, |i| &line[..i]);
            code.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let first = code(text.lines().next().unwrap_or(""));
        let multi_line = text.lines().nth(1).is_some();
        let joined = if multi_line && !first.ends_with('{') {
            let all: Vec<String> = text.lines().map(code).filter(|l| !l.is_empty()).collect();
            all.join(" ")
                .replace("[ ", "[")
                .replace("( ", "(")
                .replace(", ]", "]")
                .replace(",]", "]")
                .replace(" ]", "]")
                .replace(" )", ")")
        } else {
            first.clone()
        };
        let statement = if joined.chars().count() > 80 {
            let cut: String = joined.chars().take(77).collect();
            format!("{cut}…")
        } else if multi_line && first.ends_with('{') {
            format!("{} … }}", first)
        } else {
            joined
        };
        Because::new(statement, self.file.line_col(span.start).0)
    }

    fn run(&mut self, ast: &File) -> Program {
        let blocks = self.collect_singletons(ast);
        let source = self.check_source_block(blocks.source);
        let target = self.check_target_block(blocks.target, &blocks);
        let mut env = FieldEnv::new(source.kind.as_str());
        if let Some(fields) = blocks.fields {
            self.declare_fields(&mut env, fields);
        }
        env.narrow_from_skips(ast);
        let mut program = Program {
            source,
            target,
            fields: Vec::new(),
            match_keys: self.check_match(blocks.match_stmt),
            match_line: blocks
                .match_stmt
                .map_or(0, |m| self.file.line_col(m.span.start).0),
            attributes: Vec::new(),
            conditions: Vec::new(),
            group_path: None,
            units: None,
            group: None,
            segments: Vec::new(),
            rules: crate::model::Rules::default(),
            rules_because: Because::new("rules (defaults)", 0),
            guards: Vec::new(),
            fill_guards: Vec::new(),
            schedule: program::Schedule::Daily {
                hour: 1,
                minute: 0,
                zone: chrono_tz::Europe::Stockholm,
            },
            report_to: Vec::new(),
            tests: Vec::new(),
            mapped_attributes: Default::default(),
            attribute_slots: Default::default(),
        };
        self.check_statements(ast, &mut env, &mut program);
        self.check_units(ast, &blocks, &mut env, &mut program);
        self.warn_repeated_statements(ast);
        program.attribute_slots =
            program::AttributeSlots::of(&program.attributes, &program.conditions);
        self.check_mandatory(ast, &program);
        for unused in env.unused_declarations() {
            self.report(
                Diagnostic::new(
                    Code::UnusedField,
                    unused.1,
                    format!("field `{}` is declared but never used", unused.0),
                    "unused",
                )
                .with_help("remove the declaration, or map the field"),
            );
        }
        program.fields = env.into_slots();
        program
    }
}

/// Statements that may appear at most once, found in one pass.
#[derive(Default)]
pub(crate) struct Singletons<'a> {
    pub(crate) source: Option<&'a crate::syntax::ast::SourceBlock>,
    pub(crate) target: Option<&'a crate::syntax::ast::TargetBlock>,
    pub(crate) fields: Option<&'a crate::syntax::ast::FieldsBlock>,
    pub(crate) match_stmt: Option<&'a crate::syntax::ast::MatchStmt>,
    pub(crate) user: Option<&'a crate::syntax::ast::UserBlock>,
    pub(crate) group_path: Option<&'a crate::syntax::ast::GroupPathStmt>,
    pub(crate) unit_fields: Option<&'a crate::syntax::ast::FieldsBlock>,
    pub(crate) units: Option<&'a crate::syntax::ast::UnitsBlock>,
    pub(crate) group: Option<&'a crate::syntax::ast::GroupStmt>,
}

impl Checker<'_> {
    fn collect_singletons<'a>(&mut self, ast: &'a File) -> Singletons<'a> {
        let mut s = Singletons::default();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for item in &ast.items {
            let name = match item {
                Item::Source(b) => {
                    s.source.get_or_insert(b);
                    "source"
                }
                Item::Target(b) => {
                    s.target.get_or_insert(b);
                    "target"
                }
                Item::Fields(b) => {
                    s.fields.get_or_insert(b);
                    "fields"
                }
                Item::Match(b) => {
                    s.match_stmt.get_or_insert(b);
                    "match by"
                }
                Item::User(b) => {
                    s.user.get_or_insert(b);
                    "user"
                }
                Item::GroupPath(b) => {
                    s.group_path.get_or_insert(b);
                    "group path"
                }
                Item::UnitFields(b) => {
                    s.unit_fields.get_or_insert(b);
                    "unit fields"
                }
                Item::Units(b) => {
                    s.units.get_or_insert(b);
                    "units"
                }
                Item::Group(b) => {
                    s.group.get_or_insert(b);
                    "group"
                }
                Item::Rules(_) => "rules",
                Item::Schedule(_) => "schedule",
                Item::Report(_) => "report to",
                _ => continue,
            };
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateStatement,
                        item.span(),
                        format!("`{name}` appears more than once"),
                        "second one",
                    )
                    .with_label(*first, "first one here")
                    .with_help(format!("a mapping has one `{name}`; merge the two")),
                );
            } else {
                seen.push((name, item.span()));
            }
        }
        let file_start = Span::new(0, 0);
        for (present, name, example) in [
            (
                s.source.is_some(),
                "source",
                "source csv { path = \"people.csv\" }",
            ),
            (
                s.target.is_some(),
                "target",
                "target winningtemp.scim { token = env(\"WT_SCIM_TOKEN\") }",
            ),
            (s.user.is_some(), "user", "user { external_id = … }"),
        ] {
            if !present {
                self.report(
                    Diagnostic::new(
                        Code::MissingStatement,
                        file_start,
                        format!("the mapping has no `{name}` statement"),
                        "",
                    )
                    .with_help(format!("add one, e.g. `{example}`")),
                );
            }
        }
        s
    }
}
