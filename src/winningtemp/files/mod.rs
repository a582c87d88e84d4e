//! The `winningtemp.files` target: Winningtemp's file integration (docs/files-target.md).
//!
//! The file integration takes full snapshots, so exporting is writing out the state the plan
//! leads to (`plan::apply_to_state(current, actions)`): `wt_users.csv`, `wt_groups.csv` (with
//! parents: this route carries the hierarchy), `wt_segments.csv`, `wt_memberships.csv` and
//! `wt_segment_connections.csv`. The state of the last successful export is kept beside the files
//! (`<dir>/.wtmap/state.json`) and is the current state the next plan starts from.
//!
//! An export is as close to all-or-nothing as files allow: every file is first written to a
//! temporary file and synced, and the new state to `state.json.pending`; then the files are
//! uploaded (when `sftp` is configured), then the temporary files are renamed over the old
//! ones, and then the pending state is renamed over `state.json`. A failure before the renames
//! leaves the previous files and state untouched ("nothing was delivered"). A failure between
//! two renames is [`FilesError::PartlyDelivered`], naming the files replaced and kept: the
//! state still records the previous export, so the next run writes every file again. A failure
//! of the last rename is [`FilesError::NotRecorded`]: the files are delivered, and the next
//! [`read_state`] takes the pending state when the files on disk are exactly what it renders
//! to (and says so), else the previous state; either way the next export converges.

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
    read_state_repaired(cfg).map(|(state, _)| state)
}

/// [`read_state`], and a note when the state was repaired: an export whose state could not be
/// recorded left `state.json.pending`, and the files on disk are exactly what it renders to,
/// so it is what was delivered. Nothing is written (`plan` reads through here): the next
/// export records its own state.
pub fn read_state_repaired(
    cfg: &FilesConfig,
) -> Result<(CurrentState, Option<String>), FilesError> {
    let pending = cfg.pending_state_path();
    if pending.is_file()
        && let Ok(state) = crate::state::read_state(&pending)
        && delivered(cfg, &state)
    {
        let note = format!(
            "the last export was delivered but its state not recorded; its pending state `{}` \
             matches the files and is taken as the last export",
            pending.display()
        );
        return Ok((state, Some(note)));
    }
    read_recorded_state(cfg).map(|s| (s, None))
}

/// Removes the pending state of an export that delivered nothing, and its folder when that
/// is left empty (a first export that failed leaves nothing behind).
fn discard_pending(pending: &Path) {
    let _ = std::fs::remove_file(pending);
    if let Some(parent) = pending.parent() {
        let _ = std::fs::remove_dir(parent);
    }
}

/// True when the files in the folder are exactly those `state` renders to.
fn delivered(cfg: &FilesConfig, state: &CurrentState) -> bool {
    let Ok((files, _)) = render(state, cfg) else {
        return false;
    };
    files.iter().all(|f| {
        std::fs::read(cfg.dir.join(f.kind.file_name())).is_ok_and(|on_disk| on_disk == f.bytes)
    })
}

fn read_recorded_state(cfg: &FilesConfig) -> Result<CurrentState, FilesError> {
    let path = cfg.state_path();
    match path.try_exists() {
        Ok(true) => Ok(crate::state::read_state(&path)?),
        Ok(false) => Ok(crate::model::CurrentState::empty()),
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
    let state_file = cfg.state_path();
    let pending = cfg.pending_state_path();
    if let Some(parent) = state_file.parent() {
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    }
    let mut temps = Vec::new();
    for f in &files {
        let target = cfg.dir.join(f.kind.file_name());
        // Private when new, the old file's mode when it exists; killed writes swept.
        let mut tmp = crate::atomic::temp_for(&target).map_err(write_err(&target))?;
        tmp.write_all(&f.bytes).map_err(write_err(&target))?;
        tmp.as_file().sync_all().map_err(write_err(&target))?;
        temps.push((tmp, target));
    }

    // The state to record, on disk before any file is replaced: should recording it fail
    // after the renames, the next read finds it and checks it against the files.
    crate::state::write_state(&pending, new_state)?;

    // Uploading before the local renames keeps the local files equal to what Winningtemp
    // last received when the upload fails.
    let uploaded_to = match upload {
        Some(u) => {
            let to = u.destination();
            if let Err(e) = u.run(&files) {
                discard_pending(&pending);
                return Err(e);
            }
            Some(to)
        }
        None => None,
    };

    let names: Vec<&'static str> = files.iter().map(|f| f.kind.file_name()).collect();
    for (i, (tmp, target)) in temps.into_iter().enumerate() {
        if let Err(e) = tmp.persist(&target) {
            let source = Box::new(write_err(&target)(e.error));
            if i == 0 {
                discard_pending(&pending);
                return Err(*source);
            }
            return Err(FilesError::PartlyDelivered {
                replaced: names[..i].to_vec(),
                kept: names[i..].to_vec(),
                source,
            });
        }
    }
    // Make the renames durable before the state claims them (not every platform can).
    if let Ok(d) = std::fs::File::open(&cfg.dir) {
        let _ = d.sync_all();
    }

    if let Err(e) = std::fs::rename(&pending, &state_file) {
        return Err(FilesError::NotRecorded {
            files: names,
            uploaded_to,
            pending: pending.display().to_string(),
            source: Box::new(write_err(&state_file)(e)),
        });
    }
    if let Some(parent) = state_file.parent()
        && let Ok(d) = std::fs::File::open(parent)
    {
        let _ = d.sync_all();
    }

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
