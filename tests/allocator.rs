//! The binary starts itself again with mimalloc's options set (see `wtmap::allocator`), once,
//! and keeps a value the user set.

#![allow(clippy::expect_used)]

use std::process::Command;

/// The values of mimalloc's option `option` as it reports them on starting
/// (`MIMALLOC_VERBOSE=1`), one per start of the process image, for `wtmap --version` run with
/// `env` added to its environment (the allocator's own variables removed first).
fn reported(option: &str, env: &[(&str, &str)]) -> Vec<String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wtmap"));
    command.arg("--version").env("MIMALLOC_VERBOSE", "1");
    for (name, _) in wtmap::allocator::SETTINGS {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("wtmap runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("wtmap "), "the command ran: {stdout:?}");
    let prefix = format!("mimalloc: option '{option}': ");
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .map(|value| value.trim().to_string())
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn the_binary_runs_again_once_with_the_allocator_settings() {
    // Started with mimalloc's defaults, then once more with the settings: no loop.
    assert_eq!(reported("purge_delay", &[]), ["10", "2"]);
    assert_eq!(reported("abandoned_page_purge", &[]), ["0", "1"]);
}

#[test]
#[cfg(target_os = "linux")]
fn a_value_the_user_set_is_kept_and_the_others_are_added() {
    let user = [("MIMALLOC_PURGE_DELAY", "7")];
    assert_eq!(reported("purge_delay", &user), ["7", "7"]);
    assert_eq!(reported("abandoned_page_purge", &user), ["0", "1"]);
}

#[test]
fn a_process_given_every_setting_starts_once() {
    let all = [
        ("MIMALLOC_PURGE_DELAY", "7"),
        ("MIMALLOC_ABANDONED_PAGE_PURGE", "0"),
    ];
    assert_eq!(reported("purge_delay", &all), ["7"]);
    assert_eq!(reported("abandoned_page_purge", &all), ["0"]);
}
