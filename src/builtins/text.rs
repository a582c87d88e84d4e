//! Text builtins: case, whitespace, pieces and tests on text.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;

const VALUE: Param = Param::new("value", ParamType::Text, "the text");

/// `lower(text) -> text`
pub static LOWER: Builtin = Builtin {
    name: "lower",
    params: &[VALUE],
    variadic: false,
    returns: Ret::Text,
    summary: "Converts text to lower case (Unicode-aware).",
    examples: &[
        Example {
            call: r#"lower("Anna.Berg@Acme.SE")"#,
            result: r#""anna.berg@acme.se""#,
        },
        Example {
            call: r#"lower("ÅSA")"#,
            result: r#""åsa""#,
        },
    ],
    config_only: false,
    run: lower,
};

fn lower(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let s = args::text(args, 0)?;
    // Hot path (usernames, emails): ASCII needs no Unicode case tables.
    Ok(Value::Text(if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }))
}

/// `upper(text) -> text`
pub static UPPER: Builtin = Builtin {
    name: "upper",
    params: &[VALUE],
    variadic: false,
    returns: Ret::Text,
    summary: "Converts text to upper case (Unicode-aware).",
    examples: &[Example {
        call: r#"upper("abc")"#,
        result: r#""ABC""#,
    }],
    config_only: false,
    run: upper,
};

fn upper(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let s = args::text(args, 0)?;
    Ok(Value::Text(if s.is_ascii() {
        s.to_ascii_uppercase()
    } else {
        s.to_uppercase()
    }))
}

/// `trim(text) -> text`
pub static TRIM: Builtin = Builtin {
    name: "trim",
    params: &[VALUE],
    variadic: false,
    returns: Ret::Text,
    summary: "Removes leading and trailing whitespace; text that is only whitespace becomes empty.",
    examples: &[Example {
        call: r#"trim("  Anna ")"#,
        result: r#""Anna""#,
    }],
    config_only: false,
    run: trim,
};

fn trim(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    Ok(Value::Text(args::text(args, 0)?.trim().to_owned()))
}

/// `concat(any...) -> text`
pub static CONCAT: Builtin = Builtin {
    name: "concat",
    params: &[Param::new(
        "part",
        ParamType::Any,
        "a piece; numbers, dates and enum values are written as text",
    )],
    variadic: true,
    returns: Ret::Text,
    summary: "Joins its arguments into one text; empty if any part is empty (use `??` for defaults).",
    examples: &[Example {
        call: r#"concat("Anna", ".", "Berg", "@acme.se")"#,
        result: r#""Anna.Berg@acme.se""#,
    }],
    config_only: false,
    run: concat,
};

