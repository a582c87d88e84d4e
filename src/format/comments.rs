//! Where comments are and which node each one belongs to.
//!
//! The parser hands over every comment with its span but does not say where it belongs, and
//! node spans are only reliable at their start: pest lets a rule that ends in an optional or
//! repeated part swallow the whitespace *and comments* after it. So everything here works on
//! positions: [`Comments::real_end`] trims that trivia off again, and [`Comments::partition`]
//! assigns the comments between the children of a block to those children by line.

use crate::syntax::ast::Comment;
use std::cell::RefCell;

/// A comment placed on a line of its own, with whether the author left a blank line before it.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    /// The comment text, `#` included.
    pub text: String,
    /// A blank line preceded it in the input.
    pub blank_before: bool,
}

/// The comments of one block body, assigned to its parts.
#[derive(Debug, Default)]
pub(crate) struct Partition {
    /// A comment after the opening `{` on the same line.
    pub header: Option<String>,
    /// Own-line comments before each child.
    pub leading: Vec<Vec<Placed>>,
    /// A blank line directly before each child's code (after its leading comments).
    pub code_blank: Vec<bool>,
    /// A comment after each child's code on the same line.
    pub trailing: Vec<Option<String>>,
    /// Comments after the last child, before the closing `}` (or the end of the file).
    pub dangling: Vec<Placed>,
}

