//! The serve loop with a test clock and the status page through a real HTTP client: outcomes,
//! counts, report links, escaping, path traversal, a broken edit, a graceful stop with a run in
//! flight; and the `serve` and `history` commands as processes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_serve;

use serde_json::Value;
use std::sync::{Arc, Mutex, mpsc};
use support_serve::*;
use wtmap::serve::clock::TestClock;
use wtmap::serve::service::Service;
use wtmap::serve::status::Access;
use wtmap::serve::{Parts, serve, serve_with};

struct Running {
    clock: Arc<TestClock>,
    base: String,
    lines: mpsc::Receiver<String>,
    started: mpsc::Receiver<wtmap::serve::runner::RunRequest>,
    stop: tokio::sync::mpsc::UnboundedSender<()>,
    handle: tokio::task::JoinHandle<Service>,
    gate: Option<mpsc::Sender<()>>,
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    runs: std::path::PathBuf,
}

async fn start(mappings: &[(&str, &str)], at: &str, gated: bool) -> Running {
    start_with(mappings, at, gated, None).await
}

/// [`start`] with the page's access rules (`None`: what `serve` decides for loopback).
async fn start_with(
    mappings: &[(&str, &str)],
    at: &str,
    gated: bool,
    access: Option<Access>,
) -> Running {
    let dir = tempfile::tempdir().unwrap();
    for (name, schedule) in mappings {
        write_mapping(dir.path(), name, &mapping_text(Some(schedule)));
    }
    let runs = dir.path().join(".wtmap").join("runs");
    let clock = TestClock::new(utc(at));
    let (log, lines) = log_channel();
    let service = service(dir.path(), &runs, utc(at), 1).with_log(log);
    let (started_tx, started) = mpsc::channel();
    let (gate_tx, gate_rx) = mpsc::channel();
    let runner = FakeRunner {
        runs_dir: runs.clone(),
        started: Mutex::new(started_tx),
        gate: gated.then(|| Mutex::new(gate_rx)),
        clock: clock.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stop_rx) = tokio::sync::mpsc::unbounded_channel();
    let parts = Parts {
        service,
        runner: Arc::new(runner),
        clock: clock.clone(),
        sleeper: Arc::new(clock.sleeper()),
        runs_dir: runs.clone(),
    };
    let handle = match access {
        None => tokio::spawn(serve(parts, listener, stop_rx)),
        Some(access) => tokio::spawn(serve_with(parts, listener, stop_rx, access)),
    };
    Running {
        clock,
        base,
        lines,
        started,
        stop,
        handle,
        gate: gated.then_some(gate_tx),
        dir: dir.path().to_path_buf(),
        _dir: dir,
        runs,
    }
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

async fn json(url: &str) -> Value {
    get(url).await.json().await.unwrap()
}

fn mapping<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_schedules_outcomes_counts_and_reports() {
    let r = start(
        &[
            ("often", "schedule every 30 minutes"),
            ("nightly", "schedule daily at 02:30 Europe/Stockholm"),
        ],
        "2026-03-28T23:50:00Z",
        false,
    )
    .await;
    wait_for_line(&r.lines, "often: loaded");
    r.clock.set(utc("2026-03-29T00:00:00Z"));
    wait_for_line(&r.lines, "often: run ended");

    let raw = get(&format!("{}/status.json", r.base))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        raw.matches("\"mappings\":").count(),
        1,
        "one list of mappings: {raw}"
    );
    let status: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(status["format"], "wtmap.status/v1");
    let often = mapping(&status, "often");
    assert_eq!(often["schedule"], "every 30 minutes");
    assert_eq!(often["next_run"], "2026-03-29T00:30:00Z");
    assert_eq!(often["last_run"]["status"], "success");
    assert_eq!(often["last_run"]["counts"]["created"], 2);
    let report_url = often["last_run"]["report_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(report_url.starts_with("/runs/often/") && report_url.ends_with("/report.html"));
    // Spring forward: 02:30 does not exist on 2026-03-29, so 03:00 CEST (01:00 UTC).
    let nightly = mapping(&status, "nightly");
    assert_eq!(nightly["next_run"], "2026-03-29T01:00:00Z");
    assert!(nightly["last_run"].is_null());

    let page = get(&format!("{}/", r.base)).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = page.text().await.unwrap();
    for needle in [
        "every 30 minutes",
        "daily at 02:30 Europe/Stockholm",
        // Times in the schedule's zone, UTC as the tooltip.
        "<span title=\"2026-03-29 01:00 UTC\">2026-03-29 03:00 CEST</span>",
        // Outcomes in words, counts as a small table, the email of each run.
        ">Success</span>",
        "<table class=counts><tr><td>created</td><td class=n>2</td></tr><tr><td>updated</td><td class=n>5</td></tr></table>",
        "<span class=ok>sent to hr@acme.example</span>",
        &format!("href=\"{report_url}\""),
        "no runs yet",
    ] {
        assert!(html.contains(needle), "`{needle}` missing from\n{html}");
    }

    let report = get(&format!("{}{report_url}", r.base)).await;
    assert_eq!(report.status(), 200);
    assert_eq!(report.headers()["content-type"], "text/html; charset=utf-8");
    assert!(report.text().await.unwrap().contains("of <b>often</b>"));

    let health = json(&format!("{}/health", r.base)).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["mappings"], 2);

    let run_dir = report_url.trim_end_matches("/report.html");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.html"), "secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), r.runs.join("link")).unwrap();
    for forbidden in [
        "/runs/..%2Fhistory.sqlite3".to_string(),
        "/runs/history.sqlite3".to_string(),
        "/runs/%2e%2e/often.wtmap".to_string(),
        "/runs/..%2F..%2Fetc%2Fpasswd".to_string(),
        "/runs/%2Fetc%2Fpasswd".to_string(),
        format!("{run_dir}/journal.lock"),
        "/runs/link/secret.html".to_string(),
        "/runs/often".to_string(),
    ] {
        let resp = get(&format!("{}{forbidden}", r.base)).await;
        assert_eq!(resp.status(), 404, "{forbidden}");
    }

    r.stop.send(()).unwrap();
    r.handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_edit_is_shown_and_the_last_good_version_stays_scheduled() {
    let r = start(
        &[("flex", "schedule every 30 minutes")],
        "2026-05-01T00:10:00Z",
        false,
    )
    .await;
    wait_for_line(&r.lines, "flex: loaded");
    let good = mapping_text(Some("schedule every 30 minutes"));
    let broken = good.replace(
        "schedule every 30 minutes",
        "schedule every 30 fortnights  # <script>alert(1)</script>",
    );
    write_mapping(&r.dir, "flex", &broken);
    r.clock.set(utc("2026-05-01T00:11:00Z"));
    wait_for_line(&r.lines, "flex: invalid");

    let status = json(&format!("{}/status.json", r.base)).await;
    let flex = mapping(&status, "flex");
    assert!(
        flex["error"]["summary"].as_str().unwrap().contains("E0309"),
        "{flex}"
    );
    assert_eq!(flex["schedule"], "every 30 minutes");
    assert_eq!(flex["next_run"], "2026-05-01T00:30:00Z");
    let html = get(&format!("{}/", r.base)).await.text().await.unwrap();
    assert!(html.contains("does not check"), "{html}");
    assert!(html.contains("the last version that checked keeps running"));
    assert!(html.contains("fortnights"));
    assert!(!html.contains("<script>"), "unescaped:\n{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");

    r.clock.set(utc("2026-05-01T00:30:00Z"));
    let request = r
        .started
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();
    assert_eq!(&*request.good_text, good.as_str());
    wait_for_line(&r.lines, "flex: run ended");
    r.stop.send(()).unwrap();
    r.handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_the_running_run_finish_and_starts_nothing_new() {
    let mut r = start(
        &[("slow", "schedule every 15 minutes")],
        "2026-05-01T00:10:00Z",
        true,
    )
    .await;
    wait_for_line(&r.lines, "slow: loaded");
    r.clock.set(utc("2026-05-01T00:15:00Z"));
    r.started
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();

    r.stop.send(()).unwrap();
    wait_for_line(&r.lines, "waiting for 1 run(s) to finish");
    // The page stays up while the run finishes, and says so.
    assert_eq!(
        json(&format!("{}/health", r.base)).await["status"],
        "stopping"
    );
    r.clock.set(utc("2026-05-01T02:00:00Z"));
    r.stop.send(()).unwrap();
    wait_for_line(&r.lines, "still waiting for 1 run(s)");

    r.gate.take().unwrap().send(()).unwrap();
    let service = r.handle.await.unwrap();
    let rows = service.history().runs(Some("slow"), 10).unwrap();
    assert_eq!(
        rows.len(),
        1,
        "nothing started or skipped after the stop: {rows:?}"
    );
    assert_eq!(rows[0].status, "success");
    assert!(
        reqwest::get(format!("{}/health", r.base)).await.is_err(),
        "page down"
    );
}

/// Issue 21, item 15: a page on loopback answers only to its own names, so a web page that
/// rebinds its DNS name to 127.0.0.1 cannot read it; nothing changes state without the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_for_another_host_is_refused_and_nothing_changes_state_without_the_token() {
    let r = start(
        &[("often", "schedule every 30 minutes")],
        "2026-03-28T23:50:00Z",
        false,
    )
    .await;
    wait_for_line(&r.lines, "often: loaded");
    let port = r.base.rsplit(':').next().unwrap().to_string();
    let client = reqwest::Client::new();
    let with_host = |path: &str, host: &str| {
        client
            .get(format!("{}{path}", r.base))
            .header("host", host.to_string())
    };
    for path in ["/", "/status.json", "/health", "/runs/often/x/report.html"] {
        for host in [
            format!("evil.example:{port}"),
            "evil.example".to_string(),
            format!("127.0.0.1.nip.io:{port}"),
            format!("localhost:{}", port.parse::<u16>().unwrap() + 1),
        ] {
            let resp = with_host(path, &host).send().await.unwrap();
            assert_eq!(resp.status(), 421, "{path} for {host}");
            let body = resp.text().await.unwrap();
            assert!(!body.contains("often"), "{body}");
        }
        for host in [format!("127.0.0.1:{port}"), format!("LOCALHOST:{port}")] {
            let resp = with_host(path, &host).send().await.unwrap();
            assert_ne!(resp.status(), 421, "{path} for {host}");
        }
    }
    // No method but reading is answered without a token (and there is none here).
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let resp = client
            .request(method.clone(), format!("{}/status.json", r.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{method}");
    }
    r.stop.send(()).unwrap();
    r.handle.await.unwrap();
}

/// Away from loopback (here: the rules of `--listen 0.0.0.0 --allow-remote`) every request
/// needs the bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_page_answers_only_with_the_token() {
    let token = "t0ken-for-the-status-page";
    let access = Access::decide(
        "0.0.0.0:8480".parse().unwrap(),
        true,
        Some(token.to_string()),
    )
    .unwrap();
    let r = start_with(
        &[("often", "schedule every 30 minutes")],
        "2026-03-28T23:50:00Z",
        false,
        Some(access),
    )
    .await;
    wait_for_line(&r.lines, "often: loaded");
    let client = reqwest::Client::new();
    let url = format!("{}/status.json", r.base);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 401);
    let wrong = client
        .get(&url)
        .bearer_auth("t0ken-for-the-status-pagE")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("often"));
    r.stop.send(()).unwrap();
    r.handle.await.unwrap();
}

#[test]
fn only_loopback_is_served_without_allow_remote_and_a_token() {
    let remote = "0.0.0.0:8480".parse().unwrap();
    let e = Access::decide(remote, false, Some("x".repeat(40))).unwrap_err();
    assert!(
        e.contains("--allow-remote") && e.contains("WTMAP_SERVE_TOKEN"),
        "{e}"
    );
    let e = Access::decide(remote, true, None).unwrap_err();
    assert!(e.contains("WTMAP_SERVE_TOKEN"), "{e}");
    let e = Access::decide(remote, true, Some("short".into())).unwrap_err();
    assert!(e.contains("shorter than 16"), "{e}");
    assert!(Access::decide(remote, true, Some("x".repeat(16))).is_ok());
    for local in ["127.0.0.1:8480", "[::1]:8480", "127.0.0.2:1"] {
        assert!(
            Access::decide(local.parse().unwrap(), false, None).is_ok(),
            "{local}"
        );
    }
}
