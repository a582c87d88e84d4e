//! Text → syntax tree. `parse` never panics and never stops at the first problem it can
//! recover from inside a statement's literals; a grammar error stops the parse with one
//! diagnostic that says what was expected, in words.

pub mod ast;
pub mod depth;
pub(crate) mod errors;
mod parser;

use crate::diagnostics::Diagnostics;
use crate::source::SourceFile;

/// Parses a mapping. On success the file may still carry literal diagnostics (an impossible
/// date), so the caller gets both.
pub fn parse(file: &SourceFile) -> Result<(ast::File, Diagnostics), Diagnostics> {
    parser::parse_file(&file.text)
}

/// Parses a lone expression (builtin examples, tooling).
pub fn parse_expression(file: &SourceFile) -> Result<(ast::Expr, Diagnostics), Diagnostics> {
    parser::parse_expression(&file.text)
}

#[cfg(test)]
mod tests {
    use super::ast::*;
    use super::*;

    fn parse_ok(text: &str) -> File {
        match parse(&SourceFile::new("t.wtmap", text)) {
            Ok((file, diags)) => {
                assert!(diags.is_empty(), "{diags:?}");
                file
            }
            Err(d) => panic!("{text}\n{:?}", d),
        }
    }

    fn parse_err(text: &str) -> String {
        match parse(&SourceFile::new("t.wtmap", text)) {
            Ok(_) => panic!("parsed: {text}"),
            Err(d) => d.0[0].message.clone(),
        }
    }

    #[test]
    fn the_three_fixed_forms_parse_exactly_as_written() {
        let f = parse_ok(
            "group path = [Office, Department, Team]\nexclude when EmploymentType == \"External Personnel\"\ngender 1->Male 2->Female _->None\n",
        );
        assert_eq!(f.items.len(), 3);
        let Item::GroupPath(g) = &f.items[0] else {
            panic!()
        };
        assert_eq!(g.levels.len(), 3);
        let Item::Condition(c) = &f.items[1] else {
            panic!()
        };
        assert_eq!(c.kind, ConditionKind::Exclude);
        assert!(matches!(c.condition.kind, ExprKind::Binary { .. }));
        let Item::ValueMap(m) = &f.items[2] else {
            panic!()
        };
        assert_eq!(m.attribute.node, "gender");
        assert_eq!(m.arms.len(), 3);
        assert_eq!(m.arms[2].patterns[0].node, PatternKind::Wildcard);
    }

    #[test]
    fn flex_example_parses_with_comments() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/flex.wtmap"))
                .unwrap();
        let f = parse_ok(&text);
        assert!(f.items.len() > 10);
        assert!(f.comments.iter().any(|c| c.text.contains("SSO matches")));
    }

    #[test]
    fn unicode_backtick_and_dotted_names() {
        let f =
            parse_ok("user { first_name = Förnamn\n cost = `Cost center` \n d = department.name }");
        let Item::User(u) = &f.items[0] else { panic!() };
        let ExprKind::Field(p) = &u.assignments[2].value.kind else {
            panic!()
        };
        assert_eq!(p.dotted(), "department.name");
        let ExprKind::Field(q) = &u.assignments[1].value.kind else {
            panic!()
        };
        assert!(q.segments[0].quoted);
    }

    #[test]
    fn precedence_or_and_not_comparison_coalesce() {
        let f = parse_ok("skip when not A == \"x\" or B ?? \"y\" == \"z\" and C is not empty");
        let Item::Condition(c) = &f.items[0] else {
            panic!()
        };
        let ExprKind::Binary { op, lhs, rhs } = &c.condition.kind else {
            panic!()
        };
        assert_eq!(op.node, BinOp::Or);
        assert!(matches!(lhs.kind, ExprKind::Not(_)));
        let ExprKind::Binary {
            op: and, lhs: eq, ..
        } = &rhs.kind
        else {
            panic!()
        };
        assert_eq!(and.node, BinOp::And);
        let ExprKind::Binary {
            op: eqop,
            lhs: coalesce,
            ..
        } = &eq.kind
        else {
            panic!()
        };
        assert_eq!(eqop.node, BinOp::Eq);
        assert!(
            matches!(&coalesce.kind, ExprKind::Binary { op, .. } if op.node == BinOp::Coalesce)
        );
    }

    #[test]
    fn value_map_expression_and_if() {
        let f = parse_ok(
            "user { status = Status { \"active\" | \"leave\" -> Active, _ -> Paused }\n x = if A then \"a\" else \"b\" }",
        );
        let Item::User(u) = &f.items[0] else { panic!() };
        let ExprKind::Map { arms, .. } = &u.assignments[0].value.kind else {
            panic!()
        };
        assert_eq!(arms[0].patterns.len(), 2);
        assert!(matches!(u.assignments[1].value.kind, ExprKind::If { .. }));
    }

    #[test]
    fn errors_say_what_was_expected_in_words() {
        assert_eq!(
            parse_err("user {\n  external_id Id\n}"),
            "expected `=` after `external_id`"
        );
        let m = parse_err("gender 1=>Male");
        assert!(m.contains("`->`"), "{m}");
        let m = parse_err("source flex {\n  url = \n}");
        assert!(m.contains("an expression"), "{m}");
        assert!(!m.contains("assign_op") && !m.contains("kw_"), "{m}");
    }

    #[test]
    fn segment_statement_keeps_category_and_value() {
        let f = parse_ok("segment \"Country\" = office.country");
        let Item::Segment(s) = &f.items[0] else {
            panic!()
        };
        assert_eq!(s.category.node, "Country");
        assert!(matches!(&s.value.kind, ExprKind::Field(p) if p.dotted() == "office.country"));
    }

    #[test]
    fn impossible_dates_are_literal_errors_not_panics() {
        let (_, diags) = parse(&SourceFile::new("t", "pause when EndDate < 2025-02-30")).unwrap();
        assert_eq!(diags.0[0].code, crate::diagnostics::Code::InvalidLiteral);
    }
}
