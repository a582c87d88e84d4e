//! The status page's HTML: one server-rendered document, inline CSS, no scripts. Every piece
//! of text from a mapping, a run or the file system goes through [`esc`].

use super::runner::outcome_class;
use super::status::{MappingView, RunView, StatusView};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::fmt::Write;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}\
th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}.ok{color:#176f2c}.warn{color:#8a5a00}.fail{color:#b00020}\
pre{background:#fff4f4;border:1px solid #e0b4b4;padding:.6em;overflow:auto}\
.muted{color:#777}h2{margin-top:2em}\
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;font-weight:600;white-space:nowrap}\
.badge.ok{background:#dafbe1}.badge.warn{background:#fff8c5}.badge.fail{background:#ffebe9}\
table.counts{margin:0;font-size:12px}table.counts td{border:0;padding:0 .6em 0 0}\
table.counts td.n{text-align:right;font-weight:600}\
.charts{display:flex;flex-wrap:wrap;gap:1.5em;margin:.5em 0 1em}.chart{font-size:12px}\
.chart svg{display:block;background:#fafbfc;border:1px solid #e1e4e8}";

/// Escapes text for HTML element content and quoted attribute values (the report's escaper).
pub fn esc(s: &str) -> String {
    crate::report::html::escape(s)
}

/// An instant in the mapping's zone (when it has one), as text: `2026-03-29 03:00 CEST`;
/// in UTC otherwise.
fn local(t: DateTime<Utc>, zone: Option<&str>, format: &str) -> String {
    match zone.and_then(|z| z.parse::<Tz>().ok()) {
        Some(tz) => t.with_timezone(&tz).format(format).to_string(),
        None => t.format(&format.replace("%Z", "UTC")).to_string(),
    }
}

/// An instant in the mapping's zone, with UTC as its tooltip (HTML).
fn when(t: DateTime<Utc>, zone: Option<&str>) -> String {
    when_as(t, zone, "%Y-%m-%d %H:%M %Z")
}

fn when_as(t: DateTime<Utc>, zone: Option<&str>, format: &str) -> String {
    format!(
        "<span title=\"{}\">{}</span>",
        t.format("%Y-%m-%d %H:%M UTC"),
        local(t, zone, format)
    )
}

/// The counts people look at, in this order, with their labels; zeros are left out.
const SHOWN_COUNTS: &[(&str, &str)] = &[
    ("source_records", "source records"),
    ("created", "created"),
    ("updated", "updated"),
    ("linked", "linked"),
    ("paused", "paused"),
    ("reactivated", "reactivated"),
    ("teams_created", "teams created"),
    ("teams_renamed", "teams renamed"),
    ("teams_moved", "teams moved"),
    ("memberships_added", "memberships added"),
    ("memberships_removed", "memberships removed"),
    ("quarantined", "need attention"),
    ("skipped_records", "skipped"),
    ("failed", "failed"),
];

/// Counts that are changes to Winningtemp (their sum is a run's "changes").
const CHANGE_COUNTS: &[&str] = &[
    "created",
    "updated",
    "linked",
    "paused",
    "reactivated",
    "teams_created",
    "teams_renamed",
    "teams_moved",
    "memberships_added",
    "memberships_removed",
    "segments_created",
    "segment_connections_added",
    "segment_connections_removed",
];

fn count(run: &RunView, key: &str) -> u64 {
    run.run.counts.get(key).copied().unwrap_or(0)
}

/// The counts as a small table; counts this page does not know are shown after, by name.
fn counts(run: &RunView) -> String {
    let mut rows: Vec<(String, u64)> = SHOWN_COUNTS
        .iter()
        .map(|(key, label)| ((*label).to_string(), count(run, key)))
        .collect();
    rows.extend(
        run.run
            .counts
            .iter()
            .filter(|(k, _)| {
                !SHOWN_COUNTS.iter().any(|(s, _)| s == k)
                    && !matches!(k.as_str(), "planned" | "not_done" | "warnings")
                    && !CHANGE_COUNTS.contains(&k.as_str())
            })
            .map(|(k, n)| (k.replace('_', " "), *n)),
    );
    let rows: Vec<String> = rows
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!("<tr><td>{}</td><td class=n>{n}</td></tr>", esc(&label)))
        .collect();
    if rows.is_empty() {
        "<span class=muted>none</span>".to_string()
    } else {
        format!("<table class=counts>{}</table>", rows.concat())
    }
}

/// A run's outcome in words.
pub fn outcome_words(status: &str, counts: &super::runner::RunCounts) -> String {
    let attention = counts.get("quarantined").copied().unwrap_or(0);
    match status {
        "success" => "Success".to_string(),
        "success_with_quarantine" => match attention {
            1 => "Success, 1 person needs attention".to_string(),
            n => format!("Success, {n} people need attention"),
        },
        "guard_aborted" => "Stopped by a guard, nothing changed".to_string(),
        "source_failed" => "HR source failed, nothing changed".to_string(),
        "target_failed" => "Winningtemp failed".to_string(),
        "mapping_invalid" => "Mapping invalid, not run".to_string(),
        "locked" => "Not run: another run held the lock".to_string(),
        "skipped" => "Skipped: the previous run was still going".to_string(),
        "running" => "Running".to_string(),
        "interrupted" => "Interrupted".to_string(),
        "crashed" => "Crashed (a bug in wtmap)".to_string(),
        other => other.replace('_', " "),
    }
}

fn outcome(run: &RunView) -> String {
    format!(
        "<span class=\"badge {}\" title=\"{}\">{}</span>",
        outcome_class(&run.run.status),
        esc(&run.run.status),
        esc(&outcome_words(&run.run.status, &run.run.counts))
    )
}

/// The report email of a run, coloured by how it went.
fn email(run: &RunView) -> String {
    let e = &run.run.email;
    let class = if e.starts_with("sent") {
        "ok"
    } else if e.starts_with("FAILED") {
        "fail"
    } else {
        "muted"
    };
    match e.is_empty() {
        true => "<span class=muted>—</span>".to_string(),
        false => format!("<span class={class}>{}</span>", esc(e)),
    }
}

/// One small bar chart (inline SVG) of a series over the runs, oldest first.
fn chart(title: &str, color: &str, values: &[(String, u64)]) -> String {
    const W: usize = 180;
    const H: usize = 60;
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let n = values.len().max(1);
    let slot = W / n;
    let bar = slot.saturating_sub(2).max(1);
    let mut bars = String::new();
    for (i, (when, v)) in values.iter().enumerate() {
        let h = ((*v as f64 / max as f64) * (H - 4) as f64).round() as usize;
        let h = if *v > 0 { h.max(1) } else { 0 };
        let _ = write!(
            bars,
            "<rect x=\"{}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"{color}\"><title>{}: {v}</title></rect>",
            i * slot + 1,
            H - h,
            esc(when)
        );
    }
    let last = values.last().map_or(0, |(_, v)| *v);
    format!(
        "<div class=chart><div><b>{}</b> <span class=muted>last {last}, most {max}</span></div>\
         <svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">{bars}</svg></div>",
        esc(title),
        esc(title)
    )
}

/// Source size, changes, pauses and quarantines over the recorded runs of a mapping.
fn charts(h: &mut String, m: &MappingView) {
    let zone = m.status.zone.as_deref();
    let runs: Vec<&RunView> = m
        .recent_runs
        .iter()
        .rev()
        .filter(|r| r.run.counts.contains_key("source_records"))
        .collect();
    if runs.len() < 2 {
        return;
    }
    let series = |f: &dyn Fn(&RunView) -> u64| -> Vec<(String, u64)> {
        runs.iter()
            .map(|r| (local(r.run.started, zone, "%Y-%m-%d %H:%M %Z"), f(r)))
            .collect()
    };
    let changes = |r: &RunView| CHANGE_COUNTS.iter().map(|k| count(r, k)).sum();
    let _ = write!(
        h,
        "<div class=charts>{}{}{}{}</div>",
        chart(
            "source records",
            "#0969da",
            &series(&|r| count(r, "source_records"))
        ),
        chart("changes", "#2da44e", &series(&changes)),
        chart("pauses", "#bf8700", &series(&|r| count(r, "paused"))),
        chart(
            "need attention",
            "#cf222e",
            &series(&|r| count(r, "quarantined"))
        )
    );
}

fn report_link(run: &RunView) -> String {
    match &run.report_url {
        Some(url) => format!("<a href=\"{}\">report</a>", esc(url)),
        None => "<span class=muted>—</span>".to_string(),
    }
}

/// The whole page.
pub fn render(v: &StatusView) -> String {
    let mut h = String::new();
    let title = format!("wtmap serve: {}", v.dir.display());
    // `write!` to a String cannot fail.
    let _ = write!(
        h,
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta http-equiv=refresh content=30><title>{}</title><style>{STYLE}</style></head><body>\
         <h1>{}</h1><p class=muted>up since {} · page made {} · {} run(s) going</p>",
        esc(&title),
        esc(&title),
        when(v.started, None),
        when(v.now, None),
        v.running
    );
    if v.stopping {
        h.push_str("<p class=warn>Stopping: no new runs start; runs going are finishing.</p>");
    }
    if let Some(e) = &v.scan_error {
        let _ = write!(h, "<p class=fail>{}</p>", esc(e));
    }
    overview(&mut h, v);
    for m in &v.mappings {
        mapping_section(&mut h, m);
    }
    h.push_str("</body></html>\n");
    h
}

fn overview(h: &mut String, v: &StatusView) {
    if v.mappings.is_empty() {
        h.push_str("<p>No mappings (<code>*.wtmap</code>) in the folder.</p>");
        return;
    }
    h.push_str(
        "<table><tr><th>Mapping</th><th>Schedule</th><th>Next run</th><th>Last run</th>\
         <th>Outcome</th><th>Counts</th><th>Email</th><th>Report</th></tr>",
    );
    for m in &v.mappings {
        let s = &m.status;
        let zone = s.zone.as_deref();
        let mut name = format!("<a href=\"#{0}\">{0}</a>", esc(&s.name));
        if s.error.is_some() {
            name.push_str(" <span class=fail>(does not check)</span>");
        }
        let next = match (s.running_since, s.next_run) {
            (Some(since), Some(next)) => format!(
                "running since {}; then {}",
                when(since, zone),
                when(next, zone)
            ),
            (Some(since), None) => format!("running since {}", when(since, zone)),
            (None, Some(next)) => when(next, zone),
            (None, None) => "<span class=muted>not scheduled</span>".to_string(),
        };
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{}</td><td>{next}</td>",
            esc(s.schedule.as_deref().unwrap_or("—"))
        );
        match &m.last_run {
            Some(r) => {
                let _ = write!(
                    h,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    when(r.run.started, zone),
                    outcome(r),
                    counts(r),
                    email(r),
                    report_link(r)
                );
            }
            None => h.push_str("<td class=muted colspan=5>no runs yet</td></tr>"),
        }
    }
    h.push_str("</table>");
}

fn mapping_section(h: &mut String, m: &MappingView) {
    let s = &m.status;
    let zone = s.zone.as_deref();
    let _ = write!(
        h,
        "<h2 id=\"{0}\">{0}</h2><p class=muted>{1}",
        esc(&s.name),
        esc(&s.path.display().to_string())
    );
    if let (Some(at), Some(version)) = (s.loaded_at, &s.version) {
        let _ = write!(h, " · version {} loaded {}", esc(version), when(at, zone));
    }
    h.push_str("</p>");
    if let Some(e) = &s.error {
        let keeps = if s.version.is_some() {
            "the last version that checked keeps running"
        } else {
            "it does not run until it checks"
        };
        let _ = write!(
            h,
            "<p class=fail>The file does not check since {} ({keeps}): {}</p><pre>{}</pre>",
            when(e.since, zone),
            esc(&e.summary),
            esc(&e.detail)
        );
    }
    if m.recent_runs.is_empty() {
        return;
    }
    charts(h, m);
    h.push_str(
        "<table><tr><th>Started</th><th>Finished</th><th>Outcome</th><th>Counts</th>\
         <th>Email</th><th>Message</th><th>Report</th></tr>",
    );
    for r in &m.recent_runs {
        let finished = r
            .run
            .finished
            .map_or_else(|| "—".to_string(), |t| when_as(t, zone, "%H:%M %Z"));
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{finished}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            when(r.run.started, zone),
            outcome(r),
            counts(r),
            email(r),
            esc(&r.run.message),
            report_link(r)
        );
    }
    h.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::board::MappingStatus;
    use crate::serve::history::StoredRun;
    use crate::serve::loader::LoadError;
    use crate::serve::runner::RunCounts;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    fn run(id: i64, started: &str, status: &str, counts: &[(&str, u64)], email: &str) -> RunView {
        RunView {
            run: StoredRun {
                id,
                mapping: "acme".into(),
                run_id: format!("run-{id}"),
                status: status.into(),
                scheduled: None,
                started: t(started),
                finished: Some(t(started) + chrono::Duration::seconds(40)),
                counts: counts
                    .iter()
                    .map(|(k, n)| (k.to_string(), *n))
                    .collect::<RunCounts>(),
                report_dir: None,
                message: format!("message of run {id} <b>"),
                email: email.into(),
            },
            report_url: Some(format!("/runs/acme/run-{id}/report.html")),
        }
    }

    fn view() -> StatusView {
        let runs = vec![
            run(
                3,
                "2026-11-21T01:30:00Z",
                "guard_aborted",
                &[("source_records", 12), ("quarantined", 0)],
                "sent to hr@acme.example",
            ),
            run(
                2,
                "2026-11-20T01:30:00Z",
                "success_with_quarantine",
                &[
                    ("source_records", 36),
                    ("created", 2),
                    ("updated", 4),
                    ("paused", 1),
                    ("memberships_added", 3),
                    ("quarantined", 3),
                    ("planned", 10),
                ],
                "FAILED: SMTP smtp.acme.example:587 (starttls): connection refused",
            ),
            run(
                1,
                "2026-11-19T01:30:00Z",
                "success",
                &[("source_records", 35), ("created", 35)],
                "not sent: the mapping has no `report to`",
            ),
        ];
        let status = |name: &str, error: Option<LoadError>| MappingStatus {
            name: name.into(),
            path: format!("/srv/wtmap/{name}.wtmap").into(),
            schedule: Some("daily at 02:30 Europe/Stockholm".into()),
            zone: Some("Europe/Stockholm".into()),
            next_run: Some(t("2026-11-22T01:30:00Z")),
            running_since: None,
            loaded_at: Some(t("2026-11-18T09:00:00Z")),
            version: Some("0123456789ab".into()),
            error,
        };
        StatusView {
            format: "wtmap.status/v1",
            now: t("2026-11-21T08:00:00Z"),
            started: t("2026-11-18T09:00:00Z"),
            dir: "/srv/wtmap".into(),
            stopping: false,
            scan_error: None,
            running: 0,
            mappings: vec![
                MappingView {
                    status: status("acme", None),
                    last_run: runs.first().cloned(),
                    recent_runs: runs,
                },
                MappingView {
                    status: status(
                        "beta",
                        Some(LoadError {
                            summary: "1 error: E0309 <schedule>".into(),
                            detail: "error[E0309]: …".into(),
                            since: t("2026-11-20T10:00:00Z"),
                        }),
                    ),
                    last_run: None,
                    recent_runs: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn the_page_shows_outcomes_in_words_local_times_count_tables_emails_and_charts() {
        let html = render(&view());
        for needle in [
            "Stopped by a guard, nothing changed",
            "Success, 3 people need attention",
            "class=\"badge fail\"",
            "class=\"badge warn\"",
            "<span title=\"2026-11-21 01:30 UTC\">2026-11-21 02:30 CET</span>",
            "<table class=counts><tr><td>source records</td><td class=n>36</td></tr>",
            "<td>need attention</td><td class=n>3</td>",
            "<span class=ok>sent to hr@acme.example</span>",
            "<span class=fail>FAILED: SMTP",
            "<b>source records</b> <span class=muted>last 12, most 36</span>",
            "<b>changes</b> <span class=muted>last 0, most 35</span>",
            "message of run 2 &lt;b&gt;",
        ] {
            assert!(html.contains(needle), "`{needle}` missing from\n{html}");
        }
        // The status's spelling is only a tooltip.
        assert!(!html.contains(">guard_aborted<"), "{html}");
        assert_eq!(
            html.matches("<svg ").count(),
            4,
            "four charts for acme, none for beta"
        );
        for external in ["http://", "https://", "<script", " src="] {
            assert!(!html.contains(external), "{external}");
        }
        let readable = html
            .replace("<tr>", "\n<tr>")
            .replace("<h2", "\n<h2")
            .replace("<div class=chart>", "\n<div class=chart>");
        insta::assert_snapshot!("status_page", readable);
    }
}
