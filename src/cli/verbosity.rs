//! `--quiet` and `--verbose`, global flags of every command. Quiet drops progress bars and
//! informational lines on standard error ("plan written to …", "checked 3 files: …"), never
//! errors, warnings or the output a command was asked for; verbose adds the stage timings
//! (as `WTMAP_TIMINGS` does) and the command's wall time.

use std::sync::atomic::{AtomicU8, Ordering};

const QUIET: u8 = 0;
const NORMAL: u8 = 1;
const VERBOSE: u8 = 2;

static LEVEL: AtomicU8 = AtomicU8::new(NORMAL);

/// Sets the level for the rest of the process (`quiet` and `verbose` exclude each other).
pub fn set(quiet: bool, verbose: bool) {
    let level = match (quiet, verbose) {
        (true, _) => QUIET,
        (false, true) => VERBOSE,
        (false, false) => NORMAL,
    };
    LEVEL.store(level, Ordering::Relaxed);
    if verbose {
        crate::timings::enable();
    }
}

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    LEVEL.load(Ordering::Relaxed) == QUIET
}

/// Whether `--verbose` was given.
pub fn verbose() -> bool {
    LEVEL.load(Ordering::Relaxed) == VERBOSE
}

/// `eprintln!` for an informational line: dropped under `--quiet`.
macro_rules! info {
    ($($arg:tt)*) => {
        if !$crate::cli::verbosity::quiet() {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use info;
