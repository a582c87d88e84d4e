//! A forgiving tokenizer for text being typed. The parser stops at the first grammar error,
//! but completion and hover must work in half-written mappings, so the editor features read
//! the text through these tokens instead: words, strings, numbers, punctuation and line
//! breaks, with comments dropped. It never fails; anything unknown is one `Punct` char.

use crate::source::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name or keyword, dotted paths included (`department.name`, `winningtemp.scim`);
    /// a backticked name is one word with its backticks.
    Word,
    /// `"…"`, possibly unterminated at the end of the line.
    Str,
    /// Digits and what continues them: `42`, `1.5`, `2025-01-31`, `01:00`, `5%`.
    Num,
    /// `{`, `->`, `==`, … (one or two chars).
    Punct,
    /// A line break.
    Newline,
    /// `# …` to the end of the line.
    Comment,
}

/// One token with its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Kind.
    pub kind: Kind,
    /// Where.
    pub span: Span,
}

impl Token {
    /// The token's text.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.span.start..self.span.end).unwrap_or("")
    }
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `text` into tokens.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut i = 0;
    while let Some(&(start, c)) = chars.get(i) {
        let kind;
        if c == '\n' {
            kind = Kind::Newline;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
            continue;
        } else if c == '#' {
            kind = Kind::Comment;
            while chars.get(i).is_some_and(|&(_, c)| c != '\n') {
                i += 1;
            }
        } else if c == '"' {
            kind = Kind::Str;
            i += 1;
            while let Some(&(_, c)) = chars.get(i) {
                let escaped_newline = chars.get(i + 1).is_some_and(|&(_, n)| n == '\n');
                match c {
                    '\\' if escaped_newline => {
                        i += 1;
                        break;
                    }
                    '\\' => i += 2,
                    '"' => {
                        i += 1;
                        break;
                    }
                    '\n' => break,
                    _ => i += 1,
                }
            }
        } else if c.is_ascii_digit() {
            kind = Kind::Num;
            i += 1;
            while let Some(&(_, c)) = chars.get(i) {
                let next_digit = chars.get(i + 1).is_some_and(|&(_, n)| n.is_ascii_digit());
                if c.is_ascii_digit() || c == '%' || (matches!(c, '.' | ':' | '-') && next_digit) {
                    i += 1;
                } else {
                    break;
                }
            }
        } else if word_char(c) || c == '`' {
            kind = Kind::Word;
            loop {
                match chars.get(i) {
                    Some(&(_, '`')) => {
                        i += 1;
                        while chars.get(i).is_some_and(|&(_, c)| c != '`' && c != '\n') {
                            i += 1;
                        }
                        if chars.get(i).is_some_and(|&(_, c)| c == '`') {
                            i += 1;
                        }
                    }
                    Some(&(_, c)) if word_char(c) => {
                        while chars.get(i).is_some_and(|&(_, c)| word_char(c)) {
                            i += 1;
                        }
                    }
                    _ => break,
                }
                // A dot joins two names: `department.name`, `winningtemp.scim`.
                let dot = chars.get(i).is_some_and(|&(_, c)| c == '.');
                let then_name = chars
                    .get(i + 1)
                    .is_some_and(|&(_, c)| word_char(c) || c == '`');
                if dot && then_name {
                    i += 1;
                } else {
                    break;
                }
            }
        } else {
            kind = Kind::Punct;
            let two: String = chars.iter().skip(i).take(2).map(|&(_, c)| c).collect();
            i += if ["->", "==", "!=", "<=", ">=", "??"].contains(&two.as_str()) {
                2
            } else {
                1
            };
        }
        out.push(Token {
            kind,
            span: Span::new(start, end_of(i)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokens(text)
            .iter()
            .map(|t| (t.kind, t.text(text)))
            .collect()
    }

    #[test]
    fn splits_the_forms_of_the_language() {
        assert_eq!(
            kinds("gender 1->Male _->None # x\nd = department.name ?? `Cost center`"),
            vec![
                (Kind::Word, "gender"),
                (Kind::Num, "1"),
                (Kind::Punct, "->"),
                (Kind::Word, "Male"),
                (Kind::Word, "_"),
                (Kind::Punct, "->"),
                (Kind::Word, "None"),
                (Kind::Comment, "# x"),
                (Kind::Newline, "\n"),
                (Kind::Word, "d"),
                (Kind::Punct, "="),
                (Kind::Word, "department.name"),
                (Kind::Punct, "??"),
                (Kind::Word, "`Cost center`"),
            ]
        );
        assert_eq!(
            kinds("daily at 01:00 5% 2025-01-31 \"a\\\"b"),
            vec![
                (Kind::Word, "daily"),
                (Kind::Word, "at"),
                (Kind::Num, "01:00"),
                (Kind::Num, "5%"),
                (Kind::Num, "2025-01-31"),
                (Kind::Str, "\"a\\\"b"),
            ]
        );
    }

    #[test]
    fn never_splits_inside_a_char_and_covers_odd_text() {
        for text in [
            "\"a\\\nb",
            "\"\\",
            "`ö",
            "é.",
            "a.`",
            "##\n\r\u{2028}ü",
            "\\",
        ] {
            for t in tokens(text) {
                assert!(text.get(t.span.start..t.span.end).is_some(), "{text:?}");
            }
        }
        // A backslash at the end of a line does not carry the string onto the next line.
        assert_eq!(kinds("\"a\\\nb")[1], (Kind::Newline, "\n"));
    }
}
