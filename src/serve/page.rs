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
.muted{color:#777}h2{margin-top:2em}";

/// Escapes text for HTML element content and quoted attribute values (the report's escaper).
pub fn esc(s: &str) -> String {
    crate::report::html::escape(s)
}

/// An instant in the mapping's zone (when it has one) and in UTC.
fn when(t: DateTime<Utc>, zone: Option<&str>) -> String {
    let utc = t.format("%Y-%m-%d %H:%M UTC").to_string();
    match zone.and_then(|z| z.parse::<Tz>().ok()) {
        Some(tz) => format!(
            "{} ({utc})",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
        ),
        None => utc,
    }
}

fn counts(run: &RunView) -> String {
    let parts: Vec<String> = run
        .run
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{} {n}", esc(&k.replace('_', " "))))
        .collect();
    if parts.is_empty() {
        "<span class=muted>none</span>".to_string()
    } else {
        parts.join(", ")
    }
}

fn outcome(run: &RunView) -> String {
    format!(
        "<span class={}>{}</span>",
        outcome_class(&run.run.status),
        esc(&run.run.status)
    )
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
         <th>Outcome</th><th>Counts</th><th>Report</th></tr>",
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
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    when(r.run.started, zone),
                    outcome(r),
                    counts(r),
                    report_link(r)
                );
            }
            None => h.push_str("<td class=muted colspan=4>no runs yet</td></tr>"),
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
    h.push_str(
        "<table><tr><th>Started</th><th>Finished</th><th>Outcome</th><th>Counts</th>\
         <th>Message</th><th>Report</th></tr>",
    );
    for r in &m.recent_runs {
        let finished = r
            .run
            .finished
            .map_or_else(|| "—".to_string(), |t| when(t, zone));
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{finished}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            when(r.run.started, zone),
            outcome(r),
            counts(r),
            esc(&r.run.message),
            report_link(r)
        );
    }
    h.push_str("</table>");
}
