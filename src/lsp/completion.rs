//! Completion by context: what may be written at the cursor, from the same schemas, builtin
//! registry and rule table the checker uses.

use super::context::{self, Context, Frame};
use super::document::Document;
use super::index::Index;
use crate::builtins::{BUILTINS, Builtin};
use crate::check::{MATCH_KEYS, RULES};
use crate::connectors::source_kinds;
use crate::schema::settings::{SettingDef, SettingType};
use crate::schema::{attribute, attributes, target_kinds};
use crate::types::Type;
use lsp_types::{
    CompletionItem, CompletionItemKind as K, Documentation, InsertTextFormat, MarkupContent,
    MarkupKind,
};

/// Top-level statement forms: label, what is inserted (a snippet), and what it is.
const STATEMENTS: &[(&str, &str, &str)] = &[
    (
        "source",
        "source ${1:flex} {\n  $0\n}",
        "where records come from",
    ),
    (
        "fields",
        "fields {\n  ${1:Name}: ${2:text}\n}",
        "declare fields and their types",
    ),
    (
        "target",
        "target ${1:winningtemp.files} {\n  $0\n}",
        "where actions go",
    ),
    (
        "match by",
        "match by external_id, ${1:email}",
        "how users are matched",
    ),
    (
        "user",
        "user {\n  external_id = $0\n}",
        "how a record becomes a user",
    ),
    (
        "group path",
        "group path = [${1:Office}]",
        "the team hierarchy",
    ),
    (
        "unit fields",
        "unit fields {\n  ${1:UnitId}: ${2:text}\n}",
        "declare the fields of org-unit records",
    ),
    (
        "units",
        "units {\n  id     = ${1:UnitId}\n  name   = ${2:Name}\n  parent = ${3:ParentId}\n}",
        "the team tree from org units",
    ),
    (
        "group",
        "group = ${1:DepartmentId}",
        "the org unit each person is a member of",
    ),
    (
        "segment",
        "segment \"${1:Country}\" = ${2:Country}",
        "a segment per record",
    ),
    (
        "exclude when",
        "exclude when $0",
        "exists, but gets no surveys",
    ),
    (
        "skip when",
        "skip when ${1:Email} is empty",
        "not synced at all",
    ),
    (
        "pause when",
        "pause when ${1:EndDate} < today",
        "kept but paused",
    ),
    ("rules", "rules {\n  $0\n}", "sync rules"),
    (
        "guard",
        "guard pauses <= ${1:5%}",
        "limit what one run may do",
    ),
    (
        "schedule",
        "schedule daily at ${1:01:00} ${2:Europe/Stockholm}",
        "when `serve` runs it",
    ),
    (
        "report to",
        "report to \"${1:hr@example.com}\"",
        "who gets the run report",
    ),
    (
        "test",
        "test \"${1:name}\" {\n  given { $2 }\n  expect { $0 }\n}",
        "a mapping test",
    ),
];

/// The forms of a `guard` line, with what each says (completion, and hover on the form's
/// first word).
pub(super) const GUARD_FORMS: &[(&str, &str)] = &[
    (
        "pauses <= 5%",
        "at most this share of users paused in one run",
    ),
    ("pauses <= 50", "at most this many users paused in one run"),
    (
        "source >= 80% of last_run",
        "the source must not shrink below this share of the last run",
    ),
    (
        "filled(FIELD) >= 90%",
        "at least this share (or `>= 100`: number) of the records must fill the field",
    ),
];

const SCHEDULE_FORMS: &[(&str, &str)] = &[
    (
        "daily at 01:00 Europe/Stockholm",
        "once a day at a local time (DST-correct)",
    ),
    (
        "every 30 minutes",
        "at a fixed interval (at least 15 minutes)",
    ),
    ("every 6 hours", "at a fixed interval"),
];

const EXPRESSION_WORDS: &[&str] = &[
    "today",
    "if",
    "then",
    "else",
    "and",
    "or",
    "not",
    "is empty",
    "is not empty",
    "in",
    "true",
    "false",
];

