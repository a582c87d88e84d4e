//! `target winningtemp.files { … }` as a typed configuration. Secrets stay names of
//! environment variables here; their values are read only when the upload needs them.

use super::columns::ColumnNames;
use super::error::FilesError;
use crate::check::Program;
use crate::check::program::{ConfigValue, Endpoint};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use crate::env::{Env, ProcessEnv};

/// A text setting: written in the mapping, or read from the environment at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextSetting {
    /// `"…"`
    Literal(String),
    /// `env("NAME")`
    Env(String),
}

impl TextSetting {
    /// The value; `setting` names it in the error when the variable is unset.
    pub fn resolve(&self, env: &dyn Env, setting: &str) -> Result<String, FilesError> {
        match self {
            TextSetting::Literal(s) => Ok(s.clone()),
            TextSetting::Env(name) => env.var(name).ok_or_else(|| FilesError::MissingEnv {
                name: name.clone(),
                setting: setting.to_string(),
            }),
        }
    }
}

/// How the SFTP server's identity is checked. Trust on first use is never done: an unknown
/// server is refused, and the error shows its fingerprint so it can be checked and pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyCheck {
    /// `fingerprint = "SHA256:…"` or `"ssh-ed25519 AAAA…"`.
    Pinned(String),
    /// `known_hosts = "…"` (resolved against the mapping's folder).
    KnownHosts(PathBuf),
    /// Neither given: the running user's `~/.ssh/known_hosts`, as `ssh` itself would.
    UserKnownHosts,
}

/// The `sftp { … }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SftpConfig {
    /// Host name or address.
    pub host: TextSetting,
    /// Port (22).
    pub port: u16,
    /// SFTP user.
    pub user: TextSetting,
    /// Environment variable holding the private key's text.
    pub key_env: String,
    /// Remote directory (`.`, the user's home).
    pub path: String,
    /// How the server's host key is verified.
    pub host_key: HostKeyCheck,
}

/// A `winningtemp.files` target, ready to export to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesConfig {
    /// Folder the files (and `.wtmap/state.json`) are written to.
    pub dir: PathBuf,
    /// Header names.
    pub columns: ColumnNames,
    /// Start files with a UTF-8 byte order mark.
    pub bom: bool,
    /// Upload after writing, when configured.
    pub sftp: Option<SftpConfig>,
    /// Attributes the mapping maps: their user columns are written even when every value is
    /// empty, so an emptied value reaches Winningtemp as a clear rather than as "not sent".
    pub mapped_attributes: BTreeSet<String>,
}

impl FilesConfig {
    /// The configuration of a checked mapping's target, with its mapped attributes.
    pub fn from_program(program: &Program, mapping_dir: &Path) -> Result<FilesConfig, FilesError> {
        let mut cfg = from_endpoint(&program.target, mapping_dir)?;
        cfg.mapped_attributes = program.mapped_attributes.clone();
        Ok(cfg)
    }

    /// Where the last successful export's state is kept.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join(".wtmap").join("state.json")
    }

    /// Where an export keeps the state it is about to record until its files are in place.
    pub fn pending_state_path(&self) -> PathBuf {
        self.dir.join(".wtmap").join("state.json.pending")
    }
}

fn bad(message: String) -> FilesError {
    FilesError::Setting { message }
}

fn text(value: Option<&ConfigValue>, key: &str) -> Result<Option<TextSetting>, FilesError> {
    match value {
        None => Ok(None),
        Some(ConfigValue::Text(t)) => Ok(Some(TextSetting::Literal(t.clone()))),
        Some(ConfigValue::Env(name)) => Ok(Some(TextSetting::Env(name.clone()))),
        Some(_) => Err(bad(format!("`{key}` must be a text"))),
    }
}

