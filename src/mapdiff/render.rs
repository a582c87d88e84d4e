//! A [`MapDiff`] for people (human), for pull-request comments (Markdown), and for programs
//! (JSON, `wtmap.diff/v1`).

use super::{
    ChangeKind, DiffCounts, GroupChange, GroupChangeKind, MapDiff, PersonChange, PersonDiff, Value,
};
use crate::escape::{line, markdown, markdown_code};
use crate::model::Because;
use crate::plan::Summary;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// At most this many rows per section in Markdown (a pull-request comment has a size limit);
/// the JSON has them all.
const MARKDOWN_ROWS: usize = 100;

/// People rendered as one piece when a diff is written on several threads (~800 KB of JSON).
const PIECE: usize = 1024;

/// How much rendered text is gathered before each write to the output.
const BUFFER: usize = 1 << 16;

/// Writes the diff as pretty JSON (`wtmap.diff/v1`), ending in a newline, as it is rendered:
/// a diff of 100,000 people is never one string in memory. The bytes are those of
/// [`render_json`]; a large diff's people are rendered on every core (at most four), in
/// pieces written in order (alone they took ~70 ms of one core at 100k).
pub fn write_json(diff: &MapDiff<'_>, out: impl std::io::Write) -> std::io::Result<()> {
    write_json_on(diff, out, crate::parallel::cores().min(4), PIECE)
}

/// [`write_json`] with `threads` rendering threads and `piece` people a piece (tests choose
/// both, to take the several-thread path on any machine).
pub(super) fn write_json_on(
    diff: &MapDiff<'_>,
    out: impl std::io::Write,
    threads: usize,
    piece: usize,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(BUFFER, out);
    if threads < 2 || diff.people.len() < 4 * piece {
        serde_json::to_writer_pretty(&mut out, diff)?;
    } else {
        write_people_apart(diff, &mut out, threads, piece)?;
    }
    out.write_all(b"\n")?;
    out.flush()
}

/// The diff as serde_json writes it, with the people (most of the text) rendered on `threads`
/// threads: everything else is rendered around an empty list of people, and the people are
/// written where that empty list stands.
fn write_people_apart(
    diff: &MapDiff<'_>,
    out: &mut impl std::io::Write,
    threads: usize,
    piece: usize,
) -> std::io::Result<()> {
    // Every field named: a field added to the diff does not compile here until it is placed.
    let MapDiff {
        format,
        old,
        new,
        summary,
        counts,
        people,
        teams,
        segments,
    } = diff;
    let around = MapDiff {
        format: format.clone(),
        old: old.clone(),
        new: new.clone(),
        summary: summary.clone(),
        counts: counts.clone(),
        people: Vec::new(),
        teams: teams.clone(),
        segments: segments.clone(),
    };
    let text = serde_json::to_vec_pretty(&around)?;
    // The list's key two spaces in, at the top level. Text holds no raw newline (JSON escapes
    // it), so these bytes occur nowhere else.
    const EMPTY: &[u8] = b"\n  \"people\": []";
    let Some(at) = memchr::memmem::find(&text, EMPTY) else {
        return Ok(serde_json::to_writer_pretty(out, diff)?);
    };
    // Up to and including the list's `[`; the rest starts with its `]`.
    let (before, after) = text.split_at(at + EMPTY.len() - 1);
    out.write_all(before)?;
    let mut buffer = Vec::with_capacity(BUFFER + BUFFER / 4);
    {
        let mut spill = crate::parallel::spill_to(out, BUFFER);
        crate::parallel::write_pieces(
            people,
            &|at, person, into| person_element(into, at == 0, person),
            &mut buffer,
            (threads, piece),
            &mut spill,
        )?;
    }
    out.write_all(&buffer)?;
    out.write_all(b"\n  ")?;
    out.write_all(after)
}

