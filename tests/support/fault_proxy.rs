//! A fault-injecting HTTP proxy on loopback, in front of the SCIM server. Each request gets a
//! number (from 1) and a [`Fault`] chosen by the test's schedule: pass through, answer 429 with
//! `Retry-After`, answer 500 without forwarding, forward and then answer 500 (the server did the
//! work), drop the connection before or after forwarding, forward late, or answer late. One request per
//! connection (`Connection: close`), which the HTTP/1.0 server does anyway.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward and answer.
    Pass,
    /// Answer 429 with `Retry-After: N` seconds; not forwarded.
    Throttle(u64),
    /// Answer 503 with `Retry-After: N` seconds; not forwarded.
    Unavailable(u64),
    /// Answer 500; not forwarded.
    ErrorBefore,
    /// Forward, then answer 500 instead of the server's answer.
    ErrorAfter,
    /// Close the connection without forwarding.
    DropBefore,
    /// Forward, then close the connection without answering.
    DropAfter,
    /// Wait this long, then forward and answer.
    Slow(Duration),
    /// Forward at once (the server does the work), then wait this long before answering.
    SlowAnswer(Duration),
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request number, from 1.
    pub n: u64,
    /// When it arrived.
    pub at: Instant,
    /// `PATCH`.
    pub method: String,
    /// `/v2/Users/…`.
    pub path: String,
    /// The body.
    pub body: String,
    /// What was done to it.
    pub fault: Fault,
}

type Schedule = Arc<dyn Fn(u64, &str, &str) -> Fault + Send + Sync>;

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    /// Its port.
    pub port: u16,
    /// Every request seen.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    /// Starts a proxy to `127.0.0.1:upstream`; `schedule(n, method, path)` picks each fault.
    pub fn start(
        upstream: u16,
        schedule: impl Fn(u64, &str, &str) -> Fault + Send + Sync + 'static,
    ) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let schedule: Schedule = Arc::new(schedule);
        let counter = Arc::new(Mutex::new(0u64));
        let log = seen.clone();
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (schedule, counter, log) = (schedule.clone(), counter.clone(), log.clone());
                tokio::spawn(async move {
                    let _ = serve(client, upstream, schedule, counter, log).await;
                });
            }
        });
        FaultProxy {
            port,
            seen,
            runtime: Some(runtime),
        }
    }

    /// The SCIM base URL through the proxy.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }

    /// A copy of the requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Reads one request: head up to the blank line, then `Content-Length` bytes of body.
async fn read_request(client: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed before the request"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((head, body))
}

async fn forward(upstream: u16, head: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream)).await?;
    // One request per connection, so reading to the end reads exactly one answer.
    let mut rewritten: String = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    rewritten.push_str("Connection: close\r\n\r\n");
    server.write_all(rewritten.as_bytes()).await?;
    server.write_all(body).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    Ok(answer)
}

fn canned(status: &str, retry_after: Option<u64>) -> Vec<u8> {
    let body = format!(
        "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"{}\",\"detail\":\"injected fault\"}}",
        &status[..3]
    );
    let retry = retry_after.map_or(String::new(), |s| format!("Retry-After: {s}\r\n"));
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/scim+json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn serve(
    mut client: TcpStream,
    upstream: u16,
    schedule: Schedule,
    counter: Arc<Mutex<u64>>,
    log: Arc<Mutex<Vec<Seen>>>,
) -> std::io::Result<()> {
    let (head, body) = read_request(&mut client).await?;
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let path = words.next().unwrap_or_default().to_string();
    let n = {
        let mut c = counter.lock().unwrap();
        *c += 1;
        *c
    };
    let fault = schedule(n, &method, &path);
    log.lock().unwrap().push(Seen {
        n,
        at: Instant::now(),
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
        fault,
    });
    let answer = match fault {
        Fault::Throttle(s) => canned("429 Too Many Requests", Some(s)),
        Fault::Unavailable(s) => canned("503 Service Unavailable", Some(s)),
        Fault::ErrorBefore => canned("500 Internal Server Error", None),
        Fault::DropBefore => return Ok(()),
        Fault::ErrorAfter => {
            forward(upstream, &head, &body).await?;
            canned("500 Internal Server Error", None)
        }
        Fault::DropAfter => {
            forward(upstream, &head, &body).await?;
            return Ok(());
        }
        Fault::Slow(d) => {
            tokio::time::sleep(d).await;
            forward(upstream, &head, &body).await?
        }
        Fault::SlowAnswer(d) => {
            let answer = forward(upstream, &head, &body).await?;
            tokio::time::sleep(d).await;
            answer
        }
        Fault::Pass => forward(upstream, &head, &body).await?,
    };
    client.write_all(&answer).await?;
    client.shutdown().await
}
