//! Why an export through the file integration failed. Messages name files, hosts, users and
//! environment variables, and never a secret's value: the private key is only ever held by the
//! SFTP client, and no error carries its text.

use crate::state::StateError;

/// An error of the `winningtemp.files` target.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FilesError {
    /// A target setting is missing or has the wrong shape.
    #[error("target winningtemp.files: {message}")]
    #[diagnostic(
        code(wtmap::files::setting),
        help("the settings are described in docs/files-target.md")
    )]
    Setting {
        /// What is wrong, naming the setting.
        message: String,
    },
    /// `columns { … }` names a column that does not exist.
    #[error("target winningtemp.files: `columns` names the unknown column `{key}`")]
    #[diagnostic(code(wtmap::files::unknown_column))]
    UnknownColumn {
        /// The key as written.
        key: String,
        /// A did-you-mean suggestion, or the list of keys.
        #[help]
        help: String,
    },
    /// Two columns of one file would get the same header.
    #[error("target winningtemp.files: `{file}` would have two columns called `{header}`")]
    #[diagnostic(
        code(wtmap::files::duplicate_header),
        help("give each column of a file its own name in `columns`")
    )]
    DuplicateHeader {
        /// The file (`wt_users.csv`).
        file: &'static str,
        /// The header.
        header: String,
    },
    /// `env("…")` names a variable that is not set.
    #[error("environment variable `{name}` (for `{setting}`) is not set")]
    #[diagnostic(
        code(wtmap::files::missing_env),
        help("set it in the environment wtmap runs in")
    )]
    MissingEnv {
        /// The variable.
        name: String,
        /// The setting that reads it (`sftp.key`).
        setting: String,
    },
    /// The private key could not be used. The key's text is never shown.
    #[error("the SFTP key in `{name}` cannot be used: {reason}")]
    #[diagnostic(
        code(wtmap::files::key),
        help(
            "the variable must hold the private key's text (OpenSSH `-----BEGIN OPENSSH PRIVATE \
             KEY-----` or PEM), without a passphrase; see docs/files-target.md"
        )
    )]
    Key {
        /// The environment variable holding the key.
        name: String,
        /// What is wrong, in words that never quote the key.
        reason: &'static str,
    },
    /// A local file could not be written or replaced.
    #[error("cannot write `{file}`: {source}")]
    #[diagnostic(
        code(wtmap::files::write),
        help("check that the folder exists or can be created, and is writable")
    )]
    Write {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The last export's state could not be read or recorded.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
    /// Some files were replaced before replacing another failed: the folder holds a mix of
    /// the new and the previous export, and the state still records the previous one.
    #[error(
        "the export was delivered only in part: {} replaced, {} not ({source}); the state still \
         records the previous export, so the next run writes every file again",
        list(.replaced),
        list(.kept)
    )]
    #[diagnostic(code(wtmap::files::partly_delivered))]
    PartlyDelivered {
        /// The files replaced by the new export.
        replaced: Vec<&'static str>,
        /// The files still from the previous export.
        kept: Vec<&'static str>,
        /// Why replacing the next one failed.
        source: Box<FilesError>,
    },
    /// Every file was delivered, but the state that records it could not be: it waits beside
    /// the state as `state.json.pending`, and the next read takes it once it matches the files.
    #[error(
        "the export was delivered ({}{}), but its state could not be recorded ({source}); the \
         next run finds the pending state `{pending}`, checks it against the files, and records it",
        list(.files),
        .uploaded_to.as_ref().map(|t| format!(", uploaded to {t}")).unwrap_or_default()
    )]
    #[diagnostic(code(wtmap::files::not_recorded))]
    NotRecorded {
        /// Every file, each replaced by the new export.
        files: Vec<&'static str>,
        /// `user@host:port:path` when they were uploaded.
        uploaded_to: Option<String>,
        /// The pending state file.
        pending: String,
        /// Why the state could not be recorded.
        source: Box<FilesError>,
    },
    /// The server's host key is not the configured one, or is not known at all.
    #[error("SFTP server {host}:{port} is not trusted: {reason} (its key: {fingerprint})")]
    #[diagnostic(code(wtmap::files::host_key))]
    HostKey {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
        /// Algorithm and SHA-256 fingerprint of the key the server showed.
        fingerprint: String,
        /// Unknown, or different from the configured one.
        reason: String,
        /// What to do.
        #[help]
        help: String,
    },
    /// The server refused the key.
    #[error("SFTP server {host}:{port} refused the key for user `{user}`")]
    #[diagnostic(
        code(wtmap::files::auth),
        help(
            "check that the public half of the key is registered for this user on the server \
             (Winningtemp accepts private-key authentication only)"
        )
    )]
    Auth {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
        /// SFTP user.
        user: String,
    },
    /// Connecting, or an SFTP operation, failed.
    #[error("SFTP upload to {user}@{host}:{port} failed{}: {message}", file_part(.file))]
    #[diagnostic(code(wtmap::files::sftp))]
    Sftp {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
        /// SFTP user.
        user: String,
        /// The remote file concerned, if any.
        file: Option<String>,
        /// What the server or the connection said.
        message: String,
    },
}

impl FilesError {
    /// True when nothing of the export reached the folder or the server.
    pub fn delivered_nothing(&self) -> bool {
        !matches!(
            self,
            FilesError::PartlyDelivered { .. } | FilesError::NotRecorded { .. }
        )
    }
}

fn list(files: &[&str]) -> String {
    if files.is_empty() {
        "none".to_string()
    } else {
        files.join(", ")
    }
}

fn file_part(file: &Option<String>) -> String {
    file.as_ref()
        .map(|f| format!(" for `{f}`"))
        .unwrap_or_default()
}
