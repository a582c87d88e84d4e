//! The only file that sees pest pairs: one `parse_<rule>` per grammar rule, building the AST.

use super::ast::*;
use super::depth::{MAX_NESTING, prescan, too_deep};
use super::errors::syntax_error;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{Span, Spanned};
use pest::Parser as _;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::cell::{Cell, RefCell};
use std::sync::LazyLock;

/// The generated pest parser.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/wtmap.pest"]
pub struct WtmapParser;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left))
        .op(Op::postfix(Rule::is_empty_op) | Op::postfix(Rule::in_op))
        .op(Op::infix(Rule::op_coalesce, Assoc::Left))
        .op(Op::postfix(Rule::map_op))
});

/// Parses a whole file. Grammar errors are fatal (one diagnostic); literal errors are
/// collected and returned with the tree.
pub fn parse_file(text: &str) -> Result<(File, Diagnostics), Diagnostics> {
    if let Some(deep) = prescan(text) {
        return Err(Diagnostics(vec![deep]));
    }
    let mut pairs = match WtmapParser::parse(Rule::file, text) {
        Ok(p) => p,
        Err(e) => return Err(Diagnostics(vec![syntax_error(text, &e)])),
    };
    let Some(file_pair) = pairs.next() else {
        return Err(Diagnostics::default());
    };
    let comments = file_pair
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| p.as_rule() == Rule::COMMENT)
        .map(|p| Comment {
            text: p.as_str().trim_end().to_string(),
            span: span(&p),
        })
        .collect();
    let builder = Builder::default();
    let items = significant(file_pair)
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(|p| builder.item(p))
        .collect();
    if let Some(deep) = builder.too_deep.take() {
        return Err(Diagnostics(vec![deep]));
    }
    Ok((
        File { items, comments },
        Diagnostics(builder.diags.into_inner()),
    ))
}

/// Parses a lone expression.
pub fn parse_expression(text: &str) -> Result<(Expr, Diagnostics), Diagnostics> {
    if let Some(deep) = prescan(text) {
        return Err(Diagnostics(vec![deep]));
    }
    let mut pairs = match WtmapParser::parse(Rule::expression_only, text) {
        Ok(p) => p,
        Err(e) => return Err(Diagnostics(vec![syntax_error(text, &e)])),
    };
    let builder = Builder::default();
    let expr = pairs
        .next()
        .and_then(|p| significant(p).find(|q| q.as_rule() == Rule::expr))
        .map(|p| builder.expr(p))
        .ok_or_else(Diagnostics::default)?;
    if let Some(deep) = builder.too_deep.take() {
        return Err(Diagnostics(vec![deep]));
    }
    Ok((expr, Diagnostics(builder.diags.into_inner())))
}

/// A pair's span without the whitespace and comments pest lets a rule swallow after its last
/// token (a rule ending in an optional or repeated part does), so labels underline the code
/// only. Only the rightmost path is walked, so this is O(depth).
fn span(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), trimmed_end(pair).max(s.start()))
}

fn trimmed_end(pair: &Pair<Rule>) -> usize {
    let mut current = pair.clone();
    while let Some(last) = current
        .clone()
        .into_inner()
        .filter(|p| p.as_rule() != Rule::COMMENT)
        .last()
    {
        current = last;
    }
    current.as_span().end()
}

/// Children that carry meaning: no comments and no punctuation.
fn significant<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_trivia(p.as_rule()))
}

fn is_trivia(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        COMMENT
            | assign_op
            | colon
            | comma
            | lbrace
            | rbrace
            | lbracket
            | rbracket
            | lparen
            | rparen
            | langle
            | rangle
            | pipe
            | arrow
            | kw_source
            | kw_fields
            | kw_target
            | kw_match
            | kw_by
            | kw_user
            | kw_unit
            | kw_units
            | kw_group
            | kw_path
            | kw_ids
            | kw_when
            | kw_rules
            | kw_guard
            | kw_of
            | kw_schedule
            | kw_daily
            | kw_at
            | kw_every
            | kw_report
            | kw_to
            | kw_test
            | kw_given
            | kw_expect
            | kw_from
            | kw_if
            | kw_then
            | kw_else
            | kw_is
            | kw_in
            | kw_empty
            | kw_segment
    )
}

