//! The HTTP client every connector shares: one reqwest client (so connections are reused
//! across pages and fetches), timeouts, retries of 429/503/network errors, an optional
//! client-side rate limit, and errors that name the system, method, endpoint and status.

use super::error::{Call, ConnectorError};
use super::retry::{HttpPolicy, TokenBucket, parse_retry_after};
use crate::env::Redactor;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Url};
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime};

/// A complete answer (any status except exhausted 429/503).
#[derive(Debug)]
pub struct Reply {
    /// The request, for errors.
    pub call: Call,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, or a `Malformed` error.
    pub fn json(&self) -> Result<Value, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            self.call
                .malformed(self.status, format!("the body is not JSON ({e})"))
        })
    }
}

/// One system's view of the shared client.
pub struct Http<'a> {
    client: &'a reqwest::Client,
    system: &'static str,
    policy: HttpPolicy,
    limiter: Option<Mutex<TokenBucket>>,
    secrets: Mutex<Redactor>,
    requests: AtomicUsize,
}

impl<'a> Http<'a> {
    /// A client for `system`; `secrets`, in every form wtmap sends them, are scrubbed from any
    /// server text put in an error.
    pub fn new(
        client: &'a reqwest::Client,
        system: &'static str,
        policy: HttpPolicy,
        secrets: Vec<String>,
    ) -> Self {
        Http {
            client,
            system,
            policy,
            limiter: None,
            secrets: Mutex::new(Redactor::of_secrets(secrets.iter().map(String::as_str))),
            requests: AtomicUsize::new(0),
        }
    }

    /// Paces requests to `per_minute` with bursts of `burst` (client side, so that the
    /// server's limit is rarely hit).
    pub fn with_rate_limit(mut self, burst: u32, per_minute: u32) -> Self {
        self.limiter = Some(Mutex::new(TokenBucket::new(
            burst,
            per_minute,
            Instant::now(),
        )));
        self
    }

    /// Requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// The request as errors name it.
    pub fn call(&self, method: &Method, url: &Url) -> Call {
        Call {
            system: self.system,
            method: method.to_string(),
            endpoint: endpoint_label(url),
        }
    }

    /// Also scrubs these forms (a derived credential such as a Basic-auth header value, or a
    /// token the server issued during the fetch).
    pub fn also_redact(&self, forms: impl IntoIterator<Item = String>) {
        match self.secrets.lock() {
            Ok(mut r) => r.add(forms),
            Err(poisoned) => poisoned.into_inner().add(forms),
        }
    }

    /// Replaces every secret in `text` with `***`.
    pub fn redact(&self, text: &str) -> String {
        match self.secrets.lock() {
            Ok(r) => r.redact(text),
            Err(poisoned) => poisoned.into_inner().redact(text),
        }
    }

    /// The server's message in an error body, scrubbed of secrets. The whole body is scrubbed
    /// before the message is picked and cut, so that a cut cannot leave part of a secret.
    pub fn message(&self, reply: &Reply) -> String {
        let body = self.redact(&String::from_utf8_lossy(&reply.body));
        self.redact(&server_message(reply.status, body.as_bytes()))
    }

    /// Sends a request built by `prepare`, retrying 429 and 503 by the policy and a network
    /// failure once. Every other status is returned for the caller to judge.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        prepare: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Reply, ConnectorError> {
        let call = self.call(&method, &url);
        let max = self.policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace().await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let request = prepare(self.client.request(method.clone(), url.clone()))
                .timeout(self.policy.request_timeout);
            let response = match request.send().await {
                Ok(r) => r,
                // One more try for a network blip; a wrong host should not cost minutes.
                Err(e) if attempt < max.min(2) && (e.is_timeout() || e.is_connect()) => {
                    tokio::time::sleep(self.policy.backoff(attempt)).await;
                    continue;
                }
                Err(e) => return Err(self.network(&call, &e)),
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = self.body(&call, response).await?;
            let reply = Reply {
                call: call.clone(),
                status,
                headers,
                body,
            };
            if status != 429 && status != 503 {
                return Ok(reply);
            }
            let asked = reply
                .headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let gave_up = |message: String| ConnectorError::GaveUp {
                system: self.system,
                method: call.method.clone(),
                endpoint: call.endpoint.clone(),
                status,
                message,
                attempts: attempt,
            };
            if attempt >= max {
                return Err(gave_up(self.message(&reply)));
            }
            let delay = match asked {
                Some(d) if d > self.policy.max_delay => {
                    return Err(gave_up(format!(
                        "asked to wait {}s, longer than the {}s wtmap waits",
                        d.as_secs(),
                        self.policy.max_delay.as_secs()
                    )));
                }
                Some(d) => d,
                None => self.policy.backoff(attempt),
            };
            tokio::time::sleep(delay).await;
        }
    }

    /// The answer's body, read piece by piece up to the policy's `max_body_bytes`.
    async fn body(
        &self,
        call: &Call,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, ConnectorError> {
        let limit = self.policy.max_body_bytes;
        let too_long = || ConnectorError::Network {
            system: self.system,
            method: call.method.clone(),
            endpoint: call.endpoint.clone(),
            reason: format!("the answer is longer than {limit} bytes, the most wtmap reads"),
        };
        if response
            .content_length()
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
        {
            return Err(too_long());
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() > limit => return Err(too_long()),
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.network(call, &e)),
            }
        }
    }

    /// Waits for the rate limiter, if any.
    async fn pace(&self) {
        let wait = match &self.limiter {
            // A poisoned lock only means another request panicked; the bucket is still usable.
            Some(l) => match l.lock() {
                Ok(mut b) => b.take(Instant::now()),
                Err(poisoned) => poisoned.into_inner().take(Instant::now()),
            },
            None => return,
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    fn network(&self, call: &Call, e: &reqwest::Error) -> ConnectorError {
        let reason = if e.is_timeout() {
            format!(
                "no answer within {}s",
                self.policy.request_timeout.as_secs()
            )
        } else {
            // reqwest's own text repeats the URL; the chain of causes says what failed.
            let mut parts = vec![e.without_url_ref()];
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                parts.push(s.to_string());
                source = s.source();
            }
            parts.dedup();
            parts.join(": ")
        };
        ConnectorError::Network {
            system: self.system,
            method: call.method.clone(),
            endpoint: call.endpoint.clone(),
            reason: self.redact(&reason),
        }
    }
}

