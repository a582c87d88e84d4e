//! The org units of a mapping with `units { … }`, placed into the desired state before the
//! diff: from `--units FILE` or the source's `units` file, else, for a source whose API has
//! them (Personio's v2 org units), fetched live. A tree that cannot be built (a cycle) stops
//! the sync before anything is planned. `plan`, `explain`, `apply` and `run` all place units
//! here.

use super::FetchOptions;
use crate::check::Program;
use crate::connectors::{ConnectorError, fetch_units_blocking};
use crate::model::DesiredState;
use crate::units::{LoadError, UnitTree, UnitsError};
use chrono::NaiveDate;
use std::path::Path;

/// Why the units could not be placed. Nothing may be planned.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlaceUnitsError {
    /// The units file could not be read, or its units do not form a tree.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    /// The live units do not form a tree.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Units(#[from] UnitsError),
    /// The live units could not be fetched.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Fetch(#[from] ConnectorError),
}

/// Where a mapping's units come from: a file (`units_file`, else the source's `units`), or
/// the live API when the mapping names no file and its source has units built in.
fn units_are_live(program: &Program, mapping: &Path, units_file: Option<&Path>) -> bool {
    program.units.is_some()
        && crate::units::units_file(program, mapping, units_file).is_none()
        && crate::connectors::units_built_in(&program.source.kind)
}

/// Reads, validates and places the mapping's units into `desired`; returns the tree (for
/// `explain`). A mapping without units gets an empty tree and an unchanged state.
pub fn place_units(
    program: &Program,
    mapping: &Path,
    (units_file, base_url): (Option<&Path>, Option<&str>),
    today: NaiveDate,
    desired: &mut DesiredState,
    options: FetchOptions<'_>,
) -> Result<UnitTree, PlaceUnitsError> {
    if !units_are_live(program, mapping, units_file) {
        return Ok(crate::units::load_and_place(
            program, mapping, units_file, None, today, desired,
        )?);
    }
    let mut cfg = super::connector_config(program);
    cfg.base_url = base_url.map(str::to_owned);
    let snapshot = fetch_units_blocking(&cfg, options.env, options.progress, options.policy)?;
    Ok(crate::units::place_records(
        program,
        &snapshot.records,
        today,
        desired,
    )?)
}
