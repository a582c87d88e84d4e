//! Personio org units (v2), for mappings whose teams come from `units { … }`.
//!
//! - `POST /v2/auth/token`, form-encoded, `grant_type=client_credentials` with the source's
//!   `client_id` and `client_secret` (v2 tokens are not v1 tokens): `{"access_token": …,
//!   "expires_in": …}`; OAuth2-style errors (`invalid_client`).
//! - `GET /v2/org-units?type=department&limit=50`, then `type=team`: Personio lists one type
//!   per request. Pages are followed by `_meta.links.next.href` until it is absent, as every
//!   v2 list. Each unit becomes one flat record `{id, type, name, abbreviation, description,
//!   parent_id}` (`parent_id` also read from a `parent: {id}` object), the shape a
//!   `--units FILE` of a Personio mapping has.
//!
//! The single-unit endpoint (`/v2/org-units/{id}?type=…`, with `include_parent_chain`) and the
//! `parent_id` property are documented; the list endpoint and its cursor paging are inferred
//! from the v2 conventions (docs/connectors.md says so).

use super::SYSTEM;
use crate::connectors::collect::{Collector, describe, id_text};
use crate::connectors::error::ConnectorError;
use crate::connectors::http::{Http, Reply};
use crate::connectors::{Ctx, join};
use crate::records::PLAIN;
use reqwest::{Method, Url};
use serde_json::{Map, Value};

/// The unit types, each listed on its own.
pub(crate) const TYPES: [&str; 2] = ["department", "team"];
/// Largest page of v2 lists.
const PAGE: usize = 50;
/// Pages followed at most per type (a server that never ends its `next` links).
const MAX_PAGES: usize = 10_000;

/// Fetches every org unit of both types.
pub(super) async fn fetch_units(ctx: &Ctx<'_>) -> Result<Collector, ConnectorError> {
    let s = &ctx.settings;
    let base = s.base_url("base_url", ctx.base_url)?;
    let client_id = s.required_text("client_id")?;
    let secret = s.secret("client_secret")?;
    let http = Http::new(
        ctx.client,
        SYSTEM,
        ctx.policy,
        vec![secret.expose().to_owned()],
    );
    let token = token(
        &http,
        join(&base, "/v2/auth/token")?,
        &client_id,
        secret.expose(),
    )
    .await?;
    let list = join(&base, "/v2/org-units")?;
    let mut out = Collector::new(SYSTEM, &PLAIN, |u| {
        let kind = u.get("type").and_then(Value::as_str).unwrap_or("");
        id_text(u.get("id")).map(|id| format!("{kind}:{id}"))
    });
    for kind in TYPES {
        out.restart();
        let mut url = list.clone();
        url.query_pairs_mut()
            .append_pair("type", kind)
            .append_pair("limit", &PAGE.to_string());
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            let reply = http
                .send(Method::GET, url, |r| r.bearer_auth(&token))
                .await?;
            let (units, link) = page(&http, &reply, kind)?;
            out.add_page(&reply, units, "cursor")?;
            ctx.progress.update(SYSTEM, out.len(), None);
            next = match link {
                Some(href) if pages < MAX_PAGES => Some(resolve(&base, &href, &reply)?),
                Some(_) => {
                    return Err(reply.call.malformed(
                        reply.status,
                        format!(
                            "more than {MAX_PAGES} pages of org units: the `next` links do not end"
                        ),
                    ));
                }
                None => None,
            };
        }
    }
    out.requests = http.requests();
    Ok(out)
}

/// A v2 access token for the credential.
async fn token(
    http: &Http<'_>,
    url: Url,
    client_id: &str,
    secret: &str,
) -> Result<String, ConnectorError> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
    ];
    let reply = http.send(Method::POST, url, |r| r.form(&form)).await?;
    if matches!(reply.status, 400 | 401 | 403) {
        return Err(reply.call.auth(
            reply.status,
            http.message(&reply),
            Some(
                "check `client_id` and `client_secret`; org units need a v2 credential with the \
                 scope `personio:org_units:read` (Settings → Integrations → API credentials)"
                    .into(),
            ),
        ));
    }
    if !reply.ok() {
        let message = http.message(&reply);
        return Err(reply.call.status(reply.status, message, None));
    }
    let body = reply.json()?;
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            reply
                .call
                .malformed(reply.status, "it has no `access_token`")
        })?;
    http.also_redact(crate::env::secret_forms(token));
    Ok(token.to_owned())
}

/// The units of a page as flat records, and the `next` link.
fn page(
    http: &Http<'_>,
    reply: &Reply,
    kind: &str,
) -> Result<(Vec<Value>, Option<String>), ConnectorError> {
    if matches!(reply.status, 401 | 403) {
        return Err(reply.call.auth(
            reply.status,
            http.message(reply),
            Some("the credential may lack the scope `personio:org_units:read`".into()),
        ));
    }
    if !reply.ok() {
        return Err(reply.call.status(reply.status, http.message(reply), None));
    }
    let body = reply.json()?;
    let items = match body.get("_data") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(reply.call.malformed(
                reply.status,
                format!("`_data` is {}, not a list of org units", describe(other)),
            ));
        }
        None => return Err(reply.call.malformed(reply.status, "it has no `_data` list")),
    };
    let units = items.iter().map(|u| flatten(u, kind)).collect();
    let next = body
        .pointer("/_meta/links/next/href")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_owned);
    Ok((units, next))
}

/// One org unit as a flat record.
fn flatten(unit: &Value, kind: &str) -> Value {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        _ => Value::Null,
    };
    let mut out = Map::new();
    out.insert("id".into(), text(unit.get("id")));
    let own_kind = unit
        .get("type")
        .and_then(Value::as_str)
        .map_or_else(|| kind.to_owned(), str::to_lowercase);
    out.insert("type".into(), Value::String(own_kind));
    for key in ["name", "abbreviation", "description"] {
        out.insert(key.into(), text(unit.get(key)));
    }
    let parent = unit.get("parent_id").or_else(|| unit.pointer("/parent/id"));
    out.insert("parent_id".into(), text(parent));
    Value::Object(out)
}

/// A `next` link, absolute or relative to the base URL. The token goes with it, so a link to
/// another origin is refused.
fn resolve(base: &Url, href: &str, reply: &Reply) -> Result<Url, ConnectorError> {
    let url = base.join(href).map_err(|e| {
        reply
            .call
            .malformed(reply.status, format!("its `next` link is not a URL ({e})"))
    })?;
    if url.origin() != base.origin() {
        return Err(reply.call.malformed(
            reply.status,
            format!(
                "its `next` link leads to another server ({}); the token is not sent there",
                url.origin().ascii_serialization()
            ),
        ));
    }
    Ok(url)
}