/// The comments of one file, in source order, each used exactly once by the printer.
pub(crate) struct Comments<'a> {
    text: &'a str,
    list: Vec<&'a Comment>,
    used: RefCell<Vec<bool>>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Comments<'a> {
    /// Indexes the comments of `text`.
    pub fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        let mut list: Vec<&Comment> = comments.iter().collect();
        list.sort_by_key(|c| c.span.start);
        let used = RefCell::new(vec![false; list.len()]);
        Comments { text, list, used }
    }

    /// The source text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The text between two positions (empty if they are not valid).
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    /// The number of line breaks in `[start, end)`; `\r\n` counts once, a lone `\r` counts too,
    /// because the grammar's NEWLINE accepts all three.
    pub fn newlines(&self, start: usize, end: usize) -> usize {
        let bytes = self.slice(start, end).as_bytes();
        let mut n = 0;
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'\n' => n += 1,
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => n += 1,
                _ => {}
            }
        }
        n
    }

    /// True when the author left at least one blank line between the two positions.
    pub fn blank_between(&self, start: usize, end: usize) -> bool {
        self.newlines(start, end) >= 2
    }

    fn starting_at(&self, pos: usize) -> Option<&'a Comment> {
        let i = self.list.partition_point(|c| c.span.start < pos);
        self.list.get(i).copied().filter(|c| c.span.start == pos)
    }

    /// The first position at or after `pos` that is not whitespace or a comment.
    pub fn skip_trivia(&self, pos: usize) -> usize {
        self.skip(pos, false)
    }

    /// Like [`Comments::skip_trivia`], also skipping the optional commas between entries.
    pub fn skip_trivia_and_commas(&self, pos: usize) -> usize {
        self.skip(pos, true)
    }

    fn skip(&self, mut pos: usize, commas: bool) -> usize {
        let bytes = self.text.as_bytes();
        loop {
            while let Some(&b) = bytes.get(pos) {
                if is_space(b) || (commas && b == b',') {
                    pos += 1;
                } else {
                    break;
                }
            }
            match self.starting_at(pos) {
                Some(c) if c.span.end > pos => pos = c.span.end,
                _ => return pos,
            }
        }
    }

    /// The end of the last token of a node whose span is `[start, end)`: the span minus the
    /// whitespace and comments pest may have included at its end.
    pub fn real_end(&self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut pos = end.min(bytes.len());
        loop {
            while pos > start && bytes.get(pos - 1).is_some_and(|&b| is_space(b)) {
                pos -= 1;
            }
            let i = self.list.partition_point(|c| c.span.start < pos);
            match i.checked_sub(1).and_then(|i| self.list.get(i)) {
                Some(c) if c.span.start >= start && pos <= c.span.end => pos = c.span.start,
                _ => return pos,
            }
        }
    }

    /// Indices of the comments not yet used that start in `[start, end)`.
    fn unused_in(&self, start: usize, end: usize) -> Vec<usize> {
        let used = self.used.borrow();
        let first = self.list.partition_point(|c| c.span.start < start);
        (first..self.list.len())
            .take_while(|&i| self.list.get(i).is_some_and(|c| c.span.start < end))
            .filter(|&i| !used.get(i).copied().unwrap_or(true))
            .collect()
    }

    /// True when an unused comment starts in `[start, end)`.
    pub fn any_in(&self, start: usize, end: usize) -> bool {
        !self.unused_in(start, end).is_empty()
    }

    /// Marks a comment used and returns its text.
    fn take(&self, i: usize) -> String {
        if let Some(u) = self.used.borrow_mut().get_mut(i) {
            *u = true;
        }
        self.list.get(i).map(|c| c.text.clone()).unwrap_or_default()
    }

    /// Takes every unused comment in `[start, end)`, in source order: the comments inside a
    /// node that has no better place for them, to be printed before it.
    pub fn take_all_in(&self, start: usize, end: usize) -> Vec<String> {
        self.unused_in(start, end)
            .into_iter()
            .map(|i| self.take(i))
            .collect()
    }

    /// The comments not used by the printer (none, unless the printer has a bug).
    pub fn leftovers(&self) -> Vec<String> {
        self.unused_in(0, usize::MAX)
            .into_iter()
            .filter_map(|i| self.list.get(i).map(|c| c.text.clone()))
            .collect()
    }

    /// Which comments are used, so a layout attempt can be undone.
    pub fn snapshot(&self) -> Vec<bool> {
        self.used.borrow().clone()
    }

    /// Undoes the uses since `snapshot`.
    pub fn restore(&self, snapshot: Vec<bool>) {
        *self.used.borrow_mut() = snapshot;
    }

    fn span_of(&self, i: usize) -> (usize, usize) {
        self.list
            .get(i)
            .map_or((0, 0), |c| (c.span.start, c.span.end))
    }

    /// Assigns the comments of a body to its parts. The body runs from `lo` (just after `{`,
    /// or the start of the file) to `hi` (the `}`, or the end of the file); `children` are the
    /// `[start, real end)` ranges of its entries, in order. Comments inside a child are left
    /// for the child. A comment is *trailing* when nothing but spaces or a comma separates it
    /// from the code before it on its line; every other comment is *leading* for the next
    /// child, or *dangling* after the last one. With `header`, a comment on the line of the
    /// opening `{` stays there.
    pub fn partition(
        &self,
        lo: usize,
        hi: usize,
        header: bool,
        children: &[(usize, usize)],
    ) -> Partition {
        let mut part = Partition::default();
        let mut prev = lo;
        let first_start = children.first().map_or(hi, |c| c.0);
        if header && let Some(&i) = self.unused_in(lo, first_start).first() {
            let (start, end) = self.span_of(i);
            if self.newlines(lo, start) == 0 {
                part.header = Some(self.take(i));
                prev = end;
            }
        }
        for (k, &(start, end)) in children.iter().enumerate() {
            let mut leading = Vec::new();
            for i in self.unused_in(prev, start) {
                let (cs, ce) = self.span_of(i);
                let blank_before = self.blank_between(prev, cs);
                leading.push(Placed {
                    text: self.take(i),
                    blank_before,
                });
                prev = ce;
            }
            part.leading.push(leading);
            part.code_blank.push(self.blank_between(prev, start));
            prev = end.max(start);
            let next = children.get(k + 1).map_or(hi, |c| c.0);
            let mut trailing = None;
            if let Some(&i) = self.unused_in(prev, next).first() {
                let (cs, ce) = self.span_of(i);
                let between = self.slice(prev, cs);
                if between
                    .bytes()
                    .all(|b| b == b' ' || b == b'\t' || b == b',')
                {
                    trailing = Some(self.take(i));
                    prev = ce;
                }
            }
            part.trailing.push(trailing);
        }
        for i in self.unused_in(prev, hi) {
            let (cs, ce) = self.span_of(i);
            let blank_before = self.blank_between(prev, cs);
            part.dangling.push(Placed {
                text: self.take(i),
                blank_before,
            });
            prev = ce;
        }
        part
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::syntax::parse;

    fn with_comments(text: &str, f: impl FnOnce(&Comments)) {
        let file = SourceFile::new("t.wtmap", text);
        let (ast, _) = parse(&file).unwrap();
        f(&Comments::new(text, &ast.comments));
    }

    #[test]
    fn real_end_trims_whitespace_and_comments_pest_included() {
        let text = "skip when A  # one\n# two\n\nmatch by id\n";
        with_comments(text, |c| {
            let end = text.find("match").unwrap();
            assert_eq!(c.real_end(0, end), "skip when A".len());
        });
    }

    #[test]
    fn skip_trivia_jumps_over_comments_with_braces() {
        let text = "user # a { b\n  {}";
        with_comments(text, |c| {
            let open = c.skip_trivia(4);
            assert_eq!(&text[open..open + 1], "{");
            assert_eq!(open, text.rfind('{').unwrap());
        });
    }

    #[test]
    fn newlines_count_crlf_once_and_lone_cr() {
        with_comments("\r\n\r\n\r", |c| assert_eq!(c.newlines(0, 5), 3));
    }

    #[test]
    fn partition_by_line() {
        let text = "user { # h\n  # lead a\n  a = X # trail a\n\n  # lead b\n  b = Y, # trail b\n  # end\n}";
        with_comments(text, |c| {
            let open = text.find('{').unwrap() + 1;
            let close = text.rfind('}').unwrap();
            let a = text.find("a = X").unwrap();
            let b = text.find("b = Y").unwrap();
            let p = c.partition(open, close, true, &[(a, a + 5), (b, b + 5)]);
            assert_eq!(p.header.as_deref(), Some("# h"));
            assert_eq!(p.leading[0][0].text, "# lead a");
            assert_eq!(p.trailing[0].as_deref(), Some("# trail a"));
            assert!(p.leading[1][0].blank_before);
            assert!(!p.code_blank[1]);
            assert_eq!(p.trailing[1].as_deref(), Some("# trail b"));
            assert_eq!(p.dangling[0].text, "# end");
            assert!(c.leftovers().is_empty());
        });
    }
}
