//! One scenario suite against every SCIM server wtmap is tested with: `scim2-server` (Python)
//! and the SCIMMY server of `tests/scim_node` (Node) in each of its profiles — no PATCH, no
//! filters, a cap on member changes per PATCH (413, or 400 "too many operations"), PascalCase
//! answers, ETags, Bulk offered, no discovery at all. Each step (create 262 people with 250 in
//! one team, update, pause, rename a team, move people between teams) is applied and planned
//! again: the re-plan is empty every time, and every server ends with the same directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support;

use serde_json::Value;
use std::path::Path;
use std::sync::atomic::Ordering;
use support::fault_proxy::{Fault, FaultProxy};
use support::{ScimServer, camel, raw_request, scim_node, texts, wtmap};

const TOKEN: &str = "tok-profiles-5e6f";

fn mapping(url: &str) -> String {
    mapping_with(url, "")
}

fn mapping_with(url: &str, extra_target: &str) -> String {
    format!(
        "source csv {{ path = \"people.csv\" }}\n\
         fields {{ id: text, mail: text, first: text, last: text, team: text, code: text, \
         boss: text?, title: text?, left: text? }}\n\
         target winningtemp.scim {{\n  url = \"{url}\"\n  token = env(\"WT_SCIM_TOKEN\")\n{extra_target}}}\n\
         user {{\n  external_id = id\n  username = mail\n  email = mail\n  first_name = first\n  \
         last_name = last\n  title = title\n  manager = boss\n}}\n\
         group path = [team] ids [code]\n\
         pause when left is not empty\n"
    )
}

/// 262 people: E1..E250 in team Big (code T1, led by E1), E251..E256 in Sales (T2, led by
/// E251), E257..E262 in Dev (T3, led by E257).
fn records() -> Vec<[String; 9]> {
    (1..=262)
        .map(|i| {
            let (team, code, lead) = match i {
                1..=250 => ("Big", "T1", 1),
                251..=256 => ("Sales", "T2", 251),
                _ => ("Dev", "T3", 257),
            };
            let boss = if i == lead {
                String::new()
            } else {
                format!("E{lead}")
            };
            [
                format!("E{i}"),
                format!("p{i}@x.example"),
                format!("First{i}"),
                format!("Last{i}"),
                team.to_string(),
                code.to_string(),
                boss,
                format!("Title {i}"),
                String::new(),
            ]
        })
        .collect()
}

fn csv(rows: &[[String; 9]]) -> String {
    let mut out = String::from("id,mail,first,last,team,code,boss,title,left\n");
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}

fn state(dir: &Path) -> Value {
    let o = wtmap(dir, TOKEN, &["state", "m.wtmap", "--out", "state.json"]);
    assert!(o.status.success(), "{}", texts(&o).1);
    serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap()
}

fn replan_is_empty(dir: &Path, step: &str) {
    state(dir);
    let o = wtmap(
        dir,
        TOKEN,
        &[
            "plan",
            "m.wtmap",
            "--state",
            "state.json",
            "--format",
            "json",
        ],
    );
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{step}: {err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        plan["summary"]["total"], 0,
        "{step}: re-plan not empty: {out}"
    );
}

fn apply(dir: &Path, rows: &[[String; 9]], step: &str) -> Value {
    std::fs::write(dir.join("people.csv"), csv(rows)).unwrap();
    let o = wtmap(
        dir,
        TOKEN,
        &["apply", "m.wtmap", "--yes", "--format", "json"],
    );
    let (out, err) = texts(&o);
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "token leaked");
    let report: Value =
        serde_json::from_str(&out).unwrap_or_else(|_| panic!("{step}: no report: {err}\n{out}"));
    assert_eq!(o.status.code(), Some(0), "{step}: {err}\n{report}");
    assert_eq!(report["summary"]["failed"], 0, "{step}: {report}");
    replan_is_empty(dir, step);
    report
}

/// The directory without the server's own IDs, to compare servers.
fn without_ids(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "id")
                .map(|(k, v)| (k, without_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_ids).collect()),
        other => other,
    }
}

fn details(report: &Value) -> Vec<String> {
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["result"]["detail"].as_str().map(str::to_string))
        .collect()
}

