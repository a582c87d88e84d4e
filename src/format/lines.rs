//! Output lines, and a writer that builds the lines of one entry.

/// The width the formatter tries to stay within (value maps and test blocks break beyond it).
pub(crate) const MAX_WIDTH: usize = 100;

/// Spaces per indentation level.
const INDENT: &str = "  ";

/// One output line: code with an optional trailing comment, a comment of its own, or blank.
#[derive(Debug, Clone, Default)]
pub(crate) struct Line {
    /// Indentation level.
    pub indent: usize,
    /// The code, or the comment when the line is only a comment; empty for a blank line.
    pub text: String,
    /// A comment after the code.
    pub comment: Option<String>,
}

impl Line {
    /// A blank line.
    pub fn blank() -> Self {
        Line::default()
    }

    /// A line of code.
    pub fn code(indent: usize, text: impl Into<String>) -> Self {
        Line {
            indent,
            text: text.into(),
            comment: None,
        }
    }

    /// Width in columns without the trailing comment (characters, not bytes).
    pub fn width(&self) -> usize {
        self.indent * INDENT.len() + self.text.chars().count()
    }
}

/// Joins lines into the file text: no trailing spaces, exactly one final newline (none for an
/// empty file).
pub(crate) fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        if !line.text.is_empty() || line.comment.is_some() {
            for _ in 0..line.indent {
                out.push_str(INDENT);
            }
            out.push_str(&line.text);
            if let Some(c) = &line.comment {
                if !line.text.is_empty() {
                    out.push_str("  ");
                }
                out.push_str(c);
            }
        }
        out.push('\n');
    }
    out
}

/// Builds the lines of one entry; text goes onto the current line until a nested body breaks it.
#[derive(Debug)]
pub(crate) struct Writer {
    /// The indentation of the entry's lines (a nested body is one deeper).
    pub indent: usize,
    lines: Vec<Line>,
    current: Line,
}

impl Writer {
    /// A writer whose first line starts with `prefix`.
    pub fn new(indent: usize, prefix: &str) -> Self {
        Writer {
            indent,
            lines: Vec::new(),
            current: Line::code(indent, prefix),
        }
    }

    /// Appends text to the current line.
    pub fn push(&mut self, text: &str) {
        self.current.text.push_str(text);
    }

    /// Sets the trailing comment of the current line.
    pub fn comment(&mut self, comment: Option<String>) {
        self.current.comment = comment;
    }

    /// Ends the current line, adds already laid-out lines, and starts a new line at the
    /// writer's indentation (for the closing `}` of a broken value map).
    pub fn break_with(&mut self, lines: Vec<Line>) {
        let done = std::mem::replace(&mut self.current, Line::code(self.indent, ""));
        self.lines.push(done);
        self.lines.extend(lines);
    }

    /// The finished lines (a trailing empty line is dropped).
    pub fn finish(mut self) -> Vec<Line> {
        if !self.current.text.is_empty() || self.current.comment.is_some() || self.lines.is_empty()
        {
            self.lines.push(self.current);
        }
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_drops_indent_on_blank_lines_and_spaces_comments() {
        let mut a = Line::code(1, "a = 1");
        a.comment = Some("# x".into());
        let lines = vec![a, Line::blank(), Line::code(1, "# own")];
        assert_eq!(render(&lines), "  a = 1  # x\n\n  # own\n");
    }

    #[test]
    fn writer_breaks_and_continues() {
        let mut w = Writer::new(1, "s = ");
        w.push("X {");
        w.break_with(vec![Line::code(2, "_ -> A,")]);
        w.push("}");
        let lines = w.finish();
        assert_eq!(render(&lines), "  s = X {\n    _ -> A,\n  }\n");
    }
}
