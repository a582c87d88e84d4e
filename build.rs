//! Build-time switches. `WTMAP_SKIP_PEERS=1` (or `true`) sets the `wtmap_skip_peers` cfg, which
//! marks every test that needs a real peer (SCIM server, SMTP server, sshd, an editor, a browser)
//! as ignored — so a machine without the peers reports them as ignored, never as passed. Without
//! it those tests run, and fail when their peer is missing (`scripts/test.sh` installs them all).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wtmap_skip_peers)");
    println!("cargo::rerun-if-env-changed=WTMAP_SKIP_PEERS");
    println!("cargo::rerun-if-changed=build.rs");
    let skip = std::env::var("WTMAP_SKIP_PEERS").is_ok_and(|v| v == "1" || v == "true");
    if skip {
        println!("cargo::rustc-cfg=wtmap_skip_peers");
    }
}
