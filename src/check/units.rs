//! The org-unit statements: `unit fields { … }` (the fields of a unit record), `units { … }`
//! (how a unit record becomes a team of the tree) and `group = …` (the unit each person is a
//! member of). `group` and `group path` exclude each other (E0130); over SCIM a tree is an
//! error as `group path` is (E0111).

use super::env::FieldEnv;
use super::program::{CExpr, GroupRule, Program, UnitsRule};
use super::{Checker, Singletons};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{Expr, ExprKind, File, UnitsBlock};
use crate::value::Value;

/// The keys of `units { … }`, with whether each is required.
pub const UNIT_KEYS: &[(&str, bool)] = &[
    ("id", true),
    ("name", true),
    ("parent", false),
    ("manager", false),
    ("empty_units", false),
];

/// The values of `empty_units`.
const EMPTY_UNITS: &[&str] = &["keep", "prune"];

impl Checker<'_> {
    pub(crate) fn check_units(
        &mut self,
        _ast: &File,
        blocks: &Singletons,
        env: &mut FieldEnv,
        program: &mut Program,
    ) {
        if let Some(g) = blocks.group {
            let unit = self
                .text_exprs(env, std::slice::from_ref(&g.unit), "a unit ID")
                .remove(0);
            program.group = Some(GroupRule {
                unit,
                because: self.because(g.span),
            });
            if let Some(path) = blocks.group_path {
                self.report(
                    Diagnostic::new(
                        Code::GroupAndGroupPath,
                        g.span,
                        "`group` and `group path` both place people in teams",
                        "a person's org unit",
                    )
                    .with_label(path.span, "a team path built from the person's fields")
                    .with_help(
                        "keep `group = …` with `units { … }` when the HR system has org units with \
                         parent IDs (stable IDs, any depth); keep `group path` otherwise",
                    ),
                );
            }
            if blocks.units.is_none() {
                self.report(
                    Diagnostic::new(
                        Code::MissingStatement,
                        g.span,
                        "`group = …` names an org unit, but the mapping has no `units` statement",
                        "the unit of each person",
                    )
                    .with_help("add `units { id = …, name = …, parent = … }` to build the tree"),
                );
            }
        }
        let mut unit_env = FieldEnv::of(
            crate::connectors::unit_kind(&program.source.kind),
            "unit fields",
        );
        if let Some(fields) = blocks.unit_fields {
            self.declare_fields(&mut unit_env, fields);
        }
        if let Some(units) = blocks.units {
            program.units = self.units_block(units, &mut unit_env, program);
        }
        for (path, span) in unit_env.unused_declarations() {
            self.report(
                Diagnostic::new(
                    Code::UnusedField,
                    span,
                    format!("unit field `{path}` is declared but never used"),
                    "unused",
                )
                .with_help("remove the declaration, or use the field in `units { … }`"),
            );
        }
        if let Some(units) = &mut program.units {
            units.fields = unit_env.into_slots();
        }
    }

    fn units_block(
        &mut self,
        block: &UnitsBlock,
        env: &mut FieldEnv,
        program: &Program,
    ) -> Option<UnitsRule> {
        if program.target.kind == "winningtemp.scim" {
            self.report(
                Diagnostic::new(
                    Code::HierarchyNotSupported,
                    block.span,
                    "SCIM cannot carry a team hierarchy",
                    "a tree of org units, but SCIM groups have no parent",
                )
                .with_help("use `target winningtemp.files { … }`, which carries parent teams"),
            );
        }
        let mut id = None;
        let mut name = None;
        let mut parent = None;
        let mut manager = None;
        let mut prune_empty = false;
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for a in &block.assignments {
            let key = a.attribute.node.as_str();
            let Some(&(key, _)) = UNIT_KEYS.iter().find(|(k, _)| *k == key) else {
                let keys = UNIT_KEYS.iter().map(|(k, _)| *k);
                let d = Diagnostic::new(
                    Code::UnknownAttribute,
                    a.attribute.span,
                    format!("a unit has no `{key}`"),
                    "not a unit key",
                );
                let names: Vec<&str> = UNIT_KEYS.iter().map(|(k, _)| *k).collect();
                self.report(match did_you_mean(key, keys) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("a unit has {}", names.join(", "))),
                });
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                self.report(
                    Diagnostic::new(
                        Code::AttributeWrittenTwice,
                        a.span,
                        format!("`{key}` is written twice in `units`"),
                        "second write",
                    )
                    .with_label(*first, "first written here")
                    .with_help("keep one"),
                );
                continue;
            }
            seen.push((key, a.span));
            if key == "empty_units" {
                prune_empty = self.empty_units(&a.value);
                continue;
            }
            let what = match key {
                "id" => "a unit ID",
                "name" => "a team name",
                "parent" => "a parent unit ID",
                _ => "a manager's external ID",
            };
            let expr = self
                .text_exprs(env, std::slice::from_ref(&a.value), what)
                .remove(0);
            match key {
                "id" => id = Some(expr),
                "name" => name = Some(expr),
                "parent" => parent = Some(expr),
                _ => manager = Some(expr),
            }
        }
        for (key, required) in UNIT_KEYS {
            if *required && !seen.iter().any(|(k, _)| k == key) {
                self.report(
                    Diagnostic::new(
                        Code::MandatoryUnmapped,
                        Span::new(block.span.start, block.span.start + "units".len()),
                        format!("`units` has no `{key}`"),
                        "in this units block",
                    )
                    .with_help(format!(
                        "add `{key} = …`: every unit needs a stable ID and a name"
                    )),
                );
            }
        }
        Some(UnitsRule {
            fields: Vec::new(),
            id: id.unwrap_or(CExpr::Literal(Value::Empty)),
            name: name.unwrap_or(CExpr::Literal(Value::Empty)),
            parent,
            manager,
            prune_empty,
            because: self.because(block.span),
        })
    }

    /// `empty_units = keep | prune`: true for `prune`.
    fn empty_units(&mut self, value: &Expr) -> bool {
        let written = match &value.kind {
            ExprKind::Field(path) => path.dotted(),
            _ => self.file.slice(value.span).to_string(),
        };
        if !EMPTY_UNITS.contains(&written.as_str()) {
            let mut d = Diagnostic::new(
                Code::InvalidRule,
                value.span,
                format!("`{written}` is not an option of `empty_units`"),
                "one of keep, prune",
            );
            d = match did_you_mean(&written, EMPTY_UNITS.iter().copied()) {
                Some(o) => d.with_help(format!("did you mean `{o}`?")),
                None => d.with_help("write `keep` (the default) or `prune`"),
            };
            self.report(d);
        }
        written == "prune"
    }
}
