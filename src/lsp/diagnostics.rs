//! `check` diagnostics as LSP diagnostics: the same codes, messages, labels and help.

use super::position::LineIndex;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::source::SourceFile;
use lsp_types as lsp;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where a code's explanation lives: `{base}/mappings/errors/<CODE>_<slug>.wtmap` (the runnable
/// example `wtmap check --explain` prints) or `{base}/docs/diagnostics.md`.
#[derive(Debug, Clone, Default)]
pub struct DocsBase(pub Option<String>);

impl DocsBase {
    /// A base URL given by the client (`initializationOptions.docsBaseUrl`), else the first of
    /// `roots` (the workspace, then the build's source tree) that holds the examples.
    pub fn find(configured: Option<String>, roots: &[PathBuf]) -> DocsBase {
        if let Some(url) = configured.filter(|u| !u.is_empty()) {
            return DocsBase(Some(url.trim_end_matches('/').to_string()));
        }
        DocsBase(
            roots
                .iter()
                .find(|r| r.join(Code::Syntax.example_path()).is_file())
                .and_then(|r| file_url(r)),
        )
    }

    /// The explanation of `code`.
    pub fn href(&self, code: Code) -> Option<lsp::Uri> {
        let base = self.0.as_ref()?;
        lsp::Uri::from_str(&format!("{base}/{}", code.example_path())).ok()
    }
}

/// `file:///abs/path` for a directory (percent-encoding what URIs cannot hold).
pub fn file_url(path: &Path) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    let mut out = String::from("file://");
    for b in abs.to_str()?.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Some(out)
}

/// One diagnostic for the editor. The help line follows the message, as `check` prints it.
pub fn to_lsp(
    d: &Diagnostic,
    file: &SourceFile,
    lines: &LineIndex,
    uri: &lsp::Uri,
    docs: &DocsBase,
) -> lsp::Diagnostic {
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary && !l.message.is_empty())
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), lines.range(&file.text, l.span)),
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: lines.range(&file.text, d.span()),
        severity: Some(match d.severity() {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        code_description: docs.href(d.code).map(|href| lsp::CodeDescription { href }),
        source: Some("wtmap".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (d.code == Code::UnusedField).then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

/// The explanation of a code, as Markdown: title, severity and its runnable example.
pub fn explain(code: Code) -> String {
    let severity = match code.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!(
        "**{}** ({severity}): {}\n\nExample (`{}`, `wtmap check --explain {}`):\n\n```wtmap\n{}```",
        code.as_str(),
        code.title(),
        code.example_path(),
        code.as_str(),
        code.example()
    )
}
