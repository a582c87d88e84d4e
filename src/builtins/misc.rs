//! Empty handling, conversions and configuration builtins.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;

/// `coalesce(T?, T?...) -> T`
pub static COALESCE: Builtin = Builtin {
    name: "coalesce",
    params: &[
        Param::new("value", ParamType::Any, "the preferred value").optional_ok(),
        Param::new(
            "fallback",
            ParamType::Same,
            "used in order when the ones before are empty",
        )
        .optional_ok(),
    ],
    variadic: true,
    returns: Ret::Common,
    summary: "The first argument that is not empty; optional only if every argument is (`a ?? b` for two).",
    examples: &[Example {
        call: r#"coalesce("", "anna@private.example", "none")"#,
        result: r#""anna@private.example""#,
    }],
    config_only: false,
    run: |args, _| {
        Ok(args
            .iter()
            .find(|v| !v.is_empty())
            .cloned()
            .unwrap_or(Value::Empty))
    },
};

/// `required(T?) -> T`
pub static REQUIRED: Builtin = Builtin {
    name: "required",
    params: &[Param::new("value", ParamType::Any, "a value that may be empty").optional_ok()],
    variadic: false,
    returns: Ret::Arg(0),
    summary: "Acknowledges that a value may be empty: when it is, the record fails and is \
              quarantined (its Winningtemp user is left alone) instead of being synced.",
    examples: &[Example {
        call: r#"required("Berg")"#,
        result: r#""Berg""#,
    }],
    config_only: false,
    run: required,
};

fn required(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let value = args::any(args, 0)?;
    if value.is_empty() {
        return Err(BuiltinError::new("required value is empty").with_hint(
            "the record is quarantined; fix the source data or give a default with `??`",
        ));
    }
    Ok(value.clone())
}

/// `text(any) -> text`
pub static TEXT: Builtin = Builtin {
    name: "text",
    params: &[Param::new(
        "value",
        ParamType::Any,
        "a number, date, bool, enum value or text",
    )],
    variadic: false,
    returns: Ret::Text,
    summary: "Writes a value as text: dates as `2025-01-31`, enum values by name, booleans as `true`/`false`.",
    examples: &[
        Example {
            call: "text(42)",
            result: r#""42""#,
        },
        Example {
            call: "text(2025-01-31)",
            result: r#""2025-01-31""#,
        },
    ],
    config_only: false,
    run: |args, _| {
        Ok(match args::any(args, 0)? {
            Value::Text(s) => Value::Text(s.clone()),
            other => Value::Text(other.to_string()),
        })
    },
};

/// `int(text) -> int`
pub static INT: Builtin = Builtin {
    name: "int",
    params: &[Param::new(
        "value",
        ParamType::Text,
        "digits, optionally signed and surrounded by spaces",
    )],
    variadic: false,
    returns: Ret::Int,
    summary: "Parses text as a whole number; fails on anything else.",
    examples: &[Example {
        call: r#"int(" 0042 ")"#,
        result: "42",
    }],
    config_only: false,
    run: int,
};

fn int(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let raw = args::text(args, 0)?;
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Value::Empty);
    }
    s.parse::<i64>().map(Value::Int).map_err(|_| {
        BuiltinError::new(format!("`{raw}` is not a whole number"))
            .with_hint("use `decimal` for numbers with a fraction")
    })
}

/// `decimal(text) -> decimal`
pub static DECIMAL: Builtin = Builtin {
    name: "decimal",
    params: &[Param::new(
        "value",
        ParamType::Text,
        "a number with `.` or `,` as decimal separator",
    )],
    variadic: false,
    returns: Ret::Decimal,
    summary: "Parses text as a decimal number; a single `,` is read as the decimal separator (`37,5`).",
    examples: &[Example {
        call: r#"decimal("37,5")"#,
        result: "37.5",
    }],
    config_only: false,
    run: decimal,
};

