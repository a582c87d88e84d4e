//! Where the run's records came from and where it writes, as the report names them: the
//! identities (kind and location, no credentials) of the source and the target. The records
//! themselves are read by the sync core.

use crate::check::Program;
use crate::check::program::ConfigValue;
use crate::connectors::connector;
use crate::env::Env;
use crate::report::Endpoint;
use std::path::Path;

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
    } else if let Some(path) = crate::sync::source_file(program, mapping) {
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
            crate::winningtemp::files::FilesConfig::from_program(program, dir)
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
            .unwrap_or_else(|| crate::winningtemp::scim::DEFAULT_URL.to_string()),
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