const TYPES: &[&str] = &["text", "int", "decimal", "bool", "date", "datetime"];

/// Completion items at byte `offset`.
pub fn complete(doc: &Document, offset: usize, snippets: bool) -> Vec<CompletionItem> {
    let cx = context::at(doc.text(), offset);
    if cx.quiet {
        return Vec::new();
    }
    let mut out = Items {
        items: Vec::new(),
        snippets,
    };
    let index = &doc.index;
    match cx.frame().cloned() {
        None => top_level(&cx, index, &mut out),
        Some(Frame::Settings { defs, .. }) => settings(&cx, defs, &mut out),
        Some(Frame::AttributeMap) if cx.entry.is_empty() => attribute_names(&mut out, &[]),
        Some(frame @ (Frame::Fields | Frame::UnitFields)) => {
            if cx.has(":") {
                for t in TYPES {
                    out.plain(t, K::TYPE_PARAMETER, "type");
                }
                out.snippet(
                    "date(\"…\")",
                    "date(\"${1:%d.%m.%Y}\")",
                    K::TYPE_PARAMETER,
                    "a date read with these formats",
                );
                out.snippet("list<text>", "list<${1:text}>", K::TYPE_PARAMETER, "a list");
            } else if cx.entry.is_empty() && frame == Frame::Fields {
                for f in index.fields().iter().filter(|f| f.declared.is_none()) {
                    out.field(f.name.as_str(), &f.ty(), f.builtin.map_or("", |b| b.doc));
                }
            }
        }
        Some(Frame::User) => {
            if cx.entry.is_empty() {
                attribute_names(&mut out, &index.assigned);
            } else if cx.has("=") {
                expression(&cx, cx.first(), index, &mut out);
            }
        }
        Some(Frame::Units) => {
            if cx.entry.is_empty() {
                for (key, required) in crate::check::UNIT_KEYS {
                    let what = if *required { "required" } else { "optional" };
                    out.plain(key, K::PROPERTY, what);
                }
            } else if cx.has("=") && cx.first() == Some("empty_units") {
                for o in ["keep", "prune"] {
                    out.plain(o, K::ENUM_MEMBER, "empty_units");
                }
            } else if cx.has("=") {
                // The fields of a unit record: declared, and the source kind's built-in ones.
                for d in &index.unit_declared {
                    out.field(&d.name, &d.ty, "unit field");
                }
                let kind = index.source.as_deref().unwrap_or("");
                for f in crate::connectors::unit_kind(kind).map_or(&[][..], |k| &k.fields) {
                    if !index.unit_declared.iter().any(|d| d.name == f.path) {
                        out.field(f.path, &f.ty.to_string(), f.doc);
                    }
                }
            }
        }
        Some(Frame::Rules) => {
            if cx.entry.is_empty() {
                for (rule, options) in RULES {
                    out.plain(rule, K::PROPERTY, &options.join(" | "));
                }
            } else if cx.has("=") {
                let rule = cx.first().unwrap_or("");
                for (_, options) in RULES.iter().filter(|(r, _)| *r == rule) {
                    for o in *options {
                        out.plain(o, K::ENUM_MEMBER, rule);
                    }
                }
            }
        }
        Some(Frame::Test) if cx.entry.is_empty() => {
            out.snippet("given", "given { $0 }", K::KEYWORD, "the record's fields");
            out.snippet("expect", "expect { $0 }", K::KEYWORD, "the expected user");
        }
        Some(Frame::Given) => {
            if cx.entry.is_empty() {
                for f in index.fields() {
                    out.field(&f.name, &f.ty(), "");
                }
            }
        }
        Some(Frame::Expect) => {
            if cx.entry.is_empty() {
                attribute_names(&mut out, &[]);
                for (key, what) in [
                    ("group", "the team path, `\"A / B\"`"),
                    ("skipped", "true when the record is skipped"),
                    ("quarantined", "true when the record is quarantined"),
                ] {
                    out.plain(key, K::PROPERTY, what);
                }
                out.snippet(
                    "segment",
                    "segment \"${1:Category}\" = ",
                    K::KEYWORD,
                    "a segment",
                );
            } else if cx.has("=") && !enum_values(cx.first(), &mut out) {
                let key = cx.first().unwrap_or("");
                let is_bool = matches!(key, "skipped" | "quarantined")
                    || attribute(key).is_some_and(|a| a.ty.base() == &Type::Bool);
                if is_bool {
                    out.plain("true", K::VALUE, key);
                    out.plain("false", K::VALUE, key);
                }
            }
        }
        Some(Frame::Map { attribute }) => {
            if cx.last() == Some("->") {
                if !enum_values(attribute.as_deref(), &mut out) {
                    fields(index, &mut out);
                }
            } else if !cx.entry.is_empty() {
                expression(&cx, attribute.as_deref(), index, &mut out);
            }
        }
        Some(_) => {}
    }
    out.items
}

