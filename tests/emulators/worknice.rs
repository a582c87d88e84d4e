//! Worknice: `POST /api/graphql` with the `worknice-api-token` header, answering
//! `session { org { people(includeArchived: …) { … } } }` with exactly the fields selected.
//! Unknown `Person` fields are GraphQL validation errors (HTTP 200 with `errors`), as a
//! GraphQL server reports them. Terminated people are archived: they come back only with
//! `includeArchived: true`. The wire facts it follows are listed in
//! `src/connectors/worknice/WIRE.md`.

use super::Server;
use super::graphql::{self, Field};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

/// What a wrong token gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadToken {
    /// HTTP 401.
    Unauthorized,
    /// HTTP 200 with a GraphQL error (the response shape is undocumented; both are plausible).
    GraphQlError,
}

/// Scenario switches. Request numbers count from 1.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The valid token.
    pub token: String,
    /// People, as the `people` query would return them with every field.
    pub people: Vec<Value>,
    /// How a wrong token is answered.
    pub bad_token: BadToken,
    /// This status for this request.
    pub fail: Option<(usize, u16)>,
    /// A truncated body for this request.
    pub malformed: Option<usize>,
    /// A resolver error beside partial data, on every request.
    pub resolver_error: Option<String>,
    /// 429 for these requests, with this `Retry-After` (or none).
    pub throttle: Vec<(usize, Option<String>)>,
}

/// Fields of the emulated `Person` type: those of the example data, plus `personalEmail`.
const PERSON_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "status",
    "role",
    "employeeCode",
    "profileEmail",
    "profilePhone",
    "profileImage",
    "profileBio",
    "profilePronouns",
    "profileBirthday",
    "startDate",
    "location",
    "currentJob",
    "employmentBasis",
    "personalEmail",
];

/// Statuses of archived (terminated) people.
const ARCHIVED: &[&str] = &["TERMINATED", "ARCHIVED"];

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            token: "wn-token-789".into(),
            people: example_people(),
            bad_token: BadToken::Unauthorized,
            fail: None,
            malformed: None,
            resolver_error: None,
            throttle: Vec::new(),
        }
    }
}

/// The 36 people of `mappings/data/worknice.json`.
pub fn example_people() -> Vec<Value> {
    super::data("worknice.json")["data"]["session"]["org"]["people"]
        .as_array()
        .unwrap()
        .clone()
}

struct Emulator {
    scenario: Scenario,
    requests: Mutex<usize>,
}

/// Starts the emulator on any free port.
pub fn start(scenario: Scenario) -> Server {
    start_on(scenario, "127.0.0.1:0")
}

/// Starts the emulator on `addr`.
pub fn start_on(scenario: Scenario, addr: &str) -> Server {
    let emulator = Arc::new(Emulator {
        scenario,
        requests: Mutex::new(0),
    });
    let app = Router::new()
        .route("/api/graphql", post(graphql_endpoint))
        .with_state(emulator);
    Server::start(app, addr)
}

fn errors(messages: &[String]) -> Response {
    let errors: Vec<Value> = messages.iter().map(|m| json!({"message": m})).collect();
    axum::Json(json!({"errors": errors, "data": null})).into_response()
}

async fn graphql_endpoint(
    State(emulator): State<Arc<Emulator>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = &emulator.scenario;
    let n = {
        let mut count = emulator.requests.lock().unwrap();
        *count += 1;
        *count
    };
    if let Some((_, after)) = s.throttle.iter().find(|(k, _)| *k == n) {
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"errors": [{"message": "Too many requests"}]})),
        )
            .into_response();
        if let Some(after) = after {
            response
                .headers_mut()
                .insert("retry-after", after.parse().unwrap());
        }
        return response;
    }
    let token = headers
        .get("worknice-api-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(s.token.as_str()) {
        return match s.bad_token {
            BadToken::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"errors": [{"message": "Unauthorized"}]})),
            )
                .into_response(),
            BadToken::GraphQlError => errors(&["Unauthorized: invalid API token".into()]),
        };
    }
    if let Some((k, status)) = s.fail
        && k == n
    {
        return (
            StatusCode::from_u16(status).unwrap(),
            "Internal Server Error",
        )
            .into_response();
    }
    if s.malformed == Some(n) {
        return (
            StatusCode::OK,
            r#"{"data": {"session": {"org": {"people": [{"id": "prs_"#,
        )
            .into_response();
    }
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": [{"message": "Body must be a JSON object"}]})),
        )
            .into_response();
    };
    let query = request.get("query").and_then(Value::as_str).unwrap_or("");
    let variables = request
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let root = match graphql::parse(query, &variables) {
        Ok(root) => root,
        Err(message) => return errors(&[message]),
    };
    match answer(s, &root) {
        Ok(data) => {
            let mut body = json!({"data": data});
            if let Some(message) = &s.resolver_error {
                body["errors"] = json!([{"message": message, "path": ["session", "org", "people", 0, "currentJob"]}]);
            }
            axum::Json(body).into_response()
        }
        Err(messages) => errors(&messages),
    }
}

/// `session { org { people(…) { … } } }`, or the validation errors.
fn answer(s: &Scenario, root: &[Field]) -> Result<Value, Vec<String>> {
    let mut problems = Vec::new();
    let mut data = Map::new();
    for session in root {
        if session.name != "session" {
            problems.push(format!(
                "Cannot query field \"{}\" on type \"Query\".",
                session.name
            ));
            continue;
        }
        let mut org_out = Map::new();
        for org in &session.selection {
            if org.name != "org" {
                problems.push(format!(
                    "Cannot query field \"{}\" on type \"Session\".",
                    org.name
                ));
                continue;
            }
            let mut people_out = Map::new();
            for people in &org.selection {
                if people.name != "people" {
                    problems.push(format!(
                        "Cannot query field \"{}\" on type \"Org\".",
                        people.name
                    ));
                    continue;
                }
                for f in &people.selection {
                    if !PERSON_FIELDS.contains(&f.name.as_str()) {
                        problems.push(format!(
                            "Cannot query field \"{}\" on type \"Person\".",
                            f.name
                        ));
                    }
                }
                let arg = |name: &str| {
                    people
                        .args
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                };
                let include_archived = arg("includeArchived")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                let statuses: Option<Vec<String>> =
                    arg("status").and_then(|v| v.as_array().cloned()).map(|l| {
                        l.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    });
                let list: Vec<Value> = s
                    .people
                    .iter()
                    .filter(|p| {
                        let status = p["status"].as_str().unwrap_or("");
                        (include_archived || !ARCHIVED.contains(&status))
                            && statuses
                                .as_ref()
                                .is_none_or(|l| l.iter().any(|s| s == status))
                    })
                    .map(|p| graphql::project(p, &people.selection))
                    .collect();
                people_out.insert("people".into(), Value::Array(list));
            }
            org_out.insert("org".into(), Value::Object(people_out));
        }
        data.insert("session".into(), Value::Object(org_out));
    }
    if problems.is_empty() {
        Ok(Value::Object(data))
    } else {
        Err(problems)
    }
}
