//! `wtmap check PATH…`: parse, type-check and lint mappings.

use super::ColorChoice;
use super::exit;
use super::files::{FileError, discover, read_source};
use super::verbosity::info;
use crate::check::check_source;
use crate::diagnostics::render::{self, HumanStyle};
use crate::diagnostics::{Code, Severity};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Mapping files or folders (searched recursively for *.wtmap); none checks the current
    /// folder, as `cargo check` and `ruff check` do.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print the explanation of a diagnostic code (e.g. E0101) and exit.
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,
}

/// Diagnostic output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Annotated source for people.
    Human,
    /// `wtmap.diagnostics/v1` JSON (docs/diagnostics.md).
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Runs `check`.
pub fn run(args: CheckArgs, color: ColorChoice) -> u8 {
    if let Some(code) = &args.explain {
        return explain(code);
    }
    match check_paths(&args, color) {
        Ok(code) => code,
        Err(FileError(message)) => {
            eprintln!("error: {message}");
            exit::USAGE
        }
    }
}

fn explain(code: &str) -> u8 {
    let wanted = code.trim().to_uppercase();
    match Code::ALL.iter().find(|c| c.as_str() == wanted) {
        Some(c) => {
            println!(
                "{} ({}): {}\n",
                c.as_str(),
                if c.severity() == Severity::Error {
                    "error"
                } else {
                    "warning"
                },
                c.title()
            );
            println!("Example ({}):\n", c.example_path());
            print!("{}", c.example());
            exit::OK
        }
        None => {
            eprintln!(
                "error: `{code}` is not a wtmap diagnostic code; codes look like E0101 or W0115"
            );
            exit::USAGE
        }
    }
}

fn check_paths(args: &CheckArgs, color: ColorChoice) -> Result<u8, FileError> {
    let current_folder = [PathBuf::from(".")];
    let roots = if args.paths.is_empty() {
        &current_folder[..]
    } else {
        &args.paths[..]
    };
    let paths = discover(roots)?;
    let mut sources = Vec::new();
    for path in &paths {
        sources.push(read_source(path)?);
    }
    let (mut errors, mut warnings) = (0usize, 0usize);
    let mut json_items = Vec::new();
    let style = HumanStyle {
        color: color.stderr(),
        width: 100,
    };
    let allowed = crate::env::allow_list(&crate::env::ProcessEnv);
    for (file, path) in sources.iter().zip(&paths) {
        let (program, mut diags) = check_source(file);
        // A mapping with a secret scope beside it (as `serve` runs it) may read only that.
        if let Some(program) = &program {
            match crate::env::SecretScope::of_mapping(path) {
                Ok(Some(scope)) => {
                    let dir = path.parent().unwrap_or(std::path::Path::new("."));
                    let stem = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let owners = |var: &str| crate::env::SecretScope::owners(dir, var, &stem);
                    let scoped =
                        crate::check::scope::check_scope(program, file, &scope, &allowed, &owners);
                    diags.0.extend(scoped.0);
                }
                Ok(None) => {}
                Err(message) => return Err(FileError(message)),
            }
        }
        errors += diags.error_count();
        warnings += diags.warning_count();
        for d in diags.iter() {
            match args.format {
                Format::Human => eprint!("{}", render::human(d, file, style)),
                Format::Github => println!("{}", render::github(d, file)),
                Format::Json => json_items.push(render::json(d, file)),
            }
        }
    }
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "format": "wtmap.diagnostics/v1",
                "files": sources.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": json_items,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Human => info!(
            "checked {} file{}: {errors} error{}, {warnings} warning{}",
            sources.len(),
            plural(sources.len()),
            plural(errors),
            plural(warnings)
        ),
        Format::Github => {}
    }
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FAILED
    } else {
        exit::OK
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
