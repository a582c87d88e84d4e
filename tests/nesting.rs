//! Deep nesting never overflows the stack (issue 21, item 8). Nests of every kind that
//! recurses — brackets, calls, `if` chains in either branch, `not`, `??`, `and`, `or`,
//! comparisons, `is empty`, value maps, lists, list types, setting blocks — are generated at
//! depths below the limit, just above it and thousands deep, and run through the checker, the
//! formatter and the evaluator (with a trace, as `explain` and `test` do) on a thread with a
//! 2 MiB stack, the default of every thread Rust starts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use proptest::prelude::*;
use wtmap::builtins::Context;
use wtmap::check::check_source;
use wtmap::diagnostics::Code;
use wtmap::records::{Origin, Record};
use wtmap::source::SourceFile;
use wtmap::syntax::depth::MAX_NESTING;

const HEAD: &str = "source csv { path = \"p.csv\" }\nfields {\n  Id: text\n  Email: text\n  First: text\n  Last: text\n  Dept: text?\n}\ntarget winningtemp.files { dir = \"out\" }\n";

#[derive(Debug, Clone, Copy)]
enum Kind {
    Paren,
    Call,
    IfThen,
    ElseIf,
    Not,
    Coalesce,
    And,
    Or,
    Compare,
    IsEmpty,
    ValueMap,
    List,
    InList,
    ListType,
    Settings,
}

const KINDS: &[Kind] = &[
    Kind::Paren,
    Kind::Call,
    Kind::IfThen,
    Kind::ElseIf,
    Kind::Not,
    Kind::Coalesce,
    Kind::And,
    Kind::Or,
    Kind::Compare,
    Kind::IsEmpty,
    Kind::ValueMap,
    Kind::List,
    Kind::InList,
    Kind::ListType,
    Kind::Settings,
];

fn user(first_name: &str) -> String {
    format!(
        "user {{\n  external_id = Id\n  username = Email\n  first_name = {first_name}\n  last_name = Last\n}}\n"
    )
}

/// A whole mapping with one construct nested `n` levels deep.
fn mapping(kind: Kind, n: usize) -> String {
    let plain = || format!("{HEAD}{}", user("First"));
    match kind {
        Kind::Paren => format!(
            "{HEAD}{}",
            user(&format!("{}First{}", "(".repeat(n), ")".repeat(n)))
        ),
        Kind::Call => format!(
            "{HEAD}{}",
            user(&format!("{}First{}", "trim(".repeat(n), ")".repeat(n)))
        ),
        Kind::IfThen => format!(
            "{HEAD}{}",
            user(&format!(
                "{}First{}",
                "if Id == \"x\" then ".repeat(n),
                " else \"y\"".repeat(n)
            ))
        ),
        Kind::ElseIf => format!(
            "{HEAD}{}",
            user(&format!(
                "{}First",
                "if Id == \"x\" then \"a\" else ".repeat(n)
            ))
        ),
        Kind::Not => format!("{}skip when {}Id == \"x\"\n", plain(), "not ".repeat(n)),
        Kind::Coalesce => format!("{HEAD}{}", user(&format!("{}First", "Dept ?? ".repeat(n)))),
        Kind::And => format!(
            "{}skip when {}Id == \"x\"\n",
            plain(),
            "Id == \"x\" and ".repeat(n)
        ),
        Kind::Or => format!(
            "{}skip when {}Id == \"x\"\n",
            plain(),
            "Id == \"x\" or ".repeat(n)
        ),
        Kind::Compare => format!("{}skip when Id{}\n", plain(), " == Id".repeat(n)),
        Kind::IsEmpty => format!("{}skip when Dept{}\n", plain(), " is empty".repeat(n)),
        Kind::ValueMap => format!(
            "{HEAD}{}",
            user(&format!(
                "First{}",
                " { \"a\" -> \"b\", _ -> First }".repeat(n)
            ))
        ),
        Kind::List => format!(
            "{}group path = [{}Id{}]\n",
            plain(),
            "[".repeat(n),
            "]".repeat(n)
        ),
        Kind::InList => format!(
            "{}skip when Id in [{}\"x\"{}]\n",
            plain(),
            "[".repeat(n),
            "]".repeat(n)
        ),
        Kind::ListType => format!(
            "{}fields {{ Tags: {}text{} }}\n",
            plain(),
            "list<".repeat(n),
            ">".repeat(n)
        ),
        Kind::Settings => format!(
            "{}rules {{ {}x = 1 {} }}\n",
            plain(),
            "a { ".repeat(n),
            "} ".repeat(n)
        ),
    }
}

