//! Worknice scenarios.

use super::emulators::Server;
use super::emulators::worknice::{self as emu, BadToken, Scenario};
use super::*;
use serde_json::json;

const TOKEN: &str = "wn-token-789";

fn settings(server: &Server, include_archived: Option<bool>) -> Endpoint {
    let mut s = vec![
        ("url", text(&server.url)),
        ("token", env("WORKNICE_API_TOKEN")),
    ];
    if let Some(b) = include_archived {
        s.push(("include_archived", ConfigValue::Bool(b)));
    }
    source("worknice", s)
}

fn vars() -> MapEnv {
    MapEnv::of([("WORKNICE_API_TOKEN", TOKEN)])
}

/// The example mapping reads `employmentBasis` (an unconfirmed field) and these others.
const MAPPING_FIELDS: &[&str] = &["employmentBasis", "profileEmail", "location.name"];

fn run(scenario: Scenario) -> (Server, Result<Snapshot, ConnectorError>) {
    let server = emu::start(scenario);
    let result = fetch_fields(&settings(&server, None), &vars(), MAPPING_FIELDS);
    (server, result)
}

/// The example people cut down to what the connector selects.
fn example() -> Vec<Map<String, Value>> {
    let dropped = [
        "profilePhone",
        "profileImage",
        "profileBio",
        "profilePronouns",
    ];
    example_fields(
        "worknice.json",
        wtmap::connectors::shape("worknice").unwrap(),
    )
    .into_iter()
    .map(|mut p| {
        for key in dropped {
            p.remove(key);
        }
        p
    })
    .collect()
}

#[test]
fn one_query_with_the_token_header_returns_everyone_including_leavers() {
    let (server, result) = run(Scenario::default());
    let snapshot = result.unwrap();
    let mut got = fields(&snapshot);
    let mut want = example();
    // Field order follows the selection; compare as sets of key/value pairs.
    for list in [&mut got, &mut want] {
        for p in list.iter_mut() {
            p.sort_keys();
        }
    }
    assert_eq!(
        got, want,
        "the example people, without the profile fields nobody maps"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/api/graphql");
    assert_eq!(requests[0].header("worknice-api-token"), Some(TOKEN));
    assert_eq!(requests[0].header("authorization"), None);
    assert!(column(&snapshot, "status").contains(&"TERMINATED".to_owned()));
    assert_round_trips(&snapshot, wtmap::connectors::shape("worknice").unwrap());
}

#[test]
fn include_archived_false_leaves_out_terminated_people() {
    let server = emu::start(Scenario::default());
    let snapshot = fetch_fields(&settings(&server, Some(false)), &vars(), MAPPING_FIELDS).unwrap();
    assert_eq!(snapshot.records.len(), 35);
    assert!(!column(&snapshot, "status").contains(&"TERMINATED".to_owned()));
}

#[test]
fn unknown_status_values_pass_through() {
    let mut people = emu::example_people();
    people[1]["status"] = json!("ON_EXTENDED_LEAVE");
    let (_server, result) = run(Scenario {
        people,
        ..Scenario::default()
    });
    assert_eq!(column(&result.unwrap(), "status")[1], "ON_EXTENDED_LEAVE");
}

#[test]
fn a_bad_token_as_401_aborts() {
    let server = emu::start(Scenario::default());
    let wrong = MapEnv::of([("WORKNICE_API_TOKEN", "wn-wrong-000")]);
    let err = fetch(&settings(&server, None), &wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Worknice: POST {}/api/graphql answered HTTP 401: Unauthorized",
            server.url
        )
    );
    assert_eq!(
        miette::Diagnostic::help(&err).unwrap().to_string(),
        "check the Worknice API token; a token stops working when its integration is archived"
    );
    assert_no_secret(&err, &["wn-wrong-000", TOKEN]);
}

#[test]
fn a_bad_token_as_graphql_error_aborts() {
    let server = emu::start(Scenario {
        bad_token: BadToken::GraphQlError,
        ..Scenario::default()
    });
    let wrong = MapEnv::of([("WORKNICE_API_TOKEN", "wn-wrong-000")]);
    let err = fetch(&settings(&server, None), &wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Worknice: POST {}/api/graphql (HTTP 200) returned GraphQL errors: Unauthorized: invalid API token",
            server.url
        )
    );
    assert!(
        miette::Diagnostic::help(&err)
            .unwrap()
            .to_string()
            .starts_with("check the Worknice API token")
    );
}

#[test]
fn a_field_worknice_does_not_know_is_a_clear_graphql_error() {
    let server = emu::start(Scenario::default());
    let err = fetch_fields(&settings(&server, None), &vars(), &["tags"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Worknice: POST {}/api/graphql (HTTP 200) returned GraphQL errors: Cannot query field \"tags\" on type \"Person\".",
            server.url
        )
    );
    assert!(
        miette::Diagnostic::help(&err)
            .unwrap()
            .to_string()
            .starts_with("Worknice does not know a field")
    );
}

#[test]
fn errors_beside_partial_data_abort() {
    let (server, result) = run(Scenario {
        resolver_error: Some("Position resolver failed".into()),
        ..Scenario::default()
    });
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Worknice: POST {}/api/graphql (HTTP 200) returned GraphQL errors: Position resolver failed (at session.org.people.0.currentJob)",
            server.url
        )
    );
}

#[test]
fn a_500_aborts() {
    let (server, result) = run(Scenario {
        fail: Some((1, 500)),
        ..Scenario::default()
    });
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Worknice: POST {}/api/graphql answered HTTP 500: Internal Server Error",
            server.url
        )
    );
}

#[test]
fn a_malformed_response_aborts() {
    let (server, result) = run(Scenario {
        malformed: Some(1),
        ..Scenario::default()
    });
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Worknice: POST {}/api/graphql (HTTP 200) gave a malformed answer: the body is not JSON (EOF while parsing a string at line 1 column 53)",
            server.url
        )
    );
}

#[test]
fn a_429_is_retried() {
    let (server, result) = run(Scenario {
        throttle: vec![(1, None)],
        ..Scenario::default()
    });
    assert_eq!(result.unwrap().records.len(), 36);
    assert_eq!(server.count("/api/graphql"), 2);
}
