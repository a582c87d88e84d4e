//! Quick fixes from the checker's own suggestions. Each fix reads a diagnostic the checker
//! produced (its code, span and help line) so the suggestion itself is never computed twice:
//! "did you mean `X`?" replaces the name, a literal secret becomes the `env("…")` the help
//! names, an unknown field of a file source is declared in `fields`, a value map that is not
//! total gets a last `_` arm, and an unused declaration is removed.

use crate::diagnostics::{Code, Diagnostic};
use crate::schema::attribute;
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{Expr, ExprKind, File, Item};
use crate::types::Type;

/// One quick fix: a title and the edits that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the editor shows.
    pub title: String,
    /// Byte spans and their replacements.
    pub edits: Vec<(Span, String)>,
}

/// The quick fixes for one diagnostic of `file`.
pub fn fixes(d: &Diagnostic, file: &SourceFile) -> Vec<Fix> {
    let help = d.help.as_deref().unwrap_or("");
    let mut out = Vec::new();
    if let Some(name) = between(help, "did you mean `", "`?") {
        let written = file.slice(d.span());
        let name = if written.starts_with('"') {
            format!("\"{name}\"")
        } else if written.starts_with('`') || name.contains([' ', '-']) {
            format!("`{name}`")
        } else {
            name.to_string()
        };
        out.push(Fix {
            title: format!("did you mean `{name}`?"),
            edits: vec![(d.span(), name)],
        });
    }
    let ast = crate::syntax::parse(file).ok().map(|(ast, _)| ast);
    match d.code {
        Code::LiteralSecret => {
            if let Some(var) = between(help, "env(\"", "\")") {
                let env = format!("env(\"{var}\")");
                out.push(Fix {
                    title: format!("read it from the environment: `{env}`"),
                    edits: vec![(d.span(), env)],
                });
            }
        }
        Code::UnknownField if help.starts_with("declare it") => {
            if let (Some(name), Some(ast)) = (between(&d.message, "`", "`"), &ast) {
                out.push(declare(file, ast, name));
            }
        }
        Code::UnusedField => {
            if let Some(fix) = remove_line(file, d.span()) {
                out.push(fix);
            }
        }
        Code::MapNotTotal => {
            if let Some(fix) = ast
                .as_ref()
                .and_then(|ast| wildcard_arm(file, ast, d.span()))
            {
                out.push(fix);
            }
        }
        _ => {}
    }
    out
}

/// The text between the first `open` and the next `close`.
fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

fn declare(file: &SourceFile, ast: &File, name: &str) -> Fix {
    let decl = if name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        format!("{name}: text?")
    } else {
        format!("`{name}`: text?")
    };
    let title = format!("declare `{name}` in `fields`");
    let fields = ast.items.iter().find_map(|i| match i {
        Item::Fields(f) => Some(f),
        _ => None,
    });
    let edit = match fields {
        Some(block) => match block.fields.last() {
            Some(last) => {
                let line_start = file.text[..last.span.start]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let indent = &file.text[line_start..last.span.start];
                let indent = if indent.trim().is_empty() {
                    indent
                } else {
                    "  "
                };
                (
                    Span::new(last.span.end, last.span.end),
                    format!("\n{indent}{decl}"),
                )
            }
            None => {
                let brace = file.text[block.span.start..block.span.end]
                    .find('{')
                    .map_or(block.span.start, |i| block.span.start + i + 1);
                (Span::new(brace, brace), format!("\n  {decl}\n"))
            }
        },
        None => {
            let after_source = ast.items.iter().find_map(|i| match i {
                Item::Source(s) => Some(s.span.end),
                _ => None,
            });
            match after_source {
                Some(end) => (Span::new(end, end), format!("\n\nfields {{\n  {decl}\n}}")),
                None => (Span::new(0, 0), format!("fields {{\n  {decl}\n}}\n\n")),
            }
        }
    };
    Fix {
        title,
        edits: vec![edit],
    }
}