/// One person as an element of the top-level list of people, as serde_json's pretty printer
/// writes it there: after a comma unless first, on a new line, every line four spaces in.
fn person_element(into: &mut Vec<u8>, first: bool, person: &PersonDiff<'_>) {
    if !first {
        into.push(b',');
    }
    // Plain data: serializing it cannot fail (the one-thread path would report it if it did).
    let text = serde_json::to_vec_pretty(person).unwrap_or_else(|_| b"null".to_vec());
    for line in text.split(|&b| b == b'\n') {
        into.extend_from_slice(b"\n    ");
        into.extend_from_slice(line);
    }
}

/// The diff as pretty JSON (`wtmap.diff/v1`), ending in a newline.
pub fn render_json(diff: &MapDiff<'_>) -> String {
    let mut out = serde_json::to_string_pretty(diff).unwrap_or_else(|e| {
        // Serializing plain data into a string cannot fail; say so rather than panic.
        format!("{{\"error\": {:?}}}", e.to_string())
    });
    out.push('\n');
    out
}

fn people(n: usize) -> String {
    match n {
        0 => "nobody".to_string(),
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    }
}

fn things(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The summary sentence: `this change moves 37 people to another team, clears gender for 4,
/// and pauses nobody`.
pub(super) fn sentence(c: &DiffCounts) -> String {
    let kind = |k: ChangeKind| c.by_kind.get(k.as_str()).copied().unwrap_or(0);
    let mut parts: Vec<String> = Vec::new();
    let becomes = |s: &str| c.becomes.get(s).copied().unwrap_or(0);
    for (status, verb) in [
        ("active", "activates"),
        ("skipped", "skips"),
        ("quarantined", "quarantines"),
        ("not_in_source", "maps no record to"),
    ] {
        if becomes(status) > 0 {
            parts.push(format!("{verb} {}", people(becomes(status))));
        }
    }
    if kind(ChangeKind::Team) > 0 {
        parts.push(format!(
            "moves {} to another team",
            people(kind(ChangeKind::Team))
        ));
    }
    if kind(ChangeKind::Manager) > 0 {
        parts.push(format!(
            "gives {} another manager",
            people(kind(ChangeKind::Manager))
        ));
    }
    if kind(ChangeKind::ManagedTeams) > 0 {
        parts.push(format!(
            "changes the teams {} manage{}",
            people(kind(ChangeKind::ManagedTeams)),
            if kind(ChangeKind::ManagedTeams) == 1 {
                "s"
            } else {
                ""
            }
        ));
    }
    for (name, a) in &c.attributes {
        for (n, verb) in [
            (a.changed, "changes"),
            (a.set, "sets"),
            (a.cleared, "clears"),
            (a.unmapped, "stops mapping"),
        ] {
            if n > 0 {
                parts.push(format!("{verb} {name} for {n}"));
            }
        }
    }
    if kind(ChangeKind::Segments) > 0 {
        parts.push(format!(
            "changes the segments of {}",
            people(kind(ChangeKind::Segments))
        ));
    }
    if kind(ChangeKind::Action) > 0 {
        parts.push(format!(
            "plans another action for {}",
            people(kind(ChangeKind::Action))
        ));
    }
    for (one, many, counts) in [
        ("team", "teams", &c.teams),
        ("segment", "segments", &c.segments),
    ] {
        for (key, verb) in [
            ("added", "adds"),
            ("removed", "removes"),
            ("renamed", "renames"),
            ("moved", "moves"),
        ] {
            if let Some(&n) = counts.get(key)
                && n > 0
            {
                parts.push(format!("{verb} {}", things(n, one, many)));
            }
        }
    }
    // Pauses are what a reviewer fears most: always said, also when there are none.
    parts.push(format!("pauses {}", people(becomes("paused"))));
    let body = match parts.len() {
        1 if c.people == 0 && c.teams.is_empty() && c.segments.is_empty() => {
            return "this change affects nobody: every person's outcome stays the same".to_string();
        }
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{}, and {last}", parts.join(", "))
        }
    };
    format!("this change {body}")
}