/// Every pass over the mapping, on a 2 MiB stack. Returns whether the checker reported E0003.
fn every_pass(text: String) -> bool {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let file = SourceFile::new("deep.wtmap", text);
            let (program, diags) = check_source(&file);
            let too_deep = diags.iter().any(|d| d.code == Code::NestingTooDeep);
            // The formatter refuses what does not parse and formats the rest; neither may
            // overflow.
            let formatted = wtmap::format::format_source(&file);
            assert_eq!(formatted.is_err(), too_deep, "fmt and check disagree");
            if let Some(program) = program {
                let mut fields = serde_json::Map::new();
                for (k, v) in [
                    ("Id", "1"),
                    ("Email", "a@b.se"),
                    ("First", "A"),
                    ("Last", "B"),
                ] {
                    fields.insert(k.into(), serde_json::json!(v));
                }
                let record = Record {
                    fields,
                    origin: Origin {
                        index: 0,
                        line: Some(2),
                    },
                };
                let ctx = Context {
                    today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
                };
                let desired = wtmap::eval::evaluate(&program, std::slice::from_ref(&record), &ctx);
                assert_eq!(
                    desired.users.len() + desired.skipped.len() + desired.quarantined.len(),
                    1
                );
                let _ = wtmap::eval::trace_record(&program, &record, &ctx);
            }
            too_deep
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn every_kind_just_below_the_limit_passes_every_pass() {
    // A leaf and the statement around it take a few levels; a nest of LIMIT - 4 must be fine.
    for kind in KINDS {
        let text = mapping(*kind, MAX_NESTING - 4);
        assert!(!every_pass(text), "{kind:?} below the limit reported E0003");
    }
}

#[test]
fn every_kind_five_thousand_deep_is_one_clear_error() {
    for kind in KINDS {
        assert!(every_pass(mapping(*kind, 5000)), "{kind:?} 5000 deep");
    }
}

#[test]
fn the_error_names_the_place() {
    let text = mapping(Kind::Paren, 5000);
    let (_, diags) = check_source(&SourceFile::new("deep.wtmap", text.clone()));
    let d = diags.iter().next().unwrap();
    assert_eq!(d.code, Code::NestingTooDeep);
    assert!(d.span().start > text.find("first_name").unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn nests_of_every_kind_and_depth_never_overflow(
        kind in 0..KINDS.len(),
        n in prop_oneof![1..MAX_NESTING - 4, MAX_NESTING + 1..4 * MAX_NESTING, 2000..8000usize],
    ) {
        let too_deep = every_pass(mapping(KINDS[kind], n));
        if n < MAX_NESTING - 4 {
            prop_assert!(!too_deep, "{:?} {} deep reported E0003", KINDS[kind], n);
        }
        if n > MAX_NESTING {
            prop_assert!(too_deep, "{:?} {} deep passed", KINDS[kind], n);
        }
    }

    #[test]
    fn mixed_nests_never_overflow(picks in proptest::collection::vec(0..6usize, 1..3000)) {
        // Any interleaving of the openers that recurse, closed in order.
        let mut open = String::new();
        let mut close = String::new();
        for p in &picks {
            match p {
                0 => { open.push('('); close.insert(0, ')'); }
                1 => { open.push_str("trim("); close.insert(0, ')'); }
                2 => { open.push_str("if Id == \"x\" then "); close.insert_str(0, " else \"y\""); }
                3 => open.push_str("Dept ?? "),
                4 => { open.push('['); close.insert(0, ']'); }
                _ => { open.push_str("not "); }
            }
        }
        let text = format!("{HEAD}{}", user(&format!("{open}First{close}")));
        let too_deep = every_pass(text);
        // Brackets, calls and `if … then` always enclose the rest, so each is a level more.
        // The others need not be: `??` chains to the left (`Dept ?? Dept ?? x` is
        // `(Dept ?? Dept) ?? x`, one level above `x`), and `not` binds tighter than `??`
        // (`not Dept ?? x` is `(not Dept) ?? x`).
        let enclosing = picks.iter().filter(|p| matches!(p, 0 | 1 | 2 | 4)).count();
        if enclosing > MAX_NESTING {
            prop_assert!(too_deep);
        }
    }
}
