//! What Winningtemp holds, chosen once for every command: a state file (`--state FILE`); else,
//! for the files target, the state of its last successful export (the file integration has
//! nothing to read back); else, for SCIM, the live directory, with the last finished run's
//! source size and fill rates from apply's journals (for `source >= N% of last_run` and the
//! field-drop guard).

use crate::check::Program;
use crate::env::Env;
use crate::model::CurrentState;
use crate::source::SourceFile;
use crate::state::{StateError, read_state};
use crate::winningtemp::files::{FilesConfig, FilesError};
use crate::winningtemp::scim::ClientOptions;
use crate::winningtemp::{Target, TargetError};
use std::path::{Path, PathBuf};

/// Where the current state is read.
pub struct StateInput<'a> {
    /// The mapping file's path (the files target's folder and the journals are beside it).
    pub mapping: &'a Path,
    /// The mapping's text (its identity binds the journals).
    pub file: &'a SourceFile,
    /// `--state FILE`.
    pub state_file: Option<&'a Path>,
    /// Where apply journals are kept; `None` is `.wtmap/journal` beside the mapping.
    pub journal_dir: Option<PathBuf>,
    /// The SCIM client's settings (time limits) for a live read.
    pub client: ClientOptions,
    /// Where `env("…")` settings are read.
    pub env: &'a dyn Env,
}

/// Why the current state could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CurrentStateError {
    /// The state file.
    #[error(transparent)]
    #[diagnostic(transparent)]
    File(#[from] StateError),
    /// The files target's last export.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Files(#[from] FilesError),
    /// The SCIM target cannot be set up (a missing token, a bad URL).
    #[error("{0}")]
    #[diagnostic(help(
        "or pass `--state FILE` (an empty `wtmap.state/v1` file plans from scratch)"
    ))]
    Setup(TargetError),
    /// The SCIM directory could not be read.
    #[error("reading the SCIM directory failed: {0}")]
    Read(TargetError),
}

/// What the mapping's target holds now (see the module's documentation for the choice).
pub fn current_state(
    program: &Program,
    input: &StateInput<'_>,
) -> Result<CurrentState, CurrentStateError> {
    if let Some(path) = input.state_file {
        return Ok(read_state(path)?);
    }
    match program.target.kind.as_str() {
        "winningtemp.files" => {
            let dir = input.mapping.parent().unwrap_or(Path::new("."));
            let files = FilesConfig::from_program(program, dir)?;
            Ok(crate::winningtemp::files::read_state(&files)?)
        }
        "winningtemp.scim" => read_scim_state(program, input),
        _ => Ok(CurrentState::empty()),
    }
}

/// What a SCIM target holds now, with the last finished run's source size from the journals.
fn read_scim_state(
    program: &Program,
    input: &StateInput<'_>,
) -> Result<CurrentState, CurrentStateError> {
    let Target::Scim(scim) = Target::from_program(program, input.env, input.client.clone())
        .map_err(CurrentStateError::Setup)?;
    let runtime = crate::winningtemp::io_runtime().map_err(|e| {
        CurrentStateError::Read(TargetError::Remote(format!(
            "cannot start the async runtime: {e}"
        )))
    })?;
    let mut state = runtime
        .block_on(scim.read())
        .map_err(CurrentStateError::Read)?
        .0;
    let dir = input
        .journal_dir
        .clone()
        .unwrap_or_else(|| crate::apply::journal::default_journal_dir(input.mapping));
    let identity =
        crate::winningtemp::mapping_identity(input.mapping, input.file, program, input.env);
    let last = crate::apply::journal::last_run(&dir, &input.file.name, &identity);
    state.last_run_source_records = last.as_ref().map(|l| l.source_records);
    state.last_run_fill_rates = last.and_then(|l| l.fill_rates);
    Ok(state)
}