/// The sentence as the start of a report: capitalised, with a full stop.
fn headline_sentence(diff: &MapDiff<'_>) -> String {
    let mut s = diff.summary.clone();
    if let Some(first) = s.get(0..1) {
        let upper = first.to_uppercase();
        s.replace_range(0..1, &upper);
    }
    s.push('.');
    s
}

/// The rows of the side-by-side plan table: label, old count, new count (rows where both are
/// zero are left out; the total always shows).
fn count_rows(old: &Summary, new: &Summary) -> Vec<(&'static str, usize, usize)> {
    let rows = |s: &Summary| {
        [
            ("users to create", s.create_user),
            ("users to update", s.update_user - s.link_user),
            ("users to link", s.link_user),
            ("users to pause", s.pause_user),
            ("users to reactivate", s.reactivate_user),
            ("teams to create", s.create_team),
            ("teams to rename", s.rename_team),
            ("teams to move", s.move_team),
            ("memberships to add", s.add_membership),
            ("memberships to remove", s.remove_membership),
            ("segments to create", s.create_segment),
            ("segment connections to add", s.add_segment_connection),
            ("segment connections to remove", s.remove_segment_connection),
            ("actions in all", s.total),
        ]
    };
    rows(old)
        .into_iter()
        .zip(rows(new))
        .filter(|((label, a), (_, b))| *a > 0 || *b > 0 || *label == "actions in all")
        .map(|((label, a), (_, b))| (label, a, b))
        .collect()
}

/// A section: one change kind (attributes: one per attribute), with its changes.
struct Section<'a> {
    title: String,
    rows: Vec<(&'a PersonDiff<'a>, &'a PersonChange<'a>)>,
}

fn sections<'a>(diff: &'a MapDiff<'a>) -> Vec<Section<'a>> {
    let mut out = Vec::new();
    for kind in ChangeKind::ALL {
        let of_kind = || {
            diff.people
                .iter()
                .flat_map(|p| p.changes.iter().map(move |c| (p, c)))
                .filter(move |(_, c)| c.kind == kind)
        };
        if kind == ChangeKind::Attribute {
            let names: BTreeSet<&str> = of_kind().filter_map(|(_, c)| c.attribute).collect();
            for name in names {
                let rows: Vec<_> = of_kind()
                    .filter(|(_, c)| c.attribute == Some(name))
                    .collect();
                out.push(Section {
                    title: format!("Attribute {name}"),
                    rows,
                });
            }
        } else {
            let rows: Vec<_> = of_kind().collect();
            if !rows.is_empty() {
                out.push(Section {
                    title: kind.title().to_string(),
                    rows,
                });
            }
        }
    }
    out
}

fn who(p: &PersonDiff<'_>) -> String {
    match p.username {
        Some(u) if u != p.person => format!("{u} ({})", p.person),
        _ => p.person.to_string(),
    }
}

/// A value as shown: attribute values quoted (`"Female"`), statuses, actions and IDs as they
/// are (`skipped`, `Stockholm/Sales`).
fn value(kind: ChangeKind, v: Option<&Value<'_>>) -> String {
    match (kind, v) {
        (_, None) => "(none)".to_string(),
        (ChangeKind::Attribute, Some(v)) => v.to_string(),
        (_, Some(Value::Text(t))) => t.to_string(),
        (_, Some(v)) => v.to_string(),
    }
}

fn because_or_none(b: Option<&Because>) -> String {
    b.map_or_else(|| "no statement".to_string(), because)
}

fn because(b: &Because) -> String {
    format!("{} (line {})", b.statement(), b.line())
}

