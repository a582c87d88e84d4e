//! Source kinds: the record shape (built-in fields) and the settings of each `source KIND`.

use super::settings::{SettingDef, SettingType};
use super::{flex, personio, worknice};
use crate::types::Type;
use chrono::NaiveDate;
use std::sync::LazyLock;

/// Dates as `2025-01-31`.
pub const ISO_DATE: &str = "%Y-%m-%d";
/// ISO date-times with an offset (`2014-11-09T00:00:00+01:00`, Personio); the local date is taken.
pub const ISO_DATETIME_OFFSET: &str = "%Y-%m-%dT%H:%M:%S%.f%:z";
/// ISO date-times without an offset (`1988-04-21T00:00:00`, Flex); the date is taken.
pub const ISO_DATETIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// A field of a source record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Name, dotted for nested objects (`department.name`).
    pub path: &'static str,
    /// Its type; `T?` when records may lack it. A non-optional field that is missing at run
    /// time quarantines the record.
    pub ty: Type,
    /// One line for the docs.
    pub doc: &'static str,
    /// The known, finite set of values (as text), used to check value maps for totality;
    /// empty when the set is open or unknown.
    pub values: &'static [&'static str],
    /// For date fields: chrono formats tried in order when reading the field (see
    /// [`FieldDef::parse_date`]).
    pub date_formats: &'static [&'static str],
}

impl FieldDef {
    /// A field without a value set or date formats.
    pub fn new(path: &'static str, ty: Type, doc: &'static str) -> FieldDef {
        FieldDef {
            path,
            ty,
            doc,
            values: &[],
            date_formats: &[],
        }
    }

    /// An optional text field.
    pub fn text(path: &'static str, doc: &'static str) -> FieldDef {
        FieldDef::new(path, Type::Text.optional(), doc)
    }

    /// An optional date field read with `formats`.
    pub fn date(
        path: &'static str,
        formats: &'static [&'static str],
        doc: &'static str,
    ) -> FieldDef {
        FieldDef {
            date_formats: formats,
            ..FieldDef::new(path, Type::Date.optional(), doc)
        }
    }

    /// Sets the known value set.
    pub fn values(mut self, values: &'static [&'static str]) -> FieldDef {
        self.values = values;
        self
    }

    /// Reads a date field's text with its formats, as the evaluator does (one implementation:
    /// `dates::parse_date`). Formats with a time or an offset keep the date as written
    /// (`2014-11-09T00:00:00+01:00` is 2014-11-09).
    pub fn parse_date(&self, text: &str) -> Option<NaiveDate> {
        let formats: Vec<String> = self.date_formats.iter().map(|f| f.to_string()).collect();
        crate::dates::parse_date(text.trim(), &formats).ok()
    }
}

/// A kind of source: where records come from and what they look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceKind {
    /// Name as written after `source`.
    pub name: &'static str,
    /// One paragraph for the docs.
    pub doc: &'static str,
    /// Built-in fields; `fields { … }` adds customer-specific ones.
    pub fields: Vec<FieldDef>,
    /// Keys of the `source` block.
    pub settings: &'static [SettingDef],
    /// Every field used must be declared in `fields { … }` (file kinds have no fixed shape).
    pub declared_fields_only: bool,
}

impl SourceKind {
    /// The built-in field at `path`.
    pub fn field(&self, path: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.path == path)
    }
}

const PATH: SettingDef =
    SettingDef::text("path", "The file to read, relative to the mapping file.").required();

/// `units = "org_units.csv"`: the org units a `units { … }` statement reads (also for API
/// sources, whose units come from an export when the API has none).
pub(super) const UNITS: SettingDef = SettingDef::text(
    "units",
    "The org-unit file (same format rules as `path`), relative to the mapping file; read by `units { … }`.",
);

const CSV_SETTINGS: &[SettingDef] = &[
    PATH,
    UNITS,
    SettingDef::text(
        "delimiter",
        "Column separator; sniffed from the header line (`,` `;` tab) when not given.",
    ),
    ENCODING,
];

const ENCODING: SettingDef = SettingDef::text(
    "encoding",
    "Text encoding of the whole file. Not given: a byte order mark decides, else the file must be valid UTF-8 (a bad byte is an error naming its line, never a guess).",
)
.values(&["utf-8", "windows-1252", "latin-1"]);

const YAML_SETTINGS: &[SettingDef] = &[PATH, UNITS, ENCODING];

static SOURCE_KINDS: LazyLock<Vec<SourceKind>> = LazyLock::new(|| {
    vec![
        SourceKind {
            name: "csv",
            doc: "A CSV file with a header line; every column used must be declared in `fields`. \
                  Blank cells read as empty.",
            fields: Vec::new(),
            settings: CSV_SETTINGS,
            declared_fields_only: true,
        },
        flex::kind(),
        SourceKind {
            name: "json",
            doc: "A JSON file holding an array of record objects; nested objects are reached with \
                  dotted paths. Every field used must be declared in `fields`.",
            fields: Vec::new(),
            settings: &[PATH, UNITS],
            declared_fields_only: true,
        },
        SourceKind {
            name: "ndjson",
            doc: "A file with one JSON record object per line. Every field used must be declared in `fields`.",
            fields: Vec::new(),
            settings: &[PATH, UNITS],
            declared_fields_only: true,
        },
        personio::kind(),
        worknice::kind(),
        SourceKind {
            name: "yaml",
            doc: "A YAML file holding a sequence of record mappings. Every field used must be declared in `fields`.",
            fields: Vec::new(),
            settings: YAML_SETTINGS,
            declared_fields_only: true,
        },
    ]
});

/// Every source kind, sorted by name.
pub fn source_kinds() -> &'static [SourceKind] {
    &SOURCE_KINDS
}

/// The source kind called `name` (`flex`).
pub fn source_kind(name: &str) -> Option<&'static SourceKind> {
    source_kinds().iter().find(|k| k.name == name)
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
    for kind in super::target::target_kinds() {
        walk(kind.name, kind.settings, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
