//! Checking `test` blocks: `given` names fields with literal values, `expect` names attributes
//! (or `group`, `skipped`, `segment "Category"`) with literal values of the right type.

use super::Checker;
use super::env::FieldEnv;
use super::program::{CExpr, Program, TestCase};
use crate::diagnostics::{Code, Diagnostic};
use crate::schema::target;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{TestBlock, TestKey};
use crate::types::Type;
use crate::value::Value;

/// Keys `expect` accepts besides attribute names.
pub const EXPECT_KEYS: &[&str] = &["group", "skipped", "quarantined"];

impl Checker<'_> {
    pub(crate) fn check_test(&mut self, t: &TestBlock, env: &mut FieldEnv, program: &mut Program) {
        let line = self.file.line_col(t.span.start).0;
        let mut case = TestCase {
            name: t.name.node.clone(),
            line,
            given: Vec::new(),
            expect: Vec::new(),
        };
        for entry in &t.given {
            let TestKey::Path(path) = &entry.key else {
                self.report(
                    Diagnostic::new(
                        Code::InvalidTestKey,
                        entry.span,
                        "`given` lists record fields",
                        "not a field",
                    )
                    .with_help("segments belong in `expect`"),
                );
                continue;
            };
            let dotted = path.dotted();
            // Given values are raw record data: the field's declared type is applied when read.
            if env.resolve(&dotted).is_none() {
                self.unknown_field(env, &dotted, path.span);
                continue;
            }
            match self.literal_value(env, &entry.value, None) {
                Some(v) => case.given.push((
                    path.segments.iter().map(|s| s.name.node.clone()).collect(),
                    v,
                )),
                None => continue,
            }
        }
        for entry in &t.expect {
            let entry_line = self.file.line_col(entry.span.start).0;
            let (key, expected_ty) = match &entry.key {
                TestKey::Segment(cat) => (format!("segment:{}", cat.node), Some(Type::Text)),
                TestKey::Path(path) => {
                    let key = path.dotted();
                    match key.as_str() {
                        "group" => (key, Some(Type::Text)),
                        "skipped" => (key, Some(Type::Bool)),
                        "quarantined" => (key, None),
                        _ => match target::attribute(&key) {
                            Some(def) => (key, Some(def.ty.base().clone())),
                            None => {
                                let names = target::attributes()
                                    .iter()
                                    .map(|a| a.name)
                                    .chain(EXPECT_KEYS.iter().copied());
                                let mut d = Diagnostic::new(
                                    Code::InvalidTestKey,
                                    path.span,
                                    format!("a test cannot expect `{key}`"),
                                    "not checkable",
                                );
                                d = match did_you_mean(&key, names) {
                                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                    None => d.with_help("expect attributes, `group`, `skipped`, `quarantined` or `segment \"Category\"`"),
                                };
                                self.report(d);
                                continue;
                            }
                        },
                    }
                }
            };
            if let Some(v) = self.literal_value(env, &entry.value, expected_ty.as_ref()) {
                case.expect.push((key, v, entry_line));
            }
        }
        program.tests.push(case);
    }

    /// A test value: a literal, an enum value, or an empty text.
    fn literal_value(
        &mut self,
        env: &mut FieldEnv,
        e: &crate::syntax::ast::Expr,
        expected: Option<&Type>,
    ) -> Option<Value> {
        let (c, ty) = self.expr(env, e, expected);
        match c {
            CExpr::Literal(v) => {
                if let Some(exp) = expected
                    && !ty.same_base(exp)
                {
                    self.mismatch(
                        e,
                        exp,
                        &ty,
                        "the expected value must have the attribute's type",
                    );
                    return None;
                }
                Some(v)
            }
            _ if ty.is_error() => None,
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidTestKey,
                        e.span,
                        "test values are written as literals",
                        "not a literal",
                    )
                    .with_help("write the value itself, e.g. \"Anna\", 2025-01-31, true, Male"),
                );
                None
            }
        }
    }
}
