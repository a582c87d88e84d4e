//! The org units of a run, from the file that holds them: `--units FILE`, else the source's
//! `units = "…"` setting.

use super::{UnitTree, UnitsError};
use crate::check::Program;
use crate::model::DesiredState;
use crate::records::{RecordFormat, RecordsError};
use std::path::Path;

/// Why a run's units could not be had: nothing is planned.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    /// The mapping reads units, and no file holds them.
    #[error(
        "the mapping builds its teams from org units (`units {{ … }}`), but no unit file is given"
    )]
    #[diagnostic(help(
        "pass `--units FILE`, or name the file in the source: `units = \"org_units.csv\"`"
    ))]
    NoFile,
    /// The unit file could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(#[from] RecordsError),
    /// The units do not form a tree.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Tree(#[from] UnitsError),
}

/// The unit file of a run: `given` (`--units`), else the source's `units` setting.
pub fn units_file(
    program: &Program,
    mapping: &Path,
    given: Option<&Path>,
) -> Option<std::path::PathBuf> {
    given
        .map(Path::to_path_buf)
        .or_else(|| super::source_file(program, mapping))
}

/// Reads and validates the units of a mapping that has `units { … }`, and places them into
/// `desired`; returns the tree (for `explain`). A mapping without units gets an empty tree
/// and an unchanged state.
pub fn load_and_place(
    program: &Program,
    mapping: &Path,
    given: Option<&Path>,
    format: Option<RecordFormat>,
    today: chrono::NaiveDate,
    desired: &mut DesiredState,
) -> Result<UnitTree, LoadError> {
    if program.units.is_none() {
        return Ok(UnitTree::default());
    }
    let path = units_file(program, mapping, given).ok_or(LoadError::NoFile)?;
    let records = super::read_file(program, &path, format)?;
    Ok(place_records(program, &records, today, desired)?)
}

/// Validates unit records (from a file, or fetched live) and places them into `desired`.
pub fn place_records(
    program: &Program,
    records: &[crate::records::Record],
    today: chrono::NaiveDate,
    desired: &mut DesiredState,
) -> Result<UnitTree, UnitsError> {
    let tree = super::tree(program, records, &crate::builtins::Context { today })?;
    super::place(program, &tree, desired);
    Ok(tree)
}
