//! Checking configuration: `source` and `target` settings against their schemas, `fields`,
//! `match by`, `rules`, `guard`, `schedule` and `report to`.

use super::env::{Declared, FieldEnv};
use super::program::{ConfigValue, Endpoint, Program, Schedule};
use super::{Checker, Singletons};
use crate::connectors::{source_kind, source_kinds};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    Guard, GuardLimit, GuardSubject, MatchKey, MembershipRule, SegmentRule, UserRemoval,
    UserStatusRule,
};
use crate::schema::settings::{SettingDef, SettingType};
use crate::schema::target::{target_kind, target_kinds};
use crate::source::Span;
use crate::suggest::did_you_mean;

/// The rules of `rules { … }` and the options each accepts, in documentation order. The
/// checker and the language server's completion read this one table.
pub const RULES: &[(&str, &[&str])] = &[
    ("user_removal", &["only_external_id", "all"]),
    ("user_status", &["overwrite", "keep_inactive"]),
    (
        "membership",
        &[
            "never",
            "overwrite",
            "overwrite_if_role_is_greater_or_equal",
        ],
    ),
    ("segment_connection", &["never", "overwrite"]),
    ("invitations", &["on", "off"]),
];

/// The keys `match by` accepts.
pub const MATCH_KEYS: &[&str] = &["external_id", "email", "username"];

fn rule_names() -> Vec<&'static str> {
    RULES.iter().map(|(k, _)| *k).collect()
}
use crate::syntax::ast::*;
use crate::types::Type;

/// Keys that hold secrets wherever they appear (also inside nested blocks such as `sftp`).
const SECRET_KEYS: &[&str] = &[
    "password",
    "token",
    "secret",
    "client_secret",
    "key",
    "api_key",
    "api_token",
];

