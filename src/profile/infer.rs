//! What one value looks like: the per-value tests behind a field's inferred type (whole
//! number, decimal, true/false, email-like, a date in each candidate format). Each test is a
//! few byte comparisons, so a profile of 100k records costs about what reading them does.

use chrono::NaiveDate;

/// The date formats a profile tries, in the order a draft prefers them. The first is ISO 8601
/// (`2025-01-31`, or a date-time whose date is taken as written): the evaluator reads it with
/// no declared format, and a field declared `date("%Y-%m-%d")` reads date-times too.
pub const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%Y/%m/%d",
];

/// The index of ISO 8601 in [`DATE_FORMATS`].
pub const ISO: usize = 0;

/// Parses `s` (already trimmed) with `DATE_FORMATS[format]`. Only the strict form is accepted
/// (two-digit day and month, four-digit year), a subset of what chrono's parser accepts for the
/// same format, so a value this reads is always read by the evaluator too (property-tested).
pub fn parse_date(s: &str, format: usize) -> Option<NaiveDate> {
    if format == ISO {
        return crate::dates::iso_date(s);
    }
    let b = s.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = match format {
        // dd.mm.yyyy, dd/mm/yyyy, dd-mm-yyyy
        1 | 2 | 4 => {
            let sep = [0, b'.', b'/', 0, b'-'][format];
            if b[2] != sep || b[5] != sep {
                return None;
            }
            (num(6..10)?, num(3..5)?, num(0..2)?)
        }
        // mm/dd/yyyy
        3 => {
            if b[2] != b'/' || b[5] != b'/' {
                return None;
            }
            (num(6..10)?, num(0..2)?, num(3..5)?)
        }
        // yyyy/mm/dd
        5 => {
            if b[4] != b'/' || b[7] != b'/' {
                return None;
            }
            (num(0..4)?, num(5..7)?, num(8..10)?)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// A whole number as text: an optional sign and 1 to 18 digits.
pub fn is_int(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|c| c.is_ascii_digit())
}

/// A number as the evaluator reads a `decimal` (a comma may stand for the point).
pub fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut seen_point = false;
    let mut seen_digit = false;
    for c in digits.bytes() {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' | b',' if !seen_point => seen_point = true,
            _ => return false,
        }
    }
    seen_digit
}

/// A word the evaluator reads as a `bool` (besides 0 and 1, which count as whole numbers).
pub fn is_bool_word(s: &str) -> bool {
    ["true", "false", "yes", "no", "ja", "nej"]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
}

/// Looks like an email address: one `@`, something before it, a dot in the domain, no spaces.
pub fn is_email_like(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_format_reads_its_own_form_only() {
        let d = NaiveDate::from_ymd_opt(1980, 12, 24);
        assert_eq!(parse_date("1980-12-24", 0), d);
        assert_eq!(parse_date("1980-12-24T00:00:00", 0), d);
        assert_eq!(parse_date("24.12.1980", 1), d);
        assert_eq!(parse_date("24/12/1980", 2), d);
        assert_eq!(parse_date("12/24/1980", 3), d);
        assert_eq!(parse_date("24-12-1980", 4), d);
        assert_eq!(parse_date("1980/12/24", 5), d);
        assert_eq!(parse_date("24.12.1980", 2), None);
        assert_eq!(parse_date("1990-13-45T00:00:00", 0), None);
        assert_eq!(parse_date("31.02.2020", 1), None);
        assert_eq!(parse_date("1.2.2020", 1), None);
    }

    #[test]
    fn words() {
        assert!(is_int("1001") && is_int("-4") && !is_int("1.5") && !is_int(""));
        assert!(is_decimal("37,5") && is_decimal("2") && !is_decimal("1,2,3") && !is_decimal("."));
        assert!(is_bool_word("Ja") && !is_bool_word("1"));
        assert!(is_email_like("a.b@acme.example") && !is_email_like("a b@x.se"));
        assert!(!is_email_like("nobody") && !is_email_like("a@b") && !is_email_like("@x.se"));
    }

    proptest! {
        /// Whatever a profile says parses in a format, the evaluator reads with that format
        /// too, and to the same date: a draft's declared formats never quarantine a value the
        /// profile counted as parsing.
        #[test]
        fn a_date_the_profile_reads_the_evaluator_reads(
            y in 0u32..10000, m in 0u32..14, d in 0u32..33,
            format in 0usize..DATE_FORMATS.len(),
            time in proptest::option::of("T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"),
        ) {
            let text = match format {
                0 => format!("{y:04}-{m:02}-{d:02}{}", time.unwrap_or_default()),
                1 => format!("{d:02}.{m:02}.{y:04}"),
                2 => format!("{d:02}/{m:02}/{y:04}"),
                3 => format!("{m:02}/{d:02}/{y:04}"),
                4 => format!("{d:02}-{m:02}-{y:04}"),
                _ => format!("{y:04}/{m:02}/{d:02}"),
            };
            if let Some(date) = parse_date(&text, format) {
                let formats = vec![DATE_FORMATS[format].to_string()];
                prop_assert_eq!(crate::dates::parse_date(&text, &formats).ok(), Some(date));
            }
        }

        #[test]
        fn any_text_the_profile_reads_the_evaluator_reads(s in "[0-9./T:-]{8,20}", format in 0usize..6) {
            if let Some(date) = parse_date(&s, format) {
                let formats = vec![DATE_FORMATS[format].to_string()];
                prop_assert_eq!(crate::dates::parse_date(&s, &formats).ok(), Some(date));
            }
        }
    }
}
