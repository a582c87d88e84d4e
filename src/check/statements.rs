//! Checking the statements that compute users: `user { … }`, value maps, conditions,
//! `group path`, segments; and the mandatory-attribute and written-twice rules.

use super::Checker;
use super::env::FieldEnv;
use super::expr::MapContext;
use super::program::{AttributeRule, CExpr, ConditionRule, GroupPathRule, Program, SegmentRule};
use crate::diagnostics::{Code, Diagnostic};
use crate::schema::target;
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{ConditionKind, Expr, ExprKind, File, Item, ValueMapStmt};
use crate::types::Type;
use crate::value::Value;
use std::collections::HashMap;

/// Which statement wrote each attribute first.
type Writes = HashMap<String, Span>;

impl Checker<'_> {
    pub(crate) fn check_statements(
        &mut self,
        ast: &File,
        env: &mut FieldEnv,
        program: &mut Program,
    ) {
        let mut writes = Writes::new();
        // Over SCIM, attributes travel only where a SCIM path carries them.
        self.scim_paths = (program.target.kind == "winningtemp.scim")
            .then(|| crate::schema::scim::AttributeMap::new(program.target.get("attributes")).ok())
            .flatten();
        for item in &ast.items {
            match item {
                Item::User(block) => {
                    for a in &block.assignments {
                        self.assign(
                            env,
                            &a.attribute.node,
                            a.attribute.span,
                            &a.value,
                            a.span,
                            program,
                            &mut writes,
                        );
                    }
                }
                Item::ValueMap(stmt) => self.value_map_stmt(env, stmt, program, &mut writes),
                Item::Condition(c) => {
                    let (expr, ty) = self.expr(env, &c.condition, Some(&Type::Bool));
                    self.expect_bool(&ty, &c.condition, "a condition is true or false");
                    let written = match c.kind {
                        ConditionKind::Pause => Some("status"),
                        ConditionKind::Exclude => Some("exclude_from_surveys"),
                        ConditionKind::Skip => None,
                    };
                    if let Some(attr) = written {
                        self.check_carried(attr, c.span);
                        self.note_write(attr, c.span, &mut writes);
                        program.mapped_attributes.insert(attr.to_string());
                    }
                    program.conditions.push(ConditionRule {
                        kind: c.kind,
                        expr,
                        because: self.because(c.span),
                    });
                }
                Item::GroupPath(g) => {
                    let levels = self.text_exprs(env, &g.levels, "a team name");
                    let ids = g.ids.as_ref().map(|ids| {
                        if ids.len() != g.levels.len() {
                            self.report(
                                Diagnostic::new(
                                    Code::TypeMismatch,
                                    g.span,
                                    format!("`group path` has {} levels but {} ids", g.levels.len(), ids.len()),
                                    "one id per level",
                                )
                                .with_help("give one stable ID field per level, in the same order"),
                            );
                        }
                        // The top level has no parent, so only deeper levels can collide.
                        for (level, id) in g.levels.iter().zip(ids).skip(1) {
                            if self.file.slice(level.span) == self.file.slice(id.span) {
                                self.report(
                                    Diagnostic::new(
                                        Code::NameBasedTeamIds,
                                        id.span,
                                        "this team ID is the level's name",
                                        "two teams with this name under different parents get one ID",
                                    )
                                    .with_help("leave out `ids` to derive IDs from the whole path, or use a code field"),
                                );
                            }
                        }
                        self.text_exprs(env, ids, "a team ID")
                    });
                    if g.levels.len() > 1 && program.target.kind == "winningtemp.scim" {
                        self.report(
                            Diagnostic::new(
                                Code::HierarchyNotSupported,
                                g.span,
                                "SCIM cannot carry a team hierarchy",
                                format!("{} levels, but SCIM groups have no parent", g.levels.len()),
                            )
                            .with_help("use `target winningtemp.files { … }`, which carries parent teams, or keep one level"),
                        );
                    }
                    program.group_path = Some(GroupPathRule {
                        levels,
                        ids,
                        because: self.because(g.span),
                    });
                    self.note_write("team", g.span, &mut writes);
                }
                Item::Segment(s) => {
                    if s.category.node.trim().is_empty() {
                        self.report(
                            Diagnostic::new(
                                Code::EmptySegmentCategory,
                                s.category.span,
                                "a segment category cannot be empty",
                                "no category",
                            )
                            .with_help("name the category people are grouped by: `segment \"Country\" = Country`"),
                        );
                    }
                    if program.target.kind == "winningtemp.scim" {
                        self.report(
                            Diagnostic::new(
                                Code::SegmentsNotSupported,
                                s.span,
                                "SCIM cannot carry segments",
                                "Winningtemp's SCIM has users and groups only",
                            )
                            .with_help("use `target winningtemp.files { … }` (it writes `wt_segments.csv`), or carry the value as an attribute"),
                        );
                    }
                    let expr = self
                        .text_exprs(env, std::slice::from_ref(&s.value), "a segment name")
                        .remove(0);
                    program.segments.push(SegmentRule {
                        category: s.category.node.clone(),
                        expr,
                        because: self.because(s.span),
                    });
                }
                Item::Rules(r) => self.check_rules(r, program),
                Item::Guard(g) if g.subject.node == "filled" => {
                    self.check_fill_guard(g, env, program)
                }
                Item::Guard(g) => self.check_guard(g, program),
                Item::Schedule(s) => self.check_schedule(s, program),
                Item::Report(r) => self.check_report(r, program),
                Item::Test(t) => self.check_test(t, env, program),
                // `group = …` reads a person's field; the unit statements read unit records
                // (both in `check_units`).
                Item::Source(_)
                | Item::Target(_)
                | Item::Fields(_)
                | Item::Match(_)
                | Item::Group(_)
                | Item::UnitFields(_)
                | Item::Units(_) => {}
            }
        }
    }

    pub(crate) fn text_exprs(
        &mut self,
        env: &mut FieldEnv,
        exprs: &[Expr],
        what: &str,
    ) -> Vec<CExpr> {
        exprs
            .iter()
            .map(|e| {
                let (c, ty) = self.expr(env, e, Some(&Type::Text));
                if !ty.same_base(&Type::Text) {
                    self.mismatch(e, &Type::Text, &ty, &format!("{what} is text"));
                }
                c
            })
            .collect()
    }

    /// Warns when the SCIM target has no path for a mapped attribute: the plan would propose
    /// it on every run and apply could never deliver it.
    fn check_carried(&mut self, attribute: &str, span: Span) {
        let Some(paths) = &self.scim_paths else {
            return;
        };
        let own_attribute = matches!(
            attribute,
            "external_id" | "username" | "email" | "status" | "manager"
        );
        if own_attribute || paths.path(attribute).is_some() {
            return;
        }
        self.report(
            Diagnostic::new(
                Code::AttributeNotCarried,
                span,
                format!("`{attribute}` is not carried over SCIM"),
                "no SCIM attribute holds it",
            )
            .with_help(format!(
                "Winningtemp's SCIM documents names, email, externalId and active; name a path agreed with Winningtemp in `target winningtemp.scim {{ attributes {{ {attribute} = \"urn:…\" }} }}`, or use the files target"
            )),
        );
    }

    fn note_write(&mut self, attribute: &str, span: Span, writes: &mut Writes) {
        if let Some(first) = writes.get(attribute) {
            self.report(
                Diagnostic::new(
                    Code::AttributeWrittenTwice,
                    span,
                    format!("`{attribute}` is written by two statements"),
                    "second write",
                )
                .with_label(*first, "first written here")
                .with_help("keep one statement per attribute; combine them with `if … then … else …` or a value map"),
            );
        } else {
            writes.insert(attribute.to_string(), span);
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; the pieces come from two statement forms"
    )]
    fn assign(
        &mut self,
        env: &mut FieldEnv,
        attribute: &str,
        attribute_span: Span,
        value: &Expr,
        span: Span,
        program: &mut Program,
        writes: &mut Writes,
    ) {
        let Some(def) = target::attribute(attribute) else {
            let names = target::attributes().iter().map(|a| a.name);
            let mut d = Diagnostic::new(
                Code::UnknownAttribute,
                attribute_span,
                format!("Winningtemp users have no attribute `{attribute}`"),
                "unknown attribute",
            );
            let suggestion = did_you_mean(attribute, names);
            if let Some(s) = suggestion {
                self.suggested_attributes.insert(s);
            }
            d = match suggestion {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "the attributes are {}",
                    target::attributes()
                        .iter()
                        .map(|a| a.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.report(d);
            self.expr(env, value, None);
            return;
        };
        self.check_carried(attribute, span);
        self.note_write(attribute, span, writes);
        let (expr, ty) = self.expr(env, value, Some(&def.ty));
        self.check_assignable(attribute, def.mandatory, &def.ty, &ty, value);
        program.mapped_attributes.insert(attribute.to_string());
        program.attributes.push(AttributeRule {
            attribute: def.name,
            expr,
            because: self.because(span),
            span,
        });
    }

    fn check_assignable(
        &mut self,
        attribute: &str,
        mandatory: bool,
        expected: &Type,
        got: &Type,
        value: &Expr,
    ) {
        if got.is_error() {
            return;
        }
        if !got.same_base(expected) {
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    value.span,
                    format!(
                        "`{attribute}` is {}, but this is {}",
                        expected.base(),
                        got.base()
                    ),
                    format!("this is {got}"),
                )
                .with_help(super::expr::conversion_hint(
                    got,
                    &expected.base().to_string(),
                )),
            );
        } else if mandatory && got.is_optional() {
            let example = match &value.kind {
                ExprKind::Field(p) => p.dotted(),
                _ => "X".to_string(),
            };
            self.report(
                Diagnostic::new(
                    Code::MandatoryMayBeEmpty,
                    value.span,
                    format!("`{attribute}` is mandatory, but this value may be empty"),
                    format!("{got}"),
                )
                .with_help(format!(
                    "say what happens when it is empty: `skip when {example} is empty`, a default with `??`, or `required({example})` to quarantine such records"
                )),
            );
        }
    }

    fn value_map_stmt(
        &mut self,
        env: &mut FieldEnv,
        stmt: &ValueMapStmt,
        program: &mut Program,
        writes: &mut Writes,
    ) {
        let attribute = &stmt.attribute.node;
        let Some(def) = target::attribute(attribute) else {
            let mut d = Diagnostic::new(
                Code::UnknownAttribute,
                stmt.attribute.span,
                format!("Winningtemp users have no attribute `{attribute}`"),
                "unknown attribute",
            );
            if let Some(s) = did_you_mean(attribute, target::attributes().iter().map(|a| a.name)) {
                self.suggested_attributes.insert(s);
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.report(d);
            return;
        };
        let field_name = match &stmt.from {
            Some(path) => Some((path.dotted(), path.span)),
            None => env
                .find_ignore_case(attribute)
                .map(|f| (f, stmt.attribute.span)),
        };
        let Some((field, field_span)) = field_name else {
            if env.kind_unknown() {
                return; // the unknown source kind is the one error (see FieldEnv::kind_unknown)
            }
            self.report(
                Diagnostic::new(
                    Code::UnknownField,
                    stmt.attribute.span,
                    format!("no source field is named `{attribute}`"),
                    "value map without `from`",
                )
                .with_help(format!("name the field: `{attribute} from FIELD …`")),
            );
            return;
        };
        let (scrutinee, sty, known) = match env.resolve(&field) {
            Some(r) => (CExpr::Field(r.id), r.ty, r.values),
            None => {
                self.unknown_field(env, &field, field_span);
                (CExpr::Literal(Value::Empty), Type::Error, &[][..])
            }
        };
        self.check_carried(attribute, stmt.span);
        self.note_write(attribute, stmt.span, writes);
        let whole = Expr {
            kind: ExprKind::Literal(crate::syntax::ast::Literal::Bool(false)),
            span: stmt.span,
        };
        let cx = MapContext {
            expected: Some(&def.ty),
            known_values: known,
        };
        let (arms, ty) = self.map_arms(env, &stmt.arms, &sty, &cx, &whole);
        self.check_assignable(attribute, def.mandatory, &def.ty, &ty, &whole);
        program.mapped_attributes.insert(attribute.clone());
        program.attributes.push(AttributeRule {
            attribute: def.name,
            expr: CExpr::Map {
                scrutinee: Box::new(scrutinee),
                arms,
            },
            because: self.because(stmt.span),
            span: stmt.span,
        });
    }

    pub(crate) fn check_mandatory(&mut self, ast: &File, program: &Program) {
        let anchor = ast.items.iter().find_map(|i| match i {
            Item::User(u) => Some(Span::new(u.span.start, u.span.start + 4)),
            _ => None,
        });
        let Some(anchor) = anchor else { return };
        for def in target::attributes().iter().filter(|a| a.mandatory) {
            if !program.mapped_attributes.contains(def.name)
                && !self.suggested_attributes.contains(def.name)
            {
                self.report(
                    Diagnostic::new(
                        Code::MandatoryUnmapped,
                        anchor,
                        format!("mandatory attribute `{}` is not mapped", def.name),
                        "in this user block",
                    )
                    .with_help(format!("add `{} = …`: {}", def.name, def.doc)),
                );
            }
        }
    }
}
