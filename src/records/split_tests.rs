//! Tests of reading in pieces: the records and errors must be the one-thread reader's, for
//! every layout and every number of pieces.

use super::super::shape::Shapes;
use super::super::testing::read_as::{flex, plain};
use super::super::{Origin, Record, RecordsError, json, ndjson};
use super::*;
use serde_json::{Value, json};

/// Never cuts.
pub(in crate::records) const ONE: Plan = Plan {
    min_bytes: usize::MAX,
    pieces: 1,
    threads: 1,
};

/// Cuts anything into `pieces`, read by two threads (so that, from three pieces, a thread
/// reads several).
pub(in crate::records) fn cut(pieces: usize) -> Plan {
    Plan {
        min_bytes: 0,
        pieces,
        threads: 2,
    }
}

/// Text that trips a careless scanner: brackets, commas and quotes inside strings, escapes,
/// a string ending in a backslash, and multi-byte characters.
const TRICKY: [&str; 14] = [
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "\\",
    "a\\",
    "\\\"",
    "line\nbreak",
    "tab\there",
    "Åsa Öhman",
    "日本語",
    "😀 \"},{\" ",
];

fn record(rng: &mut fastrand::Rng, i: usize) -> Value {
    let mut pick = || TRICKY[rng.usize(..TRICKY.len())];
    json!({
        "id": i,
        "emailWork": format!("p{i}@acme.example"),
        "firstName": pick(),
        "note": format!("{}{}{}", pick(), pick(), pick()),
        "nested": {"list": [pick(), -1.5e3, null, true, {"deep": [[], {}, [[pick()]]]}], "s": "}]"},
        "empty": {},
        "n": i as f64 / 7.0,
    })
}

pub(in crate::records) fn records(n: usize, seed: u64) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n).map(|i| record(&mut rng, i)).collect()
}

