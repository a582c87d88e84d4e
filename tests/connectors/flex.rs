//! Flex HRM scenarios.

use super::emulators::flex::{self as emu, Envelope, REGIONAL_MANAGER, Scenario};
use super::emulators::{Server, basic_header};
use super::*;
use serde_json::json;

const PASSWORD: &str = "flex-pass-456";

fn settings(server: &Server, prefix: &str, companies: &[&str], page_size: i64) -> Endpoint {
    source(
        "flex",
        vec![
            ("url", text(&format!("{}{prefix}", server.url))),
            ("username", text("wt-integration")),
            ("password", env("FLEX_PASSWORD")),
            ("instance", text("5257")),
            (
                "companies",
                ConfigValue::List(companies.iter().map(|c| c.to_string()).collect()),
            ),
            ("page_size", ConfigValue::Int(page_size)),
        ],
    )
}

fn vars() -> MapEnv {
    MapEnv::of([("FLEX_PASSWORD", PASSWORD)])
}

fn run(scenario: Scenario, page_size: i64) -> (Server, Result<Snapshot, ConnectorError>) {
    let server = emu::start(scenario);
    let result = fetch(
        &settings(&server, "/webapi/api", &["1010"], page_size),
        &vars(),
    );
    (server, result)
}

/// `(company, pageIndex)` of every request.
fn pages(server: &Server) -> Vec<(String, String)> {
    server
        .requests()
        .iter()
        .map(|r| {
            let company = r
                .param("companynumber")
                .or_else(|| r.param("companyId"))
                .unwrap_or_default();
            (company, r.param("pageIndex").unwrap_or_default())
        })
        .collect()
}

fn page_list(company: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (company.to_owned(), i.to_string()))
        .collect()
}

fn example() -> Vec<Map<String, Value>> {
    example_fields("flex.json", wtmap::connectors::shape("flex").unwrap())
}

#[test]
fn pages_until_a_short_page_with_basic_auth() {
    let (server, result) = run(Scenario::default(), 10);
    let snapshot = result.unwrap();
    assert_eq!(
        fields(&snapshot),
        example(),
        "the same records as the example file"
    );
    assert_eq!(
        pages(&server),
        page_list("1010", 5),
        "42 people: 4 full pages and one of 2"
    );
    let basic = basic_header("wt-integration", PASSWORD);
    for r in server.requests() {
        assert_eq!(r.path, "/webapi/api/employees");
        assert_eq!(r.header("authorization"), Some(basic.as_str()));
        assert_eq!(r.param("instance").as_deref(), Some("5257"));
        assert_eq!(r.param("pageSize").as_deref(), Some("10"));
    }
    assert_eq!(server.connections(), 1);
    assert_round_trips(&snapshot, wtmap::connectors::shape("flex").unwrap());
}

#[test]
fn a_full_last_page_costs_one_empty_page() {
    let (server, result) = run(Scenario::default(), 21);
    assert_eq!(result.unwrap().records.len(), 42);
    assert_eq!(pages(&server), page_list("1010", 3));
}

#[test]
fn the_newer_host_with_camel_case_and_a_wrapper_reads_the_same() {
    let scenario = Scenario {
        camel_case: true,
        envelope: Envelope::Wrapped,
        ..Scenario::default()
    };
    let server = emu::start(scenario);
    let snapshot = fetch(&settings(&server, "/api", &["1010"], 10), &vars()).unwrap();
    assert!(server.requests().iter().all(|r| r.path == "/api/employees"));
    assert!(
        snapshot
            .text
            .contains(r#""emailWork": "karin.lindqvist@acme.example""#),
        "the wire form is kept"
    );
    // Keys become PascalCase; gender is a number (`_` is 0) and reads as the same text codes.
    let mut expected = example();
    for record in &mut expected {
        let code = match record["Gender"].as_str() {
            Some("1") => 1,
            Some("2") => 2,
            _ => 0,
        };
        record.insert("Gender".into(), json!(code));
    }
    assert_eq!(fields(&snapshot), expected);
    assert_eq!(
        column(&snapshot, "Gender")
            .iter()
            .filter(|g| *g == "0")
            .count(),
        1,
        "Julia Wallin's `_`"
    );
    assert_eq!(
        super::live::plan_of("flex", &snapshot.records),
        super::live::plan_of_example("flex")
    );
}

#[test]
fn company_ids_and_numbers_use_their_own_parameters() {
    let uuid = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    let scenario = Scenario {
        companies: vec![(uuid.into(), emu::example_employees())],
        ..Scenario::default()
    };
    let server = emu::start(scenario);
    let snapshot = fetch(&settings(&server, "/webapi/api", &[uuid], 100), &vars()).unwrap();
    assert_eq!(snapshot.records.len(), 42);
    let request = &server.requests()[0];
    assert_eq!(request.param("companyId").as_deref(), Some(uuid));
    assert_eq!(request.param("companynumber"), None);
}

#[test]
fn bad_credentials_abort() {
    let server = emu::start(Scenario::default());
    let wrong = MapEnv::of([("FLEX_PASSWORD", "wrong-pass-000")]);
    let err = fetch(&settings(&server, "/webapi/api", &["1010"], 10), &wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Flex HRM: GET {}/webapi/api/employees?instance=5257&companynumber=1010&pageIndex=0&pageSize=10 answered HTTP 401: Unauthorized: Invalid username or password.",
            server.url
        )
    );
    assert_eq!(
        miette::Diagnostic::help(&err).unwrap().to_string(),
        "check `username` and `password` of the Flex HRM integration user"
    );
    assert_no_secret(&err, &["wrong-pass-000", PASSWORD]);
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
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Flex HRM: GET {}/webapi/api/employees?instance=5257&companynumber=1010&pageIndex=2&pageSize=10 answered HTTP 500: An error occurred while processing your request.",
            server.url
        )
    );
    assert_eq!(pages(&server), page_list("1010", 3));
}

