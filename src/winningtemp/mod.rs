//! Where plans go, and where the current state comes from: Winningtemp over SCIM 2.0
//! (`target winningtemp.scim`), or Winningtemp's file integration (`target winningtemp.files`).
//!
//! Secrets (the SCIM token, SFTP keys) are read through [`Env`], so tests never touch the
//! process environment, and are held in [`Secret`], which never prints its value.

pub mod files;
pub mod scim;
// The file integration (`winningtemp::files`) has no connection to hold: commands call its
// `read_state` (the last exported snapshot) and `export` (write `wt_*.csv`, upload over SFTP)
// directly, so `Target` covers the targets that are read and written over the network.

use crate::check::Program;

pub use crate::env::{Env, MapEnv, ProcessEnv, Secret};

/// The runtime the SCIM client runs on: multi-threaded, two workers, plenty for I/O.
pub fn io_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// A target could not be set up or reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The mapping's `target` block cannot be used (missing environment variable, bad path).
    #[error("{0}")]
    Config(String),
    /// The target kind cannot do this (yet).
    #[error("{0}")]
    Unsupported(String),
    /// Talking to the target failed.
    #[error("{0}")]
    Remote(String),
}

/// A configured target.
#[derive(Debug)]
pub enum Target {
    /// Winningtemp's SCIM endpoint.
    Scim(scim::ScimTarget),
}

impl Target {
    /// The target of a checked mapping, with secrets read from `env`.
    pub fn from_program(
        program: &Program,
        env: &dyn Env,
        options: scim::ClientOptions,
    ) -> Result<Target, TargetError> {
        match program.target.kind.as_str() {
            "winningtemp.scim" => Ok(Target::Scim(scim::ScimTarget::from_program(
                program, env, options,
            )?)),
            other => Err(TargetError::Unsupported(format!(
                "`target {other}` is not supported by this command yet"
            ))),
        }
    }
}

/// The target a mapping writes to, as plans and journals record it: `scim:<url>` (the URL the
/// mapping or its environment variable gives, without a final `/`) or `files:<folder>` (the
/// export folder, canonical when it exists). Reads no secret.
pub fn identity_of(program: &Program, mapping_dir: &std::path::Path, env: &dyn Env) -> String {
    use crate::check::program::ConfigValue;
    match program.target.kind.as_str() {
        "winningtemp.scim" => {
            let url = match program.target.get("url") {
                Some(ConfigValue::Text(t)) => t.clone(),
                Some(ConfigValue::Env(name)) => {
                    env.var(name).unwrap_or_else(|| format!("env(\"{name}\")"))
                }
                _ => scim::DEFAULT_URL.to_string(),
            };
            format!("scim:{}", url.trim().trim_end_matches('/'))
        }
        "winningtemp.files" => match files::FilesConfig::from_program(program, mapping_dir) {
            Ok(cfg) => format!("files:{}", crate::identity::canonical(&cfg.dir)),
            Err(_) => "files:(unusable)".to_string(),
        },
        other => other.to_string(),
    }
}

/// The identity of the mapping at `path` (text in `file`) and its target.
pub fn mapping_identity(
    path: &std::path::Path,
    file: &crate::source::SourceFile,
    program: &Program,
    env: &dyn Env,
) -> crate::identity::Identity {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    crate::identity::Identity::new(path, &file.text, identity_of(program, dir, env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_format() {
        let s = Secret::new("tok-123456");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(
            s.redact("Bearer tok-123456 was refused"),
            "Bearer *** was refused"
        );
        assert_eq!(Secret::new("ab").redact("ab cd"), "ab cd");
    }

    #[test]
    fn map_env() {
        let env = MapEnv::with("A", "1");
        assert_eq!(env.var("A").as_deref(), Some("1"));
        assert_eq!(env.var("B"), None);
    }
}
