//! Org units: the records a `units { … }` statement reads, per source kind. File sources read
//! them from a second file (`units = "org_units.csv"` in the source, or `--units FILE`), with
//! every field declared in `unit fields { … }`; Personio has them built in (its v2 org-units
//! endpoint).

use super::sources::{FieldDef, SourceKind, source_kind};
use crate::types::Type;
use std::sync::LazyLock;

static UNIT_KINDS: LazyLock<Vec<SourceKind>> = LazyLock::new(|| {
    super::sources::source_kinds()
        .iter()
        .map(|k| {
            let fields = match k.name {
                "personio" => personio_units(),
                _ => Vec::new(),
            };
            SourceKind {
                name: k.name,
                doc: "",
                declared_fields_only: fields.is_empty(),
                fields,
                settings: &[],
            }
        })
        .collect()
});

/// Personio's org units (`GET /v2/org-units?type=department|team`, both types read).
fn personio_units() -> Vec<FieldDef> {
    vec![
        FieldDef::new(
            "id",
            Type::Text,
            "The org unit's ID (stable; an employment names it).",
        ),
        FieldDef::new("type", Type::Text, "`department` or `team`.")
            .values(&["department", "team"]),
        FieldDef::text("name", "The unit's name."),
        FieldDef::text("abbreviation", "Its short name."),
        FieldDef::text("description", "Its description."),
        FieldDef::text("parent_id", "The parent org unit's ID; empty at the top."),
    ]
}

/// The unit records of a source kind: their built-in fields (none for file kinds, whose
/// every field is declared in `unit fields { … }`).
pub fn unit_kind(source: &str) -> Option<&'static SourceKind> {
    source_kind(source)?;
    UNIT_KINDS.iter().find(|k| k.name == source)
}

/// Whether the source kind reads its units itself (a live endpoint), so neither
/// `units = "…"` nor `--units` is needed.
pub fn units_built_in(source: &str) -> bool {
    unit_kind(source).is_some_and(|k| !k.fields.is_empty())
}
