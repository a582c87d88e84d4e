//! The source kinds and their org units, derived from the registry: a live connector's schema
//! from its folder, the file kinds from `files`. File sources read org units from a second
//! file (`units = "org_units.csv"` in the source, or `--units FILE`), with every field declared
//! in `unit fields { … }`; a connector with built-in units (Personio's v2 org units) defines
//! their fields in its folder.

use super::CONNECTORS;
use super::files::FILE_KINDS;
use super::{Connector, connector};
use crate::records::{PLAIN, Shape};
use crate::schema::{SettingDef, SettingType, SourceKind};
use std::sync::LazyLock;

static SOURCE_KINDS: LazyLock<Vec<SourceKind>> = LazyLock::new(|| {
    let mut kinds: Vec<SourceKind> = FILE_KINDS
        .iter()
        .map(|kind| kind())
        .chain(CONNECTORS.iter().map(|c| (c.source)()))
        .collect();
    kinds.sort_by_key(|k| k.name);
    kinds
});

static UNIT_KINDS: LazyLock<Vec<SourceKind>> = LazyLock::new(|| {
    source_kinds()
        .iter()
        .map(|k| {
            let fields = connector(k.name)
                .and_then(|c| c.units.as_ref())
                .map_or_else(Vec::new, |units| (units.fields)());
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

/// Every source kind, sorted by name.
pub fn source_kinds() -> &'static [SourceKind] {
    &SOURCE_KINDS
}

/// The source kind called `name` (`flex`).
pub fn source_kind(name: &str) -> Option<&'static SourceKind> {
    source_kinds().iter().find(|k| k.name == name)
}

/// The record shape a source kind's records are read with: its connector's, or
/// [`PLAIN`] for the file kinds.
pub fn shape(kind: &str) -> Option<&'static Shape> {
    source_kind(kind)?;
    Some(connector(kind).map_or(&PLAIN, |c: &Connector| c.shape))
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

/// Every setting of every source and target kind, nested blocks included, with its owner's
/// name; for tests and docs.
pub fn all_settings() -> Vec<(&'static str, &'static SettingDef)> {
    fn walk(
        owner: &'static str,
        settings: &'static [SettingDef],
        out: &mut Vec<(&'static str, &'static SettingDef)>,
    ) {
        for s in settings {
            out.push((owner, s));
            if let SettingType::Block(inner) = s.ty {
                walk(owner, inner, out);
            }
        }
    }
    let mut out = Vec::new();
    for kind in source_kinds() {
        walk(kind.name, kind.settings, &mut out);
    }
    for kind in crate::schema::target_kinds() {
        walk(kind.name, kind.settings, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;
    use chrono::NaiveDate;
    use std::collections::HashSet;

    #[test]
    fn kinds_are_sorted_and_found() {
        let names: Vec<&str> = source_kinds().iter().map(|k| k.name).collect();
        assert_eq!(
            names,
            [
                "csv", "flex", "json", "ndjson", "personio", "worknice", "yaml"
            ]
        );
        assert!(source_kind("flex").is_some());
        assert!(source_kind("Flex").is_none());
        assert_eq!(shape("personio").map(|s| s.kind), Some("personio"));
        assert_eq!(shape("yaml"), Some(&PLAIN));
        assert_eq!(shape("sftp"), None);
    }

    #[test]
    fn field_paths_are_unique_per_kind() {
        for kind in source_kinds() {
            let mut seen = HashSet::new();
            for f in &kind.fields {
                assert!(seen.insert(f.path), "`{}` twice in `{}`", f.path, kind.name);
                assert!(!f.doc.is_empty(), "`{}.{}` has no doc", kind.name, f.path);
            }
        }
    }

    #[test]
    fn file_kinds_need_declared_fields() {
        for kind in source_kinds() {
            assert_eq!(
                kind.declared_fields_only,
                kind.fields.is_empty(),
                "`{}`",
                kind.name
            );
        }
    }

    #[test]
    fn date_fields_have_formats_and_others_do_not() {
        for kind in source_kinds() {
            for f in &kind.fields {
                let is_date = *f.ty.base() == Type::Date;
                assert_eq!(
                    is_date,
                    !f.date_formats.is_empty(),
                    "`{}.{}`",
                    kind.name,
                    f.path
                );
                for format in f.date_formats {
                    assert!(
                        crate::builtins::validate_date_format(format).is_ok(),
                        "`{format}`"
                    );
                }
            }
        }
    }

    #[test]
    fn value_sets_only_on_text_fields() {
        for kind in source_kinds() {
            for f in kind.fields.iter().filter(|f| !f.values.is_empty()) {
                assert_eq!(*f.ty.base(), Type::Text, "`{}.{}`", kind.name, f.path);
            }
        }
    }

    #[test]
    fn credentials_are_secret() {
        let all = all_settings();
        for (owner, s) in &all {
            let credential = ["password", "secret", "token", "key"]
                .iter()
                .any(|w| s.key.contains(w));
            assert_eq!(credential, s.secret, "`{owner}.{}`", s.key);
            assert!(
                !s.secret || s.default.is_none(),
                "secret `{owner}.{}` has a default",
                s.key
            );
        }
        let secrets: Vec<String> = all
            .iter()
            .filter(|(_, s)| s.secret)
            .map(|(o, s)| format!("{o}.{}", s.key))
            .collect();
        assert_eq!(
            secrets,
            [
                "flex.password",
                "personio.client_secret",
                "worknice.token",
                "winningtemp.files.key",
                "winningtemp.scim.token"
            ]
        );
    }

    #[test]
    fn settings_are_consistent() {
        for kind in source_kinds() {
            let mut seen = HashSet::new();
            for s in kind.settings {
                assert!(seen.insert(s.key), "`{}.{}` twice", kind.name, s.key);
            }
        }
        for (owner, s) in all_settings() {
            assert!(
                !(s.required && s.default.is_some()),
                "`{owner}.{}` is required but has a default",
                s.key
            );
            assert!(
                s.values.is_empty() || s.ty == SettingType::Text,
                "`{owner}.{}`",
                s.key
            );
            assert!(
                s.range.is_none() || s.ty == SettingType::Int,
                "`{owner}.{}`",
                s.key
            );
            if let (Some((min, max)), Some(default)) = (s.range, s.default) {
                let n: i64 = default.parse().unwrap();
                assert!(
                    (min..=max).contains(&n),
                    "`{owner}.{}` default out of range",
                    s.key
                );
            }
        }
    }

    #[test]
    fn dates_parse_with_their_formats() {
        let personio = source_kind("personio").unwrap();
        let hire = personio.field("hire_date").unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(hire.parse_date("2014-11-09T00:00:00+01:00"), d(2014, 11, 9));
        assert_eq!(hire.parse_date("2021-01-01"), d(2021, 1, 1));
        assert_eq!(hire.parse_date("09.11.2014"), None);
        let flex = source_kind("flex").unwrap();
        let born = flex.field("DateOfBirth").unwrap();
        assert_eq!(born.parse_date("1988-04-21T00:00:00"), d(1988, 4, 21));
        assert_eq!(born.parse_date("1988-04-21T00:00:00.000"), d(1988, 4, 21));
        assert_eq!(born.parse_date("1988-04-21"), d(1988, 4, 21));
    }
}
