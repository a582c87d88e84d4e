//! The base protocol: `Content-Length` framed JSON-RPC on a byte stream. `lsp-server`'s own
//! reader ends the connection at the first malformed message; this one answers it with a
//! JSON-RPC error (parse error, invalid request) and reads on, as the protocol asks.

use lsp_server::Message;
use std::io::{self, BufRead, Read, Write};

/// The largest message body read (a mapping is kilobytes; this only bounds memory).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// What one read produced.
#[derive(Debug)]
pub enum Incoming {
    /// A well-formed message.
    Message(Message),
    /// Something that is not a message: answer `error` to `id` (JSON `null` when unknown).
    Invalid {
        /// The request's id, if one could be read.
        id: serde_json::Value,
        /// JSON-RPC error code.
        code: i32,
        /// What was wrong.
        message: String,
    },
    /// The stream ended.
    Eof,
}

/// JSON-RPC "Parse error".
pub const PARSE_ERROR: i32 = -32700;
/// JSON-RPC "Invalid Request".
pub const INVALID_REQUEST: i32 = -32600;

fn invalid(code: i32, message: impl Into<String>) -> Incoming {
    Incoming::Invalid {
        id: serde_json::Value::Null,
        code,
        message: message.into(),
    }
}

/// Reads one message.
pub fn read(r: &mut impl BufRead) -> io::Result<Incoming> {
    let mut size: Option<usize> = None;
    let mut bad_header = None;
    let mut saw_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(Incoming::Eof);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            // Stray blank lines between messages.
            continue;
        }
        saw_header = true;
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => size = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header line `{text}`")),
        }
    }
    let Some(size) = size else {
        return Ok(invalid(
            PARSE_ERROR,
            bad_header.unwrap_or_else(|| "no Content-Length header".into()),
        ));
    };
    if size > MAX_BODY {
        io::copy(&mut r.take(size as u64), &mut io::sink())?;
        return Ok(invalid(
            INVALID_REQUEST,
            format!("a message of {size} bytes is larger than the {MAX_BODY} bytes accepted"),
        ));
    }
    let mut body = vec![0u8; size];
    r.read_exact(&mut body)?;
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(invalid(
                PARSE_ERROR,
                format!("the message is not JSON: {e}"),
            ));
        }
    };
    let id = value.get("id").cloned().unwrap_or(serde_json::Value::Null);
    if !value.is_object() {
        return Ok(invalid(
            INVALID_REQUEST,
            "a message must be one JSON object",
        ));
    }
    match serde_json::from_value::<Message>(value) {
        Ok(m) => Ok(Incoming::Message(m)),
        Err(e) => Ok(Incoming::Invalid {
            id: match id {
                serde_json::Value::Number(_) | serde_json::Value::String(_) => id,
                _ => serde_json::Value::Null,
            },
            code: INVALID_REQUEST,
            message: format!("not a JSON-RPC request, response or notification: {e}"),
        }),
    }
}

/// Writes one message.
pub fn write(w: &mut impl Write, msg: &Message) -> io::Result<()> {
    msg.write(w)
}

/// Writes an error response whose id may be `null`.
pub fn write_error(
    w: &mut impl Write,
    id: &serde_json::Value,
    code: i32,
    message: &str,
) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    })
    .to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str) -> Vec<String> {
        let mut r = io::BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        loop {
            match read(&mut r) {
                Ok(Incoming::Eof) | Err(_) => return out,
                Ok(Incoming::Message(m)) => {
                    out.push(format!("msg {m:?}").chars().take(20).collect())
                }
                Ok(Incoming::Invalid { code, .. }) => out.push(format!("err {code}")),
            }
        }
    }

    #[test]
    fn answers_garbage_and_reads_on() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\n{{nope\r\n\r\nContent-Type: x\r\n\r\nContent-Length: 2\r\n\r\n[]Content-Length: {}\r\n\r\n{good}",
            good.len()
        );
        assert_eq!(
            read_all(&input),
            [
                "err -32700",
                "err -32700",
                "err -32600",
                "msg Notification(Not"
            ]
        );
    }
}