fn concat(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    use std::fmt::Write as _;
    let mut out = String::new();
    for arg in args {
        match arg {
            Value::Text(s) => out.push_str(s),
            // Writing into a String cannot fail.
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }
    Ok(Value::Text(out))
}

/// `replace(text, text, text) -> text`
pub static REPLACE: Builtin = Builtin {
    name: "replace",
    params: &[
        VALUE,
        Param::new(
            "from",
            ParamType::Text,
            "the text to look for (plain text, not a pattern)",
        ),
        Param::new("to", ParamType::Text, "what to put instead; may be `\"\"`"),
    ],
    variadic: false,
    returns: Ret::Text,
    summary: "Replaces every occurrence of `from` with `to`.",
    examples: &[Example {
        call: r#"replace("Anna Maria", " ", ".")"#,
        result: r#""Anna.Maria""#,
    }],
    config_only: false,
    run: replace,
};

fn replace(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let (s, from, to) = (
        args::text(args, 0)?,
        args::text(args, 1)?,
        args::text(args, 2)?,
    );
    // str::replace with an empty pattern inserts `to` between every char: never what is meant.
    if from.is_empty() {
        return Err(BuiltinError::new(
            "`replace` needs a non-empty text to look for",
        ));
    }
    Ok(Value::Text(s.replace(from, to)))
}

/// `substring(text, int, int = rest) -> text`
pub static SUBSTRING: Builtin = Builtin {
    name: "substring",
    params: &[
        VALUE,
        Param::new(
            "start",
            ParamType::Int,
            "index of the first character, counting from 0",
        ),
        Param::new("length", ParamType::Int, "how many characters to take")
            .default("the rest of the text"),
    ],
    variadic: false,
    returns: Ret::Text,
    summary: "Takes `length` characters starting at `start` (characters, not bytes); clipped to the text.",
    examples: &[
        Example {
            call: r#"substring("Åsa Berg", 0, 3)"#,
            result: r#""Åsa""#,
        },
        Example {
            call: r#"substring("SE-1042", 3)"#,
            result: r#""1042""#,
        },
    ],
    config_only: false,
    run: substring,
};

fn substring(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let s = args::text(args, 0)?;
    let start = args::int(args, 1)?;
    let length = args::opt_int(args, 2)?;
    let start = usize::try_from(start).map_err(|_| {
        BuiltinError::new(format!(
            "`substring` start must not be negative, got `{start}`"
        ))
    })?;
    let taken = s.chars().skip(start);
    let out: String = match length {
        None => taken.collect(),
        Some(n) => {
            let n = usize::try_from(n).map_err(|_| {
                BuiltinError::new(format!(
                    "`substring` length must not be negative, got `{n}`"
                ))
            })?;
            taken.take(n).collect()
        }
    };
    Ok(Value::Text(out))
}

/// `contains(text, text) -> bool`
pub static CONTAINS: Builtin = Builtin {
    name: "contains",
    params: &[
        VALUE,
        Param::new("part", ParamType::Text, "the text to look for"),
    ],
    variadic: false,
    returns: Ret::Bool,
    summary: "True if the text contains `part` (case-sensitive; use `in [..]` for list membership).",
    examples: &[Example {
        call: r#"contains("External Personnel", "External")"#,
        result: "true",
    }],
    config_only: false,
    run: |args, _| {
        Ok(Value::Bool(
            args::text(args, 0)?.contains(args::text(args, 1)?),
        ))
    },
};

/// `starts_with(text, text) -> bool`
pub static STARTS_WITH: Builtin = Builtin {
    name: "starts_with",
    params: &[
        VALUE,
        Param::new("prefix", ParamType::Text, "the start to test for"),
    ],
    variadic: false,
    returns: Ret::Bool,
    summary: "True if the text starts with `prefix` (case-sensitive).",
    examples: &[Example {
        call: r#"starts_with("EXT-104", "EXT-")"#,
        result: "true",
    }],
    config_only: false,
    run: |args, _| {
        Ok(Value::Bool(
            args::text(args, 0)?.starts_with(args::text(args, 1)?),
        ))
    },
};

/// `ends_with(text, text) -> bool`
pub static ENDS_WITH: Builtin = Builtin {
    name: "ends_with",
    params: &[
        VALUE,
        Param::new("suffix", ParamType::Text, "the end to test for"),
    ],
    variadic: false,
    returns: Ret::Bool,
    summary: "True if the text ends with `suffix` (case-sensitive).",
    examples: &[Example {
        call: r#"ends_with("anna@acme.se", "@acme.se")"#,
        result: "true",
    }],
    config_only: false,
    run: |args, _| {
        Ok(Value::Bool(
            args::text(args, 0)?.ends_with(args::text(args, 1)?),
        ))
    },
};

#[cfg(test)]
mod tests {
    use crate::builtins::tests::fixtures::{call, err, ok, t};
    use crate::value::Value;

    #[test]
    fn case_conversion_handles_unicode() {
        assert_eq!(ok("lower", &[t("ÅSA Öberg")]), t("åsa öberg"));
        assert_eq!(ok("upper", &[t("åsa straße")]), t("ÅSA STRASSE"));
        assert_eq!(ok("lower", &[t("Anna@Acme.SE")]), t("anna@acme.se"));
    }

    #[test]
    fn empty_input_lifts() {
        for name in ["lower", "upper", "trim"] {
            assert_eq!(ok(name, &[Value::Empty]), Value::Empty, "{name}");
        }
        assert_eq!(ok("concat", &[t("a"), Value::Empty]), Value::Empty);
        assert_eq!(ok("contains", &[Value::Empty, t("a")]), Value::Empty);
    }

    #[test]
    fn trim_of_blank_is_empty() {
        assert_eq!(ok("trim", &[t(" \t ")]), Value::Empty);
        assert_eq!(ok("trim", &[t("\u{a0}Åsa\n")]), t("Åsa"));
    }

    #[test]
    fn concat_writes_scalars_as_text() {
        let got = ok(
            "concat",
            &[t("emp-"), Value::Int(42), t("-"), Value::Bool(true)],
        );
        assert_eq!(got, t("emp-42-true"));
    }

    #[test]
    fn replace_is_plain_text() {
        assert_eq!(ok("replace", &[t("a.b.c"), t("."), t("")]), t("abc"));
        assert_eq!(ok("replace", &[t("a b"), t(" "), t("")]), t("ab"));
        assert!(err("replace", &[t("a"), t(""), t("x")]).contains("non-empty"));
    }

    #[test]
    fn substring_counts_characters() {
        assert_eq!(ok("substring", &[t("Åsa Berg"), Value::Int(4)]), t("Berg"));
        assert_eq!(
            ok("substring", &[t("Åsa"), Value::Int(1), Value::Int(1)]),
            t("s")
        );
        assert_eq!(
            ok("substring", &[t("Åsa"), Value::Int(0), Value::Int(99)]),
            t("Åsa")
        );
        assert_eq!(ok("substring", &[t("Åsa"), Value::Int(10)]), Value::Empty);
        assert!(err("substring", &[t("Åsa"), Value::Int(-1)]).contains("negative"));
        assert!(call("substring", &[t("Åsa"), Value::Int(0), Value::Int(-2)]).is_err());
    }

    #[test]
    fn tests_on_text() {
        assert_eq!(
            ok("contains", &[t("Åsa Berg"), t("a B")]),
            Value::Bool(true)
        );
        assert_eq!(ok("contains", &[t("Åsa"), t("å")]), Value::Bool(false));
        assert_eq!(ok("starts_with", &[t("Åsa"), t("Å")]), Value::Bool(true));
        assert_eq!(ok("ends_with", &[t("Åsa"), t("x")]), Value::Bool(false));
    }
}
