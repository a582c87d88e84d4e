//! The fields a mapping can read: the source kind's built-in schema plus the `fields` block,
//! and the slots the evaluator will read them through.

use super::program::{FieldId, FieldSlot};
use crate::connectors::source_kind;
use crate::schema::sources::SourceKind;
use crate::source::Span;
use crate::syntax::ast::{BinOp, ConditionKind, Expr, ExprKind, File, Item};
use crate::types::Type;
use std::collections::{HashMap, HashSet};

/// A field declared in `fields`.
pub(crate) struct Declared {
    pub(crate) path: String,
    pub(crate) ty: Type,
    pub(crate) formats: Vec<String>,
    pub(crate) span: Span,
    pub(crate) used: bool,
}

/// Field resolution for one mapping.
pub(crate) struct FieldEnv {
    kind: Option<&'static SourceKind>,
    pub(crate) declared: Vec<Declared>,
    /// Fields made non-empty by `skip when F is empty`.
    narrowed: HashSet<String>,
    slots: Vec<FieldSlot>,
    index: HashMap<String, FieldId>,
    /// The block that declares fields: `fields`, or `unit fields` for org-unit records.
    pub(crate) block: &'static str,
}

/// What a resolved field is.
pub(crate) struct Resolved {
    pub(crate) id: FieldId,
    pub(crate) ty: Type,
    pub(crate) values: &'static [&'static str],
}

impl FieldEnv {
    pub(crate) fn new(kind: &str) -> Self {
        FieldEnv::of(source_kind(kind), "fields")
    }

    /// The fields of records of `kind`, declared in `block`.
    pub(crate) fn of(kind: Option<&'static SourceKind>, block: &'static str) -> Self {
        FieldEnv {
            block,
            kind,
            declared: Vec::new(),
            narrowed: HashSet::new(),
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Whether the source kind is unknown (or missing): its built-in fields are then unknown
    /// too, so an undeclared name is not reported — the one E0301 (or E0010) says what is
    /// wrong, instead of an "unknown field" for every built-in field the mapping reads.
    pub(crate) fn kind_unknown(&self) -> bool {
        self.kind.is_none()
    }

    /// Whether every field must be declared (csv, json, …).
    pub(crate) fn declared_only(&self) -> bool {
        self.kind.is_none_or(|k| k.declared_fields_only)
    }

    /// The built-in definition of a path, if the source kind has one.
    pub(crate) fn builtin(&self, path: &str) -> Option<&'static crate::schema::sources::FieldDef> {
        self.kind
            .and_then(|k| k.fields.iter().find(|f| f.path == path))
    }

    /// Every readable path, for suggestions.
    pub(crate) fn known_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.declared.iter().map(|d| d.path.clone()).collect();
        if let Some(kind) = self.kind {
            paths.extend(kind.fields.iter().map(|f| f.path.to_string()));
        }
        paths
    }

    /// A field whose name equals `name` ignoring case (value-map statements without `from`).
    pub(crate) fn find_ignore_case(&self, name: &str) -> Option<String> {
        self.known_paths()
            .into_iter()
            .find(|p| p.eq_ignore_ascii_case(name) || p.to_lowercase() == name.to_lowercase())
    }

    /// Resolves a dotted path to a slot; `None` when the field is unknown.
    pub(crate) fn resolve(&mut self, path: &str) -> Option<Resolved> {
        let (ty, formats, values) =
            if let Some(d) = self.declared.iter_mut().find(|d| d.path == path) {
                d.used = true;
                let values = self
                    .kind
                    .and_then(|k| k.fields.iter().find(|f| f.path == path))
                    .map_or(&[][..], |f| f.values);
                (d.ty.clone(), d.formats.clone(), values)
            } else {
                let def = self.builtin(path)?;
                (
                    def.ty.clone(),
                    def.date_formats.iter().map(|s| s.to_string()).collect(),
                    def.values,
                )
            };
        let id = match self.index.get(path) {
            Some(id) => *id,
            None => {
                let id = self.slots.len();
                self.slots.push(FieldSlot {
                    path: path.split('.').map(str::to_string).collect(),
                    ty: ty.clone(),
                    formats,
                });
                self.index.insert(path.to_string(), id);
                id
            }
        };
        let ty = if self.narrowed.contains(path) {
            ty.base().clone()
        } else {
            ty
        };
        Some(Resolved { id, ty, values })
    }

    /// Records `skip when F is empty` (also `A is empty or B is empty`): after it, F is never
    /// empty, so later statements may use it where a value is mandatory.
    pub(crate) fn narrow_from_skips(&mut self, ast: &File) {
        for item in &ast.items {
            if let Item::Condition(c) = item
                && c.kind == ConditionKind::Skip
            {
                collect_empty_tests(&c.condition, &mut self.narrowed);
            }
        }
    }

    /// A declared field offered as a "did you mean" suggestion counts as used: its unused
    /// warning would only repeat the typo's diagnostic.
    pub(crate) fn mark_used(&mut self, path: &str) {
        if let Some(d) = self.declared.iter_mut().find(|d| d.path == path) {
            d.used = true;
        }
    }

    pub(crate) fn unused_declarations(&self) -> Vec<(String, Span)> {
        self.declared
            .iter()
            .filter(|d| !d.used)
            .map(|d| (d.path.clone(), d.span))
            .collect()
    }

    pub(crate) fn into_slots(self) -> Vec<FieldSlot> {
        self.slots
    }
}

fn collect_empty_tests(expr: &Expr, out: &mut HashSet<String>) {
    match &expr.kind {
        ExprKind::IsEmpty {
            expr: inner,
            negated: false,
        } => {
            if let ExprKind::Field(path) = &inner.kind {
                out.insert(path.dotted());
            }
        }
        ExprKind::Binary { op, lhs, rhs } if op.node == BinOp::Or => {
            collect_empty_tests(lhs, out);
            collect_empty_tests(rhs, out);
        }
        ExprKind::Paren(inner) => collect_empty_tests(inner, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_source;
    use crate::diagnostics::Code;
    use crate::source::SourceFile;

    fn codes(text: String) -> Vec<Code> {
        let (_, diags) = check_source(&SourceFile::new("t.wtmap", text));
        diags.iter().map(|d| d.code).collect()
    }

    /// A misspelt source kind is one error, not one more per built-in field the mapping reads
    /// (every example mapping, with its kind misspelt, for every kind).
    #[test]
    fn an_unknown_source_kind_is_one_error_not_a_cascade() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        let mut seen = 0;
        for entry in std::fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "wtmap") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let Some(start) = text.find("\nsource ") else {
                continue;
            };
            let kind_start = start + "\nsource ".len();
            let kind_end = kind_start + text[kind_start..].find([' ', '{']).unwrap();
            let misspelt = format!(
                "{}{}x{}",
                &text[..kind_start],
                &text[kind_start..kind_end],
                &text[kind_end..]
            );
            let found = codes(misspelt);
            assert_eq!(
                found
                    .iter()
                    .filter(|c| **c == Code::UnknownSourceKind)
                    .count(),
                1,
                "{}: {found:?}",
                path.display()
            );
            assert!(
                !found.contains(&Code::UnknownField),
                "{}: unknown fields after an unknown kind: {found:?}",
                path.display()
            );
            seen += 1;
        }
        assert!(seen >= 3, "the example mappings were found");
    }
}
