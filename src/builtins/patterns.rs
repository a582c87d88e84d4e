//! Regular-expression builtins. Patterns are literals, compiled once at check time to validate
//! them and once per thread at run time (cached), never once per record.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    /// Compiled patterns by source text. Per thread so the hot path takes no lock; a mapping has
    /// a handful of literal patterns, so the map stays tiny.
    static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// The compiled `pattern`, from the cache when seen before on this thread.
fn compiled(pattern: &str) -> Result<Regex, BuiltinError> {
    CACHE.with(|cache| {
        if let Some(re) = cache.borrow().get(pattern) {
            // Regex is a reference-counted handle: cloning does not recompile.
            return Ok(re.clone());
        }
        let re = Regex::new(pattern)
            .map_err(|e| BuiltinError::new(format!("`{pattern}` is not a valid pattern: {e}")))?;
        cache.borrow_mut().insert(pattern.to_owned(), re.clone());
        Ok(re)
    })
}

/// Check-time validation of a pattern literal.
fn validate_pattern(pattern: &str) -> Result<(), String> {
    Regex::new(pattern)
        .map(|_| ())
        .map_err(|e| format!("`{pattern}` is not a valid regular expression: {e}"))
}

/// `matches(text, regex literal) -> bool`
pub static MATCHES: Builtin = Builtin {
    name: "matches",
    params: &[
        Param::new("value", ParamType::Text, "the text to test"),
        Param::new(
            "pattern",
            ParamType::Text,
            "a regular expression (Rust `regex` syntax) as a literal",
        )
        .literal(validate_pattern),
    ],
    variadic: false,
    returns: Ret::Bool,
    summary: "True if the pattern matches anywhere in the text; anchor with `^…$` to match the whole text.",
    examples: &[
        Example {
            call: r#"matches("EXT-1042", "^EXT-[0-9]+$")"#,
            result: "true",
        },
        Example {
            call: r#"matches("anna@acme.se", "(?i)@ACME[.]SE$")"#,
            result: "true",
        },
    ],
    config_only: false,
    run: |args, _| {
        Ok(Value::Bool(
            compiled(args::text(args, 1)?)?.is_match(args::text(args, 0)?),
        ))
    },
};

/// `replace_regex(text, regex literal, text) -> text`
pub static REPLACE_REGEX: Builtin = Builtin {
    name: "replace_regex",
    params: &[
        Param::new("value", ParamType::Text, "the text"),
        Param::new(
            "pattern",
            ParamType::Text,
            "a regular expression as a literal",
        )
        .literal(validate_pattern),
        Param::new(
            "to",
            ParamType::Text,
            "the replacement; `$1` or `${name}` insert captured groups",
        ),
    ],
    variadic: false,
    returns: Ret::Text,
    summary: "Replaces every match of the pattern; the replacement may refer to groups as `$1`.",
    examples: &[Example {
        call: r#"replace_regex("1042 Sales", "^[0-9]+ ", "")"#,
        result: r#""Sales""#,
    }],
    config_only: false,
    run: replace_regex,
};

fn replace_regex(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let (s, to) = (args::text(args, 0)?, args::text(args, 2)?);
    let re = compiled(args::text(args, 1)?)?;
    Ok(Value::Text(re.replace_all(s, to).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::tests::fixtures::{ok, t};

    #[test]
    fn matches_searches_anywhere() {
        assert_eq!(ok("matches", &[t("Åsa Öberg"), t("Öb")]), Value::Bool(true));
        assert_eq!(ok("matches", &[t("Åsa"), t("^å")]), Value::Bool(false));
        assert_eq!(ok("matches", &[t("Åsa"), t("(?i)^å")]), Value::Bool(true));
        assert_eq!(ok("matches", &[Value::Empty, t("x")]), Value::Empty);
    }

    #[test]
    fn patterns_are_validated_and_cached() {
        assert!(validate_pattern("^[0-9]+$").is_ok());
        assert!(
            validate_pattern("(unclosed")
                .unwrap_err()
                .contains("`(unclosed`")
        );
        let _ = compiled("^cached$");
        assert!(CACHE.with(|c| c.borrow().contains_key("^cached$")));
        assert!(compiled("(").is_err());
    }

    #[test]
    fn replace_regex_with_groups() {
        assert_eq!(
            ok(
                "replace_regex",
                &[t("Berg, Mia"), t("^(\\w+), (\\w+)$"), t("$2 $1")]
            ),
            t("Mia Berg")
        );
        assert_eq!(
            ok("replace_regex", &[t("a1b22"), t("[0-9]"), t("")]),
            t("ab")
        );
    }
}
