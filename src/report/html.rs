//! The report as one self-contained HTML document (`report.html`, and the email's HTML part).
//!
//! Written for mail clients, which are stricter than browsers: layout by nested tables with
//! `width` attributes (Outlook's Word engine ignores most CSS layout), every style inline (Gmail
//! drops `<style>` blocks in some views), web-safe fonts, and no scripts, images, external
//! fonts or links to fetch. Every piece of data is HTML-escaped: names come from HR systems and
//! may contain `<`, `&` or quotes.

use super::RunStatus;
use super::view;
use super::{AttentionKind, Report, header_rows, more_line, outcome_text, shared_note};
use crate::apply::report::{ActionReport, Outcome};
use crate::plan::headline;
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
    // The CSP says what the report is: nothing to fetch or run (inline styles only). Mail
    // clients ignore it; a browser opening report.html enforces it.
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
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
        "<tr><td style=\"padding:12px 20px 4px 20px;{FONT}font-size:15px;line-height:22px;\">{}</td></tr>",
        escape(&view::sentence(report))
    );

    action_needed(&mut out, report, limit);
    summary(&mut out, report);
    team_tree(&mut out, report, limit);
    trend(&mut out, report);

    let rows: Vec<Vec<String>> = header_rows(report)
        .into_iter()
        .map(|(label, value)| vec![format!("<b>{label}</b>"), escape(&value)])
        .collect();
    table(&mut out, Some("Run"), &[], rows, limit);

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

    let groups = view::action_groups(report);
    if !groups.is_empty() {
        // Collapsed where the client supports it (browsers, Apple Mail); shown open elsewhere.
        let _ = writeln!(
            out,
            "<tr><td style=\"padding:16px 20px 4px 20px;{FONT}\">\n<details><summary style=\"font-size:16px;line-height:22px;font-weight:bold;cursor:pointer;\">All actions ({})</summary>\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">",
            report.actions.len()
        );
        for (title, actions) in groups {
            group(&mut out, &title, &actions, limit);
        }
        out.push_str("</table>\n</details>\n</td></tr>\n");
    }
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:12px 20px 16px 20px;{FONT}font-size:12px;color:#57606a;\">Sent by wtmap. The run folder holds this report as text, Markdown, HTML and JSON, and the plan.</td></tr>\n\
         </table>\n</td></tr>\n</table>\n</body>\n</html>"
    );
    out
}

/// A section heading.
fn heading(out: &mut String, title: &str) {
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:16px 20px 4px 20px;{FONT}font-size:16px;line-height:22px;font-weight:bold;\">{}</td></tr>",
        escape(title)
    );
}

/// A horizontal bar: `fraction` of the width in `fill`, the rest in `rest`.
fn bar(fraction: f64, fill: &str, rest: &str) -> String {
    let pct = ((fraction * 100.0).round() as u32).clamp(1, 99);
    let fill = if fraction > 0.0 { fill } else { rest };
    format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr>\
         <td width=\"{pct}%\" height=\"12\" style=\"background-color:{fill};font-size:1px;line-height:12px;\">&nbsp;</td>\
         <td height=\"12\" style=\"background-color:{rest};font-size:1px;line-height:12px;\">&nbsp;</td></tr></table>"
    )
}

/// The people to fix in the HR system, and the guard that stopped the run.
fn action_needed(out: &mut String, report: &Report, limit: usize) {
    let gauges = view::gauges(report);
    let people = view::people(report);
    let failed = report.counts.failed;
    let step = view::operator_step(report);
    if people.is_empty() && gauges.is_empty() && failed == 0 && step.is_none() {
        return;
    }
    heading(out, "Action needed");
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:4px 20px;\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;{FONT}\">"
    );
    if let Some(step) = step {
        let _ = writeln!(
            out,
            "<tr><td data-attention=\"operator\" style=\"padding:8px 12px;border-left:4px solid #cf222e;background-color:#fff5f5;{FONT}\"><b>For the operator:</b> {}</td></tr>",
            escape(step)
        );
    }
    for g in &gauges {
        let limit_pct = ((g.at * 100.0).round() as u32).clamp(1, 99);
        let _ = writeln!(
            out,
            "<tr><td data-attention=\"guard\" style=\"padding:8px 12px;border-left:4px solid #cf222e;background-color:#fff5f5;{FONT}font-size:14px;line-height:20px;\">\
             <b>The run {}; {}.</b>\n{}\n\
             <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr>\
             <td width=\"{limit_pct}%\" style=\"border-right:2px solid #1f2328;{FONT}font-size:11px;line-height:14px;color:#57606a;text-align:right;padding-right:4px;\">limit</td><td>&nbsp;</td></tr></table>\n\
             <div style=\"padding-top:6px;\"><b>For HR:</b> {}</div><div><b>For the operator:</b> {}</div></td></tr>",
            escape(&g.measured),
            escape(&g.limit),
            bar(g.value, "#cf222e", "#eaeef2"),
            escape(&g.hr),
            escape(&g.operator)
        );
    }
    if failed > 0 {
        let _ = writeln!(
            out,
            "<tr><td style=\"padding:8px 12px;border-left:4px solid #cf222e;{FONT}\">{failed} action(s) failed: see <b>Failed</b> under All actions; the next run tries them again.</td></tr>"
        );
    }
    if people.iter().any(|a| a.kind == AttentionKind::Quarantined) {
        let _ = writeln!(
            out,
            "<tr><td style=\"padding:8px 0 4px 0;{FONT}font-size:13px;color:#57606a;\">Fix these in the HR system; until then their Winningtemp users are left as they are.</td></tr>"
        );
    }
    for a in people.iter().take(limit) {
        let accent = match a.kind {
            AttentionKind::Quarantined => "#9a6700",
            AttentionKind::Skipped => "#8c959f",
        };
        let _ = writeln!(
            out,
            "<tr><td data-attention=\"person\" style=\"padding:6px 12px;border-left:4px solid {accent};border-bottom:1px solid #e1e4e8;{FONT}\">\
             <span style=\"font-size:15px;font-weight:bold;\">{}</span> <span style=\"font-size:12px;color:#57606a;\">{}</span><br>\
             <span style=\"font-size:14px;\">{}</span><br>\
             <span style=\"font-size:12px;line-height:16px;color:#57606a;\">{}</span></td></tr>",
            escape(&a.who()),
            escape(&a.ids()),
            escape(&a.fix),
            escape(&a.technical())
        );
    }
    if let Some(more) = more_line(people.len(), limit.min(people.len())) {
        let _ = writeln!(
            out,
            "<tr><td style=\"{CELL}color:#57606a;\">{}</td></tr>",
            escape(&more)
        );
    }
    out.push_str("</table>\n</td></tr>\n");
}

