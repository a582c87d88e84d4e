//! Hover: what a name is, from the schemas, the builtin registry and the document's
//! declarations; and the explanation of a diagnostic at the cursor.

use super::completion::GUARD_FORMS;
use super::context::{self, Frame};
use super::diagnostics::explain;
use super::document::Document;
use super::scan::{Kind, Token, tokens};
use crate::builtins::lookup;
use crate::check::RULES;
use crate::connectors::source_kind;
use crate::diagnostics::Code;
use crate::schema::{AttributeDef, attribute, target_kind};
use crate::types::EnumType;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

/// The word token at `offset` and the token after it.
pub fn word_at(text: &str, offset: usize) -> Option<(Token, Option<Token>)> {
    let toks = tokens(text);
    let i = toks
        .iter()
        .position(|t| t.span.start <= offset && offset <= t.span.end && t.kind == Kind::Word)?;
    Some((toks[i], toks.get(i + 1).copied()))
}

/// The hover at byte `offset`.
pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let text = doc.text();
    let mut parts = Vec::new();
    let mut range = None;
    if let Some((tok, next)) = word_at(text, offset) {
        let word = tok.text(text);
        let called = next.is_some_and(|n| n.text(text) == "(");
        if let Some(md) = describe(doc, tok, word, called) {
            parts.push(md);
            range = Some(doc.lines.range(text, tok.span));
        }
    }
    // A code written in a comment (`# see E0106`).
    if let Some(code) = code_at(text, offset) {
        parts.push(explain(code));
    }
    for d in doc.diagnostics.iter() {
        let span = d.span();
        if span.start <= offset && offset <= span.end.max(span.start + 1) {
            parts.push(format!(
                "{}: {}\n\n{}",
                d.code.as_str(),
                d.message,
                explain(d.code)
            ));
            range.get_or_insert(doc.lines.range(text, span));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range,
    })
}