fn literal(value: Option<&ConfigValue>, key: &str) -> Result<Option<String>, FilesError> {
    match text(value, key)? {
        None => Ok(None),
        Some(TextSetting::Literal(t)) => Ok(Some(t)),
        Some(TextSetting::Env(_)) => Err(bad(format!(
            "`{key}` must be written in the mapping, not read with env(…)"
        ))),
    }
}

fn get<'a>(settings: &'a [(String, ConfigValue)], key: &str) -> Option<&'a ConfigValue> {
    settings.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Reads the target block of a checked mapping. Relative paths (`dir`, `known_hosts`) are
/// resolved against `mapping_dir`, the mapping file's folder.
pub fn from_endpoint(e: &Endpoint, mapping_dir: &Path) -> Result<FilesConfig, FilesError> {
    if e.kind != "winningtemp.files" {
        return Err(bad(format!(
            "the mapping's target is `{}`, not `winningtemp.files`",
            e.kind
        )));
    }
    let dir = literal(e.get("dir"), "dir")?.ok_or_else(|| bad("`dir` is required".into()))?;
    let columns = match e.get("columns") {
        None => ColumnNames::default(),
        Some(ConfigValue::Block(entries)) => {
            let mut renames = Vec::new();
            for (key, value) in entries {
                match value {
                    ConfigValue::Text(header) => renames.push((key.as_str(), header.as_str())),
                    _ => return Err(bad(format!("`columns.{key}` must be a text"))),
                }
            }
            ColumnNames::new(renames)?
        }
        Some(_) => return Err(bad("`columns` must be a block".into())),
    };
    let bom = match e.get("bom") {
        None => false,
        Some(ConfigValue::Bool(b)) => *b,
        Some(_) => return Err(bad("`bom` must be true or false".into())),
    };
    let sftp = match e.get("sftp") {
        None => None,
        Some(ConfigValue::Block(s)) => Some(sftp_config(s, mapping_dir)?),
        Some(_) => return Err(bad("`sftp` must be a block".into())),
    };
    Ok(FilesConfig {
        dir: mapping_dir.join(dir),
        columns,
        bom,
        sftp,
        mapped_attributes: BTreeSet::new(),
    })
}

fn sftp_config(s: &[(String, ConfigValue)], mapping_dir: &Path) -> Result<SftpConfig, FilesError> {
    let required = |key: &str| {
        text(get(s, key), &format!("sftp.{key}"))?
            .ok_or_else(|| bad(format!("`sftp.{key}` is required")))
    };
    let host = required("host")?;
    let user = required("user")?;
    // The key must not sit in the mapping: only the variable's name is kept.
    let key_env = match get(s, "key") {
        Some(ConfigValue::Env(name)) => name.clone(),
        Some(_) => {
            return Err(bad(
                "`sftp.key` must be read from the environment: `key = env(\"WT_SFTP_KEY\")`".into(),
            ));
        }
        None => return Err(bad("`sftp.key` is required".into())),
    };
    let port = match get(s, "port") {
        None => 22,
        Some(ConfigValue::Int(p)) => u16::try_from(*p)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad(format!("`sftp.port` {p} is not a port (1–65535)")))?,
        Some(_) => return Err(bad("`sftp.port` must be a number".into())),
    };
    let path = literal(get(s, "path"), "sftp.path")?.unwrap_or_else(|| ".".into());
    let host_key = match (
        literal(get(s, "fingerprint"), "sftp.fingerprint")?,
        literal(get(s, "known_hosts"), "sftp.known_hosts")?,
    ) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "give either `sftp.fingerprint` or `sftp.known_hosts`, not both".into(),
            ));
        }
        (Some(pin), None) => HostKeyCheck::Pinned(pin),
        (None, Some(file)) => HostKeyCheck::KnownHosts(mapping_dir.join(file)),
        (None, None) => HostKeyCheck::UserKnownHosts,
    };
    Ok(SftpConfig {
        host,
        port,
        user,
        key_env,
        path,
        host_key,
    })
}
