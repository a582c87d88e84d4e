//! `wtmap serve DIR`: runs every mapping in DIR on its schedule until SIGTERM/SIGINT, with a
//! run history and a status page.

use super::exit;
use super::state_cmd::runtime;
use super::verbosity::info;
use crate::serve::clock::{SystemClock, TokioSleeper};
use crate::serve::history::History;
use crate::serve::run_adapter::RunOnceRunner;
use crate::serve::service::{Service, ServiceConfig};
use crate::serve::status::{Access, TOKEN_VAR};
use crate::serve::{Parts, default_runs_dir, forward_signals, serve_with};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The folder of mappings: every `*.wtmap` directly in it runs on its `schedule`.
    pub dir: PathBuf,
    /// Where the status page listens. Loopback only (it shows mappings, runs and reports)
    /// unless `--allow-remote` is given.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8480")]
    pub listen: SocketAddr,
    /// Serve the status page on an address other than loopback. Needs a token of at least 16
    /// characters in `WTMAP_SERVE_TOKEN`, which every request must send as
    /// `Authorization: Bearer …`.
    #[arg(long)]
    pub allow_remote: bool,
    /// Where run reports and the run history are kept [default: DIR/.wtmap/runs].
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// Do not email run reports (they are still written to the runs folder).
    #[arg(long)]
    pub no_email: bool,
    /// How many runs of different mappings may go at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub max_parallel: usize,
    /// Seconds between looks at DIR for new, changed or removed mappings.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub rescan: u32,
}

/// Runs `serve`; returns when stopped and every run has finished.
pub fn run(args: ServeArgs) -> u8 {
    if !args.dir.is_dir() {
        eprintln!("error: `{}` is not a folder", args.dir.display());
        return exit::USAGE;
    }
    let token = std::env::var(TOKEN_VAR).ok();
    // Decided before anything listens: a page that would be open to others never starts.
    if let Err(e) = Access::decide(args.listen, args.allow_remote, token.clone()) {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let runs_dir = args
        .runs_dir
        .clone()
        .unwrap_or_else(|| default_runs_dir(&args.dir));
    let history = match History::open_in(&runs_dir) {
        Ok(h) => Arc::new(h),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", args.listen);
                return exit::USAGE;
            }
        };
        // The bound address (a port 0 becomes the real port) decides the names answered.
        let bound = listener.local_addr().unwrap_or(args.listen);
        let access = match Access::decide(bound, args.allow_remote, token) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        let (stop_tx, stop_rx) = tokio::sync::mpsc::unbounded_channel();
        if let Err(e) = forward_signals(stop_tx) {
            eprintln!("error: cannot watch for SIGTERM/SIGINT: {e}");
            return exit::USAGE;
        }
        let config = ServiceConfig {
            dir: args.dir.clone(),
            max_parallel: args.max_parallel,
            rescan: chrono::Duration::seconds(i64::from(args.rescan.max(1))),
        };
        let env = Arc::new(crate::env::ProcessEnv);
        let allowed = crate::env::allow_list(env.as_ref());
        let service = Service::new(config, history, chrono::Utc::now()).with_allowed(allowed);
        let addr = listener.local_addr().unwrap_or(args.listen);
        info!(
            "serving {}: status page http://{addr}/, history {}; stop with Ctrl-C or SIGTERM",
            args.dir.display(),
            service.history().path().display()
        );
        let runner = RunOnceRunner::new(runs_dir.clone(), !args.no_email, env);
        let parts = Parts {
            service,
            runner: Arc::new(runner),
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper::default()),
            runs_dir,
        };
        serve_with(parts, listener, stop_rx, access).await;
        info!("stopped");
        exit::OK
    })
}