/// Turns a grammar rule the builder did not expect into a diagnostic-free fallback. The grammar
/// and this file change together, so reaching it is a bug; it must still not panic.
fn unexpected_rule(pair: &Pair<Rule>) -> Expr {
    Expr {
        kind: ExprKind::Literal(Literal::Text(String::new())),
        span: span(pair),
    }
}

#[derive(Default)]
struct Builder {
    diags: RefCell<Vec<Diagnostic>>,
    /// How many expressions (or types) are being built, one inside the other.
    depth: Cell<usize>,
    /// The first place the nesting limit was passed; the tree is cut there.
    too_deep: Cell<Option<Diagnostic>>,
}

impl Builder {
    fn error(&self, code: Code, span: Span, message: String, label: &str, help: &str) {
        self.diags
            .borrow_mut()
            .push(Diagnostic::new(code, span, message, label).with_help(help));
    }

    fn item(&self, pair: Pair<Rule>) -> Item {
        let sp = span(&pair);
        match pair.as_rule() {
            Rule::source_block => {
                let mut it = significant(pair);
                let kind = it.next().map(|p| self.ident(p)).unwrap_or_default_ident(sp);
                let settings = it.next().map(|p| self.settings_body(p)).unwrap_or_default();
                Item::Source(SourceBlock {
                    kind,
                    settings,
                    span: sp,
                })
            }
            Rule::fields_block => Item::Fields(FieldsBlock {
                fields: significant(pair).map(|p| self.field_decl(p)).collect(),
                span: sp,
            }),
            Rule::unit_fields_block => Item::UnitFields(FieldsBlock {
                fields: significant(pair).map(|p| self.field_decl(p)).collect(),
                span: sp,
            }),
            Rule::units_block => Item::Units(UnitsBlock {
                assignments: significant(pair).map(|p| self.assignment(p)).collect(),
                span: sp,
            }),
            Rule::group_stmt => Item::Group(GroupStmt {
                unit: significant(pair)
                    .next()
                    .map(|p| self.expr(p))
                    .unwrap_or_else(|| empty_expr(sp)),
                span: sp,
            }),
            Rule::target_block => {
                let mut it = significant(pair);
                let name = it
                    .next()
                    .map(|p| Spanned::new(p.as_str().to_string(), span(&p)))
                    .unwrap_or_default_ident(sp);
                let settings = it.next().map(|p| self.settings_body(p)).unwrap_or_default();
                Item::Target(TargetBlock {
                    name,
                    settings,
                    span: sp,
                })
            }
            Rule::match_stmt => Item::Match(MatchStmt {
                keys: significant(pair).map(|p| self.ident(p)).collect(),
                span: sp,
            }),
            Rule::user_block => Item::User(UserBlock {
                assignments: significant(pair).map(|p| self.assignment(p)).collect(),
                span: sp,
            }),
            Rule::group_path_stmt => {
                let mut levels = Vec::new();
                let mut ids = None;
                for p in significant(pair) {
                    match p.as_rule() {
                        Rule::expr_list => levels = self.expr_list(p),
                        Rule::group_ids => ids = significant(p).next().map(|l| self.expr_list(l)),
                        _ => {}
                    }
                }
                Item::GroupPath(GroupPathStmt {
                    levels,
                    ids,
                    span: sp,
                })
            }
            Rule::segment_stmt => {
                let mut it = significant(pair);
                let category = it
                    .next()
                    .map(|p| self.string(p))
                    .unwrap_or_else(|| Spanned::new(String::new(), sp));
                let value = it
                    .next()
                    .map(|p| self.expr(p))
                    .unwrap_or_else(|| empty_expr(sp));
                Item::Segment(SegmentStmt {
                    category,
                    value,
                    span: sp,
                })
            }
            Rule::condition_stmt => {
                let mut it = significant(pair);
                let kind = match it
                    .next()
                    .and_then(|p| p.into_inner().next())
                    .map(|p| p.as_rule())
                {
                    Some(Rule::kw_skip) => ConditionKind::Skip,
                    Some(Rule::kw_pause) => ConditionKind::Pause,
                    _ => ConditionKind::Exclude,
                };
                let condition = it
                    .next()
                    .map(|p| self.expr(p))
                    .unwrap_or_else(|| empty_expr(sp));
                Item::Condition(ConditionStmt {
                    kind,
                    condition,
                    span: sp,
                })
            }
            Rule::rules_block => Item::Rules(RulesBlock {
                settings: significant(pair)
                    .next()
                    .map(|p| self.settings_body(p))
                    .unwrap_or_default(),
                span: sp,
            }),
            Rule::guard_stmt => self.guard(pair),
            Rule::schedule_stmt => self.schedule(pair),
            Rule::report_stmt => Item::Report(ReportStmt {
                recipients: significant(pair).map(|p| self.string(p)).collect(),
                span: sp,
            }),
            Rule::test_block => self.test_block(pair),
            _ => self.value_map_stmt(pair),
        }
    }

