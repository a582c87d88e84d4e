//! Personio v1: `POST /v1/auth` and `GET /v1/company/employees`, as documented (sources.md
//! §1.12): credentials as JSON, form or query; `papi-` tokens stable per credential and echoed
//! on 2xx; `limit` defaulting to 50 and rejected above 100; record-based `offset`; `email`,
//! `attributes[]` and `updated_since`; v1 error bodies. And v2 org units: `POST
//! /v2/auth/token` (form-encoded client credentials, OAuth2 errors) and `GET /v2/org-units`
//! (one `type` per request, `limit` 1–50, `_meta.links.next.href` with a cursor). The wire
//! facts it follows are listed in `src/connectors/personio/WIRE.md`.

use super::{Server, query_pairs};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// How tags attributes are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tags {
    /// As in the data (mixed).
    AsGiven,
    /// One comma-joined string, as Personio documents.
    String,
    /// A JSON array, as one client fixture shows.
    Array,
}

/// A broken employees page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// The body stops in the middle.
    Truncated,
    /// An employee without `attributes`.
    NoAttributes,
}

/// Scenario switches. Request numbers count employees requests from 1.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The valid client ID.
    pub client_id: String,
    /// The valid secret.
    pub client_secret: String,
    /// Employees (`{"type": "Employee", "attributes": …}`).
    pub employees: Vec<Value>,
    /// Largest `limit` served; more is clamped (Personio rejects above 100).
    pub max_limit: usize,
    /// 429 for these employees requests, with this `Retry-After` (or none).
    pub throttle: Vec<(usize, Option<String>)>,
    /// 429 for the first auth request, with this `Retry-After`.
    pub throttle_auth: Option<Option<String>>,
    /// This status for this employees request.
    pub fail: Option<(usize, u16)>,
    /// A broken body for this employees request.
    pub malformed: Option<(usize, Malformed)>,
    /// Attributes not whitelisted on the credential: absent from every employee.
    pub hidden: Vec<String>,
    /// How tags are sent.
    pub tags: Tags,
    /// Every date attribute as a plain `YYYY-MM-DD`.
    pub date_only: bool,
    /// The employees endpoint answers with Personio's German 404.
    pub not_found: bool,
    /// From the second employees request on, this employee is first in the list (someone
    /// was hired mid-fetch: `total_elements` grows and offsets shift).
    pub hired_mid_fetch: Option<Value>,
    /// After this many employees requests the token expires and a new one is issued.
    pub expire_token_after: Option<usize>,
    /// Status for an expired token (a never-issued token gets 403, as documented).
    pub expired_status: u16,
    /// Every employees request is refused with 403 (a credential without employee access).
    pub refuse_employees: bool,
    /// Leave out `metadata`.
    pub no_metadata: bool,
    /// Org units (v2 shape: `id`, `type`, `name`, `abbreviation`, `parent_id`).
    pub org_units: Vec<Value>,
    /// Org units requests are refused with 403 (a credential without the org-units scope).
    pub refuse_org_units: bool,
    /// The `next` links point to another server.
    pub foreign_next: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            client_id: "wtmap-client".into(),
            client_secret: "papi-secret-123".into(),
            employees: example_employees(),
            max_limit: 100,
            throttle: Vec::new(),
            throttle_auth: None,
            fail: None,
            malformed: None,
            hidden: Vec::new(),
            tags: Tags::AsGiven,
            date_only: false,
            not_found: false,
            hired_mid_fetch: None,
            expire_token_after: None,
            expired_status: 401,
            refuse_employees: false,
            no_metadata: false,
            org_units: example_org_units(),
            refuse_org_units: false,
            foreign_next: false,
        }
    }
}