fn wildcard_arm(file: &SourceFile, ast: &File, span: Span) -> Option<Fix> {
    for item in &ast.items {
        match item {
            Item::ValueMap(m) if m.span == span => {
                let fallback = m.from.as_ref().map(|f| file.slice(f.span).to_string());
                let value = default_for(&m.attribute.node, fallback)?;
                return Some(Fix {
                    title: format!("add a last arm `_->{value}`"),
                    edits: vec![(Span::new(span.end, span.end), format!(" _->{value}"))],
                });
            }
            Item::User(u) => {
                for a in &u.assignments {
                    if let Some(Expr {
                        kind: ExprKind::Map { scrutinee, arms },
                        ..
                    }) = find_expr(&a.value, span)
                    {
                        let value = default_for(
                            &a.attribute.node,
                            Some(file.slice(scrutinee.span).to_string()),
                        )?;
                        let body = file.slice(span);
                        let close = span.start + body.rfind('}')?;
                        let before = file.text[..close].trim_end();
                        let comma =
                            if before.ends_with(',') || before.ends_with('{') || arms.is_empty() {
                                ""
                            } else {
                                ","
                            };
                        let at = before.len();
                        return Some(Fix {
                            title: format!("add a last arm `_ -> {value}`"),
                            edits: vec![(Span::new(at, at), format!("{comma} _ -> {value}"))],
                        });
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Removes an unused declaration when it has its line to itself.
fn remove_line(file: &SourceFile, span: Span) -> Option<Fix> {
    let text = &file.text;
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i + 1);
    let alone = text[start..span.start].trim().is_empty() && text[span.end..end].trim().is_empty();
    alone.then(|| Fix {
        title: format!(
            "remove the unused declaration `{}`",
            text[span.start..span.end].trim()
        ),
        edits: vec![(Span::new(start, end), String::new())],
    })
}

/// What `_` should give: the attribute's default or first enum value; else the value itself.
fn default_for(attribute_name: &str, same_value: Option<String>) -> Option<String> {
    let def = attribute(attribute_name)?;
    match def.ty.base() {
        Type::Enum(e) => Some(
            def.default
                .or_else(|| e.variants().first().copied())
                .unwrap_or("None")
                .to_string(),
        ),
        _ => same_value,
    }
}

fn find_expr(e: &Expr, span: Span) -> Option<&Expr> {
    if e.span == span {
        return Some(e);
    }
    e.children().into_iter().find_map(|c| find_expr(c, span))
}

/// The text after applying fixes (for tests and for checking a fix re-checks).
pub fn apply(text: &str, edits: &[(Span, String)]) -> String {
    let mut sorted: Vec<&(Span, String)> = edits.iter().collect();
    sorted.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for (span, new) in sorted {
        out.replace_range(span.start..span.end, new);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_source;

    /// Every error example whose diagnostic has a fix: the fixed text no longer has that
    /// diagnostic (so the fix and the checker agree).
    #[test]
    fn fixes_of_the_error_examples_remove_their_diagnostic() {
        let mut fixed = Vec::new();
        for code in Code::ALL {
            let file = SourceFile::new("x.wtmap", code.example());
            let (_, diags) = check_source(&file);
            for d in diags.iter().filter(|d| d.code == *code) {
                for fix in fixes(d, &file) {
                    let after = SourceFile::new("x.wtmap", apply(&file.text, &fix.edits));
                    let (_, again) = check_source(&after);
                    let before = diags.iter().filter(|a| a.code == *code).count();
                    let left = again.iter().filter(|a| a.code == *code).count();
                    assert!(
                        left < before && !again.iter().any(|a| a.code == Code::Syntax),
                        "{}: `{}` left {:?}\n{}",
                        code.as_str(),
                        fix.title,
                        again,
                        after.text
                    );
                    fixed.push(code.as_str());
                }
            }
        }
        for wanted in ["E0101", "E0102", "E0108", "E0305", "W0113", "W0115"] {
            assert!(fixed.contains(&wanted), "no fix for {wanted}: {fixed:?}");
        }
    }
}
