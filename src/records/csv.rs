//! CSV with a header row. Every cell becomes a JSON string, an empty cell `""`; header names
//! are kept exactly as written (not trimmed), except that a shape whose keys are PascalCase
//! (Flex's) makes them so like its JSON keys.

use super::shape::{KeyCase, Shape, pascal_case};
use super::{Origin, Position, Record, RecordsError};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Delimiters the sniffer considers, in order of preference on a tie: Winningtemp's own
/// files and Swedish Excel use `;`.
const CANDIDATES: [u8; 4] = [b';', b',', b'\t', b'|'];

/// Reads CSV text (already decoded, byte order mark removed).
pub(super) fn read(
    name: &str,
    text: &str,
    delimiter: Option<u8>,
    shape: &Shape,
    columns: &[String],
) -> Result<Vec<Record>, RecordsError> {
    let delimiter = delimiter.unwrap_or_else(|| sniff(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        // Row lengths are checked here, to report them in our words.
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header = match rows.next() {
        None => return Ok(Vec::new()),
        Some(row) => row.map_err(|e| csv_error(name, text, &e))?,
    };
    let names = header_names(name, &header, shape)?;
    missing_columns(name, &names, columns)?;
    let mut lines = Lines {
        bytes: text.as_bytes(),
        counted: 0,
        line: 1,
    };
    let mut records = Vec::new();
    for row in rows {
        let row = row.map_err(|e| csv_error(name, text, &e))?;
        let line = lines.row_line(row.position().map_or(0, |p| p.byte() as usize));
        if row.len() != names.len() {
            return Err(RecordsError::RaggedRow {
                name: name.to_owned(),
                line,
                expected: names.len(),
                found: row.len(),
            });
        }
        let fields: Map<String, Value> = names
            .iter()
            .zip(row.iter())
            .map(|(k, cell)| (k.clone(), Value::String(cell.to_owned())))
            .collect();
        records.push(Record {
            fields,
            origin: Origin {
                index: records.len(),
                line: Some(line),
            },
        });
    }
    Ok(records)
}

/// Counts lines up to row starts. The csv crate's own line numbers go wrong after CRLF
/// line endings and blank lines, but its byte offsets are right: they point just past the
/// previous row, before its line break and any blank lines.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Line breaks before `counted` are in `line`.
    counted: usize,
    line: usize,
}

impl Lines<'_> {
    /// 1-based line of the row whose csv offset is `byte`; offsets must not go backwards.
    fn row_line(&mut self, byte: usize) -> usize {
        let mut start = byte.max(self.counted);
        while let Some(b'\r' | b'\n') = self.bytes.get(start) {
            start += 1;
        }
        for (i, &b) in self.bytes[self.counted..start].iter().enumerate() {
            // `\n`, `\r\n` and a lone `\r` each end a line.
            if b == b'\n' || (b == b'\r' && self.bytes.get(self.counted + i + 1) != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.counted = start;
        self.line
    }
}

/// The header's column names, which must be unique (a record could not hold both).
fn header_names(
    name: &str,
    header: &csv::StringRecord,
    shape: &Shape,
) -> Result<Vec<String>, RecordsError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            if matches!(shape.keys, KeyCase::Pascal { .. }) {
                pascal_case(h)
            } else {
                h.to_owned()
            }
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (column, header) in names.iter().enumerate() {
        if let Some(first) = seen.insert(header, column) {
            return Err(RecordsError::DuplicateHeader {
                name: name.to_owned(),
                header: header.clone(),
                first: first + 1,
                second: column + 1,
            });
        }
    }
    Ok(names)
}

/// Every declared column must be in the header, exactly as declared: a column that differs in
/// case or surrounding spaces would otherwise be absent from every record.
fn missing_columns(name: &str, header: &[String], columns: &[String]) -> Result<(), RecordsError> {
    let missing: Vec<&String> = columns.iter().filter(|c| !header.contains(c)).collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let suggestion = |column: &str| {
        let wanted = column.trim().to_lowercase();
        header
            .iter()
            .find(|h| h.trim().to_lowercase() == wanted)
            .map(String::as_str)
            .or_else(|| crate::suggest::did_you_mean(column, header.iter().map(String::as_str)))
    };
    let mut help: Vec<String> = missing
        .iter()
        .filter_map(|c| suggestion(c).map(|h| format!("`{c}`: the header has `{h}`")))
        .collect();
    if help.is_empty() {
        let shown: Vec<String> = header.iter().take(20).map(|h| format!("`{h}`")).collect();
        help.push(format!("the header has {}", shown.join(", ")));
    }
    Err(RecordsError::MissingColumns {
        name: name.to_owned(),
        column: (*first).clone(),
        more: missing.len() - 1,
        help: format!(
            "{}; rename the column in the file or the field in `fields` so that they match exactly",
            help.join("; ")
        ),
    })
}

/// Picks the candidate that occurs most often in the header line outside quotes (a quoted
/// header may contain a newline, so the line ends at the first unquoted line break).
/// With no candidate in the header there is one column, and the delimiter must then be one
/// that never splits a row: the first candidate absent from the whole text.
pub(super) fn sniff(text: &str) -> u8 {
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    // `max_by_key` keeps the last maximum; reversing keeps the first (the preferred one).
    let best = (0..CANDIDATES.len())
        .rev()
        .max_by_key(|&i| counts[i])
        .unwrap_or(0);
    if counts[best] > 0 {
        return CANDIDATES[best];
    }
    CANDIDATES
        .into_iter()
        .find(|&c| !text.as_bytes().contains(&c))
        .unwrap_or(b',')
}

fn csv_error(name: &str, text: &str, e: &csv::Error) -> RecordsError {
    let at = match e.position() {
        Some(p) => Position::of_offset(text.as_bytes(), p.byte() as usize),
        None => Position {
            line: 1,
            column: None,
        },
    };
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_owned(),
        _ => e.to_string(),
    };
    RecordsError::Syntax {
        name: name.to_owned(),
        format: "CSV",
        at,
        message,
        help: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::PLAIN;
    use crate::records::testing::{flex, known};
    use crate::records::{ReadOptions, read_bytes};
    use serde_json::json;

    fn read_plain(text: &str) -> Result<Vec<Record>, RecordsError> {
        read("p.csv", text, None, &PLAIN, &[])
    }

    fn object(record: &Record) -> Value {
        Value::Object(record.fields.clone())
    }

    #[test]
    fn cells_are_strings_and_empty_cells_are_empty_strings() {
        let records = read_plain("Id;Name;Team\n1;Ada;\n2;;Core\n").unwrap();
        assert_eq!(
            object(&records[0]),
            json!({"Id": "1", "Name": "Ada", "Team": ""})
        );
        assert_eq!(
            object(&records[1]),
            json!({"Id": "2", "Name": "", "Team": "Core"})
        );
        assert_eq!(
            records[1].origin,
            Origin {
                index: 1,
                line: Some(3)
            }
        );
    }

    #[test]
    fn sniffs_semicolon_and_comma() {
        assert_eq!(sniff("a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff("a,b,c\n1;2;3"), b',');
        assert_eq!(sniff("a\tb\n"), b'\t');
        assert_eq!(sniff("a|b\n"), b'|');
        // Ties go to `;`.
        assert_eq!(sniff("a;b,c\n"), b';');
        let records = read_plain("Name,City\n\"Doe; Jane\",Umeå\n").unwrap();
        assert_eq!(
            object(&records[0]),
            json!({"Name": "Doe; Jane", "City": "Umeå"})
        );
    }

    #[test]
    fn sniffing_ignores_delimiters_inside_quotes() {
        assert_eq!(sniff("\"a,b,c\";\"d,e\"\n"), b';');
        assert_eq!(
            sniff("\"x\ny;z;w\",q\n"),
            b',',
            "a quoted line break does not end the header"
        );
    }

    #[test]
    fn a_single_column_never_splits() {
        assert_eq!(sniff("Name\nDoe, Jane\nX; Y\n"), b'\t');
        let records = read_plain("Name\nDoe, Jane\n").unwrap();
        assert_eq!(object(&records[0]), json!({"Name": "Doe, Jane"}));
    }

    #[test]
    fn declared_delimiter_wins() {
        let records = read("p.csv", "a;b|c\n1;2|3\n", Some(b'|'), &PLAIN, &[]).unwrap();
        assert_eq!(object(&records[0]), json!({"a;b": "1;2", "c": "3"}));
    }

    #[test]
    fn quoted_cells_keep_delimiters_newlines_and_quotes() {
        let text = "Id;Note;Name\n1;\"a;b\nsecond line\";\"say \"\"hi\"\"\"\n2;x;y\n";
        let records = read_plain(text).unwrap();
        assert_eq!(records[0].fields["Note"], json!("a;b\nsecond line"));
        assert_eq!(records[0].fields["Name"], json!("say \"hi\""));
        // The second row starts on line 4 because the first one spans two lines.
        assert_eq!(records[1].origin.line, Some(4));
    }

    #[test]
    fn crlf_line_endings() {
        let records = read_plain("Id;Name\r\n1;Ada\r\n2;Bo\r\n").unwrap();
        assert_eq!(records[1].fields["Name"], json!("Bo"));
        assert_eq!(records[1].origin.line, Some(3));
    }

    #[test]
    fn blank_lines_and_lone_carriage_returns_count_as_lines() {
        let records = read_plain("Id;Name\n\n1;Ada\n\n\n2;Bo\n").unwrap();
        assert_eq!(records.len(), 2, "blank lines are no records");
        assert_eq!(records[0].origin.line, Some(3));
        assert_eq!(records[1].origin.line, Some(6));
        let records = read_plain("Id;Name\r1;Ada\r2;Bo\r").unwrap();
        assert_eq!(records[1].origin.line, Some(3));
        let records = read_plain("Id;N\n1;\"a\r\nb\"\r\n2;x\n").unwrap();
        assert_eq!(records[0].fields["N"], json!("a\r\nb"));
        assert_eq!(records[1].origin.line, Some(4));
    }

    #[test]
    fn ragged_row_names_its_line() {
        let err = read_plain("Id;Name\n1;Ada\n2;Bo;extra\n").unwrap_err();
        assert!(
            matches!(
                err,
                RecordsError::RaggedRow {
                    line: 3,
                    expected: 2,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "line 3 of `p.csv` has 3 cells, but the header has 2"
        );
        let short = read_plain("Id;Name\n1\n").unwrap_err();
        assert!(
            matches!(
                short,
                RecordsError::RaggedRow {
                    line: 2,
                    found: 1,
                    ..
                }
            ),
            "{short:?}"
        );
    }

    #[test]
    fn duplicate_headers_are_an_error() {
        let err = read_plain("Id;Name;Id\n1;a;2\n").unwrap_err();
        assert!(
            matches!(err, RecordsError::DuplicateHeader { ref header, first: 1, second: 3, .. } if header == "Id"),
            "{err:?}"
        );
        // Flex makes both spellings the same field.
        let flex = read("p.csv", "emailWork;EmailWork\na;b\n", None, flex(), &[]).unwrap_err();
        assert!(
            matches!(flex, RecordsError::DuplicateHeader { ref header, .. } if header == "EmailWork")
        );
    }

    #[test]
    fn flex_headers_become_pascal_case() {
        let records = read("p.csv", "id;emailWork\n1;a@b\n", None, flex(), &[]).unwrap();
        assert_eq!(object(&records[0]), json!({"Id": "1", "EmailWork": "a@b"}));
    }

    #[test]
    fn header_only_and_empty_files_have_no_records() {
        assert_eq!(read_plain("Id;Name\n").unwrap(), vec![]);
        assert_eq!(read_plain("").unwrap(), vec![]);
    }

    #[test]
    fn bom_is_stripped() {
        let opts = ReadOptions::new(&PLAIN, known());
        let records = read_bytes("p.csv", b"\xEF\xBB\xBFId;Name\n1;Ada\n", &opts).unwrap();
        assert_eq!(object(&records[0]), json!({"Id": "1", "Name": "Ada"}));
    }

    #[test]
    fn windows_1252_is_read_when_declared_and_refused_when_not() {
        // "Förnamn;Efternamn\nÅsa;Öhman" as Windows-1252 writes it.
        let bytes = b"F\xF6rnamn;Efternamn\n\xC5sa;\xD6hman";
        let undeclared = read_bytes("p.csv", bytes, &ReadOptions::new(&PLAIN, known()));
        assert!(matches!(
            undeclared,
            Err(RecordsError::Encoding { line: 1, .. })
        ));
        let opts = ReadOptions {
            encoding: Some(crate::records::TextEncoding::Windows1252),
            ..ReadOptions::new(&PLAIN, known())
        };
        let records = read_bytes("p.csv", bytes, &opts).unwrap();
        assert_eq!(
            object(&records[0]),
            json!({"Förnamn": "Åsa", "Efternamn": "Öhman"})
        );
    }

    #[test]
    fn a_declared_column_missing_from_the_header_is_one_error_with_a_suggestion() {
        let columns = vec!["Id".to_string(), "Email".to_string()];
        let opts = ReadOptions {
            columns: columns.clone(),
            ..ReadOptions::new(&PLAIN, known())
        };
        for (header, hint) in [
            ("Id;email", "`Email`: the header has `email`"),
            ("Id; Email ", "`Email`: the header has ` Email `"),
            ("Id;EMAIL", "`Email`: the header has `EMAIL`"),
            ("Id;Emal", "`Email`: the header has `Emal`"),
            ("Id;Phone", "the header has `Id`, `Phone`"),
        ] {
            let text = format!("{header}\n1;a@b.se\n");
            let err = read_bytes("p.csv", text.as_bytes(), &opts).unwrap_err();
            let RecordsError::MissingColumns { column, help, .. } = &err else {
                panic!("{header}: {err:?}")
            };
            assert_eq!(column, "Email");
            assert!(help.contains(hint), "{header}: {help}");
        }
        // Header only, no records: still an error, before any record.
        assert!(read_bytes("p.csv", b"Id;email\n", &opts).is_err());
        let ok = read_bytes("p.csv", b"Email;Id;Extra\na@b.se;1;x\n", &opts).unwrap();
        assert_eq!(ok.len(), 1);
    }
}
