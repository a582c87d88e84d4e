//! What a document declares, read from its tokens so it is there while the text does not
//! parse: the source kind, the target, the `fields` declarations, the rules and the
//! attributes the `user` block sets. Completion, hover and go-to-definition read it.

use super::context::{Frame, Walk};
use super::scan::{Kind, tokens};
use crate::connectors::source_kind;
use crate::schema::sources::{FieldDef, SourceKind};
use crate::source::Span;

/// A field declared in `fields { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The path without backticks.
    pub name: String,
    /// The type as written (`date("%d.%m.%Y")?`).
    pub ty: String,
    /// Where the name is.
    pub span: Span,
}

/// The declarations of one document.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// `flex` in `source flex { … }`.
    pub source: Option<String>,
    /// `winningtemp.files` in `target winningtemp.files { … }`.
    pub target: Option<String>,
    /// `fields { … }` entries in order.
    pub declared: Vec<Declared>,
    /// Keys set in `rules { … }` with their spans.
    pub rules: Vec<(String, Span)>,
    /// The `rules` keyword.
    pub rules_block: Option<Span>,
    /// Attributes the `user` block assigns.
    pub assigned: Vec<String>,
    /// `unit fields { … }` entries in order (the fields of org-unit records).
    pub unit_declared: Vec<Declared>,
}

/// A field the document can read: a declaration, a built-in field of its source, or both.
#[derive(Debug, Clone)]
pub struct FieldInfo<'a> {
    /// Path.
    pub name: String,
    /// The built-in field, when the source has it.
    pub builtin: Option<&'a FieldDef>,
    /// The declaration, when `fields` has one.
    pub declared: Option<&'a Declared>,
}

impl FieldInfo<'_> {
    /// The type as the mapping sees it: the declaration's if there is one.
    pub fn ty(&self) -> String {
        match (self.declared, self.builtin) {
            (Some(d), _) => d.ty.clone(),
            (None, Some(b)) => b.ty.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// Strips backticks from a written name.
pub fn unquote(name: &str) -> String {
    name.replace('`', "")
}

impl Index {
    /// Reads `text`.
    pub fn of(text: &str) -> Index {
        let mut index = Index::default();
        let mut walk = Walk::new(text);
        let mut on_entry = |frames: &[Frame], entry: &[super::scan::Token]| {
            let word = |i: usize| entry.get(i).map_or("", |t| t.text(text));
            match frames.last() {
                None => match word(0) {
                    "source" if entry.len() > 1 => index.source = Some(word(1).to_string()),
                    "target" if entry.len() > 1 => index.target = Some(word(1).to_string()),
                    "rules" => index.rules_block = entry.first().map(|t| t.span),
                    _ => {}
                },
                Some(Frame::Fields) if word(1) == ":" && entry[0].kind == Kind::Word => {
                    let ty: Vec<&str> = entry[2..].iter().map(|t| t.text(text)).collect();
                    index.declared.push(Declared {
                        name: unquote(word(0)),
                        ty: ty.concat(),
                        span: entry[0].span,
                    });
                }
                Some(Frame::UnitFields) if word(1) == ":" && entry[0].kind == Kind::Word => {
                    let ty: Vec<&str> = entry[2..].iter().map(|t| t.text(text)).collect();
                    index.unit_declared.push(Declared {
                        name: unquote(word(0)),
                        ty: ty.concat(),
                        span: entry[0].span,
                    });
                }
                Some(Frame::Rules) if entry[0].kind == Kind::Word => {
                    index.rules.push((word(0).to_string(), entry[0].span));
                }
                Some(Frame::User) if word(1) == "=" => index.assigned.push(word(0).to_string()),
                _ => {}
            }
        };
        for tok in tokens(text) {
            walk.step(tok, &mut on_entry);
        }
        // A last entry without a line break after it.
        walk.step(
            super::scan::Token {
                kind: Kind::Newline,
                span: Span::new(text.len(), text.len()),
            },
            &mut on_entry,
        );
        index
    }

    /// The source kind's schema.
    pub fn source_kind(&self) -> Option<&'static SourceKind> {
        self.source.as_deref().and_then(source_kind)
    }

    /// Every field the document can read: built-in fields of the source, then declared
    /// fields the source does not have.
    pub fn fields(&self) -> Vec<FieldInfo<'_>> {
        let mut out: Vec<FieldInfo<'_>> = self
            .source_kind()
            .map(|k| {
                k.fields
                    .iter()
                    .map(|f| FieldInfo {
                        name: f.path.to_string(),
                        builtin: Some(f),
                        declared: self.declared.iter().find(|d| d.name == f.path),
                    })
                    .collect()
            })
            .unwrap_or_default();
        for d in &self.declared {
            if !out.iter().any(|f| f.name == d.name) {
                out.push(FieldInfo {
                    name: d.name.clone(),
                    builtin: None,
                    declared: Some(d),
                });
            }
        }
        out
    }

    /// The field called `name` (backticks ignored).
    pub fn field(&self, name: &str) -> Option<FieldInfo<'_>> {
        let name = unquote(name);
        self.fields().into_iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_half_written_mapping() {
        let text = "source flex {\n url = env(\"X\")\n}\nfields {\n  Office: text\n  `Cost center`: date(\"%d\")?\n}\nrules {\n  membership = overwrite\n}\nuser {\n  first_name = \nlast_name = X\n";
        let i = Index::of(text);
        assert_eq!(i.source.as_deref(), Some("flex"));
        assert_eq!(i.declared.len(), 2);
        assert_eq!(i.declared[1].name, "Cost center");
        assert_eq!(i.declared[1].ty, "date(\"%d\")?");
        assert_eq!(i.rules[0].0, "membership");
        assert!(i.rules_block.is_some());
        assert!(i.field("FirstName").is_some_and(|f| f.builtin.is_some()));
        assert!(i.field("Office").is_some_and(|f| f.declared.is_some()));
        assert_eq!(i.assigned, ["first_name"]);
    }
}
