//! The nesting limit. Every pass over a mapping (parser, checker, evaluator, formatter,
//! explain) walks expressions recursively, so an expression nested thousands of levels deep
//! (`((((…`, `not not not …`, `a ?? b ?? …`, `if … else if …`) would overflow the stack. The
//! limit is enforced twice, so that no later pass ever sees a deeper tree:
//!
//! - before the grammar runs, a lexical scan measures bracket depth plus runs of `not` (the
//!   two kinds of nesting that recurse inside the parser itself), linearly;
//! - while the syntax tree is built, the height of every expression is measured (binary
//!   chains, `if` chains, postfix operators), and a tree that would exceed the limit is cut
//!   and reported.
//!
//! Either way the result is one `E0003` diagnostic at the first place the limit is passed.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// The deepest expression (and the deepest bracket nesting) a mapping may have. Real mappings
/// stay below 10; every recursive pass is tested at this depth on a 2 MiB thread stack.
pub const MAX_NESTING: usize = 64;

/// The diagnostic for nesting deeper than [`MAX_NESTING`] at `span`.
pub(crate) fn too_deep(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        span,
        format!("{what} is nested more than {MAX_NESTING} levels deep"),
        "too deep from here",
    )
    .with_help(
        "split the expression: name a part with a value map, use `in [\"a\", \"b\"]` instead of a long `or` chain, or remove redundant parentheses",
    )
}

/// Scans the text once, skipping comments, strings and quoted names, and reports the first
/// place where brackets plus a run of `not`s nest deeper than [`MAX_NESTING`].
pub(crate) fn prescan(text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut nots = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'`' => {
                nots = 0;
                i += 1;
                while i < bytes.len() && bytes[i] != b && bytes[i] != b'\n' {
                    if b == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'(' | b'[' | b'{' => {
                nots = 0;
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(too_deep(Span::new(i, i + 1), "this bracket"));
                }
            }
            b')' | b']' | b'}' => {
                nots = 0;
                depth = depth.saturating_sub(1);
            }
            _ if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                if &bytes[start..i] == b"not" {
                    nots += 1;
                    if depth + nots > MAX_NESTING {
                        return Some(too_deep(Span::new(start, i), "this `not`"));
                    }
                } else {
                    nots = 0;
                }
                continue;
            }
            _ if b.is_ascii_whitespace() => {}
            _ => nots = 0,
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_not_runs_are_measured_outside_strings_and_comments() {
        let deep = "(".repeat(MAX_NESTING + 1);
        assert!(prescan(&deep).is_some());
        assert!(prescan(&"(".repeat(MAX_NESTING)).is_none());
        assert!(prescan(&format!("\"{deep}\"")).is_none());
        assert!(prescan(&format!("# {deep}\nx")).is_none());
        assert!(prescan(&format!("`{deep}`")).is_none());
        let nots = "not ".repeat(MAX_NESTING + 1);
        assert!(prescan(&nots).is_some());
        // `not` as part of other words, or separated by other tokens, does not add up.
        assert!(prescan(&"nothing ".repeat(500)).is_none());
        assert!(prescan(&"not A and ".repeat(500)).is_none());
        // Closed brackets do not add up either.
        assert!(prescan(&"(x) ".repeat(500)).is_none());
    }
}
