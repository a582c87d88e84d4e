//! The second SCIM server: `tests/scim_node/server.js`, SCIMMY on Node, in memory, started per
//! test on a free loopback port with a profile of flags (`--no-patch`, `--no-filter`,
//! `--max-members N`, `--pascal`, `--bulk N`, `--etag`, …; the file's header lists them).
//! `scripts/test.sh` installs its packages (`npm ci`); missing, the test fails.

use super::{ScimServer, raw_request};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The server's folder (`tests/scim_node`), checked to be installed.
pub fn folder() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scim_node");
    assert!(
        dir.join("node_modules/scimmy").is_dir(),
        "the Node SCIM server's packages are not installed in {}: run scripts/test.sh (it runs \
         `npm ci` there), or opt out of peer tests with WTMAP_SKIP_PEERS=1",
        dir.display()
    );
    dir
}

/// Starts the Node SCIM server accepting `token`, with `flags` as its profile. It binds port 0
/// and prints the port it got, so no other process can take it in between.
pub fn start(token: &str, flags: &[&str]) -> ScimServer {
    let dir = folder();
    let node = std::env::var_os("WTMAP_NODE").unwrap_or_else(|| "node".into());
    let mut child = Command::new(&node)
        .arg(dir.join("server.js"))
        .args(["--port", "0", "--token", token])
        .args(flags)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("`node` cannot be started ({e}): install Node.js, or set WTMAP_SKIP_PEERS=1")
        });
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server says where it listens");
    let port: u16 = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!("the Node SCIM server did not start: {line:?}")
        });
    let server = ScimServer {
        child,
        port,
        token: token.to_string(),
        pascal: flags.contains(&"--pascal"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while raw_request(port, "GET", "/v2/Users?count=1", token, None).is_err() {
        assert!(
            Instant::now() < deadline,
            "the Node SCIM server does not answer"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}
