//! A profile as text for people (`human`), as Markdown, and as versioned JSON
//! (`wtmap.profile/v1`, docs/profile-init.md).

use super::{FieldProfile, Profile};
use crate::escape;
use std::fmt::Write as _;

/// Values shown per field in the human and Markdown forms.
const SHOWN: usize = 5;

/// Longest value shown in full.
const WIDTH: usize = 40;

fn percent(f: &FieldProfile) -> String {
    let p = f.fill_rate * 100.0;
    if f.filled > 0 && p < 0.1 {
        "<0.1%".into()
    } else {
        format!("{p:.1}%")
    }
}

fn distinct(f: &FieldProfile) -> String {
    if f.distinct_exact {
        f.distinct.to_string()
    } else {
        format!("≥ {}", f.distinct)
    }
}

/// The type in words: `date %d.%m.%Y`, `text, email-like`, `int?`.
pub fn type_words(f: &FieldProfile) -> String {
    let t = &f.ty;
    let mut s = t.base.to_string();
    if !t.date_formats.is_empty() {
        s.push(' ');
        s.push_str(&t.date_formats.join(" | "));
    }
    if t.optional && t.base != "empty" {
        s.push('?');
    }
    if let Some(m) = &t.mostly_date {
        let _ = write!(s, " ({} dates {})", m.parsed, m.format);
    }
    if t.email_like {
        s.push_str(", email-like");
    }
    if f.unique {
        s.push_str(", unique");
    }
    s
}

fn shorten(v: &str) -> String {
    let flat: String = v
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > WIDTH {
        let cut: String = flat.chars().take(WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

fn values(f: &FieldProfile) -> Option<String> {
    if f.unique || f.top.is_empty() || f.distinct > 50 || f.distinct * 2 > f.filled {
        return None;
    }
    let mut parts: Vec<String> = f
        .top
        .iter()
        .take(SHOWN)
        .map(|t| format!("\"{}\" ×{}", shorten(&t.value), t.count))
        .collect();
    if f.distinct as usize > SHOWN {
        parts.push("…".into());
    }
    Some(parts.join(", "))
}

/// The profile for a terminal.
pub fn human(p: &Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}, read as a `{}` source: {} records, {} fields\n",
        escape::line(&p.records_file),
        escape::line(&p.source),
        p.records,
        p.fields.len()
    );
    let width = p
        .fields
        .iter()
        .map(|f| escape::line(&f.path).chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>8}  type",
        "field", "filled", "distinct"
    );
    for f in &p.fields {
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>8}  {}",
            escape::line(&f.path),
            percent(f),
            distinct(f),
            type_words(f)
        );
        if let Some(v) = values(f) {
            let _ = writeln!(out, "{:<width$}    values: {v}", "");
        }
        for h in &f.hints {
            let _ = writeln!(out, "{:<width$}    hint: {}", "", escape::line(h));
        }
    }
    out
}

/// The profile as a Markdown table.
pub fn markdown(p: &Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Profile of {} ({})\n\n{} records, {} fields.\n",
        escape::markdown_code(&p.records_file, false),
        escape::markdown(&p.source),
        p.records,
        p.fields.len()
    );
    out.push_str("| field | filled | distinct | type | values | hints |\n");
    out.push_str("|---|---:|---:|---|---|---|\n");
    for f in &p.fields {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape::markdown_code(&f.path, true),
            percent(f),
            distinct(f),
            escape::markdown(&type_words(f)),
            escape::markdown(&values(f).unwrap_or_default()),
            escape::markdown_prose(&f.hints.join("; "))
        );
    }
    out
}

/// The profile as pretty JSON (`wtmap.profile/v1`), ending with a newline.
pub fn json(p: &Profile) -> String {
    let mut s = serde_json::to_string_pretty(p).unwrap_or_default();
    s.push('\n');
    s
}
