//! Making outside text safe to show: IDs, names, record values, server error bodies and file
//! paths come from HR systems, servers and folders wtmap does not control. Shown raw, an ESC
//! sequence clears a terminal or plants an OSC 8 link, a newline forges a plan line, and a `|`
//! or a backtick breaks a Markdown table. Every human, text, Markdown and HTML rendering puts
//! such text through one of these functions; JSON renderings keep the exact text (JSON escapes
//! control characters itself).
//!
//! The lowest layer: no dependency on any other module, so every layer can use it.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal, a text line or a Markdown line as it is: control
/// characters (C0, DEL, C1), line and paragraph separators, and the invisible bidirectional
/// controls that can make a line read differently from what it holds.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `text` on one line with nothing a terminal interprets: every unsafe character (see
/// [`is_unsafe`]) written as a visible escape (`\n`, `\r`, `\t`, `\u{1b}`). Text without such
/// characters is returned as it is.
pub fn line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`line`], but keeps line breaks and tabs: for multi-line text shown as a block (a
/// diagnostic in a `<pre>`), where a line break is what the text means.
pub fn block(text: &str) -> Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe(c) && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_here(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Markdown's characters that can start markup inside a line (`~` strikes through, `&`
/// starts an entity). Characters that only matter at the start of a line (`-`, `+`, `1.`)
/// need nothing: data never starts a line.
fn markdown_active(c: char) -> bool {
    matches!(
        c,
        '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&'
    )
}

/// A literal `|` inside a table cell's code span: GitHub's table parser ends the cell at a `|`
/// preceded by an even number of backslashes (each pair is one escaped backslash), so the pipe
/// gets one more backslash when the count before it is even.
fn push_cell_pipe(out: &mut String) {
    let before = out.chars().rev().take_while(|c| *c == '\\').count();
    if before % 2 == 0 {
        out.push('\\');
    }
    out.push('|');
}

/// Plain Markdown text (a list item, a heading, a table cell): one line (see [`line`]) with
/// every character that could start markup escaped, `|` included, so that it can neither end a
/// table cell, start a block, nor become a link, emphasis or HTML.
pub fn markdown(text: &str) -> String {
    let text = line(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if markdown_active(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown for wtmap's own sentences, which quote data in backticks meant to show as code.
/// Outside the code spans, like [`markdown`]; inside them only `|` is escaped (a table would
/// end the cell there). When the backticks do not pair up, the whole text is escaped as plain.
pub fn markdown_prose(text: &str) -> String {
    let text = line(text);
    if text.matches('`').count() % 2 == 1 {
        return markdown(&text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if in_code && c == '|' {
            push_cell_pipe(&mut out);
            continue;
        } else if !in_code && markdown_active(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown inline code holding `text` exactly as shown by [`line`], whatever backticks it
/// holds: the fence is one backtick longer than the longest run inside. In a table cell
/// (`in_table`), `|` is written `\|`, which GitHub's tables take as a literal `|` even inside
/// code.
pub fn markdown_code(text: &str, in_table: bool) -> String {
    let text = line(text);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    let body = if in_table {
        let mut body = String::with_capacity(text.len() + 4);
        for c in text.chars() {
            match c {
                '|' => push_cell_pipe(&mut body),
                c => body.push(c),
            }
        }
        body
    } else {
        text.into_owned()
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text for HTML element content and quoted attribute values: `& < > " '` as entities, and
/// every unsafe character except line breaks and tabs (which HTML shows as space, or as
/// themselves in `<pre>`) as a visible escape.
pub fn html(text: &str) -> String {
    let text = block(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(line("anna@acme.example"), Cow::Borrowed(_)));
        assert_eq!(line("Åsa Öberg → Lund"), "Åsa Öberg → Lund");
    }

    #[test]
    fn control_characters_are_visible() {
        assert_eq!(line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(line("\x1b[2J"), "\\u{1b}[2J");
        assert_eq!(line("x\u{9b}y\u{202e}z"), "x\\u{9b}y\\u{202e}z");
        assert_eq!(block("a\nb\x1b"), "a\nb\\u{1b}");
    }

    #[test]
    fn markdown_escapes_markup() {
        assert_eq!(markdown("a|b*c_d`e"), "a\\|b\\*c\\_d\\`e");
        assert_eq!(markdown("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(markdown("a\n# b"), "a\\\\n\\# b");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(markdown_code("a", false), "`a`");
        assert_eq!(markdown_code("a`b", false), "``a`b``");
        assert_eq!(markdown_code("a``b", false), "```a``b```");
        assert_eq!(markdown_code("`a", false), "`` `a ``");
        assert_eq!(markdown_code("a|b", true), "`a\\|b`");
        assert_eq!(markdown_code("", false), "``");
    }

    fn hostile() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                any::<char>(),
                Just('\n'),
                Just('\x1b'),
                Just('\u{9b}'),
                Just('|'),
                Just('`'),
                Just('\u{202e}'),
            ],
            0..40,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn line_output_has_no_unsafe_character(text in hostile()) {
            let shown = line(&text);
            prop_assert!(!shown.chars().any(is_unsafe));
            let md = markdown(&text);
            prop_assert!(!md.chars().any(is_unsafe));
            // Every `|` in Markdown text is escaped.
            let bytes = md.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'|' {
                    let slashes = bytes[..i].iter().rev().take_while(|c| **c == b'\\').count();
                    prop_assert!(slashes % 2 == 1, "raw | in {md:?}");
                }
            }
            let h = html(&text);
            prop_assert!(!h.contains('<') && !h.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t'));
        }

        #[test]
        fn code_spans_hold_the_text(text in hostile()) {
            let code = markdown_code(&text, false);
            let shown = line(&text);
            let fence_len = code.chars().take_while(|c| *c == '`').count();
            prop_assert!(code.ends_with(&"`".repeat(fence_len)));
            prop_assert!(!shown.contains(&"`".repeat(fence_len)));
            prop_assert!(!code.chars().any(is_unsafe));
        }
    }
}
