//! `wtmap profile --source KIND --records FILE`: what an export holds, field by field.

use super::exit;
use crate::connectors::{shape, source_kinds};
use crate::profile::{Profile, profile_file, render};
use crate::records::{ReadOptions, TextEncoding};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// The records to profile: shared by `profile` and `init`.
#[derive(Debug, Args)]
pub struct RecordsInput {
    /// The source kind the records come from (`flex`, `personio`, `worknice`, `csv`, `json`,
    /// `ndjson`, `yaml`): it decides how an HR system's envelope is unwrapped.
    #[arg(long, value_name = "KIND")]
    pub source: String,
    /// The records file (as `plan --records` takes it).
    #[arg(long, value_name = "FILE")]
    pub records: PathBuf,
    /// The records' format when the file name does not say it: csv, json, ndjson or yaml.
    #[arg(long, value_name = "FORMAT", value_parser = super::plan::parse_records_format)]
    pub records_format: Option<crate::records::RecordFormat>,
    /// The text encoding of a CSV or YAML file that is not UTF-8: `windows-1252` or `latin-1`.
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<TextEncoding>,
    /// The CSV column separator (sniffed from the header when not given).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
}

fn parse_encoding(s: &str) -> Result<TextEncoding, String> {
    s.parse()
}

impl RecordsInput {
    /// How the file is read: the shape of the source kind, the rest as given or detected.
    pub fn options(&self) -> Result<ReadOptions, String> {
        let Some(shape) = shape(&self.source) else {
            let kinds: Vec<&str> = source_kinds().iter().map(|k| k.name).collect();
            return Err(format!(
                "unknown source kind `{}`; the kinds are {}",
                self.source,
                kinds.join(", ")
            ));
        };
        let delimiter = match self.delimiter {
            None => None,
            Some(c) if c.is_ascii() => Some(c as u8),
            Some(c) => {
                return Err(format!(
                    "the delimiter `{c}` is not a single-byte character"
                ));
            }
        };
        Ok(ReadOptions {
            format: self.records_format,
            delimiter,
            encoding: self.encoding,
            ..ReadOptions::new(shape, crate::connectors::shapes())
        })
    }

    /// Reads and profiles the records; on failure the error is printed and the exit code
    /// returned.
    pub fn profile(&self) -> Result<Profile, u8> {
        let opts = self.options().map_err(|e| {
            eprintln!("error: {e}");
            exit::USAGE
        })?;
        let profile = profile_file(&self.records, &opts, &self.source).map_err(|e| {
            eprintln!("error: {e}");
            if let Some(help) = miette::Diagnostic::help(&e) {
                eprintln!("help: {help}");
            }
            exit::USAGE
        })?;
        crate::timings::stage("records read and profiled");
        Ok(profile)
    }
}

/// Arguments of `profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub input: RecordsInput,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProfileFormat::Human)]
    pub format: ProfileFormat,
}

/// Profile output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    /// A table with values and hints under each field.
    Human,
    /// `wtmap.profile/v1` (docs/profile-init.md).
    Json,
    /// A table for a pull request or a wiki page.
    Markdown,
}

/// Runs `profile`.
pub fn run(args: ProfileArgs) -> u8 {
    let profile = match args.input.profile() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let text = match args.format {
        ProfileFormat::Human => render::human(&profile),
        ProfileFormat::Json => render::json(&profile),
        ProfileFormat::Markdown => render::markdown(&profile),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("error: cannot write the profile to standard output: {e}");
        return exit::USAGE;
    }
    crate::timings::stage("profile written");
    exit::OK
}