    /// Records the first place the nesting limit is passed.
    fn report_too_deep(&self, span: Span) {
        let first = self.too_deep.take();
        self.too_deep.set(Some(
            first.unwrap_or_else(|| too_deep(span, "this expression")),
        ));
    }

    /// Runs `build` one level deeper, or reports the limit and returns `fallback` instead.
    fn nested<T>(&self, span: Span, fallback: T, build: impl FnOnce() -> T) -> T {
        let depth = self.depth.get();
        if depth >= MAX_NESTING {
            self.report_too_deep(span);
            return fallback;
        }
        self.depth.set(depth + 1);
        let built = build();
        self.depth.set(depth);
        built
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Spanned::new(pair.as_str().to_string(), span(&pair))
    }

    fn settings_body(&self, pair: Pair<Rule>) -> Vec<Setting> {
        significant(pair).map(|p| self.setting(p)).collect()
    }

    fn setting(&self, pair: Pair<Rule>) -> Setting {
        let sp = span(&pair);
        let mut it = significant(pair);
        let key = it.next().map(|p| self.ident(p)).unwrap_or_default_ident(sp);
        let value = match it.next() {
            Some(p) if p.as_rule() == Rule::settings_body => {
                let sp = span(&p);
                SettingValue::Block(self.nested(sp, Vec::new(), || self.settings_body(p)))
            }
            Some(p) => SettingValue::Expr(self.expr(p)),
            None => SettingValue::Block(Vec::new()),
        };
        Setting {
            key,
            value,
            span: sp,
        }
    }

    fn field_decl(&self, pair: Pair<Rule>) -> FieldDecl {
        let sp = span(&pair);
        let mut it = significant(pair);
        let path = it
            .next()
            .map(|p| self.field_path(p))
            .unwrap_or_else(|| FieldPath {
                segments: vec![],
                span: sp,
            });
        let ty = it
            .next()
            .map(|p| self.type_expr(p))
            .unwrap_or_else(|| TypeExpr {
                name: Spanned::new(String::new(), sp),
                formats: vec![],
                element: None,
                optional: false,
                span: sp,
            });
        FieldDecl { path, ty, span: sp }
    }

    fn type_expr(&self, pair: Pair<Rule>) -> TypeExpr {
        let sp = span(&pair);
        let mut ty = TypeExpr {
            name: Spanned::new(String::new(), sp),
            formats: vec![],
            element: None,
            optional: false,
            span: sp,
        };
        for p in significant(pair) {
            match p.as_rule() {
                Rule::ident => ty.name = self.ident(p),
                Rule::type_formats => ty.formats = significant(p).map(|s| self.string(s)).collect(),
                Rule::type_element => {
                    ty.element = significant(p).next().and_then(|t| {
                        self.nested(span(&t), None, || Some(Box::new(self.type_expr(t))))
                    })
                }
                Rule::question => ty.optional = true,
                _ => {}
            }
        }
        ty
    }

