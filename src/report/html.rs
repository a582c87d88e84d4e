//! The report as one self-contained HTML document (`report.html`, and the email's HTML part).
//!
//! Written for mail clients, which are stricter than browsers: layout by nested tables with
//! `width` attributes (Outlook's Word engine ignores most CSS layout), every style inline (Gmail
//! drops `<style>` blocks in some views), web-safe fonts, and no scripts, images, external
//! fonts or links to fetch. Every piece of data is HTML-escaped: names come from HR systems and
//! may contain `<`, `&` or quotes.

use super::{Report, header_rows, more_line, outcome_text, shared_note};
use crate::apply::report::{ActionReport, Outcome};
use crate::plan::{because_text, headline};
use crate::run::RunStatus;
use std::fmt::Write;

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const CELL: &str = "padding:4px 8px;border-bottom:1px solid #e1e4e8;vertical-align:top;text-align:left;font-size:13px;line-height:18px;";
const HEAD_CELL: &str = "padding:4px 8px;border-bottom:2px solid #d0d7de;text-align:left;font-size:12px;line-height:16px;color:#57606a;font-weight:bold;";

/// The whole report as HTML.
pub fn render_html(report: &Report) -> String {
    render(report, usize::MAX)
}

/// The report with at most `limit` rows per table (the email's HTML part).
pub(crate) fn render(report: &Report, limit: usize) -> String {
    let title = format!(
        "wtmap run of {}: {}",
        escape(&report.mapping.name),
        report.status.title()
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;background-color:#f4f5f7;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background-color:#f4f5f7;\">\n\
         <tr><td align=\"center\" style=\"padding:16px 8px;\">\n\
         <table role=\"presentation\" width=\"680\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:680px;max-width:100%;background-color:#ffffff;border:1px solid #d0d7de;{FONT}font-size:14px;line-height:20px;color:#1f2328;\">\n"
    );
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:14px 20px;background-color:{};color:#ffffff;{FONT}font-size:18px;line-height:24px;font-weight:bold;\">{title}</td></tr>",
        color(report.status)
    );
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:12px 20px 4px 20px;{FONT}font-size:15px;\">{}</td></tr>",
        escape(&report.message)
    );
    let rows: Vec<Vec<String>> = header_rows(report)
        .into_iter()
        .map(|(label, value)| vec![format!("<b>{label}</b>"), escape(&value)])
        .collect();
    table(&mut out, None, &[], rows, limit);

    let c = &report.counts;
    let mut changes: Vec<Vec<String>> = c
        .changes()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| vec![label.to_string(), n.to_string()])
        .collect();
    let done = c.planned.saturating_sub(c.failed + c.not_done);
    changes.push(vec![
        "<b>actions planned / done / failed / not done</b>".to_string(),
        format!(
            "<b>{} / {done} / {} / {}</b>",
            c.planned, c.failed, c.not_done
        ),
    ]);
    table(
        &mut out,
        Some("Changes made"),
        &["change", "count"],
        changes,
        limit,
    );

    table(
        &mut out,
        Some("Fill rates"),
        &["field", "filled", "rate", "last run"],
        crate::quality::html_rows(&report.fill_rates),
        limit,
    );

    let guards = report
        .guards
        .iter()
        .map(|g| {
            let mark = match (g.passed, g.overridden) {
                (true, _) => "<span style=\"color:#1a7f37;white-space:nowrap;\">&#10003; passed</span>",
                (false, true) => "<span style=\"color:#9a6700;white-space:nowrap;\">! overridden</span>",
                (false, false) => {
                    "<span style=\"color:#cf222e;font-weight:bold;white-space:nowrap;\">&#10007; stopped the run</span>"
                }
            };
            vec![mark.to_string(), escape(&g.message)]
        })
        .collect();
    table(&mut out, Some("Guards"), &["", "outcome"], guards, limit);

    actions(&mut out, "Failed actions", report.failed_actions(), limit);
    actions(&mut out, "Actions done", report.done_actions(), limit);
    actions(
        &mut out,
        "Actions not done",
        report.not_done_actions(),
        limit,
    );

    let quarantined = report
        .quarantined
        .iter()
        .map(|q| {
            vec![
                escape(&q.record_id),
                escape(&q.code),
                escape(&q.reason),
                escape(&because_text(&q.because)),
            ]
        })
        .collect();
    let title = format!(
        "Quarantined records ({}), their users were left as they are",
        report.quarantined.len()
    );
    table(
        &mut out,
        Some(&title),
        &["record", "code", "reason", "at"],
        quarantined,
        limit,
    );
    let skipped = report
        .skipped
        .iter()
        .map(|s| vec![escape(&s.record_id), escape(&because_text(&s.because))])
        .collect();
    let title = format!("Skipped records ({})", report.skipped.len());
    table(
        &mut out,
        Some(&title),
        &["record", "because"],
        skipped,
        limit,
    );
    let warnings = report
        .warnings
        .iter()
        .map(|w| {
            vec![
                escape(&w.code),
                escape(w.record_id.as_deref().unwrap_or("")),
                escape(&w.message),
            ]
        })
        .collect();
    let title = format!("Warnings ({})", report.warnings.len());
    table(
        &mut out,
        Some(&title),
        &["code", "record", "warning"],
        warnings,
        limit,
    );
    let notes = report.notes.iter().map(|n| vec![escape(n)]).collect();
    table(&mut out, Some("Notes"), &[], notes, limit);
    if let Some(a) = &report.apply {
        let _ = writeln!(
            out,
            "<tr><td style=\"padding:12px 20px;{FONT}font-size:12px;color:#57606a;\">Apply: {} requests ({} retries, {} throttled) at concurrency {} in {:.2} s</td></tr>",
            a.requests, a.retries, a.throttled, a.concurrency, a.seconds
        );
        if let Some(server) = &a.server {
            let _ = writeln!(
                out,
                "<tr><td style=\"padding:0 20px 12px;{FONT}font-size:12px;color:#57606a;\">SCIM server: {}</td></tr>",
                escape(server)
            );
        }
    }
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:12px 20px 16px 20px;{FONT}font-size:12px;color:#57606a;\">Sent by wtmap. The run folder holds this report as text, Markdown, HTML and JSON, and the plan.</td></tr>\n\
         </table>\n</td></tr>\n</table>\n</body>\n</html>"
    );
    out
}

