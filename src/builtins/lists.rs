//! List builtins: building lists from text and taking them apart.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;

const ANY_LIST: ParamType = ParamType::ListOf(&ParamType::Any);

/// `split(text, text) -> list<text>`
pub static SPLIT: Builtin = Builtin {
    name: "split",
    params: &[
        Param::new("value", ParamType::Text, "the text to split"),
        Param::new("separator", ParamType::Text, "where to cut, e.g. `\",\"`"),
    ],
    variadic: false,
    returns: Ret::TextList,
    summary: "Cuts text at every separator; pieces are trimmed and empty pieces dropped \
              (Personio sends multi-select values as `a,b`).",
    examples: &[Example {
        call: r#"split("CI/CD, Presentation Training,", ",")"#,
        result: r#"["CI/CD", "Presentation Training"]"#,
    }],
    config_only: false,
    run: split,
};

fn split(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let (s, sep) = (args::text(args, 0)?, args::text(args, 1)?);
    if sep.is_empty() {
        return Err(BuiltinError::new("`split` needs a non-empty separator"));
    }
    let pieces = s.split(sep).map(str::trim).filter(|p| !p.is_empty());
    Ok(Value::List(
        pieces.map(|p| Value::Text(p.to_owned())).collect(),
    ))
}

/// `join(list<text>, text) -> text`
pub static JOIN: Builtin = Builtin {
    name: "join",
    params: &[
        Param::new(
            "values",
            ParamType::ListOf(&ParamType::Text),
            "the texts to join",
        ),
        Param::new(
            "separator",
            ParamType::Text,
            "what to put between them, e.g. `\", \"`",
        ),
    ],
    variadic: false,
    returns: Ret::Text,
    summary: "Joins a list of texts with a separator, skipping empty elements.",
    examples: &[Example {
        call: r#"join(["Sales", "Nordics"], " / ")"#,
        result: r#""Sales / Nordics""#,
    }],
    config_only: false,
    run: join,
};

fn join(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let (items, sep) = (args::list(args, 0)?, args::text(args, 1)?);
    let mut out = String::new();
    for item in items.iter().filter(|v| !v.is_empty()) {
        if !out.is_empty() {
            out.push_str(sep);
        }
        match item {
            Value::Text(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
    }
    Ok(Value::Text(out))
}

/// `first(list<T>) -> T?`
pub static FIRST: Builtin = Builtin {
    name: "first",
    params: &[Param::new("values", ANY_LIST, "the list")],
    variadic: false,
    returns: Ret::Optional(&Ret::ElementOf(0)),
    summary: "The first element of a list; empty for an empty list.",
    examples: &[Example {
        call: r#"first(split("Stockholm/Sales", "/"))"#,
        result: r#""Stockholm""#,
    }],
    config_only: false,
    run: |args, _| {
        Ok(args::list(args, 0)?
            .first()
            .cloned()
            .unwrap_or(Value::Empty))
    },
};

/// `last(list<T>) -> T?`
pub static LAST: Builtin = Builtin {
    name: "last",
    params: &[Param::new("values", ANY_LIST, "the list")],
    variadic: false,
    returns: Ret::Optional(&Ret::ElementOf(0)),
    summary: "The last element of a list; empty for an empty list.",
    examples: &[Example {
        call: r#"last(["Stockholm", "Sales"])"#,
        result: r#""Sales""#,
    }],
    config_only: false,
    run: |args, _| Ok(args::list(args, 0)?.last().cloned().unwrap_or(Value::Empty)),
};

/// `length(text | list) -> int`
pub static LENGTH: Builtin = Builtin {
    name: "length",
    params: &[Param::new(
        "value",
        ParamType::OneOf(&[ParamType::Text, ANY_LIST]),
        "text or a list",
    )
    .optional_ok()],
    variadic: false,
    returns: Ret::Int,
    summary: "The number of characters in a text or elements in a list; 0 when empty.",
    examples: &[
        Example {
            call: r#"length("Åsa")"#,
            result: "3",
        },
        Example {
            call: r#"length(["a", "b"])"#,
            result: "2",
        },
    ],
    config_only: false,
    run: length,
};

fn length(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let n = match args::any(args, 0)? {
        Value::Empty => 0,
        Value::Text(s) => s.chars().count(),
        Value::List(items) => items.len(),
        other => {
            return Err(BuiltinError::new(format!(
                "internal error: `length` of `{other}`"
            )));
        }
    };
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use crate::builtins::tests::fixtures::{err, ok, t, texts};
    use crate::value::Value;

    #[test]
    fn split_trims_and_drops_empty_pieces() {
        assert_eq!(
            ok("split", &[t(" a , b,,c "), t(",")]),
            texts(&["a", "b", "c"])
        );
        assert_eq!(
            ok("split", &[t("Åsa Öberg"), t(" ")]),
            texts(&["Åsa", "Öberg"])
        );
        assert_eq!(ok("split", &[t(" , "), t(",")]), Value::Empty);
        assert!(err("split", &[t("a"), t("")]).contains("separator"));
    }

    #[test]
    fn join_skips_empty() {
        let list = Value::List(vec![t("a"), Value::Empty, t(""), t("b")]);
        assert_eq!(ok("join", &[list, t("/")]), t("a/b"));
        assert_eq!(ok("join", &[Value::List(vec![]), t("/")]), Value::Empty);
    }

    #[test]
    fn first_and_last() {
        assert_eq!(ok("first", &[texts(&["a", "b"])]), t("a"));
        assert_eq!(ok("last", &[texts(&["a", "b"])]), t("b"));
        assert_eq!(ok("first", &[Value::List(vec![])]), Value::Empty);
        assert_eq!(ok("last", &[Value::Empty]), Value::Empty);
    }

    #[test]
    fn length_counts_characters_and_elements() {
        assert_eq!(ok("length", &[t("Åsa")]), Value::Int(3));
        assert_eq!(ok("length", &[texts(&["a", "b"])]), Value::Int(2));
        assert_eq!(ok("length", &[Value::Empty]), Value::Int(0));
    }
}
