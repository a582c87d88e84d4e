//! Date builtins: parsing, parts, arithmetic and `today`.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta};
use std::fmt::Write as _;

/// `date(text, format literal = ISO) -> date`
pub static DATE: Builtin = Builtin {
    name: "date",
    params: &[
        Param::new("value", ParamType::Text, "the text to parse"),
        Param::new(
            "format",
            ParamType::Text,
            "a chrono/strftime date format such as `\"%d.%m.%Y\"`",
        )
        .literal(validate_date_format)
        .default("ISO: `2025-01-31`, or an ISO date-time whose date part is taken"),
    ],
    variadic: false,
    returns: Ret::Date,
    summary: "Parses text as a date, with a strftime format (checked when the mapping is checked) \
              or ISO 8601; fails on text that does not match.",
    examples: &[
        Example {
            call: r#"date("31.01.2025", "%d.%m.%Y")"#,
            result: "2025-01-31",
        },
        Example {
            call: r#"date("2014-11-09T00:00:00+01:00")"#,
            result: "2014-11-09",
        },
    ],
    config_only: false,
    run: date,
};

fn date(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let raw = args::text(args, 0)?;
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Value::Empty);
    }
    let format = args::opt_text(args, 1)?;
    let parsed = match format {
        Some(format) => NaiveDate::parse_from_str(s, format).ok(),
        None => parse_iso_date(s),
    };
    parsed.map(Value::Date).ok_or_else(|| {
        let format = format.unwrap_or("%Y-%m-%d");
        BuiltinError::new(format!("`{raw}` is not a date in the format `{format}`"))
            .with_hint("check the source data, or give `date` the format the source uses")
    })
}

/// `YYYY-MM-DD`, or an ISO date-time (with or without offset) whose local date is taken:
/// Personio sends built-in dates as `2014-11-09T00:00:00+01:00`, Flex as `1988-04-21T00:00:00`.
pub(crate) fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|dt| dt.date())
}

/// Check-time validation of a date format: it must be valid strftime and recover a date.
pub(crate) fn validate_date_format(format: &str) -> Result<(), String> {
    check_items(format)?;
    // Round-trip a date whose day and month differ, so `%m.%m.%Y` or a missing year is caught.
    let sample = NaiveDate::from_ymd_opt(2024, 3, 17)
        .and_then(|d| d.and_hms_opt(13, 45, 56))
        .ok_or("internal: bad sample date")?;
    let mut text = String::new();
    write!(text, "{}", sample.format(format))
        .map_err(|_| format!("`{format}` cannot be used for dates"))?;
    match NaiveDate::parse_from_str(&text, format) {
        Ok(d) if d == sample.date() => Ok(()),
        _ => Err(format!(
            "`{format}` does not describe a whole date: it needs a year, a month and a day"
        )),
    }
}

/// Rejects strftime formats chrono cannot read at all (`%Q`, a trailing `%`).
fn check_items(format: &str) -> Result<(), String> {
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "`{format}` is not a valid date format (see chrono's strftime specifiers)"
        ));
    }
    Ok(())
}

/// `datetime(text, format literal = RFC 3339) -> datetime`
pub static DATETIME: Builtin = Builtin {
    name: "datetime",
    params: &[
        Param::new("value", ParamType::Text, "the text to parse"),
        Param::new(
            "format",
            ParamType::Text,
            "a strftime format that includes an offset (`%z`)",
        )
        .literal(validate_datetime_format)
        .default("RFC 3339: `2025-01-31T08:00:00+01:00`"),
    ],
    variadic: false,
    returns: Ret::DateTime,
    summary: "Parses text as a date and time with a UTC offset; fails on text that does not match.",
    examples: &[Example {
        call: r#"text(datetime("2025-01-31T08:00:00+01:00"))"#,
        result: r#""2025-01-31T08:00:00+01:00""#,
    }],
    config_only: false,
    run: datetime,
};

fn datetime(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let raw = args::text(args, 0)?;
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Value::Empty);
    }
    let format = args::opt_text(args, 1)?;
    let parsed = match format {
        Some(format) => DateTime::parse_from_str(s, format),
        None => DateTime::parse_from_rfc3339(s),
    };
    parsed.map(Value::DateTime).map_err(|_| {
        BuiltinError::new(format!(
            "`{raw}` is not a date-time in the format `{}`",
            format.unwrap_or("RFC 3339")
        ))
    })
}

/// Check-time validation of a date-time format: valid strftime that recovers date, time, offset.
pub(crate) fn validate_datetime_format(format: &str) -> Result<(), String> {
    check_items(format)?;
    let offset = FixedOffset::east_opt(3600).ok_or("internal: bad offset")?;
    // Zero seconds: formats without `%S` are fine, the minute is the usual resolution.
    let sample: DateTime<FixedOffset> = NaiveDate::from_ymd_opt(2024, 3, 17)
        .and_then(|d| d.and_hms_opt(13, 45, 0))
        .and_then(|dt| dt.and_local_timezone(offset).single())
        .ok_or("internal: bad sample date")?;
    let mut text = String::new();
    write!(text, "{}", sample.format(format))
        .map_err(|_| format!("`{format}` cannot be used for date-times"))?;
    match DateTime::parse_from_str(&text, format) {
        Ok(dt) if dt == sample => Ok(()),
        _ => Err(format!(
            "`{format}` does not describe a whole date-time: it needs a date, hours, minutes and an offset (`%z`)"
        )),
    }
}

