//! Which mappings start when: a pure state machine over time, stepped by [`Scheduler::tick`]
//! with the current instant, so tests drive it through days and DST changes without waiting.
//!
//! Rules:
//! - a mapping never runs twice at once: when its time comes while its previous run is still
//!   going, that time is skipped (and reported as [`Decision::Skip`]);
//! - runs of different mappings may overlap, up to `max_parallel`; a mapping due while all
//!   slots are busy waits for a slot rather than being skipped (it did nothing wrong);
//! - times missed while waiting, or while the process was stopped or suspended, are not made
//!   up one by one: the next time is computed from now.

use super::schedule::next_run;
use crate::check::program::Schedule;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What to do at a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start a run of the mapping.
    Start {
        /// Mapping name.
        mapping: String,
        /// The time the schedule asked for.
        scheduled: DateTime<Utc>,
    },
    /// The mapping's time came while its previous run was still going: no run.
    Skip {
        /// Mapping name.
        mapping: String,
        /// The time the schedule asked for.
        scheduled: DateTime<Utc>,
        /// When the run still going started.
        running_since: DateTime<Utc>,
    },
}

#[derive(Debug, Clone)]
struct Job {
    schedule: Schedule,
    next: DateTime<Utc>,
    running_since: Option<DateTime<Utc>>,
    // A removed mapping whose run is still going stays known until it ends, so that a file
    // put back meanwhile cannot start a second run beside it.
    active: bool,
}

/// The schedule of every loaded mapping and which of them are running.
#[derive(Debug, Clone)]
pub struct Scheduler {
    jobs: BTreeMap<String, Job>,
    max_parallel: usize,
}

impl Scheduler {
    /// A scheduler that lets up to `max_parallel` runs go at once (at least one).
    pub fn new(max_parallel: usize) -> Scheduler {
        Scheduler {
            jobs: BTreeMap::new(),
            max_parallel: max_parallel.max(1),
        }
    }

    /// Adds a mapping, or updates its schedule. An unchanged schedule keeps its next time (an
    /// edit elsewhere in the file must not move the run); a new or changed one starts from now.
    pub fn set(&mut self, mapping: &str, schedule: &Schedule, now: DateTime<Utc>) {
        match self.jobs.get_mut(mapping) {
            Some(job) if job.active && job.schedule == *schedule => {}
            Some(job) => {
                job.schedule = schedule.clone();
                job.next = next_run(schedule, now);
                job.active = true;
            }
            None => {
                self.jobs.insert(
                    mapping.to_string(),
                    Job {
                        schedule: schedule.clone(),
                        next: next_run(schedule, now),
                        running_since: None,
                        active: true,
                    },
                );
            }
        }
    }

    /// Stops scheduling a mapping (a run still going is left to finish).
    pub fn remove(&mut self, mapping: &str) {
        if let Some(job) = self.jobs.get_mut(mapping) {
            if job.running_since.is_some() {
                job.active = false;
            } else {
                self.jobs.remove(mapping);
            }
        }
    }

    /// What is due at `now`. Every `Start` is marked running until [`Scheduler::finished`].
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Decision> {
        let mut out = Vec::new();
        for (name, job) in self.jobs.iter_mut().filter(|(_, j)| j.active) {
            if let Some(since) = job.running_since
                && job.next <= now
            {
                out.push(Decision::Skip {
                    mapping: name.clone(),
                    scheduled: job.next,
                    running_since: since,
                });
                job.next = next_run(&job.schedule, now);
            }
        }
        let mut due: Vec<(DateTime<Utc>, String)> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.active && j.running_since.is_none() && j.next <= now)
            .map(|(n, j)| (j.next, n.clone()))
            .collect();
        // Longest waiting first, so a busy folder cannot starve one mapping.
        due.sort();
        for (scheduled, name) in due {
            if self.running() >= self.max_parallel {
                break;
            }
            if let Some(job) = self.jobs.get_mut(&name) {
                job.running_since = Some(now);
                job.next = next_run(&job.schedule, now.max(scheduled));
                out.push(Decision::Start {
                    mapping: name,
                    scheduled,
                });
            }
        }
        out
    }

    /// The mapping's run ended.
    pub fn finished(&mut self, mapping: &str) {
        if let Some(job) = self.jobs.get_mut(mapping) {
            job.running_since = None;
            if !job.active {
                self.jobs.remove(mapping);
            }
        }
    }

    /// How many runs are going.
    pub fn running(&self) -> usize {
        self.jobs
            .values()
            .filter(|j| j.running_since.is_some())
            .count()
    }

    /// When the mapping runs next (`None` when it is not scheduled).
    pub fn next_run(&self, mapping: &str) -> Option<DateTime<Utc>> {
        self.jobs.get(mapping).filter(|j| j.active).map(|j| j.next)
    }

    /// When the mapping's current run started.
    pub fn running_since(&self, mapping: &str) -> Option<DateTime<Utc>> {
        self.jobs.get(mapping).and_then(|j| j.running_since)
    }

    /// The next instant after `now` at which a tick can decide something. Mappings already
    /// due but waiting for a slot are left out: a run ending wakes the loop for them.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.jobs
            .values()
            .filter(|j| j.active && j.next > now)
            .map(|j| j.next)
            .min()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "fixed test instants")]

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_running_mapping_is_skipped_not_doubled() {
        let mut s = Scheduler::new(4);
        let every = Schedule::Every { minutes: 15 };
        s.set("a", &every, utc("2026-01-01T00:00:00Z"));
        let t1 = utc("2026-01-01T00:15:00Z");
        assert!(matches!(&s.tick(t1)[..], [Decision::Start { .. }]));
        let t2 = utc("2026-01-01T00:30:00Z");
        assert_eq!(
            s.tick(t2),
            vec![Decision::Skip {
                mapping: "a".into(),
                scheduled: t2,
                running_since: t1
            }]
        );
        s.finished("a");
        assert!(s.tick(t2).is_empty());
        assert_eq!(s.next_run("a"), Some(utc("2026-01-01T00:45:00Z")));
    }

    #[test]
    fn the_parallel_limit_queues_instead_of_skipping() {
        let mut s = Scheduler::new(1);
        let every = Schedule::Every { minutes: 60 };
        let t0 = utc("2026-01-01T00:00:00Z");
        s.set("a", &every, t0);
        s.set("b", &every, t0);
        let t1 = utc("2026-01-01T01:00:00Z");
        let first = s.tick(t1);
        assert_eq!(first.len(), 1);
        assert_eq!(s.next_wake(t1), Some(utc("2026-01-01T02:00:00Z")));
        s.finished("a");
        let later = utc("2026-01-01T01:20:00Z");
        assert_eq!(
            s.tick(later),
            vec![Decision::Start {
                mapping: "b".into(),
                scheduled: t1
            }]
        );
    }

    #[test]
    fn a_mapping_removed_while_running_cannot_start_twice() {
        let mut s = Scheduler::new(4);
        let every = Schedule::Every { minutes: 15 };
        let t0 = utc("2026-01-01T00:00:00Z");
        s.set("a", &every, t0);
        s.tick(utc("2026-01-01T00:15:00Z"));
        s.remove("a");
        s.set("a", &every, utc("2026-01-01T00:16:00Z"));
        let out = s.tick(utc("2026-01-01T00:30:00Z"));
        assert!(matches!(&out[..], [Decision::Skip { .. }]), "{out:?}");
    }
}
