//! W0118: a statement repeated verbatim. Two identical `skip when`, `segment`, `guard` or
//! `test` statements are harmless to run but always a slip (a paste, a merge): the second one
//! is dead text that a later edit will change in one place only. Statements that may appear
//! once (E0011) and attributes written twice (E0107) have their own errors.

use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{File, Item};
use std::collections::HashMap;

impl Checker<'_> {
    pub(crate) fn warn_repeated_statements(&mut self, ast: &File) {
        let mut first_seen: HashMap<String, Span> = HashMap::new();
        for item in &ast.items {
            if !may_repeat(item) {
                continue;
            }
            let span = item.span();
            let key = statement_key(self.file.slice(span));
            match first_seen.get(&key) {
                Some(first) => {
                    let line = self.file.line_col(first.start).0;
                    self.report(
                        Diagnostic::new(
                            Code::RepeatedStatement,
                            span,
                            format!("this statement repeats line {line} word for word"),
                            "repeated",
                        )
                        .with_label(*first, "first written here")
                        .with_help(
                            "remove one of the two; an edit to one would not reach the other",
                        ),
                    );
                }
                None => {
                    first_seen.insert(key, span);
                }
            }
        }
    }
}

/// Statements that may legitimately appear more than once, so only a verbatim copy is a slip.
fn may_repeat(item: &Item) -> bool {
    matches!(
        item,
        Item::Condition(_) | Item::Segment(_) | Item::Guard(_) | Item::Test(_) | Item::Report(_)
    )
}

/// The statement without comments and with whitespace outside strings collapsed: layout and
/// comments are not meaning, but the text inside a string is.
fn statement_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for line in text.lines() {
        let code = crate::syntax::errors::comment_start(line).map_or(line, |i| &line[..i]);
        let (mut in_string, mut escaped, mut pending_space) = (false, false, false);
        for c in code.chars() {
            if !in_string && c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && !key.is_empty() {
                key.push(' ');
            }
            pending_space = false;
            key.push(c);
            match c {
                '\\' if in_string => escaped = !escaped,
                '"' if !escaped => in_string = !in_string,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        key.push(' ');
    }
    key.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::statement_key;

    #[test]
    fn layout_and_comments_are_not_meaning_but_strings_are() {
        assert_eq!(
            statement_key("skip when   Email is empty  # no login"),
            statement_key("skip when Email is empty")
        );
        assert_eq!(
            statement_key("guard pauses <= 5%\n"),
            statement_key("guard  pauses <=  5%")
        );
        assert_ne!(
            statement_key(r#"segment "A  B" = X"#),
            statement_key(r#"segment "A B" = X"#)
        );
        assert_eq!(
            statement_key(r#"segment "A # B" = X # c"#),
            r#"segment "A # B" = X"#
        );
    }
}
