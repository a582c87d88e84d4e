//! Where records come from: the source kinds, and the live HR sources (Personio, Flex HRM and
//! Worknice over HTTP).
//!
//! One folder per connector (`flex/`, `personio/`, `worknice/`): its [`Connector`] descriptor
//! and fetch (`mod.rs`), its settings and field schema (`fields.rs`), its record shape
//! (`shape.rs`), and the documented wire
//! facts its test emulator follows (`WIRE.md`). The folder is registered by one line in the
//! `registry!` below, which declares its module and lists it in [`CONNECTORS`]; the file kinds
//! are `files.rs`. Every list of source kinds derives from there — the kinds `wtmap check`
//! accepts, what completion offers, what `wtmap schema` prints, the record shape a kind is read
//! with, which kinds fetch live ([`source_kinds`], [`shape`], [`unit_kind`], [`connector`]).
//! A connector's record shape (`shape.rs`: its envelope, key case, normalisation and the keys
//! that make a record look like its system's) is data the descriptor names; `records`, below
//! this layer, walks it, because every connector reads what it fetched with it.
//!
//! A connector yields exactly the record shape that `--records FILE` accepts for its source
//! kind ([`Snapshot::text`]), and its records are read from that text by the same reader, so
//! everything downstream (evaluation, diff, plan) is shared with file sources.
//!
//! Its settings and field schema are checked by `wtmap check` (unknown keys, missing keys,
//! literal secrets) and read by its fetch through the same tables. Fetches are all or
//! nothing: a failed page, a refused credential or a malformed answer ends the fetch with a
//! [`ConnectorError`] naming the system, endpoint and status, and no records are returned, so
//! nothing is ever planned from part of a source.
//!
//! The outside world is injected: the environment ([`Env`]), progress ([`Progress`]), base
//! URLs ([`ConnectorConfig::base_url`]) and retry timing ([`HttpPolicy`]).

mod collect;
mod env;
mod error;
mod files;
mod http;
mod kinds;
mod progress;
mod retry;
mod settings;

/// Declares each connector's folder as a module and lists its descriptor in [`CONNECTORS`].
macro_rules! registry {
    ($($kind:ident),* $(,)?) => {
        $(mod $kind;)*

        /// Every live source kind (an HR system's API), each defined in its own folder, in the
        /// order messages list them.
        pub const CONNECTORS: &[Connector] = &[$($kind::CONNECTOR),*];

        /// Every connector's record shape, in the order of [`CONNECTORS`].
        static SHAPES: &[&Shape] = &[$($kind::CONNECTOR.shape),*];
    };
}

// The registry: one line per connector, the name of its folder. Adding a connector: the
// folder, this line, an example mapping under `mappings/` and docs (CONTRIBUTING.md).
registry! {
    personio,
    flex,
    worknice,
}

pub use collect::Snapshot;
pub use env::{Env, MapEnv, ProcessEnv};
pub use error::ConnectorError;
pub use http::{endpoint_label, server_message};
pub use kinds::{all_settings, shape, source_kind, source_kinds, unit_kind, units_built_in};
pub use progress::{BarProgress, NoProgress, Progress};
pub use retry::{HttpPolicy, TokenBucket, parse_retry_after};

use crate::records::Shape;
use crate::schema::{Endpoint, FieldDef, SourceKind};
use collect::Collector;
use settings::Settings;
use std::future::Future;
use std::pin::Pin;

/// What a connector's fetch returns: the records collected, or why there are none.
pub(crate) type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Collector, ConnectorError>> + Send + 'a>>;

/// A connector's fetch: every record (or org unit) of its source, all or nothing.
pub(crate) type Fetch = for<'a> fn(&'a Ctx<'a>) -> FetchFuture<'a>;

/// A live source kind, defined in its own folder and registered in [`CONNECTORS`].
#[derive(Debug, Clone, Copy)]
pub struct Connector {
    /// The source kind (`personio`).
    pub kind: &'static str,
    /// The system's name in messages (`Personio`).
    pub system: &'static str,
    /// The record shape it yields (envelope, keys, normalisation), read by `records`;
    /// defined in its folder's `shape.rs`.
    pub shape: &'static Shape,
    /// The setting holding its base URL, which `--source-url` replaces.
    pub url_setting: &'static str,
    /// The field holding its documented stable key, proposed as external ID by `wtmap profile`.
    pub external_id: &'static str,
    /// Its settings and built-in fields.
    pub(crate) source: fn() -> SourceKind,
    /// Fetches every record.
    pub(crate) fetch: Fetch,
    /// Its org units, when the API has them.
    pub(crate) units: Option<Units>,
}