/// Org units of Personio's two types, matching the departments and teams of the example
/// employees (`mappings/data/personio.json`): departments four levels deep under one top
/// unit, and teams under Engineering.
pub fn example_org_units() -> Vec<Value> {
    let unit = |id: u64, kind: &str, name: &str, parent: Option<u64>| {
        json!({"id": id, "type": kind, "name": name, "abbreviation": null,
               "description": null, "parent_id": parent,
               "created_at": "2024-01-01T00:00:00Z"})
    };
    vec![
        unit(1000, "department", "Beispiel GmbH", None),
        unit(1100, "department", "Geschäftsführung", Some(1000)),
        unit(1200, "department", "Engineering", Some(1000)),
        unit(1300, "department", "Vertrieb", Some(1000)),
        unit(1310, "department", "Vertrieb Nord", Some(1300)),
        unit(1311, "department", "Vertrieb Süd", Some(1300)),
        unit(1312, "department", "Vertrieb Hamburg", Some(1310)),
        unit(1400, "department", "Marketing", Some(1000)),
        unit(1500, "department", "Finanzen", Some(1000)),
        unit(1600, "department", "People & Culture", Some(1000)),
        unit(1700, "department", "Kundenservice", Some(1000)),
        unit(77, "team", "Platform", Some(1200)),
        unit(78, "team", "Web", Some(1200)),
        unit(79, "team", "Data", Some(1200)),
    ]
}

/// The 44 employees of `mappings/data/personio.json`.
pub fn example_employees() -> Vec<Value> {
    super::data("personio.json")["data"]
        .as_array()
        .unwrap()
        .clone()
}

struct Emulator {
    scenario: Scenario,
    state: Mutex<Counters>,
}

#[derive(Default)]
struct Counters {
    auth: usize,
    v2_tokens: usize,
    employees: usize,
    generation: usize,
}

impl Emulator {
    fn token(&self, generation: usize) -> String {
        format!("papi-{generation}-{}", self.scenario.client_id.len())
    }
}

/// Starts the emulator on any free port.
pub fn start(scenario: Scenario) -> Server {
    start_on(scenario, "127.0.0.1:0")
}

/// Starts the emulator on `addr`.
pub fn start_on(scenario: Scenario, addr: &str) -> Server {
    let emulator = Arc::new(Emulator {
        scenario,
        state: Mutex::new(Counters::default()),
    });
    let app = Router::new()
        .route("/v1/auth", post(auth))
        .route("/v1/company/employees", get(employees))
        .route("/v2/auth/token", post(v2_token))
        .route("/v2/org-units", get(org_units))
        .with_state(emulator);
    Server::start(app, addr)
}

fn error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = json!({"success": false, "error": {"code": status.as_u16(), "message": message}});
    (status, axum::Json(body)).into_response()
}

fn too_many(retry_after: &Option<String>) -> Response {
    let mut response = error(429, "Too Many Requests");
    if let Some(after) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.parse().unwrap());
    }
    response
}

async fn auth(
    State(emulator): State<Arc<Emulator>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let s = &emulator.scenario;
    let generation = {
        let mut state = emulator.state.lock().unwrap();
        state.auth += 1;
        if state.auth == 1
            && let Some(after) = &s.throttle_auth
        {
            return too_many(after);
        }
        state.generation
    };
    // JSON, form and query-string credentials are all accepted, as by Personio.
    let mut pairs = query_pairs(query.as_deref().unwrap_or(""));
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&body) {
            for (k, v) in map {
                pairs.push((k, v.as_str().unwrap_or("").to_owned()));
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        pairs.extend(query_pairs(&String::from_utf8_lossy(&body)));
    }
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if get("client_id") != Some(s.client_id.as_str())
        || get("client_secret") != Some(s.client_secret.as_str())
    {
        return error(
            401,
            "sorry, you could not be authenticated with those credential",
        );
    }
    let token = emulator.token(generation);
    axum::Json(json!({"success": true, "data": {
        "token": token, "expires_in": 86400, "scope": "employees:read"
    }}))
    .into_response()
}

