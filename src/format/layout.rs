//! The layout of a body (the file, or the inside of a `{ … }`): one child per line with its
//! comments, blank lines, and the column alignment of keys and trailing comments.

use super::expr::ArmStyle;
use super::lines::Line;
use super::printer::Printer;
use crate::syntax::ast::{Assignment, FieldDecl, Item, MapArm, Setting, TestEntry};

/// How the children of a body are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The file: blank lines between statements, except runs of short statements of one kind.
    Top,
    /// `source`, `target`, `rules`, `user` and `fields` blocks: keys aligned within a run.
    Aligned,
    /// Anything else: the author's blank lines (at most one), no key alignment.
    Plain,
}

/// The part of an entry before its value, which aligned blocks pad to a common width.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    /// `username`, `Office`, `segment "Country"`.
    pub text: String,
    /// `Office: text` rather than `username = …`.
    pub colon: bool,
}

impl Key {
    fn label(&self) -> String {
        if self.colon {
            format!("{}:", self.text)
        } else {
            self.text.clone()
        }
    }

    fn prefix(&self, width: usize) -> String {
        let label = pad_right(self.label(), width);
        if self.colon {
            format!("{label} ")
        } else {
            format!("{label} = ")
        }
    }
}

/// `text` padded with spaces to `width` characters. Not `format!("{:<width$}")`: a width
/// above 65535 (a 70,000-character name) panics there.
fn pad_right(mut text: String, width: usize) -> String {
    let len = text.chars().count();
    text.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
    text
}

