//! Build-time facts and switches.
//!
//! `WTMAP_VERSION`: the crate version, followed by the commit and its date when built from a
//! git checkout with git on the PATH (`0.1.0 (607dd9d 2026-12-07)`), so a bug report names
//! the exact build; a tarball build shows the plain version.
//!
//! `WTMAP_SKIP_PEERS=1` (or `true`) sets the `wtmap_skip_peers` cfg, which marks every test
//! that needs a real peer (SCIM server, SMTP server, sshd, an editor, a browser) as ignored —
//! so a machine without the peers reports them as ignored, never as passed. Without it those
//! tests run, and fail when their peer is missing (`scripts/test.sh` installs them all).

use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    version();
    skip_peers();
}

fn version() {
    // Rebuild when HEAD moves (a commit or a checkout). In a linked worktree `.git` is a file
    // and HEAD lives in the worktree's own git directory while the branches are shared, so
    // both directories are asked of git rather than assumed to be `.git/`.
    let git_dir = |which: &str| {
        Command::new("git")
            .args(["rev-parse", which])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|text| std::path::PathBuf::from(text.trim()))
    };
    if let (Some(own), Some(common)) = (git_dir("--git-dir"), git_dir("--git-common-dir")) {
        for path in [
            own.join("HEAD"),
            common.join("refs/heads"),
            common.join("packed-refs"),
        ] {
            if path.exists() {
                println!("cargo::rerun-if-changed={}", path.display());
            }
        }
    }
    let package = env!("CARGO_PKG_VERSION");
    let commit = Command::new("git")
        .args(["log", "-1", "--format=%h %cs"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    let version = match commit {
        Some(commit) => format!("{package} ({commit})"),
        None => package.to_string(),
    };
    println!("cargo::rustc-env=WTMAP_VERSION={version}");
}

fn skip_peers() {
    println!("cargo::rustc-check-cfg=cfg(wtmap_skip_peers)");
    println!("cargo::rerun-if-env-changed=WTMAP_SKIP_PEERS");
    let skip = std::env::var("WTMAP_SKIP_PEERS").is_ok_and(|v| v == "1" || v == "true");
    if skip {
        println!("cargo::rustc-cfg=wtmap_skip_peers");
    }
}
