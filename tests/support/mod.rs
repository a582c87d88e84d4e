//! Real peers for the SCIM tests: the `scim2-server` package from PyPI (installed into `.venv`
//! by `.ci/run`), started on a free loopback port per test and killed on drop; a plain HTTP
//! client to look at what the server holds; and a fault-injecting proxy (`fault_proxy`).
#![allow(dead_code, reason = "each test binary uses a subset")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support fails loudly"
)]

pub mod fault_proxy;
pub mod scim_node;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `scim2-server` executable: `$WTMAP_SCIM_SERVER`, else `.venv/bin/scim2-server`.
/// Missing, it fails the test (`scripts/test.sh` installs it; `WTMAP_SKIP_PEERS=1` marks the
/// tests that need it ignored instead).
pub fn scim_server_program() -> PathBuf {
    let path = std::env::var_os("WTMAP_SCIM_SERVER").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/scim2-server"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "scim2-server not found at {}: run scripts/test.sh (it installs every peer), set \
         WTMAP_SCIM_SERVER, or opt out of peer tests with WTMAP_SKIP_PEERS=1",
        path.display()
    );
    path
}

/// A free loopback port: bind port 0, read it, release it. Another process may take it before
/// the server binds, so starting retries with a new port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `scim2-server`, killed on drop.
pub struct ScimServer {
    child: Child,
    /// Its port.
    pub port: u16,
    /// The bearer token it accepts.
    pub token: String,
    /// It answers in PascalCase: `get` turns attribute names back to camelCase.
    pub pascal: bool,
}

impl ScimServer {
    /// Starts a server accepting `token`; fails the test when the program is missing.
    pub fn start(token: &str) -> ScimServer {
        let program = scim_server_program();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&program)
                .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
                .args(["--bearer-token", token])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("scim2-server starts");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: most likely the port was taken; try another
                }
                if raw_request(port, "GET", "/v2/ServiceProviderConfig", token, None).is_ok() {
                    return ScimServer {
                        child,
                        port,
                        token: token.to_string(),
                        pascal: false,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("scim2-server did not start on any port");
    }

    /// The SCIM base URL (`http://127.0.0.1:PORT/v2`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }

    /// GET a path under `/v2` and parse the JSON.
    pub fn get(&self, path: &str) -> Value {
        let (status, body) =
            raw_request(self.port, "GET", &format!("/v2{path}"), &self.token, None).unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        let value: Value = serde_json::from_str(&body).unwrap();
        if self.pascal { camel(value) } else { value }
    }

    /// Every user as the server holds it.
    pub fn users(&self) -> Vec<Value> {
        self.all("/Users")
    }

    /// Every group as the server holds it.
    pub fn groups(&self) -> Vec<Value> {
        self.all("/Groups")
    }

    /// Every resource of an endpoint, page after page (a server may cap a page's size).
    fn all(&self, endpoint: &str) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let page = self.get(&format!(
                "{endpoint}?startIndex={}&count=10000",
                out.len() + 1
            ));
            let got = page["Resources"].as_array().cloned().unwrap_or_default();
            let total = page["totalResults"].as_u64().unwrap_or(0) as usize;
            let empty = got.is_empty();
            out.extend(got);
            if empty || out.len() >= total {
                return out;
            }
        }
    }

    /// The user whose externalId is `id` (exactly one must exist).
    pub fn user(&self, external_id: &str) -> Value {
        let found: Vec<Value> = self
            .users()
            .into_iter()
            .filter(|u| u["externalId"] == external_id)
            .collect();
        assert_eq!(found.len(), 1, "users with externalId {external_id}");
        found[0].clone()
    }
}

/// Attribute names with their first letter lowercased (`UserName` → `userName`), for reading
/// a PascalCase server's answers in the tests' own assertions; URN keys and the list envelope
/// (`Resources`) stay.
pub fn camel(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(camel).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = if k == "Resources" || k.starts_with("urn:") {
                        k
                    } else {
                        let mut c = k.chars();
                        c.next()
                            .map(|f| f.to_lowercase().chain(c).collect())
                            .unwrap_or_default()
                    };
                    (key, camel(v))
                })
                .collect(),
        ),
        other => other,
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.0 request over a fresh connection (the server answers HTTP/1.0 and closes).
pub fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not HTTP: {text}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Writes a mapping and its records into a fresh folder; the mapping's target points at `url`
/// and reads its token from `WT_SCIM_TOKEN`.
pub fn mapping_dir(url: &str, extra_target: &str, body: &str, records: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mapping = format!(
        "source csv {{ path = \"people.csv\" }}\n\
         fields {{ id: text, mail: text, first: text, last: text, team: text, boss: text?, title: text?, number: text?, left: text? }}\n\
         target winningtemp.scim {{\n  url = \"{url}\"\n  token = env(\"WT_SCIM_TOKEN\")\n{extra_target}}}\n{body}"
    );
    std::fs::write(dir.path().join("m.wtmap"), mapping).unwrap();
    std::fs::write(dir.path().join("people.csv"), records).unwrap();
    dir
}

/// The default mapping body of the tests: users with names, email, title, employee number,
/// one team level, managers, and leavers paused.
pub const BODY: &str = "user {\n  external_id = id\n  username = mail\n  email = mail\n  \
    first_name = first\n  last_name = last\n  title = title\n  employee_number = number\n  \
    manager = boss\n}\ngroup path = [team]\npause when left is not empty\n";

/// `n` people in four teams, each team's first person managing the rest, and the first person
/// managing the team leads.
pub fn people(n: usize) -> String {
    let mut out = String::from("id,mail,first,last,team,boss,title,number,left\n");
    for i in 1..=n {
        let team = ["Sales", "Dev", "Ops", "Support"][i % 4];
        let lead = (1..=n).find(|j| j % 4 == i % 4).unwrap_or(1);
        let boss = if i == lead {
            if i == 1 {
                String::new()
            } else {
                "1".to_string()
            }
        } else {
            lead.to_string()
        };
        out.push_str(&format!(
            "E{i},p{i}@x.example,First{i},Last{i},{team},{},Title {i},{},\n",
            if boss.is_empty() {
                String::new()
            } else {
                format!("E{boss}")
            },
            1000 + i
        ));
    }
    out
}

/// Runs the wtmap binary in `dir` with the token in its environment.
pub fn wtmap(dir: &std::path::Path, token: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(args)
        .current_dir(dir)
        .env("WT_SCIM_TOKEN", token)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("wtmap runs")
}

/// Standard output and error of a run, for assertions and failure messages.
pub fn texts(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs `wtmap run m.wtmap --format json --today 2026-11-21 EXTRA` in `dir` as the nightly job
/// would: `WT_SCIM_TOKEN` set to `token`, no colour, no standard input, `env` added and the
/// variables in `unset` (the developer's own SMTP settings) removed.
pub fn wtmap_run(
    dir: &std::path::Path,
    token: &str,
    extra: &[&str],
    env: &[(String, String)],
    unset: &[&str],
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wtmap"));
    command
        .args([
            "run",
            "m.wtmap",
            "--format",
            "json",
            "--today",
            "2026-11-21",
        ])
        .args(extra)
        .current_dir(dir)
        .env("WT_SCIM_TOKEN", token)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for var in unset {
        command.env_remove(var);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command.output().unwrap()
}
