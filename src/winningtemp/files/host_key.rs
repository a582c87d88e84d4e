//! Verifying the SFTP server before the key is offered to it. There is no trust on first use:
//! a server whose key is neither pinned (`fingerprint`) nor in a known_hosts file is refused, and
//! the error shows its fingerprint so an operator can confirm it with Winningtemp and pin it.

use super::config::{Env, HostKeyCheck};
use super::error::FilesError;
use russh::keys::{HashAlg, PublicKey};
use std::path::PathBuf;

/// Why a server was refused, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// Unknown, or different from the expected key.
    pub(crate) reason: String,
    /// What to do.
    pub(crate) help: String,
}

fn refuse(reason: String, help: String) -> Result<(), Refusal> {
    Err(Refusal { reason, help })
}

/// A host key policy, resolved and parsed before connecting.
#[derive(Debug, Clone)]
pub(crate) enum Expected {
    /// A SHA-256 fingerprint as `ssh-keygen -l` prints it (`SHA256:…`).
    Fingerprint(String),
    /// A full public key.
    Key(Box<PublicKey>),
    /// Entries of a known_hosts file.
    KnownHosts(PathBuf),
}

/// `SHA256:…` and the key type, as shown to people.
pub(crate) fn describe(key: &PublicKey) -> String {
    format!(
        "{} {}",
        key.algorithm().as_str(),
        key.fingerprint(HashAlg::Sha256)
    )
}

impl Expected {
    /// Parses the configured policy; a pinned key that does not parse is a setting error.
    pub(crate) fn new(check: &HostKeyCheck, env: &dyn Env) -> Result<Expected, FilesError> {
        match check {
            HostKeyCheck::Pinned(pin) => {
                let pin = pin.trim();
                if pin.starts_with("SHA256:") {
                    return Ok(Expected::Fingerprint(pin.trim_end_matches('=').to_string()));
                }
                // `ssh-ed25519 AAAA… comment`, or the base64 part alone.
                let parts: Vec<&str> = pin.split_whitespace().collect();
                let blob = match parts.as_slice() {
                    [blob] => *blob,
                    [_, blob, ..] => *blob,
                    [] => "",
                };
                russh::keys::parse_public_key_base64(blob)
                    .map(|k| Expected::Key(Box::new(k)))
                    .map_err(|_| FilesError::Setting {
                        message: format!(
                            "`sftp.fingerprint` is neither a fingerprint (`SHA256:…`) nor a public \
                             key (`ssh-ed25519 AAAA…`): `{pin}`"
                        ),
                    })
            }
            HostKeyCheck::KnownHosts(path) => {
                if !path.is_file() {
                    return Err(FilesError::Setting {
                        message: format!(
                            "`sftp.known_hosts` names `{}`, which is not a file",
                            path.display()
                        ),
                    });
                }
                Ok(Expected::KnownHosts(path.clone()))
            }
            HostKeyCheck::UserKnownHosts => {
                let home = env.var("HOME").unwrap_or_default();
                Ok(Expected::KnownHosts(
                    PathBuf::from(home).join(".ssh").join("known_hosts"),
                ))
            }
        }
    }

    /// `Ok` when `key` is the server's expected key; otherwise why not, and what to do.
    pub(crate) fn verify(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), Refusal> {
        let pin_help = format!(
            "if this is the right server (confirm the fingerprint with Winningtemp), add \
             `fingerprint = \"{}\"` to the `sftp` block",
            key.fingerprint(HashAlg::Sha256)
        );
        match self {
            Expected::Fingerprint(f) => {
                if key.fingerprint(HashAlg::Sha256).to_string() == *f {
                    Ok(())
                } else {
                    refuse(
                        format!("its key does not match `fingerprint` ({f})"),
                        "the server's key changed, or this is not the server you configured; \
                         do not change `fingerprint` until Winningtemp confirms the new key"
                            .to_string(),
                    )
                }
            }
            Expected::Key(k) => {
                if k.key_data() == key.key_data() {
                    Ok(())
                } else {
                    refuse(
                        "its key does not match `fingerprint`".to_string(),
                        "the server's key changed, or this is not the server you configured; \
                         do not change `fingerprint` until Winningtemp confirms the new key"
                            .to_string(),
                    )
                }
            }
            Expected::KnownHosts(path) => {
                let entries = match russh::keys::known_hosts::known_host_keys_path(host, port, path)
                {
                    Ok(entries) => entries,
                    Err(e) => {
                        return refuse(
                            format!("`{}` cannot be read: {e}", path.display()),
                            pin_help,
                        );
                    }
                };
                if entries.iter().any(|(_, k)| k.key_data() == key.key_data()) {
                    return Ok(());
                }
                if let Some((line, _)) = entries
                    .iter()
                    .find(|(_, k)| k.algorithm() == key.algorithm())
                {
                    return refuse(
                        format!(
                            "its key differs from the one in `{}` line {line}",
                            path.display()
                        ),
                        "the server's key changed, or this is not the server you configured; \
                         confirm the new key with Winningtemp before updating known_hosts"
                            .to_string(),
                    );
                }
                refuse(format!("it is not in `{}`", path.display()), pin_help)
            }
        }
    }
}
