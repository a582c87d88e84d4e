//! Errors from reading record files. Every error names the file and, where it can, the line,
//! column or record; records are counted from 1 in messages (`record 1` is the first), while
//! [`Origin::index`](super::Origin::index) counts from 0.

use std::fmt;

/// A place in a record file: 1-based line, and 1-based column in characters when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters, when known.
    pub column: Option<usize>,
}

impl Position {
    /// The position of a byte offset in `bytes` (clamped to its end).
    pub(super) fn of_offset(bytes: &[u8], offset: usize) -> Position {
        let offset = offset.min(bytes.len());
        let before = &bytes[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Position {
            line,
            column: Some(column),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "line {}, column {column}", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// `record 3 (line 12)`, or `record 3` when the line is unknown.
struct RecordAt(usize, Option<usize>);

impl fmt::Display for RecordAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(line) => write!(f, "record {} (line {line})", self.0),
            None => write!(f, "record {}", self.0),
        }
    }
}

/// Why a record file could not be read. Any error means no records were returned.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RecordsError {
    /// The file could not be read from disk.
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(code(wtmap::records::read))]
    Read {
        /// The path as given.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// No format was given and the file name's extension names none.
    #[error("cannot tell the format of `{name}` from its name")]
    #[diagnostic(
        code(wtmap::records::unknown_format),
        help(
            "name the file `.csv`, `.tsv`, `.json`, `.ndjson`, `.jsonl`, `.yaml` or `.yml`, or give its format with `--records-format csv|json|ndjson|yaml` (a pipe, `<(…)`)"
        )
    )]
    UnknownFormat {
        /// The file.
        name: String,
    },

    /// The text is not valid in the encoding it was declared (or had to be) in.
    #[error("`{name}` is not valid {encoding} at line {line} (byte 0x{byte:02X})")]
    #[diagnostic(
        code(wtmap::records::encoding),
        help(
            "save the file as UTF-8, or, if all of it is in another encoding, declare it in the mapping's `source` block: `encoding = \"windows-1252\"` (or `\"latin-1\"`)"
        )
    )]
    Encoding {
        /// The file.
        name: String,
        /// Line of the first invalid byte.
        line: usize,
        /// The first invalid byte.
        byte: u8,
        /// The encoding it failed (`UTF-8`).
        encoding: &'static str,
    },

    /// The file is not well-formed in its format.
    #[error("malformed {format} in `{name}` at {at}: {message}")]
    #[diagnostic(code(wtmap::records::syntax))]
    Syntax {
        /// The file.
        name: String,
        /// `CSV`, `JSON`, `NDJSON` or `YAML`.
        format: &'static str,
        /// Where the problem was found.
        at: Position,
        /// What was wrong.
        message: String,
        /// How to fix it, when there is something to say.
        #[help]
        help: Option<String>,
    },

    /// The document is well-formed but does not hold records where the shape expects them
    /// (e.g. an object where an array was expected).
    #[error("expected {expected} in `{name}`; found {found}")]
    #[diagnostic(code(wtmap::records::layout))]
    Layout {
        /// The file.
        name: String,
        /// What the shape expects (`an array of records`).
        expected: String,
        /// What the file holds (`an object with keys `data`, `success``).
        found: String,
        /// A guess at what the file is, when one can be made.
        #[help]
        help: Option<String>,
    },

    /// One record is unusable: not an object, or not in the shape's form.
    #[error("{} of `{name}` {problem}", RecordAt(*.record, *.line))]
    #[diagnostic(code(wtmap::records::invalid_record))]
    InvalidRecord {
        /// The file.
        name: String,
        /// 1-based record number.
        record: usize,
        /// Line where the record starts, when known.
        line: Option<usize>,
        /// What is wrong, as a predicate (`is a number, not an object`).
        problem: String,
        /// How to fix it, when there is something to say.
        #[help]
        help: Option<String>,
    },

    /// A CSV row has more or fewer cells than the header.
    #[error("line {line} of `{name}` has {found} cells, but the header has {expected}")]
    #[diagnostic(
        code(wtmap::records::ragged_row),
        help(
            "quote cells that contain the delimiter, or check that the delimiter is the right one"
        )
    )]
    RaggedRow {
        /// The file.
        name: String,
        /// Line where the row starts.
        line: usize,
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },

    /// Two CSV columns have the same name, so a record could not hold both.
    #[error(
        "column `{header}` appears twice in the header of `{name}` (columns {first} and {second})"
    )]
    #[diagnostic(
        code(wtmap::records::duplicate_header),
        help("rename one of the columns")
    )]
    DuplicateHeader {
        /// The file.
        name: String,
        /// The repeated name (after a PascalCase shape's normalisation, Flex's).
        header: String,
        /// 1-based column of the first occurrence.
        first: usize,
        /// 1-based column of the second.
        second: usize,
    },

    /// A column the mapping declares is not in the CSV header.
    #[error("`{name}` has no column `{column}`{}", if *more > 0 { format!(" (nor {more} more declared field(s))") } else { String::new() })]
    #[diagnostic(code(wtmap::records::missing_column))]
    MissingColumns {
        /// The file.
        name: String,
        /// The first declared column that is missing.
        column: String,
        /// How many more are missing.
        more: usize,
        /// Did-you-mean against the header, or the header's columns.
        #[help]
        help: String,
    },

    /// The file is an HR system's error response (a page whose `ok` field is false, as
    /// Personio's `"success": false`, or GraphQL `errors`), saved where records were expected.
    #[error("`{name}` holds an error response from {system} instead of records: {message}")]
    #[diagnostic(
        code(wtmap::records::error_response),
        help("export the records again; the request that produced this file failed")
    )]
    ErrorResponse {
        /// The file.
        name: String,
        /// The system's name ([`Shape::system`](super::Shape::system)).
        system: &'static str,
        /// The system's own message.
        message: String,
    },

    /// None of the fields the mapping reads appear in any record: the file is another
    /// system's export, or the mapping's field names are not the file's.
    #[error(
        "none of the fields the mapping reads appear in the {records} record(s) of `{name}`: {problem}"
    )]
    #[diagnostic(code(wtmap::records::no_mapped_fields))]
    NoMappedFields {
        /// The file.
        name: String,
        /// How many records it holds.
        records: usize,
        /// What the records look like, and what the mapping reads.
        problem: String,
        /// What to do.
        #[help]
        help: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters() {
        let text = "[\n  {\"Förnamn\": x}";
        let x = text.find('x').unwrap();
        assert_eq!(
            Position::of_offset(text.as_bytes(), x),
            Position {
                line: 2,
                column: Some(15)
            }
        );
        assert_eq!(
            Position::of_offset(b"", 5),
            Position {
                line: 1,
                column: Some(1)
            }
        );
        assert_eq!(
            Position {
                line: 3,
                column: None
            }
            .to_string(),
            "line 3"
        );
    }

    #[test]
    fn record_errors_count_from_one_and_show_the_line() {
        let err = RecordsError::InvalidRecord {
            name: "p.json".into(),
            record: 3,
            line: Some(12),
            problem: "is a number, not an object".into(),
            help: None,
        };
        assert_eq!(
            err.to_string(),
            "record 3 (line 12) of `p.json` is a number, not an object"
        );
    }
}
