//! The binary starts itself again with mimalloc's purge delay set (see `settle_allocator` in
//! src/main.rs), and keeps a delay the user set.

#![allow(clippy::expect_used)]

use std::process::Command;

/// The purge delays mimalloc reports as it starts (`MIMALLOC_VERBOSE=1`), one per start of
/// the process image, and the command's stdout.
fn purge_delays(user_delay: Option<&str>) -> (Vec<String>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wtmap"));
    command
        .arg("--version")
        .env("MIMALLOC_VERBOSE", "1")
        .env_remove("MIMALLOC_PURGE_DELAY");
    if let Some(delay) = user_delay {
        command.env("MIMALLOC_PURGE_DELAY", delay);
    }
    let output = command.output().expect("wtmap runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let delays = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("mimalloc: option 'purge_delay': "))
        .map(|delay| delay.trim().to_string())
        .collect();
    (delays, String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
#[cfg(target_os = "linux")]
fn the_binary_runs_again_with_a_short_purge_delay() {
    let (delays, stdout) = purge_delays(None);
    // Started with mimalloc's default, then once more with the delay set: no loop.
    assert_eq!(
        delays,
        ["10", "2"],
        "purge delays reported as the process started"
    );
    assert!(
        stdout.starts_with("wtmap "),
        "the command still ran: {stdout:?}"
    );
}

#[test]
fn a_purge_delay_the_user_set_is_kept() {
    let (delays, stdout) = purge_delays(Some("7"));
    assert_eq!(delays, ["7"], "started once, with the user's delay");
    assert!(
        stdout.starts_with("wtmap "),
        "the command still ran: {stdout:?}"
    );
}