/// `format_date(date, format literal) -> text`
pub static FORMAT_DATE: Builtin = Builtin {
    name: "format_date",
    params: &[
        Param::new("value", ParamType::Date, "the date"),
        Param::new(
            "format",
            ParamType::Text,
            "a strftime date format such as `\"%Y-%m\"`",
        )
        .literal(validate_output_format),
    ],
    variadic: false,
    returns: Ret::Text,
    summary: "Writes a date as text with a strftime format (`text(d)` gives ISO).",
    examples: &[Example {
        call: r#"format_date(2025-01-31, "%d/%m %Y")"#,
        result: r#""31/01 2025""#,
    }],
    config_only: false,
    run: format_date,
};

fn format_date(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let d = args::date(args, 0)?;
    let format = args::text(args, 1)?;
    let mut out = String::new();
    write!(out, "{}", d.format(format))
        .map_err(|_| BuiltinError::new(format!("`{format}` cannot be used to write a date")))?;
    Ok(Value::Text(out))
}

/// Check-time validation of an output format: valid strftime using only date fields.
fn validate_output_format(format: &str) -> Result<(), String> {
    check_items(format)?;
    let sample = NaiveDate::from_ymd_opt(2024, 3, 17).ok_or("internal: bad sample date")?;
    let mut text = String::new();
    write!(text, "{}", sample.format(format))
        .map_err(|_| format!("`{format}` uses time or offset fields, but a date has none"))
}

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

/// `today() -> date`
pub static TODAY: Builtin = Builtin {
    name: "today",
    params: &[],
    variadic: false,
    returns: Ret::Date,
    summary: "The current date in the mapping's time zone (fixed for the whole run).",
    examples: &[Example {
        call: "today()",
        result: "2025-06-15",
    }],
    config_only: false,
    run: |_, ctx| Ok(Value::Date(ctx.today)),
};

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
    use super::*;
    use crate::builtins::testutil::{d, err, ok, t};

    #[test]
    fn parses_dates_with_formats() {
        assert_eq!(
            ok("date", &[t("31.01.2025"), t("%d.%m.%Y")]),
            d(2025, 1, 31)
        );
        assert_eq!(ok("date", &[t(" 2025-01-31 ")]), d(2025, 1, 31));
        assert_eq!(
            ok("date", &[t("2014-11-09T00:00:00+01:00")]),
            d(2014, 11, 9)
        );
        assert_eq!(ok("date", &[t("1988-04-21T00:00:00")]), d(1988, 4, 21));
        assert_eq!(ok("date", &[t("31/1/25"), t("%d/%m/%y")]), d(2025, 1, 31));
    }

    #[test]
    fn bad_dates_name_value_and_format() {
        let msg = err("date", &[t("2025-31-01"), t("%d.%m.%Y")]);
        assert_eq!(msg, "`2025-31-01` is not a date in the format `%d.%m.%Y`");
        assert!(err("date", &[t("2025-02-30")]).contains("`%Y-%m-%d`"));
        assert!(err("date", &[t("yesterday")]).contains("`yesterday`"));
        assert_eq!(ok("date", &[t("   ")]), Value::Empty);
        assert_eq!(ok("date", &[Value::Empty, t("%d.%m.%Y")]), Value::Empty);
    }

    #[test]
    fn date_formats_are_validated() {
        assert!(validate_date_format("%d.%m.%Y").is_ok());
        assert!(validate_date_format("%Y%m%d").is_ok());
        assert!(validate_date_format("%Y-%m-%dT%H:%M:%S").is_ok());
        assert!(
            validate_date_format("%d.%m")
                .unwrap_err()
                .contains("whole date")
        );
        assert!(validate_date_format("%m.%m.%Y").is_err());
        assert!(
            validate_date_format("%Q")
                .unwrap_err()
                .contains("not a valid date format")
        );
        assert!(validate_date_format("%").is_err());
        assert!(validate_date_format("hello").is_err());
    }

    #[test]
    fn datetimes() {
        let v = ok("datetime", &[t("2025-01-31T08:00:00+01:00")]);
        assert_eq!(v.to_string(), "2025-01-31T08:00:00+01:00");
        let v = ok(
            "datetime",
            &[t("31.01.2025 08:00 +0100"), t("%d.%m.%Y %H:%M %z")],
        );
        assert_eq!(v.to_string(), "2025-01-31T08:00:00+01:00");
        assert!(err("datetime", &[t("2025-01-31")]).contains("RFC 3339"));
        assert!(validate_datetime_format("%d.%m.%Y %H:%M %z").is_ok());
        assert!(
            validate_datetime_format("%d.%m.%Y %H:%M")
                .unwrap_err()
                .contains("offset")
        );
    }

    #[test]
    fn output_formats() {
        assert_eq!(
            ok("format_date", &[d(2025, 1, 31), t("%Y-%m")]),
            t("2025-01")
        );
        assert!(validate_output_format("%Y").is_ok());
        assert!(
            validate_output_format("%H:%M")
                .unwrap_err()
                .contains("time")
        );
        assert!(validate_output_format("%Q").is_err());
    }

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
        assert_eq!(ok("today", &[]), d(2025, 6, 15));
    }
}
