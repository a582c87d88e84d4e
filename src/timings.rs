//! Stage timings for finding where a big plan spends its time: with `WTMAP_TIMINGS` set in the
//! environment, each stage of a plan prints to standard error the seconds since the first stage
//! and the process's resident memory (Linux). Without it, a stage costs one environment lookup.
//! docs/benchmarks.md shows how the figures there were taken with it.

use std::sync::OnceLock;
use std::time::Instant;

/// Set by [`enable`] (`--verbose`): stages are reported as with `WTMAP_TIMINGS`.
static FORCED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Reports stages from now on, as if `WTMAP_TIMINGS` were set (`--verbose`). Call it before
/// the first stage.
pub fn enable() {
    FORCED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Reports that the stage `name` has ended, when `WTMAP_TIMINGS` is set (or [`enable`] was
/// called).
pub fn stage(name: &str) {
    // The start is the first stage (`started`, before the command line is parsed), so
    // `--verbose` times from there too.
    static START: OnceLock<(Instant, bool)> = OnceLock::new();
    let (start, by_env) =
        START.get_or_init(|| (Instant::now(), std::env::var_os("WTMAP_TIMINGS").is_some()));
    if !*by_env && !FORCED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
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
