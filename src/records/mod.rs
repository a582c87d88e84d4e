//! Reading record files (`--records FILE`): one HR person per record, as a JSON object.
//!
//! A file is read in two steps: its *format* (CSV, JSON, NDJSON, YAML) is turned into objects,
//! then the source's *shape* is normalised so that the evaluator sees the same fields whether
//! the records came from an API or from a file. A [`Shape`] is data, defined by each connector
//! in its folder (`src/connectors/<system>/shape.rs`): the envelope a JSON document wraps the
//! records in (pages, a GraphQL path, a one-array wrapper), how keys are read (Flex's camelCase
//! is made PascalCase), a per-record normalisation (Personio's attribute objects flattened to
//! their values), and the keys that make a record look like the system's, for hints. The
//! file kinds read with [`PLAIN`]: an array (or sequence, or rows) of objects, as they are.
//!
//! Reading is all or nothing: any error means no records. An empty file of records is not an
//! error here; the caller decides that an empty source aborts a run.

mod csv;
mod error;
mod exact;
mod flat;
mod json;
mod ndjson;
mod presence;
mod shape;
mod shapes;
mod split;
mod strict;
#[cfg(test)]
pub(crate) mod testing;
mod text;
mod windows;
mod yaml;
mod yaml_depth;
mod yaml_exact;

pub use error::{Position, RecordsError};
pub use presence::FieldPresence;
pub use shape::{
    Envelope, KeyCase, NestedPath, Normalise, PLAIN, Pages, Shape, likely_system, pascal_case,
};
pub use shapes::{Problem, kind as value_kind};

use shape::Shapes;

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;

/// One person from an HR source.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The person's fields, in file order. CSV cells are always strings (`""` when empty);
    /// JSON and YAML values keep their types.
    pub fields: Map<String, Value>,
    /// Where the record came from, for reports.
    pub origin: Origin,
}

/// A record's fields as the evaluator reads them: a record read whole, or one seen while it
/// is read (see [`RecordRef`]).
#[derive(Debug, Clone, Copy)]
pub enum Fields<'a> {
    /// The fields of a [`Record`].
    Map(&'a Map<String, Value>),
    /// Fields in file order, keys unique, text borrowed from the file where it has no escapes.
    Flat(&'a [(Cow<'a, str>, FlatValue<'a>)]),
}

/// A field's value in [`Fields::Flat`].
#[derive(Debug, Clone, PartialEq)]
pub enum FlatValue<'a> {
    /// A JSON string.
    Text(Cow<'a, str>),
    /// Any other JSON value.
    Json(Value),
}

/// One record as the evaluator sees it: its fields and where it came from. Reading a big JSON
/// export for a plan, each record is seen this way as it is read, without a map built for it.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// The fields.
    pub fields: Fields<'a>,
    /// Where the record came from.
    pub origin: Origin,
}

impl Record {
    /// The record as the evaluator sees it.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            fields: Fields::Map(&self.fields),
            origin: self.origin,
        }
    }
}

/// Something made from one record that carries the record's number. Records read in pieces
/// on several threads are numbered within their piece, then renumbered when the pieces are
/// joined.
pub trait Numbered {
    /// Adds `by` to the record number.
    fn renumber(&mut self, by: usize);
}

impl Numbered for Record {
    fn renumber(&mut self, by: usize) {
        self.origin.index += by;
    }
}

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// 0-based record number, counting records only (not headers or envelopes).
    pub index: usize,
    /// 1-based line where the record starts, when known. YAML gives no positions for values,
    /// so a YAML record has a line only when the file is a plain block sequence (see `yaml.rs`).
    pub line: Option<usize>,
}

/// The file format of a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// Comma-, semicolon-, tab- or pipe-separated values with a header row.
    Csv,
    /// One JSON document: an array of records, or an HR system's envelope around one.
    Json,
    /// Newline-delimited JSON: one object per line.
    Ndjson,
    /// A YAML sequence of mappings.
    Yaml,
}

impl RecordFormat {
    /// The format a file name's extension stands for (`.csv`, `.tsv`, `.json`, `.ndjson`,
    /// `.jsonl`, `.yaml`, `.yml`, any letter case), if any.
    pub fn from_name(name: &str) -> Option<RecordFormat> {
        let ext = Path::new(name).extension()?.to_str()?;
        ext.parse().ok()
    }
}

impl FromStr for RecordFormat {
    type Err = String;

    /// Parses a format name or extension (`csv`, `json`, `ndjson`, `jsonl`, `yaml`, `yml`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Ok(RecordFormat::Csv),
            "json" => Ok(RecordFormat::Json),
            "ndjson" | "jsonl" => Ok(RecordFormat::Ndjson),
            "yaml" | "yml" => Ok(RecordFormat::Yaml),
            _ => Err(format!("unknown record format `{s}`")),
        }
    }
}

/// The character encoding of a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (a leading byte order mark is dropped).
    Utf8,
    /// Windows-1252, what Excel on a Western-European Windows writes as "CSV".
    Windows1252,
    /// ISO-8859-1: every byte is the code point of the same number.
    Latin1,
}

