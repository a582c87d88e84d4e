//! `wtmap lsp`: a Language Server Protocol server over stdio for `.wtmap` mappings.
//!
//! It sits above the checker, formatter, schemas and builtin registry and adds no rule of its
//! own: diagnostics are `check_source`'s, formatting is `format_source`'s, completion and
//! hover read the same schema tables and builtin records, quick fixes apply the checker's
//! suggestions. Half-written text is read through a forgiving tokenizer ([`scan`]) so
//! completion works while the parser cannot.
//!
//! Capabilities: full text sync, publishDiagnostics, completion, hover, definition,
//! documentSymbol, formatting and codeAction (quick fixes). Positions use UTF-16 columns.

pub mod actions;
pub mod completion;
pub mod context;
pub mod definition;
pub mod diagnostics;
pub mod document;
pub mod formatting;
pub mod hover;
pub mod index;
pub mod position;
pub mod scan;
pub mod server;
pub mod symbols;
#[cfg(test)]
mod tests;
pub mod transport;

pub use server::{Flow, Server};

use std::io::{self, BufRead, Write};
use transport::Incoming;

/// Serves one client on `input`/`output` until `exit` or the end of input. Returns the exit
/// code: 0 after `shutdown` + `exit`, 1 otherwise. A panic while handling a message (a bug)
/// is answered with an internal error and the server goes on.
pub fn run(input: &mut impl BufRead, output: &mut impl Write) -> io::Result<i32> {
    let mut server = Server::new();
    loop {
        match transport::read(input)? {
            Incoming::Eof => return Ok(1),
            Incoming::Invalid { id, code, message } => {
                transport::write_error(output, &id, code, &message)?;
            }
            Incoming::Message(msg) => {
                let request_id = match &msg {
                    lsp_server::Message::Request(r) => Some(r.id.clone()),
                    _ => None,
                };
                let mut out = Vec::new();
                let flow = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    server.handle(msg, &mut out)
                }));
                let flow = match flow {
                    Ok(flow) => flow,
                    Err(_) => {
                        out.clear();
                        if let Some(id) = request_id {
                            out.push(lsp_server::Message::Response(lsp_server::Response::new_err(
                                id,
                                lsp_server::ErrorCode::InternalError as i32,
                                "internal error in wtmap lsp; please report it with the document".into(),
                            )));
                        }
                        Flow::Continue
                    }
                };
                for m in &out {
                    transport::write(output, m)?;
                }
                output.flush()?;
                if let Flow::Exit(code) = flow {
                    return Ok(code);
                }
            }
        }
    }
}

/// [`run`] on this process's stdin and stdout.
pub fn run_stdio() -> io::Result<i32> {
    let stdin = io::stdin();
    let stdout = io::stdout();
    run(&mut stdin.lock(), &mut io::BufWriter::new(stdout.lock()))
}
