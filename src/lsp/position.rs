//! Byte offsets ↔ LSP positions. LSP counts columns in UTF-16 code units (the default
//! `positionEncoding`), so `Förnamn` is 7 columns and `😀` is 2.

use crate::source::Span;
use lsp_types::{Position, Range};

/// Line starts of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            len: text.len(),
        }
    }

    /// The position of a byte offset (clamped to the text, floored to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len);
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts[line];
        let character = text
            .get(start..offset)
            .map_or(0, |s| s.encode_utf16().count());
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(character).unwrap_or(u32::MAX),
        )
    }

    /// The range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }

    /// The byte offset of a position. A line past the end is `None`; a character past the
    /// end of its line means the end of the line, as the protocol says.
    pub fn offset(&self, text: &str, pos: Position) -> Option<usize> {
        let line = usize::try_from(pos.line).ok()?;
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).map_or(self.len, |&next| next - 1);
        let mut units = 0usize;
        let wanted = usize::try_from(pos.character).ok()?;
        for (i, c) in text.get(start..end)?.char_indices() {
            if units >= wanted {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(end)
    }

    /// The byte span of a range.
    pub fn span(&self, text: &str, range: Range) -> Option<Span> {
        let start = self.offset(text, range.start)?;
        let end = self.offset(text, range.end)?;
        (start <= end).then_some(Span::new(start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16_units() {
        let text = "ab\nFörnamn 😀 x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap_or_default();
        assert_eq!(idx.position(text, x), Position::new(1, 11));
        assert_eq!(idx.offset(text, Position::new(1, 11)), Some(x));
        assert_eq!(idx.offset(text, Position::new(1, 99)), Some(text.len() - 1));
        assert_eq!(idx.offset(text, Position::new(2, 0)), Some(text.len()));
        assert_eq!(idx.offset(text, Position::new(3, 0)), None);
        // Inside the emoji's surrogate pair: the char it belongs to.
        let emoji = text.find('😀').unwrap_or_default();
        assert_eq!(idx.offset(text, Position::new(1, 9)), Some(emoji + 4));
    }
}
