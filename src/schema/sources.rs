//! What a source kind is: the record shape (built-in fields) and the settings of a `source KIND`.
//! The kinds themselves are defined by the connectors' registry (`connectors::source_kinds`),
//! each live connector in its own folder.

use super::settings::SettingDef;
use crate::types::Type;
use chrono::NaiveDate;

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

/// `units = "org_units.csv"`: the org units a `units { … }` statement reads (also for API
/// sources, whose units come from an export when the API has none).
pub const UNITS: SettingDef = SettingDef::text(
    "units",
    "The org-unit file (same format rules as `path`), relative to the mapping file; read by `units { … }`.",
);
