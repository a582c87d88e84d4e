//! Record files are decoded on evidence, never guessed (issue 21, item 2). Random UTF-8 CSV and
//! YAML files, with and without a byte order mark, are read exactly; the same files with one
//! byte that cannot be UTF-8 injected anywhere are an error naming that byte's line, unless the
//! mapping declares the file's encoding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use proptest::prelude::*;
use wtmap::records::{ReadOptions, Record, RecordsError, TextEncoding, read_bytes};

fn text_of(names: &[String], yaml: bool) -> String {
    let mut text = String::new();
    if !yaml {
        text.push_str("Id;Name\n");
    }
    for (i, name) in names.iter().enumerate() {
        if yaml {
            text.push_str(&format!("- Id: '{i}'\n  Name: '{name}'\n"));
        } else {
            text.push_str(&format!("{i};{name}\n"));
        }
    }
    text
}

fn read(
    yaml: bool,
    bytes: &[u8],
    encoding: Option<TextEncoding>,
) -> Result<Vec<Record>, RecordsError> {
    let name = if yaml { "p.yaml" } else { "p.csv" };
    let opts = ReadOptions {
        encoding,
        ..ReadOptions::new(&wtmap::records::PLAIN, wtmap::connectors::shapes())
    };
    read_bytes(name, bytes, &opts)
}

fn names() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[\\p{L}\\p{N}][\\p{L}\\p{N} .@-]{0,20}", 1..20)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn valid_utf8_is_read_exactly(names in names(), yaml in any::<bool>(), bom in any::<bool>()) {
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(text_of(&names, yaml).as_bytes());
        let records = read(yaml, &bytes, None).unwrap();
        prop_assert_eq!(records.len(), names.len());
        for (r, name) in records.iter().zip(&names) {
            prop_assert_eq!(r.fields["Name"].as_str(), Some(name.as_str()));
        }
    }

    #[test]
    fn one_bad_byte_is_an_error_naming_its_line(
        names in names(),
        yaml in any::<bool>(),
        bom in any::<bool>(),
        at in any::<prop::sample::Index>(),
        byte in 0x80..=0xFFu8,
    ) {
        let text = text_of(&names, yaml);
        // Any byte from 0x80 up, put at a character boundary, cannot be UTF-8 there: the next
        // byte is ASCII or a lead byte, never the continuation a lead byte needs.
        let boundaries: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
        let pos = boundaries[at.index(boundaries.len())];
        let line = text[..pos].matches('\n').count() + 1;
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(&text.as_bytes()[..pos]);
        bytes.push(byte);
        bytes.extend_from_slice(&text.as_bytes()[pos..]);
        match read(yaml, &bytes, None) {
            Err(RecordsError::Encoding { line: got, byte: b, .. }) => {
                prop_assert_eq!(got, line);
                prop_assert_eq!(b, byte);
            }
            other => prop_assert!(false, "line {}: {:?}", line, other),
        }
        // Declared UTF-8: the same error.
        let declared = read(yaml, &bytes, Some(TextEncoding::Utf8));
        prop_assert!(
            matches!(declared, Err(RecordsError::Encoding { line: got, .. }) if got == line),
            "{:?}", declared
        );
    }
}

#[test]
fn a_declared_single_byte_encoding_reads_the_whole_file_in_it() {
    // "Förnamn;Efternamn\nÅsa;Öhman" as Windows-1252 writes it.
    let bytes = b"F\xF6rnamn;Efternamn\n\xC5sa;\xD6hman\n";
    let records = read(false, bytes, Some(TextEncoding::Windows1252)).unwrap();
    assert_eq!(records[0].fields["Förnamn"], "Åsa");
    let err = read(false, bytes, None).unwrap_err();
    assert!(err.to_string().contains("at line 1 (byte 0xF6)"), "{err}");
}
