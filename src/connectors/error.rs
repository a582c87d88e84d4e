//! Why a fetch failed. Every error names the system, and every error about a request names the
//! method, the endpoint (scheme, host, path and non-secret query) and the HTTP status. Secrets
//! never appear: they are not part of endpoints, and server messages are scrubbed of them
//! (see [`super::http::Http::redact`]).

use crate::records::RecordsError;

/// A failed fetch. Nothing was fetched: connectors are all or nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectorError {
    /// The source kind reads a file, or has no connector.
    #[error("`source {kind}` has no live connector")]
    #[diagnostic(
        code(wtmap::connectors::unsupported),
        help(
            "live sources are {live}; file sources are read with their `path` or `--records FILE`"
        )
    )]
    Unsupported {
        /// The source kind.
        kind: String,
        /// The live source kinds, from the registry (`personio, flex and worknice`).
        live: String,
    },

    /// Several settings read environment variables that are not set: all are named at once, so
    /// a first run is not a loop of one fix per attempt.
    #[error("{system}: {} environment variables are not set: {}", vars.len(), vars.join(", "))]
    #[diagnostic(
        code(wtmap::connectors::missing_envs),
        help("set them in the environment that runs wtmap, or plan offline with `--records FILE`")
    )]
    MissingEnvs {
        /// `Personio`, `Flex HRM`, `Worknice`.
        system: &'static str,
        /// `` `client_id` (PERSONIO_CLIENT_ID) `` for each, in the order the mapping names them.
        vars: Vec<String>,
    },

    /// A setting reads an environment variable that is not set (or is empty).
    #[error("{system}: `{setting}` reads environment variable `{var}`, which is not set")]
    #[diagnostic(
        code(wtmap::connectors::missing_env),
        help(
            "set it in the environment that runs wtmap, e.g. `export {var}=…`, or plan offline with `--records FILE`"
        )
    )]
    MissingEnv {
        /// `Personio`, `Flex HRM`, `Worknice`.
        system: &'static str,
        /// The setting.
        setting: String,
        /// The environment variable.
        var: String,
    },

    /// A setting has a value the connector cannot use.
    #[error("{system}: `{setting}` {problem}")]
    #[diagnostic(code(wtmap::connectors::setting))]
    Setting {
        /// The system.
        system: &'static str,
        /// The setting.
        setting: String,
        /// A predicate completing "`url` …".
        problem: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// The credentials were refused.
    #[error("{system}: {method} {endpoint} answered HTTP {status}: {message}")]
    #[diagnostic(code(wtmap::connectors::auth))]
    Auth {
        /// The system.
        system: &'static str,
        /// `GET`, `POST`.
        method: String,
        /// The endpoint, without secrets.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The server's message (or the status's reason).
        message: String,
        /// What to check.
        #[help]
        help: Option<String>,
    },

    /// Any other unsuccessful HTTP status.
    #[error("{system}: {method} {endpoint} answered HTTP {status}: {message}")]
    #[diagnostic(code(wtmap::connectors::status))]
    Status {
        /// The system.
        system: &'static str,
        /// `GET`, `POST`.
        method: String,
        /// The endpoint, without secrets.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The server's message (or the status's reason).
        message: String,
        /// What to do.
        #[help]
        help: Option<String>,
    },

    /// The server kept answering 429 or 503 (or asked to wait longer than allowed).
    #[error(
        "{system}: {method} {endpoint} answered HTTP {status} ({message}); gave up after {attempts} attempt(s)"
    )]
    #[diagnostic(
        code(wtmap::connectors::retries),
        help("the system is rate limiting or unavailable; try again later")
    )]
    GaveUp {
        /// The system.
        system: &'static str,
        /// `GET`, `POST`.
        method: String,
        /// The endpoint, without secrets.
        endpoint: String,
        /// The last HTTP status.
        status: u16,
        /// Why no further attempt was made, or the server's message.
        message: String,
        /// Requests made.
        attempts: u32,
    },

    /// No answer: connection refused, DNS, TLS or a timeout.
    #[error("{system}: {method} {endpoint} failed: {reason}")]
    #[diagnostic(
        code(wtmap::connectors::network),
        help("check the base URL and the network; nothing was fetched")
    )]
    Network {
        /// The system.
        system: &'static str,
        /// `GET`, `POST`.
        method: String,
        /// The endpoint, without secrets.
        endpoint: String,
        /// What failed.
        reason: String,
    },

    /// A successful status with a body that is not what the API documents.
    #[error("{system}: {method} {endpoint} (HTTP {status}) gave a malformed answer: {problem}")]
    #[diagnostic(
        code(wtmap::connectors::malformed),
        help("nothing was fetched; if this repeats, save the answer and report it")
    )]
    Malformed {
        /// The system.
        system: &'static str,
        /// `GET`, `POST`.
        method: String,
        /// The endpoint, without secrets.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong.
        problem: String,
    },

    /// A page's records do not fit the system's record shape.
    #[error(
        "{system}: {method} {endpoint} (HTTP {status}) returned records that cannot be read: {reason}"
    )]
    #[diagnostic(code(wtmap::connectors::records))]
    Records {
        /// The system.
        system: &'static str,
        /// `GET`, `POST`.
        method: String,
        /// The endpoint, without secrets.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The reader's error, naming the record (boxed: it is large and rare).
        reason: Box<RecordsError>,
        /// The reader's help.
        #[help]
        help: Option<String>,
    },

    /// A GraphQL response carried `errors`.
    #[error("{system}: {method} {endpoint} (HTTP {status}) returned GraphQL errors: {messages}")]
    #[diagnostic(code(wtmap::connectors::graphql))]
    GraphQl {
        /// The system.
        system: &'static str,
        /// `POST`.
        method: String,
        /// The endpoint.
        endpoint: String,
        /// The HTTP status (GraphQL errors usually come with 200).
        status: u16,
        /// Every error's message, `; `-joined, with its path when given.
        messages: String,
        /// What to check.
        #[help]
        help: Option<String>,
    },

    /// The HTTP client could not be built (TLS backend).
    #[error("cannot start the HTTP client: {reason}")]
    #[diagnostic(code(wtmap::connectors::client))]
    Client {
        /// What failed.
        reason: String,
    },
}