fn decimal(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let raw = args::text(args, 0)?;
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Value::Empty);
    }
    // Only an unambiguous comma is a decimal separator: `1,234.5` is rejected, not guessed.
    let normalised;
    let s = if !s.contains('.') && s.matches(',').count() == 1 {
        normalised = s.replace(',', ".");
        normalised.as_str()
    } else {
        s
    };
    match s.parse::<f64>() {
        // Rust also parses `inf` and `NaN`, which are not numbers an HR system means.
        Ok(n) if n.is_finite() => Ok(Value::Decimal(n)),
        _ => Err(BuiltinError::new(format!(
            "`{raw}` is not a decimal number"
        ))),
    }
}

/// `env(text literal) -> text`
pub static ENV: Builtin = Builtin {
    name: "env",
    params: &[Param::new(
        "name",
        ParamType::Text,
        "the environment variable's name, as a literal",
    )
    .literal(validate_env_name)],
    variadic: false,
    returns: Ret::Text,
    summary: "Reads a setting from an environment variable; only in `source`/`target` settings, \
              and required for secrets (tokens, passwords).",
    examples: &[Example {
        call: r#"env("WT_SCIM_TOKEN")"#,
        result: r#""secret-from-environment""#,
    }],
    config_only: true,
    run: |args, _| {
        let name = args::text(args, 0)?;
        Err(BuiltinError::new(format!(
            "`env(\"{name}\")` can only be used in `source` and `target` settings"
        ))
        .with_hint("record expressions cannot read the environment"))
    },
};

/// Check-time validation: portable environment variable names.
fn validate_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not an environment variable name (letters, digits and `_`, not starting with a digit)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::tests::fixtures::{d, err, ok, t};
    use crate::value::Value;

    #[test]
    fn coalesce_takes_first_non_empty() {
        assert_eq!(
            ok("coalesce", &[Value::Empty, t(""), t("b"), t("c")]),
            t("b")
        );
        assert_eq!(ok("coalesce", &[t("a"), Value::Empty]), t("a"));
        assert_eq!(ok("coalesce", &[Value::Empty, Value::Empty]), Value::Empty);
    }

    #[test]
    fn required_fails_on_empty() {
        assert_eq!(err("required", &[Value::Empty]), "required value is empty");
        assert_eq!(err("required", &[t("")]), "required value is empty");
        assert_eq!(ok("required", &[t("Åsa")]), t("Åsa"));
        assert_eq!(ok("required", &[Value::Int(0)]), Value::Int(0));
    }

    #[test]
    fn text_of_scalars() {
        assert_eq!(ok("text", &[Value::Int(-3)]), t("-3"));
        assert_eq!(ok("text", &[d(2025, 1, 31)]), t("2025-01-31"));
        assert_eq!(ok("text", &[Value::Enum("Male")]), t("Male"));
        assert_eq!(ok("text", &[Value::Bool(false)]), t("false"));
        assert_eq!(ok("text", &[Value::Empty]), Value::Empty);
    }

    #[test]
    fn numbers_parse_strictly() {
        assert_eq!(ok("int", &[t("+7")]), Value::Int(7));
        assert!(err("int", &[t("40.5")]).contains("`40.5` is not a whole number"));
        assert!(err("int", &[t("99999999999999999999")]).contains("whole number"));
        assert_eq!(ok("int", &[t(" ")]), Value::Empty);
        assert_eq!(ok("decimal", &[t("40")]), Value::Decimal(40.0));
        assert_eq!(ok("decimal", &[t("37,5")]), Value::Decimal(37.5));
        assert!(err("decimal", &[t("1,234.5")]).contains("not a decimal"));
        assert!(err("decimal", &[t("NaN")]).contains("not a decimal"));
    }

    #[test]
    fn env_is_config_only() {
        assert!(err("env", &[t("HOME")]).contains("only be used in `source` and `target`"));
        assert!(validate_env_name("WT_SCIM_TOKEN").is_ok());
        assert!(validate_env_name("_x1").is_ok());
        assert!(validate_env_name("1X").is_err());
        assert!(validate_env_name("A-B").is_err());
        assert!(validate_env_name("").is_err());
    }
}
