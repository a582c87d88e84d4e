//! Runtime values of the interpreter.

use chrono::{DateTime, FixedOffset, NaiveDate};
use std::fmt;

/// A runtime value. `Empty` is the one "no value" of the language: a missing field, an empty
/// string from a CSV cell and JSON `null` all read as `Empty`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Empty,
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Decimal number.
    Decimal(f64),
    /// Boolean.
    Bool(bool),
    /// Date.
    Date(NaiveDate),
    /// Date and time with offset.
    DateTime(DateTime<FixedOffset>),
    /// A target enum value, by its canonical name (`Male`).
    Enum(&'static str),
    /// A list.
    List(Vec<Value>),
}

impl Value {
    /// True for `Empty`, empty text and empty lists.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            _ => false,
        }
    }

    /// The value as text, as a CSV cell or a Winningtemp attribute would show it.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Date(d) => iso_date(*d),
            other => other.to_string(),
        }
    }

    /// [`Value::to_text`] without copying text the value already owns.
    pub fn into_text(self) -> String {
        match self {
            Value::Text(s) => s,
            other => other.to_text(),
        }
    }
}

/// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes it, without the formatting machinery: every
/// birthday and employment date of a run goes through here.
fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        return d.format("%Y-%m-%d").to_string();
    }
    let digits = [
        year / 1000,
        year / 100 % 10,
        year / 10 % 10,
        year % 10,
        -1,
        d.month() as i32 / 10,
        d.month() as i32 % 10,
        -1,
        d.day() as i32 / 10,
        d.day() as i32 % 10,
    ];
    digits
        .iter()
        .map(|&n| match n {
            -1 => '-',
            n => char::from(b'0' + n as u8),
        })
        .collect()
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Empty => Ok(()),
            Value::Text(s) => f.write_str(s),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => f.write_str(&iso_date(*d)),
            Value::DateTime(dt) => write!(f, "{}", dt.to_rfc3339()),
            Value::Enum(e) => f.write_str(e),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(Value::to_string).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

/// The first eight bytes of `text` as a number that orders like the texts (shorter texts
/// padded with zero bytes; texts with equal numbers are told apart by comparing them). Sorting
/// a million (number, text) pairs then mostly compares numbers, without reading the texts,
/// which lie all over memory.
pub fn order_prefix(text: &str) -> u64 {
    let mut head = [0u8; 8];
    let bytes = text.as_bytes();
    let n = bytes.len().min(8);
    head[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(head)
}

/// Lower case without allocating when the text already is: usernames and emails are compared
/// case-insensitively for every user of a run.
pub fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    // Most names are ASCII, where a byte test is a few instructions per 16 bytes.
    if s.is_ascii() {
        return if s.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(s.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(s)
        };
    }
    if s.chars().any(|c| c.is_uppercase() || is_titlecase(c)) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Title-case letters (`ǅ`): not upper case, yet lower-casing changes them. With the upper-case
/// ones they cover every character that lower-casing changes (a test checks all of Unicode).
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{01C5}'
            | '\u{01C8}'
            | '\u{01CB}'
            | '\u{01F2}'
            | '\u{1F88}'..='\u{1F8F}'
            | '\u{1F98}'..='\u{1F9F}'
            | '\u{1FA8}'..='\u{1FAF}'
            | '\u{1FBC}'
            | '\u{1FCC}'
            | '\u{1FFC}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn ordering_by_prefix_then_text_is_ordering_by_text(
            a in "[a\\x00é0-9]{0,12}",
            b in "[a\\x00é0-9]{0,12}",
        ) {
            proptest::prop_assert_eq!((order_prefix(&a), &a).cmp(&(order_prefix(&b), &b)), a.cmp(&b));
        }
    }

    #[test]
    fn lowercase_is_str_lowercase_and_borrows_when_nothing_changes() {
        for text in [
            "",
            "anna@acme.example",
            "Anna@Acme.Example",
            "ÅSA",
            "åsa",
            "Straße",
            "İ",
            "ǅemal",
            "ǆemal ΣΑΣ",
        ] {
            let lower = lowercase(text);
            assert_eq!(lower, text.to_lowercase(), "{text}");
            assert_eq!(
                matches!(lower, std::borrow::Cow::Borrowed(_)),
                text == text.to_lowercase(),
                "{text}"
            );
        }
    }

    #[test]
    fn upper_and_title_case_cover_every_character_lower_casing_changes() {
        let changed = |c: char| !c.to_lowercase().eq(std::iter::once(c));
        let wrong: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| changed(c) && !(c.is_uppercase() || is_titlecase(c)))
            .collect();
        assert_eq!(wrong, Vec::<char>::new());
    }

    #[test]
    fn empty_text_is_empty() {
        assert!(Value::Text(String::new()).is_empty());
        assert!(!Value::Text("a".into()).is_empty());
        assert!(!Value::Int(0).is_empty());
    }

    #[test]
    fn dates_display_iso() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        assert_eq!(Value::Date(d).to_string(), "2025-01-31");
        assert_eq!(Value::Date(d).into_text(), "2025-01-31");
        // The fast path writes what chrono writes, at the edges of four-digit years and beyond.
        for (y, m, day) in [
            (0, 1, 1),
            (9, 12, 31),
            (999, 2, 28),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
        ] {
            let d = NaiveDate::from_ymd_opt(y, m, day).unwrap();
            assert_eq!(
                Value::Date(d).to_text(),
                d.format("%Y-%m-%d").to_string(),
                "{d:?}"
            );
        }
    }
}
