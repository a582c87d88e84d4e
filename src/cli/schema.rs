//! `wtmap schema KIND`: the fields and settings a source kind (or target) offers.

use super::exit;
use crate::connectors::{source_kind, source_kinds};
use crate::schema::settings::{SettingDef, SettingType};
use crate::schema::sources::FieldDef;
use crate::schema::target::{attributes, target_kind};
use clap::Args;
use std::fmt::Write as _;

/// Arguments of `schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// A source kind (`flex`, `personio`, `worknice`, `csv`, …), a target (`winningtemp.scim`,
    /// `winningtemp.files`), or `winningtemp` for the user attributes.
    pub kind: String,
}

/// Runs `schema`.
pub fn run(args: SchemaArgs) -> u8 {
    match describe(&args.kind) {
        Some(text) => {
            print!("{text}");
            exit::OK
        }
        None => {
            let kinds: Vec<&str> = source_kinds().iter().map(|k| k.name).collect();
            eprintln!(
                "error: unknown kind `{}`; sources are {}, targets are winningtemp.scim and winningtemp.files, and `winningtemp` lists the user attributes",
                args.kind,
                kinds.join(", ")
            );
            exit::USAGE
        }
    }
}

/// The schema of a kind as text.
pub fn describe(kind: &str) -> Option<String> {
    let mut out = String::new();
    if kind == "winningtemp" {
        let _ = writeln!(out, "Winningtemp user attributes\n");
        for a in attributes() {
            let flags = match (a.mandatory, a.unique) {
                (true, true) => "mandatory, unique",
                (true, false) => "mandatory",
                (false, true) => "unique",
                (false, false) => "",
            };
            let _ = writeln!(
                out,
                "  {:<22} {:<10} {:<18} {}",
                a.name,
                a.ty.to_string(),
                flags,
                a.doc
            );
        }
        return Some(out);
    }
    if let Some(t) = target_kind(kind) {
        let _ = writeln!(out, "target {}\n\n{}\n\nSettings:", t.name, t.doc);
        settings(&mut out, t.settings, 1);
        return Some(out);
    }
    let k = source_kind(kind)?;
    let _ = writeln!(out, "source {}\n\n{}\n", k.name, k.doc);
    if k.fields.is_empty() {
        out.push_str("Fields: none built in; declare every column in `fields { … }`.\n");
    } else {
        out.push_str("Fields:\n");
        field_rows(&mut out, &k.fields);
    }
    unit_fields(&mut out, k.name);
    out.push_str("\nSettings:\n");
    settings(&mut out, k.settings, 1);
    Some(out)
}

fn settings(out: &mut String, defs: &[SettingDef], depth: usize) {
    let indent = "  ".repeat(depth);
    for s in defs {
        let mut flags = Vec::new();
        if s.required {
            flags.push("required".to_string());
        }
        if s.secret {
            flags.push("secret: env(\"…\")".to_string());
        }
        if let Some(d) = s.default {
            flags.push(format!("default {d}"));
        }
        let _ = writeln!(
            out,
            "{indent}{:<18} {:<22} {} {}",
            s.key,
            s.ty.describe(),
            s.doc,
            if flags.is_empty() {
                String::new()
            } else {
                format!("[{}]", flags.join(", "))
            }
        );
        if let SettingType::Block(inner) = s.ty {
            settings(out, inner, depth + 1);
        }
    }
}

/// The fields of the kind's org units (`units { … }`): built in, or declared.
fn unit_fields(out: &mut String, kind: &str) {
    let Some(units) = crate::connectors::unit_kind(kind) else {
        return;
    };
    if units.fields.is_empty() {
        out.push_str(
            "\nUnit fields: none built in; org units come from a file (`units = \"…\"` in the \
             source, or `--units FILE`), each column used declared in `unit fields { … }`.\n",
        );
        return;
    }
    out.push_str("\nUnit fields (org units, read by `units { … }`):\n");
    field_rows(out, &units.fields);
}

/// One line per field: path, type, description, and the values it takes when they are listed.
fn field_rows(out: &mut String, fields: &[FieldDef]) {
    for f in fields {
        let values = if f.values.is_empty() {
            String::new()
        } else {
            format!(" (values: {})", f.values.join(", "))
        };
        let _ = writeln!(
            out,
            "  {:<48} {:<10} {}{values}",
            f.path,
            f.ty.to_string(),
            f.doc
        );
    }
}
