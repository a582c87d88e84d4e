//! Personio scenarios.

use super::emulators::Server;
use super::emulators::personio::{self as emu, Scenario, Tags};
use super::*;
use serde_json::json;

pub const SECRET: &str = "papi-secret-123";

pub fn settings(server: &Server, page_size: i64) -> Endpoint {
    source(
        "personio",
        vec![
            ("client_id", text("wtmap-client")),
            ("client_secret", env("PERSONIO_CLIENT_SECRET")),
            ("base_url", text(&server.url)),
            ("page_size", ConfigValue::Int(page_size)),
        ],
    )
}

pub fn vars() -> MapEnv {
    MapEnv::of([("PERSONIO_CLIENT_SECRET", SECRET)])
}

pub fn run(scenario: Scenario, page_size: i64) -> (Server, Result<Snapshot, ConnectorError>) {
    let server = emu::start(scenario);
    let result = fetch(&settings(&server, page_size), &vars());
    (server, result)
}

/// `offset` of every employees request, in order.
pub fn offsets(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/company/employees")
        .map(|r| r.param("offset").unwrap_or_default())
        .collect()
}

pub fn example() -> Vec<Map<String, Value>> {
    example_fields(
        "personio.json",
        wtmap::connectors::shape("personio").unwrap(),
    )
}

#[test]
fn pages_with_explicit_limit_and_record_offsets_over_one_connection() {
    let (server, result) = run(Scenario::default(), 10);
    let snapshot = result.unwrap();
    assert_eq!(
        fields(&snapshot),
        example(),
        "the same records as the example file"
    );
    assert_eq!(offsets(&server), ["0", "10", "20", "30", "40"]);
    let employees: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/company/employees")
        .collect();
    assert!(
        employees
            .iter()
            .all(|r| r.param("limit").as_deref() == Some("10"))
    );
    assert!(
        employees
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer papi-0-12"))
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("x-personio-app-id") == Some("WTMAP"))
    );
    assert_eq!(server.count("/v1/auth"), 1);
    assert_eq!(snapshot.requests, 6);
    assert_eq!(server.connections(), 1, "connections are reused");
    assert_eq!(snapshot.duplicates, 0);
    assert_round_trips(&snapshot, wtmap::connectors::shape("personio").unwrap());
}

#[test]
fn stops_when_offset_reaches_total_elements() {
    let (server, result) = run(Scenario::default(), 11);
    assert_eq!(result.unwrap().records.len(), 44);
    assert_eq!(
        offsets(&server),
        ["0", "11", "22", "33"],
        "no request for an empty fifth page"
    );
}

#[test]
fn without_totals_stops_on_an_empty_page() {
    let (server, result) = run(
        Scenario {
            no_metadata: true,
            ..Scenario::default()
        },
        10,
    );
    assert_eq!(result.unwrap().records.len(), 44);
    assert_eq!(offsets(&server), ["0", "10", "20", "30", "40", "44"]);
}

#[test]
fn a_server_clamping_limit_loses_nobody() {
    let (server, result) = run(
        Scenario {
            max_limit: 25,
            ..Scenario::default()
        },
        100,
    );
    assert_eq!(fields(&result.unwrap()), example());
    assert_eq!(
        offsets(&server),
        ["0", "25"],
        "the offset advances by the records returned"
    );
}

#[test]
fn bad_credentials_abort_at_auth() {
    let server = emu::start(Scenario::default());
    let wrong = MapEnv::of([("PERSONIO_CLIENT_SECRET", "papi-wrong-999")]);
    let err = fetch(&settings(&server, 10), &wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Personio: POST {}/v1/auth answered HTTP 401: sorry, you could not be authenticated with those credential",
            server.url
        )
    );
    assert!(matches!(err, ConnectorError::Auth { status: 401, .. }));
    assert_eq!(server.count("/v1/company/employees"), 0);
    assert_no_secret(&err, &["papi-wrong-999"]);
}

#[test]
fn token_is_cached_across_fetches() {
    let server = emu::start(Scenario::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let connectors = Connectors::new(policy()).unwrap();
    let endpoint = settings(&server, 50);
    let cfg = ConnectorConfig {
        source: &endpoint,
        fields: Vec::new(),
        base_url: None,
    };
    for _ in 0..2 {
        let snapshot = runtime
            .block_on(connectors.fetch(&cfg, &vars(), &NoProgress))
            .unwrap();
        assert_eq!(snapshot.records.len(), 44);
    }
    assert_eq!(server.count("/v1/auth"), 1, "one token for both fetches");
    assert_eq!(server.count("/v1/company/employees"), 2);
}

#[test]
fn an_expired_token_is_renewed_once_on_401_or_403() {
    for status in [401, 403] {
        let scenario = Scenario {
            expire_token_after: Some(2),
            expired_status: status,
            ..Scenario::default()
        };
        let (server, result) = run(scenario, 10);
        assert_eq!(fields(&result.unwrap()), example(), "status {status}");
        assert_eq!(server.count("/v1/auth"), 2, "status {status}");
        assert_eq!(
            offsets(&server),
            ["0", "10", "20", "20", "30", "40"],
            "page 3 again with the new token"
        );
    }
}

#[test]
fn refused_employee_access_aborts_after_one_renewal() {
    let (server, result) = run(
        Scenario {
            refuse_employees: true,
            ..Scenario::default()
        },
        10,
    );
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Personio: GET {}/v1/company/employees?limit=10&offset=0 answered HTTP 403: Provided authorization is not valid",
            server.url
        )
    );
    assert_eq!(server.count("/v1/auth"), 2);
    assert_eq!(offsets(&server), ["0", "0"]);
    assert_no_secret(&err, &[SECRET, "papi-0-12", "papi-1-12"]);
}

