//! The server's state and its answer to each message. Pure: a message in, messages out, so
//! tests can drive it without a process; `run` connects it to a byte stream.

use super::diagnostics::{DocsBase, to_lsp};
use super::document::Document;
use super::{actions, completion, definition, formatting, hover, symbols};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// What the loop does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next message.
    Continue,
    /// Stop with this exit code (`exit` after `shutdown` is 0, without it 1).
    Exit(i32),
}

/// The language server.
#[derive(Debug, Default)]
pub struct Server {
    docs: HashMap<String, Document>,
    docs_base: DocsBase,
    snippets: bool,
    initialized: bool,
    shut_down: bool,
}

/// A request's failure: a JSON-RPC error code and message.
type Failure = (i32, String);

fn invalid_params(message: impl Into<String>) -> Failure {
    (ErrorCode::InvalidParams as i32, message.into())
}

fn params<P: serde::de::DeserializeOwned>(value: Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|e| invalid_params(format!("invalid params: {e}")))
}

impl Server {
    /// A server before `initialize`.
    pub fn new() -> Server {
        Server::default()
    }

    /// Number of open documents.
    pub fn open_documents(&self) -> usize {
        self.docs.len()
    }

    /// Handles one message; answers go to `out`.
    pub fn handle(&mut self, msg: Message, out: &mut Vec<Message>) -> Flow {
        match msg {
            Message::Request(req) => {
                let id = req.id.clone();
                let result = self.request(req);
                out.push(Message::Response(match result {
                    Ok(value) => Response::new_ok(id, value),
                    Err((code, message)) => Response::new_err(id, code, message),
                }));
                Flow::Continue
            }
            Message::Notification(n) => self.notification(n, out),
            // The server sends no requests, so a response answers nothing.
            Message::Response(_) => Flow::Continue,
        }
    }