/// `reqwest::Error`'s text without its URL.
trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let text = self.to_string();
        match text.find(" for url (") {
            Some(i) => text[..i].to_owned(),
            None => text,
        }
    }
}

/// `https://host:port/path?query` with the values of secret-looking query parameters hidden.
pub fn endpoint_label(url: &Url) -> String {
    let mut out = format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port().map(|p| format!(":{p}")).unwrap_or_default()
    );
    out.push_str(url.path());
    let pairs: Vec<String> = url
        .query_pairs()
        .map(|(k, v)| {
            let lower = k.to_lowercase();
            if ["secret", "token", "password", "key"]
                .iter()
                .any(|w| lower.contains(w))
            {
                format!("{k}=***")
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    if !pairs.is_empty() {
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// The message in an error body: Personio's `error.message`, GraphQL's `errors[].message`,
/// ASP.NET ProblemDetails' `title`/`detail`, a `message` field, or the start of a text body;
/// the status's reason when there is nothing.
pub fn server_message(status: u16, body: &[u8]) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("no reason given")
        .to_owned();
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() || text.starts_with('<') {
            return reason; // empty, or an HTML error page
        }
        return text.chars().take(200).collect();
    };
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let found = text(json.pointer("/error/message"))
        .or_else(|| text(json.pointer("/errors/0/message")))
        .or_else(|| {
            let title = text(json.get("title"));
            let detail =
                text(json.get("detail")).or_else(|| text(json.pointer("/errors/0/detail")));
            match (title, detail) {
                (Some(t), Some(d)) => Some(format!("{t}: {d}")),
                (t, d) => t.or(d),
            }
        })
        .or_else(|| text(json.get("message")))
        .or_else(|| text(json.get("error_description")))
        .or_else(|| text(json.get("error")));
    match found {
        Some(m) if !m.is_empty() => m,
        _ => reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 21, item 14 (the HR side): an answer that streams without end, or announces more
    /// than the cap, ends the fetch with a clear error instead of filling memory.
    #[tokio::test]
    async fn an_answer_longer_than_the_cap_ends_the_fetch() {
        use std::io::{BufRead, BufReader, Write};
        for streaming in [true, false] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let url = Url::parse(&format!("http://{}/x", listener.local_addr().unwrap())).unwrap();
            std::thread::spawn(move || {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let mut out = &stream;
                if streaming {
                    let _ = out.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
                    let chunk = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
                    while out.write_all(chunk.as_bytes()).is_ok() {}
                } else {
                    let _ =
                        out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 999999999\r\n\r\nxx");
                }
            });
            let client = reqwest::Client::new();
            let policy = HttpPolicy {
                max_body_bytes: 100_000,
                max_attempts: 1,
                ..HttpPolicy::default()
            };
            let http = Http::new(&client, "Test HR", policy, Vec::new());
            let err = http.send(Method::GET, url, |r| r).await.unwrap_err();
            assert!(
                err.to_string().contains("longer than 100000 bytes"),
                "{err}"
            );
        }
    }

    #[test]
    fn endpoints_hide_secret_query_values() {
        let url =
            Url::parse("https://api.personio.de/v1/auth?client_id=abc&client_secret=xyz").unwrap();
        assert_eq!(
            endpoint_label(&url),
            "https://api.personio.de/v1/auth?client_id=abc&client_secret=***"
        );
        let url = Url::parse("http://127.0.0.1:8080/api/graphql").unwrap();
        assert_eq!(endpoint_label(&url), "http://127.0.0.1:8080/api/graphql");
    }

    #[test]
    fn messages_from_each_error_shape() {
        let m = |status, body: &str| server_message(status, body.as_bytes());
        assert_eq!(
            m(
                404,
                r#"{"success":false,"error":{"code":404,"message":"Es ist ein Problem aufgetreten "}}"#
            ),
            "Es ist ein Problem aufgetreten"
        );
        assert_eq!(m(200, r#"{"errors":[{"message":"boom"}]}"#), "boom");
        assert_eq!(
            m(
                403,
                r#"{"title":"Forbidden","detail":"no access to company 2020"}"#
            ),
            "Forbidden: no access to company 2020"
        );
        assert_eq!(m(500, ""), "Internal Server Error");
        assert_eq!(
            m(500, r#"{"title":"An error occurred.","detail":""}"#),
            "An error occurred."
        );
        assert_eq!(m(502, "<html>bad gateway</html>"), "Bad Gateway");
        assert_eq!(m(400, "plain words"), "plain words");
        assert_eq!(m(401, r#"{"success":false}"#), "Unauthorized");
    }
}
