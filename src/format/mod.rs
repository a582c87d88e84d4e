//! `wtmap fmt`: one canonical layout for `.wtmap` files, modelled on `mappings/flex.wtmap`.
//!
//! [`format_source`] parses, prints the tree, then proves the result: the output must parse
//! to the same statements (spans ignored) with the same comments, or nothing is returned.
//!
//! # Layout
//!
//! - Two spaces per level. Blocks are `name {` … `}` with one setting, field, assignment or
//!   test entry per line and no commas; an empty block is `name {}`.
//! - In `source`, `target`, `rules`, `user` and `fields` blocks (and nested setting blocks
//!   such as `columns { … }`) the `=` — for fields the type after `Name:` — is aligned: keys
//!   are padded to the longest key of their *run*. A run is a stretch of consecutive entries;
//!   a blank line or a nested block ends it, a comment line does not (it belongs to the entry
//!   below it).
//! - Comments are kept where they were relative to the code: a comment on a line of its own
//!   stays above the entry or statement that follows it, indented like it; a comment after
//!   code stays after it, two spaces after the line, and the trailing comments of a run of
//!   one-line entries are aligned two spaces after the longest of those lines; a comment after
//!   `{` stays on that line; comments before `}` stay at the end of the block, and at the end
//!   of the file stay there. A comment inside an expression (or between a keyword and its `{`)
//!   moves to its own line just above the entry that contains it.
//! - Between top-level statements there is exactly one blank line, except that one-line
//!   statements of the same group stay on adjacent lines when the author wrote them so:
//!   `match`; value maps, `group path` and `segment`; `exclude`/`skip`/`pause when`; `guard`;
//!   `schedule` and `report to`. Inside blocks, and around comments, the author's blank lines
//!   are kept (at most one, none right after `{` or before `}`).
//! - Value-map statements are one line, `gender 1->Male 2->Female _->None`: arms separated by
//!   one space, `->` without spaces, alternatives as `"a" | "b"->X`. Value-map expressions are
//!   `Status { "a" | "b" -> Active, _ -> Paused }`. Either form puts one arm per line (the
//!   expression form with a `,` after every arm) when the line would be wider than 100
//!   columns or when comments sit among the arms.
//! - `given { … }` / `expect { … }` are one line, entries separated by `, `, when that fits in
//!   100 columns and they hold no comments; otherwise one entry per line (not aligned).
//! - Expressions: single spaces around binary operators, `f(a, b)`, lists `["a", "b"]`,
//!   parentheses exactly where the author wrote them and nowhere else. Text is re-quoted
//!   (`"`, `\`, line breaks, tabs and other control characters escaped, everything else
//!   literal); backticked names keep their backticks; decimals as written; dates
//!   `YYYY-MM-DD`; whole numbers and percentages in their shortest form (`05%` → `5%`).
//! - Other lines are not wrapped. The file ends with exactly one newline.

mod comments;
mod erase;
mod expr;
mod layout;
mod lines;
mod printer;

#[cfg(test)]
mod tests;

use crate::diagnostics::Diagnostics;
use crate::source::SourceFile;
use crate::syntax::{self, ast};

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    /// The input does not parse (or has invalid literals): it is never formatted.
    #[error("the mapping has syntax errors; fix them before formatting")]
    Syntax(Diagnostics),
    /// The formatted text would not mean the same as the input; the input is left as it is.
    /// This is a formatter bug worth reporting with the input.
    #[error("formatting would change the mapping, so it was left unchanged: {detail}")]
    Unsound {
        /// What differed.
        detail: String,
    },
}

/// Formats a mapping into the canonical layout. Idempotent: formatting the result again
/// returns it unchanged.
///
/// # Errors
///
/// [`FormatError::Syntax`] when the input does not parse or a literal in it is invalid (an
/// impossible date would otherwise be printed as text); [`FormatError::Unsound`] when the
/// output fails the check that it parses to the same statements and keeps every comment.
pub fn format_source(file: &SourceFile) -> Result<String, FormatError> {
    let (tree, diags) = syntax::parse(file).map_err(FormatError::Syntax)?;
    if diags.has_errors() {
        return Err(FormatError::Syntax(diags));
    }
    let out =
        printer::print(&file.text, &tree).map_err(|detail| FormatError::Unsound { detail })?;
    verify(file, &tree, &out).map_err(|detail| FormatError::Unsound { detail })?;
    Ok(out)
}

/// Checks that `out` parses to the same statements as `tree` and has the same comments.
fn verify(file: &SourceFile, tree: &ast::File, out: &str) -> Result<(), String> {
    let formatted = SourceFile::new(file.name.clone(), out);
    let (again, diags) = match syntax::parse(&formatted) {
        Ok(parsed) => parsed,
        Err(d) => {
            let at =
                d.0.first()
                    .map(|d| {
                        let (line, col) = formatted.line_col(d.span().start);
                        format!("{} at formatted line {line}, column {col}", d.message)
                    })
                    .unwrap_or_default();
            return Err(format!("the formatted text does not parse ({at})"));
        }
    };
    if diags.has_errors() {
        return Err("the formatted text has invalid literals".into());
    }
    let mut before = tree.items.clone();
    let mut after = again.items;
    erase::erase_spans(&mut before);
    erase::erase_spans(&mut after);
    if after != before {
        let i = before
            .iter()
            .zip(&after)
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| before.len().min(after.len()));
        let (line, _) = tree
            .items
            .get(i)
            .map_or((0, 0), |item| file.line_col(item.span().start));
        return Err(format!(
            "statement {} (line {line}) would parse differently ({} statements before, {} after)",
            i + 1,
            before.len(),
            after.len()
        ));
    }
    same_comments(&tree.comments, &again.comments)
}

/// Checks that two lists hold the same comment texts, each as often (order aside: the
/// formatter may move a comment out of an expression).
pub(crate) fn same_comments(before: &[ast::Comment], after: &[ast::Comment]) -> Result<(), String> {
    let sorted = |cs: &[ast::Comment]| {
        let mut texts: Vec<String> = cs.iter().map(|c| c.text.clone()).collect();
        texts.sort();
        texts
    };
    let (mut a, mut b) = (sorted(before), sorted(after));
    if a == b {
        return Ok(());
    }
    // Remove the common ones so the message names only what differs.
    let mut missing = Vec::new();
    for text in a.drain(..) {
        match b.iter().position(|t| *t == text) {
            Some(i) => {
                b.remove(i);
            }
            None => missing.push(text),
        }
    }
    Err(format!(
        "comments would change: lost {missing:?}, gained {b:?}"
    ))
}

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, three lines of context) from `old` to `new`,
/// for `fmt --check`; empty when they are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
