//! Tests of reading in windows: what it reads must be exactly what the whole-file reader
//! reads, and whatever it cannot read must be left to that reader.

use super::super::split::tests::{ONE, broken_files, cut, layouts, records};
use super::super::testing::read_as::{flex, plain};
use super::super::{Record, RecordsError, json};
use super::*;
use serde_json::{Value, json};

/// Window sizes from smaller than one record (the window grows) to larger than the file.
const SIZES: [usize; 5] = [32, 300, 4096, 1 << 16, 1 << 24];

/// Records without text that looks like two records meeting, so that no cut is fooled and
/// the windows must read them all.
fn plain_records(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "id": i,
                "firstName": "Åsa",
                "lastName": if i % 3 == 0 { "日本語 😀" } else { "Öhman" },
                "note": "line\nbreak, \"quoted\" {x} [y]",
                "nested": {"list": [1, null, true, [[]]], "deep": {"s": "}]"}},
                "n": i as f64 / 7.0,
            })
        })
        .collect()
}

fn file_of(text: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, text).unwrap();
    file
}

fn windowed(text: &[u8], shape: Shapes, plan: Plan, size: usize) -> Option<Vec<Record>> {
    let file = file_of(text);
    read_in_windows(file.path(), "p.json", shape, plan, size, Sink::RECORDS)
}

fn whole(text: &[u8], shape: Shapes) -> Result<Vec<Record>, RecordsError> {
    json::read_with("p.json", text, shape, ONE)
}

#[test]
fn every_layout_reads_as_the_whole_file_in_every_window_size() {
    for (layout, text) in layouts(&plain_records(200)) {
        for shape in [plain(), flex()] {
            let Ok(want) = whole(text.as_bytes(), shape) else {
                panic!("{layout}: the whole file did not read")
            };
            for size in SIZES {
                for pieces in [2, 8] {
                    let label = format!("{layout} {shape:?} window {size} pieces {pieces}");
                    let got = windowed(text.as_bytes(), shape, cut(pieces), size);
                    // Not left to the whole-file reader: the windows read it all.
                    let Some(got) = got else {
                        panic!("{label}: the windows failed")
                    };
                    assert!(got == want, "{label}: records differ");
                }
            }
        }
    }
}

#[test]
fn text_that_fools_a_cut_is_never_read_wrong() {
    // These records hold `"},{"` in strings and lists of objects: a cut may fall inside a
    // record. The windows then give up, or read exactly what the whole file holds.
    for seed in 0..4 {
        for (layout, text) in layouts(&records(150, seed)) {
            let want = whole(text.as_bytes(), flex());
            for size in SIZES {
                let label = format!("{layout} seed {seed} window {size}");
                if let Some(got) = windowed(text.as_bytes(), flex(), cut(4), size) {
                    assert!(want.as_ref().is_ok_and(|w| *w == got), "{label}");
                }
            }
        }
    }
}

#[test]
fn broken_files_are_left_to_the_whole_file_reader() {
    for (label, text) in broken_files() {
        for shape in [plain(), flex()] {
            let want = whole(text.as_bytes(), shape);
            for size in SIZES {
                let got = windowed(text.as_bytes(), shape, cut(3), size);
                let label = format!("{label} {shape:?} window {size}");
                match (&want, got) {
                    (Err(_), None) => {}
                    (Ok(want), Some(got)) => assert!(*want == got, "{label}: records differ"),
                    (Ok(_), None) => {}
                    (Err(e), Some(_)) => panic!("{label}: read though the file has {e}"),
                }
            }
        }
    }
}

#[test]
fn files_that_are_not_a_big_plain_array_are_left_to_the_whole_file_reader() {
    let compact = layouts(&plain_records(50)).swap_remove(0).1;
    let enveloped = format!("{{\"items\": {compact}}}");
    assert!(windowed(enveloped.as_bytes(), flex(), cut(2), 4096).is_none());
    let small = Plan {
        min_bytes: compact.len() + 1,
        ..cut(2)
    };
    assert!(windowed(compact.as_bytes(), flex(), small, 4096).is_none());
    assert!(windowed(compact.as_bytes(), flex(), ONE, 4096).is_none());
    assert!(windowed(b" \n ", flex(), cut(2), 4096).is_none());
    assert!(windowed(b"", flex(), cut(2), 4096).is_none());
    // A byte order mark is stepped over, as the whole-file reader does.
    let marked = [UTF8_BOM, compact.as_bytes()].concat();
    let got = windowed(&marked, flex(), cut(2), 300);
    assert_eq!(got, whole(compact.as_bytes(), flex()).ok());
}

