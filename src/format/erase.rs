//! Span erasure, so two trees can be compared by structure alone.
//!
//! `Spanned<T>` ignores its span in `==`, but most nodes carry a plain `span: Span` field
//! that the derived `PartialEq` does compare; the soundness check therefore compares copies
//! with every such span set to zero.

use crate::source::Span;
use crate::syntax::ast::{
    Expr, ExprKind, FieldPath, Item, MapArm, Setting, SettingValue, TestEntry, TestKey, TypeExpr,
};

/// Zeroes every plain span in the statements.
pub(crate) fn erase_spans(items: &mut [Item]) {
    for item in items {
        erase_item(item);
    }
}

fn erase_item(item: &mut Item) {
    let zero = Span::default();
    match item {
        Item::Source(s) => {
            s.span = zero;
            settings(&mut s.settings);
        }
        Item::Fields(f) | Item::UnitFields(f) => {
            f.span = zero;
            for d in &mut f.fields {
                d.span = zero;
                path(&mut d.path);
                type_expr(&mut d.ty);
            }
        }
        Item::Target(t) => {
            t.span = zero;
            settings(&mut t.settings);
        }
        Item::Match(m) => m.span = zero,
        Item::Group(g) => {
            g.span = zero;
            expr(&mut g.unit);
        }
        Item::Units(u) => {
            u.span = zero;
            for a in &mut u.assignments {
                a.span = zero;
                expr(&mut a.value);
            }
        }
        Item::User(u) => {
            u.span = zero;
            for a in &mut u.assignments {
                a.span = zero;
                expr(&mut a.value);
            }
        }
        Item::ValueMap(v) => {
            v.span = zero;
            if let Some(p) = &mut v.from {
                path(p);
            }
            arms(&mut v.arms);
        }
        Item::GroupPath(g) => {
            g.span = zero;
            g.levels.iter_mut().for_each(expr);
            if let Some(ids) = &mut g.ids {
                ids.iter_mut().for_each(expr);
            }
        }
        Item::Segment(s) => {
            s.span = zero;
            expr(&mut s.value);
        }
        Item::Condition(c) => {
            c.span = zero;
            expr(&mut c.condition);
        }
        Item::Rules(r) => {
            r.span = zero;
            settings(&mut r.settings);
        }
        Item::Guard(g) => {
            g.span = zero;
            if let Some(p) = &mut g.field {
                path(p);
            }
        }
        Item::Schedule(s) => s.span = zero,
        Item::Report(r) => r.span = zero,
        Item::Test(t) => {
            t.span = zero;
            entries(&mut t.given);
            entries(&mut t.expect);
        }
    }
}

fn settings(list: &mut [Setting]) {
    for s in list {
        s.span = Span::default();
        match &mut s.value {
            SettingValue::Expr(e) => expr(e),
            SettingValue::Block(inner) => settings(inner),
        }
    }
}

fn entries(list: &mut [TestEntry]) {
    for e in list {
        e.span = Span::default();
        if let TestKey::Path(p) = &mut e.key {
            path(p);
        }
        expr(&mut e.value);
    }
}

fn arms(list: &mut [MapArm]) {
    for a in list {
        a.span = Span::default();
        expr(&mut a.result);
    }
}

fn type_expr(t: &mut TypeExpr) {
    t.span = Span::default();
    if let Some(e) = &mut t.element {
        type_expr(e);
    }
}

fn path(p: &mut FieldPath) {
    p.span = Span::default();
}

fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Literal(_) | ExprKind::Today => {}
        ExprKind::Field(p) => path(p),
        ExprKind::Call { args, .. } => args.iter_mut().for_each(expr),
        ExprKind::Not(x) | ExprKind::Paren(x) => expr(x),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(lhs);
            expr(rhs);
        }
        ExprKind::IsEmpty { expr: x, .. } => expr(x),
        ExprKind::In { expr: x, list, .. } => {
            expr(x);
            list.iter_mut().for_each(expr);
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            expr(cond);
            expr(then);
            expr(otherwise);
        }
        ExprKind::Map { scrutinee, arms: a } => {
            expr(scrutinee);
            arms(a);
        }
        ExprKind::List(items) => items.iter_mut().for_each(expr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::syntax::parse;

    #[test]
    fn trees_differing_only_in_layout_compare_equal_after_erasure() {
        let a = "user { a = f(X, `Y z`.w) { 1 -> A } }\ntest \"t\" { given { k = [1] } expect {} }";
        let b = "user {\n  a   =   f( X ,`Y z`.w ){1->A}\n}\n\ntest \"t\" {given{k=[1,]}expect{}}";
        let mut ta = parse(&SourceFile::new("a", a)).unwrap().0.items;
        let mut tb = parse(&SourceFile::new("b", b)).unwrap().0.items;
        assert_ne!(ta, tb, "plain span fields take part in ==");
        erase_spans(&mut ta);
        erase_spans(&mut tb);
        assert_eq!(ta, tb);
    }
}
