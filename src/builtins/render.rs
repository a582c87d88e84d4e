//! Signatures and the README's builtins table, generated from the registry.

use super::typing::type_name;
use super::{BUILTINS, Builtin, ParamType, Ret};
use std::fmt::Write as _;

impl Builtin {
    /// The signature as shown in docs: `date(value: text[, format: literal text]) -> date`.
    /// Generic builtins read `T` for their "any" parameter; `...` marks a repeating parameter,
    /// `[…]` one that may be left out, `?` one that takes empty values itself.
    pub fn signature(&self) -> String {
        let any = if self.is_generic() { "T" } else { "any" };
        let mut out = format!("{}(", self.name);
        for (i, p) in self.params.iter().enumerate() {
            let mut ty = type_name(p.ty, any);
            if p.optional_ok {
                ty = if matches!(p.ty, ParamType::OneOf(_)) {
                    format!("({ty})?")
                } else {
                    format!("{ty}?")
                };
            }
            if p.literal.is_some() {
                ty = format!("literal {ty}");
            }
            let sep = if i == 0 { "" } else { ", " };
            let repeat = if self.variadic && i + 1 == self.params.len() {
                "..."
            } else {
                ""
            };
            if p.default.is_some() {
                let _ = write!(out, "[{sep}{}: {ty}{repeat}]", p.name);
            } else {
                let _ = write!(out, "{sep}{}: {ty}{repeat}", p.name);
            }
        }
        let _ = write!(out, ") -> {}", ret_name(self.returns));
        out
    }

    fn is_generic(&self) -> bool {
        fn ret_generic(ret: Ret) -> bool {
            match ret {
                Ret::Arg(_) | Ret::ElementOf(_) | Ret::Common => true,
                Ret::Optional(inner) => ret_generic(*inner),
                _ => false,
            }
        }
        ret_generic(self.returns) || self.params.iter().any(|p| p.ty == ParamType::Same)
    }
}

fn ret_name(ret: Ret) -> String {
    match ret {
        Ret::Text => "text".into(),
        Ret::Int => "int".into(),
        Ret::Decimal => "decimal".into(),
        Ret::Bool => "bool".into(),
        Ret::Date => "date".into(),
        Ret::DateTime => "datetime".into(),
        Ret::TextList => "list<text>".into(),
        Ret::Arg(_) | Ret::ElementOf(_) | Ret::Common => "T".into(),
        Ret::Optional(inner) => format!("{}?", ret_name(*inner)),
    }
}

/// The builtins as a Markdown table (name, signature, summary), for the README section
/// between `<!-- builtins:start -->` and `<!-- builtins:end -->`.
pub fn render_markdown_table() -> String {
    let mut out = String::from("| name | signature | summary |\n|---|---|---|\n");
    for b in BUILTINS {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} |",
            b.name,
            cell(&b.signature()),
            cell(b.summary)
        );
    }
    out
}

/// Escapes what would break a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::lookup;

    fn sig(name: &str) -> String {
        lookup(name).unwrap().signature()
    }

    #[test]
    fn signatures_read_like_docs() {
        assert_eq!(sig("lower"), "lower(value: text) -> text");
        assert_eq!(
            sig("date"),
            "date(value: text[, format: literal text]) -> date"
        );
        assert_eq!(sig("coalesce"), "coalesce(value: T?, fallback: T?...) -> T");
        assert_eq!(sig("required"), "required(value: T?) -> T");
        assert_eq!(sig("first"), "first(values: list<T>) -> T?");
        assert_eq!(sig("concat"), "concat(part: any...) -> text");
        assert_eq!(sig("length"), "length(value: (text or list<any>)?) -> int");
        assert_eq!(
            sig("substring"),
            "substring(value: text, start: int[, length: int]) -> text"
        );
    }

    #[test]
    fn table_has_a_row_per_builtin() {
        let table = render_markdown_table();
        assert_eq!(table.lines().count(), BUILTINS.len() + 2);
        assert!(
            table
                .contains("| `lower` | `lower(value: text) -> text` | Converts text to lower case")
        );
    }
}