/// The request an error is about, to fill in the common fields.
#[derive(Debug, Clone)]
pub struct Call {
    /// The system.
    pub system: &'static str,
    /// `GET`, `POST`.
    pub method: String,
    /// The endpoint, without secrets.
    pub endpoint: String,
}

impl Call {
    /// An unsuccessful status.
    pub fn status(&self, status: u16, message: String, help: Option<String>) -> ConnectorError {
        ConnectorError::Status {
            system: self.system,
            method: self.method.clone(),
            endpoint: self.endpoint.clone(),
            status,
            message,
            help,
        }
    }

    /// Refused credentials.
    pub fn auth(&self, status: u16, message: String, help: Option<String>) -> ConnectorError {
        ConnectorError::Auth {
            system: self.system,
            method: self.method.clone(),
            endpoint: self.endpoint.clone(),
            status,
            message,
            help,
        }
    }

    /// A body that does not fit the documented shape.
    pub fn malformed(&self, status: u16, problem: impl Into<String>) -> ConnectorError {
        ConnectorError::Malformed {
            system: self.system,
            method: self.method.clone(),
            endpoint: self.endpoint.clone(),
            status,
            problem: problem.into(),
        }
    }

    /// Records that the shared reader rejects.
    pub fn records(&self, status: u16, source: RecordsError) -> ConnectorError {
        ConnectorError::Records {
            system: self.system,
            method: self.method.clone(),
            endpoint: self.endpoint.clone(),
            status,
            help: miette::Diagnostic::help(&source).map(|h| h.to_string()),
            reason: Box::new(source),
        }
    }
}
