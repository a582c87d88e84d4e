//! The report as GitHub-flavoured Markdown (`report.md`): for a ticket, a chat message or a
//! pull-request comment. Everything that came from HR data or a server is escaped, so a name
//! with `|`, `<` or `*` cannot break a table or inject markup.

use super::{Report, header_rows, outcome_text, shared_note};
use crate::apply::report::ActionReport;
use crate::plan::{because_text, headline};
use std::fmt::Write;

/// The whole report as Markdown.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### wtmap run of {}: {}\n\n{}\n",
        escape(&report.mapping.name),
        report.status.title(),
        escape(&report.message)
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    for (label, value) in header_rows(report) {
        let _ = writeln!(out, "| {label} | {} |", escape(&value));
    }

    let c = &report.counts;
    let _ = writeln!(out, "\n#### Changes made\n");
    let _ = writeln!(out, "| change | count |\n|---|---:|");
    for (label, n) in c.changes().into_iter().filter(|(_, n)| *n > 0) {
        let _ = writeln!(out, "| {label} | {n} |");
    }
    let done = c.planned.saturating_sub(c.failed + c.not_done);
    let _ = writeln!(
        out,
        "| **actions planned / done / failed / not done** | **{} / {done} / {} / {}** |",
        c.planned, c.failed, c.not_done
    );

    if !report.fill_rates.is_empty() {
        out.push('\n');
        crate::quality::render_markdown(&report.fill_rates, report.source_records, &mut out);
        out.pop(); // the next section starts with its own blank line
    }

    if !report.guards.is_empty() {
        let _ = writeln!(out, "\n#### Guards\n\n| | outcome |\n|---|---|");
        for g in &report.guards {
            let mark = match (g.passed, g.overridden) {
                (true, _) => "✅",
                (false, true) => "⚠️ overridden",
                (false, false) => "❌ stopped the run",
            };
            let _ = writeln!(out, "| {mark} | {} |", escape(&g.message));
        }
    }

    actions(&mut out, "Failed actions", report.failed_actions());
    actions(&mut out, "Actions done", report.done_actions());
    actions(&mut out, "Actions not done", report.not_done_actions());

    if !report.quarantined.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Quarantined records ({}), their users were left as they are\n",
            report.quarantined.len()
        );
        let _ = writeln!(out, "| record | code | reason | at |\n|---|---|---|---|");
        for q in &report.quarantined {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&q.record_id),
                escape(&q.code),
                escape(&q.reason),
                escape(&because_text(&q.because))
            );
        }
    }
    let skipped = report.skipped.iter().map(|s| {
        format!(
            "record {}: {}",
            escape(&s.record_id),
            escape(&because_text(&s.because))
        )
    });
    list(
        &mut out,
        &format!("Skipped records ({})", report.skipped.len()),
        skipped,
    );
    let warnings = report.warnings.iter().map(|w| match &w.record_id {
        Some(r) => format!(
            "**{}** record {}: {}",
            w.code,
            escape(r),
            escape(&w.message)
        ),
        None => format!("**{}** {}", w.code, escape(&w.message)),
    });
    list(
        &mut out,
        &format!("Warnings ({})", report.warnings.len()),
        warnings,
    );
    list(&mut out, "Notes", report.notes.iter().map(|n| escape(n)));
    if let Some(a) = &report.apply {
        let _ = writeln!(
            out,
            "\nApply: {} requests ({} retries, {} throttled) at concurrency {} in {:.2} s.",
            a.requests, a.retries, a.throttled, a.concurrency, a.seconds
        );
        if let Some(server) = &a.server {
            let _ = writeln!(out, "SCIM server: {}.", escape(server));
        }
    }
    out
}

fn actions<'a>(out: &mut String, title: &str, actions: impl Iterator<Item = &'a ActionReport>) {
    let actions: Vec<&ActionReport> = actions.collect();
    if actions.is_empty() {
        return;
    }
    let shared = shared_note(&actions);
    let _ = write!(out, "\n#### {title} ({})", actions.len());
    if let Some(note) = &shared {
        let _ = write!(out, ", all {}", escape(note));
    }
    let _ = writeln!(out, "\n\n| action | outcome |\n|---|---|");
    for a in actions {
        let (mark, note) = outcome_text(&a.result);
        let note = if shared.is_some() {
            String::new()
        } else {
            note
        };
        let earlier = if a.earlier_run { " (earlier run)" } else { "" };
        let sep = if note.is_empty() { "" } else { ": " };
        let _ = writeln!(
            out,
            "| {} | {mark}{earlier}{sep}{} |",
            escape(&headline(&a.action.action)),
            escape(&note)
        );
    }
}

fn list(out: &mut String, title: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n#### {title}\n");
    for item in &items {
        let _ = writeln!(out, "- {item}");
    }
}

/// Text with Markdown's active characters escaped, and control characters (line breaks
/// included, which would end a table row) shown escaped: see [`crate::escape::markdown`].
pub(crate) fn escape(text: &str) -> String {
    crate::escape::markdown(text)
}
