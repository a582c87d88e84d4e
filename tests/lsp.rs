//! Protocol tests for `wtmap lsp`: the real binary, driven over its stdio with framed
//! JSON-RPC (tests/lsp_client). Completion labels at fixed positions of every example mapping
//! are snapshotted; every other answer is asserted on directly.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod lsp_client;

use lsp_client::{Client, at, example_mappings, read, uri_of};
use serde_json::{Value, json};
use wtmap::check::check_source;
use wtmap::source::SourceFile;

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The positions probed in a mapping: per line that holds code, where its first word starts,
/// right after its first `= `, and right after its first `->`.
fn probes(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("");
        if code.trim().is_empty() {
            continue;
        }
        let indent = code.len() - code.trim_start().len();
        out.push((n, utf16_len(&code[..indent])));
        if let Some(i) = code.find("= ") {
            out.push((n, utf16_len(&code[..i + 2])));
        }
        if let Some(i) = code.find("->") {
            out.push((n, utf16_len(&code[..i + 2])));
        }
    }
    out
}

fn labels(result: &Value) -> Vec<String> {
    result
        .as_array()
        .expect("a completion list")
        .iter()
        .map(|i| i["label"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// One line per probe: `line:col (count) first labels…`, with the code around the cursor.
fn completion_report(c: &mut Client, path: &str) -> String {
    let text = read(path);
    let uri = uri_of(path);
    c.open(&uri, &text);
    let _ = c.diagnostics(&uri);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (line, col) in probes(&text) {
        let got = labels(&c.result("textDocument/completion", at(&uri, line, col)));
        let prefix =
            String::from_utf16_lossy(&lines[line].encode_utf16().take(col).collect::<Vec<_>>());
        let shown: Vec<&str> = got.iter().take(8).map(String::as_str).collect();
        out.push_str(&format!(
            "{:>3}:{:<2} {:<28} ({:>3}) {}\n",
            line + 1,
            col,
            format!("`{}|`", prefix.trim_start())
                .chars()
                .take(28)
                .collect::<String>(),
            got.len(),
            shown.join(" ")
        ));
    }
    out
}

#[test]
fn completion_at_fixed_positions_of_every_example_mapping() {
    let mut c = Client::start();
    let mut errors = String::new();
    for path in example_mappings() {
        let report = completion_report(&mut c, &path);
        if path.starts_with("mappings/errors/") {
            errors.push_str(&format!("== {path}\n{report}"));
        } else {
            let name = path
                .trim_start_matches("mappings/")
                .trim_end_matches(".wtmap");
            insta::assert_snapshot!(format!("lsp_completion_{name}"), report);
        }
    }
    insta::assert_snapshot!("lsp_completion_errors", errors);
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn diagnostics_follow_the_text_and_match_check() {
    let mut c = Client::start();
    let path = "mappings/errors/E0101_unknown_field.wtmap";
    let text = read(path);
    let uri = uri_of(path);
    c.open(&uri, &text);
    let diags = c.diagnostics(&uri);
    let (_, expected) = check_source(&SourceFile::new(path, text.clone()));
    assert_eq!(diags.len(), expected.0.len(), "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "E0101");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "wtmap");
    let line = SourceFile::new(path, text.clone())
        .line_col(expected.0[0].span().start)
        .0;
    assert_eq!(d["range"]["start"]["line"], line - 1);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("help: did you mean `First`?"),
        "{d}"
    );
    let href = d["codeDescription"]["href"].as_str().unwrap();
    assert!(
        href.starts_with("file://") && href.ends_with(path),
        "{href}"
    );

    // The fix typed in: no diagnostics left.
    c.change(&uri, 2, &text.replace("= Fist", "= First"));
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());
    // A syntax error while typing: E0001 at the place.
    c.change(&uri, 3, &text.replace("= Fist", "="));
    let diags = c.diagnostics(&uri);
    assert_eq!(diags[0]["code"], "E0001", "{diags:?}");
    // Related labels travel as relatedInformation (E0107: two statements write one attribute).
    let path = "mappings/errors/E0107_attribute_written_twice.wtmap";
    c.open(&uri_of(path), &read(path));
    let diags = c.diagnostics(&uri_of(path));
    let related = &diags[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri_of(path), "{diags:?}");
    assert!(!related["message"].as_str().unwrap().is_empty());
    // Closing clears them.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri_of(path) } }),
    );
    assert_eq!(c.diagnostics(&uri_of(path)), Vec::<Value>::new());
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn ranges_count_utf16_columns() {
    let mut c = Client::start();
    let uri = "file:///tmp/utf16.wtmap";
    let text = "source csv { path = \"p.csv\" }\nfields {\n  Förnamn: text\n}\ntarget winningtemp.files { dir = \"o\" }\nuser { external_id = Förnamn\n username = Förnamn\n first_name = \"😀\" ++ Fö }\n";
    c.open(uri, text);
    let diags = c.diagnostics(uri);
    assert_eq!(diags[0]["code"], "E0001", "{diags:?}");
    // `++` is at UTF-16 column 19 of line 7 (byte column 21): `😀` counts two units.
    assert_eq!(
        diags[0]["range"]["start"],
        json!({ "line": 7, "character": 19 }),
        "{diags:?}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn hover_definition_symbols() {
    let mut c = Client::start();
    let path = "mappings/flex.wtmap";
    let text = read(path);
    let uri = uri_of(path);
    c.open(&uri, &text);
    let _ = c.diagnostics(&uri);
    let find = |needle: &str| -> (usize, usize) {
        let (n, line) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle) && !l.trim_start().starts_with('#'))
            .unwrap_or_else(|| panic!("{needle}"));
        (n, utf16_len(&line[..line.find(needle).unwrap()]) + 1)
    };
    let hover = |c: &mut Client, needle: &str| -> String {
        let (l, ch) = find(needle);
        c.result("textDocument/hover", at(&uri, l, ch))["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let h = hover(&mut c, "first_name  = FirstName");
    assert!(
        h.contains("**first_name**: `text` (mandatory)") && h.contains("name.givenName")
            || h.contains("wt_users.csv"),
        "{h}"
    );
    let (l, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("= FirstName"))
        .unwrap();
    let ch = utf16_len(&line[..line.find("FirstName").unwrap()]) + 2;
    let h = c.result("textDocument/hover", at(&uri, l, ch))["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(h.contains("Built-in field of `flex`"), "{h}");
    let h = hover(&mut c, "lower(");
    assert!(h.contains("lower(value: text) -> text"), "{h}");
    let h = hover(&mut c, "Office:");
    assert!(h.contains("Declared on line"), "{h}");

    // Definition: a use of the declared field `Office` goes to its declaration.
    let decl = find("Office:").0;
    let (l, ch) = find("[Office");
    let loc = c.result("textDocument/definition", at(&uri, l, ch + 1));
    assert_eq!(loc["uri"], uri.as_str());
    assert_eq!(loc["range"]["start"]["line"], decl, "{loc}");

    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for wanted in [
        "source flex",
        "fields",
        "target winningtemp.files",
        "user",
        "gender",
    ] {
        assert!(names.contains(&wanted), "{names:?}");
    }
    assert_eq!(c.shutdown(), 0);
}

/// Hover on the word after `guard` describes the guard form, as completion does: `filled(…)`
/// with its variants and what stops the run; hover on the field inside still shows the field.
#[test]
fn hover_describes_a_filled_guard() {
    let mut c = Client::start();
    let uri = "file:///tmp/filled.wtmap";
    let text = "source csv { path = \"p.csv\" }\nfields { Id: text, Mail: text, Office: text? }\ntarget winningtemp.files { dir = \"out\" }\nuser {\n  external_id = Id\n  username = Mail\n  first_name = Id\n  last_name = Id\n}\nguard filled(Office) >= 90%\nguard pauses <= 5%\n";
    c.open(uri, text);
    let diags = c.diagnostics(uri);
    assert!(diags.is_empty(), "{diags:?}");
    let hover = |c: &mut Client, line: usize, ch: usize| -> String {
        c.result("textDocument/hover", at(uri, line, ch))["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    // `filled`, at its start, middle and end.
    for ch in [6, 8, 12] {
        let h = hover(&mut c, 9, ch);
        assert!(
            h.starts_with("```wtmap\nguard filled(FIELD) >= 90%\n```"),
            "{ch}: {h}"
        );
        for part in [
            "of the records must fill the field (guard)",
            "`filled(F) >= 100` records",
            "`filled(F) >= 80% of last_run`",
            "`--allow-field-drop F`",
        ] {
            assert!(h.contains(part), "{part}: {h}");
        }
    }
    // The field inside is still the field.
    let h = hover(&mut c, 9, 14);
    assert!(
        h.contains("**Office**") && h.contains("Declared on line 2"),
        "{h}"
    );
    // Another guard form is described by its own line.
    let h = hover(&mut c, 10, 8);
    assert!(
        h.starts_with("```wtmap\nguard pauses <= 5%\n```") && !h.contains("filled"),
        "{h}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn hover_explains_a_diagnostic_code() {
    let mut c = Client::start();
    let path = "mappings/errors/E0305_literal_secret.wtmap";
    let text = read(path);
    let uri = uri_of(path);
    c.open(&uri, &text);
    let d = c.diagnostics(&uri).remove(0);
    let start = &d["range"]["start"];
    let h = c.result(
        "textDocument/hover",
        at(
            &uri,
            start["line"].as_u64().unwrap() as usize,
            start["character"].as_u64().unwrap() as usize + 1,
        ),
    );
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(
        v.contains("E0305") && v.contains("wtmap check --explain E0305"),
        "{v}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn formatting_is_wtmap_fmt_and_refuses_broken_text() {
    let mut c = Client::start();
    let uri = "file:///tmp/fmt.wtmap";
    let messy = "source csv {path=\"p.csv\"}\nfields { Id: text, Mail: text }\ntarget winningtemp.files {dir=\"o\"}\nuser {external_id=Id\nusername=Mail\nfirst_name=Id\nlast_name=Id}\n";
    c.open(uri, messy);
    let _ = c.diagnostics(uri);
    let edits = c.result("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    let expected = wtmap::format::format_source(&SourceFile::new("fmt.wtmap", messy)).unwrap();
    assert_eq!(edits[0]["newText"], expected.as_str(), "{edits}");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    assert_eq!(
        edits[0]["range"]["end"],
        json!({ "line": 7, "character": 0 })
    );
    // Formatted text: no edits.
    c.change(uri, 2, &expected);
    let _ = c.diagnostics(uri);
    let edits = c.result("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(edits, json!([]));
    // Text that does not parse: refused, never a broken edit.
    c.change(uri, 3, "user { external_id = }");
    let _ = c.diagnostics(uri);
    let r = c.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(r["error"]["code"], -32803, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not parse"),
        "{r}"
    );
    assert_eq!(c.shutdown(), 0);
}

fn actions_for(c: &mut Client, path: &str) -> (String, Vec<Value>) {
    let text = read(path);
    let uri = uri_of(path);
    c.open(&uri, &text);
    let diags = c.diagnostics(&uri);
    let range = diags[0]["range"].clone();
    let r = c.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range, "context": { "diagnostics": diags } }),
    );
    (uri, r.as_array().cloned().unwrap_or_default())
}

#[test]
fn code_actions_apply_the_checkers_suggestions() {
    let mut c = Client::start();
    let (uri, actions) = actions_for(&mut c, "mappings/errors/E0101_unknown_field.wtmap");
    assert_eq!(actions[0]["title"], "did you mean `First`?");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["edit"]["changes"][&uri][0]["newText"], "First");
    let (uri, actions) = actions_for(&mut c, "mappings/errors/E0305_literal_secret.wtmap");
    assert_eq!(
        actions[0]["edit"]["changes"][&uri][0]["newText"], "env(\"TOKEN\")",
        "{actions:?}"
    );
    let (uri, actions) = actions_for(&mut c, "mappings/errors/E0108_map_not_total.wtmap");
    assert_eq!(
        actions[0]["edit"]["changes"][&uri][0]["newText"], " _->None",
        "{actions:?}"
    );
    // No diagnostic in range: no actions.
    let r = c.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 1 } }, "context": { "diagnostics": [] } }),
    );
    assert_eq!(r, json!([]));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn bad_input_gets_errors_never_a_crash() {
    let mut c = Client::spawn();
    // Before initialize: ServerNotInitialized.
    let r = c.request("textDocument/hover", at("file:///x", 0, 0));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let r = c.request("initialize", json!({ "capabilities": {} }));
    assert!(r["result"]["capabilities"].is_object(), "{r}");
    // Not JSON: parse error with a null id.
    c.send_raw(b"Content-Length: 9\r\n\r\n{\"id\": 1,");
    let m = c.recv();
    assert_eq!(m["error"]["code"], -32700, "{m}");
    assert_eq!(m["id"], Value::Null);
    // JSON but not a message: invalid request, with its id when it has one.
    c.send(&json!([1, 2]));
    assert_eq!(c.recv()["error"]["code"], -32600);
    c.send(&json!({ "jsonrpc": "2.0", "id": 77, "method": 5 }));
    let m = c.recv();
    assert_eq!(
        (m["error"]["code"].clone(), m["id"].clone()),
        (json!(-32600), json!(77)),
        "{m}"
    );
    // Headers without a length; a length that is not a number.
    c.send_raw(b"Content-Type: x\r\n\r\n");
    assert_eq!(c.recv()["error"]["code"], -32700);
    c.send_raw(b"Content-Length: lots\r\n\r\n");
    assert_eq!(c.recv()["error"]["code"], -32700);
    // Unknown method; params of the wrong shape; a document that is not open.
    assert_eq!(c.request("wtmap/nope", json!({}))["error"]["code"], -32601);
    assert_eq!(
        c.request("textDocument/hover", json!({ "x": 1 }))["error"]["code"],
        -32602
    );
    assert_eq!(
        c.request("textDocument/hover", at("file:///nope.wtmap", 0, 0))["error"]["code"],
        -32602
    );
    // Out-of-range positions.
    let uri = "file:///tmp/range.wtmap";
    c.open(uri, "user {\n}\n");
    let _ = c.diagnostics(uri);
    for method in [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/definition",
    ] {
        let r = c.request(method, at(uri, 99, 0));
        assert_eq!(r["error"]["code"], -32602, "{method}: {r}");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("outside the document"),
            "{r}"
        );
        // A character past the end of a line is the end of the line (the protocol's rule).
        let r = c.request(method, at(uri, 0, 999));
        assert!(r.get("result").is_some(), "{method}: {r}");
    }
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 50, "character": 0 }, "end": { "line": 60, "character": 0 } }, "context": { "diagnostics": [] } }),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // A change to a document that is not open, a range change outside the text: logged, and
    // the server still answers.
    c.change("file:///tmp/never-opened.wtmap", 2, "x");
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "range": { "start": { "line": 40, "character": 0 }, "end": { "line": 41, "character": 0 } }, "text": "x" }] }),
    );
    assert!(
        c.request("textDocument/hover", at(uri, 0, 0))
            .get("result")
            .is_some()
    );
    // Exit without shutdown: exit code 1.
    c.notify("exit", Value::Null);
    assert_eq!(c.wait(), 1);
}