async fn employees(
    State(emulator): State<Arc<Emulator>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let s = &emulator.scenario;
    let (n, generation) = {
        let mut state = emulator.state.lock().unwrap();
        state.employees += 1;
        (state.employees, state.generation)
    };
    if let Some((_, after)) = s.throttle.iter().find(|(k, _)| *k == n) {
        return too_many(after);
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(bearer) = bearer else {
        return error(401, "Authorization is not provided");
    };
    if bearer != emulator.token(generation) {
        let issued_before = (0..generation).any(|g| emulator.token(g) == bearer);
        return if issued_before {
            error(s.expired_status, "Authorization is not valid anymore")
        } else {
            error(403, "Provided authorization is not valid")
        };
    }
    if s.refuse_employees {
        return error(403, "Provided authorization is not valid");
    }
    if s.not_found {
        return error(404, "Es ist ein Problem aufgetreten ");
    }
    if let Some((k, status)) = s.fail
        && k == n
    {
        return error(status, "Internal Server Error");
    }
    if let Some(limit) = s.expire_token_after
        && n == limit
    {
        emulator.state.lock().unwrap().generation += 1;
    }
    let params = query_pairs(query.as_deref().unwrap_or(""));
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let limit = match param("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(l)) if (1..=100).contains(&l) => l.min(s.max_limit),
        Some(_) => return error(400, "The limit must be between 1 and 100."),
    };
    let Ok(offset) = param("offset")
        .unwrap_or_else(|| "0".into())
        .parse::<usize>()
    else {
        return error(400, "The offset must be a number.");
    };
    let mut list: Vec<Value> = s.employees.clone();
    if let Some(hired) = &s.hired_mid_fetch
        && n > 1
    {
        list.insert(0, hired.clone());
    }
    if let Some(email) = param("email") {
        list.retain(|e| {
            e.pointer("/attributes/email/value").and_then(Value::as_str) == Some(&email)
        });
    }
    if let Some(since) = param("updated_since") {
        list.retain(|e| {
            e.pointer("/attributes/last_modified_at/value")
                .and_then(Value::as_str)
                .is_none_or(|m| m[..10.min(m.len())] >= since[..10.min(since.len())])
        });
    }
    let wanted: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "attributes[]")
        .map(|(_, v)| v.clone())
        .collect();
    let total = list.len();
    let data: Vec<Value> = list
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|e| shape(e, s, &wanted))
        .collect();
    if let Some((k, kind)) = s.malformed
        && k == n
    {
        return match kind {
            Malformed::Truncated => (
                StatusCode::OK,
                r#"{"success": true, "data": [{"type": "Emplo"#,
            )
                .into_response(),
            Malformed::NoAttributes => {
                axum::Json(json!({"success": true, "data": [{"type": "Employee", "id": 1}]}))
                    .into_response()
            }
        };
    }
    let mut body = json!({"success": true, "offset": offset, "limit": limit, "data": data});
    if !s.no_metadata {
        body["metadata"] = json!({
            "total_elements": total,
            "current_page": offset / limit,
            "total_pages": total.div_ceil(limit),
        });
    }
    let mut response = axum::Json(body).into_response();
    // Personio echoes the token on success (older clients take the next token from here).
    response
        .headers_mut()
        .insert("authorization", format!("Bearer {bearer}").parse().unwrap());
    response
}

/// One employee as this credential and scenario see it.
fn shape(mut employee: Value, s: &Scenario, wanted: &[String]) -> Value {
    let Some(attributes) = employee
        .get_mut("attributes")
        .and_then(Value::as_object_mut)
    else {
        return employee;
    };
    attributes.retain(|key, _| {
        !s.hidden.contains(key) && (wanted.is_empty() || key == "id" || wanted.contains(key))
    });
    for attribute in attributes.values_mut() {
        let kind = attribute
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let Some(value) = attribute.get_mut("value") else {
            continue;
        };
        match (kind.as_str(), &value) {
            ("tags", Value::String(text)) if s.tags == Tags::Array => {
                *value = Value::Array(
                    text.split(',')
                        .map(|t| Value::String(t.trim().into()))
                        .collect(),
                );
            }
            ("tags", Value::Array(items)) if s.tags == Tags::String => {
                let joined: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                *value = Value::String(joined.join(","));
            }
            ("date", Value::String(text)) if s.date_only && text.len() > 10 => {
                *value = Value::String(text[..10].to_owned());
            }
            _ => {}
        }
    }
    employee
}

