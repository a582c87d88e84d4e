//! Apply through a fault-injecting proxy in front of a real SCIM server: throttling with
//! `Retry-After`, server errors before and after the work was done, dropped connections and
//! slow answers — nothing is lost or created twice. And a run killed mid-apply, started again,
//! converges.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::fault_proxy::{Fault, FaultProxy};
use support::{BODY, ScimServer, mapping_dir, people, texts, wtmap};

const TOKEN: &str = "fault-token-31415";

/// Every user exactly once per external ID, every group once, and nothing left to do.
fn converged(server: &ScimServer, n: usize, dir: &Path) {
    let users = server.users();
    let mut per_ext: BTreeMap<String, usize> = BTreeMap::new();
    for u in &users {
        *per_ext
            .entry(u["externalId"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(per_ext.len(), n, "{per_ext:?}");
    assert!(per_ext.values().all(|&c| c == 1), "duplicates: {per_ext:?}");
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for g in server.groups() {
        *groups
            .entry(g["externalId"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(
        groups.values().all(|&c| c == 1),
        "duplicate groups: {groups:?}"
    );
    // Planning again straight against the server (no proxy) finds nothing to do.
    let direct = mapping_dir(
        &server.url(),
        "",
        BODY,
        &std::fs::read_to_string(dir.join("people.csv")).unwrap(),
    );
    let o = wtmap(
        direct.path(),
        TOKEN,
        &["state", "m.wtmap", "--out", "s.json"],
    );
    assert!(o.status.success(), "{}", texts(&o).1);
    let o = wtmap(
        direct.path(),
        TOKEN,
        &["plan", "m.wtmap", "--state", "s.json", "--format", "json"],
    );
    let plan: Value = serde_json::from_str(&texts(&o).0).unwrap();
    assert_eq!(plan["summary"]["total"], 0, "{plan}");
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn apply_through_faults_loses_and_duplicates_nothing() {
    let server = ScimServer::start(TOKEN);
    // Deterministic faults on a good share of requests, reads included.
    let proxy = FaultProxy::start(server.port, |n, _, _| match n % 19 {
        2 => Fault::Throttle(1),
        4 => Fault::ErrorBefore,
        6 => Fault::ErrorAfter,
        9 => Fault::DropAfter,
        12 => Fault::DropBefore,
        14 => Fault::Slow(Duration::from_millis(300)),
        15 => Fault::SlowAnswer(Duration::from_millis(1500)),
        17 => Fault::Unavailable(1),
        _ => Fault::Pass,
    });
    let n = 30;
    let dir = mapping_dir(&proxy.url(), "", BODY, &people(n));
    let o = wtmap(
        dir.path(),
        TOKEN,
        &[
            "apply",
            "m.wtmap",
            "--yes",
            "--format",
            "json",
            "--timeout",
            "1",
            "--attempts",
            "10",
        ],
    );
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(0), "{err}\n{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["failed"], 0, "{out}");
    assert!(report["retries"].as_u64().unwrap() > 0);
    assert!(report["throttled"].as_u64().unwrap() > 0);

    let seen = proxy.seen();
    for fault in [
        Fault::Throttle(1),
        Fault::ErrorBefore,
        Fault::ErrorAfter,
        Fault::DropAfter,
        Fault::DropBefore,
    ] {
        assert!(
            seen.iter().any(|s| s.fault == fault),
            "no {fault:?} injected"
        );
    }
    // A throttled request is not sent again before its Retry-After.
    for s in seen
        .iter()
        .filter(|s| matches!(s.fault, Fault::Throttle(_) | Fault::Unavailable(_)))
    {
        if let Some(again) = seen
            .iter()
            .find(|r| r.n > s.n && r.method == s.method && r.path == s.path && r.body == s.body)
        {
            assert!(
                again.at.duration_since(s.at) >= Duration::from_millis(990),
                "request {} retried after {:?}",
                s.n,
                again.at.duration_since(s.at)
            );
        }
    }
    // Creates that the server did but whose answer was lost were adopted, not repeated.
    let posts_done_twice = seen
        .iter()
        .filter(|s| {
            s.method == "POST"
                && matches!(
                    s.fault,
                    Fault::ErrorAfter | Fault::DropAfter | Fault::Slow(_)
                )
        })
        .count();
    assert!(
        posts_done_twice > 0,
        "the schedule should hit a create whose answer is lost"
    );
    converged(&server, n, dir.path());
}

fn outcome_lines(journal_dir: &Path) -> usize {
    std::fs::read_dir(journal_dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .map(|t| t.lines().filter(|l| l.contains("\"outcome\"")).count())
                .sum()
        })
        .unwrap_or(0)
}

/// Starts an apply and SIGKILLs it once the journal holds `after` outcomes.
fn kill_after(dir: &Path, after: usize) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["apply", "m.wtmap", "--yes", "--concurrency", "2"])
        .current_dir(dir)
        .env("WT_SCIM_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal_dir = dir.join(".wtmap/journal");
    let deadline = Instant::now() + Duration::from_secs(60);
    while outcome_lines(&journal_dir) < after {
        assert!(Instant::now() < deadline, "the apply never got that far");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the apply ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_run_killed_mid_apply_resumes_and_converges() {
    let server = ScimServer::start(TOKEN);
    // Slow answers keep requests in flight, so the kill lands between a request the server
    // carried out and its line in the journal.
    let proxy = FaultProxy::start(server.port, |_, _, _| {
        Fault::Slow(Duration::from_millis(40))
    });
    let n = 40;
    let dir = mapping_dir(&proxy.url(), "", BODY, &people(n));
    let d = dir.path();
    kill_after(d, 8);
    let first = outcome_lines(&d.join(".wtmap/journal"));
    kill_after(d, first + 15);

    let o = wtmap(d, TOKEN, &["apply", "m.wtmap", "--yes", "--format", "json"]);
    let (out, err) = texts(&o);
    assert_eq!(o.status.code(), Some(0), "{err}\n{out}");
    assert!(err.contains("resuming the interrupted run"), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["resumed"], true);
    assert_eq!(report["summary"]["failed"], 0, "{out}");
    let actions = report["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["earlier_run"] == true));
    assert!(
        actions.iter().all(|a| a["result"]["status"] == "ok"),
        "{out}"
    );
    // One journal: the same run, started once, resumed twice, ended once.
    let journals: Vec<_> = std::fs::read_dir(d.join(".wtmap/journal"))
        .unwrap()
        .collect();
    assert_eq!(journals.len(), 1);
    let text = std::fs::read_to_string(journals[0].as_ref().unwrap().path()).unwrap();
    assert_eq!(text.matches("\"event\":\"resume\"").count(), 2);
    assert_eq!(text.matches("\"event\":\"end\"").count(), 1);
    assert!(!text.contains(TOKEN));

    // The next apply starts a new run with nothing to do.
    let o = wtmap(d, TOKEN, &["apply", "m.wtmap", "--yes", "--format", "json"]);
    let report: Value = serde_json::from_str(&texts(&o).0).unwrap();
    assert_eq!(report["resumed"], false);
    assert_eq!(report["summary"]["total"], 0);
    converged(&server, n, d);
}
