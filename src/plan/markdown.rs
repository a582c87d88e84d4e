//! The plan as GitHub-flavoured Markdown, for pull-request comments: a summary table, the
//! guards, then one section per kind of change.

use super::render::{
    SECTIONS, because_text, details, headline, section_of, shows_action_because, summary_line,
    symbol,
};
use super::{Plan, Summary};
use crate::action::PlannedAction;
use std::fmt::Write;

/// Renders the plan as Markdown.
pub fn render_markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### wtmap plan for {}\n", code(&plan.mapping));
    let _ = writeln!(
        out,
        "{} source records. **{}**\n",
        plan.source_records,
        summary_line(&plan.summary)
    );
    write_summary_table(&mut out, &plan.summary);
    crate::quality::render_markdown(&plan.fill_rates, Some(plan.source_records), &mut out);
    if !plan.guards.is_empty() {
        let _ = writeln!(out, "#### Guards\n");
        let _ = writeln!(out, "| | guard | outcome |\n|---|---|---|");
        for g in &plan.guards {
            let mark = match (g.passed, g.overridden) {
                (true, _) => "✅",
                (false, true) => "⚠️ overridden",
                (false, false) => "❌",
            };
            let _ = writeln!(
                out,
                "| {mark} | {} | {} |",
                crate::escape::markdown_code(&g.guard, true),
                prose(&g.message)
            );
        }
        out.push('\n');
    }
    for (index, title) in SECTIONS.iter().enumerate() {
        let actions: Vec<&PlannedAction> = plan
            .actions
            .iter()
            .filter(|a| section_of(&a.action) == index)
            .collect();
        if actions.is_empty() {
            continue;
        }
        let _ = writeln!(out, "#### {title}\n");
        for planned in actions {
            let _ = write!(
                out,
                "- `{}` {}",
                symbol(&planned.action),
                escape(&headline(&planned.action))
            );
            if shows_action_because(planned) {
                let _ = write!(out, " — because {}", code(&because_text(&planned.because)));
            }
            out.push('\n');
            for (line, because) in details(&planned.action) {
                let _ = write!(out, "  - {}", code(&line));
                if let Some(b) = because {
                    let _ = write!(out, " — because {}", code(&because_text(b)));
                }
                out.push('\n');
            }
        }
        out.push('\n');
    }
    if !plan.team_tree.is_empty() {
        let _ = writeln!(
            out,
            "#### Team tree\n\nNew, renamed and moved teams in place:\n"
        );
        for l in &plan.team_tree {
            let mark = match l.mark {
                ' ' => String::new(),
                m => format!("`{m}` "),
            };
            let _ = writeln!(out, "{}- {mark}{}", "  ".repeat(l.depth), escape(&l.text));
        }
        out.push('\n');
    }
    write_records(&mut out, plan);
    out
}

fn write_summary_table(out: &mut String, s: &Summary) {
    let rows = [
        ("users to create", s.create_user),
        ("users to update", s.update_user - s.link_user),
        ("users to link", s.link_user),
        ("users to reactivate", s.reactivate_user),
        ("users to pause", s.pause_user),
        ("teams to create", s.create_team),
        ("teams to rename", s.rename_team),
        ("teams to move", s.move_team),
        ("segments to create", s.create_segment),
        ("memberships to add", s.add_membership),
        ("memberships to remove", s.remove_membership),
        ("segment connections to add", s.add_segment_connection),
        ("segment connections to remove", s.remove_segment_connection),
    ];
    let _ = writeln!(out, "| change | count |\n|---|---:|");
    for (label, count) in rows.iter().filter(|(_, n)| *n > 0) {
        let _ = writeln!(out, "| {label} | {count} |");
    }
    let _ = writeln!(out, "| **total** | **{}** |\n", s.total);
}

/// Skipped, quarantined and warnings in collapsed blocks, so they do not drown the changes.
fn write_records(out: &mut String, plan: &Plan) {
    let mut block = |title: String, lines: Vec<String>| {
        if !lines.is_empty() {
            let _ = writeln!(out, "<details><summary>{title}</summary>\n");
            for line in lines {
                let _ = writeln!(out, "- {line}");
            }
            let _ = writeln!(out, "\n</details>\n");
        }
    };
    let skipped = plan
        .skipped
        .iter()
        .map(|s| {
            format!(
                "record {}: {}",
                code(&s.label()),
                code(&because_text(&s.because))
            )
        })
        .collect();
    block(format!("Skipped records ({})", plan.skipped.len()), skipped);
    let quarantined = plan
        .quarantined
        .iter()
        .map(|q| {
            let (record, at) = (code(&q.label()), code(&because_text(&q.because)));
            format!(
                "record {record}: **{}** {} — {at}",
                escape(&q.code),
                prose(&q.reason)
            )
        })
        .collect();
    block(
        format!("Quarantined records ({})", plan.quarantined.len()),
        quarantined,
    );
    let warnings = plan
        .warnings
        .iter()
        .map(|w| match &w.record_id {
            Some(r) => format!(
                "**{}** record {}: {}",
                escape(&w.code),
                code(r),
                prose(&w.message)
            ),
            None => format!("**{}** {}", escape(&w.code), prose(&w.message)),
        })
        .collect();
    block(format!("Warnings ({})", plan.warnings.len()), warnings);
}

/// Inline code that survives backticks and control characters inside the text.
fn code(text: &str) -> String {
    crate::escape::markdown_code(text, false)
}

/// Plain text with Markdown's active characters and control characters escaped.
fn escape(text: &str) -> String {
    crate::escape::markdown(text)
}

/// Our own sentences: user input in them is already in backticks, which should render as
/// code; everything else that could become markup or break a table row is escaped.
fn prose(text: &str) -> String {
    crate::escape::markdown_prose(text)
}