#[test]
fn a_folder_or_a_missing_file_is_left_to_the_whole_file_reader() {
    let dir = tempfile::tempdir().unwrap();
    let read = |path: &Path| read_in_windows(path, "p.json", flex(), cut(2), 64, Sink::RECORDS);
    assert!(read(dir.path()).is_none());
    assert!(read(&dir.path().join("missing.json")).is_none());
}

#[test]
fn the_last_cut_is_where_the_last_whole_record_ends() {
    let text = br#"[{"a": 1}, {"b": "},{"}, {"c"#;
    // The comma before `{"c"`, whose record is not whole yet. (The comma inside `"},{"`
    // looks like a cut too: the piece readers find out when one is chosen.)
    let cut = last_cut(text, 1);
    assert_eq!(cut, Some(text.len() - 5));
    assert_eq!(last_cut(br#"[{"a": 1}, "#, 1), None);
    assert_eq!(last_cut(br#"[{"a": 1}"#, 1), None);
}

#[test]
fn a_panic_while_reading_a_piece_reaches_the_caller() {
    let text = layouts(&plain_records(400)).swap_remove(0).1;
    let file = file_of(text.as_bytes());
    // On whichever thread reads the record, early in the file and in its last window.
    for at in [3, 390] {
        let panics = move |record: Record| -> Record {
            assert!(record.fields["Id"] != json!(at), "record {at}");
            record
        };
        let caught = std::panic::catch_unwind(|| {
            read_in_windows(
                file.path(),
                "p.json",
                flex(),
                cut(4),
                512,
                Sink::Owned(&panics),
            )
        });
        let message = caught.expect_err("the panic was lost");
        let text = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(text.contains(&format!("record {at}")), "{text}");
    }
}

#[test]
fn a_big_file_through_read_file_map_gives_the_whole_file_readers_records_and_errors() {
    use super::super::{ReadOptions, read_file, read_file_map};
    let values = plain_records(14_000);
    let good = layouts(&values).swap_remove(1).1; // pretty: many lines
    // Two windows at the size `plan` reads with.
    assert!(good.len() > WINDOW, "{}", good.len());
    // A fault in the last window: the windows before it were read, then given up.
    let at = good.len() - 2000 + good[good.len() - 2000..].find("\"id\"").unwrap_or(0);
    let bad = format!("{}\"id\" 1, {}", &good[..at], &good[at..]);
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions::new(
        crate::records::testing::flex(),
        crate::records::testing::known(),
    );
    for (name, text) in [("good.json", &good), ("bad.json", &bad)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let whole = read_file(&path, &opts);
        let mapped = read_file_map(&path, &opts, &owned);
        match (whole, mapped) {
            (Ok(whole), Ok(mapped)) => {
                assert_eq!(whole.len(), values.len());
                assert!(whole == mapped, "{name}: records differ");
            }
            (Err(whole), Err(mapped)) => {
                assert_eq!(whole.to_string(), mapped.to_string(), "{name}");
                assert!(name == "bad.json", "{name}: {whole}");
            }
            (whole, mapped) => panic!("{name}: whole {whole:?}, mapped {mapped:?}"),
        }
    }
}

/// A record seen as it was read, as a [`Record`] of its own.
fn owned(record: crate::records::RecordRef<'_>) -> Record {
    use crate::records::{Fields, FlatValue};
    let fields = match record.fields {
        Fields::Map(map) => map.clone(),
        Fields::Flat(fields) => fields
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    FlatValue::Text(text) => Value::String(text.to_string()),
                    FlatValue::Json(value) => value.clone(),
                };
                (key.to_string(), value)
            })
            .collect(),
    };
    Record {
        fields,
        origin: record.origin,
    }
}
