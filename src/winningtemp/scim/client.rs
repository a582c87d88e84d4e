//! HTTP for SCIM: bearer authentication, bounded concurrency, timeouts, and retries with
//! exponential backoff and jitter that honour `Retry-After`.
//!
//! Only requests that are safe to repeat are retried blindly (GET, and the PATCH operations
//! wtmap sends, which set values or add/remove specific members). A POST is not: a create whose
//! answer was lost may have happened, so before it is sent again the resource is looked up by
//! its `externalId`, and one that exists is adopted instead of created twice.

use super::discovery::{Capabilities, canonical};
use crate::schema::scim::PATCH_SCHEMA;
use crate::winningtemp::{Secret, TargetError};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, ETAG, HeaderValue, IF_MATCH, RETRY_AFTER,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

const SCIM_JSON: &str = "application/scim+json";
/// The Bulk request message URN.
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// How the client behaves; every field has a default suited to a nightly job.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Requests in flight at once; `None` takes the mapping's `concurrency` (default 4).
    pub concurrency: Option<usize>,
    /// Time limit of one request, answer included.
    pub timeout: Duration,
    /// Time limit for opening a connection.
    pub connect_timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled for each further one.
    pub backoff_base: Duration,
    /// Backoff never exceeds this.
    pub backoff_max: Duration,
    /// A `Retry-After` longer than this is cut to it, so a confused server cannot stall a run.
    pub retry_after_max: Duration,
    /// Resources per page when listing.
    pub page_size: usize,
    /// Pages read from one endpoint at most (target setting `max_pages`): a listing that needs
    /// more fails instead of running on.
    pub max_pages: usize,
    /// Bytes of one response body at most (target setting `max_response_mb`): a longer body
    /// fails the request instead of filling memory.
    pub max_response_bytes: usize,
}

/// Default of the `max_pages` target setting.
pub const DEFAULT_MAX_PAGES: usize = 10_000;
/// Default of the `max_response_mb` target setting.
pub const DEFAULT_MAX_RESPONSE_MB: usize = 64;

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            concurrency: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 6,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(120),
            page_size: 200,
            max_pages: DEFAULT_MAX_PAGES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_MB * 1024 * 1024,
        }
    }
}

/// Why a request failed, with the server's own words when it gave any. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScimError {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// `POST /Users: HTTP 409 uniqueness: …`.
    pub message: String,
}

impl From<ScimError> for TargetError {
    fn from(e: ScimError) -> Self {
        TargetError::Remote(e.message)
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status (2xx).
    pub status: u16,
    /// The JSON body, when there was one (PATCH may answer 204), attribute names in their
    /// RFC spelling whatever case the server used.
    pub body: Option<Value>,
    /// The `ETag` header, when the server sent one.
    pub etag: Option<String>,
}

/// The result of a create.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The resource as the server holds it.
    pub resource: Value,
    /// True when an earlier attempt had created it (found by `externalId`) and it was adopted.
    pub adopted: bool,
}

/// Request counters, for reports and the benchmark.
#[derive(Debug, Default)]
pub struct Stats {
    /// Attempts sent (retries included).
    pub requests: AtomicU64,
    /// Attempts that were retries.
    pub retries: AtomicU64,
    /// Answers 429 or 503.
    pub throttled: AtomicU64,
}

struct Failure {
    error: ScimError,
    retryable: bool,
    retry_after: Option<Duration>,
}

/// A SCIM service provider at a base URL. Clones share the connection pool, the concurrency
/// limit and the counters.
#[derive(Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
    permits: Arc<Semaphore>,
    options: ClientOptions,
    concurrency: usize,
    /// What the server supports, asked once (`/ServiceProviderConfig`).
    capabilities: Arc<OnceCell<Capabilities>>,
    /// Counters.
    pub stats: Arc<Stats>,
}

