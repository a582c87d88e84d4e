//! The serve loop's state, without the waiting: [`Service::poll`] at an instant rescans the
//! folder when due, records what changed, and returns the runs to start; [`Service::complete`]
//! records a run's end. The async loop in [`super::run_loop`] calls these; tests call them
//! directly with a test clock's instants.

use super::board::{Board, MappingStatus, Snapshot};
use super::history::{Event, History, status};
use super::loader::{Change, Loader};
use super::runner::{RunCounts, RunRecord, RunRequest};
use super::schedule::{describe, display_zone};
use super::scheduler::{Decision, Scheduler};
use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;
use std::sync::Arc;

/// Where log lines go: an instant and a line.
type Log = Box<dyn Fn(DateTime<Utc>, &str) + Send>;

/// How `serve` behaves.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The folder of mappings.
    pub dir: PathBuf,
    /// Runs of different mappings allowed at once.
    pub max_parallel: usize,
    /// How often the folder is looked at for changed mappings.
    pub rescan: Duration,
}

/// A run to start.
#[derive(Debug, Clone)]
pub struct Launch {
    /// What to run.
    pub request: RunRequest,
    /// Its history row (`None` when the history could not be written).
    pub history_id: Option<i64>,
}

/// The state of a serving process.
pub struct Service {
    config: ServiceConfig,
    loader: Loader,
    scheduler: Scheduler,
    history: Arc<History>,
    board: Arc<Board>,
    next_scan: Option<DateTime<Utc>>,
    scan_error: Option<String>,
    stopping: bool,
    started: DateTime<Utc>,
    // Lines are written once the board shows what they say, so that a reader who saw a line
    // (a person, a test) finds the page agreeing with it.
    pending: Vec<String>,
    log: Log,
}

impl Service {
    /// A service that has not scanned yet. Runs a previous process left `running` are marked
    /// interrupted: this process did not start them and cannot finish them.
    pub fn new(config: ServiceConfig, history: Arc<History>, now: DateTime<Utc>) -> Service {
        let board = Arc::new(Board::new(config.dir.clone(), now));
        let service = Service {
            loader: Loader::new(&config.dir),
            scheduler: Scheduler::new(config.max_parallel),
            config,
            history,
            board,
            next_scan: None,
            scan_error: None,
            stopping: false,
            started: now,
            pending: Vec::new(),
            log: Box::new(|at, line| eprintln!("{} {line}", at.format("%Y-%m-%dT%H:%M:%SZ"))),
        };
        match service.history.mark_interrupted(now) {
            Ok(0) => {}
            Ok(n) => service.say(
                now,
                &format!("{n} run(s) of an earlier serve were interrupted"),
            ),
            Err(e) => service.say(now, &format!("warning: {e}")),
        }
        service
    }

    /// Sends log lines somewhere else than standard error.
    pub fn with_log(mut self, log: impl Fn(DateTime<Utc>, &str) + Send + 'static) -> Service {
        self.log = Box::new(log);
        self
    }

    /// Writes a log line (to standard error unless [`Service::with_log`] said otherwise).
    pub fn say(&self, at: DateTime<Utc>, line: &str) {
        (self.log)(at, line);
    }

    fn note(&mut self, line: String) {
        self.pending.push(line);
    }

    fn flush(&mut self, now: DateTime<Utc>) {
        for line in std::mem::take(&mut self.pending) {
            (self.log)(now, &line);
        }
    }

    /// The status board this service keeps current.
    pub fn board(&self) -> Arc<Board> {
        Arc::clone(&self.board)
    }

    /// The run history.
    pub fn history(&self) -> Arc<History> {
        Arc::clone(&self.history)
    }

    /// The same service checking mappings with `checker` (tests: a checker that panics).
    pub fn with_checker(mut self, checker: Arc<super::loader::Checker>) -> Service {
        self.loader = self.loader.with_checker(checker);
        self
    }

    /// The same service letting every mapping read `allowed` from the shared environment
    /// besides its own secret scope (see [`crate::env::allow_list`]).
    pub fn with_allowed(mut self, allowed: std::collections::BTreeSet<String>) -> Service {
        self.loader = self.loader.with_allowed(allowed);
        self
    }

    /// The mappings seen.
    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// The schedule state.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Runs going now.
    pub fn running(&self) -> usize {
        self.scheduler.running()
    }

    /// Rescans when due, then returns the runs to start at `now` (none once stopping).
    pub fn poll(&mut self, now: DateTime<Utc>) -> Vec<Launch> {
        if self.stopping {
            return Vec::new();
        }
        if self.next_scan.is_none_or(|t| now >= t) {
            self.scan(now);
            self.next_scan = Some(now + self.config.rescan);
        }
        let mut launches = Vec::new();
        for decision in self.scheduler.tick(now) {
            match decision {
                Decision::Start { mapping, scheduled } => {
                    if let Some(launch) = self.launch(&mapping, scheduled, now) {
                        launches.push(launch);
                    }
                }
                Decision::Skip {
                    mapping,
                    scheduled,
                    running_since,
                } => self.skip(&mapping, scheduled, running_since, now),
            }
        }
        self.refresh(now);
        self.flush(now);
        launches
    }

