//! Every 3rd prefix of the four example mappings in `mappings/` and every 9th prefix of the
//! `mappings/errors/` examples, through the server without the process: each
//! didChange publishes diagnostics, and completion, hover, definition, symbols, formatting
//! and code actions at the prefix's end are answered (a result or a JSON-RPC error), never a
//! panic. tests/lsp.rs sends a sample of the same prefixes to the real binary.

use super::server::{Flow, Server, id};
use lsp_server::{Message, Notification, Request};
use serde_json::{Value, json};

fn examples() -> Vec<(String, String, usize)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    for dir in ["mappings", "mappings/errors"] {
        let mut names: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wtmap"))
            .collect();
        names.sort();
        for p in names {
            let step = if dir == "mappings" { 3 } else { 9 };
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
                step,
            ));
        }
    }
    out
}

fn send(server: &mut Server, msg: Message) -> Vec<Message> {
    let mut out = Vec::new();
    assert_eq!(server.handle(msg, &mut out), Flow::Continue);
    out
}

#[test]
fn prefixes_of_every_example_are_answered() {
    let mut server = Server::new();
    let uri = "file:///prefix.wtmap";
    send(
        &mut server,
        Request::new(id(0), "initialize".into(), json!({ "capabilities": {} })).into(),
    );
    send(
        &mut server,
        Notification::new(
            "textDocument/didOpen".into(),
            json!({ "textDocument": { "uri": uri, "languageId": "wtmap", "version": 0, "text": "" } }),
        )
        .into(),
    );
    let mut n = 0;
    for (path, text, step) in examples() {
        let ends = (0..=text.len()).step_by(step).chain([text.len()]);
        for end in ends.filter(|&i| text.is_char_boundary(i)) {
            let prefix = &text[..end];
            n += 1;
            let out = send(
                &mut server,
                Notification::new(
                    "textDocument/didChange".into(),
                    json!({ "textDocument": { "uri": uri, "version": n }, "contentChanges": [{ "text": prefix }] }),
                )
                .into(),
            );
            assert!(
                matches!(&out[..], [Message::Notification(m)] if m.method == "textDocument/publishDiagnostics"),
                "{path} at {end}: {out:?}"
            );
            let line = prefix.matches('\n').count();
            let col = prefix
                .rsplit('\n')
                .next()
                .unwrap_or("")
                .encode_utf16()
                .count();
            let pos = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } });
            let doc = json!({ "textDocument": { "uri": uri } });
            let range = json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": line, "character": col } }, "context": { "diagnostics": [] } });
            // The expensive requests on every 7th prefix; completion and hover on all.
            let mut requests: Vec<(&str, Value)> = vec![
                ("textDocument/completion", pos.clone()),
                ("textDocument/hover", pos.clone()),
            ];
            if end % 7 == 0 {
                requests.push(("textDocument/definition", pos));
                requests.push(("textDocument/documentSymbol", doc.clone()));
                requests.push(("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } })));
                requests.push(("textDocument/codeAction", range));
            }
            for (method, params) in requests {
                let out = send(
                    &mut server,
                    Request::new(id(n), method.into(), params).into(),
                );
                let answered = matches!(&out[..], [Message::Response(r)] if r.id == id(n)
                    && (r.response_result.is_ok() || method == "textDocument/formatting"));
                assert!(answered, "{path} at {end}, {method}: {out:?}");
            }
        }
    }
    assert!(n > 5_000, "{n}");
}