#[test]
fn attributes_not_whitelisted_are_absent_not_null() {
    let hidden = ["gender", "status", "dynamic_180883"];
    let (_server, result) = run(
        Scenario {
            hidden: hidden.map(String::from).to_vec(),
            ..Scenario::default()
        },
        10,
    );
    let snapshot = result.unwrap();
    let mut expected = example();
    for record in &mut expected {
        for key in hidden {
            record.remove(key);
        }
    }
    assert_eq!(fields(&snapshot), expected);
    assert!(
        !snapshot.text.contains("\"gender\""),
        "absent from the snapshot too"
    );
}

#[test]
fn tags_as_a_string_or_an_array_read_the_same() {
    let tags = |form| {
        let (_server, result) = run(
            Scenario {
                tags: form,
                ..Scenario::default()
            },
            50,
        );
        result.unwrap()
    };
    let (as_string, as_array) = (tags(Tags::String), tags(Tags::Array));
    assert_eq!(fields(&as_string), example());
    assert_eq!(fields(&as_array), example());
    let sophie = as_array
        .records
        .iter()
        .find(|r| r.fields["id"] == json!(4708))
        .unwrap();
    assert_eq!(
        sophie.fields["dynamic_24407"],
        json!(["Deutsch", "Englisch", "Französisch"])
    );
    // The snapshot keeps the wire form; only the records are normalised.
    assert!(
        as_string
            .text
            .contains(r#""value": "Deutsch,Englisch,Türkisch""#)
    );
    assert!(
        !as_array
            .text
            .contains(r#""value": "Deutsch,Englisch,Französisch""#)
    );
}

#[test]
fn date_only_dates_read_like_datetimes() {
    let (_server, result) = run(
        Scenario {
            date_only: true,
            ..Scenario::default()
        },
        50,
    );
    let snapshot = result.unwrap();
    assert_eq!(column(&snapshot, "hire_date")[0], "2015-01-01");
    let from_file = super::live::plan_of_example("personio");
    assert_eq!(
        super::live::plan_of("personio", &snapshot.records),
        from_file
    );
}

#[test]
fn total_elements_changing_between_pages_yields_each_person_once() {
    let mut hired = emu::example_employees()[0].clone();
    hired["attributes"]["id"]["value"] = json!(4800);
    let (server, result) = run(
        Scenario {
            hired_mid_fetch: Some(hired),
            ..Scenario::default()
        },
        10,
    );
    let snapshot = result.unwrap();
    assert_eq!(
        fields(&snapshot),
        example(),
        "everyone once; the mid-fetch hire shifted offsets"
    );
    assert_eq!(
        snapshot.duplicates, 1,
        "the last of page 1 came again first on page 2"
    );
    assert_eq!(
        offsets(&server),
        ["0", "10", "20", "30", "40"],
        "stops at the new total of 45"
    );
}

#[test]
fn app_and_partner_headers_are_sent_everywhere() {
    let server = emu::start(Scenario::default());
    let mut endpoint = settings(&server, 50);
    endpoint.settings.push(("app_id".into(), text("ACME_SYNC")));
    endpoint.settings.push(("partner_id".into(), text("ACME")));
    fetch(&endpoint, &vars()).unwrap();
    for r in server.requests() {
        assert_eq!(
            r.header("x-personio-app-id"),
            Some("ACME_SYNC"),
            "{}",
            r.path
        );
        assert_eq!(
            r.header("x-personio-partner-id"),
            Some("ACME"),
            "{}",
            r.path
        );
    }
}

#[test]
fn the_emulator_takes_credentials_as_json_form_or_query() {
    let server = emu::start(Scenario::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/v1/auth", server.url);
    let creds = [("client_id", "wtmap-client"), ("client_secret", SECRET)];
    let statuses = runtime.block_on(async {
        let json = client
            .post(&url)
            .json(&json!({"client_id": "wtmap-client", "client_secret": SECRET}))
            .send()
            .await
            .unwrap();
        let form = client.post(&url).form(&creds).send().await.unwrap();
        let query = client.post(&url).query(&creds).send().await.unwrap();
        let none = client.post(&url).send().await.unwrap();
        [
            json.status().as_u16(),
            form.status().as_u16(),
            query.status().as_u16(),
            none.status().as_u16(),
        ]
    });
    assert_eq!(statuses, [200, 200, 200, 401]);
}
