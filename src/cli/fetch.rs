//! `wtmap fetch MAPPING [--out FILE]`: read the mapping's live HR source and save it in the
//! shape `--records FILE` accepts, so a mapping can be iterated on offline. Also the live
//! fetch behind `plan` (and `explain`) when no records file is given.

use super::files::write_atomic;
use super::load::load_program;
use super::{ColorChoice, exit};
use crate::check::Program;
use crate::connectors::{
    BarProgress, ConnectorConfig, HttpPolicy, NoProgress, ProcessEnv, Progress, Snapshot,
    connector, fetch_blocking,
};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The mapping whose source to read.
    pub mapping: PathBuf,
    /// Write the records to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Read from this base URL instead of the mapping's (a local emulator, a proxy).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
}

/// Runs `fetch`.
pub fn run(args: FetchArgs, color: ColorChoice) -> u8 {
    let (_, program) = match load_program(&args.mapping, color.stderr()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let snapshot = match live(&program, args.source_url.as_deref()) {
        Ok(s) => s,
        Err(code) => {
            eprintln!("nothing was saved");
            return code;
        }
    };
    match &args.out {
        Some(path) => {
            if let Err(e) = write_atomic(path, snapshot.text.as_bytes()) {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
            eprintln!(
                "{} records from {} written to {}; plan from them with `--records {}`",
                snapshot.records.len(),
                snapshot.system,
                path.display(),
                path.display()
            );
        }
        None => print!("{}", snapshot.text),
    }
    exit::OK
}

/// Fetches the mapping's live source, with a progress bar on a terminal. Errors, warnings and
/// notes go to stderr; on failure the exit code is returned and nothing was fetched.
pub fn live(program: &Program, source_url: Option<&str>) -> Result<Snapshot, u8> {
    let kind = program.source.kind.as_str();
    if connector(kind).is_none() {
        eprintln!(
            "error: `source {kind}` reads a file, not a live system; give its `path` or `--records FILE`"
        );
        return Err(exit::USAGE);
    }
    let mut cfg = ConnectorConfig::of(program);
    cfg.base_url = source_url.map(str::to_owned);
    let bar = BarProgress::stderr();
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &NoProgress,
    };
    match fetch_blocking(&cfg, &ProcessEnv, progress, HttpPolicy::default()) {
        Ok(snapshot) => {
            for w in &snapshot.warnings {
                eprintln!("warning: {}: {w}", snapshot.system);
            }
            if snapshot.duplicates > 0 {
                eprintln!(
                    "note: {}: {} record(s) came twice (on two pages, or in two companies) and were read once",
                    snapshot.system, snapshot.duplicates
                );
            }
            Ok(snapshot)
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = miette::Diagnostic::help(&e) {
                eprintln!("help: {help}");
            }
            Err(exit::USAGE)
        }
    }
}

/// The org units of a mapping's live source (Personio), all or nothing; errors are reported.
pub fn live_units(program: &Program, source_url: Option<&str>) -> Result<Snapshot, u8> {
    let mut cfg = ConnectorConfig::of(program);
    cfg.base_url = source_url.map(str::to_owned);
    match crate::connectors::fetch_units_blocking(
        &cfg,
        &ProcessEnv,
        &NoProgress,
        HttpPolicy::default(),
    ) {
        Ok(snapshot) => Ok(snapshot),
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = miette::Diagnostic::help(&e) {
                eprintln!("help: {help}");
            }
            Err(exit::USAGE)
        }
    }
}
