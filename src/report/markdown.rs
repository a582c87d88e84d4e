//! The report as GitHub-flavoured Markdown (`report.md`): for a ticket, a chat message or a
//! pull-request comment. Same order as the HTML and text. Everything that came from HR data or
//! a server is escaped, so a name with `|`, `<` or `*` cannot break a table or inject markup.
//! `report.md` is not emailed, so it lists everything.

use super::view::{self, cells};
use super::{Report, header_rows, outcome_text, shared_note};
use crate::apply::report::ActionReport;
use crate::plan::headline;
use std::fmt::Write;

/// The whole report as Markdown.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### wtmap run of {}: {}\n\n{}",
        escape(&report.mapping.name),
        report.status.title(),
        escape(&view::sentence(report))
    );

    let gauges = view::gauges(report);
    let people = view::people(report);
    let failed = report.counts.failed;
    let step = view::operator_step(report);
    if !people.is_empty() || !gauges.is_empty() || failed > 0 || step.is_some() {
        let _ = writeln!(out, "\n#### Action needed\n");
        if let Some(step) = step {
            let _ = writeln!(out, "For the operator: {}\n", escape(step));
        }
        for g in &gauges {
            let value = (g.value * 20.0).round() as usize;
            let _ = writeln!(
                out,
                "**The run {}; {}.**  \n`{}{}` \n\n- For HR: {}\n- For the operator: {}\n",
                escape(&g.measured),
                g.limit,
                "█".repeat(value),
                "░".repeat(20usize.saturating_sub(value)),
                g.hr,
                escape(&g.operator)
            );
        }
        if failed > 0 {
            let _ = writeln!(
                out,
                "{failed} action(s) failed: see **Failed** under All actions; the next run tries them again.\n"
            );
        }
        if !people.is_empty() {
            let _ = writeln!(
                out,
                "| person | IDs | fix in the HR system | mapping |\n|---|---|---|---|"
            );
        }
        for a in people.iter() {
            let _ = writeln!(
                out,
                "| **{}** | {} | {} | {} |",
                escape(&a.who()),
                escape(&a.ids()),
                escape(&a.fix),
                escape(&a.technical())
            );
        }
    }

    let _ = writeln!(
        out,
        "\n#### Summary\n\n| change | count | |\n|---|---:|---|"
    );
    let bars = view::bars(report);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    for b in &bars {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            b.label,
            b.count,
            "█".repeat(cells(b.count, max, 20))
        );
    }
    let c = &report.counts;
    let done = c.planned.saturating_sub(c.failed + c.not_done);
    let _ = writeln!(
        out,
        "| **actions planned / done / failed / not done** | **{} / {done} / {} / {}** | |",
        c.planned, c.failed, c.not_done
    );

    let (planned_only, tree) = view::team_tree(report);
    if !tree.is_empty() {
        let title = match planned_only {
            true => "Team changes planned, not made",
            false => "Team changes",
        };
        let _ = writeln!(out, "\n#### {title}\n");
        for t in &tree {
            let note = match t.note.is_empty() {
                true => String::new(),
                false => format!(": {}", escape(&t.note)),
            };
            let _ = writeln!(
                out,
                "{}- **{}**{note}",
                "  ".repeat(t.depth),
                escape(&t.team)
            );
        }
    }

    let trend = view::trend(report);
    if !trend.is_empty() {
        let max = trend.iter().map(|p| p.source_records).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "\n#### Trend (last {} runs)\n\n| started (UTC) | source | | changes | paused | quarantined |\n|---|---:|---|---:|---:|---:|",
            trend.len()
        );
        for p in &trend {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                p.started.format("%Y-%m-%d %H:%M"),
                p.source_records,
                "▇".repeat(cells(p.source_records, max, 12)),
                p.changes,
                p.paused,
                p.quarantined
            );
        }
    }

    let _ = writeln!(out, "\n#### Run\n\n| | |\n|---|---|");
    for (label, value) in header_rows(report) {
        let _ = writeln!(out, "| {label} | {} |", escape(&value));
    }

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

    let groups = view::action_groups(report);
    if !groups.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>All actions ({})</summary>",
            report.actions.len()
        );
        for (title, actions) in groups {
            group(&mut out, &title, &actions);
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

fn group(out: &mut String, title: &str, actions: &[&ActionReport]) {
    let shared = shared_note(actions);
    let _ = write!(out, "\n##### {title}");
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