impl FromStr for TextEncoding {
    type Err = String;

    /// Parses an encoding label (`utf-8`, `windows-1252`, `cp1252`, `latin-1`,
    /// `iso-8859-1`, any letter case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "windows-1252" | "cp1252" => Ok(TextEncoding::Windows1252),
            "latin-1" | "latin1" | "iso-8859-1" => Ok(TextEncoding::Latin1),
            _ => Err(format!("unknown text encoding `{s}`")),
        }
    }
}

/// How to read a record file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The HR system's record shape ([`PLAIN`] for the file kinds).
    pub shape: &'static Shape,
    /// Every HR system's shape, to name the one a file seems to be in when it does not fit
    /// `shape` (the connectors' registry holds them).
    pub known: &'static [&'static Shape],
    /// The file format; `None` takes it from the file name's extension.
    pub format: Option<RecordFormat>,
    /// The CSV delimiter; `None` sniffs it from the header line (`;`, `,`, tab or `|`).
    /// Ignored by the other formats.
    pub delimiter: Option<u8>,
    /// The text encoding; `None` detects it. CSV and YAML files that are not valid UTF-8 are
    /// read as Windows-1252 (which covers Latin-1's printable characters too); JSON and NDJSON
    /// are UTF-8 by definition and are only transcoded when an encoding is given.
    pub encoding: Option<TextEncoding>,
    /// Columns a CSV header must have (the fields a `csv` source declares). A column missing
    /// from the header is one error before any record is read, with a did-you-mean against
    /// the header; without this, a header that differs only in case or spaces would leave
    /// every record without the field. Ignored by the other formats.
    pub columns: Vec<String>,
}

impl ReadOptions {
    /// The shape and the known shapes, as the readers pass them along.
    fn shapes(&self) -> Shapes {
        Shapes {
            this: self.shape,
            known: self.known,
        }
    }

    /// Options for a shape, with the shapes a file might be in instead, and everything else
    /// detected.
    pub fn new(shape: &'static Shape, known: &'static [&'static Shape]) -> Self {
        ReadOptions {
            shape,
            known,
            format: None,
            delimiter: None,
            encoding: None,
            columns: Vec::new(),
        }
    }
}

/// The bytes of a records file. A folder is named as one (not "Is a directory (os error 21)");
/// a pipe or process substitution (`<(…)`) is read as it comes, with its format given by
/// [`ReadOptions::format`] since its name has no extension.
fn read_records_file(path: &Path, name: &str) -> Result<Vec<u8>, RecordsError> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(RecordsError::Read {
            path: name.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a folder; give the records file inside it",
            ),
        });
    }
    std::fs::read(path).map_err(|source| RecordsError::Read {
        path: name.to_owned(),
        source,
    })
}

/// Reads the records of a file. Errors name the file by its path as given.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<Vec<Record>, RecordsError> {
    let name = path.display().to_string();
    let bytes = read_records_file(path, &name)?;
    read_bytes(&name, &bytes, opts)
}

