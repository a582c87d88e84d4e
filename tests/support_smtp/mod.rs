//! A real SMTP server for the email tests: `aiosmtpd` from PyPI (installed into `.venv` by
//! `.ci/run`), started on a free loopback port per test by `wtmap_smtp_sink.py` beside this
//! file, which saves every message it accepts into a folder; killed on drop.
#![allow(dead_code, reason = "each test binary uses a subset")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support fails loudly"
)]

pub mod fixture;

use serde_json::Value;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python of `.venv` (or `$WTMAP_PYTHON`), which must import `aiosmtpd`. Missing, it fails
/// the test (`scripts/test.sh` installs it; `WTMAP_SKIP_PEERS=1` marks the tests ignored instead).
pub fn python() -> PathBuf {
    let path = std::env::var_os("WTMAP_PYTHON").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
        PathBuf::from,
    );
    let works = Command::new(&path)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        works,
        "aiosmtpd cannot be imported by {}: run scripts/test.sh (it installs every peer), set \
         WTMAP_PYTHON, or opt out of peer tests with WTMAP_SKIP_PEERS=1",
        path.display()
    );
    path
}

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope sender.
    pub mail_from: String,
    /// Envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// The login the client used, if any.
    pub login: Option<String>,
    /// The message, as sent.
    pub raw: Vec<u8>,
}

/// A running SMTP sink.
pub struct SmtpServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts a server; with `auth`, it requires that user and password. Fails the test when
    /// aiosmtpd is missing.
    pub fn start(auth: Option<(&str, &str)>) -> SmtpServer {
        let python = python();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support_smtp/wtmap_smtp_sink.py");
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..5 {
            let port = free_port();
            let mut command = Command::new(&python);
            command
                .arg(&script)
                .args(["--port", &port.to_string()])
                .arg("--out")
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some((user, password)) = auth {
                command.args(["--auth", &format!("{user}:{password}")]);
            }
            let mut child = command.spawn().expect("the SMTP sink starts");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: most likely the port was taken; try another
                }
                if greets(port) {
                    return SmtpServer { child, port, dir };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the SMTP sink did not start on any port");
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for n in 1.. {
            let eml = self.dir.path().join(format!("{n}.eml"));
            let Ok(raw) = std::fs::read(&eml) else { break };
            let meta: Value = serde_json::from_str(
                &std::fs::read_to_string(self.dir.path().join(format!("{n}.json"))).unwrap(),
            )
            .unwrap();
            out.push(Received {
                mail_from: meta["mail_from"].as_str().unwrap_or("").to_string(),
                rcpt_tos: meta["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
                login: meta["login"].as_str().map(str::to_string),
                raw,
            });
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// True when an SMTP server on `port` sends its `220` greeting.
fn greets(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 3];
    stream.read_exact(&mut buf).is_ok() && &buf == b"220"
}

/// Every SMTP setting wtmap reads: a test clears them all, so the developer's own
/// environment cannot reach a test's run.
pub const SMTP_VARIABLES: [&str; 6] = [
    "WTMAP_SMTP_HOST",
    "WTMAP_SMTP_PORT",
    "WTMAP_SMTP_USER",
    "WTMAP_SMTP_PASSWORD",
    "WTMAP_SMTP_TLS",
    "WTMAP_SMTP_FROM",
];

/// The SMTP settings of a run that sends to `port` without TLS.
pub fn smtp_env(port: u16) -> Vec<(String, String)> {
    [
        ("WTMAP_SMTP_HOST", "127.0.0.1".to_string()),
        ("WTMAP_SMTP_PORT", port.to_string()),
        ("WTMAP_SMTP_TLS", "none".to_string()),
        ("WTMAP_SMTP_FROM", "wtmap <wtmap@acme.example>".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
