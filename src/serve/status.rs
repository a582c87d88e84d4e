//! The status page: `/` (HTML), `/status.json`, `/health`, and `/runs/…`, the stored reports,
//! read-only. Bound to loopback unless `--listen` says otherwise: the page names mappings and
//! people's counts, and has no login.

use super::board::{Board, MappingStatus, Snapshot};
use super::clock::Clock;
use super::history::{History, StoredRun};
use super::page;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Runs listed per mapping on the page.
const RECENT_RUNS: usize = 10;

/// Reports and what runs write beside them; anything else in the runs folder (the history
/// database, journals, locks) is not served.
const SERVED_EXTENSIONS: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("json", "application/json"),
    ("ndjson", "application/x-ndjson"),
    ("csv", "text/csv; charset=utf-8"),
    ("md", "text/markdown; charset=utf-8"),
    ("txt", "text/plain; charset=utf-8"),
    ("log", "text/plain; charset=utf-8"),
];

/// Reports are our own HTML, but they quote HR data: no scripts, no outside requests.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// What the handlers read.
pub struct StatusState {
    /// The loop's board.
    pub board: Arc<Board>,
    /// The run history.
    pub history: Arc<History>,
    /// The runs folder, whose reports are served.
    pub runs_dir: PathBuf,
    /// The time shown as "now".
    pub clock: Arc<dyn Clock>,
}

/// `/status.json`, format `wtmap.status/v1`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    /// Always `wtmap.status/v1`.
    pub format: &'static str,
    /// When the page was made.
    pub now: DateTime<Utc>,
    /// When `serve` started.
    pub started: DateTime<Utc>,
    /// The folder of mappings.
    pub dir: PathBuf,
    /// Set once a stop was asked for.
    pub stopping: bool,
    /// Why the folder could not be read at the last scan.
    pub scan_error: Option<String>,
    /// Runs going now.
    pub running: usize,
    /// Each mapping with its runs.
    pub mappings: Vec<MappingView>,
}

/// One mapping with its last outcome and recent runs.
#[derive(Debug, Clone, Serialize)]
pub struct MappingView {
    /// Its current state.
    #[serde(flatten)]
    pub status: MappingStatus,
    /// The newest run that was not skipped.
    pub last_run: Option<RunView>,
    /// The newest runs, skipped ones included.
    pub recent_runs: Vec<RunView>,
}

/// One run with the link to its report.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    /// The stored run.
    #[serde(flatten)]
    pub run: StoredRun,
    /// `/runs/…/report.html`, when the report is in the runs folder.
    pub report_url: Option<String>,
}

/// The environment variable holding the status page's bearer token.
pub const TOKEN_VAR: &str = "WTMAP_SERVE_TOKEN";

/// Shortest token accepted for a status page reachable from other machines.
pub const MIN_TOKEN_LEN: usize = 16;