fn top_level(cx: &Context, index: &Index, out: &mut Items) {
    let Some(first) = cx.first() else {
        for (label, snippet, what) in STATEMENTS {
            out.snippet(label, snippet, K::KEYWORD, what);
        }
        for a in attributes() {
            out.push(CompletionItem {
                label: a.name.to_string(),
                kind: Some(K::PROPERTY),
                detail: Some(format!("{} (value map: `{} 1->… _->…`)", a.ty, a.name)),
                ..Default::default()
            });
        }
        return;
    };
    let n = cx.entry.len();
    match first {
        "source" if n == 1 => {
            for k in source_kinds() {
                out.documented(k.name, K::MODULE, "source kind", k.doc);
            }
        }
        "target" if n == 1 => {
            for t in target_kinds() {
                out.documented(t.name, K::MODULE, "target", t.doc);
            }
        }
        "match" if n == 1 => out.plain("by", K::KEYWORD, "match by …"),
        "match" => {
            for k in MATCH_KEYS {
                out.plain(k, K::ENUM_MEMBER, "match key");
            }
        }
        "report" if n == 1 => out.plain("to", K::KEYWORD, "report to …"),
        "group" if n == 1 => out.plain("path", K::KEYWORD, "group path = […]"),
        "exclude" | "skip" | "pause" if n == 1 => out.plain("when", K::KEYWORD, "condition"),
        "guard" if cx.entry.get(1).is_some_and(|s| s == "filled") => {
            if cx.open_parens > 0 {
                fields(index, out);
            } else if matches!(cx.last(), Some(">=" | ">")) {
                out.plain("90%", K::VALUE, "share of the records that fill the field");
                out.plain("100", K::VALUE, "number of records that fill the field");
            } else if cx.last() == Some(")") {
                out.plain(">=", K::OPERATOR, "a fill rate is a lower bound");
            }
        }
        "guard" => match n {
            1 => {
                for (form, what) in GUARD_FORMS {
                    out.plain(form, K::SNIPPET, what);
                }
            }
            3 if cx.entry[1] == "source" => out.plain("80%", K::VALUE, "share of the last run"),
            3 => {
                out.plain("5%", K::VALUE, "share of the users");
                out.plain("50", K::VALUE, "number of users");
            }
            4 if cx.entry[1] == "source" => {
                out.plain("of last_run", K::KEYWORD, "relative to the last run")
            }
            _ => {}
        },
        "schedule" => match (n, cx.entry.get(1).map(String::as_str)) {
            (1, _) => {
                for (form, what) in SCHEDULE_FORMS {
                    out.plain(form, K::SNIPPET, what);
                }
            }
            (2, Some("daily")) => out.plain("at", K::KEYWORD, "daily at HH:MM"),
            (4.., Some("daily")) => {
                for tz in chrono_tz::TZ_VARIANTS {
                    out.plain(tz.name(), K::CONSTANT, "time zone");
                }
            }
            (3, Some("every")) => {
                out.plain("minutes", K::KEYWORD, "unit");
                out.plain("hours", K::KEYWORD, "unit");
            }
            _ => {}
        },
        "exclude" | "skip" | "pause" | "group" | "segment" => {
            expression(cx, None, index, out);
        }
        _ if attribute(first).is_some() => {
            if cx.last() == Some("->") {
                enum_values(Some(first), out);
            } else if cx.last() == Some("from") {
                fields(index, out);
            } else if n == 1 {
                out.plain("from", K::KEYWORD, "the field the value map reads");
            }
        }
        _ => {}
    }
}

