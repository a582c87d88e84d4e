//! Turning file bytes into text: byte order marks and encodings.
//!
//! The encoding is decided on evidence, never guessed: a byte order mark (UTF-8 or UTF-16,
//! Excel's "Unicode text"), else the encoding the mapping declares (`encoding = …` in its
//! `source` block), else the file must be valid UTF-8 throughout. A file that is neither is an
//! error naming the line of its first bad byte, so that one Windows-1252 byte in an otherwise
//! UTF-8 export can never turn every other name into mojibake. (Reading such a file as
//! Windows-1252 used to be the fallback; it silently re-decoded the valid text around it.)

use super::{RecordsError, TextEncoding};
use std::borrow::Cow;

pub(super) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes text for the CSV and YAML readers, dropping a byte order mark.
pub(super) fn decode<'a>(
    name: &str,
    bytes: &'a [u8],
    encoding: Option<TextEncoding>,
) -> Result<Cow<'a, str>, RecordsError> {
    match encoding {
        None => {
            if let Some((utf16, bom_len)) = encoding_rs::Encoding::for_bom(bytes)
                && utf16 != encoding_rs::UTF_8
            {
                let (text, _) = utf16.decode_without_bom_handling(&bytes[bom_len..]);
                return Ok(text);
            }
            strict_utf8(name, strip_bom(bytes)).map(Cow::Borrowed)
        }
        Some(TextEncoding::Utf8) => strict_utf8(name, strip_bom(bytes)).map(Cow::Borrowed),
        Some(TextEncoding::Windows1252) => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0),
        // encoding_rs follows the WHATWG rule that "latin1" means Windows-1252; real
        // ISO-8859-1 maps every byte to the code point of the same number.
        Some(TextEncoding::Latin1) => {
            Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()))
        }
    }
}

/// The bytes the JSON readers parse: JSON is UTF-8 by definition, so bytes are passed on
/// as they are (serde_json reports invalid UTF-8 with its position) unless another encoding
/// was set explicitly, in which case the text is transcoded first.
pub(super) fn json_bytes<'a>(
    name: &str,
    bytes: &'a [u8],
    encoding: Option<TextEncoding>,
) -> Result<Cow<'a, [u8]>, RecordsError> {
    match encoding {
        None | Some(TextEncoding::Utf8) => Ok(Cow::Borrowed(strip_bom(bytes))),
        Some(_) => Ok(match decode(name, bytes, encoding)? {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        }),
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

fn strict_utf8<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, RecordsError> {
    std::str::from_utf8(bytes).map_err(|e| RecordsError::Encoding {
        name: name.to_owned(),
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        byte: bytes.get(e.valid_up_to()).copied().unwrap_or(0),
        encoding: "UTF-8",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // "Förnamn;Efternamn\nÅsa;Öhman" as Windows-1252 writes it.
    const CP1252: &[u8] = b"F\xF6rnamn;Efternamn\n\xC5sa;\xD6hman";

    #[test]
    fn utf8_is_borrowed_and_loses_its_bom() {
        let text = decode("x", "\u{FEFF}Åsa".as_bytes(), None).unwrap();
        assert!(matches!(text, Cow::Borrowed("Åsa")));
    }

    #[test]
    fn undeclared_invalid_utf8_is_an_error_not_a_guess() {
        let err = decode("x", CP1252, None).unwrap_err();
        assert!(
            matches!(
                err,
                RecordsError::Encoding {
                    line: 1,
                    byte: 0xF6,
                    ..
                }
            ),
            "{err:?}"
        );
        // One cp1252 byte in a UTF-8 file, with or without BOM: the valid text is never
        // re-decoded.
        for bom in ["", "\u{FEFF}"] {
            let mut bytes = format!("{bom}Id;Namn\n1;Åsa\n2;").into_bytes();
            bytes.extend_from_slice(b"\xD6hman\n");
            let err = decode("x", &bytes, None).unwrap_err();
            assert!(
                matches!(err, RecordsError::Encoding { line: 3, .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains("line 3 (byte 0xD6)"), "{err}");
        }
    }

    #[test]
    fn explicit_encodings_win() {
        assert_eq!(
            decode("x", CP1252, Some(TextEncoding::Windows1252)).unwrap(),
            "Förnamn;Efternamn\nÅsa;Öhman"
        );
        assert_eq!(
            decode("x", b"\x80\xC5", Some(TextEncoding::Latin1)).unwrap(),
            "\u{80}Å"
        );
        // Valid UTF-8 read as Windows-1252 on request is mojibake, as asked.
        assert_eq!(
            decode("x", "Å".as_bytes(), Some(TextEncoding::Windows1252)).unwrap(),
            "Ã…"
        );
    }

    #[test]
    fn explicit_utf8_rejects_invalid_bytes_with_the_line() {
        let err = decode("people.csv", CP1252, Some(TextEncoding::Utf8)).unwrap_err();
        assert!(
            matches!(err, RecordsError::Encoding { line: 1, .. }),
            "{err:?}"
        );
        let err = decode("people.csv", b"a\nb\n\xFF", Some(TextEncoding::Utf8)).unwrap_err();
        assert!(
            matches!(err, RecordsError::Encoding { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn utf16_with_bom_is_detected() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Id\tNamn\n1\tÅsa".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        assert_eq!(decode("x", &bytes, None).unwrap(), "Id\tNamn\n1\tÅsa");
    }

    #[test]
    fn json_bytes_are_borrowed_unless_transcoded() {
        assert!(matches!(
            json_bytes("x", b"\xEF\xBB\xBF[]", None).unwrap(),
            Cow::Borrowed(b"[]")
        ));
        let owned = json_bytes("x", b"[\"\xD6\"]", Some(TextEncoding::Windows1252)).unwrap();
        assert_eq!(&*owned, "[\"Ö\"]".as_bytes());
    }
}
