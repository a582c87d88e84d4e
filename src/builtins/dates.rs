//! Date builtins: reading dates and date-times from text, and writing dates as text.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate};
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
    // The same reader as date fields: ISO (with or without a time) by default, else the format.
    let formats: Vec<String> = format.map(|f| vec![f.to_string()]).unwrap_or_default();
    crate::dates::parse_date(s, &formats)
        .map(Value::Date)
        .map_err(|_| {
            let format = format.unwrap_or("%Y-%m-%d");
            BuiltinError::new(format!("`{raw}` is not a date in the format `{format}`"))
                .with_hint("check the source data, or give `date` the format the source uses")
        })
}

/// Check-time validation of a date format (for `date(…, format)` and for date formats declared
/// in `fields`): it must be valid chrono strftime and recover a whole date. Time and offset
/// fields are allowed (and ignored), so ISO date-times can be read as dates. `Err` says why.
pub fn validate_date_format(format: &str) -> Result<(), String> {
    check_items(format)?;
    // Round-trip a date whose day and month differ, so `%m.%m.%Y` or a missing year is caught.
    let sample = sample_datetime(56)?;
    let mut text = String::new();
    write!(text, "{}", sample.format(format))
        .map_err(|_| format!("`{format}` cannot be used for dates"))?;
    match NaiveDate::parse_from_str(&text, format) {
        Ok(d) if d == sample.date_naive() => Ok(()),
        _ => Err(format!(
            "`{format}` does not describe a whole date: it needs a year, a month and a day"
        )),
    }
}

/// 2024-03-17 13:45 with `seconds`, at +01:00: every strftime field has a value to write.
fn sample_datetime(seconds: u32) -> Result<DateTime<FixedOffset>, String> {
    let offset = FixedOffset::east_opt(3600).ok_or("internal: bad offset")?;
    NaiveDate::from_ymd_opt(2024, 3, 17)
        .and_then(|d| d.and_hms_opt(13, 45, seconds))
        .and_then(|dt| dt.and_local_timezone(offset).single())
        .ok_or_else(|| "internal: bad sample date".to_owned())
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
    // Zero seconds: formats without `%S` are fine, the minute is the usual resolution.
    let sample = sample_datetime(0)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::tests::fixtures::{d, err, ok, t};

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
        assert!(validate_date_format("%Y-%m-%dT%H:%M:%S%.f%:z").is_ok());
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
}
