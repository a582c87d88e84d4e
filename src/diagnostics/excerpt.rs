//! Long lines cut down for the human renderer. miette draws every label with a padded format
//! whose width must fit in 16 bits, so a label past column 65535 panics inside it; and a line
//! of 70,000 characters is no help to a reader anyway. Lines longer than [`LONG_LINE`] keep
//! their start, their end and a window around each label's ends, with `…` for the rest, and
//! the labels move with the text. Line numbers stay as they are, and the header's column is
//! the original one.

use crate::source::Span;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A line longer than this (in bytes) is cut down.
pub const LONG_LINE: usize = 1000;
/// How much text is kept around a label's start and end, and at each end of a cut line.
const KEEP: usize = 60;
const GAP: &str = "…";

/// The source text as the renderer sees it, with the way back to the original offsets.
pub(crate) struct Excerpt {
    name: String,
    original: String,
    /// The text shown.
    text: String,
    /// (original start, shown start, length) of each kept piece, in order.
    pieces: Vec<(usize, usize, usize)>,
}

impl Excerpt {
    /// Cuts the long lines of `original` around `spans`, or `None` when no line is long.
    pub(crate) fn new(name: &str, original: &str, spans: &[Span]) -> Option<Excerpt> {
        let mut keep: Vec<(usize, usize)> = Vec::new();
        let mut any_long = false;
        let mut start = 0;
        while start < original.len() {
            let end = original[start..]
                .find('\n')
                .map_or(original.len(), |i| start + i + 1);
            if end - start > LONG_LINE {
                any_long = true;
                keep.push((start, start + KEEP));
                keep.push((end.saturating_sub(KEEP), end));
                for s in spans {
                    for p in [s.start, s.end] {
                        if (start..=end).contains(&p) {
                            keep.push((p.saturating_sub(KEEP).max(start), (p + KEEP).min(end)));
                        }
                    }
                }
            } else {
                keep.push((start, end));
            }
            start = end;
        }
        if !any_long {
            return None;
        }
        let floor = |mut i: usize| {
            while i > 0 && !original.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            while i < original.len() && !original.is_char_boundary(i) {
                i += 1;
            }
            i.min(original.len())
        };
        let mut keep: Vec<(usize, usize)> =
            keep.into_iter().map(|(a, b)| (floor(a), ceil(b))).collect();
        keep.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in keep {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let mut text = String::new();
        let mut pieces = Vec::new();
        let mut previous_end = 0;
        for (a, b) in merged {
            if a > previous_end {
                text.push_str(GAP);
            }
            pieces.push((a, text.len(), b - a));
            text.push_str(&original[a..b]);
            previous_end = b;
        }
        Some(Excerpt {
            name: name.to_string(),
            original: original.to_string(),
            text,
            pieces,
        })
    }

    /// Where an original offset is in the shown text (a cut-out offset goes to its `…`).
    pub(crate) fn shown(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|(o, _, _)| *o <= offset);
        match i.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some((o, s, len)) if offset <= o + len => s + (offset - o),
            Some((_, s, len)) => s + len,
            None => 0,
        }
    }

    /// A span of the original moved into the shown text.
    pub(crate) fn span(&self, span: Span) -> Span {
        let start = self.shown(span.start);
        Span::new(start, self.shown(span.end).max(start))
    }

    /// Where a shown offset was in the original.
    fn original(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|(_, s, _)| *s <= offset);
        match i.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some((o, s, len)) => o + (offset - s).min(*len),
            None => 0,
        }
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // The header names the primary label's line and column, read without context: give
        // the column the label has in the original line.
        let column = if context_lines_before == 0 {
            let at = self.original(span.offset());
            let line_start = self.original[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            at - line_start
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_left_alone() {
        assert!(Excerpt::new("m", "a\nb\n", &[Span::new(0, 1)]).is_none());
    }

    #[test]
    fn long_lines_keep_the_labels_and_their_surroundings() {
        let text = format!("x\n{}LABEL{}\ny\n", "a".repeat(70_000), "é".repeat(50_000));
        let at = text.find("LABEL").unwrap();
        let e = Excerpt::new("m", &text, &[Span::new(at, at + 5)]).unwrap();
        assert!(e.text.len() < 1000, "{}", e.text.len());
        let shown = e.span(Span::new(at, at + 5));
        assert_eq!(&e.text[shown.start..shown.end], "LABEL");
        assert_eq!(e.text.lines().count(), 3);
        assert!(e.text.starts_with("x\naaa") && e.text.ends_with("é\ny\n"));
        assert_eq!(e.original(shown.start), at);
    }
}
