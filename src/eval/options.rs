//! How a mapping's records are read: the shape follows the source kind, and a `csv` source's
//! `delimiter` / `encoding` settings and declared columns apply. Records and org units are
//! read with the same options.

use crate::check::Program;
use crate::check::program::ConfigValue;
use crate::records::{PLAIN, ReadOptions, TextEncoding};

/// How the records file of a mapping is read: the shape follows the source kind, and a
/// `csv` source's `delimiter` / `encoding` settings apply.
pub fn read_options(program: &Program) -> ReadOptions {
    let shape = crate::connectors::shape(&program.source.kind).unwrap_or(&PLAIN);
    let text = |key: &str| match program.source.get(key) {
        Some(ConfigValue::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let delimiter = text("delimiter").and_then(|d| match d.as_str() {
        "\\t" | "tab" => Some(b'\t'),
        other => other.bytes().next(),
    });
    let encoding =
        text("encoding").and_then(|e| match e.to_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(TextEncoding::Utf8),
            "windows-1252" | "cp1252" => Some(TextEncoding::Windows1252),
            "latin-1" | "latin1" | "iso-8859-1" => Some(TextEncoding::Latin1),
            _ => None,
        });
    // A csv source's declared fields are its columns; each must be in the header.
    let columns = match program.source.kind.as_str() {
        "csv" => program
            .fields
            .iter()
            .filter(|f| f.path.len() == 1)
            .map(|f| f.path[0].clone())
            .collect(),
        _ => Vec::new(),
    };
    ReadOptions {
        delimiter,
        encoding,
        columns,
        ..ReadOptions::new(shape, crate::connectors::shapes())
    }
}
