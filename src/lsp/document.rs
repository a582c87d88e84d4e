//! One open mapping: its text, checked once per change, and what the editor features read.

use super::index::Index;
use super::position::LineIndex;
use crate::check::check_source;
use crate::diagnostics::Diagnostics;
use crate::source::SourceFile;
use lsp_types as lsp;

/// An open document.
#[derive(Debug)]
pub struct Document {
    /// Its URI.
    pub uri: lsp::Uri,
    /// The client's version.
    pub version: i32,
    /// The text, named like `check` names files.
    pub file: SourceFile,
    /// Line starts.
    pub lines: LineIndex,
    /// What `wtmap check` says about the text.
    pub diagnostics: Diagnostics,
    /// Declarations read from the tokens.
    pub index: Index,
}

impl Document {
    /// Checks `text`.
    pub fn new(uri: lsp::Uri, version: i32, text: String) -> Document {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("mapping.wtmap")
            .to_string();
        let file = SourceFile::new(name, text);
        let (_, diagnostics) = check_source(&file);
        Document {
            uri,
            version,
            lines: LineIndex::new(&file.text),
            index: Index::of(&file.text),
            diagnostics,
            file,
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.file.text
    }

    /// The byte offset of a position, or an error the client can show.
    pub fn offset(&self, pos: lsp::Position) -> Result<usize, String> {
        self.lines.offset(self.text(), pos).ok_or_else(|| {
            format!(
                "position {}:{} is outside the document ({} lines)",
                pos.line,
                pos.character,
                self.text().lines().count().max(1)
            )
        })
    }

    /// The text with the client's changes applied: a change without a range replaces
    /// everything; one with a range replaces that range.
    pub fn apply(
        &self,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) -> Result<String, String> {
        let mut text = self.text().to_string();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let lines = LineIndex::new(&text);
                    let span = lines
                        .span(&text, range)
                        .ok_or_else(|| "a change's range is outside the document".to_string())?;
                    text.replace_range(span.start..span.end, &change.text);
                }
            }
        }
        Ok(text)
    }
}
