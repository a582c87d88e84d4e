//! The SCIM target against a real SCIM 2.0 server (`scim2-server` from PyPI, on loopback):
//! plan against an empty server → apply → plan again is empty → change records → apply
//! updates (read back and compared) → a leaver is paused, not deleted → a mass removal trips
//! the guard and nothing is written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support;

use serde_json::{Value, json};
use std::path::Path;
use support::{BODY, ScimServer, mapping_dir, people, texts, wtmap};

const TOKEN: &str = "tok-9f8e7d6c5b4a";

fn plan_json(dir: &Path, state: &str) -> Value {
    let o = wtmap(
        dir,
        TOKEN,
        &["plan", "m.wtmap", "--state", state, "--format", "json"],
    );
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    serde_json::from_str(&out).unwrap()
}

fn save_state(dir: &Path) -> String {
    let o = wtmap(dir, TOKEN, &["state", "m.wtmap", "--out", "state.json"]);
    assert!(o.status.success(), "{}", texts(&o).1);
    "state.json".to_string()
}

fn apply(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["apply", "m.wtmap", "--yes", "--format", "json"];
    args.extend_from_slice(extra);
    let o = wtmap(dir, TOKEN, &args);
    let (out, err) = texts(&o);
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "token leaked");
    let report = serde_json::from_str(&out).unwrap_or(Value::Null);
    (o.status.code().unwrap(), report, err)
}

fn no_token_in_files(dir: &Path) {
    for entry in walk(dir) {
        let text = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains(TOKEN),
            "token in {}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn statuses(report: &Value) -> Vec<String> {
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["result"]["status"].as_str().unwrap().to_string())
        .collect()
}