    fn request(&mut self, req: Request) -> Result<Value, Failure> {
        if req.method == "initialize" {
            if self.initialized {
                return Err((
                    ErrorCode::InvalidRequest as i32,
                    "already initialized".into(),
                ));
            }
            let p: lsp::InitializeParams = params(req.params)?;
            return Ok(self.initialize(p));
        }
        if !self.initialized {
            return Err((
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized; send `initialize` first".into(),
            ));
        }
        if self.shut_down {
            return Err((
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ));
        }
        match req.method.as_str() {
            "shutdown" => {
                self.shut_down = true;
                Ok(Value::Null)
            }
            "textDocument/completion" => {
                let p: lsp::CompletionParams = params(req.params)?;
                let (doc, offset) = self.at(&p.text_document_position)?;
                let items = completion::complete(doc, offset, self.snippets);
                to_value(lsp::CompletionResponse::Array(items))
            }
            "textDocument/hover" => {
                let p: lsp::HoverParams = params(req.params)?;
                let (doc, offset) = self.at(&p.text_document_position_params)?;
                to_value(hover::hover(doc, offset))
            }
            "textDocument/definition" => {
                let p: lsp::GotoDefinitionParams = params(req.params)?;
                let (doc, offset) = self.at(&p.text_document_position_params)?;
                let location = definition::definition(doc, offset).map(|span| {
                    lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(
                        doc.uri.clone(),
                        doc.lines.range(doc.text(), span),
                    ))
                });
                to_value(location)
            }
            "textDocument/documentSymbol" => {
                let p: lsp::DocumentSymbolParams = params(req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                to_value(lsp::DocumentSymbolResponse::Nested(symbols::symbols(doc)))
            }
            "textDocument/formatting" => {
                let p: lsp::DocumentFormattingParams = params(req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                formatting::format(doc).and_then(to_value)
            }
            "textDocument/codeAction" => {
                let p: lsp::CodeActionParams = params(req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                let span = doc
                    .lines
                    .span(doc.text(), p.range)
                    .ok_or_else(|| invalid_params("the range is outside the document"))?;
                to_value(self.code_actions(doc, span))
            }
            other => Err((
                ErrorCode::MethodNotFound as i32,
                format!("`{other}` is not a method wtmap lsp handles"),
            )),
        }
    }

    fn initialize(&mut self, p: lsp::InitializeParams) -> Value {
        self.initialized = true;
        self.snippets = p
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        let configured = p
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("docsBaseUrl"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut roots: Vec<PathBuf> = p
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| uri_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        roots.extend(p.root_uri.as_ref().and_then(uri_path));
        roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        self.docs_base = DocsBase::find(configured, &roots);
        let caps = lsp::ServerCapabilities {
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
                lsp::TextDocumentSyncKind::FULL,
            )),
            completion_provider: Some(lsp::CompletionOptions {
                trigger_characters: Some(vec![" ".into(), ">".into(), "(".into(), "{".into()]),
                ..Default::default()
            }),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            definition_provider: Some(lsp::OneOf::Left(true)),
            document_symbol_provider: Some(lsp::OneOf::Left(true)),
            document_formatting_provider: Some(lsp::OneOf::Left(true)),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                lsp::CodeActionOptions {
                    code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                    ..Default::default()
                },
            )),
            ..Default::default()
        };
        serde_json::json!({
            "capabilities": caps,
            "serverInfo": { "name": "wtmap", "version": env!("CARGO_PKG_VERSION") },
        })
    }

    fn notification(&mut self, n: Notification, out: &mut Vec<Message>) -> Flow {
        match n.method.as_str() {
            "exit" => return Flow::Exit(if self.shut_down { 0 } else { 1 }),
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    self.open(Document::new(d.uri, d.version, d.text), out);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    let key = p.text_document.uri.as_str().to_string();
                    let changed = self.docs.get(&key).map(|doc| doc.apply(p.content_changes));
                    match changed {
                        Some(Ok(text)) => {
                            let doc =
                                Document::new(p.text_document.uri, p.text_document.version, text);
                            self.open(doc, out);
                        }
                        Some(Err(e)) => log(out, &format!("change to {key} ignored: {e}")),
                        None => log(
                            out,
                            &format!("change to {key} ignored: the document is not open"),
                        ),
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                    self.docs.remove(p.text_document.uri.as_str());
                    publish(out, p.text_document.uri, Vec::new(), None);
                }
            }
            // initialized, didSave, $/cancelRequest, $/setTrace, configuration changes: nothing
            // to do (requests are answered in order and quickly).
            _ => {}
        }
        Flow::Continue
    }

    fn open(&mut self, doc: Document, out: &mut Vec<Message>) {
        let diags = doc
            .diagnostics
            .iter()
            .map(|d| to_lsp(d, &doc.file, &doc.lines, &doc.uri, &self.docs_base))
            .collect();
        publish(out, doc.uri.clone(), diags, Some(doc.version));
        self.docs.insert(doc.uri.as_str().to_string(), doc);
    }

    fn doc(&self, uri: &lsp::Uri) -> Result<&Document, Failure> {
        self.docs
            .get(uri.as_str())
            .ok_or_else(|| invalid_params(format!("`{}` is not open", uri.as_str())))
    }

    fn at(&self, p: &lsp::TextDocumentPositionParams) -> Result<(&Document, usize), Failure> {
        let doc = self.doc(&p.text_document.uri)?;
        let offset = doc.offset(p.position).map_err(invalid_params)?;
        Ok((doc, offset))
    }

    fn code_actions(
        &self,
        doc: &Document,
        span: crate::source::Span,
    ) -> Vec<lsp::CodeActionOrCommand> {
        let mut out = Vec::new();
        for d in doc.diagnostics.iter() {
            let at = d.span();
            if at.end < span.start || at.start > span.end {
                continue;
            }
            let lsp_diag = to_lsp(d, &doc.file, &doc.lines, &doc.uri, &self.docs_base);
            for fix in actions::fixes(d, &doc.file) {
                let edits = fix
                    .edits
                    .iter()
                    .map(|(s, text)| {
                        lsp::TextEdit::new(doc.lines.range(doc.text(), *s), text.clone())
                    })
                    .collect();
                out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: fix.title,
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diag.clone()]),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                }));
            }
        }
        out
    }
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
}

fn uri_path(uri: &lsp::Uri) -> Option<PathBuf> {
    let s = uri.as_str().strip_prefix("file://")?;
    let mut bytes = Vec::new();
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: String = it.by_ref().take(2).map(char::from).collect();
            bytes.push(u8::from_str_radix(&hex, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok().map(PathBuf::from)
}

fn publish(
    out: &mut Vec<Message>,
    uri: lsp::Uri,
    diagnostics: Vec<lsp::Diagnostic>,
    version: Option<i32>,
) {
    out.push(Message::Notification(Notification::new(
        "textDocument/publishDiagnostics".into(),
        lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )));
}

fn log(out: &mut Vec<Message>, message: &str) {
    out.push(Message::Notification(Notification::new(
        "window/logMessage".into(),
        lsp::LogMessageParams {
            typ: lsp::MessageType::WARNING,
            message: message.to_string(),
        },
    )));
}

/// A request id for tests.
pub fn id(n: i32) -> RequestId {
    RequestId::from(n)
}
