//! Local emulators of the HR APIs, for the connector tests and `cargo run --example emulator`.
//!
//! Each emulator is an axum app on loopback, in its own thread and runtime, so it serves
//! synchronous tests, async tests and child processes alike. Behaviour follows the vendors'
//! documented shapes (each connector's `src/connectors/<kind>/WIRE.md`, and
//! `docs/connectors.md`); scenario switches make it misbehave the way the real systems are
//! known to. Every request is logged, and TCP connections are counted,
//! so tests can assert paging, retries and connection reuse.

#![allow(dead_code, reason = "each test binary uses a subset")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support fails loudly"
)]

pub mod flex;
pub mod graphql;
pub mod personio;
pub mod worknice;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::serve::ListenerExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One request as the emulator saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    /// `GET`, `POST`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
}

impl Logged {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's (decoded) value.
    pub fn param(&self, name: &str) -> Option<String> {
        query_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// What every emulator records.
#[derive(Debug, Default)]
pub struct Log {
    requests: Mutex<Vec<Logged>>,
    connections: AtomicUsize,
}

/// A running emulator; stopped when dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    log: Arc<Log>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `app` on `addr` (`127.0.0.1:0` for any free port).
    pub fn start(app: Router, addr: &str) -> Server {
        let log = Arc::new(Log::default());
        let app = app.layer(middleware::from_fn_with_state(log.clone(), record));
        let std_listener = std::net::TcpListener::bind(addr).expect("bind the emulator");
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let counter = log.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener)
                    .unwrap()
                    .tap_io(move |_| {
                        counter.connections.fetch_add(1, Ordering::SeqCst);
                    });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Server {
            url: format!("http://{addr}"),
            addr,
            log,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.log.requests.lock().unwrap().clone()
    }

    /// Requests whose path ends with `suffix`.
    pub fn count(&self, suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.ends_with(suffix))
            .count()
    }

    /// TCP connections accepted.
    pub fn connections(&self) -> usize {
        self.log.connections.load(Ordering::SeqCst)
    }

    /// Serves until the process is stopped (for the example binary).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Open keep-alive connections would hold a graceful shutdown; do not wait for it.
        drop(self.thread.take());
    }
}

async fn record(State(log): State<Arc<Log>>, request: Request, next: Next) -> Response {
    let logged = Logged {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or("").to_owned(),
        headers: header_list(request.headers()),
    };
    log.requests.lock().unwrap().push(logged);
    next.run(request).await
}

fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect()
}

/// Decoded `key=value` pairs of a query string or form body, repeated keys kept.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://x/?{query}")).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A file of example data (`mappings/data/NAME`).
pub fn data(name: &str) -> Value {
    let path = format!("{}/mappings/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `Authorization: Basic …` for a user, as a client would send it.
pub fn basic_header(username: &str, password: &str) -> String {
    let request = reqwest::Client::new()
        .get("http://x/")
        .basic_auth(username, Some(password))
        .build()
        .unwrap();
    request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned()
}