/// Org units a connector reads itself (so a mapping needs no `units` file).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Units {
    /// The built-in fields of a unit record.
    pub fields: fn() -> Vec<FieldDef>,
    /// Fetches every unit.
    pub fetch: Fetch,
}

impl Connector {
    /// Its settings and fields.
    pub fn schema(&self) -> Option<&'static SourceKind> {
        source_kind(self.kind)
    }
}

impl ConnectorError {
    /// `source kind` has no connector; the help names the registry's live kinds.
    pub(crate) fn unsupported(kind: &str) -> Self {
        let names: Vec<&str> = CONNECTORS.iter().map(|c| c.kind).collect();
        let live = match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        ConnectorError::Unsupported {
            kind: kind.to_owned(),
            live,
        }
    }
}

/// Every connector's record shape, for [`ReadOptions::known`](crate::records::ReadOptions):
/// a records file that does not fit its mapping's shape is told which system it looks like.
pub fn shapes() -> &'static [&'static Shape] {
    SHAPES
}

/// The connector for a source kind, if it is a live one.
pub fn connector(kind: &str) -> Option<&'static Connector> {
    CONNECTORS.iter().find(|c| c.kind == kind)
}

/// What to fetch.
#[derive(Debug, Clone)]
pub struct ConnectorConfig<'a> {
    /// The mapping's `source` block.
    pub source: &'a Endpoint,
    /// Dotted paths of the fields the mapping reads. Sources that select fields (Worknice's
    /// GraphQL) ask for these on top of their built-in selection.
    pub fields: Vec<String>,
    /// Replaces the base URL setting (`--source-url`): a local emulator, a proxy.
    pub base_url: Option<String>,
}

impl<'a> ConnectorConfig<'a> {
    /// A mapping's `source` block and the dotted paths of the fields it reads.
    pub fn new(source: &'a Endpoint, fields: Vec<String>) -> Self {
        ConnectorConfig {
            source,
            fields,
            base_url: None,
        }
    }
}

/// What a connector module gets.
pub(crate) struct Ctx<'a> {
    pub settings: Settings<'a>,
    pub client: &'a reqwest::Client,
    pub policy: HttpPolicy,
    pub progress: &'a dyn Progress,
    pub base_url: Option<&'a str>,
    pub fields: &'a [String],
    pub tokens: &'a personio::TokenCache,
}

/// The shared HTTP client and caches; build one per process (or per runtime) and fetch
/// through it, so connections and Personio tokens are reused.
#[derive(Debug)]
pub struct Connectors {
    client: reqwest::Client,
    policy: HttpPolicy,
    tokens: personio::TokenCache,
}

impl Connectors {
    /// A client with `policy`'s timeouts and retries.
    pub fn new(policy: HttpPolicy) -> Result<Self, ConnectorError> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .user_agent(concat!("wtmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::Client {
                reason: e.to_string(),
            })?;
        Ok(Connectors {
            client,
            policy,
            tokens: personio::TokenCache::default(),
        })
    }

    /// Fetches every record of the source. All or nothing.
    pub async fn fetch(
        &self,
        cfg: &ConnectorConfig<'_>,
        env: &dyn Env,
        progress: &dyn Progress,
    ) -> Result<Snapshot, ConnectorError> {
        let (info, ctx) = self.context(cfg, env, progress)?;
        let result = (info.fetch)(&ctx).await;
        progress.finish();
        result?.finish()
    }
}

