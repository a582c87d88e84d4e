//! Hostile loopback peers for issue 21, item 6: an HTTP server and an SMTP server that echo
//! everything they receive (request line, headers, body; the AUTH command) in their error
//! replies, as a careless or malicious server would. Secrets must not come back out of wtmap
//! through any sink.

#![allow(dead_code, reason = "each test binary uses a part")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// What the HTTP echo server answers a request with, given its method and path: `None` echoes
/// the whole request back in a JSON error body with this status.
pub type Answer = dyn Fn(&str, &str) -> Option<(u16, String)> + Send + Sync;

/// Starts an HTTP/1.1 server on loopback; returns its base URL (`http://127.0.0.1:PORT`).
/// Requests `answer` does not answer get `status` and `{"detail": …, "message": …}` holding
/// the raw request, headers and body included.
pub fn http_echo(status: u16, answer: Arc<Answer>) -> String {
    http_echo_as(status, answer, true)
}

/// Like [`http_echo`]; with `json` false the echo is the raw request as a text body, body
/// first.
pub fn http_echo_as(status: u16, answer: Arc<Answer>, json: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            std::thread::spawn(move || serve_http(stream, status, &*answer, json));
        }
    });
    url
}

fn serve_http(stream: TcpStream, status: u16, answer: &Answer, json: bool) {
    let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
    loop {
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
            let end = line == "\r\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = format!("{head}{}", String::from_utf8_lossy(&body));
        let mut first = head.split_whitespace();
        let method = first.next().unwrap_or("").to_string();
        let path = first.next().unwrap_or("").to_string();
        let (code, reply) = answer(&method, &path).unwrap_or_else(|| {
            let echo = serde_json::json!({"detail": request, "message": request});
            match json {
                true => (status, echo.to_string()),
                // Body first: a text echo is cut short in messages, the body must be in it.
                false => (
                    status,
                    format!("{}\r\n{head}", String::from_utf8_lossy(&body)),
                ),
            }
        });
        let response = format!(
            "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{reply}",
            reply.len()
        );
        let mut out = &stream;
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Starts an SMTP server on loopback that offers AUTH and refuses every login with a `535`
/// reply quoting the client's AUTH command (and the credentials that follow it); returns the
/// port.
pub fn smtp_echo() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_smtp(stream));
        }
    });
    port
}

fn serve_smtp(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
    let mut out = &stream;
    let _ = out.write_all(b"220 echo ESMTP\r\n");
    let mut auth = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        let reply = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250-echo\r\n250 AUTH PLAIN LOGIN\r\n".to_string()
        } else if upper == "AUTH LOGIN" || (upper.starts_with("AUTH LOGIN ") && auth.is_empty()) {
            auth = command.clone();
            "334 VXNlcm5hbWU6\r\n".to_string()
        } else if upper.starts_with("AUTH PLAIN") || !auth.is_empty() {
            auth.push(' ');
            auth.push_str(&command);
            if auth.matches(' ').count() < 3 && auth.to_ascii_uppercase().starts_with("AUTH LOGIN")
            {
                "334 UGFzc3dvcmQ6\r\n".to_string()
            } else {
                let r = format!("535 5.7.8 rejected: {}\r\n", auth.trim());
                auth.clear();
                r
            }
        } else if upper.starts_with("QUIT") {
            let _ = out.write_all(b"221 bye\r\n");
            return;
        } else {
            format!("500 unknown: {command}\r\n")
        };
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
