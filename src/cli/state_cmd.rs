//! `wtmap state MAPPING [--out FILE]`: reads what the mapping's target holds now and prints it
//! (or saves it) as `wtmap.state/v1`.

use super::load::load_program;
use super::{ColorChoice, exit};
use crate::state::{state_to_json, write_state};
use crate::target::scim::ClientOptions;
use crate::target::{ProcessEnv, Target};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `state`.
#[derive(Debug, Args)]
pub struct StateArgs {
    /// The mapping whose target is read.
    pub mapping: PathBuf,
    /// Write the state to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where apply journals are kept (they remember the last run's source size).
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Seconds before one request is given up (it is retried).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
}

/// The default journal folder: `.wtmap/journal` beside the mapping.
pub fn default_journal_dir(mapping: &Path) -> PathBuf {
    mapping
        .parent()
        .unwrap_or(Path::new("."))
        .join(".wtmap")
        .join("journal")
}

/// A multi-threaded runtime for the HTTP client; two workers are plenty for I/O.
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::USAGE
        })
}

/// Runs `state`.
pub fn run(args: StateArgs, color: ColorChoice) -> u8 {
    let (file, program) = match load_program(&args.mapping, color.stderr()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let state = if program.target.kind == "winningtemp.files" {
        // The file integration cannot be read back: its state is the last successful export.
        let dir = args.mapping.parent().unwrap_or(std::path::Path::new("."));
        let read = crate::target::files::FilesConfig::from_program(&program, dir)
            .and_then(|cfg| crate::target::files::read_state(&cfg));
        match read {
            Ok(state) => state,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    } else {
        match read_scim_state(
            &args.mapping,
            args.journal_dir.clone(),
            args.timeout,
            &file,
            &program,
        ) {
            Ok(state) => state,
            Err(code) => return code,
        }
    };
    match &args.out {
        Some(path) => {
            if let Err(e) = write_state(path, &state) {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
            eprintln!(
                "state written to {} ({} users, {} teams, {} memberships)",
                path.display(),
                state.users.len(),
                state.teams.len(),
                state.memberships.len()
            );
        }
        None => print!("{}", state_to_json(&state)),
    }
    exit::OK
}

/// What a SCIM target holds now, with the last finished run's source size from the journals
/// (for `source >= N% of last_run`). Errors are printed; the exit code is returned.
pub fn read_scim_state(
    mapping: &Path,
    journal_dir: Option<PathBuf>,
    timeout_secs: f64,
    file: &crate::source::SourceFile,
    program: &crate::check::Program,
) -> Result<crate::model::CurrentState, u8> {
    let options = ClientOptions {
        timeout: super::apply::seconds(timeout_secs),
        ..ClientOptions::default()
    };
    let Target::Scim(scim) = Target::from_program(program, &ProcessEnv, options).map_err(|e| {
        eprintln!("error: {e}");
        eprintln!(
            "help: or pass `--state FILE` (an empty `wtmap.state/v1` file plans from scratch)"
        );
        exit::USAGE
    })?;
    let rt = runtime()?;
    let mut state = rt
        .block_on(scim.read())
        .map_err(|e| {
            eprintln!("error: reading the SCIM directory failed: {e}");
            exit::FAILED
        })?
        .0;
    let dir = journal_dir.unwrap_or_else(|| default_journal_dir(mapping));
    let identity = crate::target::mapping_identity(mapping, file, program, &ProcessEnv);
    let last = crate::apply::journal::last_run(&dir, &file.name, &identity);
    state.last_run_source_records = last.as_ref().map(|l| l.source_records);
    state.last_run_fill_rates = last.and_then(|l| l.fill_rates);
    Ok(state)
}