impl std::fmt::Debug for ScimClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimClient")
            .field("base", &self.base)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl ScimClient {
    /// A client for `base` (`https://…/api/scim`), at most `concurrency` requests at once.
    pub fn new(
        base: &str,
        token: Secret,
        concurrency: usize,
        options: ClientOptions,
    ) -> Result<ScimClient, TargetError> {
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| TargetError::Config(format!("SCIM url `{base}` is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(TargetError::Config(format!(
                "SCIM url `{}` must be https",
                parsed.host_str().unwrap_or_default()
            )));
        }
        // The checker refuses these in the mapping (E0313); a URL from `env("…")` only shows
        // here.
        if let Some((what, help)) = crate::check::url_exposure(base) {
            return Err(TargetError::Config(format!("the SCIM url {what}: {help}")));
        }
        let concurrency = concurrency.max(1);
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .pool_max_idle_per_host(concurrency)
            .user_agent(concat!("wtmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TargetError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(ScimClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            permits: Arc::new(Semaphore::new(concurrency)),
            options,
            concurrency,
            capabilities: Arc::new(OnceCell::new()),
            stats: Arc::new(Stats::default()),
        })
    }

    /// What the server supports: `/ServiceProviderConfig` (and the names `/ResourceTypes` and
    /// `/Schemas` list), asked on first use and remembered by every clone of this client. A
    /// server without the endpoint gets the defaults (`Capabilities::defaults`).
    pub async fn capabilities(&self) -> &Capabilities {
        self.capabilities
            .get_or_init(|| async {
                let config = match self.get("/ServiceProviderConfig", &[]).await {
                    Ok(config) if config.is_object() => config,
                    Ok(_) => {
                        return Capabilities::defaults(
                            "defaults: /ServiceProviderConfig answered no JSON object",
                        );
                    }
                    Err(e) => return Capabilities::defaults(format!("defaults: {}", e.message)),
                };
                let mut caps = Capabilities::from_config(&config);
                let names = |list: Value, key: &str| -> Vec<String> {
                    list.get("Resources")
                        .and_then(Value::as_array)
                        .map(|r| {
                            r.iter()
                                .filter_map(|r| r.get(key).and_then(Value::as_str))
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default()
                };
                if let Ok(list) = self.get("/ResourceTypes", &[]).await {
                    caps.resource_types = names(list, "name");
                }
                if let Ok(list) = self.get("/Schemas", &[]).await {
                    caps.schemas = names(list, "id");
                }
                caps
            })
            .await
    }

    /// A clone (same connections, limit, counters and capabilities) whose pages hold at most
    /// `max` resources, for a server whose `filter.maxResults` is smaller than the page size.
    pub fn with_page_cap(&self, max: Option<usize>) -> ScimClient {
        let mut c = self.clone();
        if let Some(max) = max {
            c.options.page_size = c.options.page_size.min(max.max(1));
        }
        c
    }

    /// Requests in flight at most.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The client's options.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// GET with retries; the JSON body.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ScimError> {
        let reply = self
            .with_retries(reqwest::Method::GET, path, query, None, None)
            .await?;
        Ok(reply.body.unwrap_or(Value::Null))
    }

    /// PATCH with `Operations`, with retries (wtmap's operations are safe to repeat).
    pub async fn patch(&self, path: &str, operations: Vec<Value>) -> Result<Reply, ScimError> {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        self.with_retries(reqwest::Method::PATCH, path, &[], Some(&body), None)
            .await
    }

    /// Changes a resource by `operations` (PATCH operations as wtmap writes them): a PATCH when
    /// the server supports it, else (`patch.supported` false, or a PATCH answered 501 or 405)
    /// a PUT of the whole resource read just before with the operations applied, carrying
    /// `If-Match` when the server offers ETags and read again if it changed meanwhile.
    pub async fn modify(&self, path: &str, operations: Vec<Value>) -> Result<Reply, ScimError> {
        if self.capabilities().await.patch {
            match self.patch(path, operations.clone()).await {
                Err(e) if matches!(e.status, Some(501 | 405)) => {}
                other => return other,
            }
        }
        self.put_changes(path, &operations).await
    }

    /// Read, change, write: the PUT form of [`ScimClient::modify`].
    pub async fn put_changes(&self, path: &str, operations: &[Value]) -> Result<Reply, ScimError> {
        let etags = self.capabilities().await.etag;
        let mut attempt = 1;
        loop {
            let read = self
                .with_retries(reqwest::Method::GET, path, &[], None, None)
                .await?;
            let mut resource = read.body.unwrap_or(Value::Null);
            if !resource.is_object() {
                return Err(ScimError {
                    status: None,
                    message: format!("GET {path}: the server sent no resource to change"),
                });
            }
            let version = read.etag.or_else(|| {
                resource
                    .pointer("/meta/version")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            super::write::apply_operations(&mut resource, operations).map_err(|why| ScimError {
                status: None,
                message: format!("PUT {path}: {why}"),
            })?;
            if let Value::Object(m) = &mut resource {
                // Read-only: the server keeps its own (RFC 7643 §3.1, §4.1.2).
                m.remove("meta");
                m.remove("groups");
            }
            let if_match = version.as_deref().filter(|_| etags);
            match self
                .with_retries(reqwest::Method::PUT, path, &[], Some(&resource), if_match)
                .await
            {
                // Changed by someone else between the read and the write: read it again.
                Err(e) if e.status == Some(412) && attempt < 3 => attempt += 1,
                other => return other,
            }
        }
    }

    /// POST a new resource to `endpoint` (`/Users`), never creating it twice: before any retry,
    /// and on 409, the resource is looked up by `external_id` and adopted when found.
    pub async fn create(
        &self,
        endpoint: &str,
        body: &Value,
        external_id: &str,
    ) -> Result<Created, ScimError> {
        self.create_from(endpoint, body, external_id, 1).await
    }

    /// [`ScimClient::create`] after an earlier attempt that may have created the resource
    /// (a Bulk request without an answer): looked up first, created only when not found.
    pub async fn create_after_doubt(
        &self,
        endpoint: &str,
        body: &Value,
        external_id: &str,
    ) -> Result<Created, ScimError> {
        self.create_from(endpoint, body, external_id, 2).await
    }

    async fn create_from(
        &self,
        endpoint: &str,
        body: &Value,
        external_id: &str,
        first_attempt: u32,
    ) -> Result<Created, ScimError> {
        let mut attempt = first_attempt;
        loop {
            if attempt > 1 {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                let found = self
                    .find_by_external_id(endpoint, external_id)
                    .await
                    .map_err(|e| ScimError {
                        status: e.status,
                        message: format!(
                            "POST {endpoint} went unanswered, and looking for what it may have \
                             created failed: {}",
                            e.message
                        ),
                    })?;
                if let Some(found) = found {
                    return Ok(Created {
                        resource: found,
                        adopted: true,
                    });
                }
            }
            match self
                .once(reqwest::Method::POST, endpoint, &[], Some(body), None)
                .await
            {
                Ok(reply) => {
                    return Ok(Created {
                        resource: reply.body.unwrap_or(Value::Null),
                        adopted: false,
                    });
                }
                Err(f) if f.error.status == Some(409) => {
                    // Our own earlier attempt, or a real clash with another resource.
                    return match self.find_by_external_id(endpoint, external_id).await {
                        Ok(Some(found)) => Ok(Created {
                            resource: found,
                            adopted: true,
                        }),
                        Ok(None) => Err(f.error),
                        Err(e) => Err(ScimError {
                            status: f.error.status,
                            message: format!(
                                "{}; looking up externalId {external_id:?} after it failed: {}",
                                f.error.message, e.message
                            ),
                        }),
                    };
                }
                Err(f) if f.retryable && attempt < self.options.max_attempts => {
                    tokio::time::sleep(self.delay(attempt, f.retry_after)).await;
                    attempt += 1;
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// One Bulk request (RFC 7644 §3.7) carrying `operations`; the `Operations` of the answer.
    /// Never repeated: operations without an answer may have happened, so the caller settles
    /// each one by looking it up.
    pub async fn bulk(&self, operations: Vec<Value>) -> Result<Vec<Value>, ScimError> {
        let body = json!({"schemas": [BULK_REQUEST], "Operations": operations});
        let reply = self
            .once(reqwest::Method::POST, "/Bulk", &[], Some(&body), None)
            .await
            .map_err(|f| f.error)?;
        reply
            .body
            .as_ref()
            .and_then(|b| b.get("Operations"))
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| ScimError {
                status: Some(reply.status),
                message: "POST /Bulk: the answer holds no Operations".to_string(),
            })
    }

    /// The resource of `endpoint` whose `externalId` is `external_id`, if any: by a filter
    /// when the server supports filters, else (or when it refuses the filter) by listing the
    /// endpoint page by page until it is found.
    pub async fn find_by_external_id(
        &self,
        endpoint: &str,
        external_id: &str,
    ) -> Result<Option<Value>, ScimError> {
        let matches = |r: &&Value| r.get("externalId").and_then(Value::as_str) == Some(external_id);
        if self.capabilities().await.filter {
            // A SCIM filter's compared value is a JSON string, so JSON quoting escapes it.
            let filter = format!("externalId eq {}", Value::String(external_id.to_string()));
            match self.get(endpoint, &[("filter", filter)]).await {
                Ok(list) => {
                    return Ok(list
                        .get("Resources")
                        .and_then(Value::as_array)
                        .and_then(|r| r.iter().find(matches))
                        .cloned());
                }
                // Filters refused after all: list instead.
                Err(e) if matches!(e.status, Some(400 | 403 | 501)) => {}
                Err(e) => return Err(e),
            }
        }
        let page = self
            .options
            .page_size
            .min(self.capabilities().await.max_results.unwrap_or(usize::MAX))
            .max(1);
        let mut start = 1usize;
        // Bounded, like the directory read.
        for _ in 0..100_000 {
            let list = self
                .get(
                    endpoint,
                    &[
                        ("startIndex", start.to_string()),
                        ("count", page.to_string()),
                    ],
                )
                .await?;
            let resources = list
                .get("Resources")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if let Some(found) = resources.iter().find(matches) {
                return Ok(Some(found.clone()));
            }
            let total = list
                .get("totalResults")
                .and_then(Value::as_u64)
                .unwrap_or(0) as usize;
            start += resources.len();
            if resources.is_empty() || start > total {
                break;
            }
        }
        Ok(None)
    }

    async fn with_retries(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, ScimError> {
        let mut attempt = 1;
        loop {
            match self.once(method.clone(), path, query, body, if_match).await {
                Ok(reply) => return Ok(reply),
                Err(f) if f.retryable && attempt < self.options.max_attempts => {
                    tokio::time::sleep(self.delay(attempt, f.retry_after)).await;
                    attempt += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// How long to wait after failed attempt number `attempt`: the server's `Retry-After` when
    /// given (capped), else exponential backoff with jitter (half fixed, half random), so that
    /// many clients throttled together do not come back together.
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            let jitter = Duration::from_millis(fastrand::u64(0..=50));
            return wait.min(self.options.retry_after_max) + jitter;
        }
        let exp = self
            .options
            .backoff_base
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.options.backoff_max);
        let half = exp / 2;
        half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
    }

    async fn once(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, Failure> {
        let what = format!("{method} {path}");
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.token.expose())).map_err(|_| {
                Failure {
                    error: ScimError {
                        status: None,
                        message: "the SCIM token contains characters not allowed in a header"
                            .to_string(),
                    },
                    retryable: false,
                    retry_after: None,
                }
            })?;
        auth.set_sensitive(true);
        let mut request = self
            .http
            .request(
                method,
                format!("{}{path}{}", self.base, query_string(query)),
            )
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, SCIM_JSON);
        if let Some(tag) = if_match.and_then(|t| HeaderValue::from_str(t).ok()) {
            request = request.header(IF_MATCH, tag);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        // The permit bounds requests in flight; waits between retries hold none.
        let _permit = self.permits.acquire().await.map_err(|_| Failure {
            error: ScimError {
                status: None,
                message: format!("{what}: the client was shut down"),
            },
            retryable: false,
            retry_after: None,
        })?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_failure(&what, &e)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = self.body(&what, response).await?;
        let parsed: Option<Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            serde_json::from_slice(&bytes).ok().map(canonical)
        };
        if (200..300).contains(&status) {
            return Ok(Reply {
                status,
                body: parsed,
                etag,
            });
        }
        if matches!(status, 429 | 503) {
            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
        }
        // The whole body is scrubbed before the detail is picked and cut, so that a cut cannot
        // leave part of the token.
        let scrubbed = self.token.redact(&String::from_utf8_lossy(&bytes));
        let parsed: Option<Value> = serde_json::from_str(&scrubbed).ok().map(canonical);
        let detail = server_detail(parsed.as_ref(), scrubbed.as_bytes(), status);
        Err(Failure {
            error: ScimError {
                status: Some(status),
                message: self.token.redact(&format!("{what}: HTTP {status}{detail}")),
            },
            retryable: matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            retry_after: if matches!(status, 429 | 503) {
                retry_after
            } else {
                None
            },
        })
    }

    /// The response body, read piece by piece up to `max_response_bytes`: a longer one (by its
    /// `Content-Length` or as it streams in) fails without retry.
    async fn body(&self, what: &str, mut response: reqwest::Response) -> Result<Vec<u8>, Failure> {
        let limit = self.options.max_response_bytes;
        let too_long = || Failure {
            error: ScimError {
                status: None,
                message: format!(
                    "{what}: the answer is longer than {limit} bytes, the most wtmap reads \
                     (target setting `max_response_mb`)"
                ),
            },
            retryable: false,
            retry_after: None,
        };
        if response
            .content_length()
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
        {
            return Err(too_long());
        }
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        return Err(too_long());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(bytes),
                Err(e) => return Err(self.transport_failure(what, &e)),
            }
        }
    }

    fn transport_failure(&self, what: &str, e: &reqwest::Error) -> Failure {
        let reason = if e.is_timeout() {
            format!("no answer within {}s", self.options.timeout.as_secs_f64())
        } else if e.is_connect() {
            format!("cannot connect ({})", root_cause(e))
        } else {
            format!("connection failed ({})", root_cause(e))
        };
        Failure {
            error: ScimError {
                status: None,
                message: self.token.redact(&format!("{what}: {reason}")),
            },
            retryable: true,
            retry_after: None,
        }
    }
}

/// The innermost cause of a transport error. reqwest's own message names the full URL; the
/// cause (`connection reset by peer`) is what helps.
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// `?filter=externalId%20eq%20%22E1%22`: every byte but the unreserved ones percent-encoded,
/// so a space is `%20` (form encoding's `+` is read as a plus by some SCIM servers).
fn query_string(query: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `: uniqueness: One or more …` from a SCIM error body (RFC 7644 §3.12); for anything else
/// (an HTML error page from a proxy or a web framework) the status's reason and the first words
/// of its text, on one line.
fn server_detail(parsed: Option<&Value>, bytes: &[u8], status: u16) -> String {
    if let Some(body) = parsed {
        let detail = body.get("detail").and_then(Value::as_str);
        let scim_type = body.get("scimType").and_then(Value::as_str);
        return match (scim_type, detail) {
            (Some(t), Some(d)) => format!(" {t}: {d}"),
            (None, Some(d)) => format!(": {d}"),
            (Some(t), None) => format!(" {t}"),
            (None, None) => String::new(),
        };
    }
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    let words = first_words(&String::from_utf8_lossy(bytes), 16, 160);
    if words.is_empty() {
        reason
    } else {
        format!("{reason}: {words}")
    }
}

/// The first `max_words` words of a text, markup (`<…>`) and the contents of `<script>` and
/// `<style>` left out, on one line, at most `max_chars` characters, `…` when cut.
fn first_words(text: &str, max_words: usize, max_chars: usize) -> String {
    let mut plain = String::with_capacity(text.len().min(4096));
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        plain.push_str(&rest[..open]);
        plain.push(' ');
        let tag = &rest[open..];
        let lower: String = tag.chars().take(8).collect::<String>().to_ascii_lowercase();
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|t| lower.starts_with(*t))
            .and_then(|t| {
                let close = format!("</{}", &t[1..]);
                tag.to_ascii_lowercase().find(&close)
            });
        let from = skip_to.unwrap_or(0);
        rest = match tag[from..].find('>') {
            Some(end) => &tag[from + end + 1..],
            None => "",
        };
    }
    plain.push_str(rest);
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut out = words
        .iter()
        .take(max_words)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut cut = words.len() > max_words;
    if out.chars().count() > max_chars {
        out = out.chars().take(max_chars).collect();
        cut = true;
    }
    if cut {
        out.push('…');
    }
    out
}

/// The path of one resource, its ID percent-encoded as a URL path segment (`/Users/a%2Fb`).
pub fn resource_path(endpoint: &str, id: &str) -> String {
    let mut out = format!("{endpoint}/");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_paths_are_encoded() {
        assert_eq!(
            resource_path("/Users", "2819c223-7f76"),
            "/Users/2819c223-7f76"
        );
        assert_eq!(resource_path("/Groups", "a/b c"), "/Groups/a%2Fb%20c");
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let c = ScimClient::new(
            "http://127.0.0.1:1/scim",
            Secret::new("t0ken"),
            2,
            ClientOptions::default(),
        )
        .unwrap();
        for attempt in 1..10 {
            let d = c.delay(attempt, None);
            let exp =
                (Duration::from_millis(500) * (1 << (attempt - 1))).min(Duration::from_secs(30));
            assert!(d >= exp / 2 && d <= exp, "{attempt}: {d:?}");
        }
        let d = c.delay(1, Some(Duration::from_secs(2)));
        assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2050));
        assert!(c.delay(1, Some(Duration::from_secs(9999))) <= Duration::from_millis(120_050));
    }

    #[test]
    fn urls_with_credentials_are_refused() {
        let err = ScimClient::new(
            "https://user:pw@scim.example/api",
            Secret::new("t0ken"),
            1,
            ClientOptions::default(),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[test]
    fn server_details() {
        let body = json!({"scimType": "uniqueness", "detail": "taken"});
        assert_eq!(server_detail(Some(&body), b"", 409), " uniqueness: taken");
        assert_eq!(
            server_detail(None, b"  oops ", 500),
            " Internal Server Error: oops"
        );
        assert_eq!(server_detail(None, b"", 502), " Bad Gateway");
    }

    #[test]
    fn html_error_pages_are_one_line() {
        let page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>\n\
                    <style>body { color: red }</style><script>var x = 1 < 2;</script></head>\n\
                    <body>\n<h1>Bad   Gateway</h1>\n<p>The upstream server sent an invalid \
                    response while we were handling your request, please try again in a \
                    few minutes.</p></body></html>";
        let detail = server_detail(None, page.as_bytes(), 502);
        assert_eq!(
            detail,
            " Bad Gateway: 502 Bad Gateway Bad Gateway The upstream server sent an invalid \
             response while we were handling…"
        );
        assert!(!detail.contains('\n') && !detail.contains('<'));
        assert_eq!(first_words("<p>unclosed", 5, 100), "unclosed");
        assert_eq!(first_words("a <b", 5, 100), "a");
        assert_eq!(
            first_words(&"x".repeat(500), 5, 10),
            format!("{}…", "x".repeat(10))
        );
    }

    /// A server that answers each request by `answer(method, path)` and records the request
    /// lines; its base URL.
    async fn stub(
        answer: fn(&str, &str) -> (u16, &'static str, &'static str),
    ) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = vec![0u8; 65536];
                let mut got = 0;
                // Headers, then as much body as Content-Length says.
                while let Ok(n) = socket.read(&mut buf[got..]).await {
                    got += n;
                    let text = String::from_utf8_lossy(&buf[..got]).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got >= end + 4 + length || n == 0 {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let text = String::from_utf8_lossy(&buf[..got]).to_string();
                let line = text.lines().next().unwrap_or_default().to_string();
                let mut parts = line.split(' ');
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let (status, kind, body) = answer(method, path);
                log.lock().unwrap().push(format!("{method} {path}"));
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        (format!("http://127.0.0.1:{port}/scim"), seen)
    }

    fn quick() -> ClientOptions {
        ClientOptions {
            max_attempts: 1,
            ..ClientOptions::default()
        }
    }

    #[tokio::test]
    async fn a_failed_lookup_after_a_409_names_the_409() {
        let (url, _) = stub(|method, path| match (method, path) {
            ("POST", _) => (
                409,
                SCIM_JSON,
                r#"{"scimType":"uniqueness","detail":"userName taken"}"#,
            ),
            ("GET", p) if p.contains("ServiceProviderConfig") => {
                (404, "text/html", "<h1>Not Found</h1>")
            }
            _ => (
                502,
                "text/html",
                "<html><body><h1>Bad Gateway</h1></body></html>",
            ),
        })
        .await;
        let c = ScimClient::new(&url, Secret::new("t0ken"), 1, quick()).unwrap();
        let err = c
            .create("/Users", &json!({"userName": "a"}), "E1")
            .await
            .unwrap_err();
        assert_eq!(err.status, Some(409));
        assert_eq!(
            err.message,
            "POST /Users: HTTP 409 uniqueness: userName taken; looking up externalId \"E1\" \
             after it failed: GET /Users: HTTP 502 Bad Gateway: Bad Gateway"
        );
        assert_eq!(
            c.capabilities().await.source,
            "defaults: GET /ServiceProviderConfig: HTTP 404 Not Found: Not Found"
        );
    }

    #[tokio::test]
    async fn a_refused_filter_falls_back_to_listing() {
        let (url, seen) = stub(|method, path| match (method, path) {
            ("GET", p) if p.contains("filter=") => (
                400,
                SCIM_JSON,
                r#"{"scimType":"invalidFilter","detail":"no filters here"}"#,
            ),
            ("GET", p) if p.contains("startIndex=1&") => (
                200,
                SCIM_JSON,
                r#"{"TotalResults":2,"Resources":[{"Id":"1","ExternalId":"E0"}]}"#,
            ),
            ("GET", p) if p.contains("startIndex=2&") => (
                200,
                SCIM_JSON,
                r#"{"TotalResults":2,"Resources":[{"Id":"2","ExternalId":"E 1"}]}"#,
            ),
            _ => (404, "text/plain", "no"),
        })
        .await;
        let c = ScimClient::new(&url, Secret::new("t0ken"), 1, quick()).unwrap();
        let found = c
            .find_by_external_id("/Users", "E 1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found["id"], "2");
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.contains(&"GET /scim/Users?filter=externalId%20eq%20%22E%201%22".to_string()),
            "{seen:?}"
        );
        assert!(
            seen.iter()
                .any(|s| s.starts_with("GET /scim/Users?startIndex=2&count=")),
            "{seen:?}"
        );
    }

    #[test]
    fn query_values_encode_spaces_as_percent_20() {
        let q = query_string(&[("filter", "externalId eq \"E 1+2\"".to_string())]);
        assert_eq!(q, "?filter=externalId%20eq%20%22E%201%2B2%22");
        assert_eq!(query_string(&[]), "");
        assert_eq!(
            query_string(&[("startIndex", "1".into()), ("count", "2".into())]),
            "?startIndex=1&count=2"
        );
    }
}
