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
    let options = ClientOptions {
        timeout: super::apply::seconds(args.timeout),
        ..ClientOptions::default()
    };
    let target = match Target::from_program(&program, &ProcessEnv, options) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // EXTENSION POINT (files): `Target::Files(f) => files::read_state(…)`.
    let Target::Scim(scim) = &target;
    let mut state = match rt.block_on(scim.read()) {
        Ok((state, _)) => state,
        Err(e) => {
            eprintln!("error: reading the SCIM directory failed: {e}");
            return exit::FAILED;
        }
    };
    let dir = args
        .journal_dir
        .clone()
        .unwrap_or_else(|| default_journal_dir(&args.mapping));
    state.last_run_source_records =
        crate::apply::journal::last_run_source_records(&dir, &file.name);
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