fn settings(cx: &Context, defs: &'static [SettingDef], out: &mut Items) {
    if cx.entry.is_empty() {
        for d in defs {
            let mut what = d.ty.describe().to_string();
            if d.required {
                what.push_str(", required");
            }
            if d.secret {
                what.push_str(", secret: `env(\"…\")`");
            }
            if let Some(default) = d.default {
                what.push_str(&format!(", default {default}"));
            }
            out.documented(d.key, K::PROPERTY, &what, d.doc);
        }
        return;
    }
    if !cx.has("=") {
        return;
    }
    let key = cx.first().unwrap_or("");
    let Some(def) = defs.iter().find(|d| d.key == key) else {
        return;
    };
    for v in def.values {
        out.plain(&format!("\"{v}\""), K::VALUE, key);
    }
    match def.ty {
        SettingType::Bool => {
            out.plain("true", K::VALUE, key);
            out.plain("false", K::VALUE, key);
        }
        SettingType::Text => {
            let var = key.to_uppercase();
            out.snippet(
                "env(\"…\")",
                &format!("env(\"${{1:{var}}}\")"),
                K::FUNCTION,
                "read it from the environment",
            );
        }
        _ => {}
    }
}

fn attribute_names(out: &mut Items, assigned: &[String]) {
    for a in attributes() {
        let mut what = a.ty.to_string();
        if a.mandatory {
            what.push_str(", mandatory");
        }
        if a.unique {
            what.push_str(", unique");
        }
        let mut item = out.item(a.name, K::PROPERTY, &what, a.doc);
        // Attributes already set sort last; mandatory ones first.
        let rank = if assigned.iter().any(|s| s == a.name) {
            2
        } else if a.mandatory {
            0
        } else {
            1
        };
        item.sort_text = Some(format!("{rank}{}", a.name));
        out.push(item);
    }
}

/// The values of the attribute's enum; false when it has none.
fn enum_values(attribute_name: Option<&str>, out: &mut Items) -> bool {
    let Some(Type::Enum(e)) = attribute_name
        .and_then(attribute)
        .map(|a| a.ty.base().clone())
    else {
        return false;
    };
    for v in e.variants() {
        out.plain(v, K::ENUM_MEMBER, e.name());
    }
    true
}

fn fields(index: &Index, out: &mut Items) {
    for f in index.fields() {
        let doc = match (f.builtin, f.declared) {
            (Some(b), _) => b.doc.to_string(),
            (None, Some(_)) => "declared in `fields`".to_string(),
            _ => String::new(),
        };
        out.field(&f.name, &f.ty(), &doc);
    }
}

fn expression(cx: &Context, attribute_name: Option<&str>, index: &Index, out: &mut Items) {
    if cx.last() == Some("->") {
        enum_values(attribute_name, out);
        return;
    }
    if cx.last() == Some("=") || cx.entry.len() <= 2 {
        enum_values(attribute_name, out);
    }
    fields(index, out);
    for b in BUILTINS.iter().filter(|b| !b.config_only) {
        builtin(b, out);
    }
    for w in EXPRESSION_WORDS {
        out.plain(w, K::KEYWORD, "");
    }
}

fn builtin(b: &Builtin, out: &mut Items) {
    let mut snippet = format!("{}(", b.name);
    for (i, p) in b.params.iter().filter(|p| p.default.is_none()).enumerate() {
        if i > 0 {
            snippet.push_str(", ");
        }
        if p.literal.is_some() {
            snippet.push_str(&format!("\"${{{}:{}}}\"", i + 1, p.name));
        } else {
            snippet.push_str(&format!("${{{}:{}}}", i + 1, p.name));
        }
    }
    snippet.push(')');
    let example = b
        .examples
        .first()
        .map(|e| format!("\n\n`{}` → `{}`", e.call, e.result))
        .unwrap_or_default();
    let mut item = out.item(
        b.name,
        K::FUNCTION,
        &b.signature(),
        &format!("{}{example}", b.summary),
    );
    if out.snippets {
        item.insert_text = Some(snippet);
        item.insert_text_format = Some(InsertTextFormat::SNIPPET);
    } else {
        item.insert_text = Some(format!("{}(", b.name));
    }
    out.push(item);
}