#[test]
fn incremental_changes_are_applied() {
    let mut c = Client::start();
    let path = "mappings/errors/E0103_unknown_enum_value.wtmap";
    let text = read(path);
    let uri = uri_of(path);
    c.open(&uri, &text);
    assert_eq!(c.diagnostics(&uri)[0]["code"], "E0103");
    let (line, l) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("->Woman"))
        .unwrap();
    let col = utf16_len(&l[..l.find("Woman").unwrap()]);
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "range": { "start": { "line": line, "character": col }, "end": { "line": line, "character": col + 5 } }, "text": "Female" }] }),
    );
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());
    assert_eq!(c.shutdown(), 0);
}

/// Every `STEP`-th prefix (at char boundaries) of every example mapping, sent as didChange:
/// each one gets its diagnostics, and completion and hover at its end are answered. (All
/// prefixes of every example, without the process and JSON, are in `src/lsp` unit tests.)
#[test]
fn prefixes_of_every_example_as_did_change_always_answer() {
    const STEP: usize = 11;
    let mut c = Client::start();
    let uri = "file:///tmp/prefix.wtmap";
    c.open(uri, "");
    let _ = c.diagnostics(uri);
    let mut version = 1;
    let mut sent = 0;
    for path in example_mappings() {
        let text = read(&path);
        let mut cut = 0;
        while cut <= text.len() {
            let mut end = cut;
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let prefix = &text[..end];
            version += 1;
            c.change(uri, version, prefix);
            let _ = c.diagnostics(uri);
            let line = prefix.matches('\n').count();
            let col = utf16_len(prefix.rsplit('\n').next().unwrap_or(""));
            let r = c.request("textDocument/completion", at(uri, line, col));
            assert!(r.get("result").is_some(), "{path} at {end}: {r}");
            let r = c.request("textDocument/hover", at(uri, line, col.saturating_sub(1)));
            assert!(r.get("result").is_some(), "{path} at {end}: {r}");
            sent += 1;
            cut += STEP;
        }
    }
    assert!(sent > 1000, "{sent}");
    assert_eq!(c.shutdown(), 0);
}
