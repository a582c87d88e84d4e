//! Time, injected: the serve loop reads the time from a [`Clock`] and waits with a [`Sleeper`],
//! so tests move a [`TestClock`] through a night or a DST change in microseconds.

use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;

/// A boxed future, for object-safe async traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The current time.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Waiting for an instant of a [`Clock`].
pub trait Sleeper: Send + Sync {
    /// Resolves at `deadline` or earlier (callers re-read the clock and sleep again).
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Sleeps on tokio's timer, at most `max_nap` at a time. tokio measures monotonic time, which
/// stops while a machine is suspended and ignores clock corrections; waking every so often to
/// re-read the wall clock keeps a run from being hours late after a laptop lid or an NTP step.
#[derive(Debug, Clone, Copy)]
pub struct TokioSleeper {
    /// The longest single nap.
    pub max_nap: std::time::Duration,
}

impl Default for TokioSleeper {
    fn default() -> Self {
        TokioSleeper {
            max_nap: std::time::Duration::from_secs(30),
        }
    }
}

impl Sleeper for TokioSleeper {
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()> {
        let wait = (deadline - Utc::now())
            .to_std()
            .unwrap_or_default()
            .min(self.max_nap);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct TestClock {
    now: watch::Sender<DateTime<Utc>>,
}

impl TestClock {
    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Arc<TestClock> {
        Arc::new(TestClock {
            now: watch::Sender::new(start),
        })
    }

    /// Sets the time (waking sleepers whose deadline has come).
    pub fn set(&self, now: DateTime<Utc>) {
        self.now.send_replace(now);
    }

    /// Moves the time forward.
    pub fn advance(&self, by: chrono::Duration) {
        self.now.send_modify(|t| *t += by);
    }

    /// A sleeper that wakes when this clock reaches the deadline.
    pub fn sleeper(self: &Arc<Self>) -> TestSleeper {
        TestSleeper {
            clock: Arc::clone(self),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }
}

/// Sleeps until a [`TestClock`] shows the deadline.
#[derive(Debug, Clone)]
pub struct TestSleeper {
    clock: Arc<TestClock>,
}

impl Sleeper for TestSleeper {
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()> {
        let mut rx = self.clock.now.subscribe();
        Box::pin(async move {
            // The sender lives in the clock this sleeper holds, so waiting cannot fail.
            let _ = rx.wait_for(|now| *now >= deadline).await;
        })
    }
}