    fn assignment(&self, pair: Pair<Rule>) -> Assignment {
        let sp = span(&pair);
        let mut it = significant(pair);
        let attribute = it.next().map(|p| self.ident(p)).unwrap_or_default_ident(sp);
        let value = it
            .next()
            .map(|p| self.expr(p))
            .unwrap_or_else(|| empty_expr(sp));
        Assignment {
            attribute,
            value,
            span: sp,
        }
    }

    fn value_map_stmt(&self, pair: Pair<Rule>) -> Item {
        let sp = span(&pair);
        let mut attribute = Spanned::new(String::new(), sp);
        let mut from = None;
        let mut arms = Vec::new();
        for p in significant(pair) {
            match p.as_rule() {
                Rule::ident => attribute = self.ident(p),
                Rule::field_path => from = Some(self.field_path(p)),
                Rule::map_arm => arms.push(self.map_arm(p)),
                _ => {}
            }
        }
        Item::ValueMap(ValueMapStmt {
            attribute,
            from,
            arms,
            span: sp,
        })
    }

    fn map_arm(&self, pair: Pair<Rule>) -> MapArm {
        let sp = span(&pair);
        let mut patterns = Vec::new();
        let mut result = empty_expr(sp);
        for p in significant(pair) {
            match p.as_rule() {
                Rule::pattern => {
                    let psp = span(&p);
                    if let Some(inner) = significant(p).next() {
                        let kind = if inner.as_rule() == Rule::wildcard {
                            PatternKind::Wildcard
                        } else {
                            PatternKind::Literal(self.literal(inner))
                        };
                        patterns.push(Spanned::new(kind, psp));
                    }
                }
                Rule::arm_result => {
                    if let Some(inner) = significant(p).next() {
                        result = self.primary(inner);
                    }
                }
                _ => {}
            }
        }
        MapArm {
            patterns,
            result,
            span: sp,
        }
    }

    fn guard(&self, pair: Pair<Rule>) -> Item {
        let sp = span(&pair);
        let mut it = significant(pair);
        let subject = it.next().map(|p| self.ident(p)).unwrap_or_default_ident(sp);
        let mut it = it.peekable();
        let field = it
            .next_if(|p| p.as_rule() == Rule::guard_field)
            .and_then(|p| significant(p).find(|p| p.as_rule() == Rule::field_path))
            .map(|p| self.field_path(p));
        let op = it
            .next()
            .map(|p| {
                let op = match p.as_str() {
                    "<=" => GuardOp::Le,
                    ">=" => GuardOp::Ge,
                    "<" => GuardOp::Lt,
                    _ => GuardOp::Gt,
                };
                Spanned::new(op, span(&p))
            })
            .unwrap_or_else(|| Spanned::new(GuardOp::Le, sp));
        let limit = it
            .next()
            .and_then(|p| significant(p).next())
            .map(|p| {
                let psp = span(&p);
                let text = p.as_str();
                let lit = match text.strip_suffix('%') {
                    _ if p.as_rule() == Rule::guard_limit_other => {
                        LimitLit::Other(text.to_string())
                    }
                    Some(number) => LimitLit::Percent(number.parse().unwrap_or_else(|_| {
                        self.error(
                            Code::InvalidLiteral,
                            psp,
                            format!("`{text}` is not a percentage"),
                            "here",
                            "write e.g. `5%`",
                        );
                        0.0
                    })),
                    None => LimitLit::Count(text.parse().unwrap_or_else(|_| {
                        self.error(
                            Code::InvalidLiteral,
                            psp,
                            format!("`{text}` is not a count"),
                            "not a whole number of users",
                            "a count is a whole number such as `50`",
                        );
                        0
                    })),
                };
                Spanned::new(lit, psp)
            })
            .unwrap_or_else(|| Spanned::new(LimitLit::Count(0), sp));
        let of = it.next().map(|p| self.ident(p));
        Item::Guard(GuardStmt {
            subject,
            field,
            op,
            limit,
            of,
            span: sp,
        })
    }