/// Who may use the status page. A browser on the same machine can be made to send requests to
/// loopback by any web page (DNS rebinding): the `Host` header is what such a request cannot
/// fake, so on loopback only the listen address's own names are answered. Away from loopback
/// every request carries the bearer token. Nothing changes state without the token.
#[derive(Clone)]
pub struct Access {
    /// `Host` values answered (lower case, with port); `None`: any (every request needs the
    /// token instead).
    hosts: Option<Vec<String>>,
    /// The bearer token, when one is set.
    token: Option<crate::winningtemp::Secret>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("hosts", &self.hosts)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Access {
    /// The access rules of a page listening on `addr` (the bound address, port included).
    /// Loopback: the loopback names with that port; reading needs no token. Anything else:
    /// only with `allow_remote` and a token of at least [`MIN_TOKEN_LEN`] characters, and
    /// every request needs it. The error says why serve refuses to start.
    pub fn decide(
        addr: std::net::SocketAddr,
        allow_remote: bool,
        token: Option<String>,
    ) -> Result<Access, String> {
        let token = token.filter(|t| !t.trim().is_empty());
        if addr.ip().is_loopback() {
            let port = addr.port();
            let mut hosts = vec![
                format!("localhost:{port}"),
                format!("127.0.0.1:{port}"),
                format!("[::1]:{port}"),
                match addr {
                    std::net::SocketAddr::V4(a) => format!("{}:{port}", a.ip()),
                    std::net::SocketAddr::V6(a) => format!("[{}]:{port}", a.ip()),
                },
            ];
            if port == 80 {
                hosts.extend(["localhost".into(), "127.0.0.1".into(), "[::1]".into()]);
            }
            hosts.sort();
            hosts.dedup();
            return Ok(Access {
                hosts: Some(hosts),
                token: token.map(crate::winningtemp::Secret::new),
            });
        }
        if !allow_remote {
            return Err(format!(
                "refusing to listen on {addr}: the status page shows mappings, runs and reports \
                 and is served on loopback only (e.g. 127.0.0.1:8480). To serve it to other \
                 machines, pass --allow-remote and set {TOKEN_VAR} to a token of at least \
                 {MIN_TOKEN_LEN} characters, which every request must send as \
                 `Authorization: Bearer …`"
            ));
        }
        match token {
            Some(t) if t.chars().count() >= MIN_TOKEN_LEN => Ok(Access {
                hosts: None,
                token: Some(crate::winningtemp::Secret::new(t)),
            }),
            Some(_) => Err(format!(
                "refusing to listen on {addr}: {TOKEN_VAR} is shorter than {MIN_TOKEN_LEN} \
                 characters"
            )),
            None => Err(format!(
                "refusing to listen on {addr}: --allow-remote needs a token in {TOKEN_VAR} \
                 (at least {MIN_TOKEN_LEN} characters), which every request must send as \
                 `Authorization: Bearer …`"
            )),
        }
    }

    /// Rules that refuse every request (no host is answered, no token exists).
    pub fn refuse_all() -> Access {
        Access {
            hosts: Some(Vec::new()),
            token: None,
        }
    }

    /// Whether the request's `Authorization` is the bearer token.
    fn authorized(&self, headers: &axum::http::HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared by digest, in constant time, so timing tells nothing of the token.
        use sha2::Digest;
        let (a, b) = (
            sha2::Sha256::digest(given.as_bytes()),
            sha2::Sha256::digest(token.expose().as_bytes()),
        );
        a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    }

    /// `None` when the request may go on, else the refusal.
    fn check(
        &self,
        method: &axum::http::Method,
        headers: &axum::http::HeaderMap,
    ) -> Option<Response> {
        if let Some(hosts) = &self.hosts {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase);
            if !host.is_some_and(|h| hosts.contains(&h)) {
                return Some(
                    (
                        StatusCode::MISDIRECTED_REQUEST,
                        format!(
                            "this status page answers only to {} (the Host header names \
                             another host)\n",
                            hosts.join(", ")
                        ),
                    )
                        .into_response(),
                );
            }
        }
        let reads = matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD);
        let needs_token = self.hosts.is_none() || !reads;
        if needs_token && !self.authorized(headers) {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                "this request needs `Authorization: Bearer <the WTMAP_SERVE_TOKEN token>`\n",
            )
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"wtmap serve\""),
            );
            return Some(r);
        }
        None
    }
}

/// The router of the status page, answering requests as `access` allows.
pub fn router(state: Arc<StatusState>, access: Access) -> Router {
    let access = Arc::new(access);
    Router::new()
        .route("/", get(index))
        .route("/status.json", get(status_json))
        .route("/health", get(health))
        .route("/runs/{*path}", get(run_file))
        .with_state(state)
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let access = Arc::clone(&access);
                async move {
                    match access.check(request.method(), request.headers()) {
                        Some(refusal) => refusal,
                        None => next.run(request).await,
                    }
                }
            },
        ))
}

