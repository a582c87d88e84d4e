//! Stage timings for finding where a big plan spends its time: with `WTMAP_TIMINGS` set in the
//! environment, each stage of a plan prints to standard error the seconds since the first stage
//! and the process's resident memory (Linux). Without it, a stage costs one environment lookup.
//! docs/benchmarks.md shows how the figures there were taken with it.

use std::sync::OnceLock;
use std::time::Instant;

/// Reports that the stage `name` has ended, when `WTMAP_TIMINGS` is set.
pub fn stage(name: &str) {
    static ENABLED: OnceLock<Option<Instant>> = OnceLock::new();
    let Some(start) =
        ENABLED.get_or_init(|| std::env::var_os("WTMAP_TIMINGS").map(|_| Instant::now()))
    else {
        return;
    };
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().to_string()))
        })
        .unwrap_or_default();
    eprintln!(
        "timings: {:>8.3} s  {name:<28} {rss}",
        start.elapsed().as_secs_f64()
    );
}