fn oauth_error(status: u16, error: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = json!({"error": error, "error_description": "Client authentication failed",
                      "trace_id": "emulated"});
    (status, axum::Json(body)).into_response()
}

fn problem(status: u16, title: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = json!({"personio_trace_id": "emulated", "timestamp": "2026-11-21T00:00:00Z",
                      "errors": [{"title": title, "detail": title}]});
    (status, axum::Json(body)).into_response()
}

/// v2 tokens: form-encoded client credentials only.
async fn v2_token(
    State(emulator): State<Arc<Emulator>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let s = &emulator.scenario;
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return oauth_error(400, "invalid_request");
    }
    let pairs = query_pairs(&String::from_utf8_lossy(&body));
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if get("grant_type") != Some("client_credentials") {
        return oauth_error(400, "unsupported_grant_type");
    }
    if get("client_id") != Some(s.client_id.as_str())
        || get("client_secret") != Some(s.client_secret.as_str())
    {
        return oauth_error(401, "invalid_client");
    }
    let n = {
        let mut state = emulator.state.lock().unwrap();
        state.v2_tokens += 1;
        state.v2_tokens
    };
    axum::Json(
        json!({"access_token": format!("v2-token-{n}"), "token_type": "Bearer",
                      "expires_in": 86400, "scope": "personio:org_units:read"}),
    )
    .into_response()
}

/// One type of org unit per request, paged by an opaque cursor.
async fn org_units(
    State(emulator): State<Arc<Emulator>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let s = &emulator.scenario;
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let issued = emulator.state.lock().unwrap().v2_tokens;
    let valid = bearer.is_some_and(|b| (1..=issued).any(|n| b == format!("v2-token-{n}")));
    if !valid {
        return problem(401, "Unauthorized");
    }
    if s.refuse_org_units {
        return problem(403, "Forbidden: missing scope personio:org_units:read");
    }
    let params = query_pairs(query.as_deref().unwrap_or(""));
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let Some(kind) = param("type").map(|t| t.to_lowercase()) else {
        return problem(400, "The query parameter `type` is required");
    };
    if kind != "department" && kind != "team" {
        return problem(400, "`type` must be department or team");
    }
    let limit = match param("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=50).contains(&l) => l,
        Some(_) => return problem(400, "`limit` must be between 1 and 50"),
    };
    let offset = match param("cursor") {
        None => 0,
        Some(c) => match c.strip_prefix("c-").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return problem(400, "invalid cursor"),
        },
    };
    let of_kind: Vec<&Value> = s
        .org_units
        .iter()
        .filter(|u| u["type"].as_str().map(str::to_lowercase).as_deref() == Some(kind.as_str()))
        .collect();
    let data: Vec<Value> = of_kind
        .iter()
        .skip(offset)
        .take(limit)
        .map(|u| (*u).clone())
        .collect();
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let host = if s.foreign_next {
        "elsewhere.example"
    } else {
        host
    };
    let mut links = json!({"self": {"href": format!("http://{host}/v2/org-units?{}", query.as_deref().unwrap_or(""))}});
    if offset + limit < of_kind.len() {
        links["next"] = json!({"href": format!(
            "http://{host}/v2/org-units?type={kind}&limit={limit}&cursor=c-{}", offset + limit
        )});
    }
    axum::Json(json!({"_data": data, "_meta": {"links": links}})).into_response()
}
