//! `wtmap apply` for the file integration. The file integration takes full snapshots, so the
//! plan's effect on the last export becomes the new export: every `wt_*.csv` written
//! atomically, uploaded over SFTP when configured, and only then recorded as the state the
//! next plan starts from. It succeeds or fails as a whole.

use super::apply::{ApplyArgs, approved_plan, fail, finish};
use super::verbosity::info;
use super::{ColorChoice, exit};
use crate::apply::files::apply_files;
use crate::check::Program;
use crate::env::ProcessEnv;
use crate::source::SourceFile;
use crate::winningtemp::files::{self, FilesConfig};

/// Applies a plan by exporting the new snapshot.
pub fn run(
    args: &ApplyArgs,
    file: &SourceFile,
    program: &Program,
    color: ColorChoice,
) -> Result<u8, u8> {
    let dir = args.mapping.parent().unwrap_or(std::path::Path::new("."));
    let cfg = FilesConfig::from_program(program, dir).map_err(|e| fail(e, exit::USAGE))?;
    let (current, repaired) = files::read_state_repaired(&cfg).map_err(|e| fail(e, exit::USAGE))?;
    if let Some(note) = repaired {
        info!("note: {note}");
    }
    let plan = approved_plan(args, file, program, &current, color)?;
    let applied = apply_files(&cfg, &current, &plan, &file.name, &ProcessEnv);
    if let Ok(report) = &applied.export {
        for f in &report.files {
            info!(
                "wrote {} ({} rows)",
                report.dir.join(f.name).display(),
                f.rows
            );
        }
        if let Some(to) = &report.uploaded_to {
            info!("uploaded to {to}");
        }
    }
    let report = applied.report;
    finish(args, Ok(report))
}
