//! The file source kinds (`csv`, `json`, `ndjson`, `yaml`): records read from a file whose
//! every field the mapping declares in `fields { … }`. The readers are `records`'; these are
//! the kinds' settings and docs, listed in [`FILE_KINDS`] beside the connectors' registry.

use crate::schema::sources::UNITS;
use crate::schema::{SettingDef, SourceKind};

/// The file source kinds, one line each.
pub(crate) const FILE_KINDS: &[fn() -> SourceKind] = &[csv, json, ndjson, yaml];

const PATH: SettingDef =
    SettingDef::text("path", "The file to read, relative to the mapping file.").required();

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

/// `source csv`.
pub(crate) fn csv() -> SourceKind {
    SourceKind {
        name: "csv",
        doc: "A CSV file with a header line; every column used must be declared in `fields`. \
              Blank cells read as empty.",
        fields: Vec::new(),
        settings: CSV_SETTINGS,
        declared_fields_only: true,
    }
}

/// `source json`.
pub(crate) fn json() -> SourceKind {
    SourceKind {
        name: "json",
        doc: "A JSON file holding an array of record objects; nested objects are reached with \
              dotted paths. Every field used must be declared in `fields`.",
        fields: Vec::new(),
        settings: &[PATH, UNITS],
        declared_fields_only: true,
    }
}

/// `source ndjson`.
pub(crate) fn ndjson() -> SourceKind {
    SourceKind {
        name: "ndjson",
        doc: "A file with one JSON record object per line. Every field used must be declared in `fields`.",
        fields: Vec::new(),
        settings: &[PATH, UNITS],
        declared_fields_only: true,
    }
}

/// `source yaml`.
pub(crate) fn yaml() -> SourceKind {
    SourceKind {
        name: "yaml",
        doc: "A YAML file holding a sequence of record mappings. Every field used must be declared in `fields`.",
        fields: Vec::new(),
        settings: YAML_SETTINGS,
        declared_fields_only: true,
    }
}
