//! Personio, v1 Personnel Data API.
//!
//! - `POST /v1/auth` with the client ID and secret gives a bearer token. Tokens are stable for
//!   24 hours, so one is cached per credential for its lifetime (the auth endpoint allows only
//!   60 calls a minute), and a rejected token is replaced once per fetch.
//! - `GET /v1/company/employees?limit=N&offset=K` with an explicit `limit` (the server default
//!   changed from "everyone" to 50) and a record-based `offset`. Paging stops on an empty page
//!   or when `offset` reaches `metadata.total_elements`. The offset advances by the records
//!   actually returned, so a server that clamps `limit` loses nobody; people are
//!   de-duplicated by `id`, because `total_elements` can change between pages.
//! - Attributes the credential may not read are absent; they stay absent (never null).
//! - Requests carry `X-Personio-App-ID` (and `X-Personio-Partner-ID` when set) and are paced
//!   to the employees endpoint's documented 300 a minute with bursts of 15.
//!
//! Org units (v2) are fetched by `units`. The wire facts, documented and inferred, and the
//! emulator that follows them: `WIRE.md`.

mod fields;
mod shape;
mod units;

use super::collect::{Collector, describe, id_text};
use super::error::ConnectorError;
use super::http::{Http, Reply};
use super::settings::Secret;
use super::{Connector, Ctx, Units, join};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The system's name in messages.
pub(super) const SYSTEM: &str = "Personio";

/// The `personio` source kind, registered in `connectors`' `registry!`.
pub(crate) const CONNECTOR: Connector = Connector {
    kind: "personio",
    system: SYSTEM,
    shape: &shape::SHAPE,
    url_setting: "base_url",
    external_id: "id",
    source: fields::kind,
    fetch: |ctx| Box::pin(fetch(ctx)),
    units: Some(Units {
        fields: fields::unit_fields,
        fetch: |ctx| Box::pin(units::fetch_units(ctx)),
    }),
};

/// Documented limit of `GET /company/employees`: 300 a minute, bursts of 15 a second.
const PER_MINUTE: u32 = 300;
const BURST: u32 = 15;
/// Lifetime assumed when `/v1/auth` does not say (Personio documents 24 hours).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(86_400);
/// A token is renewed this long before it expires, so it cannot expire mid-fetch.
const MARGIN: Duration = Duration::from_secs(300);

/// Tokens by credential (base URL and client ID), with when to stop using them.
#[derive(Debug, Default)]
pub(crate) struct TokenCache(Mutex<HashMap<String, (String, Instant)>>);

impl TokenCache {
    fn get(&self, key: &str) -> Option<String> {
        let map = self.0.lock().ok()?;
        map.get(key)
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(t, _)| t.clone())
    }

    fn put(&self, key: &str, token: String, lifetime: Duration) {
        if let Ok(mut map) = self.0.lock() {
            let until = Instant::now() + lifetime.saturating_sub(MARGIN);
            map.insert(key.to_owned(), (token, until));
        }
    }

    fn forget(&self, key: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(key);
        }
    }
}

/// Everything needed to get a token.
struct Auth<'a> {
    http: &'a Http<'a>,
    url: Url,
    client_id: String,
    secret: Secret,
    headers: HeaderMap,
    cache: &'a TokenCache,
    key: String,
}

impl Auth<'_> {
    /// A cached token, or a new one when there is none or `renew` is set.
    async fn token(&self, renew: bool) -> Result<String, ConnectorError> {
        if renew {
            self.cache.forget(&self.key);
        } else if let Some(token) = self.cache.get(&self.key) {
            self.http.also_redact(crate::env::secret_forms(&token));
            return Ok(token);
        }
        let body = json!({"client_id": self.client_id, "client_secret": self.secret.expose()});
        let reply = self
            .http
            .send(Method::POST, self.url.clone(), |r| {
                r.headers(self.headers.clone()).json(&body)
            })
            .await?;
        let refused = matches!(reply.status, 400 | 401 | 403)
            || (reply.ok() && reply.json()?.get("success") == Some(&Value::Bool(false)));
        if refused {
            return Err(reply.call.auth(
                reply.status,
                self.http.message(&reply),
                Some(
                    "check `client_id` and `client_secret` (Settings → Integrations → API credentials in Personio); the credential must be active"
                        .into(),
                ),
            ));
        }
        if !reply.ok() {
            let message = self.http.message(&reply);
            return Err(reply.call.status(reply.status, message, None));
        }
        let page = reply.json()?;
        let token = page
            .pointer("/data/token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| reply.call.malformed(reply.status, "it has no `data.token`"))?;
        let lifetime = page
            .pointer("/data/expires_in")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        // The token is a credential too: a server echoing a request must not show it.
        self.http.also_redact(crate::env::secret_forms(token));
        self.cache.put(&self.key, token.to_owned(), lifetime);
        Ok(token.to_owned())
    }
}