#[test]
fn a_malformed_page_aborts() {
    let (server, result) = run(
        Scenario {
            malformed: Some(2),
            ..Scenario::default()
        },
        10,
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "Flex HRM: GET {}/webapi/api/employees?instance=5257&companynumber=1010&pageIndex=1&pageSize=10 (HTTP 200) gave a malformed answer: the body is not JSON (EOF while parsing a string at line 1 column 37)",
            server.url
        )
    );
}

#[test]
fn a_company_without_access_is_refused_by_name() {
    let scenario = Scenario {
        companies: vec![
            ("1010".into(), emu::example_employees()),
            ("2020".into(), emu::company_2020()),
        ],
        forbidden: vec!["2020".into()],
        ..Scenario::default()
    };
    let server = emu::start(scenario);
    let err = fetch(
        &settings(&server, "/webapi/api", &["1010", "2020"], 100),
        &vars(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Flex HRM: GET {}/webapi/api/employees?instance=5257&companynumber=2020&pageIndex=0&pageSize=100 answered HTTP 403: Forbidden: The user has no access to company 2020.",
            server.url
        )
    );
    assert_eq!(
        miette::Diagnostic::help(&err).unwrap().to_string(),
        "the integration user needs access to company 2020 and a role that may view employees"
    );
}

#[test]
fn an_empty_company_is_a_warning() {
    let server = emu::start(Scenario::default());
    let snapshot = fetch(
        &settings(&server, "/webapi/api", &["1010", "3030"], 100),
        &vars(),
    )
    .unwrap();
    assert_eq!(snapshot.records.len(), 42);
    assert_eq!(
        snapshot.warnings,
        [
            "company 3030 has no employees: check the number and that the integration user has access to it"
        ]
    );
}

#[test]
fn two_companies_each_person_once_and_managers_across_companies() {
    let scenario = Scenario {
        companies: vec![
            ("1010".into(), emu::example_employees()),
            ("2020".into(), emu::company_2020()),
        ],
        ..Scenario::default()
    };
    let server = emu::start(scenario);
    let snapshot = fetch(
        &settings(&server, "/webapi/api", &["1010", "2020"], 20),
        &vars(),
    )
    .unwrap();
    assert_eq!(
        pages(&server),
        [page_list("1010", 3), page_list("2020", 1)].concat()
    );
    assert_eq!(snapshot.records.len(), 44, "42 + 3 − Karin, who is in both");
    assert_eq!(snapshot.duplicates, 1);
    let ids = column(&snapshot, "Id");
    assert_eq!(
        ids.iter()
            .filter(|id| *id == "78c99c7f-bc57-57dd-9963-443c9b93f24e")
            .count(),
        1
    );
    assert!(ids.contains(&REGIONAL_MANAGER.to_owned()));
    // Karin is read from the first company that lists her.
    assert_eq!(column(&snapshot, "CompanyId")[0], "1010");
    // With company 2020 read, Rasmus Jönsson's manager resolves: no W0451 for him.
    let with_2020 = super::live::plan_of("flex", &snapshot.records);
    assert!(super::live::plan_of_example("flex").contains("W0451"));
    assert!(!with_2020.contains("W0451"), "{with_2020}");
}