/// The suite against one server; returns the final directory (IDs removed).
fn scenario(server: &ScimServer, name: &str, extra_target: &str) -> (Value, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.wtmap"), mapping_with(&server.url(), extra_target)).unwrap();
    let mut rows = records();
    let mut reports = Vec::new();

    // Create: 262 users, 3 teams and their managers groups, 250 members in one team.
    let r = apply(d, &rows, &format!("{name}: create"));
    assert_eq!(server.users().len(), 262, "{name}");
    reports.push(r);

    // Update: a title, a first name, a new primary email.
    rows[1][7] = "Chief".into();
    rows[2][2] = "Trois".into();
    rows[3][1] = "p4.new@x.example".into();
    reports.push(apply(d, &rows, &format!("{name}: update")));
    let u = server.user("E4");
    assert_eq!(
        u["emails"].as_array().map(Vec::len),
        Some(1),
        "{name}: one email entry: {u}"
    );
    assert_eq!(u["emails"][0]["value"], "p4.new@x.example", "{name}");

    // Pause: a leaver is made inactive, never deleted.
    rows[4][8] = "2026-01-31".into();
    reports.push(apply(d, &rows, &format!("{name}: pause")));
    assert_eq!(server.user("E5")["active"], false, "{name}");
    assert_eq!(server.users().len(), 262, "{name}");

    // Rename a team (same code, new name): the group and its managers group are renamed.
    for r in rows.iter_mut().filter(|r| r[5] == "T2") {
        r[4] = "Revenue".into();
    }
    reports.push(apply(d, &rows, &format!("{name}: rename")));
    let names: Vec<String> = server
        .groups()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(names.contains(&"Revenue".to_string()), "{name}: {names:?}");
    assert!(!names.contains(&"Sales".to_string()), "{name}: {names:?}");

    // Move people between teams: two from Revenue and one from Big to Dev, and one from Dev
    // to Big.
    for i in [251, 252, 9, 258] {
        let (team, code, boss) = if i == 258 {
            ("Big", "T1", "E1")
        } else {
            ("Dev", "T3", "E257")
        };
        let r = &mut rows[i];
        r[4] = team.into();
        r[5] = code.into();
        r[6] = boss.into();
    }
    reports.push(apply(d, &rows, &format!("{name}: move")));

    (without_ids(state(d)), reports)
}

