//! `wtmap fmt [--check] PATH…`: one canonical layout for mappings. `wtmap fmt -` formats
//! standard input to standard output, as editors and `rustfmt`/`ruff format -` do.

use super::files::{FileError, discover, read_source, write_atomic};
use super::verbosity::info;
use super::{ColorChoice, exit};
use crate::format::{FormatError, format_source, unified_diff};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Mapping files or folders (searched recursively for *.wtmap); `-` alone formats standard
    /// input to standard output.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Change nothing: print a diff of what would change and exit 1 if anything would.
    #[arg(long)]
    pub check: bool,
}

/// Runs `fmt`. Files with syntax errors are reported and left untouched; a file is only
/// written when its formatted text re-parses to the same mapping with the same comments.
pub fn run(args: FmtArgs, color: ColorChoice) -> u8 {
    if args.paths.len() == 1 && args.paths[0].as_os_str() == "-" {
        return format_stdin(args.check, color);
    }
    let paths = match discover(&args.paths) {
        Ok(p) => p,
        Err(FileError(message)) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let (mut changed, mut failed) = (0usize, 0usize);
    for path in &paths {
        let file = match read_source(path) {
            Ok(f) => f,
            Err(FileError(message)) => {
                eprintln!("error: {message}");
                return exit::USAGE;
            }
        };
        let formatted = match format_source(&file) {
            Ok(text) => text,
            Err(FormatError::Syntax(diags)) => {
                super::load::print_diagnostics(&diags, &file, color.stderr());
                eprintln!(
                    "error: `{}` was not formatted because it does not parse",
                    file.name
                );
                failed += 1;
                continue;
            }
            Err(FormatError::Unsound { detail }) => {
                eprintln!(
                    "error: `{}` was not formatted: the formatter would change its meaning ({detail}); please report this",
                    file.name
                );
                failed += 1;
                continue;
            }
        };
        if formatted == *file.text {
            continue;
        }
        changed += 1;
        if args.check {
            print!("{}", unified_diff(&file.name, &file.text, &formatted));
        } else if let Err(FileError(message)) = write_atomic(path, formatted.as_bytes()) {
            eprintln!("error: {message}");
            return exit::USAGE;
        } else {
            info!("formatted {}", file.name);
        }
    }
    if failed > 0 || (args.check && changed > 0) {
        if args.check && changed > 0 {
            eprintln!(
                "{changed} file{} would be reformatted",
                if changed == 1 { "" } else { "s" }
            );
        }
        exit::FAILED
    } else {
        exit::OK
    }
}

/// `fmt -`: standard input to standard output. Text that does not parse is reported and nothing
/// is printed, so an editor piping through `wtmap fmt -` never replaces a buffer with half of it.
fn format_stdin(check: bool, color: ColorChoice) -> u8 {
    use std::io::{Read, Write};
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read standard input as UTF-8 text: {e}");
        return exit::USAGE;
    }
    let file = crate::source::SourceFile::new("<stdin>", text);
    let formatted = match format_source(&file) {
        Ok(text) => text,
        Err(FormatError::Syntax(diags)) => {
            super::load::print_diagnostics(&diags, &file, color.stderr());
            eprintln!("error: standard input was not formatted because it does not parse");
            return exit::FAILED;
        }
        Err(FormatError::Unsound { detail }) => {
            eprintln!(
                "error: standard input was not formatted: the formatter would change its meaning ({detail}); please report this"
            );
            return exit::FAILED;
        }
    };
    if check {
        if formatted == *file.text {
            return exit::OK;
        }
        print!("{}", unified_diff(&file.name, &file.text, &formatted));
        return exit::FAILED;
    }
    match std::io::stdout().write_all(formatted.as_bytes()) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: cannot write standard output: {e}");
            exit::USAGE
        }
    }
}