fn code_at(text: &str, offset: usize) -> Option<Code> {
    let start = text
        .get(..offset)?
        .rfind(|c: char| !c.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let end = text
        .get(offset..)?
        .find(|c: char| !c.is_ascii_alphanumeric())
        .map_or(text.len(), |i| offset + i);
    let word = text.get(start..end)?;
    Code::ALL.iter().copied().find(|c| c.as_str() == word)
}

fn describe(doc: &Document, tok: Token, word: &str, called: bool) -> Option<String> {
    let cx = context::at(doc.text(), tok.span.start);
    let first_word = cx.entry.is_empty();
    match cx.frame() {
        None if cx.first() == Some("source") && cx.entry.len() == 1 => {
            let k = source_kind(word)?;
            let fields: Vec<&str> = k.fields.iter().map(|f| f.path).collect();
            return Some(format!(
                "**source {}**\n\n{}\n\nBuilt-in fields: {}",
                k.name,
                k.doc,
                if fields.is_empty() {
                    "none (declare them in `fields`)".to_string()
                } else {
                    fields.join(", ")
                }
            ));
        }
        None if cx.first() == Some("target") && cx.entry.len() == 1 => {
            let t = target_kind(word)?;
            return Some(format!("**target {}**\n\n{}", t.name, t.doc));
        }
        Some(Frame::Settings { owner, defs }) if first_word => {
            let d = defs.iter().find(|d| d.key == word)?;
            let mut md = format!(
                "**{}** (`{owner}`): {}\n\n{}",
                d.key,
                d.ty.describe(),
                d.doc
            );
            if d.required {
                md.push_str("\n\nRequired.");
            }
            if d.secret {
                md.push_str(" A secret: write `env(\"…\")`.");
            }
            if let Some(default) = d.default {
                md.push_str(&format!("\n\nDefault: `{default}`"));
            }
            if !d.values.is_empty() {
                md.push_str(&format!("\n\nValues: {}", d.values.join(", ")));
            }
            return Some(md);
        }
        Some(Frame::Rules) if first_word => {
            let (rule, options) = RULES.iter().find(|(r, _)| *r == word)?;
            return Some(format!("**{rule}** (rule): one of {}", options.join(", ")));
        }
        Some(Frame::User | Frame::Expect | Frame::AttributeMap) if first_word => {
            return attribute(word).map(|a| attribute_md(doc, a));
        }
        None if first_word => {
            if let Some(a) = attribute(word) {
                return Some(attribute_md(doc, a));
            }
        }
        _ => {}
    }
    // The word after `guard`: `filled(F)`, `pauses`, `source`.
    if cx.first() == Some("guard") && cx.entry.len() == 1 {
        return guard_md(word, called);
    }
    if called && let Some(b) = lookup(word) {
        let examples: Vec<String> = b
            .examples
            .iter()
            .map(|e| format!("{} → {}", e.call, e.result))
            .collect();
        return Some(format!(
            "```wtmap\n{}\n```\n\n{}\n\nExample:\n\n```wtmap\n{}\n```",
            b.signature(),
            b.summary,
            examples.join("\n")
        ));
    }
    if let Some(f) = doc.index.field(word) {
        let mut md = format!("**{}**: `{}`", f.name, f.ty());
        if let Some(b) = f.builtin {
            let kind = doc.index.source.as_deref().unwrap_or("");
            md.push_str(&format!(
                "\n\nBuilt-in field of `{kind}` (`{}`): {}",
                b.ty, b.doc
            ));
            if !b.values.is_empty() {
                md.push_str(&format!("\n\nKnown values: {}", b.values.join(", ")));
            }
        }
        if let Some(d) = f.declared {
            let line = doc.file.line_col(d.span.start).0;
            md.push_str(&format!(
                "\n\nDeclared on line {line}: `{}: {}`",
                d.name, d.ty
            ));
        }
        return Some(md);
    }
    for e in [EnumType::Gender, EnumType::Status, EnumType::Role] {
        if e.variant(word).is_some() {
            return Some(format!(
                "`{word}`: a value of `{}` ({})",
                e.name(),
                e.variants().join(", ")
            ));
        }
    }
    None
}

/// The hover of a guard form's first word: its form and what it says, as completion describes
/// it; `filled(…)` with its variants and what stops the run.
fn guard_md(word: &str, called: bool) -> Option<String> {
    let (form, what) = GUARD_FORMS.iter().find(|(form, _)| {
        let head = form.split(['(', ' ']).next().unwrap_or("");
        head == word && form.contains('(') == called
    })?;
    let mut md = format!(
        "```wtmap\nguard {form}\n```\n\n{} (guard).",
        capitalised(what)
    );
    if word == "filled" {
        md.push_str(
            "\n\nA data-quality guard on a source field: `filled(F) >= 90%` of the records the \
             source delivered, `filled(F) >= 100` records, or `filled(F) >= 80% of last_run` of \
             the field's fill rate in the last run. The field must be one the mapping knows. \
             Checked with the other guards before anything is written: when it fails, nothing \
             is written and `wtmap run` exits 3, unless run with `--allow-field-drop F`.\n\n\
             Without a `filled` guard, every field the mapping uses may not fall under half of \
             its last run's fill rate (when that was at least 50%).",
        );
    }
    Some(md)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn attribute_md(doc: &Document, a: &AttributeDef) -> String {
    let mut flags = Vec::new();
    if a.mandatory {
        flags.push("mandatory");
    }
    if a.unique {
        flags.push("unique");
    }
    let mut md = format!("**{}**: `{}`", a.name, a.ty);
    if !flags.is_empty() {
        md.push_str(&format!(" ({})", flags.join(", ")));
    }
    md.push_str(&format!("\n\n{}", a.doc));
    if let Some(default) = a.default {
        md.push_str(&format!("\n\nDefault: `{default}`"));
    }
    let scim = match a.scim {
        Some(path) => format!("SCIM path `{path}`"),
        None => "not carried over SCIM unless the target's `attributes { … }` names a path".into(),
    };
    let files = if a.name == "manager" {
        "a relation: the user's team gets this manager".to_string()
    } else {
        format!("column `{}` of `wt_users.csv`", a.name)
    };
    let carried = match doc.index.target.as_deref() {
        Some("winningtemp.scim") => format!("\n\nTarget `winningtemp.scim`: {scim}"),
        Some("winningtemp.files") => format!("\n\nTarget `winningtemp.files`: {files}"),
        _ => format!("\n\n`winningtemp.scim`: {scim}; `winningtemp.files`: {files}"),
    };
    md.push_str(&carried);
    md
}