/// The distinct (old, new) statements behind a section's rows.
fn reasons<'a, I>(changes: I) -> Vec<(Option<&'a Because>, Option<&'a Because>)>
where
    I: Iterator<Item = (Option<&'a Because>, Option<&'a Because>)>,
{
    let mut seen = Vec::new();
    for pair in changes {
        if !seen.contains(&pair) {
            seen.push(pair);
        }
    }
    seen
}

fn section_reasons<'a>(s: &Section<'a>) -> Vec<(Option<&'a Because>, Option<&'a Because>)> {
    reasons(s.rows.iter().map(|(_, c)| (c.old_because, c.new_because)))
}

fn group_line(g: &GroupChange) -> String {
    match g.change {
        GroupChangeKind::Added => format!("+ {}", g.external_id),
        GroupChangeKind::Removed => format!("- {}", g.external_id),
        GroupChangeKind::Renamed => format!(
            "~ rename {}: {:?} → {:?}",
            g.external_id,
            g.old.as_deref().unwrap_or(""),
            g.new.as_deref().unwrap_or("")
        ),
        GroupChangeKind::Moved => format!(
            "~ move {}: under {} → under {}",
            g.external_id,
            g.old.as_deref().unwrap_or("(top level)"),
            g.new.as_deref().unwrap_or("(top level)")
        ),
    }
}

fn group_because(g: &GroupChange) -> Option<&Because> {
    match g.change {
        GroupChangeKind::Removed => g.old_because.as_ref(),
        _ => g.new_because.as_ref(),
    }
}

/// The diff for people: the summary first, the plans side by side, then every change grouped
/// by kind with the statements of both versions behind it.
pub fn render_human(diff: &MapDiff<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wtmap diff {} → {} ({} source records)\n",
        line(&diff.old.mapping),
        line(&diff.new.mapping),
        diff.new.source_records
    );
    let _ = writeln!(out, "{}\n", line(&headline_sentence(diff)));
    let rows = count_rows(&diff.old.actions, &diff.new.actions);
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(20);
    let _ = writeln!(
        out,
        "{:<w$}  {:>7}  {:>7}",
        "Plans:",
        "old",
        "new",
        w = width + 2
    );
    let mut row = |label: &str, a: String, b: String| {
        let _ = writeln!(out, "  {label:<width$}  {a:>7}  {b:>7}");
    };
    for (label, a, b) in rows {
        row(label, a.to_string(), b.to_string());
    }
    row(
        "skipped records",
        diff.old.skipped.to_string(),
        diff.new.skipped.to_string(),
    );
    row(
        "quarantined records",
        diff.old.quarantined.to_string(),
        diff.new.quarantined.to_string(),
    );
    let pass = |p: bool| if p { "pass" } else { "STOP" }.to_string();
    row(
        "guards",
        pass(diff.old.guards_passed),
        pass(diff.new.guards_passed),
    );
    for s in sections(diff) {
        let _ = writeln!(out, "\n{} ({}):", s.title, s.rows.len());
        // One pair of statements for the whole section is said once, after it; several are
        // said under each row.
        let shared = section_reasons(&s).len() == 1;
        for (p, c) in &s.rows {
            let _ = writeln!(
                out,
                "  {}: {} → {}",
                line(&who(p)),
                line(&value(c.kind, c.old.as_ref())),
                line(&value(c.kind, c.new.as_ref()))
            );
            if !shared {
                let _ = writeln!(
                    out,
                    "      # old: {}\n      # new: {}",
                    line(&because_or_none(c.old_because)),
                    line(&because_or_none(c.new_because)),
                );
            }
        }
        if shared {
            for (old, new) in section_reasons(&s) {
                let _ = writeln!(
                    out,
                    "  # old: {}\n  # new: {}",
                    line(&because_or_none(old)),
                    line(&because_or_none(new)),
                );
            }
        }
    }
    for (title, groups) in [("Teams", &diff.teams), ("Segments", &diff.segments)] {
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({}):", groups.len());
        for g in groups {
            let _ = write!(out, "  {}", line(&group_line(g)));
            if let Some(b) = group_because(g) {
                let _ = write!(out, "  # {}", line(&because(b)));
            }
            out.push('\n');
        }
    }
    out
}

