//! Helpers for the `serve` tests: mappings with a given schedule, a fake runner, and a service
//! stepped through time by hand.

#![allow(dead_code, reason = "each test file uses a part")]

use chrono::{DateTime, Duration, Utc};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use wtmap::serve::history::History;
use wtmap::serve::runner::{RunCounts, RunRecord, RunRequest, Runner};
use wtmap::serve::service::{Service, ServiceConfig};

/// An instant from RFC 3339 text.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 instant")
        .with_timezone(&Utc)
}

/// The CSV example mapping with its schedule line replaced (`None`: no line, the default).
pub fn mapping_text(schedule: Option<&str>) -> String {
    let base = include_str!("../../mappings/csv.wtmap");
    let line = "schedule daily at 01:00 Europe/Stockholm";
    assert!(base.contains(line), "the example mapping's schedule moved");
    base.replace(line, schedule.unwrap_or(""))
}

/// Writes `NAME.wtmap` into `dir`, with its secret scope `NAME.env` holding a value for each
/// `env("…")` the text names (a served mapping reads only its own scope).
pub fn write_mapping(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}.wtmap"));
    std::fs::write(&path, text).expect("write mapping");
    let scope: String = text
        .split("env(\"")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('"')
                .map(|(var, _)| format!("{var}=test-value\n"))
        })
        .collect();
    std::fs::write(dir.join(format!("{name}.env")), scope).expect("write scope");
    path
}

/// A successful run record for a request, with a report in `runs_dir` when given.
pub fn success(request: &RunRequest, at: DateTime<Utc>, runs_dir: Option<&Path>) -> RunRecord {
    let run_id = format!("{}-{}", at.format("%Y%m%dT%H%M%SZ"), request.name);
    let report_dir = runs_dir.map(|d| {
        let dir = d.join(&request.name).join(&run_id);
        std::fs::create_dir_all(&dir).expect("report dir");
        let html = format!(
            "<!doctype html><title>report</title><p>run {run_id} of <b>{}</b></p>",
            request.name
        );
        std::fs::write(dir.join("report.html"), html).expect("report");
        std::fs::write(dir.join("journal.lock"), "private").expect("lock");
        dir
    });
    let mut counts = RunCounts::new();
    counts.insert("created".into(), 2);
    counts.insert("updated".into(), 5);
    counts.insert("paused".into(), 0);
    RunRecord {
        mapping: request.name.clone(),
        run_id,
        status: "success".into(),
        started: at,
        finished: at + Duration::seconds(42),
        counts,
        report_dir,
        message: "7 actions applied".into(),
        email: "sent to hr@acme.example".into(),
    }
}

/// A service over `dir` with its history in `runs_dir`, rescanning every `rescan` minutes.
pub fn service(dir: &Path, runs_dir: &Path, start: DateTime<Utc>, rescan: i64) -> Service {
    let history = Arc::new(History::open_in(runs_dir).expect("history"));
    let config = ServiceConfig {
        dir: dir.to_path_buf(),
        max_parallel: 2,
        rescan: Duration::minutes(rescan),
    };
    Service::new(config, history, start).with_log(|_, _| {})
}

/// Steps the service minute by minute from `from` to `to` (inclusive), finishing every run at
/// once; returns (mapping, instant started).
pub fn drive(
    service: &mut Service,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>)> {
    let mut started = Vec::new();
    let mut t = from;
    while t <= to {
        for launch in service.poll(t) {
            started.push((launch.request.name.clone(), t));
            let record = success(&launch.request, t, None);
            service.complete(&launch, record, t);
        }
        t += Duration::minutes(1);
    }
    started
}

/// The instants one mapping started at.
pub fn times_of(started: &[(String, DateTime<Utc>)], name: &str) -> Vec<DateTime<Utc>> {
    started
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, t)| *t)
        .collect()
}

/// A runner that reports each start, optionally waits to be released, then writes a report.
pub struct FakeRunner {
    pub runs_dir: PathBuf,
    pub started: Mutex<mpsc::Sender<RunRequest>>,
    pub gate: Option<Mutex<mpsc::Receiver<()>>>,
    pub clock: Arc<dyn wtmap::serve::clock::Clock>,
}

impl Runner for FakeRunner {
    fn run(&self, request: &RunRequest) -> RunRecord {
        let at = self.clock.now();
        let _ = self.started.lock().expect("lock").send(request.clone());
        if let Some(gate) = &self.gate {
            gate.lock()
                .expect("lock")
                .recv()
                .expect("the test releases the run");
        }
        success(request, at, Some(&self.runs_dir))
    }
}

/// Log lines as they come, for waiting on an event without sleeping.
pub fn log_channel() -> (
    impl Fn(DateTime<Utc>, &str) + Send + 'static,
    mpsc::Receiver<String>,
) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let log = move |_: DateTime<Utc>, line: &str| {
        let _ = tx.lock().expect("lock").send(line.to_string());
    };
    (log, rx)
}

/// Waits (bounded, for a hung test) for a log line containing `needle`.
pub fn wait_for_line(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no log line containing `{needle}`"));
        if line.contains(needle) {
            return line;
        }
    }
}