fn actions<'a>(
    out: &mut String,
    title: &str,
    actions: impl Iterator<Item = &'a ActionReport>,
    limit: usize,
) {
    let actions: Vec<&ActionReport> = actions.collect();
    let shared = shared_note(&actions);
    let rows: Vec<Vec<String>> = actions
        .iter()
        .map(|a| {
            let (mark, note) = outcome_text(&a.result);
            let style = match a.result {
                Outcome::Ok { .. } => "color:#1a7f37;",
                Outcome::Failed { .. } => "color:#cf222e;font-weight:bold;",
                Outcome::Skipped { .. } => "color:#57606a;",
            };
            let earlier = if a.earlier_run { " (earlier run)" } else { "" };
            let note = if note.is_empty() || shared.is_some() {
                String::new()
            } else {
                format!("<br>{}", escape(&note))
            };
            vec![
                escape(&headline(&a.action.action)),
                format!("<span style=\"{style}\">{mark}{earlier}</span>{note}"),
            ]
        })
        .collect();
    let title = match &shared {
        Some(note) => format!("{title} ({}), all {note}", rows.len()),
        None => format!("{title} ({})", rows.len()),
    };
    table(out, Some(&title), &["action", "outcome"], rows, limit);
}

/// A section: a heading and a table of already-escaped cells; nothing when there are no rows.
fn table(
    out: &mut String,
    title: Option<&str>,
    head: &[&str],
    rows: Vec<Vec<String>>,
    limit: usize,
) {
    if rows.is_empty() {
        return;
    }
    if let Some(title) = title {
        let _ = writeln!(
            out,
            "<tr><td style=\"padding:16px 20px 4px 20px;{FONT}font-size:16px;line-height:22px;font-weight:bold;\">{}</td></tr>",
            escape(title)
        );
    }
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:4px 20px;\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;{FONT}\">"
    );
    if !head.is_empty() {
        out.push_str("<tr>");
        for h in head {
            let _ = write!(out, "<th style=\"{HEAD_CELL}\">{}</th>", escape(h));
        }
        out.push_str("</tr>\n");
    }
    let columns = rows.first().map_or(1, Vec::len);
    for row in rows.iter().take(limit) {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td style=\"{CELL}\">{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    if let Some(more) = more_line(rows.len(), limit.min(rows.len())) {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"{columns}\" style=\"{CELL}color:#57606a;\">{}</td></tr>",
            escape(&more)
        );
    }
    out.push_str("</table>\n</td></tr>\n");
}

/// The banner colour of a status.
fn color(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Success => "#1a7f37",
        RunStatus::SuccessWithQuarantine => "#9a6700",
        RunStatus::Locked => "#57606a",
        _ => "#cf222e",
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    crate::escape::html(text)
}
