//! The pieces of serde_json's pretty layout (`PrettyFormatter`, two spaces a level) that the
//! plan writer in json_pretty.rs is built of: keys, separators and closing brackets copied
//! in one or two pieces each, numbers, and strings escaped as serde_json escapes them, but
//! scanned eight bytes at a time.

use std::io;

/// A newline and the indentation of the deepest level a plan has (a change's `because`,
/// six levels), two spaces a level as serde_json's `PrettyFormatter`; one more level to spare.
const NEWLINE_INDENT: &[u8; 15] = b"\n              ";

/// A list, the value of a key at `depth`: `[]` when empty, else one element a line.
pub(super) fn array<T, F>(
    out: &mut Vec<u8>,
    depth: usize,
    items: &[T],
    spill: &mut F,
    mut element: impl FnMut(&mut Vec<u8>, &T),
) -> io::Result<()>
where
    F: FnMut(&mut Vec<u8>) -> io::Result<()>,
{
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        separator(out, depth + 1, i == 0);
        element(out, item);
        spill(out)?;
    }
    close_unless_empty(out, depth, items.is_empty(), b']');
    Ok(())
}

/// `, "name": "value"` at `depth`.
#[inline(always)]
pub(super) fn text_field(out: &mut Vec<u8>, depth: usize, name: &str, value: &str) {
    key(out, depth, false, name);
    string(out, value);
}

/// `, "name": "value"` or `, "name": null` at `depth`.
#[inline(always)]
pub(super) fn optional_field(out: &mut Vec<u8>, depth: usize, name: &str, value: Option<&str>) {
    key(out, depth, false, name);
    match value {
        Some(value) => string(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

/// `,` unless first, then a new line indented to `depth`.
#[inline(always)]
pub(super) fn separator(out: &mut Vec<u8>, depth: usize, first: bool) {
    if !first {
        out.push(b',');
    }
    out.extend_from_slice(indent(depth));
}

/// An object key at `depth` that needs no escaping (the field names of the format). This and
/// the other small pieces are always inlined: with the depth and name known at the call, the
/// copies become fixed-size moves instead of `memcpy` calls, a third of the writer's cost.
#[inline(always)]
pub(super) fn key(out: &mut Vec<u8>, depth: usize, first: bool, name: &str) {
    separator(out, depth, first);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// Closes an object or list that has members, its bracket at `depth`.
#[inline(always)]
pub(super) fn close(out: &mut Vec<u8>, depth: usize, bracket: u8) {
    out.extend_from_slice(indent(depth));
    out.push(bracket);
}

/// Closes an object or list: right after the opening bracket when it is empty (`{}`, `[]`).
#[inline(always)]
pub(super) fn close_unless_empty(out: &mut Vec<u8>, depth: usize, empty: bool, bracket: u8) {
    if empty {
        out.push(bracket);
    } else {
        close(out, depth, bracket);
    }
}

#[inline(always)]
fn indent(depth: usize) -> &'static [u8] {
    // Plans never nest deeper than NEWLINE_INDENT reaches; were one to, it would be indented
    // too little rather than fail.
    NEWLINE_INDENT
        .get(..1 + 2 * depth)
        .unwrap_or(NEWLINE_INDENT.as_slice())
}

#[inline(always)]
pub(super) fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// Decimal digits, as serde_json writes an unsigned integer.
pub(super) fn number(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// As serde_json writes an `f64` (shortest round-trip form, `null` when not finite).
pub(super) fn float(out: &mut Vec<u8>, value: f64) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &value);
}

/// One of the format's own names (an action tag, a status, a role) as a JSON string: plain
/// ASCII words, so there is nothing to look for to escape.
#[inline(always)]
pub(super) fn tag(out: &mut Vec<u8>, name: &'static str) {
    debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// A JSON string as serde_json escapes it: `"`, `\` and control characters only; everything
/// else, non-ASCII included, as it is.
pub(super) fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut from = 0;
    while let Some(at) = next_to_escape(bytes, from) {
        out.extend_from_slice(bytes.get(from..at).unwrap_or_default());
        let byte = bytes.get(at).copied().unwrap_or_default();
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        from = at + 1;
    }
    out.extend_from_slice(bytes.get(from..).unwrap_or_default());
    out.push(b'"');
}

/// The first byte at or after `from` that needs escaping, if any.
fn next_to_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let len = bytes.len();
    let mut i = from;
    // Eight bytes at a time while none needs escaping, the common case by far.
    while let Some(word) = word_at(bytes, i) {
        if needs_escape(word) {
            return first_to_escape(bytes, i);
        }
        i += 8;
    }
    if i >= len {
        return None;
    }
    // The last few bytes: as the last eight (overlapping bytes already found clean), or, in
    // a string shorter than that, padded with spaces, which need no escaping.
    let last = match len.checked_sub(8).filter(|&start| start >= from) {
        Some(start) => word_at(bytes, start)?,
        None => {
            let mut padded = [b' '; 8];
            for (slot, &byte) in padded.iter_mut().zip(bytes.get(i..)?) {
                *slot = byte;
            }
            u64::from_le_bytes(padded)
        }
    };
    if needs_escape(last) {
        first_to_escape(bytes, i)
    } else {
        None
    }
}

/// The eight bytes at `at`, if there are eight.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let word = <[u8; 8]>::try_from(bytes.get(at..at + 8)?).ok()?;
    Some(u64::from_le_bytes(word))
}

/// Byte by byte, once a word is known to hold a byte to escape.
fn first_to_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    rest.iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|at| from + at)
}

/// Whether any byte of `word` is a control character, `"` or `\`. The classic "has a zero
/// byte" test (`(x - 0x01…) & !x & 0x80…`): exact in whether some byte matches, which is all
/// that is needed here.
pub(super) fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let quote = has_zero(word ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
    control | quote | backslash != 0
}
