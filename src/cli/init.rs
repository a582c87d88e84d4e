//! `wtmap init --source KIND --records FILE`: a draft mapping from the customer's first export.
//!
//! Like `wtmap fmt -`, the draft goes to standard output unless `--out FILE` is given, so it
//! can be read before it is kept; `--out` never replaces an existing file without `--force`.
//! The draft is checked before it is shown: a draft that does not check clean is a bug, and
//! is reported instead of written.

use super::exit;
use super::files::write_atomic_with;
use super::profile::RecordsInput;
use crate::check::check_source;
use crate::profile::draft::{DraftInput, DraftTarget, draft};
use crate::profile::profile_records;
use crate::source::SourceFile;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub input: RecordsInput,
    /// Where the people go: the file integration (teams with parents) or SCIM (flat teams).
    #[arg(long, value_enum, default_value_t = InitTarget::Files)]
    pub target: InitTarget,
    /// Write the draft to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the `--out` file when it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

/// `--target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitTarget {
    /// `winningtemp.files`.
    Files,
    /// `winningtemp.scim`.
    Scim,
}

/// Runs `init`.
pub fn run(args: InitArgs, color: super::ColorChoice) -> u8 {
    if let Some(out) = &args.out
        && !args.force
        && out.exists()
    {
        eprintln!(
            "error: `{}` exists; `wtmap init` never replaces a file without `--force`",
            out.display()
        );
        return exit::USAGE;
    }
    let opts = match args.input.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let records = match crate::records::read_file(&args.input.records, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = miette::Diagnostic::help(&e) {
                eprintln!("help: {help}");
            }
            return exit::USAGE;
        }
    };
    let name = args.input.records.display().to_string();
    let profile = profile_records(&records, &args.input.source, &name);
    let file_kind = matches!(
        args.input.source.as_str(),
        "csv" | "json" | "ndjson" | "yaml"
    );
    let path = file_kind.then(|| relative_to_mapping(&args.input.records, args.out.as_deref()));
    let encoding = args.input.encoding.map(|e| match e {
        crate::records::TextEncoding::Utf8 => "utf-8",
        crate::records::TextEncoding::Windows1252 => "windows-1252",
        crate::records::TextEncoding::Latin1 => "latin-1",
    });
    let text = match draft(&DraftInput {
        profile: &profile,
        records: &records,
        target: match args.target {
            InitTarget::Files => DraftTarget::Files,
            InitTarget::Scim => DraftTarget::Scim,
        },
        path,
        delimiter: args.input.delimiter,
        encoding,
    }) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let label = args
        .out
        .as_ref()
        .map_or_else(|| "draft.wtmap".to_string(), |p| p.display().to_string());
    let file = SourceFile::new(label, text.as_str());
    let (program, diags) = check_source(&file);
    super::load::print_diagnostics(&diags, &file, color.stderr());
    if program.is_none() {
        eprintln!("error: the draft does not check clean; this is a bug in `wtmap init`");
        return exit::FAILED;
    }
    match &args.out {
        Some(out) => {
            if let Err(e) = write_atomic_with(out, |w: &mut dyn Write| w.write_all(text.as_bytes()))
            {
                eprintln!("error: {}", e.0);
                return exit::USAGE;
            }
            eprintln!(
                "draft written to {}; next: `wtmap plan {} --records {}`",
                out.display(),
                out.display(),
                args.input.records.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                eprintln!("error: cannot write the draft to standard output: {e}");
                return exit::USAGE;
            }
        }
    }
    exit::OK
}

/// The records file as a file source's `path` names it: relative to the mapping's folder (the
/// `--out` file's, else the current one), or absolute when no relative path leads there.
fn relative_to_mapping(records: &Path, out: Option<&Path>) -> String {
    let absolute = |p: &Path| std::path::absolute(p).ok().map(|p| normalise(&p));
    let base = out
        .and_then(|o| o.parent())
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."));
    let (Some(from), Some(to)) = (absolute(base), absolute(records)) else {
        return records.display().to_string();
    };
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    // Only the root in common: an absolute path says more than a climb to it.
    if from
        .iter()
        .take(common)
        .all(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return to.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to_parts[common..] {
        rel.push(c.as_os_str());
    }
    rel.to_string_lossy().replace('\\', "/")
}

/// A path without `.` and with `..` applied, without touching the file system.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_records_path_is_relative_to_the_mapping() {
        assert_eq!(
            relative_to_mapping(Path::new("data/x.csv"), Some(Path::new("m/acme.wtmap"))),
            "../data/x.csv"
        );
        assert_eq!(
            relative_to_mapping(Path::new("data/x.csv"), None),
            "data/x.csv"
        );
        assert_eq!(
            relative_to_mapping(Path::new("./x.csv"), Some(Path::new("acme.wtmap"))),
            "x.csv"
        );
    }
}