/// Builds the view: the board plus each mapping's runs from the history.
pub fn view(state: &StatusState) -> StatusView {
    let snapshot: Snapshot = state.board.get();
    let runs_root = std::fs::canonicalize(&state.runs_dir).ok();
    let to_view = |run: StoredRun| {
        let report_url = runs_root
            .as_deref()
            .and_then(|root| report_url(root, run.report_dir.as_deref()?));
        RunView { run, report_url }
    };
    let mappings = snapshot
        .mappings
        .into_iter()
        .map(|status| {
            // A history that cannot be read leaves the runs out; the page still shows the rest.
            let recent = state
                .history
                .runs(Some(&status.name), RECENT_RUNS)
                .unwrap_or_default();
            let last_run = state.history.last_run(&status.name).ok().flatten();
            MappingView {
                status,
                last_run: last_run.map(to_view),
                recent_runs: recent.into_iter().map(to_view).collect(),
            }
        })
        .collect();
    StatusView {
        format: "wtmap.status/v1",
        now: state.clock.now(),
        started: snapshot.started,
        dir: snapshot.dir,
        stopping: snapshot.stopping,
        scan_error: snapshot.scan_error,
        running: snapshot.running,
        mappings,
    }
}

async fn view_async(state: Arc<StatusState>) -> Result<StatusView, StatusCode> {
    // SQLite reads block; keep them off the async workers.
    tokio::task::spawn_blocking(move || view(&state))
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

async fn index(State(state): State<Arc<StatusState>>) -> Response {
    match view_async(state).await {
        Ok(v) => with_csp(Html(page::render(&v)).into_response()),
        Err(code) => code.into_response(),
    }
}

async fn status_json(State(state): State<Arc<StatusState>>) -> Response {
    match view_async(state).await {
        Ok(v) => Json(v).into_response(),
        Err(code) => code.into_response(),
    }
}

async fn health(State(state): State<Arc<StatusState>>) -> Response {
    let s = state.board.get();
    let invalid = s.mappings.iter().filter(|m| m.error.is_some()).count();
    Json(serde_json::json!({
        "status": if s.stopping { "stopping" } else { "ok" },
        "mappings": s.mappings.len(),
        "invalid": invalid,
        "running": s.running,
    }))
    .into_response()
}

async fn run_file(
    State(state): State<Arc<StatusState>>,
    UrlPath(path): UrlPath<String>,
) -> Response {
    let Some((file, content_type)) = resolve(&state.runs_dir, &path) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut r = bytes.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            with_csp(r)
        }
        Err(_) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

fn with_csp(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The file a `/runs/…` path names, when it may be served: plain components only (no `..`,
/// no hidden names), a served extension, and — after resolving symlinks — still inside the
/// runs folder.
pub fn resolve(runs_dir: &Path, url_path: &str) -> Option<(PathBuf, &'static str)> {
    let root = std::fs::canonicalize(runs_dir).ok()?;
    let mut file = root.clone();
    for part in url_path.split('/') {
        let plain = !part.is_empty()
            && !part.starts_with('.')
            && !part.contains(['\\', '\0', ':'])
            && matches!(
                Path::new(part).components().next(),
                Some(Component::Normal(_))
            )
            && Path::new(part).components().count() == 1;
        if !plain {
            return None;
        }
        file.push(part);
    }
    let ext = file.extension()?.to_str()?.to_ascii_lowercase();
    let content_type = SERVED_EXTENSIONS
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| *t)?;
    let real = std::fs::canonicalize(&file).ok()?;
    (real.starts_with(&root) && real.is_file()).then_some((real, content_type))
}

/// `/runs/<report dir relative to the runs folder>/report.html`, percent-encoded, when the
/// report exists inside the runs folder.
pub fn report_url(runs_root: &Path, report_dir: &Path) -> Option<String> {
    let report = std::fs::canonicalize(report_dir.join("report.html")).ok()?;
    let rel = report.strip_prefix(runs_root).ok()?;
    let mut url = String::from("/runs");
    for c in rel.components() {
        url.push('/');
        url.push_str(&percent_encode(c.as_os_str().to_str()?));
    }
    Some(url)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
