//! `wtmap state MAPPING [--out FILE]`: reads what the mapping's target holds now and prints it
//! (or saves it) as `wtmap.state/v1`.

use super::load::load_program;
use super::verbosity::info;
use super::{ColorChoice, exit};
use crate::state::{state_to_json, write_state};
use clap::Args;
use std::path::PathBuf;

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

/// The SCIM client's runtime ([`crate::winningtemp::io_runtime`]), or the exit code.
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    crate::winningtemp::io_runtime().map_err(|e| {
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
    let input = super::plan::state_input(
        &args.mapping,
        &file,
        None,
        args.journal_dir.clone(),
        args.timeout,
    );
    let state = match crate::sync::current_state(&program, &input) {
        Ok(state) => state,
        Err(e) => return super::plan::state_failed(&e),
    };
    match &args.out {
        Some(path) => {
            if let Err(e) = write_state(path, &state) {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
            info!(
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
