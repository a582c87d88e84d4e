//! The outline: one symbol per statement, with the entries of blocks as children.

use super::document::Document;
use crate::source::Span;
use crate::syntax::ast::{Item, Setting};
use lsp_types::{DocumentSymbol, SymbolKind as K};

/// The document's outline; empty while the text does not parse.
pub fn symbols(doc: &Document) -> Vec<DocumentSymbol> {
    let Ok((ast, _)) = crate::syntax::parse(&doc.file) else {
        return Vec::new();
    };
    let text = doc.text();
    let sym = |name: String,
               detail: Option<String>,
               kind: K,
               span: Span,
               select: Span,
               children: Vec<DocumentSymbol>| {
        #[allow(deprecated)]
        DocumentSymbol {
            name: if name.is_empty() { "?".into() } else { name },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: doc.lines.range(text, span),
            selection_range: doc.lines.range(text, select),
            children: (!children.is_empty()).then_some(children),
        }
    };
    let first_line = |span: Span| {
        let s = doc
            .file
            .slice(span)
            .lines()
            .next()
            .unwrap_or("")
            .trim_end_matches('{');
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let settings = |list: &[Setting]| -> Vec<DocumentSymbol> {
        list.iter()
            .map(|s| {
                sym(
                    s.key.node.clone(),
                    None,
                    K::PROPERTY,
                    s.span,
                    s.key.span,
                    Vec::new(),
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    for item in &ast.items {
        let span = item.span();
        let head = Span::new(span.start, span.start);
        out.push(match item {
            Item::Source(b) => sym(
                format!("source {}", b.kind.node),
                None,
                K::MODULE,
                span,
                b.kind.span,
                settings(&b.settings),
            ),
            Item::Target(b) => sym(
                format!("target {}", b.name.node),
                None,
                K::MODULE,
                span,
                b.name.span,
                settings(&b.settings),
            ),
            Item::Rules(b) => sym(
                "rules".into(),
                None,
                K::OBJECT,
                span,
                head,
                settings(&b.settings),
            ),
            Item::Fields(b) | Item::UnitFields(b) => {
                let name = match item {
                    Item::UnitFields(_) => "unit fields",
                    _ => "fields",
                };
                let children = b
                    .fields
                    .iter()
                    .map(|f| {
                        sym(
                            f.path.dotted(),
                            Some(doc.file.slice(f.ty.span).to_string()),
                            K::FIELD,
                            f.span,
                            f.path.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                sym(name.into(), None, K::STRUCT, span, head, children)
            }
            Item::User(crate::syntax::ast::UserBlock { assignments, .. })
            | Item::Units(crate::syntax::ast::UnitsBlock { assignments, .. }) => {
                let name = match item {
                    Item::Units(_) => "units",
                    _ => "user",
                };
                let children = assignments
                    .iter()
                    .map(|a| {
                        sym(
                            a.attribute.node.clone(),
                            None,
                            K::PROPERTY,
                            a.span,
                            a.attribute.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                sym(name.into(), None, K::CLASS, span, head, children)
            }
            Item::ValueMap(m) => sym(
                m.attribute.node.clone(),
                Some("value map".into()),
                K::ENUM,
                span,
                m.attribute.span,
                Vec::new(),
            ),
            Item::GroupPath(_) | Item::Group(_) => {
                sym(first_line(span), None, K::NAMESPACE, span, head, Vec::new())
            }
            Item::Test(t) => sym(
                format!("test \"{}\"", t.name.node),
                None,
                K::METHOD,
                span,
                t.name.span,
                Vec::new(),
            ),
            Item::Condition(_)
            | Item::Guard(_)
            | Item::Schedule(_)
            | Item::Report(_)
            | Item::Match(_)
            | Item::Segment(_) => sym(first_line(span), None, K::EVENT, span, head, Vec::new()),
        });
    }
    out
}
