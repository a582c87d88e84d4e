//! Calendar builtins: parts of dates, date arithmetic and ages. `today` itself is a keyword of
//! the language (the interpreter reads it from [`super::Context`]), not a builtin.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;
use chrono::{Datelike, TimeDelta};

const DATE_PARAM: Param = Param::new("value", ParamType::Date, "the date");

/// `year(date) -> int`
pub static YEAR: Builtin = Builtin {
    name: "year",
    params: &[DATE_PARAM],
    variadic: false,
    returns: Ret::Int,
    summary: "The year of a date.",
    examples: &[Example {
        call: "year(2025-01-31)",
        result: "2025",
    }],
    config_only: false,
    run: |args, _| Ok(Value::Int(i64::from(args::date(args, 0)?.year()))),
};

/// `month(date) -> int`
pub static MONTH: Builtin = Builtin {
    name: "month",
    params: &[DATE_PARAM],
    variadic: false,
    returns: Ret::Int,
    summary: "The month of a date, 1 to 12.",
    examples: &[Example {
        call: "month(2025-01-31)",
        result: "1",
    }],
    config_only: false,
    run: |args, _| Ok(Value::Int(i64::from(args::date(args, 0)?.month()))),
};

/// `day(date) -> int`
pub static DAY: Builtin = Builtin {
    name: "day",
    params: &[DATE_PARAM],
    variadic: false,
    returns: Ret::Int,
    summary: "The day of the month of a date, 1 to 31.",
    examples: &[Example {
        call: "day(2025-01-31)",
        result: "31",
    }],
    config_only: false,
    run: |args, _| Ok(Value::Int(i64::from(args::date(args, 0)?.day()))),
};

/// `age(date) -> int`
pub static AGE: Builtin = Builtin {
    name: "age",
    params: &[Param::new(
        "born",
        ParamType::Date,
        "a birth date (or any start date)",
    )],
    variadic: false,
    returns: Ret::Int,
    summary: "Whole years from the date until today (an age, or years of service); fails for a \
              date after today.",
    examples: &[
        Example {
            call: "age(1990-06-16)",
            result: "34",
        },
        Example {
            call: "age(1990-06-15)",
            result: "35",
        },
    ],
    config_only: false,
    run: age,
};

fn age(args: &[Value], ctx: &Context) -> Result<Value, BuiltinError> {
    let born = args::date(args, 0)?;
    ctx.today
        .years_since(born)
        .map(|years| Value::Int(i64::from(years)))
        .ok_or_else(|| {
            BuiltinError::new(format!(
                "`{born}` is after today (`{}`), so it has no age",
                ctx.today
            ))
            .with_hint(
                "check the source data, or guard the call with `if … <= today then … else …`",
            )
        })
}

/// `add_days(date, int) -> date`
pub static ADD_DAYS: Builtin = Builtin {
    name: "add_days",
    params: &[
        DATE_PARAM,
        Param::new("days", ParamType::Int, "days to add; negative goes back"),
    ],
    variadic: false,
    returns: Ret::Date,
    summary: "The date `days` days later (earlier when negative).",
    examples: &[
        Example {
            call: "add_days(2025-01-31, 1)",
            result: "2025-02-01",
        },
        Example {
            call: "add_days(2025-03-01, -1)",
            result: "2025-02-28",
        },
    ],
    config_only: false,
    run: add_days,
};

fn add_days(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let (d, n) = (args::date(args, 0)?, args::int(args, 1)?);
    TimeDelta::try_days(n)
        .and_then(|delta| d.checked_add_signed(delta))
        .map(Value::Date)
        .ok_or_else(|| {
            BuiltinError::new(format!(
                "`{d}` plus `{n}` days is outside the supported dates"
            ))
        })
}

/// `days_between(date, date) -> int`
pub static DAYS_BETWEEN: Builtin = Builtin {
    name: "days_between",
    params: &[
        Param::new("from", ParamType::Date, "the earlier date"),
        Param::new("to", ParamType::Date, "the later date"),
    ],
    variadic: false,
    returns: Ret::Int,
    summary: "Days from `from` to `to`; negative when `to` is earlier.",
    examples: &[Example {
        call: "days_between(2025-01-31, 2025-03-01)",
        result: "29",
    }],
    config_only: false,
    run: |args, _| {
        Ok(Value::Int(
            (args::date(args, 1)? - args::date(args, 0)?).num_days(),
        ))
    },
};

#[cfg(test)]
mod tests {
    use crate::builtins::tests::fixtures::{d, err, ok};
    use crate::value::Value;

    #[test]
    fn date_parts_and_arithmetic() {
        assert_eq!(ok("year", &[d(2024, 2, 29)]), Value::Int(2024));
        assert_eq!(ok("month", &[d(2024, 2, 29)]), Value::Int(2));
        assert_eq!(ok("day", &[d(2024, 2, 29)]), Value::Int(29));
        assert_eq!(
            ok("add_days", &[d(2024, 2, 28), Value::Int(1)]),
            d(2024, 2, 29)
        );
        assert!(err("add_days", &[d(2024, 2, 28), Value::Int(i64::MAX)]).contains("outside"));
        assert_eq!(
            ok("days_between", &[d(2025, 3, 1), d(2025, 1, 31)]),
            Value::Int(-29)
        );
        assert_eq!(ok("year", &[Value::Empty]), Value::Empty);
    }

    #[test]
    fn age_counts_whole_years_until_today() {
        // Context::for_examples: today is 2025-06-15.
        assert_eq!(ok("age", &[d(1990, 6, 15)]), Value::Int(35));
        assert_eq!(ok("age", &[d(1990, 6, 16)]), Value::Int(34));
        assert_eq!(ok("age", &[d(2000, 2, 29)]), Value::Int(25));
        assert_eq!(ok("age", &[d(2025, 6, 15)]), Value::Int(0));
        assert!(err("age", &[d(2030, 1, 1)]).contains("after today"));
    }
}