struct Items {
    items: Vec<CompletionItem>,
    snippets: bool,
}

impl Items {
    fn item(&self, label: &str, kind: K, detail: &str, doc: &str) -> CompletionItem {
        CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: (!detail.is_empty()).then(|| detail.to_string()),
            documentation: (!doc.is_empty()).then(|| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: doc.to_string(),
                })
            }),
            ..Default::default()
        }
    }

    fn push(&mut self, item: CompletionItem) {
        if !self.items.iter().any(|i| i.label == item.label) {
            self.items.push(item);
        }
    }

    fn plain(&mut self, label: &str, kind: K, detail: &str) {
        let item = self.item(label, kind, detail, "");
        self.push(item);
    }

    fn documented(&mut self, label: &str, kind: K, detail: &str, doc: &str) {
        let item = self.item(label, kind, detail, doc);
        self.push(item);
    }

    fn field(&mut self, name: &str, ty: &str, doc: &str) {
        let label = if name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            name.to_string()
        } else {
            format!("`{name}`")
        };
        let item = self.item(&label, K::FIELD, ty, doc);
        self.push(item);
    }

    fn snippet(&mut self, label: &str, snippet: &str, kind: K, detail: &str) {
        let mut item = self.item(label, kind, detail, "");
        if self.snippets {
            item.insert_text = Some(snippet.to_string());
            item.insert_text_format = Some(InsertTextFormat::SNIPPET);
        } else {
            item.insert_text = Some(plain_of(snippet));
        }
        self.push(item);
    }
}

/// A snippet with its placeholders replaced by their default text and tab stops dropped.
fn plain_of(snippet: &str) -> String {
    let mut out = String::new();
    let mut rest = snippet;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            let body = &inner[..end];
            out.push_str(body.split_once(':').map_or("", |(_, d)| d));
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        let offset = text.find('|').unwrap_or(text.len());
        let text = text.replacen('|', "", 1);
        let uri = "file:///t.wtmap".parse().unwrap();
        let doc = Document::new(uri, 0, text);
        complete(&doc, offset, true)
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn knows_the_context() {
        assert!(labels("source |").contains(&"personio".to_string()));
        assert!(labels("source flex {\n  |").contains(&"url".to_string()));
        assert!(labels("source flex {}\nuser {\n  |").contains(&"first_name".to_string()));
        let l = labels("source flex {}\nuser {\n  first_name = |");
        assert!(l.contains(&"FirstName".to_string()) && l.contains(&"lower".to_string()));
        assert_eq!(
            labels("gender 1->|"),
            ["None", "Female", "Male", "NonBinary"]
        );
        assert!(labels("user {\n status = S { \"a\" -> |").contains(&"Paused".to_string()));
        assert!(labels("rules {\n  membership = |").contains(&"overwrite".to_string()));
        assert!(
            labels("schedule daily at 01:00 Europe/St|").contains(&"Europe/Stockholm".to_string())
        );
        assert!(labels("# source |").is_empty());
        assert!(labels("guard |").contains(&"filled(FIELD) >= 90%".to_string()));
        assert!(labels("source flex {}\nguard filled(|").contains(&"FirstName".to_string()));
        assert_eq!(
            labels("source flex {}\nguard filled(FirstName) >= |"),
            ["90%", "100"]
        );
    }

    #[test]
    fn plain_text_of_snippets() {
        assert_eq!(plain_of("date(\"${1:%d.%m.%Y}\")"), "date(\"%d.%m.%Y\")");
        assert_eq!(plain_of("rules {\n  $0\n}"), "rules {\n  \n}");
    }
}