impl Connectors {
    /// The connector of `cfg`'s source kind and what its fetches share: its settings (every
    /// missing environment variable reported at once), the client, the policy and caches.
    fn context<'a>(
        &'a self,
        cfg: &'a ConnectorConfig<'_>,
        env: &'a dyn Env,
        progress: &'a dyn Progress,
    ) -> Result<(&'static Connector, Ctx<'a>), ConnectorError> {
        let kind = cfg.source.kind.as_str();
        let (Some(info), Some(schema)) = (connector(kind), source_kind(kind)) else {
            return Err(ConnectorError::unsupported(kind));
        };
        let settings = Settings::new(info.system, cfg.source, schema.settings, env);
        settings.require_env()?;
        let ctx = Ctx {
            settings,
            client: &self.client,
            policy: self.policy,
            progress,
            base_url: cfg.base_url.as_deref(),
            fields: &cfg.fields,
            tokens: &self.tokens,
        };
        Ok((info, ctx))
    }

    /// Fetches the org units of a source whose connector reads them ([`Connector`]'s units,
    /// e.g. Personio's v2 org units): the records a `--units FILE` of that source kind holds.
    pub async fn fetch_units(
        &self,
        cfg: &ConnectorConfig<'_>,
        env: &dyn Env,
        progress: &dyn Progress,
    ) -> Result<Snapshot, ConnectorError> {
        let (info, ctx) = self.context(cfg, env, progress)?;
        let Some(units) = info.units else {
            return Err(ConnectorError::unsupported(info.kind));
        };
        let result = (units.fetch)(&ctx).await;
        progress.finish();
        result?.finish()
    }
}

/// A runtime and a client for one fetch from synchronous code.
fn one_off(policy: HttpPolicy) -> Result<(tokio::runtime::Runtime, Connectors), ConnectorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ConnectorError::Client {
            reason: e.to_string(),
        })?;
    Ok((runtime, Connectors::new(policy)?))
}

/// [`Connectors::fetch_units`] on a runtime of its own.
pub fn fetch_units_blocking(
    cfg: &ConnectorConfig<'_>,
    env: &dyn Env,
    progress: &dyn Progress,
    policy: HttpPolicy,
) -> Result<Snapshot, ConnectorError> {
    let (runtime, connectors) = one_off(policy)?;
    runtime.block_on(connectors.fetch_units(cfg, env, progress))
}

/// Fetches from synchronous code: a one-off runtime and client.
pub fn fetch_blocking(
    cfg: &ConnectorConfig<'_>,
    env: &dyn Env,
    progress: &dyn Progress,
    policy: HttpPolicy,
) -> Result<Snapshot, ConnectorError> {
    let (runtime, connectors) = one_off(policy)?;
    runtime.block_on(connectors.fetch(cfg, env, progress))
}

/// `base` + `path` (`path` starts with `/`), keeping a path prefix in `base`
/// (`…/webapi/api` + `/employees`).
pub(crate) fn join(base: &reqwest::Url, path: &str) -> Result<reqwest::Url, ConnectorError> {
    let text = format!("{}{path}", base.as_str().trim_end_matches('/'));
    reqwest::Url::parse(&text).map_err(|e| ConnectorError::Client {
        reason: format!("cannot build the URL `{text}`: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_source_kind_has_a_connector_and_back() {
        for kind in source_kinds() {
            let has_path = kind.settings.iter().any(|s| s.key == "path");
            assert_eq!(connector(kind.name).is_some(), !has_path, "`{}`", kind.name);
        }
        for c in CONNECTORS {
            let schema = c.schema().unwrap();
            assert!(
                schema.settings.iter().any(|s| s.key == c.url_setting),
                "`{}` has no `{}` setting",
                c.kind,
                c.url_setting
            );
            assert_eq!(shape(c.kind), Some(c.shape));
            assert_eq!(c.units.is_some(), units_built_in(c.kind), "`{}`", c.kind);
            assert!(
                schema.field(c.external_id).is_some(),
                "`{}` has no field `{}`",
                c.kind,
                c.external_id
            );
        }
    }

    #[test]
    fn an_unsupported_kind_is_told_the_registrys_live_kinds() {
        use miette::Diagnostic;
        let e = ConnectorError::unsupported("csv");
        assert_eq!(e.to_string(), "`source csv` has no live connector");
        assert_eq!(
            e.help().unwrap().to_string(),
            "live sources are personio, flex and worknice; file sources are read with their \
             `path` or `--records FILE`"
        );
    }

    #[test]
    fn join_keeps_prefixes() {
        let base = reqwest::Url::parse("https://acme.flexhosting.se/webapi/api/").unwrap();
        assert_eq!(
            join(&base, "/employees").unwrap().as_str(),
            "https://acme.flexhosting.se/webapi/api/employees"
        );
        let base = reqwest::Url::parse("https://api.personio.de").unwrap();
        assert_eq!(
            join(&base, "/v1/auth").unwrap().as_str(),
            "https://api.personio.de/v1/auth"
        );
    }
}
