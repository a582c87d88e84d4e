//! Flex HRM: `GET <prefix>/employees?instance=…&companynumber=…|companyId=…&pageIndex=…&pageSize=…`
//! under both known prefixes (`/webapi/api` on `…flexhosting.se`, `/api` on `api.flexhrm.com`),
//! with HTTP Basic for the integration user. No public reference exists: the envelope, the
//! errors and the auth are the inferences of sources.md §2, and switches cover the
//! alternatives (camelCase keys and numeric gender, a wrapper object). The wire facts it
//! follows are listed in `src/connectors/flex/WIRE.md`.

use super::{Server, basic_header, query_pairs};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

/// How a page is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// A bare JSON array.
    Bare,
    /// `{"items": [...], "totalCount": n}`.
    Wrapped,
}

/// Scenario switches. Request numbers count employees requests from 1.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The integration user.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The instance (customer number).
    pub instance: String,
    /// Employees by company number, in PascalCase.
    pub companies: Vec<(String, Vec<Value>)>,
    /// Company numbers the user may not read (403).
    pub forbidden: Vec<String>,
    /// camelCase keys and numeric gender (`_` becomes 0), as the newer host writes them.
    pub camel_case: bool,
    /// The page envelope.
    pub envelope: Envelope,
    /// This status for this employees request.
    pub fail: Option<(usize, u16)>,
    /// A truncated body for this employees request.
    pub malformed: Option<usize>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            username: "wt-integration".into(),
            password: "flex-pass-456".into(),
            instance: "5257".into(),
            companies: vec![("1010".into(), example_employees())],
            forbidden: Vec::new(),
            camel_case: false,
            envelope: Envelope::Bare,
            fail: None,
            malformed: None,
        }
    }
}

/// The 42 employees of `mappings/data/flex.json` (company 1010).
pub fn example_employees() -> Vec<Value> {
    super::data("flex.json").as_array().unwrap().clone()
}

/// The regional manager in company 2020 whom Rasmus Jönsson (1010) reports to.
pub const REGIONAL_MANAGER: &str = "e2f68e3f-1947-5135-91dd-fee837830c4a";

/// Company 2020 of the same group: the regional manager, a colleague, and Karin Lindqvist,
/// who is employed in both companies.
pub fn company_2020() -> Vec<Value> {
    let karin = example_employees()
        .into_iter()
        .find(|e| e["FirstName"] == "Karin")
        .map(|mut e| {
            e["CompanyId"] = json!("2020");
            e["EmploymentNumber"] = json!("2001");
            e
        })
        .unwrap();
    let person = |id: &str, first: &str, last: &str, manager: Value| {
        json!({
            "Id": id, "FirstName": first, "LastName": last, "Name": format!("{first} {last}"),
            "EmailWork": format!("{}.{}@acme.example", first.to_lowercase(), last.to_lowercase()),
            "EmailPrivate": null, "Gender": "1", "DateOfBirth": "1970-05-05T00:00:00",
            "ImmediateManagerEmployeeId": manager, "EmploymentNumber": "2002",
            "EmploymentStartDate": "2015-03-01T00:00:00", "EmploymentEndDate": null,
            "CompanyId": "2020", "City": "Malmö", "Country": "Sverige", "Nationality": "SE",
            "Office": "Malmö", "Department": "Region Syd", "Team": null, "EmploymentType": "Permanent"
        })
    };
    vec![
        karin,
        person(
            REGIONAL_MANAGER,
            "Bengt",
            "Regnell",
            json!("78c99c7f-bc57-57dd-9963-443c9b93f24e"),
        ),
        person(
            "5a1e0c1d-0000-4000-8000-000000002020",
            "Lisa",
            "Sund",
            json!(REGIONAL_MANAGER),
        ),
    ]
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
        .route("/webapi/api/employees", get(employees))
        .route("/api/employees", get(employees))
        .with_state(emulator);
    Server::start(app, addr)
}

/// An ASP.NET ProblemDetails body.
fn problem(status: u16, title: &str, detail: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = json!({"type": "https://tools.ietf.org/html/rfc7231", "title": title, "status": status.as_u16(), "detail": detail});
    (status, axum::Json(body)).into_response()
}

async fn employees(
    State(emulator): State<Arc<Emulator>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let s = &emulator.scenario;
    let n = {
        let mut count = emulator.requests.lock().unwrap();
        *count += 1;
        *count
    };
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
    if authorization != Some(basic_header(&s.username, &s.password).as_str()) {
        let mut response = problem(401, "Unauthorized", "Invalid username or password.");
        response.headers_mut().insert(
            "www-authenticate",
            "Basic realm=\"Flex HRM\"".parse().unwrap(),
        );
        return response;
    }
    if let Some((k, status)) = s.fail
        && k == n
    {
        return problem(
            status,
            "An error occurred while processing your request.",
            "",
        );
    }
    if s.malformed == Some(n) {
        return (StatusCode::OK, r#"[{"Id": "78c99c7f", "FirstName": "Kar"#).into_response();
    }
    let params = query_pairs(query.as_deref().unwrap_or(""));
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    if param("instance").as_deref() != Some(s.instance.as_str()) {
        return problem(404, "Not Found", "Unknown instance.");
    }
    let Some(company) = param("companynumber").or_else(|| param("companyId")) else {
        return problem(
            400,
            "Bad Request",
            "companyId or companynumber is required.",
        );
    };
    if s.forbidden.contains(&company) {
        return problem(
            403,
            "Forbidden",
            &format!("The user has no access to company {company}."),
        );
    }
    // A company the user cannot see, or that does not exist, is simply empty.
    let list = s
        .companies
        .iter()
        .find(|(c, _)| *c == company)
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    let index: usize = param("pageIndex").and_then(|p| p.parse().ok()).unwrap_or(0);
    let size: usize = param("pageSize")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20)
        .max(1);
    let total = list.len();
    let page: Vec<Value> = list
        .into_iter()
        .skip(index * size)
        .take(size)
        .map(|e| if s.camel_case { camel(e) } else { e })
        .collect();
    match s.envelope {
        Envelope::Bare => axum::Json(Value::Array(page)).into_response(),
        Envelope::Wrapped => {
            axum::Json(json!({"items": page, "totalCount": total})).into_response()
        }
    }
}

/// The newer host's spelling: camelCase keys, gender as a number.
fn camel(employee: Value) -> Value {
    let Value::Object(map) = employee else {
        return employee;
    };
    let out: Map<String, Value> = map
        .into_iter()
        .map(|(k, v)| {
            let mut chars = k.chars();
            let key = chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default();
            let value = match (k.as_str(), &v) {
                ("Gender", Value::String(g)) => json!(g.parse::<u8>().unwrap_or(0)),
                _ => v,
            };
            (key, value)
        })
        .collect();
    Value::Object(out)
}
