//! HTTP for SCIM: bearer authentication, bounded concurrency, timeouts, and retries with
//! exponential backoff and jitter that honour `Retry-After`.
//!
//! Only requests that are safe to repeat are retried blindly (GET, and the PATCH operations
//! wtmap sends, which set values or add/remove specific members). A POST is not: a create whose
//! answer was lost may have happened, so before it is sent again the resource is looked up by
//! its `externalId`, and one that exists is adopted instead of created twice.

use super::mapping::PATCH_SCHEMA;
use crate::target::{Secret, TargetError};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

const SCIM_JSON: &str = "application/scim+json";

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
    /// The JSON body, when there was one (PATCH may answer 204).
    pub body: Option<Value>,
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
            stats: Arc::new(Stats::default()),
        })
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
            .with_retries(reqwest::Method::GET, path, query, None)
            .await?;
        Ok(reply.body.unwrap_or(Value::Null))
    }

    /// PATCH with `Operations`, with retries (wtmap's operations are safe to repeat).
    pub async fn patch(&self, path: &str, operations: Vec<Value>) -> Result<Reply, ScimError> {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        self.with_retries(reqwest::Method::PATCH, path, &[], Some(&body))
            .await
    }

    /// POST a new resource to `endpoint` (`/Users`), never creating it twice: before any retry,
    /// and on 409, the resource is looked up by `external_id` and adopted when found.
    pub async fn create(
        &self,
        endpoint: &str,
        body: &Value,
        external_id: &str,
    ) -> Result<Created, ScimError> {
        let mut attempt = 1;
        loop {
            if attempt > 1 {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                if let Some(found) = self.find_by_external_id(endpoint, external_id).await? {
                    return Ok(Created {
                        resource: found,
                        adopted: true,
                    });
                }
            }
            match self
                .once(reqwest::Method::POST, endpoint, &[], Some(body))
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
                    return match self.find_by_external_id(endpoint, external_id).await? {
                        Some(found) => Ok(Created {
                            resource: found,
                            adopted: true,
                        }),
                        None => Err(f.error),
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

    /// The resource of `endpoint` whose `externalId` is `external_id`, if any.
    pub async fn find_by_external_id(
        &self,
        endpoint: &str,
        external_id: &str,
    ) -> Result<Option<Value>, ScimError> {
        // A SCIM filter's compared value is a JSON string, so JSON quoting escapes it.
        let filter = format!("externalId eq {}", Value::String(external_id.to_string()));
        let list = self.get(endpoint, &[("filter", filter)]).await?;
        Ok(list
            .get("Resources")
            .and_then(Value::as_array)
            .and_then(|r| {
                r.iter()
                    .find(|r| r.get("externalId").and_then(Value::as_str) == Some(external_id))
            })
            .cloned())
    }

    async fn with_retries(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, ScimError> {
        let mut attempt = 1;
        loop {
            match self.once(method.clone(), path, query, body).await {
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
            .request(method, format!("{}{path}", self.base))
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, SCIM_JSON);
        if !query.is_empty() {
            request = request.query(query);
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
        let bytes = self.body(&what, response).await?;
        let parsed: Option<Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        if (200..300).contains(&status) {
            return Ok(Reply {
                status,
                body: parsed,
            });
        }
        if matches!(status, 429 | 503) {
            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
        }
        // The whole body is scrubbed before the detail is picked and cut, so that a cut cannot
        // leave part of the token.
        let scrubbed = self.token.redact(&String::from_utf8_lossy(&bytes));
        let parsed: Option<Value> = serde_json::from_str(&scrubbed).ok();
        let detail = server_detail(parsed.as_ref(), scrubbed.as_bytes());
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

/// `: uniqueness: One or more …` from a SCIM error body (RFC 7644 §3.12), else the start of
/// whatever the server sent.
fn server_detail(parsed: Option<&Value>, bytes: &[u8]) -> String {
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
    let text = String::from_utf8_lossy(bytes);
    let text: String = text.trim().chars().take(200).collect();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
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
        assert_eq!(server_detail(Some(&body), b""), " uniqueness: taken");
        assert_eq!(server_detail(None, b"  oops "), ": oops");
        assert_eq!(server_detail(None, b""), "");
    }
}
