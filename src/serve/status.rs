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

/// The router of the status page.
pub fn router(state: Arc<StatusState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/status.json", get(status_json))
        .route("/health", get(health))
        .route("/runs/{*path}", get(run_file))
        .with_state(state)
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
