//! Newline-delimited JSON: one record object per line; blank lines are ignored.

use super::json::{serde_offset, serde_syntax};
use super::shape::Shapes;
use super::shapes::{self, Problem};
use super::split::{self, Plan};
use super::{Origin, Position, Record, RecordsError};
use serde_json::Value;

/// Reads one record per non-blank line.
pub(super) fn read(name: &str, bytes: &[u8], shape: Shapes) -> Result<Vec<Record>, RecordsError> {
    read_with(name, bytes, shape, Plan::for_machine())
}

/// [`read`], cutting a big file into runs of lines read on their own threads as `plan` says.
/// If any run fails, the whole file is read again on one thread, so that the error reported is
/// the first in the file, exactly as without threads.
pub(super) fn read_with(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    plan: Plan,
) -> Result<Vec<Record>, RecordsError> {
    if plan.wants(bytes)
        && let Some(pieces) = split::line_pieces(bytes, plan)
        && let Some(records) = split::read_pieces(&pieces, plan.threads, |piece, _| {
            read_lines(name, &bytes[piece.start..piece.end], shape, piece.newlines)
        })
    {
        return Ok(records);
    }
    read_lines(name, bytes, shape, 0)
}

/// Reads the records of `bytes`, whole lines that follow `skipped` lines of the file.
fn read_lines(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    skipped: usize,
) -> Result<Vec<Record>, RecordsError> {
    let mut records = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = skipped + i + 1;
        let json = line.trim_ascii();
        if json.is_empty() {
            continue;
        }
        // An object is read refusing a key twice; anything else as a value, to say what it is.
        let parsed = if json.first() == Some(&b'{') {
            serde_json::from_slice::<super::strict::StrictFields>(json).and_then(|f| {
                // A number that would not print back as written keeps its text (exact.rs).
                match std::str::from_utf8(json) {
                    Ok(text) if super::exact::has_inexact_number(json) => {
                        super::exact::exact_object(text).map(Value::Object)
                    }
                    _ => Ok(Value::Object(f.0)),
                }
            })
        } else {
            serde_json::from_slice::<Value>(json)
        };
        let value: Value = parsed.map_err(|e| {
            let lead = line.len() - line.trim_ascii_start().len();
            let column = Position::of_offset(line, lead + serde_offset(json, &e)).column;
            serde_syntax(
                name,
                "NDJSON",
                Position {
                    line: line_no,
                    column,
                },
                &e,
            )
        })?;
        let invalid = |p: Problem| RecordsError::InvalidRecord {
            name: name.to_owned(),
            record: records.len() + 1,
            line: Some(line_no),
            problem: p.problem,
            help: p.help,
        };
        let Value::Object(fields) = value else {
            let problem = format!("is {}, not an object", shapes::kind(&value));
            let help = value
                .is_array()
                .then(|| "an NDJSON file holds one record object per line".to_owned());
            return Err(invalid(Problem { problem, help }));
        };
        let fields = shape.normalise(fields).map_err(invalid)?;
        let origin = Origin {
            index: records.len(),
            line: Some(line_no),
        };
        records.push(Record { fields, origin });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::testing::read_as::{flex, personio, plain};
    use serde_json::json;

    #[test]
    fn one_record_per_line_with_exact_lines_and_blank_lines_skipped() {
        let text = b"{\"Id\":1}\r\n\n   \n  {\"Id\":2}\n";
        let records = read("p.ndjson", text, plain()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].fields["Id"], json!(1));
        assert_eq!(
            records[0].origin,
            Origin {
                index: 0,
                line: Some(1)
            }
        );
        assert_eq!(
            records[1].origin,
            Origin {
                index: 1,
                line: Some(4)
            }
        );
    }

    #[test]
    fn empty_file_is_no_records() {
        assert_eq!(read("p.ndjson", b"", plain()).unwrap(), vec![]);
        assert_eq!(read("p.ndjson", b"\n\n", plain()).unwrap(), vec![]);
    }

    #[test]
    fn malformed_line_names_line_and_column() {
        let err = read("p.ndjson", b"{\"Id\":1}\n  {\"Id\" 2}\n", plain()).unwrap_err();
        match err {
            RecordsError::Syntax {
                ref name,
                format,
                at,
                ..
            } => {
                assert_eq!(name, "p.ndjson");
                assert_eq!(format, "NDJSON");
                assert_eq!(
                    at,
                    Position {
                        line: 2,
                        column: Some(9)
                    }
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_object_line_is_an_error_naming_the_record() {
        let err = read("p.ndjson", b"{\"Id\":1}\n[1,2]\n", plain()).unwrap_err();
        assert!(
            matches!(
                err,
                RecordsError::InvalidRecord {
                    record: 2,
                    line: Some(2),
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "record 2 (line 2) of `p.ndjson` is an array, not an object"
        );
    }

    #[test]
    fn shapes_apply_per_line() {
        let flex = read("p.ndjson", b"{\"emailWork\":\"a@b\"}\n", flex()).unwrap();
        assert_eq!(flex[0].fields["EmailWork"], json!("a@b"));
        let employee = br#"{"type":"Employee","attributes":{"id":{"label":"ID","value":7}}}"#;
        let records = read("p.ndjson", employee, personio()).unwrap();
        assert_eq!(records[0].fields["id"], json!(7));
    }
}