    fn scan(&mut self, now: DateTime<Utc>) {
        let changes = match self.loader.scan(now) {
            Ok(c) => {
                self.scan_error = None;
                c
            }
            Err(e) => {
                if self.scan_error.as_deref() != Some(e.as_str()) {
                    self.note(format!(
                        "error: {e}; the mappings already loaded keep running"
                    ));
                }
                self.scan_error = Some(e);
                return;
            }
        };
        for change in changes {
            let name = change.name().to_string();
            let message = match &change {
                Change::Loaded(_) | Change::Reloaded(_) => {
                    let schedule = self.loader.get(&name).and_then(|e| e.good.as_ref());
                    if let Some(good) = schedule {
                        self.scheduler.set(&name, &good.schedule, now);
                    }
                    schedule.map(|g| describe(&g.schedule)).unwrap_or_default()
                }
                Change::Invalid { summary, .. } => {
                    let keeps = match self.loader.get(&name).and_then(|e| e.good.as_ref()) {
                        Some(g) => format!("; the version loaded {} keeps running", g.loaded_at),
                        None => "; it does not run until it checks".to_string(),
                    };
                    format!("{summary}{keeps}")
                }
                Change::Removed(_) => {
                    self.scheduler.remove(&name);
                    String::new()
                }
            };
            self.note(format!("{name}: {} {message}", change.kind()));
            let event = Event {
                mapping: name,
                at: now,
                kind: change.kind().to_string(),
                message,
            };
            if let Err(e) = self.history.event(&event) {
                self.note(format!("warning: {e}"));
            }
        }
    }

    fn launch(
        &mut self,
        name: &str,
        scheduled: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Launch> {
        let entry = self.loader.get(name);
        let Some((entry, good)) = entry.and_then(|e| e.good.as_ref().map(|g| (e, g))) else {
            // Scheduled mappings always have a good version; if not, do not run.
            self.scheduler.finished(name);
            return None;
        };
        let request = RunRequest {
            name: name.to_string(),
            path: entry.path.clone(),
            good_text: Arc::clone(&good.text),
            good_hash: good.hash.clone(),
            scheduled,
        };
        let history_id = match self.history.begin_run(name, Some(scheduled), now) {
            Ok(id) => Some(id),
            Err(e) => {
                self.note(format!("warning: {e}"));
                None
            }
        };
        self.note(format!("{name}: run started (scheduled {scheduled})"));
        Some(Launch {
            request,
            history_id,
        })
    }

    fn skip(
        &mut self,
        name: &str,
        scheduled: DateTime<Utc>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        let message = format!("skipped: the run started {since} was still going");
        self.note(format!("{name}: {message}"));
        let record = RunRecord {
            mapping: name.to_string(),
            run_id: String::new(),
            status: status::SKIPPED.to_string(),
            started: now,
            finished: now,
            counts: RunCounts::new(),
            report_dir: None,
            message,
            email: String::new(),
        };
        if let Err(e) = self.history.record(&record, Some(scheduled)) {
            self.note(format!("warning: {e}"));
        }
    }

    /// Records that a run ended.
    pub fn complete(&mut self, launch: &Launch, mut record: RunRecord, now: DateTime<Utc>) {
        let name = &launch.request.name;
        // The history is keyed by the name serve knows, whatever the runner called it.
        record.mapping = name.clone();
        self.scheduler.finished(name);
        let result = match launch.history_id {
            Some(id) => self.history.finish_run(id, &record),
            None => self
                .history
                .record(&record, Some(launch.request.scheduled))
                .map(|_| ()),
        };
        if let Err(e) = result {
            self.note(format!("warning: {e}"));
        }
        self.note(format!(
            "{name}: run ended: {} {}",
            record.status, record.message
        ));
        self.refresh(now);
        self.flush(now);
    }

    /// Stops scheduling: nothing new starts; runs going are left to finish.
    pub fn stop(&mut self, now: DateTime<Utc>) {
        self.stopping = true;
        self.refresh(now);
    }

    /// The next instant `poll` has something to do, after `now`.
    pub fn next_wake(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let scan = self.next_scan.unwrap_or(now);
        self.scheduler.next_wake(now).map_or(scan, |t| t.min(scan))
    }

    fn refresh(&self, now: DateTime<Utc>) {
        let mappings = self
            .loader
            .entries()
            .map(|e| {
                let good = e.good.as_ref();
                MappingStatus {
                    name: e.name.clone(),
                    path: e.path.clone(),
                    schedule: good.map(|g| describe(&g.schedule)),
                    zone: good
                        .and_then(|g| display_zone(&g.schedule))
                        .map(|z| z.name().to_string()),
                    next_run: self.scheduler.next_run(&e.name).filter(|_| !self.stopping),
                    running_since: self.scheduler.running_since(&e.name),
                    loaded_at: good.map(|g| g.loaded_at),
                    version: good.map(|g| g.hash.chars().take(12).collect()),
                    error: e.error.clone(),
                }
            })
            .collect();
        self.board.set(Snapshot {
            started: self.started,
            updated: now,
            dir: self.config.dir.clone(),
            stopping: self.stopping,
            scan_error: self.scan_error.clone(),
            running: self.scheduler.running(),
            mappings,
        });
    }
}
