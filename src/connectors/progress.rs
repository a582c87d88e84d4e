//! Progress of a fetch, injected: the CLI shows a bar on a terminal, tests and pipes see
//! nothing.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// Told after each page.
pub trait Progress: Send + Sync {
    /// `fetched` records so far, of `total` when the system says.
    fn update(&self, system: &str, fetched: usize, total: Option<usize>);
    /// The fetch ended (successfully or not).
    fn finish(&self);
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _system: &str, _fetched: usize, _total: Option<usize>) {}
    fn finish(&self) {}
}

/// A bar (or spinner, while the total is unknown) on stderr.
#[derive(Debug)]
pub struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    /// A bar on stderr, or `None` when stderr is not a terminal (logs, CI, pipes).
    pub fn stderr() -> Option<BarProgress> {
        let target = ProgressDrawTarget::stderr();
        if target.is_hidden() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, target);
        // A spinner until the first page says how many records there are.
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        bar.set_message("connecting");
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(BarProgress { bar })
    }
}

impl Progress for BarProgress {
    fn update(&self, system: &str, fetched: usize, total: Option<usize>) {
        match total {
            Some(total) => {
                if self.bar.length() != Some(total as u64) {
                    self.bar.set_length(total as u64);
                    if let Ok(style) =
                        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} records")
                    {
                        self.bar.set_style(style.progress_chars("=> "));
                    }
                }
            }
            None => {
                if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {pos} records") {
                    self.bar.set_style(style);
                }
            }
        }
        self.bar.set_message(format!("fetching from {system}"));
        self.bar.set_position(fetched as u64);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
