//! Formatting through `wtmap fmt`'s formatter: one edit replacing the whole text, or a refusal
//! (an error answer; the diagnostics already show why) when the text does not parse.

use super::document::Document;
use crate::format::{FormatError, format_source};
use lsp_types::{Position, Range, TextEdit};

/// `RequestFailed` (LSP 3.17): the request was valid but could not be carried out.
pub const REQUEST_FAILED: i32 = -32803;

/// The edits that format the document: none when it is already formatted.
pub fn format(doc: &Document) -> Result<Vec<TextEdit>, (i32, String)> {
    match format_source(&doc.file) {
        Ok(text) if text == doc.text() => Ok(Vec::new()),
        Ok(text) => {
            let end = doc.lines.position(doc.text(), doc.text().len());
            Ok(vec![TextEdit::new(
                Range::new(Position::new(0, 0), end),
                text,
            )])
        }
        Err(FormatError::Syntax(diags)) => {
            let at = diags.iter().next().map_or(String::new(), |d| {
                let (line, col) = doc.file.line_col(d.span().start);
                format!(
                    ": {} at line {line}, column {col} ({})",
                    d.message,
                    d.code.as_str()
                )
            });
            Err((
                REQUEST_FAILED,
                format!("not formatted: the mapping does not parse{at}"),
            ))
        }
        Err(e @ FormatError::Unsound { .. }) => Err((REQUEST_FAILED, e.to_string())),
    }
}
