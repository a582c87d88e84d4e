//! The builtin table's own invariants; every builtin's examples run in `examples`, and
//! `fixtures` holds what the builtins' unit tests share.

mod examples;
pub(crate) mod fixtures;

use crate::builtins::*;

#[test]
fn names_are_sorted_and_unique() {
    for pair in BUILTINS.windows(2) {
        assert!(
            pair[0].name < pair[1].name,
            "`{}` must come before `{}`",
            pair[0].name,
            pair[1].name
        );
    }
}

#[test]
fn every_builtin_is_documented_with_an_example() {
    for b in BUILTINS {
        assert!(!b.examples.is_empty(), "`{}` has no example", b.name);
        assert!(
            !b.summary.is_empty() && b.summary.ends_with('.'),
            "`{}` summary",
            b.name
        );
        for p in b.params {
            assert!(
                !p.doc.is_empty(),
                "`{}` param `{}` has no doc",
                b.name,
                p.name
            );
        }
        for ex in b.examples {
            assert!(
                ex.call.starts_with(b.name) || ex.call.contains(&format!("{}(", b.name)),
                "{ex:?}"
            );
        }
    }
}

#[test]
fn defaults_are_trailing_and_variadics_have_params() {
    for b in BUILTINS {
        let first_default = b
            .params
            .iter()
            .position(|p| p.default.is_some())
            .unwrap_or(b.params.len());
        assert!(
            b.params[first_default..]
                .iter()
                .all(|p| p.default.is_some()),
            "`{}`",
            b.name
        );
        assert!(
            !b.variadic || (!b.params.is_empty() && first_default == b.params.len()),
            "`{}`",
            b.name
        );
    }
}

#[test]
fn lookup_and_suggest() {
    assert_eq!(lookup("lower").map(|b| b.name), Some("lower"));
    assert!(lookup("Lower").is_none());
    assert_eq!(suggest("lowr"), Some("lower"));
    assert_eq!(
        suggest("normalise_diacritics"),
        Some("normalize_diacritics")
    );
    assert_eq!(suggest("xyzzy"), None);
}

#[test]
fn call_lifts_empty_and_normalises_empty_results() {
    let ctx = Context::for_examples();
    let upper = lookup("upper").unwrap();
    assert_eq!(upper.call(&[Value::Empty], &ctx), Ok(Value::Empty));
    let trim = lookup("trim").unwrap();
    assert_eq!(
        trim.call(&[Value::Text("   ".into())], &ctx),
        Ok(Value::Empty)
    );
    // optional_ok parameters see the empty value themselves.
    let coalesce = lookup("coalesce").unwrap();
    let got = coalesce.call(&[Value::Empty, Value::Text("x".into())], &ctx);
    assert_eq!(got, Ok(Value::Text("x".into())));
}
