//! Personio org units (v2): a v2 token from form-encoded client credentials, both unit types,
//! cursor paging, refusals; and end to end, a mapping whose teams are Personio's org units.

use super::emulators::personio::{self as emu, Scenario};
use super::personio::{SECRET, settings, vars};
use super::*;
use serde_json::json;

fn fetch_units(endpoint: &Endpoint, env: &MapEnv) -> Result<Snapshot, ConnectorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let connectors = Connectors::new(policy()).unwrap();
    let cfg = ConnectorConfig {
        source: endpoint,
        fields: Vec::new(),
        base_url: None,
    };
    runtime.block_on(connectors.fetch_units(&cfg, env, &NoProgress))
}

fn run(scenario: Scenario) -> (emulators::Server, Result<Snapshot, ConnectorError>) {
    let server = emu::start(scenario);
    let result = fetch_units(&settings(&server, 100), &vars());
    (server, result)
}

#[test]
fn both_unit_types_are_read_with_a_v2_token_page_by_page() {
    // 120 departments (three pages of 50) and 3 teams (one page).
    let mut units: Vec<Value> = (0..120)
        .map(|n| {
            json!({"id": 5000 + n, "type": "DEPARTMENT", "name": format!("D{n}"),
                   "parent": if n == 0 { Value::Null } else { json!({"id": 5000 + n / 2}) }})
        })
        .collect();
    units.extend(
        emu::example_org_units()
            .into_iter()
            .filter(|u| u["type"] == "team"),
    );
    let (server, result) = run(Scenario {
        org_units: units,
        ..Scenario::default()
    });
    let snapshot = result.unwrap();
    assert_eq!(snapshot.records.len(), 123);
    let first = &snapshot.records[1].fields;
    assert_eq!(
        Value::Object(first.clone()),
        json!({"id": "5001", "type": "department", "name": "D1", "abbreviation": null,
               "description": null, "parent_id": "5000"}),
        "a flat record; `parent: {{id}}` read as `parent_id`, the type in lower case"
    );
    let team = &snapshot.records[120].fields;
    assert_eq!(team["type"], "team");
    assert_eq!(team["parent_id"], "1200");

    let requests = server.requests();
    let token: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/v2/auth/token")
        .collect();
    assert_eq!(token.len(), 1, "one token for every page");
    assert!(
        token[0]
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    );
    let pages: Vec<(String, String)> = requests
        .iter()
        .filter(|r| r.path == "/v2/org-units")
        .map(|r| {
            (
                r.param("type").unwrap_or_default(),
                r.param("cursor").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [
            ("department".into(), String::new()),
            ("department".into(), "c-50".into()),
            ("department".into(), "c-100".into()),
            ("team".into(), String::new()),
        ]
    );
    assert!(
        requests
            .iter()
            .filter(|r| r.path == "/v2/org-units")
            .all(|r| r.header("authorization") == Some("Bearer v2-token-1"))
    );
}

#[test]
fn a_refused_credential_or_scope_is_an_error_that_says_what_to_check() {
    let server = emu::start(Scenario::default());
    let wrong = MapEnv::of([("PERSONIO_CLIENT_SECRET", "wrong-client-secret")]);
    let err = fetch_units(&settings(&server, 100), &wrong).unwrap_err();
    let help = miette::Diagnostic::help(&err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(err.to_string().contains("401"), "{err}");
    assert!(help.contains("client_secret"), "{help}");
    assert!(!err.to_string().contains(SECRET) && !help.contains(SECRET));

    let (_, result) = run(Scenario {
        refuse_org_units: true,
        ..Scenario::default()
    });
    let err = result.unwrap_err();
    let help = miette::Diagnostic::help(&err)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("personio:org_units:read"), "{err}: {help}");
}

#[test]
fn a_next_link_to_another_server_is_refused_and_the_token_stays_home() {
    let many: Vec<Value> = (0..60)
        .map(|n| json!({"id": n, "type": "department", "name": format!("D{n}")}))
        .collect();
    let (server, result) = run(Scenario {
        org_units: many,
        foreign_next: true,
        ..Scenario::default()
    });
    let err = result.unwrap_err().to_string();
    assert!(err.contains("another server"), "{err}");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/v2/org-units")
            .count(),
        1
    );
}

#[test]
fn a_mapping_whose_teams_are_personios_org_units_plans_from_the_emulator() {
    let server = emu::start(Scenario::default());
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/personio.wtmap"),
    )
    .unwrap()
    .replace(
        "group path = [department.name] ids [department.id]",
        "units {\n  id     = id\n  name   = name\n  parent = parent_id\n}\n\ngroup = department.id",
    )
    .replace(
        "client_id     = env(\"PERSONIO_CLIENT_ID\")",
        "client_id     = \"wtmap-client\"",
    );
    let mapping = dir.path().join("personio.wtmap");
    std::fs::write(&mapping, text).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .arg("plan")
        .arg(&mapping)
        .args(["--source-url", &server.url, "--today", "2026-11-21"])
        .args(["--format", "json"])
        .env("PERSONIO_CLIENT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    let teams: Vec<(String, Value)> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "create_team")
        .map(|a| {
            (
                a["external_id"].as_str().unwrap().to_string(),
                a["parent"].clone(),
            )
        })
        .collect();
    assert_eq!(teams.len(), 14, "every unit of both types: {teams:?}");
    assert_eq!(teams[0], ("1000".to_string(), Value::Null), "the top first");
    assert!(teams.contains(&("1312".to_string(), json!("1310"))));
    assert!(teams.contains(&("77".to_string(), json!("1200"))));
    let memberships = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "add_membership" && a["role"] == "member")
        .count();
    assert!(memberships > 30, "{memberships}");
    assert!(
        server.requests().iter().any(|r| r.path == "/v2/org-units"),
        "the units came from the org-units endpoint"
    );
}