/// What a child is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node<'n> {
    /// A top-level statement.
    Item(&'n Item),
    /// `key = expr` or `key { … }`.
    Setting(&'n Setting),
    /// `Office: text`.
    Field(&'n FieldDecl),
    /// `username = …`.
    Assign(&'n Assignment),
    /// `Id = "7"` in `given` / `expect`.
    Entry(&'n TestEntry),
    /// `given { … }` / `expect { … }`: no node of its own in the tree, so its braces are
    /// located in the text.
    Section {
        /// `given` or `expect`.
        keyword: &'static str,
        /// Its entries.
        entries: &'n [TestEntry],
        /// Byte position of `{`.
        open: usize,
        /// Byte position of `}`.
        close: usize,
    },
    /// A value-map arm in a broken value map.
    Arm(&'n MapArm, ArmStyle),
}

/// One child of a body.
#[derive(Debug, Clone)]
pub(crate) struct Child<'n> {
    /// Where its first token starts.
    pub start: usize,
    /// Where its last token ends (not the span end, which may include trailing comments).
    pub end: usize,
    /// The key, for entries written `key = value` / `key: type`.
    pub key: Option<Key>,
    /// A nested `{ … }` block: it breaks alignment runs.
    pub nested: bool,
    /// The node.
    pub node: Node<'n>,
}

/// Statements that may stay on adjacent lines when the author wrote them so.
fn group(item: &Item) -> Option<u8> {
    match item {
        Item::Match(_) => Some(0),
        Item::ValueMap(_) | Item::GroupPath(_) | Item::Group(_) | Item::Segment(_) => Some(1),
        Item::Condition(_) => Some(2),
        Item::Guard(_) => Some(3),
        Item::Schedule(_) | Item::Report(_) => Some(4),
        _ => None,
    }
}

fn item_group(child: &Child) -> Option<u8> {
    match child.node {
        Node::Item(item) => group(item),
        _ => None,
    }
}

/// A child after rendering: the lines before its code (comment text, blank line before it)
/// and its code lines.
struct Rendered {
    pre: Vec<(String, bool)>,
    code_blank: bool,
    code: Vec<Line>,
    trailing: Option<String>,
}

impl Rendered {
    /// Whether a blank line comes first (before the first comment, or the code).
    fn first_blank_mut(&mut self) -> &mut bool {
        match self.pre.first_mut() {
            Some((_, blank)) => blank,
            None => &mut self.code_blank,
        }
    }

    fn any_blank(&self) -> bool {
        self.code_blank || self.pre.iter().any(|(_, b)| *b)
    }
}

impl Printer<'_> {
    /// Lays out a body from `lo` to `hi` (see [`super::comments::Comments::partition`]) with its
    /// children at `indent`. Returns the comment that stays on the opening line, if any, and
    /// the lines.
    pub(crate) fn body(
        &self,
        lo: usize,
        hi: usize,
        header: bool,
        children: Vec<Child>,
        indent: usize,
        mode: Mode,
    ) -> (Option<String>, Vec<Line>) {
        let ranges: Vec<(usize, usize)> = children.iter().map(|c| (c.start, c.end)).collect();
        let part = self.c.partition(lo, hi, header, &ranges);
        let author_blank: Vec<bool> = (0..children.len())
            .map(|i| {
                part.code_blank.get(i).copied().unwrap_or(false)
                    || part
                        .leading
                        .get(i)
                        .is_some_and(|l| l.iter().any(|p| p.blank_before))
            })
            .collect();
        let prefixes = prefixes(&children, &author_blank, mode);

        let mut rendered = Vec::with_capacity(children.len());
        for (i, child) in children.iter().enumerate() {
            let prefix = prefixes.get(i).map_or("", String::as_str);
            let code = self.render(child, indent, prefix);
            // Comments inside the child that no nested layout placed go just above it.
            let hoisted = self.c.take_all_in(child.start, child.end);
            let mut pre: Vec<(String, bool)> = part
                .leading
                .get(i)
                .map(|l| l.iter().map(|p| (p.text.clone(), p.blank_before)).collect())
                .unwrap_or_default();
            let mut code_blank = part.code_blank.get(i).copied().unwrap_or(false);
            for (k, text) in hoisted.into_iter().enumerate() {
                pre.push((text, k == 0 && code_blank));
                code_blank = false;
            }
            rendered.push(Rendered {
                pre,
                code_blank,
                code,
                trailing: part.trailing.get(i).cloned().flatten(),
            });
        }

        // Blank lines: none at the start of a body; at the top level one between statements
        // unless they are one-liners of a kind the author kept together; elsewhere the
        // author's (at most one).
        for i in 0..rendered.len() {
            let blank = if i == 0 {
                false
            } else if mode == Mode::Top {
                let (a, b) = (children.get(i - 1), children.get(i));
                let together = match (a, b, rendered.get(i - 1), rendered.get(i)) {
                    (Some(a), Some(b), Some(ra), Some(rb)) => {
                        item_group(a).is_some()
                            && item_group(a) == item_group(b)
                            && ra.code.len() == 1
                            && rb.code.len() == 1
                            && !author_blank.get(i).copied().unwrap_or(false)
                    }
                    _ => false,
                };
                !together
            } else {
                rendered.get_mut(i).is_some_and(|r| *r.first_blank_mut())
            };
            if let Some(r) = rendered.get_mut(i) {
                *r.first_blank_mut() = blank;
            }
        }
        align_trailing_comments(&children, &mut rendered);

        let mut lines = Vec::new();
        for r in rendered {
            for (text, blank) in r.pre {
                if blank {
                    lines.push(Line::blank());
                }
                lines.push(Line::code(indent, text));
            }
            if r.code_blank {
                lines.push(Line::blank());
            }
            let mut code = r.code;
            if let Some(t) = r.trailing {
                match code.last_mut() {
                    Some(last) if last.comment.is_none() => last.comment = Some(t),
                    _ => code.push(Line::code(indent, t)),
                }
            }
            lines.extend(code);
        }
        for p in part.dangling {
            if p.blank_before && !lines.is_empty() {
                lines.push(Line::blank());
            }
            lines.push(Line::code(indent, p.text));
        }
        (part.header, lines)
    }
}

/// The text before each child's value: padded keys in aligned blocks, where a run of
/// consecutive entries (broken by a blank line or a nested block, not by comment lines) shares
/// the width of its longest key.
fn prefixes(children: &[Child], author_blank: &[bool], mode: Mode) -> Vec<String> {
    if mode != Mode::Aligned {
        return children
            .iter()
            .map(|c| c.key.as_ref().map(|k| k.prefix(0)).unwrap_or_default())
            .collect();
    }
    let mut out = vec![String::new(); children.len()];
    let mut start = 0;
    while start < children.len() {
        let mut end = start + 1;
        while let Some(c) = children.get(end) {
            let prev_nested = children.get(end - 1).is_some_and(|p| p.nested);
            if c.nested || prev_nested || author_blank.get(end).copied().unwrap_or(false) {
                break;
            }
            end += 1;
        }
        let run = children.get(start..end).unwrap_or_default();
        let width = run
            .iter()
            .filter_map(|c| c.key.as_ref().map(|k| k.label().chars().count()))
            .max()
            .unwrap_or(0);
        for (slot, c) in out.iter_mut().skip(start).zip(run) {
            if let Some(k) = &c.key {
                *slot = k.prefix(width);
            }
        }
        start = end;
    }
    out
}

/// Aligns the trailing comments of consecutive one-line entries (a blank line or an entry that
/// is not one line ends the run) two spaces after the longest of those lines.
fn align_trailing_comments(children: &[Child], rendered: &mut [Rendered]) {
    let single: Vec<bool> = rendered
        .iter()
        .zip(children)
        .map(|(r, c)| r.code.len() == 1 && !c.nested)
        .collect();
    let blank: Vec<bool> = rendered.iter().map(Rendered::any_blank).collect();
    let is = |v: &[bool], i: usize| v.get(i).copied().unwrap_or(false);
    let mut start = 0;
    while start < rendered.len() {
        let mut end = start + 1;
        if is(&single, start) {
            while end < rendered.len() && is(&single, end) && !is(&blank, end) {
                end += 1;
            }
        }
        let run = rendered.get_mut(start..end).unwrap_or_default();
        let width = run
            .iter()
            .filter(|r| r.trailing.is_some() && r.code.len() == 1)
            .filter_map(|r| r.code.first().map(|l| l.text.chars().count()))
            .max();
        if let Some(width) = width {
            for r in run.iter_mut().filter(|r| r.trailing.is_some()) {
                if let [line] = r.code.as_mut_slice() {
                    line.text = pad_right(std::mem::take(&mut line.text), width);
                }
            }
        }
        start = end;
    }
}
