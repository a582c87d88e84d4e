//! Personio failure scenarios: throttling, failed and malformed pages, errors as sent.

use super::emulators::personio::{self as emu, Malformed, Scenario};
use super::personio::{SECRET, example, offsets, run, settings};
use super::*;
use std::time::Instant;

#[test]
fn a_429_with_retry_after_waits_as_asked() {
    let started = Instant::now();
    let (server, result) = run(
        Scenario {
            throttle: vec![(2, Some("1".into()))],
            ..Scenario::default()
        },
        10,
    );
    assert_eq!(fields(&result.unwrap()), example());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(offsets(&server), ["0", "10", "10", "20", "30", "40"]);
}

#[test]
fn a_429_with_a_past_http_date_retries_at_once() {
    let after = Some("Sun, 06 Nov 1994 08:49:37 GMT".to_owned());
    let (server, result) = run(
        Scenario {
            throttle: vec![(1, after)],
            ..Scenario::default()
        },
        50,
    );
    assert_eq!(result.unwrap().records.len(), 44);
    assert_eq!(offsets(&server), ["0", "0"]);
}

#[test]
fn a_429_without_retry_after_backs_off_and_retries() {
    let (server, result) = run(
        Scenario {
            throttle: vec![(2, None), (3, None)],
            ..Scenario::default()
        },
        10,
    );
    let snapshot = result.unwrap();
    assert_eq!(fields(&snapshot), example());
    assert_eq!(offsets(&server), ["0", "10", "10", "10", "20", "30", "40"]);
    assert_eq!(snapshot.requests, 8);
}

#[test]
fn endless_429s_give_up_after_the_attempts_allowed() {
    let scenario = Scenario {
        throttle: vec![(1, None), (2, None), (3, None)],
        ..Scenario::default()
    };
    let (server, result) = run(scenario, 10);
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Personio: GET {}/v1/company/employees?limit=10&offset=0 answered HTTP 429 (Too Many Requests); gave up after 3 attempt(s)",
            server.url
        )
    );
}

#[test]
fn a_retry_after_beyond_the_cap_ends_the_fetch_at_once() {
    let (server, result) = run(
        Scenario {
            throttle: vec![(1, Some("3600".into()))],
            ..Scenario::default()
        },
        10,
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Personio: GET {}/v1/company/employees?limit=10&offset=0 answered HTTP 429 (asked to wait 3600s, longer than the 2s wtmap waits); gave up after 1 attempt(s)",
            server.url
        )
    );
    assert_eq!(offsets(&server), ["0"]);
}

#[test]
fn a_throttled_auth_is_retried() {
    let (server, result) = run(
        Scenario {
            throttle_auth: Some(None),
            ..Scenario::default()
        },
        50,
    );
    assert_eq!(result.unwrap().records.len(), 44);
    assert_eq!(server.count("/v1/auth"), 2);
}

#[test]
fn a_500_on_page_3_aborts_with_no_records() {
    let (server, result) = run(
        Scenario {
            fail: Some((3, 500)),
            ..Scenario::default()
        },
        10,
    );
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Personio: GET {}/v1/company/employees?limit=10&offset=20 answered HTTP 500: Internal Server Error",
            server.url
        )
    );
    assert_eq!(
        offsets(&server),
        ["0", "10", "20"],
        "no page after the failed one"
    );
    assert_no_secret(&err, &[SECRET]);
}

#[test]
fn a_truncated_page_aborts() {
    let (server, result) = run(
        Scenario {
            malformed: Some((2, Malformed::Truncated)),
            ..Scenario::default()
        },
        10,
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Personio: GET {}/v1/company/employees?limit=10&offset=10 (HTTP 200) gave a malformed answer: the body is not JSON (EOF while parsing a string at line 1 column 42)",
            server.url
        )
    );
}

#[test]
fn an_employee_without_attributes_aborts() {
    let (server, result) = run(
        Scenario {
            malformed: Some((1, Malformed::NoAttributes)),
            ..Scenario::default()
        },
        10,
    );
    let endpoint = format!("{}/v1/company/employees?limit=10&offset=0", server.url);
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Personio: GET {endpoint} (HTTP 200) returned records that cannot be read: record 1 of `{endpoint}` is not a Personio employee: it has no `attributes`"
        )
    );
}

#[test]
fn a_german_404_is_reported_as_sent() {
    let (server, result) = run(
        Scenario {
            not_found: true,
            ..Scenario::default()
        },
        10,
    );
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Personio: GET {}/v1/company/employees?limit=10&offset=0 answered HTTP 404: Es ist ein Problem aufgetreten",
            server.url
        )
    );
    assert_eq!(
        miette::Diagnostic::help(&err).unwrap().to_string(),
        "check `base_url`: it should be the API root, e.g. `https://api.personio.de`"
    );
}

#[test]
fn an_unset_secret_is_named_and_nothing_is_sent() {
    let server = emu::start(Scenario::default());
    let err = fetch(&settings(&server, 10), &MapEnv::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Personio: `client_secret` reads environment variable `PERSONIO_CLIENT_SECRET`, which is not set"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn nothing_listening_is_a_network_error_after_one_retry() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = source(
        "personio",
        vec![
            ("client_id", text("wtmap-client")),
            ("client_secret", env("PERSONIO_CLIENT_SECRET")),
            ("base_url", text(&format!("http://127.0.0.1:{port}"))),
        ],
    );
    let err = fetch(&endpoint, &super::personio::vars()).unwrap_err();
    // The OS's wording of "connection refused" varies; the rest is wtmap's.
    let message = err.to_string();
    let prefix = format!(
        "Personio: POST http://127.0.0.1:{port}/v1/auth failed: error sending request: client error (Connect): tcp connect error: "
    );
    assert!(message.starts_with(&prefix), "{message}");
    assert!(matches!(err, ConnectorError::Network { .. }));
}