/// Reads the records of a file and hands each to `map` as soon as it is read, keeping only
/// what `map` makes of it, in record order. A big JSON array is read on every core and each
/// record is mapped on the thread that read it, so the records never all sit in memory at once;
/// other files are read whole, then mapped on every core. All or nothing, as [`read_file`]: on
/// any error nothing `map` made is returned.
pub fn read_file_map<T: Numbered + Send>(
    path: &Path,
    opts: &ReadOptions,
    map: &(dyn Fn(RecordRef<'_>) -> T + Sync),
) -> Result<Vec<T>, RecordsError> {
    let name = path.display().to_string();
    // A big plain array is read a window at a time, so the file never sits in memory whole;
    // any other file, or anything unusual in this one, is read whole below.
    if format_of(&name, opts).ok() == Some(RecordFormat::Json)
        && matches!(opts.encoding, None | Some(TextEncoding::Utf8))
        && matches!(
            opts.shape.envelope,
            Envelope::Bare | Envelope::OneArrayField
        )
        && let Some(records) = windows::read_mapped(
            path,
            &name,
            opts.shapes(),
            split::Plan::for_machine(),
            json::Sink::Viewed(map),
        )
    {
        return Ok(records);
    }
    let bytes = read_records_file(path, &name)?;
    let format = format_of(&name, opts)?;
    // Documents whose records are at the top (or in a one-array wrapper) are read as they
    // are mapped; pages and paths are read whole first.
    if format == RecordFormat::Json
        && matches!(
            opts.shape.envelope,
            Envelope::Bare | Envelope::OneArrayField
        )
    {
        let bytes = text::json_bytes(&name, &bytes, opts.encoding)?;
        let sink = json::Sink::Viewed(map);
        let plan = split::Plan::for_machine();
        return json::read_mapped(&name, &bytes, opts.shapes(), plan, sink);
    }
    let records = read_bytes(&name, &bytes, opts)?;
    Ok(crate::parallel::map_in_order(&records, &|record| {
        map(record.as_ref())
    }))
}

/// The format `opts` names, else the one of the file name's extension.
fn format_of(name: &str, opts: &ReadOptions) -> Result<RecordFormat, RecordsError> {
    match opts.format {
        Some(format) => Ok(format),
        None => RecordFormat::from_name(name).ok_or_else(|| RecordsError::UnknownFormat {
            name: name.to_owned(),
        }),
    }
}

/// Reads records from bytes already in memory; `name` is used in errors and, when
/// `opts.format` is `None`, to pick the format from its extension.
pub fn read_bytes(
    name: &str,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<Vec<Record>, RecordsError> {
    match format_of(name, opts)? {
        RecordFormat::Csv => {
            let text = text::decode(name, bytes, opts.encoding)?;
            csv::read(name, &text, opts.delimiter, opts.shape, &opts.columns)
        }
        RecordFormat::Json => {
            let bytes = text::json_bytes(name, bytes, opts.encoding)?;
            json::read(name, &bytes, opts.shapes())
        }
        RecordFormat::Ndjson => {
            let bytes = text::json_bytes(name, bytes, opts.encoding)?;
            ndjson::read(name, &bytes, opts.shapes())
        }
        RecordFormat::Yaml => {
            let text = text::decode(name, bytes, opts.encoding)?;
            yaml::read(name, &text, opts.shapes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain() -> ReadOptions {
        ReadOptions::new(&PLAIN, testing::known())
    }

    #[test]
    fn format_comes_from_the_extension() {
        assert_eq!(
            RecordFormat::from_name("a/b/people.CSV"),
            Some(RecordFormat::Csv)
        );
        assert_eq!(
            RecordFormat::from_name("x.jsonl"),
            Some(RecordFormat::Ndjson)
        );
        assert_eq!(
            RecordFormat::from_name("x.ndjson"),
            Some(RecordFormat::Ndjson)
        );
        assert_eq!(RecordFormat::from_name("x.yml"), Some(RecordFormat::Yaml));
        assert_eq!(RecordFormat::from_name("x.json"), Some(RecordFormat::Json));
        assert_eq!(RecordFormat::from_name("x.txt"), None);
        assert_eq!(RecordFormat::from_name("json"), None);
    }

    #[test]
    fn unknown_extension_is_an_error_naming_the_file() {
        let err = read_bytes("people.txt", b"[]", &plain()).unwrap_err();
        assert!(matches!(err, RecordsError::UnknownFormat { ref name } if name == "people.txt"));
        assert!(err.to_string().contains("`people.txt`"), "{err}");
    }

    #[test]
    fn explicit_format_overrides_the_extension() {
        let opts = ReadOptions {
            format: Some(RecordFormat::Json),
            ..plain()
        };
        let records = read_bytes("people.txt", br#"[{"a":1}]"#, &opts).unwrap();
        assert_eq!(records[0].fields["a"], json!(1));
    }

    #[test]
    fn each_format_reads_the_same_person() {
        let files: [(&str, &[u8]); 4] = [
            ("p.csv", b"Id;Name\n7;Ada\n"),
            ("p.json", br#"[{"Id":"7","Name":"Ada"}]"#),
            ("p.ndjson", b"{\"Id\":\"7\",\"Name\":\"Ada\"}\n"),
            ("p.yaml", b"- Id: \"7\"\n  Name: Ada\n"),
        ];
        for (name, bytes) in files {
            let records = read_bytes(name, bytes, &plain()).unwrap();
            assert_eq!(records.len(), 1, "{name}");
            assert_eq!(
                Value::Object(records[0].fields.clone()),
                json!({"Id": "7", "Name": "Ada"}),
                "{name}"
            );
            assert_eq!(
                records[0].origin,
                Origin {
                    index: 0,
                    line: Some(if name == "p.csv" { 2 } else { 1 })
                }
            );
        }
    }

    #[test]
    fn read_file_reads_from_disk_and_names_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("people.ndjson");
        std::fs::write(&path, "{\"Id\":1}\n\n{\"Id\":2}\n").unwrap();
        let records = read_file(&path, &plain()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[1].origin,
            Origin {
                index: 1,
                line: Some(3)
            }
        );

        let missing = dir.path().join("nope.json");
        let err = read_file(&missing, &plain()).unwrap_err();
        assert!(matches!(err, RecordsError::Read { .. }));
        assert!(err.to_string().contains("nope.json"), "{err}");
    }

    #[test]
    fn labels_parse() {
        assert_eq!("CP1252".parse(), Ok(TextEncoding::Windows1252));
        assert_eq!("iso-8859-1".parse(), Ok(TextEncoding::Latin1));
        assert_eq!("utf-8".parse(), Ok(TextEncoding::Utf8));
        assert!("ebcdic".parse::<TextEncoding>().is_err());
        assert_eq!("jsonl".parse(), Ok(RecordFormat::Ndjson));
    }
}