/// Fetches every employee.
pub(super) async fn fetch(ctx: &Ctx<'_>) -> Result<Collector, ConnectorError> {
    let s = &ctx.settings;
    let base = s.base_url("base_url", ctx.base_url)?;
    let client_id = s.required_text("client_id")?;
    let secret = s.secret("client_secret")?;
    let page_size = s.int("page_size")?.unwrap_or(100).clamp(1, 100);
    let mut headers = HeaderMap::new();
    for (name, key) in [
        ("X-Personio-App-ID", "app_id"),
        ("X-Personio-Partner-ID", "partner_id"),
    ] {
        if let Some(value) = s.text(key)? {
            let value = HeaderValue::from_str(&value).map_err(|_| ConnectorError::Setting {
                system: SYSTEM,
                setting: key.to_owned(),
                problem: "is not a valid header value".into(),
                help: Some("use UPPER_SNAKE_CASE, e.g. `ACME_WTMAP`".into()),
            })?;
            headers.insert(name, value);
        }
    }
    let http = Http::new(
        ctx.client,
        SYSTEM,
        ctx.policy,
        vec![secret.expose().to_owned()],
    )
    .with_rate_limit(BURST, PER_MINUTE);
    let auth = Auth {
        http: &http,
        url: join(&base, "/v1/auth")?,
        key: format!("{base}\n{client_id}"),
        client_id,
        secret,
        headers: headers.clone(),
        cache: ctx.tokens,
    };
    let employees = join(&base, "/v1/company/employees")?;
    let mut token = auth.token(false).await?;
    let mut renewed = false;
    let mut out = Collector::new(SYSTEM, &shape::SHAPE, |e| {
        id_text(e.pointer("/attributes/id/value"))
    });
    let mut offset = 0usize;
    loop {
        let mut url = employees.clone();
        url.query_pairs_mut()
            .append_pair("limit", &page_size.to_string())
            .append_pair("offset", &offset.to_string());
        let reply = http
            .send(Method::GET, url, |r| {
                r.headers(headers.clone()).bearer_auth(&token)
            })
            .await?;
        if matches!(reply.status, 401 | 403) && !renewed {
            // The cached token expired or was revoked: one new one, then the same page again.
            renewed = true;
            token = auth.token(true).await?;
            continue;
        }
        let (items, total) = page(&http, &reply)?;
        if let Some(newer) = echoed_token(&reply.headers)
            && newer != token
        {
            // Older Personio rotated tokens per response; take the newer one if given.
            ctx.tokens.put(&auth.key, newer.clone(), DEFAULT_LIFETIME);
            token = newer;
        }
        let returned = items.len();
        out.add_page(&reply, items, "offset")?;
        ctx.progress.update(SYSTEM, out.len(), total);
        if returned == 0 {
            break;
        }
        offset += returned;
        if total.is_some_and(|t| offset >= t) {
            break;
        }
    }
    out.requests = http.requests();
    Ok(out)
}

/// The employees and `total_elements` of a page, or the error it reports.
fn page(http: &Http<'_>, reply: &Reply) -> Result<(Vec<Value>, Option<usize>), ConnectorError> {
    if matches!(reply.status, 401 | 403) {
        return Err(reply.call.auth(
            reply.status,
            http.message(reply),
            Some(
                "Personio refused a fresh token: the API credential may lack access to employees"
                    .into(),
            ),
        ));
    }
    if !reply.ok() {
        let help = (reply.status == 404).then(|| {
            "check `base_url`: it should be the API root, e.g. `https://api.personio.de`".into()
        });
        return Err(reply.call.status(reply.status, http.message(reply), help));
    }
    let mut body = reply.json()?;
    if body.get("success") == Some(&Value::Bool(false)) {
        return Err(reply.call.status(reply.status, http.message(reply), None));
    }
    let total = body
        .pointer("/metadata/total_elements")
        .and_then(Value::as_u64)
        .map(|t| t as usize);
    match body.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => Ok((items, total)),
        Some(other) => Err(reply.call.malformed(
            reply.status,
            format!("`data` is {}, not a list of employees", describe(&other)),
        )),
        None => Err(reply.call.malformed(reply.status, "it has no `data` list")),
    }
}

/// `Authorization: Bearer <token>` echoed on a response.
fn echoed_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}
