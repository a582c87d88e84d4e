//! Apply throughput against the local SCIM server (`scim2-server`, as the tests use it), at
//! concurrency 1 and at the default; and the same client against an in-process stub server
//! that answers at once, to show the client is not the bottleneck. Creating the users one POST
//! each and in SCIM Bulk requests (`bulk = auto`), against scim2-server and the Node server.
//!
//! `cargo bench --bench apply` (users: `WTMAP_BENCH_USERS`, default 1000).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use wtmap::apply::journal::Journal;
use wtmap::apply::{Run, execute};
use wtmap::guard::Allow;
use wtmap::sync::{PlanInput, plan, read_records};
use wtmap::winningtemp::MapEnv;
use wtmap::winningtemp::scim::{ClientOptions, DEFAULT_CONCURRENCY, ScimTarget};

const TOKEN: &str = "bench-token-2718";

struct Pass {
    label: String,
    actions: usize,
    requests: u64,
    seconds: f64,
}

/// Plans `records` against what the target holds and applies it; the apply's figures.
fn plan_and_apply(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    url: &str,
    concurrency: usize,
    label: &str,
) -> Pass {
    let text = std::fs::read_to_string(dir.join("m.wtmap"))
        .unwrap()
        .replace("URL", url);
    let file = wtmap::source::SourceFile::new("m.wtmap", text);
    let (program, diags) = wtmap::check::check_source(&file);
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let options = ClientOptions {
        concurrency: Some(concurrency),
        ..ClientOptions::default()
    };
    let target =
        ScimTarget::from_program(&program, &MapEnv::with("WT_SCIM_TOKEN", TOKEN), options).unwrap();
    let (current, directory) = rt.block_on(target.read()).unwrap();
    let records = read_records(&program, &dir.join("people.csv")).unwrap();
    let (plan, _) = plan(&PlanInput {
        mapping: "m.wtmap",
        program: &program,
        records: &records,
        current: &current,
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        allow: Allow {
            pauses: true,
            empty_source: false,
            source_drop: true,
            ..Allow::default()
        },
    });
    let journal_dir = tempfile::tempdir().unwrap();
    let identity =
        wtmap::identity::Identity::new(std::path::Path::new("m.wtmap"), "", "scim:bench");
    let mut journal = Journal::create(journal_dir.path(), "m.wtmap", &identity, &plan).unwrap();
    let run = Run {
        mapping: "m.wtmap",
        target: &target,
        directory,
        previous: Default::default(),
        resumed: false,
    };
    let report = rt.block_on(execute(&plan, run, &mut journal)).unwrap();
    assert_eq!(
        report.summary.failed,
        0,
        "{:?}",
        report.actions.iter().find(|a| !a.result.is_ok())
    );
    Pass {
        label: label.to_string(),
        actions: report.summary.total,
        requests: report.requests,
        seconds: report.seconds,
    }
}

/// A SCIM stub that answers every request at once (creates get an ID, PATCH gets 204).
async fn stub() -> u16 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    async fn create(body: String) -> (StatusCode, String) {
        let mut v: Value = serde_json::from_str(&body).unwrap_or(json!({}));
        v["id"] = json!(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
        (StatusCode::CREATED, v.to_string())
    }
    async fn list() -> String {
        json!({"totalResults": 0, "Resources": []}).to_string()
    }
    let app = Router::new()
        .route("/v2/Users", get(list).post(create))
        .route("/v2/Groups", get(list).post(create))
        .route("/v2/Users/{id}", patch(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/v2/Groups/{id}",
            patch(|| async { StatusCode::NO_CONTENT }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

fn main() {
    let n: usize = std::env::var("WTMAP_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = support::mapping_dir("URL", "", support::BODY, &support::people(n));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut passes = Vec::new();
    // The real server is required, as in the tests (scripts/test.sh installs it).
    {
        for concurrency in [1, DEFAULT_CONCURRENCY] {
            let server = support::ScimServer::start(TOKEN);
            let url = server.url();
            passes.push(plan_and_apply(
                &rt,
                dir.path(),
                &url,
                concurrency,
                &format!("scim2-server, create {n} users, concurrency {concurrency}"),
            ));
            // Every title changes: one PATCH per user.
            let changed = support::people(n).replace(",Title ", ",Role ");
            std::fs::write(dir.path().join("people.csv"), &changed).unwrap();
            passes.push(plan_and_apply(
                &rt,
                dir.path(),
                &url,
                concurrency,
                &format!("scim2-server, update {n} users, concurrency {concurrency}"),
            ));
            std::fs::write(dir.path().join("people.csv"), support::people(n)).unwrap();
        }
    }
    // New users one POST each against Bulk requests (`bulk = auto`), on both real servers.
    let bulk_dir = support::mapping_dir(
        "URL",
        "  bulk = \"auto\"\n",
        support::BODY,
        &support::people(n),
    );
    type Start = fn() -> support::ScimServer;
    let servers: [(&str, Start); 2] = [
        ("scim2-server", || support::ScimServer::start(TOKEN)),
        ("Node SCIMMY server", || {
            support::scim_node::start(TOKEN, &["--bulk", "1000"])
        }),
    ];
    for (label, start) in servers {
        for (mode, d) in [("one POST each", &dir), ("bulk = auto", &bulk_dir)] {
            let server = start();
            passes.push(plan_and_apply(
                &rt,
                d.path(),
                &server.url(),
                DEFAULT_CONCURRENCY,
                &format!("{label}, create {n} users, {mode}"),
            ));
        }
    }
    let port = rt.block_on(stub());
    let url = format!("http://127.0.0.1:{port}/v2");
    for concurrency in [1, DEFAULT_CONCURRENCY] {
        passes.push(plan_and_apply(
            &rt,
            dir.path(),
            &url,
            concurrency,
            &format!("in-process stub, create {n} users, concurrency {concurrency}"),
        ));
    }
    println!(
        "{:<58} {:>8} {:>9} {:>8} {:>10}",
        "apply", "actions", "requests", "seconds", "requests/s"
    );
    for p in passes {
        println!(
            "{:<58} {:>8} {:>9} {:>8.2} {:>10.0}",
            p.label,
            p.actions,
            p.requests,
            p.seconds,
            p.requests as f64 / p.seconds.max(1e-9)
        );
    }
}
