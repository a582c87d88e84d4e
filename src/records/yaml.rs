//! YAML: a sequence of mappings, converted to JSON values.
//!
//! serde_yaml_ng reports positions for errors but not for values, so a record's line is found
//! by looking for the lines that start a top-level block sequence item (`- …` at column 1)
//! and is used only when there is exactly one such line per record; otherwise (flow
//! sequences, indented sequences) records have no line.

use super::shape::Shapes;
use super::shapes::{self, Problem};
use super::{Origin, Position, Record, RecordsError};
use serde_json::Value;

/// Reads a YAML sequence of mappings. An empty document is no records.
pub(super) fn read(name: &str, text: &str, shape: Shapes) -> Result<Vec<Record>, RecordsError> {
    if let Some((line, column)) = super::yaml_depth::too_deep(text) {
        return Err(RecordsError::Syntax {
            name: name.to_owned(),
            format: "YAML",
            at: Position {
                line,
                column: Some(column),
            },
            message: format!(
                "nested more than {} levels deep",
                super::yaml_depth::MAX_DEPTH
            ),
            help: Some(
                "records are mappings of fields; a value nests a few levels at most".to_owned(),
            ),
        });
    }
    // JSON values keep key order; numbers keep their text, and a key twice is refused.
    let document = super::yaml_exact::read_document(text).map_err(|e| syntax(name, &e))?;
    let items = match document {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(RecordsError::Layout {
                name: name.to_owned(),
                expected: "a sequence of records".to_owned(),
                found: shapes::describe(&other),
                help: shapes::hint(shape.this, shape.known, &other)
                    .or_else(|| Some("write each record as `- Field: value`".to_owned())),
            });
        }
    };
    let lines = item_lines(text, items.len());
    let mut records = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let line = lines.as_ref().map(|lines| lines[index]);
        let invalid = |p: Problem| RecordsError::InvalidRecord {
            name: name.to_owned(),
            record: index + 1,
            line,
            problem: p.problem,
            help: p.help,
        };
        let Value::Object(fields) = item else {
            return Err(invalid(Problem {
                problem: format!("is {}, not a mapping", shapes::kind(&item)),
                help: None,
            }));
        };
        let fields = shape.normalise(fields).map_err(invalid)?;
        records.push(Record {
            fields,
            origin: Origin { index, line },
        });
    }
    Ok(records)
}

fn syntax(name: &str, e: &serde_yaml_ng::Error) -> RecordsError {
    let mut message = e.to_string();
    let mut at = Position {
        line: 1,
        column: None,
    };
    if let Some(location) = e.location() {
        at = Position {
            line: location.line(),
            column: Some(location.column()),
        };
        // The position is shown once, by us; other positions in the text (where an
        // unclosed flow sequence began) stay.
        let own = format!(" at line {} column {}", location.line(), location.column());
        message = message.replacen(&own, "", 1);
    }
    RecordsError::Syntax {
        name: name.to_owned(),
        format: "YAML",
        at,
        message,
        help: None,
    }
}

/// 1-based lines that start a top-level block sequence item, if there is one per record.
fn item_lines(text: &str, count: usize) -> Option<Vec<usize>> {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let b = line.as_bytes();
            b.first() == Some(&b'-') && matches!(b.get(1), None | Some(b' ' | b'\t'))
        })
        .map(|(i, _)| i + 1)
        .collect();
    (lines.len() == count).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::testing::read_as::{flex, plain};
    use serde_json::json;

    #[test]
    fn sequence_of_mappings_with_item_lines() {
        let text = "# people\n---\n- Id: 1\n  Name: Åsa\n  Tags: [a, b]\n\n- Id: 2\n  Manager:\n    Id: 1\n";
        let records = read("p.yaml", text, plain()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            Value::Object(records[0].fields.clone()),
            json!({"Id": 1, "Name": "Åsa", "Tags": ["a", "b"]})
        );
        assert_eq!(records[1].fields["Manager"], json!({"Id": 1}));
        assert_eq!(
            records[0].origin,
            Origin {
                index: 0,
                line: Some(3)
            }
        );
        assert_eq!(
            records[1].origin,
            Origin {
                index: 1,
                line: Some(7)
            }
        );
    }

    #[test]
    fn flow_sequence_has_no_lines() {
        let records = read("p.yaml", "[{Id: 1}, {Id: 2}]", plain()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[1].origin,
            Origin {
                index: 1,
                line: None
            }
        );
    }

    #[test]
    fn empty_document_is_no_records() {
        assert_eq!(read("p.yaml", "", plain()).unwrap(), vec![]);
        assert_eq!(read("p.yaml", "# nothing yet\n", plain()).unwrap(), vec![]);
        assert_eq!(read("p.yaml", "[]", plain()).unwrap(), vec![]);
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let err = read("p.yaml", "- Id: 1\n- Id: [2\n", plain()).unwrap_err();
        match &err {
            RecordsError::Syntax {
                format: "YAML",
                at,
                message,
                ..
            } => {
                assert_eq!(
                    *at,
                    Position {
                        line: 3,
                        column: Some(1)
                    }
                );
                assert_eq!(
                    message,
                    "did not find expected ',' or ']', while parsing a flow sequence at line 2 column 7"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mapping_at_top_level_is_a_layout_error() {
        let err = read("p.yaml", "people:\n  - Id: 1\n", plain()).unwrap_err();
        assert!(matches!(err, RecordsError::Layout { .. }), "{err:?}");
        assert!(err.to_string().contains("`people`"), "{err}");
    }

    #[test]
    fn non_mapping_item_names_the_record() {
        let err = read("p.yaml", "- Id: 1\n- just text\n", plain()).unwrap_err();
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
    }

    #[test]
    fn flex_keys_are_normalised() {
        let records = read("p.yaml", "- emailWork: a@b\n", flex()).unwrap();
        assert_eq!(records[0].fields["EmailWork"], json!("a@b"));
    }
}
