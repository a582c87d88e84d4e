//! The `winningtemp.files` target: Winningtemp's file integration (docs/files-target.md).
//!
//! The file integration takes full snapshots, so exporting is writing out the state the plan
//! leads to (`plan::apply_to_state(current, actions)`): `wt_users.csv`, `wt_groups.csv` (with
//! parents: this route carries the hierarchy), `wt_segments.csv`, `wt_memberships.csv` and
//! `wt_segment_connections.csv`. The state of the last successful export is kept beside the files
//! (`<dir>/.wtmap/state.json`) and is the current state the next plan starts from.
//!
//! An export is as close to all-or-nothing as files allow: every file is first written to a
//! temporary file and synced, then uploaded (when `sftp` is configured), then the temporary
//! files are renamed over the old ones, and only then is the new state recorded. A failure
//! before the renames leaves the previous files and state untouched; a failure after them leaves
//! the previous state, so the next run plans the same changes again and converges.

mod columns;
mod config;
mod error;
mod host_key;
mod render;
mod sftp;

pub use columns::{ALWAYS_WRITTEN, COLUMNS, ColumnDef, ColumnNames, FileKind};
pub use config::{
    Env, FilesConfig, HostKeyCheck, ProcessEnv, SftpConfig, TextSetting, from_endpoint,
};
pub use error::FilesError;
pub use render::{Omitted, RenderedFile, render};

use crate::model::CurrentState;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One file an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    /// File name (`wt_users.csv`).
    pub name: &'static str,
    /// Data rows.
    pub rows: usize,
    /// Size in bytes.
    pub bytes: usize,
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// The folder written to.
    pub dir: PathBuf,
    /// The files, in [`FileKind::ALL`] order.
    pub files: Vec<ExportedFile>,
    /// `user@host:port:path` when the files were uploaded.
    pub uploaded_to: Option<String>,
    /// Users, teams and segments left out for lack of an external ID.
    pub omitted: Omitted,
    /// Where the exported state was recorded.
    pub state_file: PathBuf,
}

/// The state of the last successful export, or an empty Winningtemp on the first run.
pub fn read_state(cfg: &FilesConfig) -> Result<CurrentState, FilesError> {
    let path = cfg.state_path();
    match path.try_exists() {
        Ok(true) => Ok(crate::state::read_state(&path)?),
        Ok(false) => Ok(crate::pipeline::empty_state()),
        Err(source) => Err(FilesError::Write {
            file: path.display().to_string(),
            source,
        }),
    }
}

/// Writes `new_state` as the file set, uploads it when `sftp` is configured, and records it as
/// the last successful export (see the module docs for the order and what a failure leaves).
pub fn export(
    cfg: &FilesConfig,
    new_state: &CurrentState,
    env: &dyn Env,
) -> Result<ExportReport, FilesError> {
    crate::state::validate_state(new_state, "the state to export")?;
    let (files, omitted) = render(new_state, cfg)?;
    // Configuration and secrets are checked before anything is written.
    let upload = match &cfg.sftp {
        Some(s) => Some(sftp::Upload::prepare(s, env)?),
        None => None,
    };

    let write_err = |file: &Path| {
        let file = file.display().to_string();
        move |source| FilesError::Write { file, source }
    };
    std::fs::create_dir_all(&cfg.dir).map_err(write_err(&cfg.dir))?;
    let mut temps = Vec::new();
    for f in &files {
        let target = cfg.dir.join(f.kind.file_name());
        // Private when new, the old file's mode when it exists; killed writes swept.
        let mut tmp = crate::atomic::temp_for(&target).map_err(write_err(&target))?;
        tmp.write_all(&f.bytes).map_err(write_err(&target))?;
        tmp.as_file().sync_all().map_err(write_err(&target))?;
        temps.push((tmp, target));
    }

    // Uploading before the local renames keeps the local files equal to what Winningtemp
    // last received when the upload fails.
    let uploaded_to = match upload {
        Some(u) => {
            let to = u.destination();
            u.run(&files)?;
            Some(to)
        }
        None => None,
    };

    for (tmp, target) in temps {
        tmp.persist(&target)
            .map_err(|e| write_err(&target)(e.error))?;
    }
    // Make the renames durable before the state claims them (not every platform can).
    if let Ok(d) = std::fs::File::open(&cfg.dir) {
        let _ = d.sync_all();
    }

    let state_file = cfg.state_path();
    if let Some(parent) = state_file.parent() {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    crate::state::write_state(&state_file, new_state)?;

    Ok(ExportReport {
        dir: cfg.dir.clone(),
        files: files
            .iter()
            .map(|f| ExportedFile {
                name: f.kind.file_name(),
                rows: f.rows,
                bytes: f.bytes.len(),
            })
            .collect(),
        uploaded_to,
        omitted,
        state_file,
    })
}
