//! Go to definition: a field to its `fields` declaration, a rule name to the `rules` block.

use super::document::Document;
use super::hover::word_at;
use super::index::unquote;
use crate::check::RULES;
use crate::source::Span;

/// Where the name at byte `offset` is defined in the document.
pub fn definition(doc: &Document, offset: usize) -> Option<Span> {
    let text = doc.text();
    let (tok, _) = word_at(text, offset)?;
    let word = tok.text(text);
    let name = unquote(word);
    if let Some(d) = doc.index.declared.iter().find(|d| d.name == name) {
        return Some(d.span);
    }
    if RULES.iter().any(|(r, _)| *r == word) {
        return doc
            .index
            .rules
            .iter()
            .find(|(r, _)| r == word)
            .map(|(_, span)| *span)
            .or(doc.index.rules_block);
    }
    None
}
