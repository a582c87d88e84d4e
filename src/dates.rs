//! Reading dates from source text: the one ISO 8601 reader of the crate and the declared
//! chrono formats. Date fields, the `date` builtin and the source schemas all read dates here,
//! so a date that one of them accepts, all of them accept.

use chrono::{NaiveDate, NaiveDateTime};

/// Parses a date with the declared formats, or ISO 8601 (a date, or a date-time whose date
/// part is taken as written: Personio sends `2014-11-09T00:00:00+01:00`).
pub fn parse_date(s: &str, formats: &[String]) -> Result<NaiveDate, String> {
    let iso = formats.is_empty() || formats.iter().any(|f| f.starts_with("%Y-%m-%d"));
    // ISO dates are the common case by far; reading the digits directly is a fraction of the
    // cost of interpreting a chrono format string for every record.
    if iso && let Some(d) = iso_date(s) {
        return Ok(d);
    }
    for f in formats {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Ok(d);
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(dt.date());
        }
    }
    if formats.is_empty() {
        return Err(format!("`{s}` is not a date in the form YYYY-MM-DD"));
    }
    Err(format!(
        "`{s}` does not match the date format {}",
        quoted_list(formats)
    ))
}

/// An ISO 8601 date: `YYYY-MM-DD`, alone or followed by a time (`T08:00:00`, `T00:00:00+01:00`,
/// ` 08:00`), whose date is taken as written. The one ISO date reader of the crate.
pub fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() > 10 {
        let time = &b[11..];
        let looks_like_time = matches!(b[10], b'T' | b' ')
            && time.len() >= 5
            && time[..2].iter().all(u8::is_ascii_digit)
            && time[2] == b':'
            && time
                .iter()
                .all(|c| c.is_ascii_digit() || b":.+-Z".contains(c));
        if !looks_like_time {
            return None;
        }
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// `` `%d.%m.%Y` or `%Y-%m-%d` ``: formats as an error message lists them.
pub fn quoted_list(formats: &[String]) -> String {
    formats
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_with_and_without_times() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(iso_date("2014-11-09"), d(2014, 11, 9));
        assert_eq!(iso_date("2014-11-09T00:00:00+01:00"), d(2014, 11, 9));
        assert_eq!(iso_date("1988-04-21T00:00:00.000"), d(1988, 4, 21));
        assert_eq!(iso_date("2014-11-09 08:00"), d(2014, 11, 9));
        assert_eq!(iso_date("2014-11-09Tnonsense"), None);
        assert_eq!(iso_date("1990-13-45T00:00:00"), None);
        assert_eq!(iso_date("09.11.2014"), None);
    }
}
