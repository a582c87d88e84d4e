//! Loading a mapping for commands that run it: read, check, and on problems print the
//! diagnostics and return the exit code.

use super::exit;
use super::files::read_source;
use crate::check::{Program, check_source};
use crate::diagnostics::render::{self, HumanStyle};
use crate::source::SourceFile;
use std::path::Path;

/// A mapping that checked without errors (warnings are printed).
pub fn load_program(path: &Path, color: bool) -> Result<(SourceFile, Program), u8> {
    let file = read_source(path).map_err(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })?;
    let (program, diags) = check_source(&file);
    print_diagnostics(&diags, &file, color);
    match program {
        Some(p) => Ok((file, p)),
        None => {
            eprintln!(
                "error: `{}` has {} error(s); run `wtmap check` for details",
                file.name,
                diags.error_count()
            );
            Err(exit::FAILED)
        }
    }
}

/// Parses `--today YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Prints diagnostics for people on stderr, 100 columns wide.
pub fn print_diagnostics(diags: &crate::diagnostics::Diagnostics, file: &SourceFile, color: bool) {
    let style = HumanStyle { color, width: 100 };
    for d in diags.iter() {
        eprint!("{}", render::human(d, file, style));
    }
}