/// The diff as GitHub-flavoured Markdown for a pull-request comment: the summary and the plans
/// side by side in the open, every section collapsed (`<details>`).
pub fn render_markdown(diff: &MapDiff<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### wtmap diff {} → {}\n",
        markdown_code(&diff.old.mapping, false),
        markdown_code(&diff.new.mapping, false)
    );
    let _ = writeln!(
        out,
        "{} source records. **{}**\n",
        diff.new.source_records,
        markdown(&headline_sentence(diff))
    );
    let _ = writeln!(out, "| | old | new |\n|---|---:|---:|");
    for (label, a, b) in count_rows(&diff.old.actions, &diff.new.actions) {
        let _ = writeln!(out, "| {label} | {a} | {b} |");
    }
    let _ = writeln!(
        out,
        "| skipped records | {} | {} |",
        diff.old.skipped, diff.new.skipped
    );
    let _ = writeln!(
        out,
        "| quarantined records | {} | {} |",
        diff.old.quarantined, diff.new.quarantined
    );
    let pass = |p: bool| if p { "✅ pass" } else { "❌ stop" };
    let _ = writeln!(
        out,
        "| guards | {} | {} |\n",
        pass(diff.old.guards_passed),
        pass(diff.new.guards_passed)
    );
    let cell = |t: &str| markdown_code(t, true);
    for s in sections(diff) {
        let _ = writeln!(
            out,
            "<details><summary>{} ({})</summary>\n",
            crate::escape::html(&s.title),
            s.rows.len()
        );
        let b = |x: Option<&Because>| {
            x.map_or_else(
                || "no statement".to_string(),
                |x| {
                    format!(
                        "{} (line {})",
                        markdown_code(x.statement(), false),
                        x.line()
                    )
                },
            )
        };
        // One pair of statements for the section is said once, under the table; several get
        // a column.
        let pairs = section_reasons(&s);
        let shared = pairs.len() == 1;
        if shared {
            let _ = writeln!(out, "| person | old | new |\n|---|---|---|");
        } else {
            let _ = writeln!(out, "| person | old | new | because |\n|---|---|---|---|");
        }
        for (p, c) in s.rows.iter().take(MARKDOWN_ROWS) {
            let _ = write!(
                out,
                "| {} | {} | {} |",
                cell(&who(p)),
                cell(&value(c.kind, c.old.as_ref())),
                cell(&value(c.kind, c.new.as_ref()))
            );
            if !shared {
                let _ = write!(
                    out,
                    " old: {} → new: {} |",
                    b(c.old_because).replace('|', "\\|"),
                    b(c.new_because).replace('|', "\\|")
                );
            }
            out.push('\n');
        }
        if s.rows.len() > MARKDOWN_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more (`wtmap diff --format json` lists every one).",
                s.rows.len() - MARKDOWN_ROWS
            );
        }
        if shared {
            out.push('\n');
            for (old, new) in pairs {
                let _ = writeln!(out, "Because: old {} → new {}", b(old), b(new));
            }
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    for (title, groups) in [("Teams", &diff.teams), ("Segments", &diff.segments)] {
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary>{title} ({})</summary>\n",
            groups.len()
        );
        for g in groups.iter().take(MARKDOWN_ROWS) {
            let _ = write!(out, "- {}", markdown_code(&group_line(g), false));
            if let Some(b) = group_because(g) {
                let _ = write!(
                    out,
                    " — because {} (line {})",
                    markdown_code(b.statement(), false),
                    b.line()
                );
            }
            out.push('\n');
        }
        if groups.len() > MARKDOWN_ROWS {
            let _ = writeln!(out, "- … and {} more", groups.len() - MARKDOWN_ROWS);
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    out
}