/// The counts of users created, updated, paused, reactivated and team changes, as bars.
fn summary(out: &mut String, report: &Report) {
    heading(out, "Summary");
    let bars = view::bars(report);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "<tr><td style=\"padding:4px 20px;\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;{FONT}\">"
    );
    for b in &bars {
        let fraction = match max {
            0 => 0.0,
            m => b.count as f64 / m as f64,
        };
        let _ = writeln!(
            out,
            "<tr><td width=\"150\" style=\"{CELL}\">{}</td><td width=\"50\" style=\"{CELL}text-align:right;font-weight:bold;\">{}</td><td style=\"{CELL}\">{}</td></tr>",
            b.label,
            b.count,
            bar(fraction, "#2da44e", "#ffffff")
        );
    }
    let c = &report.counts;
    let _ = writeln!(
        out,
        "<tr><td colspan=\"3\" style=\"{CELL}color:#57606a;\">actions: {} planned, {} done, {} failed, {} not done</td></tr>\n</table>\n</td></tr>",
        c.planned,
        c.planned.saturating_sub(c.failed + c.not_done),
        c.failed,
        c.not_done
    );
}

/// New, renamed and moved teams under their parents, and new managers.
fn team_tree(out: &mut String, report: &Report, limit: usize) {
    let (planned_only, tree) = view::team_tree(report);
    let rows: Vec<Vec<String>> = tree
        .iter()
        .map(|t| {
            let branch = if t.depth > 0 { "&#9492;&#9472; " } else { "" };
            vec![format!(
                "<div style=\"padding-left:{}px;\">{branch}<b>{}</b> <span style=\"color:#57606a;\">{}</span></div>",
                18 * t.depth,
                escape(&t.team),
                escape(&t.note)
            )]
        })
        .collect();
    let title = match planned_only {
        true => "Team changes planned, not made",
        false => "Team changes",
    };
    table(out, Some(title), &[], rows, limit);
}

/// Source size, changes, pauses and quarantines over the recorded runs, as table bars.
fn trend(out: &mut String, report: &Report) {
    let points = view::trend(report);
    if points.is_empty() {
        return;
    }
    let max = points.iter().map(|p| p.source_records).max().unwrap_or(0);
    let rows = points
        .iter()
        .map(|p| {
            let fraction = match max {
                0 => 0.0,
                m => p.source_records as f64 / m as f64,
            };
            vec![
                p.started.format("%Y-%m-%d %H:%M").to_string(),
                format!(
                    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td width=\"40\" style=\"{FONT}font-size:13px;\">{}</td><td>{}</td></tr></table>",
                    p.source_records,
                    bar(fraction, "#0969da", "#ffffff")
                ),
                p.changes.to_string(),
                p.paused.to_string(),
                p.quarantined.to_string(),
            ]
        })
        .collect();
    let title = format!("Trend (last {} runs)", points.len());
    table(
        out,
        Some(&title),
        &[
            "started (UTC)",
            "source",
            "changes",
            "paused",
            "quarantined",
        ],
        rows,
        usize::MAX,
    );
}

/// One group of the action list.
fn group(out: &mut String, title: &str, actions: &[&ActionReport], limit: usize) {
    let shared = shared_note(actions);
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
        Some(note) => format!("{title}, all {note}"),
        None => title.to_string(),
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
