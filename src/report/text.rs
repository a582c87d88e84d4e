//! The report as plain text: the email's text part, `report.txt`, and what `wtmap run`
//! prints. Same order as the HTML: outcome, action needed, summary, team changes, trend, the
//! run's facts and guards, warnings and notes, and every action last, grouped by kind.

use super::view::{self, cells};
use super::{AttentionKind, Report, header_rows, more_line, outcome_text, shared_note};
use crate::apply::report::ActionReport;
use crate::escape::line;
use crate::plan::headline;
use std::fmt::Write;

/// Width of a bar, in characters.
const BAR: usize = 30;

/// The whole report as plain text.
pub fn render_text(report: &Report) -> String {
    render(report, usize::MAX)
}

/// The report with at most `limit` entries per list (the email's text part).
pub(crate) fn render(report: &Report, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wtmap run of {}: {}\n{}",
        line(&report.mapping.name),
        report.status.title(),
        line(&view::sentence(report))
    );

    action_needed(&mut out, report, limit);

    let _ = writeln!(out, "\nSummary");
    let bars = view::bars(report);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    for b in &bars {
        let row = format!(
            "  {:<18} {:>6}  {}",
            b.label,
            b.count,
            "█".repeat(cells(b.count, max, BAR))
        );
        let _ = writeln!(out, "{}", row.trim_end());
    }
    let c = &report.counts;
    let _ = writeln!(
        out,
        "  actions: {} planned, {} done, {} failed, {} not done",
        c.planned,
        c.planned.saturating_sub(c.failed + c.not_done),
        c.failed,
        c.not_done
    );

    let (planned_only, tree) = view::team_tree(report);
    if !tree.is_empty() {
        let title = match planned_only {
            true => "Team changes planned, not made",
            false => "Team changes",
        };
        let _ = writeln!(out, "\n{title}");
        for t in tree.iter().take(limit) {
            let indent = "   ".repeat(t.depth);
            let branch = if t.depth > 0 { "└─ " } else { "" };
            let note = match t.note.is_empty() {
                true => String::new(),
                false => format!(": {}", line(&t.note)),
            };
            let _ = writeln!(out, "  {indent}{branch}{}{note}", line(&t.team));
        }
        if let Some(more) = more_line(tree.len(), limit.min(tree.len())) {
            let _ = writeln!(out, "  {more}");
        }
    }

    let trend = view::trend(report);
    if !trend.is_empty() {
        let max = trend.iter().map(|p| p.source_records).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "\nTrend (last {} runs)\n  {:<16} {:>7} {:<12} {:>7} {:>6} {:>11}",
            trend.len(),
            "started (UTC)",
            "source",
            "",
            "changes",
            "paused",
            "quarantined"
        );
        for p in &trend {
            let _ = writeln!(
                out,
                "  {:<16} {:>7} {:<12} {:>7} {:>6} {:>11}",
                p.started.format("%Y-%m-%d %H:%M"),
                p.source_records,
                "▇".repeat(cells(p.source_records, max, 12)),
                p.changes,
                p.paused,
                p.quarantined
            );
        }
    }

    let _ = writeln!(out, "\nRun");
    let rows = header_rows(report);
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, value) in rows {
        let value = line(&value);
        let _ = writeln!(out, "  {label:<width$}  {value}");
    }
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

    let groups = view::action_groups(report);
    if !groups.is_empty() {
        let _ = writeln!(out, "\nAll actions ({})", report.actions.len());
        for (title, actions) in groups {
            group(&mut out, &title, &actions, limit);
        }
    }
    out
}

/// The people to look at, and the guard that stopped the run with what to do next.
fn action_needed(out: &mut String, report: &Report, limit: usize) {
    let gauges = view::gauges(report);
    let failed = report.counts.failed;
    let people = view::people(report);
    let step = view::operator_step(report);
    if people.is_empty() && gauges.is_empty() && failed == 0 && step.is_none() {
        return;
    }
    let _ = writeln!(out, "\nAction needed");
    if let Some(step) = step {
        let _ = writeln!(out, "  For the operator: {step}");
    }
    for g in &gauges {
        let value = (g.value * BAR as f64).round() as usize;
        let at = ((g.at * BAR as f64).round() as usize).min(BAR - 1);
        let gauge: String = (0..BAR)
            .map(|i| match (i == at, i < value) {
                (true, _) => '│',
                (false, true) => '█',
                (false, false) => '░',
            })
            .collect();
        let _ = writeln!(
            out,
            "  The run {}; {}.\n  [{gauge}]\n  For HR: {}\n  For the operator: {}",
            line(&g.measured),
            g.limit,
            g.hr,
            g.operator
        );
    }
    if failed > 0 {
        let _ = writeln!(
            out,
            "  {failed} action(s) failed: see \"Failed\" under All actions; the next run tries them again."
        );
    }
    let quarantined = people
        .iter()
        .filter(|a| a.kind == AttentionKind::Quarantined)
        .count();
    if quarantined > 0 {
        let _ = writeln!(
            out,
            "  Fix these in the HR system; until then their Winningtemp users are left as they are:"
        );
    }
    for a in people.iter().take(limit) {
        let _ = writeln!(
            out,
            "  - {} ({})\n      {}\n      {}",
            line(&a.who()),
            line(&a.ids()),
            line(&a.fix),
            line(&a.technical())
        );
    }
    if let Some(more) = more_line(people.len(), limit.min(people.len())) {
        let _ = writeln!(out, "  {more}");
    }
}

fn group(out: &mut String, title: &str, actions: &[&ActionReport], limit: usize) {
    let shared = shared_note(actions);
    let lines = actions.iter().map(|a| {
        let (mark, note) = outcome_text(&a.result);
        let note = line(&note);
        let earlier = if a.earlier_run { " (earlier run)" } else { "" };
        let mark = if a.result.is_ok() {
            String::new()
        } else {
            format!(" [{mark}]")
        };
        match note.is_empty() || shared.is_some() {
            true => format!("{}{mark}{earlier}", headline(&a.action.action)),
            false => format!(
                "{}{mark}{earlier}\n      {note}",
                headline(&a.action.action)
            ),
        }
    });
    let title = match &shared {
        Some(note) => format!("{title}, all {}", line(note)),
        None => title.to_string(),
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
