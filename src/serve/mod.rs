//! `wtmap serve`: runs every mapping of a folder on its schedule, keeps a run history, and
//! shows a status page.
//!
//! ```text
//! folder of *.wtmap ──Loader (rescan, re-check, last good version)──┐
//!                                                                    ▼
//! Clock ──▶ run_loop ──▶ Service::poll(now) ──Scheduler::tick──▶ runs ──▶ Runner (a thread each)
//!              ▲                 │                                           │
//!              └── Sleeper ◀─────┴── History (SQLite) ◀── Service::complete ◀┘
//!                                          │
//!                     Board ──▶ status page (/, /status.json, /health, /runs/…)
//! ```
//!
//! Time is injected (a [`clock::Clock`] and a [`clock::Sleeper`]), so tests drive the loop
//! through days and daylight-saving changes without waiting.

pub mod board;
pub mod clock;
pub mod history;
pub mod last_good;
pub mod loader;
mod page;
pub mod run_adapter;
pub mod runner;
pub mod schedule;
pub mod scheduler;
pub mod service;
pub mod status;

use runner::{RunCounts, RunRecord, Runner};
use service::{Launch, Service};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The default runs folder of a folder of mappings: `.wtmap/runs` inside it.
pub fn default_runs_dir(dir: &Path) -> PathBuf {
    dir.join(".wtmap").join("runs")
}

/// Runs the service until a message arrives on `stop`, then lets the runs going finish.
///
/// Each run gets a thread of its own: a run blocks (HTTP, files, its own async runtime) for
/// minutes, and a thread is what lets it finish undisturbed after a stop was asked for.
pub async fn run_loop(
    mut service: Service,
    runner: Arc<dyn Runner>,
    clock: Arc<dyn clock::Clock>,
    sleeper: Arc<dyn clock::Sleeper>,
    mut stop: mpsc::UnboundedReceiver<()>,
) -> Service {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(Launch, RunRecord)>();
    let mut in_flight = 0usize;
    loop {
        let now = clock.now();
        for launch in service.poll(now) {
            in_flight += 1;
            start(
                launch,
                Arc::clone(&runner),
                Arc::clone(&clock),
                done_tx.clone(),
            );
        }
        let wake = service.next_wake(now);
        tokio::select! {
            () = sleeper.sleep_until(wake) => {}
            Some((launch, record)) = done_rx.recv() => {
                in_flight -= 1;
                service.complete(&launch, record, clock.now());
            }
            // A closed channel means nobody can ask for a stop any more: stop too.
            _ = stop.recv() => break,
        }
    }
    let now = clock.now();
    service.stop(now);
    service.say(
        now,
        &format!("stopping: no new runs; waiting for {in_flight} run(s) to finish"),
    );
    while in_flight > 0 {
        tokio::select! {
            Some((launch, record)) = done_rx.recv() => {
                in_flight -= 1;
                service.complete(&launch, record, clock.now());
            }
            Some(()) = stop.recv() => service.say(
                clock.now(),
                &format!(
                    "still waiting for {in_flight} run(s): an apply finishes its in-flight \
                     actions and journals the rest; killing it now leaves the journal to \
                     resume from"
                ),
            ),
        }
    }
    service
}

fn start(
    launch: Launch,
    runner: Arc<dyn Runner>,
    clock: Arc<dyn clock::Clock>,
    done: mpsc::UnboundedSender<(Launch, RunRecord)>,
) {
    let thread_name = format!("run-{}", launch.request.name);
    let job = {
        let launch = launch.clone();
        let done = done.clone();
        let clock = Arc::clone(&clock);
        move || {
            // A panicking run must still be reported, or the loop would wait for it forever.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runner.run(&launch.request)
            }));
            let record = result.unwrap_or_else(|panic| {
                let why = loader::panic_text(panic.as_ref());
                crashed(&launch, clock.as_ref(), format!("the run panicked: {why}"))
            });
            // The loop outlives every run it waits for; a send can only fail after it is gone.
            let _ = done.send((launch, record));
        }
    };
    if let Err(e) = std::thread::Builder::new().name(thread_name).spawn(job) {
        let message = format!("cannot start a thread for the run: {e}");
        let record = crashed(&launch, clock.as_ref(), message);
        let _ = done.send((launch, record));
    }
}

/// The record of a run that ended without an outcome of its own.
fn crashed(launch: &Launch, clock: &dyn clock::Clock, message: String) -> RunRecord {
    RunRecord {
        mapping: launch.request.name.clone(),
        run_id: String::new(),
        status: history::status::CRASHED.to_string(),
        started: clock.now(),
        finished: clock.now(),
        counts: RunCounts::new(),
        report_dir: None,
        message,
        email: String::new(),
    }
}

/// Everything a serving process is made of, for [`serve`].
pub struct Parts {
    /// The loop's state.
    pub service: Service,
    /// Runs the mappings.
    pub runner: Arc<dyn Runner>,
    /// The time.
    pub clock: Arc<dyn clock::Clock>,
    /// The waiting.
    pub sleeper: Arc<dyn clock::Sleeper>,
    /// The runs folder (reports served from it).
    pub runs_dir: PathBuf,
}

/// Serves the status page on `listener` and runs the loop until a stop arrives; the page
/// stays up until the last run has finished, so a stop can be watched. The page answers as a
/// loopback page without a token does ([`status::Access::decide`]); a listener away from
/// loopback serves nothing (use [`serve_with`]).
pub async fn serve(
    parts: Parts,
    listener: tokio::net::TcpListener,
    stop: mpsc::UnboundedReceiver<()>,
) -> Service {
    let access = listener
        .local_addr()
        .map_err(|e| e.to_string())
        .and_then(|addr| status::Access::decide(addr, false, None));
    let access = match access {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            // Nothing may be served: a page that refuses every request.
            status::Access::refuse_all()
        }
    };
    serve_with(parts, listener, stop, access).await
}

/// [`serve`] with the page's access rules.
pub async fn serve_with(
    parts: Parts,
    listener: tokio::net::TcpListener,
    stop: mpsc::UnboundedReceiver<()>,
    access: status::Access,
) -> Service {
    let state = Arc::new(status::StatusState {
        board: parts.service.board(),
        history: parts.service.history(),
        runs_dir: parts.runs_dir,
        clock: Arc::clone(&parts.clock),
    });
    let (page_stop, page_stopped) = tokio::sync::oneshot::channel::<()>();
    let page = tokio::spawn(async move {
        axum::serve(listener, status::router(state, access))
            .with_graceful_shutdown(async {
                let _ = page_stopped.await;
            })
            .await
    });
    let service = run_loop(
        parts.service,
        parts.runner,
        parts.clock,
        parts.sleeper,
        stop,
    )
    .await;
    let _ = page_stop.send(());
    match page.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: the status page stopped with an error: {e}"),
        Err(e) => eprintln!("warning: the status page task failed: {e}"),
    }
    service
}

/// Sends a stop on every SIGINT and SIGTERM (a stop the loop already has is a reminder that
/// it is waiting for runs).
pub fn forward_signals(stop: mpsc::UnboundedSender<()>) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                if stop.send(()).is_err() {
                    break;
                }
            }
        });
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if stop.send(()).is_err() {
                    break;
                }
            }
        });
    }
    Ok(())
}
