//! Where a sync's records come from, chosen once for every command: `--records FILE`, else the
//! `path` of a file source, else the HR system fetched live (whole, or not at all). `plan`,
//! `explain`, `apply`, `fetch`, `run` and `serve` all choose here, so they cannot disagree
//! about which records a mapping reads.

use super::{RecordsFile, desire, desire_from_file, read_records, source_file};
use crate::check::Program;
use crate::connectors::{
    ConnectorConfig, ConnectorError, HttpPolicy, Progress, Snapshot, connector, fetch_blocking,
};
use crate::env::Env;
use crate::model::DesiredState;
use crate::records::{Record, RecordFormat, RecordsError};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// The records of one sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordsSource {
    /// A file: `--records FILE` (with `--records-format` when its name does not say), or a
    /// file source's `path`, relative to the mapping.
    File {
        /// Where the records are.
        path: PathBuf,
        /// The format, when the name's extension does not give it.
        format: Option<RecordFormat>,
    },
    /// The HR system, fetched live; `base_url` replaces the mapping's (an emulator, a proxy).
    Live {
        /// `--source-url`.
        base_url: Option<String>,
    },
}

impl RecordsSource {
    /// The records of `program` (the mapping at `mapping`): `records` when given, else the
    /// `path` of a file source, else the live system.
    pub fn choose(
        program: &Program,
        mapping: &Path,
        records: Option<&Path>,
        format: Option<RecordFormat>,
        base_url: Option<&str>,
    ) -> RecordsSource {
        match records
            .map(Path::to_path_buf)
            .or_else(|| source_file(program, mapping))
        {
            Some(path) => RecordsSource::File { path, format },
            None => RecordsSource::Live {
                base_url: base_url.map(str::to_owned),
            },
        }
    }
}

/// How a live fetch reports and retries.
#[derive(Clone, Copy)]
pub struct FetchOptions<'a> {
    /// Where `env("…")` settings are read.
    pub env: &'a dyn Env,
    /// Pages and records as they arrive.
    pub progress: &'a dyn Progress,
    /// Timeouts and retries.
    pub policy: HttpPolicy,
}

/// Something worth telling about the records that were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceNote {
    /// The HR system said something is off (`flex: 2 employees have no employment`).
    Warning(String),
    /// For information (`flex: 3 record(s) came twice … and were read once`).
    Note(String),
}

impl SourceNote {
    /// The text, without its kind.
    pub fn text(&self) -> &str {
        match self {
            SourceNote::Warning(t) | SourceNote::Note(t) => t,
        }
    }
}

/// Why the records could not be read. Nothing was read: a live fetch is whole or nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SourceError {
    /// A file source without a `path`, and no `--records`.
    #[error("`source {kind}` reads a file, not a live system; give its `path` or `--records FILE`")]
    NotLive {
        /// The source kind.
        kind: String,
    },
    /// The records file could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Records(#[from] RecordsError),
    /// The live fetch failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Fetch(#[from] ConnectorError),
}

/// Records read, with the notes of their source.
pub struct Loaded<T> {
    /// The records, or what was made of them.
    pub value: T,
    /// Warnings and notes of the source, in the order it gave them.
    pub notes: Vec<SourceNote>,
}

/// What a live fetch of a checked mapping asks for: its `source` block and the fields it reads.
pub fn connector_config(program: &Program) -> ConnectorConfig<'_> {
    let fields = program.fields.iter().map(|f| f.dotted()).collect();
    ConnectorConfig::new(&program.source, fields)
}

/// Fetches the live source whole.
pub fn fetch_live(
    program: &Program,
    base_url: Option<&str>,
    options: FetchOptions<'_>,
) -> Result<Loaded<Snapshot>, SourceError> {
    let kind = program.source.kind.as_str();
    if connector(kind).is_none() {
        return Err(SourceError::NotLive {
            kind: kind.to_string(),
        });
    }
    let mut cfg = connector_config(program);
    cfg.base_url = base_url.map(str::to_owned);
    let snapshot = fetch_blocking(&cfg, options.env, options.progress, options.policy)?;
    let mut notes: Vec<SourceNote> = snapshot
        .warnings
        .iter()
        .map(|w| SourceNote::Warning(format!("{}: {w}", snapshot.system)))
        .collect();
    if snapshot.duplicates > 0 {
        notes.push(SourceNote::Note(format!(
            "{}: {} record(s) came twice (on two pages, or in two companies) and were read once",
            snapshot.system, snapshot.duplicates
        )));
    }
    Ok(Loaded {
        value: snapshot,
        notes,
    })
}

/// The records, kept (`explain` looks them up).
pub fn load_records(
    program: &Program,
    source: &RecordsSource,
    options: FetchOptions<'_>,
) -> Result<Loaded<Vec<Record>>, SourceError> {
    match source {
        RecordsSource::File { path, format } => Ok(Loaded {
            value: read_records(program, file(path, *format))?,
            notes: Vec::new(),
        }),
        RecordsSource::Live { base_url } => {
            let fetched = fetch_live(program, base_url.as_deref(), options)?;
            Ok(Loaded {
                value: fetched.value.records,
                notes: fetched.notes,
            })
        }
    }
}

/// What the mapping wants from its records, without keeping them: a records file is read and
/// evaluated in one pass (see [`desire_from_file`]); live records are evaluated, then dropped.
pub fn load_desired(
    program: &Program,
    source: &RecordsSource,
    today: NaiveDate,
    options: FetchOptions<'_>,
) -> Result<Loaded<DesiredState>, SourceError> {
    match source {
        RecordsSource::File { path, format } => Ok(Loaded {
            value: desire_from_file(program, file(path, *format), today)?,
            notes: Vec::new(),
        }),
        RecordsSource::Live { base_url } => {
            let fetched = fetch_live(program, base_url.as_deref(), options)?;
            let desired = desire(program, &fetched.value.records, today);
            Ok(Loaded {
                value: desired,
                notes: fetched.notes,
            })
        }
    }
}

fn file(path: &Path, format: Option<RecordFormat>) -> RecordsFile<'_> {
    RecordsFile { path, format }
}