    fn schedule(&self, pair: Pair<Rule>) -> Item {
        let sp = span(&pair);
        let kind = match significant(pair).next() {
            Some(p) if p.as_rule() == Rule::schedule_every => {
                let mut it = significant(p);
                let count = it
                    .next()
                    .map(|n| {
                        let nsp = span(&n);
                        let value = n.as_str().parse::<u64>().unwrap_or_else(|_| {
                            self.error(
                                Code::InvalidLiteral,
                                nsp,
                                format!("`{}` is not a positive whole number", n.as_str()),
                                "here",
                                "write e.g. `every 30 minutes`",
                            );
                            0
                        });
                        Spanned::new(value, nsp)
                    })
                    .unwrap_or_else(|| Spanned::new(0, sp));
                let unit = it.next().map(|u| self.ident(u)).unwrap_or_default_ident(sp);
                ScheduleKind::Every { count, unit }
            }
            Some(p) => {
                let mut time = Spanned::new(String::new(), sp);
                let mut zone = None;
                for q in significant(p) {
                    match q.as_rule() {
                        Rule::time => time = Spanned::new(q.as_str().to_string(), span(&q)),
                        Rule::timezone => {
                            zone = Some(Spanned::new(q.as_str().to_string(), span(&q)))
                        }
                        _ => {}
                    }
                }
                ScheduleKind::Daily { time, zone }
            }
            None => ScheduleKind::Daily {
                time: Spanned::new(String::new(), sp),
                zone: None,
            },
        };
        Item::Schedule(ScheduleStmt { kind, span: sp })
    }

    fn test_block(&self, pair: Pair<Rule>) -> Item {
        let sp = span(&pair);
        let mut name = Spanned::new(String::new(), sp);
        let mut given = Vec::new();
        let mut expect = Vec::new();
        for p in significant(pair) {
            match p.as_rule() {
                Rule::string => name = self.string(p),
                Rule::given_block => given = significant(p).map(|e| self.test_entry(e)).collect(),
                Rule::expect_block => expect = significant(p).map(|e| self.test_entry(e)).collect(),
                _ => {}
            }
        }
        Item::Test(TestBlock {
            name,
            given,
            expect,
            span: sp,
        })
    }

    fn test_entry(&self, pair: Pair<Rule>) -> TestEntry {
        let sp = span(&pair);
        let mut it = significant(pair);
        let key = match it.next() {
            Some(p) if p.as_rule() == Rule::segment_key => TestKey::Segment(
                significant(p)
                    .find(|q| q.as_rule() == Rule::string)
                    .map(|q| self.string(q))
                    .unwrap_or_else(|| Spanned::new(String::new(), sp)),
            ),
            Some(p) => TestKey::Path(self.field_path(p)),
            None => TestKey::Path(FieldPath {
                segments: vec![],
                span: sp,
            }),
        };
        let value = it
            .next()
            .map(|p| self.expr(p))
            .unwrap_or_else(|| empty_expr(sp));
        TestEntry {
            key,
            value,
            span: sp,
        }
    }

    fn field_path(&self, pair: Pair<Rule>) -> FieldPath {
        let sp = span(&pair);
        let segments = pair
            .into_inner()
            .map(|p| {
                let quoted = p.as_rule() == Rule::quoted_name;
                let text = p.as_str();
                let name = if quoted { text.trim_matches('`') } else { text };
                PathSegment {
                    name: Spanned::new(name.to_string(), span(&p)),
                    quoted,
                }
            })
            .collect();
        FieldPath { segments, span: sp }
    }

    fn string(&self, pair: Pair<Rule>) -> Spanned<String> {
        let sp = span(&pair);
        Spanned::new(self.unescape(pair.as_str(), sp), sp)
    }

