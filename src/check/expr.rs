//! Type checking of expressions: one `check_<form>` per expression form, each returning the
//! checked expression and its type, with `Type::Error` after a reported failure.

use super::Checker;
use super::env::FieldEnv;
use super::program::{CArm, CExpr};
use crate::builtins::{self, ArgError};
use crate::diagnostics::{Code, Diagnostic};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{BinOp, Expr, ExprKind, FieldPath, Literal, MapArm, PatternKind};
use crate::types::{EnumType, Type};
use crate::value::Value;

/// What a value map's arms must produce and what its patterns may be.
pub(crate) struct MapContext<'a> {
    /// Result type the arms must fit (`Gender?` for `gender`).
    pub(crate) expected: Option<&'a Type>,
    /// Known values of the scrutinee, for exhaustiveness and pattern warnings.
    pub(crate) known_values: &'static [&'static str],
}

impl Checker<'_> {
    /// Checks an expression, with the type the context expects when it knows one (so enum
    /// values such as `Male` can be written bare).
    pub(crate) fn expr(
        &mut self,
        env: &mut FieldEnv,
        e: &Expr,
        expected: Option<&Type>,
    ) -> (CExpr, Type) {
        match &e.kind {
            ExprKind::Literal(lit) => literal(lit),
            ExprKind::Today => (CExpr::Today, Type::Date),
            ExprKind::Paren(inner) => self.expr(env, inner, expected),
            ExprKind::Field(path) => self.field(env, path, expected),
            ExprKind::Call { name, args } => self.call(env, &name.node, name.span, args, e),
            ExprKind::Not(inner) => {
                let (c, ty) = self.expr(env, inner, Some(&Type::Bool));
                self.expect_bool(&ty, inner, "`not` needs a condition");
                (CExpr::Not(Box::new(c)), Type::Bool)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(env, op.node, op.span, lhs, rhs),
            ExprKind::IsEmpty { expr, negated } => {
                let (c, _) = self.expr(env, expr, None);
                (
                    CExpr::IsEmpty {
                        expr: Box::new(c),
                        negated: *negated,
                    },
                    Type::Bool,
                )
            }
            ExprKind::In {
                expr,
                list,
                negated,
            } => {
                let (c, ty) = self.expr(env, expr, None);
                let mut items = Vec::new();
                for item in list {
                    let (ci, ity) = self.expr(env, item, Some(ty.base()));
                    if !ity.same_base(&ty) {
                        self.mismatch(
                            item,
                            &ty.base().clone(),
                            &ity,
                            "every candidate must have the tested value's type",
                        );
                    }
                    items.push(ci);
                }
                (
                    CExpr::In {
                        expr: Box::new(c),
                        list: items,
                        negated: *negated,
                    },
                    Type::Bool,
                )
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let (cc, cty) = self.expr(env, cond, Some(&Type::Bool));
                self.expect_bool(&cty, cond, "`if` needs a condition");
                let (ct, tty) = self.expr(env, then, expected);
                let (co, oty) = self.expr(env, otherwise, expected.or(Some(&tty)));
                if !tty.same_base(&oty) {
                    self.mismatch(
                        otherwise,
                        tty.base(),
                        &oty,
                        "both branches of `if` must have the same type",
                    );
                }
                let ty = if tty.is_optional() || oty.is_optional() {
                    tty.base().clone().optional()
                } else {
                    tty
                };
                (
                    CExpr::If {
                        cond: Box::new(cc),
                        then: Box::new(ct),
                        otherwise: Box::new(co),
                    },
                    ty,
                )
            }
            ExprKind::Map { scrutinee, arms } => {
                let (cs, sty) = self.expr(env, scrutinee, None);
                let known = match &scrutinee.kind {
                    ExprKind::Field(path) => {
                        env.resolve(&path.dotted()).map_or(&[][..], |r| r.values)
                    }
                    _ => &[],
                };
                let cx = MapContext {
                    expected,
                    known_values: known,
                };
                let (carms, ty) = self.map_arms(env, arms, &sty, &cx, e);
                (
                    CExpr::Map {
                        scrutinee: Box::new(cs),
                        arms: carms,
                    },
                    ty,
                )
            }
            ExprKind::List(items) => {
                let mut out = Vec::new();
                let mut elem = Type::Error;
                for item in items {
                    let (c, ty) = self.expr(env, item, None);
                    if elem.is_error() {
                        elem = ty.base().clone();
                    } else if !ty.same_base(&elem) {
                        self.mismatch(
                            item,
                            &elem.clone(),
                            &ty,
                            "list items must all have one type",
                        );
                    }
                    out.push(c);
                }
                (CExpr::List(out), Type::List(Box::new(elem)))
            }
        }
    }

    fn field(
        &mut self,
        env: &mut FieldEnv,
        path: &FieldPath,
        expected: Option<&Type>,
    ) -> (CExpr, Type) {
        let dotted = path.dotted();
        if let Some(Type::Enum(e)) = expected.map(Type::base)
            && path.segments.len() == 1
            && !path.segments[0].quoted
        {
            if let Some(v) = e.variant(&dotted) {
                return (CExpr::Literal(Value::Enum(v)), Type::Enum(*e));
            }
            if env.resolve(&dotted).is_none() {
                self.unknown_enum_value(*e, &dotted, path.span);
                return (CExpr::Literal(Value::Empty), Type::Error);
            }
        }
        match env.resolve(&dotted) {
            Some(r) => (CExpr::Field(r.id), r.ty),
            None => {
                self.unknown_field(env, &dotted, path.span);
                (CExpr::Literal(Value::Empty), Type::Error)
            }
        }
    }

    /// Reports an unknown field with a suggestion (which then counts as used, so its unused
    /// warning does not repeat the typo) or a hint on declaring it.
    pub(crate) fn unknown_field(
        &mut self,
        env: &mut FieldEnv,
        dotted: &str,
        span: crate::source::Span,
    ) {
        if env.kind_unknown() {
            return;
        }
        let known = env.known_paths();
        let d = Diagnostic::new(
            Code::UnknownField,
            span,
            format!("unknown field `{dotted}`"),
            "not a field of this source",
        );
        let suggestion = did_you_mean(dotted, known.iter().map(String::as_str)).map(str::to_string);
        if let Some(s) = &suggestion {
            env.mark_used(s);
        }
        let d = match suggestion {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if env.declared_only() => d.with_help(format!("declare it: `{} {{ {dotted}: text }}`", env.block)),
            None => d.with_help(format!(
                "declare it in `{}` if the source has it (`{dotted}: text`); `wtmap schema` lists built-in fields",
                env.block
            )),
        };
        self.report(d);
    }

    pub(crate) fn unknown_enum_value(
        &mut self,
        e: EnumType,
        name: &str,
        span: crate::source::Span,
    ) {
        let mut d = Diagnostic::new(
            Code::UnknownEnumValue,
            span,
            format!("`{name}` is not a {} value", e.name()),
            format!("expected one of {}", e.variants().join(", ")),
        );
        if let Some(s) = did_you_mean(name, e.variants().iter().copied()) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else {
            d = d.with_help(format!(
                "{} values are {}",
                e.name(),
                e.variants().join(", ")
            ));
        }
        self.report(d);
    }

    fn call(
        &mut self,
        env: &mut FieldEnv,
        name: &str,
        name_span: crate::source::Span,
        args: &[Expr],
        whole: &Expr,
    ) -> (CExpr, Type) {
        let Some(builtin) = builtins::lookup(name) else {
            let mut d = Diagnostic::new(
                Code::UnknownBuiltin,
                name_span,
                format!("unknown function `{name}`"),
                "no such function",
            );
            d = match builtins::suggest(name) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("the functions are listed in docs/language.md"),
            };
            self.report(d);
            for a in args {
                self.expr(env, a, None);
            }
            return (CExpr::Literal(Value::Empty), Type::Error);
        };
        if name == "env" {
            self.report(
                Diagnostic::new(
                    Code::BuiltinNotAllowedHere,
                    whole.span,
                    "`env` can only be used in `source` and `target` settings",
                    "not a setting",
                )
                .with_help("mappings read records, not the environment; put secrets in the source or target block"),
            );
        }
        let mut cargs = Vec::new();
        let mut tys = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let (c, ty) = self.expr(env, a, None);
            if let Some(validate) = builtin.param(i).and_then(|p| p.literal) {
                match &a.kind {
                    ExprKind::Literal(Literal::Text(text)) => {
                        if let Err(why) = validate(text) {
                            self.report(
                                Diagnostic::new(Code::InvalidLiteralArgument, a.span, format!("invalid argument to `{name}`: {why}"), "here")
                                    .with_help(format!("see `{name}` in docs/language.md")),
                            );
                        }
                    }
                    _ => self.report(
                        Diagnostic::new(
                            Code::InvalidLiteralArgument,
                            a.span,
                            format!("argument {} of `{name}` must be written as a text literal", i + 1),
                            "not a literal",
                        )
                        .with_help("formats and patterns are checked before any record is read, so they must be written out"),
                    ),
                }
            }
            cargs.push(c);
            tys.push(ty);
        }
        match builtin.result_type(&tys) {
            Ok(ty) => (
                CExpr::Call {
                    builtin,
                    args: cargs,
                },
                ty,
            ),
            Err(ArgError::Arity {
                expected_min,
                expected_max,
                got,
            }) => {
                let expected = match expected_max {
                    Some(max) if max == expected_min => format!("{expected_min}"),
                    Some(max) => format!("{expected_min} to {max}"),
                    None => format!("at least {expected_min}"),
                };
                self.report(
                    Diagnostic::new(
                        Code::WrongArity,
                        whole.span,
                        format!(
                            "`{name}` takes {expected} argument{}, but {got} {} given",
                            plural(expected_min.max(expected_max.unwrap_or(0))),
                            if got == 1 { "was" } else { "were" }
                        ),
                        "wrong number of arguments",
                    )
                    .with_help(format!("`{name}`: {}", builtin.summary)),
                );
                (CExpr::Literal(Value::Empty), Type::Error)
            }
            Err(ArgError::Type {
                index,
                param,
                expected,
                got,
            }) => {
                let span = args.get(index).map_or(whole.span, |a| a.span);
                self.report(
                    Diagnostic::new(
                        Code::ArgumentType,
                        span,
                        format!("argument `{param}` of `{name}` must be {expected}, found {got}"),
                        format!("this is {got}"),
                    )
                    .with_help(conversion_hint(&got, &expected)),
                );
                (CExpr::Literal(Value::Empty), Type::Error)
            }
        }
    }

    fn binary(
        &mut self,
        env: &mut FieldEnv,
        op: BinOp,
        op_span: crate::source::Span,
        lhs: &Expr,
        rhs: &Expr,
    ) -> (CExpr, Type) {
        let (cl, lt) = self.expr(env, lhs, None);
        let (cr, rt) = self.expr(env, rhs, Some(lt.base()));
        let ty = match op {
            BinOp::And | BinOp::Or => {
                self.expect_bool(&lt, lhs, "`and` / `or` need conditions");
                self.expect_bool(&rt, rhs, "`and` / `or` need conditions");
                Type::Bool
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if !lt.same_base(&rt) {
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            lhs.span.join(rhs.span),
                            format!("cannot compare {} with {}", lt.base(), rt.base()),
                            format!("{} `{}` {}", lt.base(), op.symbol(), rt.base()),
                        )
                        .with_label(op_span, "")
                        .with_help(conversion_hint(&rt, &lt.base().to_string())),
                    );
                }
                Type::Bool
            }
            BinOp::Coalesce => {
                if !lt.same_base(&rt) {
                    self.mismatch(
                        rhs,
                        lt.base(),
                        &rt,
                        "the default after `??` must have the value's type",
                    );
                    Type::Error
                } else if rt.is_optional() {
                    lt.base().clone().optional()
                } else {
                    lt.base().clone()
                }
            }
        };
        (
            CExpr::Binary {
                op,
                lhs: Box::new(cl),
                rhs: Box::new(cr),
            },
            ty,
        )
    }

    /// Checks value-map arms against the scrutinee type: duplicate and unreachable arms,
    /// exhaustiveness, result types.
    pub(crate) fn map_arms(
        &mut self,
        env: &mut FieldEnv,
        arms: &[MapArm],
        scrutinee: &Type,
        cx: &MapContext,
        whole: &Expr,
    ) -> (Vec<CArm>, Type) {
        let mut out = Vec::new();
        let mut seen: Vec<(String, crate::source::Span)> = Vec::new();
        let mut wildcard: Option<crate::source::Span> = None;
        let mut result_ty: Option<Type> = cx.expected.map(|t| t.base().clone());
        let mut any_optional = false;
        for arm in arms {
            let mut patterns = Vec::new();
            for p in &arm.patterns {
                if let Some(w) = wildcard {
                    self.report(
                        Diagnostic::new(
                            Code::UnreachableArm,
                            p.span,
                            "this arm can never be chosen",
                            "after `_`",
                        )
                        .with_label(w, "`_` matches everything")
                        .with_help("move `_` to the end"),
                    );
                }
                match &p.node {
                    PatternKind::Wildcard => {
                        wildcard = Some(p.span);
                        patterns.push(None);
                    }
                    PatternKind::Literal(lit) => {
                        let (value, pty) = literal(lit);
                        let CExpr::Literal(value) = value else {
                            continue;
                        };
                        let key = value.to_text();
                        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                            self.report(
                                Diagnostic::new(
                                    Code::UnreachableArm,
                                    p.span,
                                    format!("pattern `{key}` appears twice"),
                                    "duplicate",
                                )
                                .with_label(*first, "first here")
                                .with_help(
                                    "value maps are exact-match: each value may appear once",
                                ),
                            );
                        } else {
                            seen.push((key.clone(), p.span));
                        }
                        let numeric_text =
                            matches!(pty, Type::Int) && scrutinee.base() == &Type::Text;
                        if !pty.same_base(scrutinee) && !numeric_text && !scrutinee.is_error() {
                            self.report(
                                Diagnostic::new(
                                    Code::TypeMismatch,
                                    p.span,
                                    format!(
                                        "pattern `{key}` is {pty}, but the value is {}",
                                        scrutinee.base()
                                    ),
                                    "never matches",
                                )
                                .with_help("write the pattern as the value appears in the source"),
                            );
                        } else if !cx.known_values.is_empty()
                            && !cx.known_values.contains(&key.as_str())
                        {
                            let mut d = Diagnostic::new(
                                Code::PatternNeverMatches,
                                p.span,
                                format!("`{key}` is not one of the values this field has"),
                                format!("known values: {}", cx.known_values.join(", ")),
                            );
                            if let Some(s) = did_you_mean(&key, cx.known_values.iter().copied()) {
                                d = d.with_help(format!(
                                    "did you mean `{s}`? value maps match exactly, including case"
                                ));
                            }
                            self.report(d);
                        }
                        patterns.push(Some(value));
                    }
                }
            }
            let (cres, rty) = self.expr(env, &arm.result, result_ty.as_ref().or(cx.expected));
            any_optional |= rty.is_optional();
            match &result_ty {
                Some(t) if !rty.same_base(t) => self.mismatch(
                    &arm.result,
                    &t.clone(),
                    &rty,
                    "every arm must give the same type",
                ),
                None if !rty.is_error() => result_ty = Some(rty.base().clone()),
                _ => {}
            }
            out.push(CArm {
                patterns,
                result: cres,
            });
        }
        let covered = wildcard.is_some()
            || (!cx.known_values.is_empty()
                && !scrutinee.is_optional()
                && cx
                    .known_values
                    .iter()
                    .all(|v| seen.iter().any(|(k, _)| k == v)));
        if !covered && !scrutinee.is_error() {
            let missing: Vec<&str> = cx
                .known_values
                .iter()
                .copied()
                .filter(|v| !seen.iter().any(|(k, _)| k == v))
                .collect();
            let label = if missing.is_empty() {
                "values not listed here have no result".to_string()
            } else {
                format!("not covered: {}", missing.join(", "))
            };
            self.report(
                Diagnostic::new(
                    Code::MapNotTotal,
                    whole.span,
                    "this value map does not cover every value",
                    label,
                )
                .with_help("add a last arm `_ -> …` for every other value (including empty)"),
            );
        }
        let ty = result_ty.unwrap_or(Type::Error);
        (out, if any_optional { ty.optional() } else { ty })
    }

    pub(crate) fn expect_bool(&mut self, ty: &Type, e: &Expr, why: &str) {
        if ty.is_error() {
            return;
        }
        if ty.base() != &Type::Bool {
            self.mismatch(e, &Type::Bool, ty, why);
        } else if ty.is_optional() {
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    e.span,
                    "this condition may be empty",
                    "bool?",
                )
                .with_help("say what an empty value means, e.g. `(X ?? false)`"),
            );
        }
    }

    pub(crate) fn mismatch(&mut self, e: &Expr, expected: &Type, got: &Type, why: &str) {
        if got.is_error() || expected.is_error() {
            return;
        }
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                e.span,
                format!("expected {expected}, found {got}"),
                format!("this is {got}"),
            )
            .with_help(format!(
                "{why}; {}",
                conversion_hint(got, &expected.to_string())
            )),
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A conversion suggestion from one type to another, as users would write it.
pub(crate) fn conversion_hint(got: &Type, expected: &str) -> String {
    // Builtin signatures say "a date"; types say "date": compare and print the bare type.
    let expected = expected.trim_end_matches('?');
    let expected = expected
        .strip_prefix("an ")
        .or_else(|| expected.strip_prefix("a "))
        .unwrap_or(expected);
    match (got.base(), expected) {
        (Type::Text, "date") => "parse it with `date(X, \"%d.%m.%Y\")`, or declare the field as `date(\"%d.%m.%Y\")` in `fields`".into(),
        (Type::Text, "int") => "convert it with `int(X)`".into(),
        (_, "text") => "convert it with `text(X)`".into(),
        (Type::Date, "int") => "`year(X)` gives the year of a date".into(),
        _ => format!("a {expected} value is needed here"),
    }
}

/// The checked form and type of a literal.
pub(crate) fn literal(lit: &Literal) -> (CExpr, Type) {
    let (v, t) = match lit {
        Literal::Text(s) => (Value::Text(s.clone()), Type::Text),
        Literal::Int(i) => (Value::Int(*i), Type::Int),
        Literal::Decimal(s) => (Value::Decimal(s.parse().unwrap_or(0.0)), Type::Decimal),
        Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
        Literal::Date(d) => (Value::Date(*d), Type::Date),
        Literal::Invalid(_) => (Value::Empty, Type::Error),
    };
    (CExpr::Literal(v), t)
}
