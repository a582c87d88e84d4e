//! Turning diagnostics into text: miette's graphical report for people, a versioned JSON
//! document for tools, and GitHub workflow annotations for CI.

use super::excerpt::Excerpt;
use super::{Diagnostic, Severity};
use crate::source::SourceFile;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

/// Options for the human renderer.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    /// ANSI colours (only on a terminal).
    pub color: bool,
    /// Wrap width.
    pub width: usize,
}

impl HumanStyle {
    /// Deterministic output for snapshots: no colour, 80 columns.
    pub const PLAIN: HumanStyle = HumanStyle {
        color: false,
        width: 80,
    };
}

/// A diagnostic paired with its source, in the shape miette renders.
struct View {
    message: String,
    code: &'static str,
    severity: Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Source,
}

/// The text miette draws from: the file, or the file with its long lines cut down.
enum Source {
    Whole(NamedSource<String>),
    Excerpt(Excerpt),
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(match &self.source {
            Source::Whole(s) => s,
            Source::Excerpt(e) => e,
        })
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Renders one diagnostic for people, with the file name, line and the source around it.
/// Lines longer than [`LONG_LINE`](super::excerpt::LONG_LINE) are cut down around the labels.
pub fn human(d: &Diagnostic, file: &SourceFile, style: HumanStyle) -> String {
    let spans: Vec<_> = d.labels.iter().map(|l| l.span).collect();
    let excerpt = Excerpt::new(&file.name, &file.text, &spans);
    let view = View {
        message: d.message.clone(),
        code: d.code.as_str(),
        severity: d.severity(),
        help: d.help.clone(),
        labels: d
            .labels
            .iter()
            .map(|l| {
                let text = (!l.message.is_empty()).then(|| l.message.clone());
                let span = excerpt.as_ref().map_or(l.span, |e| e.span(l.span));
                if l.primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect(),
        source: match excerpt {
            Some(excerpt) => Source::Excerpt(excerpt),
            None => Source::Whole(NamedSource::new(&file.name, file.text.to_string())),
        },
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &view).is_err() {
        // Rendering into a String cannot fail in practice; fall back to the plain line.
        out = format!("{}: {} [{}]\n", file.name, d.message, d.code.as_str());
    }
    out
}

/// A position in the JSON format.
#[derive(Debug, Serialize)]
pub struct JsonPosition {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// Byte offset.
    pub offset: usize,
}

/// A label in the JSON format.
#[derive(Debug, Serialize)]
pub struct JsonLabel {
    /// Label text.
    pub message: String,
    /// Primary location or context.
    pub primary: bool,
    /// Start.
    pub start: JsonPosition,
    /// End (exclusive).
    pub end: JsonPosition,
}

/// One diagnostic in the JSON format (`docs/diagnostics.md`).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// File name as given on the command line.
    pub file: String,
    /// `E0101`
    pub code: &'static str,
    /// `error` / `warning`
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Primary start.
    pub start: JsonPosition,
    /// Primary end.
    pub end: JsonPosition,
    /// All labels.
    pub labels: Vec<JsonLabel>,
}

fn position(file: &SourceFile, offset: usize) -> JsonPosition {
    let (line, column) = file.line_col(offset);
    JsonPosition {
        line,
        column,
        offset,
    }
}

/// The JSON form of one diagnostic.
pub fn json(d: &Diagnostic, file: &SourceFile) -> JsonDiagnostic {
    let span = d.span();
    JsonDiagnostic {
        file: file.name.clone(),
        code: d.code.as_str(),
        severity: d.severity(),
        message: d.message.clone(),
        help: d.help.clone(),
        start: position(file, span.start),
        end: position(file, span.end),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                message: l.message.clone(),
                primary: l.primary,
                start: position(file, l.span.start),
                end: position(file, l.span.end),
            })
            .collect(),
    }
}

/// A GitHub Actions workflow command (`::error file=…,line=…::message`).
pub fn github(d: &Diagnostic, file: &SourceFile) -> String {
    let span = d.span();
    let (line, col) = file.line_col(span.start);
    let (end_line, end_col) = file.line_col(span.end);
    let level = match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{level} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        escape_property(&file.name),
        escape_property(&format!("{} {}", d.code.as_str(), d.code.title())),
        escape_data(&message)
    )
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::source::Span;

    fn sample() -> (Diagnostic, SourceFile) {
        let file = SourceFile::new("m.wtmap", "user {\n  first_name = Fornamn\n}\n");
        let start = file.text.find("Fornamn").unwrap();
        let d = Diagnostic::new(
            Code::UnknownField,
            Span::new(start, start + 7),
            "unknown field `Fornamn`",
            "not a field",
        )
        .with_help("did you mean `Förnamn`?");
        (d, file)
    }

    #[test]
    fn github_annotation_has_file_line_and_escapes() {
        let (d, file) = sample();
        let line = github(&d, &file);
        assert!(
            line.starts_with(
                "::error file=m.wtmap,line=2,col=16,endLine=2,endColumn=23,title=E0101 "
            ),
            "{line}"
        );
        assert!(
            line.contains("%0Ahelp%3A") || line.contains("%0Ahelp: "),
            "{line}"
        );
    }

    #[test]
    fn human_report_names_file_line_and_code() {
        let (d, file) = sample();
        let text = human(&d, &file, HumanStyle::PLAIN);
        assert!(text.contains("E0101"), "{text}");
        assert!(text.contains("m.wtmap:2:16"), "{text}");
        assert!(text.contains("did you mean"), "{text}");
    }

    #[test]
    fn labels_past_column_65535_render_with_their_real_column() {
        for (before, after) in [(65_536, 0), (70_000, 100_000), (200_000, 10), (1_001, 1)] {
            for filler in ["a", "é", "\u{1F600}"] {
                let line = format!("{}Fornamn{}", filler.repeat(before), filler.repeat(after));
                let text = format!("user {{\n  first_name = {line}\n}}\n");
                let file = SourceFile::new("m.wtmap", text.clone());
                let start = text.find("Fornamn").unwrap();
                let d = Diagnostic::new(
                    Code::UnknownField,
                    Span::new(start, start + 7),
                    "unknown field `Fornamn`",
                    "not a field",
                );
                let out = human(&d, &file, HumanStyle::PLAIN);
                let column = start - text.find("  first_name").unwrap() + 1;
                assert!(
                    out.contains(&format!("m.wtmap:2:{column}]")),
                    "{}",
                    &out[..300]
                );
                assert!(out.contains("Fornamn") && out.contains("not a field"));
                assert!(out.len() < 2_000, "{}", out.len());
            }
        }
    }
}