    fn unescape(&self, quoted: &str, sp: Span) -> String {
        let inner = quoted
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(quoted);
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => self.error(
                            Code::InvalidLiteral,
                            sp,
                            format!("`\\u{{{hex}}}` is not a Unicode character"),
                            "invalid escape",
                            "write a code point such as `\\u{e5}`",
                        ),
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    fn literal(&self, pair: Pair<Rule>) -> Literal {
        let sp = span(&pair);
        let text = pair.as_str();
        match pair.as_rule() {
            Rule::string => Literal::Text(self.unescape(text, sp)),
            Rule::integer => Literal::Int(text.parse().unwrap_or_else(|_| {
                self.error(
                    Code::InvalidLiteral,
                    sp,
                    format!("`{text}` does not fit in a whole number"),
                    "too large",
                    "whole numbers range from -9223372036854775808 to 9223372036854775807; quote it to use it as text",
                );
                0
            })),
            Rule::decimal => Literal::Decimal(text.to_string()),
            Rule::boolean => Literal::Bool(text == "true"),
            Rule::date => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Literal::Date(d),
                Err(_) => {
                    self.error(
                        Code::InvalidLiteral,
                        sp,
                        format!("`{text}` is not a calendar date"),
                        "no such date",
                        "dates are written YYYY-MM-DD, e.g. `2025-01-31`",
                    );
                    Literal::Invalid(text.to_string())
                }
            },
            _ => Literal::Text(text.to_string()),
        }
    }

    fn expr_list(&self, pair: Pair<Rule>) -> Vec<Expr> {
        self.expr_list_h(pair).0
    }

    /// The expressions of a list and the height of the tallest.
    fn expr_list_h(&self, pair: Pair<Rule>) -> (Vec<Expr>, usize) {
        let mut height = 0;
        let list = significant(pair)
            .map(|p| {
                let (e, h) = self.expr_h(p);
                height = height.max(h);
                e
            })
            .collect();
        (list, height)
    }

    fn expr(&self, pair: Pair<Rule>) -> Expr {
        self.expr_h(pair).0
    }

    /// An expression and its height (a literal is 1). A tree that would grow taller than
    /// [`MAX_NESTING`] is cut where it would, and the place is reported.
    fn expr_h(&self, pair: Pair<Rule>) -> (Expr, usize) {
        let sp = span(&pair);
        self.nested(sp, (empty_expr(sp), 1), || self.expr_unguarded(pair))
    }

