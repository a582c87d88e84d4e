//! The settings the `wtmap` binary gives its allocator (mimalloc, chosen in src/main.rs and
//! Cargo.toml), here so that the benchmarks can run with the same ones.

/// mimalloc gives freed memory back to the system only after its purge delay (10 ms unless
/// set), and checks that only when the thread that owns the memory next allocates. A plan's
/// stages free tens of megabytes and allocate as much again within a few milliseconds, so at
/// the diff, where a plan peaks, what the stages before it freed was mostly still held.
/// Alternating cold 100k plans (`scripts/alternate.py`, 15 rounds with Python between them,
/// docs/benchmarks.md, issue 20): 10 ms 104-107 MB; 5 ms 93-105; 2 ms 94-95 in the same time
/// (over 82 runs in 7 rounds a median of 93-95, 8 runs at 101-105); 1 ms 92-97, 1.03x the time;
/// 0 ms 90-91, 1.07x. 1M plan at 2 ms: 836 -> 830 MB, same time.
/// mimalloc reads the delay from the environment when the process starts, and it can be set
/// otherwise only through an `unsafe` call; so the binary starts itself again, once, with it
/// set ([`settle`]: one `exec` more, ~1 ms). A delay the user set is kept.
pub const PURGE_DELAY: (&str, &str) = ("MIMALLOC_PURGE_DELAY", "2");

/// Replaces this process with the same program, arguments and environment plus the allocator's
/// [`PURGE_DELAY`], unless it is set already. Returns only when it did not (then the process
/// goes on with the allocator's defaults).
#[cfg(target_os = "linux")]
pub fn settle() {
    use std::os::unix::process::CommandExt;
    let (name, value) = PURGE_DELAY;
    if std::env::var_os(name).is_some() {
        return;
    }
    let mut args = std::env::args_os();
    let Some(program) = args.next() else {
        return;
    };
    // `/proc/self/exe` is this program's file, even when its path has since been replaced.
    let _ = std::process::Command::new("/proc/self/exe")
        .arg0(program)
        .args(args)
        .env(name, value)
        .exec();
}

/// Elsewhere mimalloc runs with its defaults.
#[cfg(not(target_os = "linux"))]
pub fn settle() {}