fn node(flags: &[&str]) -> ScimServer {
    scim_node::start(TOKEN, flags)
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn every_server_profile_converges_to_the_same_directory() {
    let reference = {
        let server = ScimServer::start(TOKEN);
        scenario(&server, "scim2-server", "").0
    };
    // scim2-server again, new users in Bulk requests.
    {
        let server = ScimServer::start(TOKEN);
        let (directory, reports) =
            scenario(&server, "scim2-server, bulk = auto", "  bulk = \"auto\"\n");
        assert_eq!(
            directory, reference,
            "scim2-server with Bulk: a different directory"
        );
        let bulked = details(&reports[0])
            .iter()
            .filter(|d| d.starts_with("created in a Bulk request of"))
            .count();
        assert_eq!(bulked, 262, "{}", reports[0]);
    }
    assert_eq!(reference["users"].as_array().unwrap().len(), 262);
    let profiles: &[(&str, &[&str])] = &[
        ("node", &[]),
        ("node no PATCH, ETags", &["--no-patch", "--etag"]),
        (
            "node no filter, maxResults 50",
            &["--no-filter", "--max-results", "50"],
        ),
        ("node 40 members per PATCH (413)", &["--max-members", "40"]),
        (
            "node 40 members per PATCH (400), PascalCase",
            &[
                "--max-members",
                "40",
                "--too-many-status",
                "400",
                "--pascal",
            ],
        ),
        (
            "node PascalCase, Bulk offered",
            &["--pascal", "--bulk", "50"],
        ),
        (
            "node Bulk of 50 within 8000 bytes, bulk = auto",
            &["--bulk", "50", "--bulk-max-payload", "8000"],
        ),
        (
            "node without discovery, refusing PATCH and filters",
            &["--no-discovery", "--no-patch", "--no-filter"],
        ),
    ];
    for (name, flags) in profiles {
        let server = node(flags);
        let use_bulk = name.ends_with("bulk = auto");
        let extra = if use_bulk { "  bulk = \"auto\"\n" } else { "" };
        let (directory, reports) = scenario(&server, name, extra);
        let bulked = details(&reports[0])
            .iter()
            .filter(|d| d.starts_with("created in a Bulk request of"))
            .count();
        // Only with `bulk = auto`; then every user, in requests the server's limits allow.
        assert_eq!(
            bulked,
            if use_bulk { 262 } else { 0 },
            "{name}: {}",
            reports[0]
        );
        assert_eq!(directory, reference, "{name}: a different directory");
        let server_said = &reports[0]["server"];
        let discovery = !flags.contains(&"--no-discovery");
        assert_eq!(
            server_said["source"] == "/ServiceProviderConfig",
            discovery,
            "{name}: {server_said}"
        );
        if discovery {
            assert_eq!(
                server_said["patch"],
                !flags.contains(&"--no-patch"),
                "{name}: {server_said}"
            );
            assert_eq!(
                server_said["filter"],
                !flags.contains(&"--no-filter"),
                "{name}"
            );
            assert_eq!(server_said["etag"], flags.contains(&"--etag"), "{name}");
            assert_eq!(server_said["bulk"], flags.contains(&"--bulk"), "{name}");
            assert!(
                server_said["resource_types"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "User")),
                "{name}: {server_said}"
            );
        }
        if flags.contains(&"--max-members") {
            // 250 members in batches of 100 refused: halved to 50, then 25.
            let halved: Vec<String> = details(&reports[0])
                .into_iter()
                .filter(|d| d.starts_with("sent in batches of 25 after"))
                .collect();
            assert!(!halved.is_empty(), "{name}: {}", reports[0]);
        }
    }
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn lookups_list_the_directory_when_filters_are_refused() {
    let server = node(&["--no-filter"]);
    // The answer to the first user POST is lost (the server did create the user).
    let posts = std::sync::atomic::AtomicU64::new(0);
    let proxy = FaultProxy::start(server.port, move |_, method, path| {
        if method == "POST" && path == "/v2/Users" && posts.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::DropAfter
        } else {
            Fault::Pass
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = mapping(&proxy.url()).replace(
        "token = env(\"WT_SCIM_TOKEN\")\n",
        "token = env(\"WT_SCIM_TOKEN\")\n  concurrency = 1\n",
    );
    std::fs::write(d.join("m.wtmap"), text).unwrap();
    let rows: Vec<[String; 9]> = records().into_iter().take(3).collect();
    std::fs::write(d.join("people.csv"), csv(&rows)).unwrap();
    let o = wtmap(d, TOKEN, &["apply", "m.wtmap", "--yes", "--format", "json"]);
    let (out, err) = texts(&o);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
    let result = |ext: &str| {
        report["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["action"]["external_id"] == ext && a["action"]["action"] == "create_user")
            .map(|a| a["result"].clone())
            .unwrap_or_else(|| panic!("no create of {ext}: {report}"))
    };
    let seen = proxy.seen();
    let first_post = seen
        .iter()
        .find(|s| s.method == "POST" && s.path == "/v2/Users")
        .unwrap();
    let dropped = ["E1", "E2", "E3"]
        .into_iter()
        .find(|e| first_post.body.contains(&format!("\"externalId\":\"{e}\"")))
        .expect("the first user POST is one of the three");
    let adopted = result(dropped);
    assert_eq!(adopted["status"], "ok", "{report}");
    assert!(
        adopted["detail"]
            .as_str()
            .unwrap()
            .starts_with("created (by an earlier attempt"),
        "{adopted}"
    );
    // Found by listing, never by a filter (the server refuses them).
    assert!(seen.iter().all(|s| !s.path.contains("filter=")), "{seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.method == "GET" && s.path.starts_with("/v2/Users?startIndex=")),
        "{seen:?}"
    );
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    for ext in ["E1", "E2", "E3"] {
        let n = server
            .users()
            .into_iter()
            .filter(|u| u["externalId"] == ext)
            .count();
        assert_eq!(n, 1, "{ext}");
    }
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn an_html_error_page_is_summarised_in_one_line() {
    let server = node(&[]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A base URL the server does not serve: it answers with an HTML page.
    let url = format!("http://127.0.0.1:{}/not-scim", server.port);
    std::fs::write(d.join("m.wtmap"), mapping(&url)).unwrap();
    std::fs::write(d.join("people.csv"), csv(&records()[..2])).unwrap();
    let o = wtmap(d, TOKEN, &["state", "m.wtmap"]);
    let (_, err) = texts(&o);
    assert!(!o.status.success());
    let line = err
        .lines()
        .find(|l| l.contains("HTTP 404"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains(
            "GET /Users: HTTP 404 Not Found: 404 Not Found Not Found The requested URL was not \
             found on this server."
        ),
        "{err}"
    );
    assert!(!err.contains('<'), "{err}");
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn pascal_case_answers_are_read_as_camel_case() {
    let server = node(&["--pascal"]);
    let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName":"ann@x.example","externalId":"E1","active":true,
        "name":{"givenName":"Ann","familyName":"Lee"},
        "emails":[{"value":"ann@x.example","primary":true}]}"#;
    let (status, raw) = raw_request(server.port, "POST", "/v2/Users", TOKEN, Some(body)).unwrap();
    assert_eq!(status, 201);
    // The server really answers in PascalCase.
    assert!(
        raw.contains("\"UserName\"") && raw.contains("\"GivenName\""),
        "{raw}"
    );
    assert_eq!(
        camel(serde_json::from_str(&raw).unwrap())["userName"],
        "ann@x.example"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.wtmap"), mapping(&server.url())).unwrap();
    let s = state(d);
    let user = &s["users"][0];
    assert_eq!(user["username"], "ann@x.example", "{s}");
    assert_eq!(user["external_id"], "E1", "{s}");
    assert_eq!(user["attributes"]["first_name"], "Ann", "{s}");
    assert_eq!(user["attributes"]["email"], "ann@x.example", "{s}");
}