/// The same records written in several layouts.
pub(in crate::records) fn layouts(records: &[Value]) -> Vec<(&'static str, String)> {
    let compact: Vec<String> = records.iter().map(Value::to_string).collect();
    let pretty = serde_json::to_string_pretty(records).unwrap_or_default();
    vec![
        ("compact", format!("[{}]", compact.join(","))),
        ("pretty", pretty.clone()),
        ("crlf", pretty.replace('\n', "\r\n") + "\r\n"),
        ("lines", format!("[\n{}\n]\n", compact.join(",\n"))),
        ("spaced", format!(" \n [ {} ]\t\n", compact.join(" ,\n\t "))),
        ("leading", format!("[ {}\n]", compact.join("\n, "))),
        // Escapes serde_json does not write itself.
        (
            "escapes",
            format!(
                "[{}]",
                compact
                    .iter()
                    .map(|r| r.replacen('{', r#"{"u": "\u00e9\/\"\\", "#, 1))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
    ]
}

fn open(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// Reads `text` on one thread and in `pieces`, checks the cut really happened, and returns
/// both results.
type Both = (
    Result<Vec<Record>, RecordsError>,
    Result<Vec<Record>, RecordsError>,
);

fn json_both(text: &str, shape: Shapes, pieces: usize) -> Both {
    let bytes = text.as_bytes();
    (
        json::read_with("p.json", bytes, shape, ONE),
        json::read_with("p.json", bytes, shape, cut(pieces)),
    )
}

fn assert_same(label: &str, (one, many): Both) {
    match (one, many) {
        (Ok(one), Ok(many)) => assert!(one == many, "{label}: records differ"),
        (Err(one), Err(many)) => {
            assert_eq!(format!("{one:?}"), format!("{many:?}"), "{label}");
            assert_eq!(one.to_string(), many.to_string(), "{label}");
        }
        (one, many) => panic!("{label}: one thread {one:?}, pieces {many:?}"),
    }
}

#[test]
fn every_layout_and_piece_count_reads_the_same_records() {
    let values = records(300, 1);
    for (layout, text) in layouts(&values) {
        for shape in [plain(), flex()] {
            for pieces in 2..=8 {
                let bytes = text.as_bytes();
                let made = json_pieces(bytes, open(&text), cut(pieces), Cuts::Exact);
                assert_eq!(made.map(|p| p.len()), Some(pieces), "{layout} {pieces}");
                let label = format!("{layout} {shape:?} {pieces}");
                let one = json::read_with("p.json", bytes, shape, ONE);
                let Ok(one) = one else {
                    panic!("{label}: {one:?}")
                };
                assert_eq!(one.len(), values.len(), "{label}");
                // Not the fallback: the pieces themselves must have read it all.
                let many = json::read_parallel("p.json", bytes, shape, open(&text), cut(pieces));
                let Some(many) = many else {
                    panic!("{label}: the pieces failed")
                };
                assert_same(&label, (Ok(one), Ok(many)));
            }
        }
    }
}

#[test]
fn origins_and_flex_keys_survive_the_cut() {
    let text = layouts(&records(200, 2)).swap_remove(2).1; // CRLF
    let Ok(records) = json::read_with("p.json", text.as_bytes(), flex(), cut(4)) else {
        panic!("read failed")
    };
    // to_string_pretty puts each record's `{` on a line of its own, indented by two.
    let starts: Vec<usize> = (text.lines().enumerate())
        .filter(|(_, line)| *line == "  {")
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(records.len(), starts.len());
    for (i, (record, line)) in records.iter().zip(starts).enumerate() {
        let want = Origin {
            index: i,
            line: Some(line),
        };
        assert_eq!(record.origin, want);
        assert_eq!(record.fields["Id"], json!(i));
        assert!(record.fields.contains_key("EmailWork"));
    }
}

#[test]
fn a_big_file_takes_the_default_cut_and_reads_the_same() {
    let text = layouts(&records(6000, 3)).swap_remove(0).1;
    assert!(text.len() >= MIN_BYTES, "{}", text.len());
    let default = Plan {
        pieces: 8,
        threads: 2,
        ..Plan::for_machine()
    };
    assert!(default.wants(text.as_bytes()));
    for shape in [plain(), flex()] {
        let both = (
            json::read_with("p.json", text.as_bytes(), shape, ONE),
            json::read("p.json", text.as_bytes(), shape),
        );
        assert_same("default", both);
        assert_same("two", json_both(&text, shape, 2));
    }
}

/// Breaks the compact layout of `n` records `at` (a fraction of the text) in a given way.
fn broken(n: usize, at: f64, how: impl Fn(&str, usize) -> String) -> String {
    let text = layouts(&records(n, 4)).swap_remove(0).1;
    // The start of the record after `at`: every record's first field is `id`.
    let start = find_after(&text, at, ",{\"id\":").map_or(text.len(), |i| i + 1);
    how(&text, start)
}

/// The first `what` after the fraction `at` of `text` (counting bytes, as the cuts do).
fn find_after(text: &str, at: f64, what: &str) -> Option<usize> {
    let from = (text.len() as f64 * at) as usize;
    let found = text.as_bytes()[from..]
        .windows(what.len())
        .position(|w| w == what.as_bytes());
    found.map(|i| from + i)
}

/// Files of records with one fault each, at several places: every reader must report
/// them as the one-thread reader does. All are errors, but for "flex clash" read as plain.
pub(in crate::records) fn broken_files() -> Vec<(&'static str, String)> {
    vec![
        (
            "broken record",
            broken(300, 0.7, |t, i| {
                format!("{}{{\"a\" 1}}{}", &t[..i], &t[i..])
            }),
        ),
        (
            "broken record late",
            broken(300, 0.97, |t, i| {
                format!("{}{{\"a\": tru}},{}", &t[..i], &t[i..])
            }),
        ),
        ("trailing text", broken(300, 0.0, |t, _| format!("{t} x"))),
        ("trailing array", broken(300, 0.0, |t, _| format!("{t}[]"))),
        (
            "unterminated string",
            broken(300, 0.8, |t, i| format!("{}{{\"a\": \"oops", &t[..i])),
        ),
        (
            "unterminated string in the first half",
            broken(300, 0.3, |t, i| format!("{}\"a\\\"{}", &t[..i], &t[i..])),
        ),
        ("end of file", broken(300, 0.9, |t, i| t[..i].to_owned())),
        (
            "number",
            broken(300, 0.6, |t, i| format!("{}42,{}", &t[..i], &t[i..])),
        ),
        (
            "string",
            broken(300, 0.6, |t, i| format!("{}\"x,[\",{}", &t[..i], &t[i..])),
        ),
        (
            "array",
            broken(300, 0.8, |t, i| format!("{}[{{}}],{}", &t[..i], &t[i..])),
        ),
        (
            "missing comma",
            broken(300, 0.6, |t, i| format!("{}{{}}{}", &t[..i], &t[i..])),
        ),
        (
            "trailing comma",
            broken(300, 0.0, |t, _| format!("{},]", &t[..t.len() - 1])),
        ),
        (
            "array closed early",
            broken(300, 0.4, |t, i| format!("{}],{}", &t[..i - 1], &t[i..])),
        ),
        (
            "stray closer",
            broken(300, 0.6, |t, i| format!("{}}},{}", &t[..i], &t[i..])),
        ),
        (
            "stray opener",
            broken(300, 0.2, |t, i| format!("{}[{}", &t[..i], &t[i..])),
        ),
        (
            "flex clash",
            broken(300, 0.75, |t, i| {
                format!(
                    "{}{{\"EmailWork\": 1, \"emailWork\": 2}},{}",
                    &t[..i],
                    &t[i..]
                )
            }),
        ),
    ]
}

#[test]
fn errors_are_the_one_thread_readers() {
    for (label, text) in broken_files() {
        for shape in [plain(), flex()] {
            for pieces in [2, 3, 8] {
                let both = json_both(&text, shape, pieces);
                assert!(
                    both.0.is_err() || label == "flex clash" && shape == plain(),
                    "{label}: no error"
                );
                assert_same(&format!("{label} {shape:?} {pieces}"), both);
            }
        }
    }
}

#[test]
fn a_byte_that_is_not_utf8_is_reported_as_the_one_thread_reader_does() {
    // `Ö` as Windows-1252 writes it: one byte, not UTF-8. The pieces read text checked once
    // as UTF-8; the piece holding this byte, and then the one-thread reader, read bytes.
    let text = broken(300, 0.6, |t, i| {
        format!("{}{{\"a\": \"Ö\"}},{}", &t[..i], &t[i..])
    });
    let at = text.find('Ö').unwrap_or_default();
    let mut bytes = text.into_bytes();
    bytes.splice(at..at + 'Ö'.len_utf8(), [0xD6]);
    for shape in [plain(), flex()] {
        for pieces in [2, 3, 8] {
            let one = json::read_with("p.json", &bytes, shape, ONE);
            match &one {
                Err(RecordsError::Syntax {
                    at: position,
                    help: Some(help),
                    ..
                }) => {
                    assert!(help.contains("Windows-1252"), "{help}");
                    assert_eq!(position.line, 1, "{position:?}");
                }
                other => panic!("{other:?}"),
            }
            let many = json::read_with("p.json", &bytes, shape, cut(pieces));
            assert_same(&format!("{shape:?} {pieces}"), (one, many));
        }
    }
}

#[test]
fn escapes_next_to_quotes_do_not_fool_the_scan() {
    let text = broken(50, 0.3, |t, i| {
        format!("{}{{\"a\": \"x\\\\\"}},{}", &t[..i], &t[i..])
    });
    assert_same(
        "backslash before a closing quote",
        json_both(&text, plain(), 4),
    );
    let text = r#"[{"a": "],[,{"}, {"b": 2}, {"c": "\"]"}, {"d": [1, {"e": "}"}]}]"#;
    for pieces in 2..=4 {
        assert_same("small", json_both(text, plain(), pieces));
    }
}

#[test]
fn too_small_to_cut_reads_on_one_thread() {
    assert_eq!(json_pieces(b"[]", 0, cut(2), Cuts::Exact), None);
    assert_eq!(
        json_pieces(br#"[{"a": [1, 2]}]"#, 0, cut(2), Cuts::Exact),
        None
    );
    assert_eq!(
        json_pieces(br#"[{"a": [1, 2]"#, 0, cut(2), Cuts::Exact),
        None
    );
    // The array closes before the first cut: trailing text, which only one thread reports.
    assert_eq!(
        json_pieces(br#"[{}], {}, {}, {}"#, 0, cut(2), Cuts::Exact),
        None
    );
    assert_same("one record", json_both(r#"[{"a": [1, 2]}]"#, plain(), 2));
    assert_same("empty", json_both("[ ]", plain(), 2));
}

#[test]
fn special_finds_the_first_quote_or_backslash() {
    let mut rng = fastrand::Rng::with_seed(5);
    let alphabet = [
        b'a', b'"', b'\\', 0x00, 0x21, 0x23, 0x5b, 0x5d, 0x80, 0xa2, 0xdc, 0xff,
    ];
    for _ in 0..20_000 {
        let len = rng.usize(0..40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.u8(..) {
                0..8 => alphabet[rng.usize(..alphabet.len())],
                b => b,
            })
            .collect();
        let naive = bytes.iter().position(|&b| b == b'"' || b == b'\\');
        assert_eq!(special(&bytes), naive, "{bytes:?}");
    }
}

fn ndjson_text(n: usize, seed: u64, crlf: bool) -> String {
    let mut text = String::new();
    for (i, value) in records(n, seed).iter().enumerate() {
        if i % 7 == 3 {
            text.push_str("   \n\n"); // blank lines are skipped but counted
        }
        text.push_str(if i % 5 == 0 { "  " } else { "" });
        text.push_str(&value.to_string());
        text.push_str(if crlf { "\r\n" } else { "\n" });
    }
    text
}

fn ndjson_both(text: &str, shape: Shapes, pieces: usize) -> Both {
    let bytes = text.as_bytes();
    (
        ndjson::read_with("p.ndjson", bytes, shape, ONE),
        ndjson::read_with("p.ndjson", bytes, shape, cut(pieces)),
    )
}

#[test]
fn ndjson_reads_the_same_records_in_pieces() {
    for crlf in [false, true] {
        let text = ndjson_text(300, 6, crlf);
        for pieces in 2..=8 {
            let made = line_pieces(text.as_bytes(), cut(pieces));
            assert_eq!(made.map(|p| p.len()), Some(pieces));
            for shape in [plain(), flex()] {
                let both = ndjson_both(&text, shape, pieces);
                let Ok(one) = &both.0 else {
                    panic!("{:?}", both.0)
                };
                assert_eq!(one.len(), 300);
                assert_same(&format!("ndjson {crlf} {pieces}"), both);
            }
        }
    }
    let no_newline_at_end = ndjson_text(50, 7, false).trim_end().to_owned();
    assert_same(
        "no final newline",
        ndjson_both(&no_newline_at_end, plain(), 3),
    );
}

#[test]
fn ndjson_errors_are_the_one_thread_readers() {
    let text = ndjson_text(300, 8, false);
    let line = |at: f64| find_after(&text, at, "\n").map_or(text.len(), |i| i + 1);
    let insert = |at: f64, what: &str| format!("{}{what}{}", &text[..line(at)], &text[line(at)..]);
    let cases = [
        insert(0.7, "{\"a\" 1}\n"),
        insert(0.3, "{\"a\": \"unterminated\n"),
        insert(0.8, "[1, 2]\n"),
        insert(0.9, "{\"EmailWork\": 1, \"emailWork\": 2}\n"),
        insert(0.6, "{\"a\": 1} x\n"),
        format!("{text}{{"),
    ];
    for (i, text) in cases.iter().enumerate() {
        for shape in [plain(), flex()] {
            for pieces in [2, 5] {
                let both = ndjson_both(text, shape, pieces);
                assert!(both.0.is_err() || i == 3 && shape == plain(), "{i}");
                assert_same(&format!("ndjson case {i} {shape:?} {pieces}"), both);
            }
        }
    }
}

#[test]
fn a_piece_that_does_not_end_at_its_cut_fails() {
    let read = |text: &str, start: usize, end: usize| {
        let piece = Piece {
            start,
            end,
            newlines: 0,
        };
        json::read_piece("p.json", text.as_bytes(), plain(), &piece)
    };
    let text = r#"[{"a": 1}, {"b": [1, 2]}, {"c": 3}]"#;
    let comma = |n: usize| text.match_indices(',').nth(n).map_or(0, |(i, _)| i);
    // Cut at the comma between records: both sides read.
    assert_eq!(read(text, 1, comma(0)).map(|r| r.len()).ok(), Some(1));
    assert_eq!(
        read(text, comma(0) + 1, text.len()).map(|r| r.len()).ok(),
        Some(2)
    );
    // Cut inside a record: the record runs past the cut.
    assert!(read(text, 1, comma(1)).is_err());
    // The array closes before the cut.
    let closed = r#"[{"a": 1}], {"b": 2}, {"c": 3}]"#;
    let comma = closed.match_indices(',').nth(1).map_or(0, |(i, _)| i);
    assert!(read(closed, 1, comma).is_err());
}

#[test]
fn room_for_the_records_is_made_once_from_the_size_of_the_first() {
    // Records of about one size, as exports are: the list is sized from the first 64, not
    // doubled (which would leave room for 2048) nor grown again when the pieces are joined.
    let text = layouts(&records(1100, 7))
        .into_iter()
        .find(|(name, _)| *name == "lines")
        .map(|(_, text)| text)
        .unwrap_or_default();
    let bytes = text.as_bytes();
    let one = json::read("p.json", bytes, plain()).unwrap();
    let many = json::read_parallel("p.json", bytes, plain(), open(&text), cut(3)).unwrap();
    for (label, read) in [("one thread", &one), ("three pieces", &many)] {
        assert_eq!(read.len(), 1100, "{label}");
        assert!(
            read.capacity() < 1400,
            "{label}: room for {} records",
            read.capacity()
        );
    }
}

#[test]
fn quick_cuts_fall_where_records_appear_to_meet() {
    let text = r#"[{"a": "x, y"}, {"b": 1} ,
  {"c": [{"d": 1},{"e": 2}]}, {"f": "},{"}]"#;
    let cut_at = |from: usize| quick_cut(text.as_bytes(), from);
    let first = text.find("}, {").map(|i| i + 1);
    assert_eq!(cut_at(0), first, "the comma inside a string is not one");
    let spaced = text.find("} ,").map(|i| i + 2);
    assert_eq!(
        cut_at(first.unwrap_or(0) + 1),
        spaced,
        "white space either side"
    );
    // Fooled by a nested array of objects and by the text of a string: the readers find out.
    let nested = text.find("},{\"e").map(|i| i + 1);
    assert_eq!(cut_at(spaced.unwrap_or(0) + 1), nested);
    let in_string = text.rfind("},{").map(|i| i + 1);
    let after_nested = text.find("]}, {").map(|i| i + 2);
    assert_eq!(cut_at(nested.unwrap_or(0) + 1), after_nested);
    assert_eq!(cut_at(after_nested.unwrap_or(0) + 1), in_string);
    assert_eq!(cut_at(in_string.unwrap_or(0) + 1), None);
}

#[test]
fn wrong_quick_cuts_are_caught_and_the_file_read_the_same() {
    // Every record has a nested array of objects and a string that looks like a boundary, so
    // most quick cuts are wrong; the records must still be the one-thread reader's.
    let people: Vec<Value> = (0..400)
        .map(|i| {
            json!({
                "Id": format!("{i:04}"),
                "Roles": [{"Name": "a"}, {"Name": "b"}],
                "Note": "}, {",
            })
        })
        .collect();
    let text = serde_json::to_string(&people).unwrap_or_default();
    let quick = json_pieces(text.as_bytes(), open(&text), cut(6), Cuts::Quick).unwrap_or_default();
    let records_start = |at: usize| text[at..].trim_start().starts_with("{\"Id\"");
    assert!(
        quick
            .iter()
            .skip(1)
            .any(|piece| !records_start(piece.start)),
        "some quick cut is wrong"
    );
    let one = || json::read_with("p.json", text.as_bytes(), plain(), ONE);
    for pieces in [2, 3, 6] {
        // Not the one-thread fallback: the exact cuts' pieces must have read it all.
        let many =
            json::read_parallel("p.json", text.as_bytes(), plain(), open(&text), cut(pieces));
        let Some(many) = many else {
            panic!("{pieces} pieces: the exact cuts failed too")
        };
        assert_same(&format!("{pieces} pieces"), (one(), Ok(many)));
    }
}

#[test]
fn after_a_failed_piece_no_other_is_started() {
    let pieces: Vec<Piece> = (0..6)
        .map(|k| Piece {
            start: k,
            end: k + 1,
            newlines: 0,
        })
        .collect();
    let started = AtomicUsize::new(0);
    let read = |piece: &Piece, _first: bool| {
        started.fetch_add(1, Ordering::Relaxed);
        if piece.start == 1 {
            Err("broken")
        } else {
            Ok(vec![Record {
                fields: Default::default(),
                origin: Origin {
                    index: 0,
                    line: None,
                },
            }])
        }
    };
    assert!(read_pieces(&pieces, 1, read).is_none());
    assert_eq!(
        started.load(Ordering::Relaxed),
        2,
        "pieces 0 and 1, then stop"
    );
    // Pieces read by several threads come back in file order, renumbered.
    started.store(0, Ordering::Relaxed);
    let fine = |piece: &Piece, first: bool| -> Result<Vec<Record>, ()> {
        assert_eq!(first, piece.start == 0);
        Ok((0..piece.start + 1)
            .map(|i| Record {
                fields: std::iter::once(("piece".to_string(), json!(piece.start))).collect(),
                origin: Origin {
                    index: i,
                    line: None,
                },
            })
            .collect())
    };
    let records = read_pieces(&pieces, 3, fine).unwrap_or_default();
    let order: Vec<(Value, usize)> = records
        .iter()
        .map(|r| (r.fields["piece"].clone(), r.origin.index))
        .collect();
    let expected: Vec<(Value, usize)> = (0..6usize)
        .flat_map(|k| std::iter::repeat_n(json!(k), k + 1))
        .zip(0..)
        .collect();
    assert_eq!(order, expected);
}