fn member_ids(server: &ScimServer, external_id: &str) -> Vec<String> {
    let group = server
        .groups()
        .into_iter()
        .find(|g| g["externalId"] == external_id)
        .unwrap_or_else(|| panic!("no group {external_id}"));
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn full_cycle_against_a_real_scim_server() {
    let server = ScimServer::start(TOKEN);
    let records = people(12);
    let dir = mapping_dir(&server.url(), "", BODY, &records);
    let d = dir.path();

    // Plan against the empty server: every user and team is created.
    let state = save_state(d);
    let plan = plan_json(d, &state);
    assert_eq!(plan["summary"]["create_user"], 12);
    assert_eq!(plan["summary"]["create_team"], 4);
    std::fs::write(d.join("plan.json"), plan.to_string()).unwrap();

    // Apply that plan; every action is reported ok.
    let (code, report, err) = apply(d, &["--plan", "plan.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(
        report["actions"].as_array().unwrap().len(),
        plan["actions"].as_array().unwrap().len()
    );
    assert!(statuses(&report).iter().all(|s| s == "ok"), "{report}");
    assert_eq!(server.users().len(), 12);

    // Read back: attributes where Winningtemp's SCIM properties put them.
    let u = server.user("E5");
    assert_eq!(u["userName"], "p5@x.example");
    assert_eq!(
        u["name"],
        json!({"givenName": "First5", "familyName": "Last5"})
    );
    assert_eq!(u["emails"][0]["value"], "p5@x.example");
    assert_eq!(u["emails"][0]["primary"], true);
    assert_eq!(u["title"], "Title 5");
    assert_eq!(
        u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "1005"
    );
    assert_eq!(u["active"], true);
    let id = |ext: &str| server.user(ext)["id"].as_str().unwrap().to_string();
    // Team "Dev" (i % 4 == 1): lead E1 manages it, E5 and E9 are members.
    let mut dev = vec![id("E5"), id("E9")];
    dev.sort();
    assert_eq!(member_ids(&server, "Dev"), dev);
    assert_eq!(member_ids(&server, "Dev:managers"), vec![id("E1")]);

    // Planning again gives an empty plan.
    let state = save_state(d);
    assert_eq!(plan_json(d, &state)["summary"]["total"], 0);

    // Change records: a rename with a new email, a cleared title, a team move.
    let changed = records
        .replace(
            "E5,p5@x.example,First5,Last5,Dev,E1,Title 5",
            "E5,p5.new@x.example,Fifi,Last5,Ops,E3,",
        )
        .replace(
            "E6,p6@x.example,First6,Last6,Ops,E2,Title 6",
            "E6,p6@x.example,First6,Lastsix,Ops,E2,Boss",
        );
    std::fs::write(d.join("people.csv"), &changed).unwrap();
    let (code, report, err) = apply(d, &[]);
    assert_eq!(code, 0, "{err}\n{report}");
    let u = server.user("E5");
    assert_eq!(u["userName"], "p5.new@x.example");
    assert_eq!(u["name"]["givenName"], "Fifi");
    assert_eq!(
        u["emails"],
        json!([{"value": "p5.new@x.example", "primary": true}])
    );
    assert!(u.get("title").is_none(), "{u}");
    assert_eq!(
        u["id"].as_str().unwrap(),
        id("E5"),
        "an update, not a new user"
    );
    assert_eq!(server.user("E6")["name"]["familyName"], "Lastsix");
    assert_eq!(server.user("E6")["title"], "Boss");
    assert!(!member_ids(&server, "Dev").contains(&id("E5")));
    assert!(member_ids(&server, "Ops").contains(&id("E5")));
    let state = save_state(d);
    assert_eq!(plan_json(d, &state)["summary"]["total"], 0);

    // A person leaves: paused (active false), not deleted.
    let left = changed.replace(",Title 7,1007,\n", ",Title 7,1007,2026-01-31\n");
    assert_ne!(left, changed);
    std::fs::write(d.join("people.csv"), &left).unwrap();
    let (code, report, err) = apply(d, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["summary"]["ok"], 1, "{report}");
    assert_eq!(server.user("E7")["active"], false);
    assert_eq!(server.users().len(), 12);

    // A mass removal (10 of 12 gone) trips the guard: exit 3, nothing written.
    let before = (server.users(), server.groups());
    let few: String = left.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(d.join("people.csv"), few).unwrap();
    let (code, _, err) = apply(d, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("guard"), "{err}");
    assert_eq!(
        (server.users(), server.groups()),
        before,
        "server unchanged"
    );

    no_token_in_files(d);
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn refusals_without_yes_and_with_a_wrong_token() {
    let server = ScimServer::start(TOKEN);
    let dir = mapping_dir(&server.url(), "", BODY, &people(3));
    let d = dir.path();
    let o = wtmap(d, TOKEN, &["apply", "m.wtmap"]);
    assert_eq!(o.status.code(), Some(2), "{}", texts(&o).1);
    assert!(texts(&o).1.contains("--yes"));
    assert!(server.users().is_empty(), "nothing written without --yes");

    let wrong = "wrong-token-123456";
    let o = wtmap(d, wrong, &["apply", "m.wtmap", "--yes"]);
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(!out.contains(wrong) && !err.contains(wrong));
    let o = wtmap(d, "", &["state", "m.wtmap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(texts(&o).1.contains("WT_SCIM_TOKEN"), "{}", texts(&o).1);
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn attribute_paths_are_configurable_and_the_directory_converges() {
    let server = ScimServer::start(TOKEN);
    let extra = "  attributes {\n    title = \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department\"\n    employee_number = \"nickName\"\n  }\n";
    let dir = mapping_dir(&server.url(), extra, BODY, &people(2));
    let (code, _report, err) = apply(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let u = server.user("E2");
    assert_eq!(
        u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Title 2"
    );
    assert_eq!(u["nickName"], "1002");
    // Read back through the same paths: nothing left to do.
    let state = save_state(dir.path());
    let plan = plan_json(dir.path(), &state);
    assert_eq!(plan["summary"]["total"], 0, "{plan}");
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn segments_over_scim_are_refused_before_anything_is_sent() {
    let server = ScimServer::start(TOKEN);
    let body = format!("{BODY}segment \"Title\" = title\n");
    let dir = mapping_dir(&server.url(), "", &body, &people(2));
    let (code, _, err) = apply(dir.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0116"), "{err}");
    assert!(server.users().is_empty(), "nothing sent");
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn reading_pages_through_the_whole_directory() {
    use wtmap::winningtemp::Secret;
    use wtmap::winningtemp::scim::{ClientOptions, ScimClient, read_directory};
    let server = ScimServer::start(TOKEN);
    let dir = mapping_dir(&server.url(), "", BODY, &people(23));
    let (code, _, err) = apply(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let read = |page_size| {
        let options = ClientOptions {
            page_size,
            ..ClientOptions::default()
        };
        let client = ScimClient::new(&server.url(), Secret::new(TOKEN), 2, options).unwrap();
        let dir = rt.block_on(read_directory(&client)).unwrap();
        let requests = client
            .stats
            .requests
            .load(std::sync::atomic::Ordering::Relaxed);
        (dir, requests)
    };
    let (small, requests) = read(5);
    let (large, _) = read(1000);
    assert_eq!(small.users.len(), 23);
    assert_eq!(small.groups.len(), 8);
    assert_eq!(small, large);
    // 23 users in pages of 5 and 8 groups in pages of 5.
    assert_eq!(requests, 5 + 2);
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn users_made_by_hand_are_linked_by_email_not_duplicated() {
    let server = ScimServer::start(TOKEN);
    let hand = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "p2@x.example",
        "emails": [{"value": "p2@x.example", "primary": true}],
        "name": {"givenName": "Old", "familyName": "Name"}
    });
    let (status, body) = support::raw_request(
        server.port,
        "POST",
        "/v2/Users",
        TOKEN,
        Some(&hand.to_string()),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let body_with_match = format!("match by external_id, email\n{BODY}");
    let dir = mapping_dir(&server.url(), "", &body_with_match, &people(3));
    let (code, report, err) = apply(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(server.users().len(), 3);
    let linked = server.user("E2");
    assert_eq!(linked["userName"], "p2@x.example");
    assert_eq!(linked["name"]["givenName"], "First2");
    let state = save_state(dir.path());
    assert_eq!(plan_json(dir.path(), &state)["summary"]["total"], 0);
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn plan_without_state_reads_the_live_directory() {
    let server = ScimServer::start(TOKEN);
    let dir = mapping_dir(&server.url(), "", BODY, &people(2));
    let d = dir.path();
    let live_plan = |token: &str| {
        let o = wtmap(d, token, &["plan", "m.wtmap", "--format", "json"]);
        let (out, err) = texts(&o);
        (
            o.status.code().unwrap(),
            serde_json::from_str::<Value>(&out).unwrap_or(Value::Null),
            err,
        )
    };
    let (code, before, err) = live_plan(TOKEN);
    assert_eq!(code, 0, "{err}");
    assert_eq!(before["summary"]["create_user"], 2, "{before}");
    let (code, _, err) = apply(d, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, after, err) = live_plan(TOKEN);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        after["summary"]["total"], 0,
        "the live directory already holds everything: {after}"
    );
    let (code, _, err) = live_plan("");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("WT_SCIM_TOKEN") && err.contains("--state"),
        "{err}"
    );
}