impl Checker<'_> {
    pub(crate) fn check_source_block(&mut self, block: Option<&SourceBlock>) -> Endpoint {
        let Some(block) = block else {
            return Endpoint::default();
        };
        let kind = &block.kind.node;
        let Some(def) = source_kind(kind) else {
            let names: Vec<&str> = source_kinds().iter().map(|k| k.name).collect();
            let mut d = Diagnostic::new(
                Code::UnknownSourceKind,
                block.kind.span,
                format!("unknown source kind `{kind}`"),
                "not a source kind",
            );
            d = match did_you_mean(kind, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("sources are {}", names.join(", "))),
            };
            self.report(d);
            return Endpoint {
                kind: kind.clone(),
                settings: Vec::new(),
            };
        };
        let settings = self.check_settings(
            &block.settings,
            def.settings,
            &format!("source {kind}"),
            block.kind.span,
        );
        Endpoint {
            kind: kind.clone(),
            settings,
        }
    }

    pub(crate) fn check_target_block(
        &mut self,
        block: Option<&TargetBlock>,
        _s: &Singletons,
    ) -> Endpoint {
        let Some(block) = block else {
            return Endpoint::default();
        };
        let name = &block.name.node;
        let Some(def) = target_kind(name) else {
            let names: Vec<&str> = target_kinds().iter().map(|k| k.name).collect();
            let mut d = Diagnostic::new(
                Code::UnknownTarget,
                block.name.span,
                format!("unknown target `{name}`"),
                "not a target",
            );
            d = match did_you_mean(name, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("targets are {}", names.join(", "))),
            };
            self.report(d);
            return Endpoint {
                kind: name.clone(),
                settings: Vec::new(),
            };
        };
        let settings = self.check_settings(
            &block.settings,
            def.settings,
            &format!("target {name}"),
            block.name.span,
        );
        if name == "winningtemp.scim" {
            self.check_token_url(block, &settings);
        }
        Endpoint {
            kind: name.clone(),
            settings,
        }
    }

    /// The SCIM token travels with every request to `url`: plain http to another host than
    /// this machine, or credentials inside the URL, would expose it (E0313).
    fn check_token_url(&mut self, block: &TargetBlock, settings: &[(String, ConfigValue)]) {
        let Some((_, ConfigValue::Text(url))) = settings.iter().find(|(k, _)| k == "url") else {
            return;
        };
        let Some((message, help)) = url_exposure(url) else {
            return;
        };
        let span = block.settings.iter().find(|s| s.key.node == "url").map_or(
            block.name.span,
            |s| match &s.value {
                SettingValue::Expr(e) => e.span,
                SettingValue::Block(_) => s.span,
            },
        );
        self.report(
            Diagnostic::new(
                Code::InsecureUrl,
                span,
                format!("target `url` {message}"),
                "this URL",
            )
            .with_help(help),
        );
    }

    fn check_settings(
        &mut self,
        settings: &[Setting],
        defs: &[SettingDef],
        owner: &str,
        owner_span: Span,
    ) -> Vec<(String, ConfigValue)> {
        let mut out: Vec<(String, ConfigValue)> = Vec::new();
        for s in settings {
            let key = &s.key.node;
            if out.iter().any(|(k, _)| k == key) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateStatement,
                        s.key.span,
                        format!("`{key}` is set twice in `{owner}`"),
                        "second one",
                    )
                    .with_help("keep one"),
                );
                continue;
            }
            let Some(def) = defs.iter().find(|d| d.key == key.as_str()) else {
                let mut d = Diagnostic::new(
                    Code::UnknownSetting,
                    s.key.span,
                    format!("`{owner}` has no setting `{key}`"),
                    "unknown setting",
                );
                d = match did_you_mean(key, defs.iter().map(|d| d.key)) {
                    Some(k) => d.with_help(format!("did you mean `{k}`?")),
                    None => d.with_help(format!(
                        "its settings are {}",
                        defs.iter().map(|d| d.key).collect::<Vec<_>>().join(", ")
                    )),
                };
                self.report(d);
                continue;
            };
            if let Some(value) =
                self.setting_value(s, def, def.secret || SECRET_KEYS.contains(&key.as_str()))
            {
                out.push((key.clone(), value));
            }
        }
        for def in defs.iter().filter(|d| d.required) {
            if !out.iter().any(|(k, _)| k == def.key)
                && !settings.iter().any(|s| s.key.node == def.key)
            {
                let example = if def.secret {
                    format!("{} = env(\"…\")", def.key)
                } else {
                    format!("{} = …", def.key)
                };
                self.report(
                    Diagnostic::new(
                        Code::MissingSetting,
                        owner_span,
                        format!("`{owner}` needs `{}`", def.key),
                        "missing setting",
                    )
                    .with_help(format!("add `{example}`: {}", def.doc)),
                );
            }
        }
        out
    }

    fn setting_value(
        &mut self,
        s: &Setting,
        def: &SettingDef,
        secret: bool,
    ) -> Option<ConfigValue> {
        let key = &s.key.node;
        let ty = def.ty;
        let expr = match (&s.value, ty) {
            (SettingValue::Block(inner), SettingType::Block(defs)) => {
                return Some(ConfigValue::Block(
                    self.check_settings(inner, defs, key, s.key.span),
                ));
            }
            (SettingValue::Block(inner), SettingType::AttributeMap | SettingType::Map) => {
                let mut values = Vec::new();
                for i in inner {
                    if ty == SettingType::AttributeMap
                        && crate::schema::target::attribute(&i.key.node).is_none()
                    {
                        let mut d = Diagnostic::new(
                            Code::UnknownSetting,
                            i.key.span,
                            format!("Winningtemp users have no attribute `{}`", i.key.node),
                            "not an attribute",
                        );
                        if let Some(a) = did_you_mean(
                            &i.key.node,
                            crate::schema::target::attributes().iter().map(|a| a.name),
                        ) {
                            d = d.with_help(format!("did you mean `{a}`?"));
                        }
                        self.report(d);
                        continue;
                    }
                    let secret = SECRET_KEYS.contains(&i.key.node.as_str());
                    let value = match &i.value {
                        SettingValue::Expr(e) => {
                            self.scalar_setting(i, e, SettingType::Text, secret)
                        }
                        SettingValue::Block(_) => {
                            self.report(
                                Diagnostic::new(
                                    Code::SettingType,
                                    i.span,
                                    format!("`{}` takes a text", i.key.node),
                                    "block",
                                )
                                .with_help(format!("write `{} = \"…\"`", i.key.node)),
                            );
                            None
                        }
                    };
                    if let Some(v) = value {
                        values.push((i.key.node.clone(), v));
                    }
                }
                return Some(ConfigValue::Block(values));
            }
            (SettingValue::Block(_), _) => {
                self.report(
                    Diagnostic::new(
                        Code::SettingType,
                        s.span,
                        format!("`{key}` takes a value, not a block"),
                        "block",
                    )
                    .with_help(format!("write `{key} = …`")),
                );
                return None;
            }
            (
                SettingValue::Expr(e),
                SettingType::Block(_) | SettingType::AttributeMap | SettingType::Map,
            ) => {
                self.report(
                    Diagnostic::new(
                        Code::SettingType,
                        e.span,
                        format!("`{key}` is a block"),
                        "not a block",
                    )
                    .with_help(format!("write `{key} {{ … }}`")),
                );
                return None;
            }
            (SettingValue::Expr(e), _) => e,
        };
        let value = self.scalar_setting(s, expr, ty, secret)?;
        match &value {
            ConfigValue::Text(t) if !def.values.is_empty() && !def.values.contains(&t.as_str()) => {
                let mut d = Diagnostic::new(
                    Code::SettingType,
                    expr.span,
                    format!("`{t}` is not a value of `{key}`"),
                    format!("one of {}", def.values.join(", ")),
                );
                if let Some(v) = did_you_mean(t, def.values.iter().copied()) {
                    d = d.with_help(format!("did you mean `{v}`?"));
                } else {
                    d = d.with_help(format!("write one of {}", def.values.join(", ")));
                }
                self.report(d);
                None
            }
            ConfigValue::Int(i) if def.range.is_some_and(|(lo, hi)| *i < lo || *i > hi) => {
                let (lo, hi) = def.range.unwrap_or((0, 0));
                self.report(
                    Diagnostic::new(
                        Code::SettingType,
                        expr.span,
                        format!("`{key}` must be between {lo} and {hi}"),
                        "out of range",
                    )
                    .with_help(def.doc),
                );
                None
            }
            _ => Some(value),
        }
    }

    fn scalar_setting(
        &mut self,
        s: &Setting,
        expr: &Expr,
        ty: SettingType,
        secret: bool,
    ) -> Option<ConfigValue> {
        let key = &s.key.node;
        let wrong = |this: &mut Self, what: &str| {
            this.report(
                Diagnostic::new(
                    Code::SettingType,
                    expr.span,
                    format!("`{key}` must be {what}"),
                    "wrong kind of value",
                )
                .with_help(format!("write e.g. `{key} = {}`", example_for(ty))),
            );
            None
        };
        match (&expr.kind, ty) {
            (ExprKind::Call { name, args }, SettingType::Text) if name.node == "env" => {
                match args.as_slice() {
                    [
                        Expr {
                            kind: ExprKind::Literal(Literal::Text(var)),
                            ..
                        },
                    ] => Some(ConfigValue::Env(var.clone())),
                    _ => wrong(self, "`env(\"NAME\")` with one variable name in quotes"),
                }
            }
            (ExprKind::Call { name, .. }, _) => {
                self.report(
                    Diagnostic::new(
                        Code::BuiltinNotAllowedHere,
                        expr.span,
                        format!("`{}` cannot be used in a setting", name.node),
                        "not allowed here",
                    )
                    .with_help("settings are literals or `env(\"NAME\")`"),
                );
                None
            }
            (ExprKind::Literal(Literal::Text(t)), SettingType::Text) => {
                if secret {
                    self.report(
                        Diagnostic::new(Code::LiteralSecret, expr.span, format!("`{key}` is a secret written in the mapping"), "secret in plain text")
                            .with_help(format!("read it from the environment: `{key} = env(\"{}\")`, and rotate the exposed one", env_name(key))),
                    );
                    return None;
                }
                Some(ConfigValue::Text(t.clone()))
            }
            (ExprKind::Literal(Literal::Int(i)), SettingType::Int) => Some(ConfigValue::Int(*i)),
            (ExprKind::Literal(Literal::Bool(b)), SettingType::Bool) => Some(ConfigValue::Bool(*b)),
            (ExprKind::List(items), SettingType::TextList) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        ExprKind::Literal(Literal::Text(t)) => out.push(t.clone()),
                        _ => return wrong(self, "a list of texts in quotes"),
                    }
                }
                Some(ConfigValue::List(out))
            }
            (_, SettingType::Text) => wrong(self, "a text in quotes or `env(\"NAME\")`"),
            (_, SettingType::Int) => wrong(self, "a whole number"),
            (_, SettingType::Bool) => wrong(self, "`true` or `false`"),
            (_, SettingType::TextList) => {
                wrong(self, "a list of texts such as `[\"1010\", \"1020\"]`")
            }
            (_, SettingType::Block(_) | SettingType::AttributeMap | SettingType::Map) => None,
        }
    }

    pub(crate) fn declare_fields(&mut self, env: &mut FieldEnv, block: &FieldsBlock) {
        for decl in &block.fields {
            let path = decl.path.dotted();
            // An unknown type is reported once; the field stays declared (as poison) so its
            // uses are not reported as unknown fields too.
            let ty = self.type_expr(&decl.ty).unwrap_or(Type::Error);
            if let Some(first) = env.declared.iter().find(|d| d.path == path) {
                let first = first.span;
                self.report(
                    Diagnostic::new(
                        Code::FieldRedeclared,
                        decl.span,
                        format!("field `{path}` is declared twice"),
                        "second declaration",
                    )
                    .with_label(first, "first here")
                    .with_help("keep one declaration"),
                );
                continue;
            }
            if let Some(builtin) = env.builtin(&path)
                && !builtin.ty.same_base(&ty)
            {
                self.report(
                    Diagnostic::new(
                        Code::FieldRedeclared,
                        decl.ty.span,
                        format!("`{path}` is {} in this source, not {}", builtin.ty.base(), ty.base()),
                        "contradicts the source",
                    )
                    .with_help("declarations may add formats or `?` to built-in fields, not change their type; convert it in an expression instead"),
                );
                continue;
            }
            let formats = decl.ty.formats.iter().map(|f| f.node.clone()).collect();
            env.declared.push(Declared {
                path,
                ty,
                formats,
                span: decl.span,
                used: false,
            });
        }
    }

    fn type_expr(&mut self, t: &TypeExpr) -> Option<Type> {
        let name = t.name.node.as_str();
        let base = if name == "list" {
            let element = match &t.element {
                Some(e) => self.type_expr(e)?,
                None => Type::Text,
            };
            Type::List(Box::new(element))
        } else {
            match Type::from_name(name) {
                Some(ty) => ty,
                None => {
                    let mut d = Diagnostic::new(
                        Code::UnknownType,
                        t.name.span,
                        format!("unknown type `{name}`"),
                        "not a type",
                    );
                    d = match did_you_mean(name, Type::DECLARABLE.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!("types are {}", Type::DECLARABLE.join(", "))),
                    };
                    self.report(d);
                    return None;
                }
            }
        };
        for f in &t.formats {
            if !matches!(base, Type::Date | Type::DateTime) {
                self.report(
                    Diagnostic::new(
                        Code::InvalidLiteralArgument,
                        f.span,
                        format!("`{name}` takes no format"),
                        "only dates have formats",
                    )
                    .with_help("write formats only on `date(…)` and `datetime(…)`"),
                );
            } else if let Err(why) = crate::builtins::validate_date_format(&f.node) {
                self.report(
                    Diagnostic::new(
                        Code::InvalidLiteralArgument,
                        f.span,
                        format!("invalid date format: {why}"),
                        "here",
                    )
                    .with_help("formats use chrono's syntax: `%d.%m.%Y`, `%Y-%m-%d`"),
                );
            }
        }
        Some(if t.optional { base.optional() } else { base })
    }

    pub(crate) fn check_match(&mut self, stmt: Option<&MatchStmt>) -> Vec<MatchKey> {
        let Some(stmt) = stmt else {
            return vec![MatchKey::ExternalId];
        };
        let mut keys = Vec::new();
        for (i, k) in stmt.keys.iter().enumerate() {
            let key = match k.node.as_str() {
                "external_id" => MatchKey::ExternalId,
                "email" => MatchKey::Email,
                "username" => MatchKey::Username,
                other => {
                    let mut d = Diagnostic::new(
                        Code::UnknownMatchKey,
                        k.span,
                        format!("cannot match users by `{other}`"),
                        "not a match key",
                    );
                    d = match did_you_mean(other, MATCH_KEYS.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help("users are matched by `external_id`, then optionally `email` or `username`"),
                    };
                    self.report(d);
                    continue;
                }
            };
            if i == 0 && key != MatchKey::ExternalId {
                self.report(
                    Diagnostic::new(Code::UnknownMatchKey, k.span, "`match by` must start with `external_id`", "first key")
                        .with_help("the external ID is the stable key; email and username are fallbacks for users not yet linked, e.g. `match by external_id, email`"),
                );
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if !keys.contains(&MatchKey::ExternalId) {
            keys.insert(0, MatchKey::ExternalId);
        }
        keys
    }

    pub(crate) fn check_rules(&mut self, block: &RulesBlock, program: &mut Program) {
        program.rules_because = self.because(block.span);
        for s in &block.settings {
            let key = s.key.node.as_str();
            let value = match &s.value {
                SettingValue::Expr(Expr {
                    kind: ExprKind::Field(p),
                    ..
                }) if p.segments.len() == 1 => Some(p.dotted()),
                SettingValue::Expr(Expr {
                    kind: ExprKind::Literal(Literal::Bool(b)),
                    ..
                }) => Some(if *b { "on" } else { "off" }.into()),
                _ => None,
            };
            let Some(&(_, options)) = RULES.iter().find(|(k, _)| *k == key) else {
                let keys = RULES.iter().map(|(k, _)| *k);
                let mut d = Diagnostic::new(
                    Code::InvalidRule,
                    s.key.span,
                    format!("unknown rule `{key}`"),
                    "not a rule",
                );
                d = match did_you_mean(key, keys) {
                    Some(k) => d.with_help(format!("did you mean `{k}`?")),
                    None => d.with_help(format!("the rules are {}", rule_names().join(", "))),
                };
                self.report(d);
                continue;
            };
            let Some(value) = value.filter(|v| options.contains(&v.as_str())) else {
                let span = match &s.value {
                    SettingValue::Expr(e) => e.span,
                    SettingValue::Block(_) => s.span,
                };
                let written = self.file.slice(span).to_string();
                let mut d = Diagnostic::new(
                    Code::InvalidRule,
                    span,
                    format!("`{written}` is not an option of `{key}`"),
                    format!("one of {}", options.join(", ")),
                );
                if let Some(o) = did_you_mean(&written, options.iter().copied()) {
                    d = d.with_help(format!("did you mean `{o}`?"));
                } else {
                    d = d.with_help(format!("write one of {}", options.join(", ")));
                }
                self.report(d);
                continue;
            };
            let r = &mut program.rules;
            match (key, value.as_str()) {
                ("user_removal", "all") => r.user_removal = UserRemoval::All,
                ("user_removal", _) => r.user_removal = UserRemoval::OnlyExternalId,
                ("user_status", "keep_inactive") => r.user_status = UserStatusRule::KeepInactive,
                ("user_status", _) => r.user_status = UserStatusRule::Overwrite,
                ("membership", "overwrite") => r.membership = MembershipRule::Overwrite,
                ("membership", "overwrite_if_role_is_greater_or_equal") => {
                    r.membership = MembershipRule::OverwriteIfRoleIsGreaterOrEqual
                }
                ("membership", _) => r.membership = MembershipRule::Never,
                ("segment_connection", "overwrite") => {
                    r.segment_connection = SegmentRule::Overwrite
                }
                ("segment_connection", _) => r.segment_connection = SegmentRule::Never,
                (_, v) => r.invitations = v == "on",
            }
        }
    }

    pub(crate) fn check_guard(&mut self, g: &GuardStmt, program: &mut Program) {
        let bad = |this: &mut Self, span: Span, msg: String, help: &str| {
            this.report(Diagnostic::new(Code::InvalidGuard, span, msg, "here").with_help(help));
        };
        const SUBJECTS: [&str; 5] = [
            "pauses",
            "source",
            "membership_removals",
            "identity_changes",
            "filled",
        ];
        let subject = match g.subject.node.as_str() {
            "pauses" => GuardSubject::Pauses,
            "source" => GuardSubject::Source,
            "membership_removals" => GuardSubject::MembershipRemovals,
            "identity_changes" => GuardSubject::IdentityChanges,
            other => {
                let help = match did_you_mean(other, SUBJECTS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "guards limit `pauses`, `membership_removals`, `identity_changes` \
                             (upper bounds), `source` or `filled(FIELD)` (lower bounds)"
                        .into(),
                };
                return bad(
                    self,
                    g.subject.span,
                    format!("cannot guard `{other}`"),
                    &help,
                );
            }
        };
        let upper = matches!(g.op.node, GuardOp::Le | GuardOp::Lt);
        if (subject != GuardSubject::Source) != upper {
            let help = if upper {
                "`source` is a lower bound: `guard source >= 90% of last_run`"
            } else {
                "only `source` is a lower bound; the others are upper bounds: `guard pauses <= 5%`"
            };
            return bad(
                self,
                g.op.span,
                format!("`{}` cannot be limited from this side", g.subject.node),
                help,
            );
        }
        if g.field.is_some() {
            return bad(
                self,
                g.subject.span,
                format!("`{}` takes no field", g.subject.node),
                "only `filled` names a field: `guard filled(Manager) >= 90%`",
            );
        }
        let limit = match g.limit.node {
            LimitLit::Other(_) => return self.limit_not_a_number(g),
            LimitLit::Percent(p) if !(0.0..=100.0).contains(&p) => {
                return bad(
                    self,
                    g.limit.span,
                    format!("{p}% is not a percentage between 0 and 100"),
                    "write e.g. `5%`",
                );
            }
            LimitLit::Percent(p) => GuardLimit::Percent(p),
            LimitLit::Count(c) => GuardLimit::Count(c),
        };
        match (&g.of, subject, limit) {
            (Some(of), _, _) if of.node != "last_run" => {
                return bad(
                    self,
                    of.span,
                    format!("unknown reference `{}`", of.node),
                    "the only reference is `last_run`",
                );
            }
            (Some(of), subject, _) if subject != GuardSubject::Source => {
                return bad(
                    self,
                    of.span,
                    "`of last_run` applies to `source` guards".into(),
                    "pause and identity percentages are of the active users the integration \
                     manages, membership percentages of the memberships Winningtemp holds",
                );
            }
            (None, GuardSubject::Source, GuardLimit::Percent(_)) => {
                return bad(
                    self,
                    g.limit.span,
                    "a source percentage needs a reference".into(),
                    "write `guard source >= 90% of last_run`",
                );
            }
            _ => {}
        }
        // Strict bounds are turned into inclusive ones on counts (`< 10` is `<= 9`).
        let limit = match (g.op.node, limit) {
            (GuardOp::Lt, GuardLimit::Count(c)) => GuardLimit::Count(c.saturating_sub(1)),
            (GuardOp::Gt, GuardLimit::Count(c)) => GuardLimit::Count(c + 1),
            (_, l) => l,
        };
        program.guards.push(Guard {
            subject,
            upper_bound: upper,
            limit,
            because: self.because(g.span),
        });
    }

    pub(crate) fn check_schedule(&mut self, s: &ScheduleStmt, program: &mut Program) {
        match &s.kind {
            ScheduleKind::Daily { time, zone } => {
                let (h, m) = time.node.split_once(':').unwrap_or(("", ""));
                let (Ok(hour), Ok(minute)) = (h.parse::<u32>(), m.parse::<u32>()) else {
                    return;
                };
                if hour > 23 || minute > 59 {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidSchedule,
                            time.span,
                            format!("`{}` is not a time of day", time.node),
                            "not a time",
                        )
                        .with_help("times run from 00:00 to 23:59"),
                    );
                    return;
                }
                let zone = match zone {
                    None => chrono_tz::Europe::Stockholm,
                    Some(z) => match z.node.parse::<chrono_tz::Tz>() {
                        Ok(tz) => tz,
                        Err(_) => {
                            let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                            let mut d = Diagnostic::new(
                                Code::InvalidSchedule,
                                z.span,
                                format!("unknown time zone `{}`", z.node),
                                "not an IANA zone",
                            );
                            d = match did_you_mean(&z.node, names) {
                                Some(n) => d.with_help(format!("did you mean `{n}`?")),
                                None => {
                                    d.with_help("use an IANA zone name such as `Europe/Stockholm`")
                                }
                            };
                            self.report(d);
                            return;
                        }
                    },
                };
                program.schedule = Schedule::Daily { hour, minute, zone };
            }
            ScheduleKind::Every { count, unit } => {
                let per = match unit.node.as_str() {
                    "minute" | "minutes" => 1,
                    "hour" | "hours" => 60,
                    other => {
                        self.report(
                            Diagnostic::new(
                                Code::InvalidSchedule,
                                unit.span,
                                format!("unknown unit `{other}`"),
                                "not a unit",
                            )
                            .with_help("write `every N minutes` or `every N hours`"),
                        );
                        return;
                    }
                };
                if count.node == 0 {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidSchedule,
                            count.span,
                            "an interval of zero never ends",
                            "zero",
                        )
                        .with_help("write at least `every 15 minutes`"),
                    );
                    return;
                }
                program.schedule = Schedule::Every {
                    minutes: count.node * per,
                };
            }
        }
    }

    pub(crate) fn check_report(&mut self, r: &ReportStmt, program: &mut Program) {
        for rcpt in &r.recipients {
            if is_email(&rcpt.node) {
                program.report_to.push(rcpt.node.clone());
            } else {
                self.report(
                    Diagnostic::new(
                        Code::InvalidRecipient,
                        rcpt.span,
                        format!("`{}` is not an email address", rcpt.node),
                        "not an address",
                    )
                    .with_help("write addresses such as \"hr@acme.example\""),
                );
            }
        }
    }
}

pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
        && !domain.contains('@')
}

fn env_name(key: &str) -> String {
    key.to_uppercase()
}

fn example_for(ty: SettingType) -> &'static str {
    match ty {
        SettingType::Text => "\"…\"",
        SettingType::Int => "100",
        SettingType::Bool => "true",
        SettingType::TextList => "[\"…\"]",
        SettingType::Block(_) | SettingType::AttributeMap | SettingType::Map => "{ … }",
    }
}

/// Why a URL that a secret travels to would expose it, as (what is wrong, how to fix it):
/// plain `http` to a host other than loopback (`localhost`, `127.0.0.0/8`, `::1`), or a user
/// name or password inside the URL (sent as a second `Authorization`). `None` when neither,
/// or when the text is no URL at all (the connection says so then). The message never repeats
/// the credentials.
pub fn url_exposure(text: &str) -> Option<(String, String)> {
    let url = reqwest::Url::parse(text.trim()).ok()?;
    if !url.username().is_empty() || url.password().is_some() {
        return Some((
            "has a user name or password in it".to_string(),
            "remove it: the token goes in `token = env(\"…\")`, and credentials in the URL \
             would be sent along as a second Authorization"
                .to_string(),
        ));
    }
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() == "http" && !loopback {
        return Some((
            format!(
                "uses plain http to `{}`",
                url.host_str().unwrap_or_default()
            ),
            "the token would travel unencrypted: use https (plain http is allowed to \
             localhost, 127.0.0.0/8 and ::1 only)"
                .to_string(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::url_exposure;
    use crate::diagnostics::Code;

    fn codes(url: &str) -> Vec<Code> {
        let text = format!(
            "source csv {{ path = \"x.csv\" }}\nfields {{ id: text, mail: text }}\n\
             target winningtemp.scim {{\n  url = \"{url}\"\n  token = env(\"T\")\n}}\n\
             user {{\n external_id = id\n username = mail\n first_name = id\n last_name = id\n}}\n"
        );
        let file = crate::source::SourceFile::new("t.wtmap", text);
        let (_, diags) = crate::check::check_source(&file);
        diags.iter().map(|d| d.code).collect()
    }

    /// Issue 21, item 20: both used to pass `check`.
    #[test]
    fn plain_http_elsewhere_and_credentials_in_the_url_are_errors() {
        assert_eq!(
            codes("http://scim.acme.example/api"),
            vec![Code::InsecureUrl]
        );
        assert_eq!(
            codes("https://u:hunter2@scim.acme.example/api"),
            vec![Code::InsecureUrl]
        );
        for fine in [
            "https://scim.acme.example/api",
            "http://localhost:8080/v2",
            "http://127.0.0.9/v2",
            "http://[::1]:9/v2",
        ] {
            assert_eq!(codes(fine), vec![], "{fine}");
        }
    }

    proptest::proptest! {
        /// Every http URL to a host that is not loopback, and every URL with a user or a
        /// password, is refused, without repeating the password.
        #[test]
        fn exposing_urls_are_refused(
            host in "[a-z]{1,8}(\\.[a-z]{2,5}){0,2}|10\\.[1-9][0-9]?\\.0\\.1|\\[fe80::[1-9]\\]",
            user in "[a-z]{0,5}",
            password in proptest::option::of("[a-zA-Z0-9]{4,9}"),
            https in proptest::bool::ANY,
        ) {
            proptest::prop_assume!(host != "localhost");
            let creds = match (&password, user.is_empty()) {
                (Some(p), _) => format!("{user}:{p}@"),
                (None, false) => format!("{user}@"),
                (None, true) => String::new(),
            };
            let scheme = if https { "https" } else { "http" };
            let url = format!("{scheme}://{creds}{host}/api");
            let found = url_exposure(&url);
            let exposed = !creds.is_empty() || !https;
            proptest::prop_assert_eq!(found.is_some(), exposed, "{}", url);
            if let (Some((what, help)), Some(p)) = (found, password) {
                proptest::prop_assert!(!what.contains(&p) && !help.contains(&p));
            }
        }
    }
}
