//! The run's records and where they came from: `--records FILE`, the `path` of a file source,
//! or the HR system fetched live (all or nothing), and the identities (kind and location, no
//! credentials) of the source and the target for the report.

use crate::check::Program;
use crate::check::program::ConfigValue;
use crate::connectors::{ConnectorConfig, HttpPolicy, NoProgress, connector, fetch_blocking};
use crate::env::Env;
use crate::records::Record;
use crate::report::Endpoint;
use std::path::Path;

/// Records read, with what is worth a note in the report.
pub(crate) struct Loaded {
    /// The records.
    pub records: Vec<Record>,
    /// Connector warnings and notes.
    pub notes: Vec<String>,
    /// Org units fetched live (a Personio mapping with `units { … }` and no unit file);
    /// `None`: they come from a file, or the mapping has none.
    pub units: Option<Vec<Record>>,
}

/// Reads the records of a run; an error is the whole reason, with the help when there is one.
pub(crate) fn load(
    program: &Program,
    mapping: &Path,
    records: Option<&Path>,
    source_url: Option<&str>,
    env: &dyn Env,
    policy: HttpPolicy,
) -> Result<Loaded, String> {
    let with_help = |e: &dyn miette::Diagnostic| match e.help() {
        Some(help) => format!("{e} ({help})"),
        None => e.to_string(),
    };
    let file = records
        .map(Path::to_path_buf)
        .or_else(|| crate::pipeline::source_file(program, mapping));
    if let Some(path) = file {
        return crate::pipeline::read_records(program, &path)
            .map(|records| Loaded {
                records,
                notes: Vec::new(),
                units: None,
            })
            .map_err(|e| with_help(&e));
    }
    let kind = program.source.kind.as_str();
    if connector(kind).is_none() {
        return Err(format!(
            "`source {kind}` reads a file, not a live system, and names no `path`"
        ));
    }
    let mut cfg = ConnectorConfig::of(program);
    cfg.base_url = source_url.map(str::to_owned);
    let snapshot = fetch_blocking(&cfg, env, &NoProgress, policy).map_err(|e| with_help(&e))?;
    let mut notes: Vec<String> = snapshot
        .warnings
        .iter()
        .map(|w| format!("{}: {w}", snapshot.system))
        .collect();
    if snapshot.duplicates > 0 {
        notes.push(format!(
            "{}: {} record(s) came twice (on two pages, or in two companies) and were read once",
            snapshot.system, snapshot.duplicates
        ));
    }
    let live_units = program.units.is_some()
        && crate::units::units_file(program, mapping, None).is_none()
        && crate::schema::units::units_built_in(kind);
    let units = if live_units {
        let units = crate::connectors::fetch_units_blocking(&cfg, env, &NoProgress, policy)
            .map_err(|e| format!("the org units could not be read: {}", with_help(&e)))?;
        Some(units.records)
    } else {
        None
    };
    Ok(Loaded {
        records: snapshot.records,
        notes,
        units,
    })
}

/// The source as the report names it.
pub(crate) fn source_identity(
    program: &Program,
    mapping: &Path,
    records: Option<&Path>,
    source_url: Option<&str>,
    env: &dyn Env,
) -> Endpoint {
    let kind = program.source.kind.clone();
    let location = if let Some(path) = records {
        format!("{} (--records)", path.display())
    } else if let Some(path) = crate::pipeline::source_file(program, mapping) {
        path.display().to_string()
    } else if let Some(url) = source_url {
        public_url(url)
    } else {
        let setting = connector(&kind).map_or("url", |c| c.url_setting);
        setting_text(program.source.get(setting), env)
            .map(|u| public_url(&u))
            .unwrap_or_else(|| "(the system's default URL)".to_string())
    };
    Endpoint { kind, location }
}

/// The target as the report names it.
pub(crate) fn target_identity(program: &Program, mapping: &Path, env: &dyn Env) -> Endpoint {
    let kind = program.target.kind.clone();
    let location = match kind.as_str() {
        "winningtemp.files" => {
            let dir = mapping.parent().unwrap_or(Path::new("."));
            crate::target::files::FilesConfig::from_program(program, dir)
                .map(|cfg| match &cfg.sftp {
                    Some(s) => {
                        let host = s.host.resolve(env, "host").unwrap_or_default();
                        format!("{} (uploaded over SFTP to {host})", cfg.dir.display())
                    }
                    None => cfg.dir.display().to_string(),
                })
                .unwrap_or_default()
        }
        _ => setting_text(program.target.get("url"), env)
            .map(|u| public_url(&u))
            .unwrap_or_else(|| crate::target::scim::DEFAULT_URL.to_string()),
    };
    Endpoint { kind, location }
}

fn setting_text(value: Option<&ConfigValue>, env: &dyn Env) -> Option<String> {
    match value {
        Some(ConfigValue::Text(t)) => Some(t.clone()),
        Some(ConfigValue::Env(name)) => env.var(name),
        _ => None,
    }
}

/// A URL without user information, query or fragment, where credentials could hide.
pub(crate) fn public_url(text: &str) -> String {
    match reqwest::Url::parse(text) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "(not a URL)".to_string(),
    }
}
