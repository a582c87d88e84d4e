//! The settings the `wtmap` binary gives its allocator (mimalloc, chosen in src/main.rs and
//! Cargo.toml), here so that the benchmarks can run with the same ones.
//!
//! mimalloc gives freed memory back to the system only once it has been free for its purge
//! delay (10 ms unless set), checked when the thread that holds it next allocates; and memory
//! freed into the pages of a thread that has ended (the threads that read the records) waits
//! until another thread takes those pages over. A plan's stages free tens of megabytes and
//! allocate as much again within a few milliseconds, so at the diff, where a plan peaks, much
//! of what the stages before it freed was still held: a 100k plan peaked at ~96 or ~118 MB.
//!
//! mimalloc reads its options from the environment when the process starts; otherwise they can
//! be set only through an `unsafe` call. So [`settle`] starts the program again, once, with
//! them set (one `exec` more: a cold `wtmap check` 4 -> 5 ms). A value the user set is kept.

/// The allocator's options, as environment variables. Measured with alternating cold 100k
/// plans (`scripts/alternate.py`, Python between them; docs/benchmarks.md, issue 20):
///
/// - `MIMALLOC_PURGE_DELAY`: 10 ms (the default) 104-107 MB; 5 ms 93-105; 2 ms a median of
///   93-95 in the same time, but 8 of 82 runs at 101-105; 1 ms no better, 1.03x the time;
///   0 ms 90-91 MB, 1.06-1.07x the time. 1M plan at 2 ms: 836 -> 830 MB, same time.
/// - `MIMALLOC_ABANDONED_PAGE_PURGE`: the pages of an ended thread are purged like any other.
///   With the 2 ms delay, 30 rounds: runs above 100 MB 4 of 30 -> 0 of 30 (92-96 MB), the same
///   time.
pub const SETTINGS: [(&str, &str); 2] = [
    ("MIMALLOC_PURGE_DELAY", "2"),
    ("MIMALLOC_ABANDONED_PAGE_PURGE", "1"),
];

/// The [`SETTINGS`] the environment does not set.
pub fn unset_settings() -> Vec<(&'static str, &'static str)> {
    SETTINGS
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect()
}

/// Replaces this process with the same program, arguments and environment plus the
/// [`SETTINGS`] it lacks, unless it lacks none. Returns only when it did not replace it (then
/// the process goes on as it is).
#[cfg(target_os = "linux")]
pub fn settle() {
    use std::os::unix::process::CommandExt;
    let unset = unset_settings();
    if unset.is_empty() {
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
        .envs(unset)
        .exec();
}

/// Elsewhere mimalloc runs with its defaults.
#[cfg(not(target_os = "linux"))]
pub fn settle() {}