    fn expr_unguarded(&self, pair: Pair<Rule>) -> (Expr, usize) {
        if pair.as_rule() != Rule::expr {
            return self.primary_h(pair);
        }
        PRATT
            .map_primary(|p| self.primary_h(p))
            .map_prefix(|op, (rhs, h)| {
                let sp = span(&op).join(rhs.span);
                if h >= MAX_NESTING {
                    self.report_too_deep(sp);
                    return (rhs, h);
                }
                let e = Expr {
                    kind: ExprKind::Not(Box::new(rhs)),
                    span: sp,
                };
                (e, h + 1)
            })
            .map_postfix(|lhs, op| self.postfix_h(lhs, op))
            .map_infix(|(lhs, hl), op, (rhs, hr)| {
                let bin = match op.as_rule() {
                    Rule::op_or => BinOp::Or,
                    Rule::op_and => BinOp::And,
                    Rule::op_eq => BinOp::Eq,
                    Rule::op_ne => BinOp::Ne,
                    Rule::op_lt => BinOp::Lt,
                    Rule::op_le => BinOp::Le,
                    Rule::op_gt => BinOp::Gt,
                    Rule::op_ge => BinOp::Ge,
                    _ => BinOp::Coalesce,
                };
                let sp = lhs.span.join(rhs.span);
                let h = hl.max(hr);
                if h >= MAX_NESTING {
                    self.report_too_deep(span(&op));
                    return (lhs, hl);
                }
                let e = Expr {
                    kind: ExprKind::Binary {
                        op: Spanned::new(bin, span(&op)),
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span: sp,
                };
                (e, h + 1)
            })
            .parse(pair.into_inner().filter(|p| p.as_rule() != Rule::COMMENT))
    }

    fn postfix_h(&self, (lhs, hl): (Expr, usize), op: Pair<Rule>) -> (Expr, usize) {
        let sp = lhs.span.join(span(&op));
        if hl >= MAX_NESTING {
            self.report_too_deep(span(&op));
            return (lhs, hl);
        }
        let (kind, h) = match op.as_rule() {
            Rule::is_empty_op => {
                let negated = op.into_inner().any(|p| p.as_rule() == Rule::kw_not);
                let kind = ExprKind::IsEmpty {
                    expr: Box::new(lhs),
                    negated,
                };
                (kind, hl)
            }
            Rule::in_op => {
                let mut negated = false;
                let mut list = Vec::new();
                let mut hlist = 0;
                for p in op.into_inner() {
                    match p.as_rule() {
                        Rule::kw_not => negated = true,
                        Rule::expr_list => (list, hlist) = self.expr_list_h(p),
                        _ => {}
                    }
                }
                let kind = ExprKind::In {
                    expr: Box::new(lhs),
                    list,
                    negated,
                };
                (kind, hl.max(hlist))
            }
            _ => {
                let kind = ExprKind::Map {
                    scrutinee: Box::new(lhs),
                    arms: significant(op)
                        .filter(|p| p.as_rule() == Rule::map_arm)
                        .map(|p| self.map_arm(p))
                        .collect(),
                };
                (kind, hl.max(1))
            }
        };
        if h >= MAX_NESTING {
            self.report_too_deep(sp);
            return (empty_expr(sp), 1);
        }
        (Expr { kind, span: sp }, h + 1)
    }

    fn primary(&self, pair: Pair<Rule>) -> Expr {
        self.primary_h(pair).0
    }

    fn primary_h(&self, pair: Pair<Rule>) -> (Expr, usize) {
        let sp = span(&pair);
        let (kind, children) = match pair.as_rule() {
            Rule::expr => return self.expr_h(pair),
            Rule::paren_expr => {
                let (inner, h) = significant(pair)
                    .next()
                    .map(|p| self.expr_h(p))
                    .unwrap_or_else(|| (empty_expr(sp), 1));
                (ExprKind::Paren(Box::new(inner)), h)
            }
            Rule::list_expr => {
                let (list, h) = significant(pair)
                    .next()
                    .map(|p| self.expr_list_h(p))
                    .unwrap_or_default();
                (ExprKind::List(list), h)
            }
            Rule::if_expr => {
                let mut height = 0;
                let mut parts = significant(pair).map(|p| {
                    let (e, h) = self.expr_h(p);
                    height = height.max(h);
                    e
                });
                let cond = parts.next().unwrap_or_else(|| empty_expr(sp));
                let then = parts.next().unwrap_or_else(|| empty_expr(sp));
                let otherwise = parts.next().unwrap_or_else(|| empty_expr(sp));
                drop(parts);
                let kind = ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                };
                (kind, height)
            }
            Rule::kw_today => (ExprKind::Today, 0),
            Rule::call => {
                let mut it = significant(pair);
                let name = it.next().map(|p| self.ident(p)).unwrap_or_default_ident(sp);
                let mut height = 0;
                let args = it
                    .map(|p| {
                        let (e, h) = self.expr_h(p);
                        height = height.max(h);
                        e
                    })
                    .collect();
                (ExprKind::Call { name, args }, height)
            }
            Rule::field_path => (ExprKind::Field(self.field_path(pair)), 0),
            Rule::string | Rule::integer | Rule::decimal | Rule::boolean | Rule::date => {
                (ExprKind::Literal(self.literal(pair)), 0)
            }
            _ => return (unexpected_rule(&pair), 1),
        };
        if children >= MAX_NESTING {
            self.report_too_deep(sp);
            return (empty_expr(sp), 1);
        }
        (Expr { kind, span: sp }, children + 1)
    }
}

fn empty_expr(sp: Span) -> Expr {
    Expr {
        kind: ExprKind::Literal(Literal::Text(String::new())),
        span: sp,
    }
}

trait IdentDefault {
    fn unwrap_or_default_ident(self, sp: Span) -> Ident;
}

impl IdentDefault for Option<Ident> {
    fn unwrap_or_default_ident(self, sp: Span) -> Ident {
        self.unwrap_or_else(|| Spanned::new(String::new(), sp))
    }
}
