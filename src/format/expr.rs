//! Expressions, literals, names and types.
//!
//! An expression is printed token by token in the order the parser read it, with the author's
//! parentheses (the tree keeps them as `Paren`) and none added, so re-parsing the output gives
//! the same tree. Only value maps can span lines.

use super::layout::{Child, Mode, Node};
use super::lines::Writer;
use super::printer::Printer;
use crate::syntax::ast::{
    Expr, ExprKind, FieldPath, Literal, MapArm, PatternKind, TestKey, TypeExpr,
};
use chrono::Datelike;

/// A text literal with `"`, `\`, line breaks, tabs and other control characters escaped;
/// every other character is written as itself.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal as the grammar reads it back.
pub(crate) fn literal(lit: &Literal) -> String {
    match lit {
        Literal::Text(s) => quote(s),
        Literal::Int(i) => i.to_string(),
        Literal::Decimal(d) => d.clone(),
        Literal::Bool(b) => b.to_string(),
        Literal::Date(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        // Never printed: a file with an invalid literal is refused before printing. Kept as
        // written so the printer stays total.
        Literal::Invalid(text) => text.clone(),
    }
}

/// `department.name`, `` `Cost center` ``: backticks where the author wrote them.
pub(crate) fn path(p: &FieldPath) -> String {
    let parts: Vec<String> = p
        .segments
        .iter()
        .map(|s| {
            if s.quoted {
                format!("`{}`", s.name.node)
            } else {
                s.name.node.clone()
            }
        })
        .collect();
    parts.join(".")
}

/// `text`, `date("%d.%m.%Y", "%Y-%m-%d")`, `list<text>?`
pub(crate) fn type_expr(t: &TypeExpr) -> String {
    let mut out = t.name.node.clone();
    if !t.formats.is_empty() {
        let formats: Vec<String> = t.formats.iter().map(|f| quote(&f.node)).collect();
        out.push('(');
        out.push_str(&formats.join(", "));
        out.push(')');
    }
    if let Some(element) = &t.element {
        out.push('<');
        out.push_str(&type_expr(element));
        out.push('>');
    }
    if t.optional {
        out.push('?');
    }
    out
}

/// The left side of a test entry: `Office` or `segment "Country"`.
pub(crate) fn test_key(key: &TestKey) -> String {
    match key {
        TestKey::Path(p) => path(p),
        TestKey::Segment(s) => format!("segment {}", quote(&s.node)),
    }
}

/// How a value-map arm is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArmStyle {
    /// In a statement: `"a" | "b"->X` (the fixed `1->Male` form).
    Statement,
    /// In an expression on one line: `"a" | "b" -> X` (the `, ` comes from the map).
    Inline,
    /// In an expression, one arm per line: `"a" | "b" -> X,`
    Line,
}

impl Printer<'_> {
    /// Writes an expression; `brk` breaks every value map in it one arm per line (used when the
    /// line would not fit). A value map that contains comments always breaks so they can stay
    /// next to their arms.
    pub(crate) fn expr(&self, e: &Expr, w: &mut Writer, brk: bool) {
        match &e.kind {
            ExprKind::Literal(l) => w.push(&literal(l)),
            ExprKind::Field(p) => w.push(&path(p)),
            ExprKind::Today => w.push("today"),
            ExprKind::Call { name, args } => {
                w.push(&name.node);
                w.push("(");
                self.list(args, w, brk);
                w.push(")");
            }
            ExprKind::Not(x) => {
                w.push("not ");
                self.expr(x, w, brk);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.expr(lhs, w, brk);
                w.push(" ");
                w.push(op.node.symbol());
                w.push(" ");
                self.expr(rhs, w, brk);
            }
            ExprKind::IsEmpty { expr, negated } => {
                self.expr(expr, w, brk);
                w.push(if *negated {
                    " is not empty"
                } else {
                    " is empty"
                });
            }
            ExprKind::In {
                expr,
                list,
                negated,
            } => {
                self.expr(expr, w, brk);
                w.push(if *negated { " not in [" } else { " in [" });
                self.list(list, w, brk);
                w.push("]");
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                w.push("if ");
                self.expr(cond, w, brk);
                w.push(" then ");
                self.expr(then, w, brk);
                w.push(" else ");
                self.expr(otherwise, w, brk);
            }
            ExprKind::Map { scrutinee, arms } => self.map_expr(e, scrutinee, arms, w, brk),
            ExprKind::List(items) => {
                w.push("[");
                self.list(items, w, brk);
                w.push("]");
            }
            ExprKind::Paren(x) => {
                w.push("(");
                self.expr(x, w, brk);
                w.push(")");
            }
        }
    }

    /// `a, b, c`
    pub(crate) fn list(&self, items: &[Expr], w: &mut Writer, brk: bool) {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            self.expr(x, w, brk);
        }
    }

    /// `Status { "active" -> Active, _ -> Paused }`, or one arm per line.
    fn map_expr(&self, whole: &Expr, scrutinee: &Expr, arms: &[MapArm], w: &mut Writer, brk: bool) {
        self.expr(scrutinee, w, brk);
        let scrutinee_end = self.c.real_end(scrutinee.span.start, scrutinee.span.end);
        let open = self.expect_char(self.c.skip_trivia(scrutinee_end), '{');
        let close = self.expect_char(self.c.real_end(whole.span.start, whole.span.end) - 1, '}');
        if !brk && !self.c.any_in(open + 1, close) {
            if arms.is_empty() {
                w.push(" {}");
                return;
            }
            w.push(" { ");
            for (i, arm) in arms.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                self.arm(arm, ArmStyle::Inline, w);
            }
            w.push(" }");
            return;
        }
        let children = arms
            .iter()
            .map(|arm| self.arm_child(arm, ArmStyle::Line))
            .collect();
        let (header, lines) = self.body(open + 1, close, true, children, w.indent + 1, Mode::Plain);
        w.push(" {");
        w.comment(header);
        w.break_with(lines);
        w.push("}");
    }

    /// A value-map arm as a child of a broken map.
    pub(crate) fn arm_child<'n>(&self, arm: &'n MapArm, style: ArmStyle) -> Child<'n> {
        Child {
            start: arm.span.start,
            end: self.c.real_end(arm.span.start, arm.span.end),
            key: None,
            nested: false,
            node: Node::Arm(arm, style),
        }
    }

    /// One arm: patterns, arrow, result.
    pub(crate) fn arm(&self, arm: &MapArm, style: ArmStyle, w: &mut Writer) {
        for (i, p) in arm.patterns.iter().enumerate() {
            if i > 0 {
                w.push(" | ");
            }
            match &p.node {
                PatternKind::Wildcard => w.push("_"),
                PatternKind::Literal(l) => w.push(&literal(l)),
            }
        }
        w.push(if style == ArmStyle::Statement {
            "->"
        } else {
            " -> "
        });
        self.expr(&arm.result, w, false);
        if style == ArmStyle::Line {
            w.push(",");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_only_what_it_must() {
        assert_eq!(quote("a\"b\\c\nd\te\rf"), r#""a\"b\\c\nd\te\rf""#);
        assert_eq!(quote("Malmö – ok"), "\"Malmö – ok\"");
        assert_eq!(quote("\u{1b}"), r#""\u{1b}""#);
    }

    #[test]
    fn dates_are_zero_padded() {
        let d = chrono::NaiveDate::from_ymd_opt(7, 1, 2).unwrap();
        assert_eq!(literal(&Literal::Date(d)), "0007-01-02");
    }
}
