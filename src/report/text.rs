//! The report as plain text: the email's text part, `report.txt`, and what `wtmap run`
//! prints.

use super::{Report, header_rows, more_line, outcome_text, shared_note};
use crate::apply::report::ActionReport;
use crate::escape::line;
use crate::plan::{because_text, headline};
use std::fmt::Write;

/// The whole report as plain text.
pub fn render_text(report: &Report) -> String {
    render(report, usize::MAX)
}

/// The report with at most `limit` entries per list (the email's text part).
pub(crate) fn render(report: &Report, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wtmap run of {}: {}\n{}\n",
        line(&report.mapping.name),
        report.status.title(),
        line(&report.message)
    );
    let rows = header_rows(report);
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in rows {
        let value = line(&value);
        let _ = writeln!(out, "  {label:<width$}  {value}");
    }

    let c = &report.counts;
    let _ = writeln!(out, "\nChanges made");
    let changes: Vec<_> = c.changes().into_iter().filter(|(_, n)| *n > 0).collect();
    if changes.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (label, n) in changes {
        let _ = writeln!(out, "  {label:<28} {n:>6}");
    }
    let _ = writeln!(
        out,
        "  actions: {} planned, {} done, {} failed, {} not done",
        c.planned,
        c.planned.saturating_sub(c.failed + c.not_done),
        c.failed,
        c.not_done
    );

    crate::quality::render_text(&report.fill_rates, report.source_records, &mut out);

    if !report.guards.is_empty() {
        let _ = writeln!(out, "\nGuards");
        for g in &report.guards {
            let (mark, note) = match (g.passed, g.overridden) {
                (true, _) => ("✓", ""),
                (false, true) => ("!", " (overridden)"),
                (false, false) => ("✗", " (STOPPED THE RUN)"),
            };
            let _ = writeln!(out, "  {mark} {}{note}", line(&g.message));
        }
    }

    actions(&mut out, "Failed actions", report.failed_actions(), limit);
    actions(&mut out, "Actions done", report.done_actions(), limit);
    actions(
        &mut out,
        "Actions not done",
        report.not_done_actions(),
        limit,
    );

    let quarantined = report.quarantined.iter().map(|q| {
        format!(
            "record {}: {} {}\n      at: {}",
            line(&q.record_id),
            line(&q.code),
            line(&q.reason),
            because_text(&q.because)
        )
    });
    list(
        &mut out,
        &format!(
            "Quarantined records ({}), their users were left as they are",
            report.quarantined.len()
        ),
        quarantined,
        limit,
    );
    let skipped = report.skipped.iter().map(|s| {
        format!(
            "record {}: {}",
            line(&s.record_id),
            because_text(&s.because)
        )
    });
    list(
        &mut out,
        &format!(
            "Skipped records ({}), their users were left as they are",
            report.skipped.len()
        ),
        skipped,
        limit,
    );
    let warnings = report.warnings.iter().map(|w| match &w.record_id {
        Some(r) => format!("{} record {}: {}", line(&w.code), line(r), line(&w.message)),
        None => format!("{} {}", line(&w.code), line(&w.message)),
    });
    list(
        &mut out,
        &format!("Warnings ({})", report.warnings.len()),
        warnings,
        limit,
    );
    list(
        &mut out,
        "Notes",
        report.notes.iter().map(|n| line(n).into_owned()),
        limit,
    );
    if let Some(a) = &report.apply {
        let _ = writeln!(
            out,
            "\nApply: {} requests ({} retries, {} throttled) at concurrency {} in {:.2} s",
            a.requests, a.retries, a.throttled, a.concurrency, a.seconds
        );
        if let Some(server) = &a.server {
            let _ = writeln!(out, "server: {}", crate::escape::line(server));
        }
        if !a.journal.is_empty() {
            let _ = writeln!(out, "journal: {}", line(&a.journal));
        }
    }
    out
}

fn actions<'a>(
    out: &mut String,
    title: &str,
    actions: impl Iterator<Item = &'a ActionReport>,
    limit: usize,
) {
    let actions: Vec<&ActionReport> = actions.collect();
    if actions.is_empty() {
        return;
    }
    let shared = shared_note(&actions);
    let lines = actions.iter().map(|a| {
        let (_, note) = outcome_text(&a.result);
        let note = line(&note);
        let earlier = if a.earlier_run { " (earlier run)" } else { "" };
        match note.is_empty() || shared.is_some() {
            true => format!("{}{earlier}", headline(&a.action.action)),
            false => format!("{}{earlier}\n      {note}", headline(&a.action.action)),
        }
    });
    let title = match &shared {
        Some(note) => format!("{title} ({}), all {}", actions.len(), line(note)),
        None => format!("{title} ({})", actions.len()),
    };
    list(out, &title, lines, limit);
}

/// A titled list, cut at `limit` entries; nothing when empty.
fn list(out: &mut String, title: &str, items: impl Iterator<Item = String>, limit: usize) {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    for item in items.iter().take(limit) {
        let _ = writeln!(out, "  {item}");
    }
    if let Some(more) = more_line(items.len(), limit.min(items.len())) {
        let _ = writeln!(out, "  {more}");
    }
}
