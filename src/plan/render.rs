//! The human (`terraform plan`-like) rendering of a plan, and the pieces the Markdown
//! rendering shares with it. The JSON form is in `json.rs`.

use super::{Plan, Summary};
use crate::action::{Action, Change, PlannedAction};
use crate::escape::line;
use crate::model::{AttrRef, Because, Role, UserStatus};
use std::fmt::Write;

/// The sections a plan is shown in, in order, with the kinds each holds.
pub(super) const SECTIONS: [&str; 6] = [
    "Teams",
    "Segments",
    "Users",
    "Team memberships",
    "Segment connections",
    "Pauses",
];

/// Which section an action is shown in (index into [`SECTIONS`]).
pub(super) fn section_of(action: &Action) -> usize {
    match action {
        Action::CreateTeam { .. } | Action::RenameTeam { .. } | Action::MoveTeam { .. } => 0,
        Action::CreateSegment { .. } => 1,
        Action::CreateUser { .. } | Action::UpdateUser { .. } | Action::ReactivateUser { .. } => 2,
        Action::AddMembership { .. } | Action::RemoveMembership { .. } => 3,
        Action::AddSegmentConnection { .. } | Action::RemoveSegmentConnection { .. } => 4,
        Action::PauseUser { .. } => 5,
    }
}

/// `+`, `~` or `-`: adds, changes, and removals/pauses.
pub(super) fn symbol(action: &Action) -> char {
    match action {
        Action::CreateUser { .. }
        | Action::CreateTeam { .. }
        | Action::CreateSegment { .. }
        | Action::AddMembership { .. }
        | Action::AddSegmentConnection { .. }
        | Action::ReactivateUser { .. } => '+',
        Action::UpdateUser { .. } | Action::RenameTeam { .. } | Action::MoveTeam { .. } => '~',
        Action::PauseUser { .. }
        | Action::RemoveMembership { .. }
        | Action::RemoveSegmentConnection { .. } => '-',
    }
}

/// One-line description of an action, without symbol (`create user 1042 anna@acme.example`).
/// IDs and names come from HR data and the target: control characters in them are shown
/// escaped (see [`crate::escape::line`]), so the line stays one line.
pub fn headline(action: &Action) -> String {
    line(&headline_raw(action)).into_owned()
}

fn headline_raw(action: &Action) -> String {
    let parent = |p: &Option<Box<str>>| p.as_deref().unwrap_or("(top level)").to_string();
    match action {
        Action::CreateUser {
            external_id,
            username,
            status,
            ..
        } => {
            format!(
                "create user {external_id} {username} ({})",
                status_name(*status)
            )
        }
        Action::UpdateUser {
            external_id,
            username,
            link: true,
            ..
        } => {
            format!("link user {external_id} {username}")
        }
        Action::UpdateUser {
            external_id,
            username,
            ..
        } => {
            format!("update user {external_id} {username}")
        }
        Action::PauseUser {
            external_id,
            username,
        } => match external_id {
            Some(id) => format!("pause user {id} {username}"),
            None => format!("pause user {username} (no external ID)"),
        },
        Action::ReactivateUser {
            external_id,
            username,
        } => {
            format!("reactivate user {external_id} {username}")
        }
        Action::CreateTeam {
            external_id,
            name,
            parent: p,
        } => match p {
            Some(p) => format!("create team {external_id} {} under {p}", quote(name)),
            None => format!("create team {external_id} {} at top level", quote(name)),
        },
        Action::RenameTeam {
            external_id,
            from,
            to,
        } => {
            format!("rename team {external_id}: {} → {}", quote(from), quote(to))
        }
        Action::MoveTeam {
            external_id,
            from,
            to,
        } => {
            format!("move team {external_id}: {} → {}", parent(from), parent(to))
        }
        Action::AddMembership { user, team, role } => {
            format!("add {user} to team {team} as {}", role_name(*role))
        }
        Action::RemoveMembership { user, team, role } => {
            format!("remove {user} from team {team} as {}", role_name(*role))
        }
        Action::CreateSegment {
            external_id,
            name,
            category,
        } => {
            format!(
                "create segment {external_id} {} in {}",
                quote(name),
                quote(category)
            )
        }
        Action::AddSegmentConnection { user, segment } => {
            format!("connect {user} to segment {segment}")
        }
        Action::RemoveSegmentConnection { user, segment } => {
            format!("disconnect {user} from segment {segment}")
        }
    }
}

/// Detail lines under an action: attributes of a created user, changes of an update.
pub(super) fn details(action: &Action) -> Vec<(String, Option<&Because>)> {
    match action {
        Action::CreateUser { attributes, .. } => attributes
            .iter()
            .map(|(name, value)| {
                let text = format!("{name}: {}", value_text(Some(value)));
                (line(&text).into_owned(), None)
            })
            .collect(),
        Action::UpdateUser { changes, .. } => changes.iter().map(change_line).collect(),
        _ => Vec::new(),
    }
}

fn change_line(change: &Change) -> (String, Option<&Because>) {
    let text = format!(
        "{}: {} → {}",
        change.attribute,
        value_text(change.from.as_ref().map(AttrRef::from)),
        value_text(change.to.as_ref().map(AttrRef::from))
    );
    (line(&text).into_owned(), change.because.as_ref())
}

/// Whether the action-level `because` adds anything to the detail lines' own.
pub(super) fn shows_action_because(planned: &PlannedAction) -> bool {
    match &planned.action {
        Action::UpdateUser { changes, link, .. } => {
            *link || changes.iter().all(|c| c.because.is_none())
        }
        _ => true,
    }
}

/// A value as shown: text quoted, booleans bare, unset as `(unset)`.
pub(super) fn value_text(value: Option<AttrRef<'_>>) -> String {
    match value {
        Some(AttrRef::Text(text)) => quote(text),
        Some(AttrRef::Bool(b)) => b.to_string(),
        None => "(unset)".to_string(),
    }
}

/// Text in double quotes, JSON-escaped, and with what JSON leaves raw (C1 controls, bidi
/// controls) escaped too.
fn quote(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""));
    line(&quoted).into_owned()
}

fn status_name(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::Paused => "paused",
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Member => "member",
        Role::Manager => "manager",
    }
}

/// `statement (line 23)`, or just the statement when it has no line; on one line.
pub fn because_text(because: &Because) -> String {
    let statement = line(because.statement());
    match because.line() {
        0 => statement.into_owned(),
        n => format!("{statement} (line {n})"),
    }
}

/// `Plan: 3 to create, 2 to update, …` or the no-changes sentence.
pub(super) fn summary_line(s: &Summary) -> String {
    if s.total == 0 {
        return "No changes. Winningtemp already matches the mapping.".to_string();
    }
    let create = s.create_user + s.create_team + s.create_segment;
    let update = s.update_user + s.rename_team + s.move_team;
    format!(
        "Plan: {create} to create, {update} to update, {} to pause, {} to reactivate; \
         memberships: {} to add, {} to remove; segment connections: {} to add, {} to remove.",
        s.pause_user,
        s.reactivate_user,
        s.add_membership,
        s.remove_membership,
        s.add_segment_connection,
        s.remove_segment_connection
    )
}

const RESET: &str = "\x1b[0m";

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{text}{RESET}")
    } else {
        text.to_string()
    }
}

fn symbol_color(symbol: char) -> &'static str {
    match symbol {
        '+' => "\x1b[32m",
        '~' => "\x1b[33m",
        _ => "\x1b[31m",
    }
}

/// The plan for a terminal, grouped by section. ANSI colours only when `color` is true.
pub fn render_human(plan: &Plan, color: bool) -> String {
    let bold = "\x1b[1m";
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wtmap plan for {} ({} source records)",
        line(&plan.mapping),
        plan.source_records
    );
    out.push_str(&render_actions(&plan.actions, color));
    if !plan.team_tree.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                "Team tree (new, renamed and moved teams in place):",
                bold,
                color
            )
        );
        for l in &plan.team_tree {
            let text = format!("{} {}{}", l.mark, "  ".repeat(l.depth), line(&l.text));
            let text = match l.mark {
                ' ' => text,
                mark => paint(&text, symbol_color(mark), color),
            };
            let _ = writeln!(out, "  {text}");
        }
    }
    write_records(&mut out, plan);
    crate::quality::render_text(&plan.fill_rates, Some(plan.source_records), &mut out);
    if !plan.guards.is_empty() {
        let _ = writeln!(out, "\n{}", paint("Guards:", bold, color));
        for guard in &plan.guards {
            let (mark, code) = match (guard.passed, guard.overridden) {
                (true, _) => ("✓", "\x1b[32m"),
                (false, true) => ("!", "\x1b[33m"),
                (false, false) => ("✗", "\x1b[31m"),
            };
            let message = line(&guard.message);
            let _ = writeln!(out, "  {} {message}", paint(mark, code, color));
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        paint(&summary_line(&plan.summary), bold, color)
    );
    out
}

/// The actions alone, grouped in sections, each with its `because` (also used by `explain`).
pub fn render_actions(actions: &[PlannedAction], color: bool) -> String {
    let dim = "\x1b[2m";
    let bold = "\x1b[1m";
    let mut out = String::new();
    for (index, title) in SECTIONS.iter().enumerate() {
        let actions: Vec<&PlannedAction> = actions
            .iter()
            .filter(|a| section_of(&a.action) == index)
            .collect();
        if actions.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(&format!("{title}:"), bold, color));
        for planned in actions {
            let symbol = symbol(&planned.action);
            let head = format!("{symbol} {}", headline(&planned.action));
            let _ = writeln!(out, "  {}", paint(&head, symbol_color(symbol), color));
            for (line, because) in details(&planned.action) {
                match because {
                    Some(b) => {
                        let note = paint(&format!("# because: {}", because_text(b)), dim, color);
                        let _ = writeln!(out, "      {line}  {note}");
                    }
                    None => {
                        let _ = writeln!(out, "      {line}");
                    }
                }
            }
            if shows_action_because(planned) {
                let note = format!("# because: {}", because_text(&planned.because));
                let _ = writeln!(out, "      {}", paint(&note, dim, color));
            }
        }
    }
    out
}

/// Skipped, quarantined and warnings, each under its own heading when present.
fn write_records(out: &mut String, plan: &Plan) {
    if !plan.skipped.is_empty() {
        let _ = writeln!(
            out,
            "\nSkipped records ({}), their users are left as they are:",
            plan.skipped.len()
        );
        for s in &plan.skipped {
            let _ = writeln!(
                out,
                "  record {}: {}",
                line(&s.label()),
                because_text(&s.because)
            );
        }
    }
    if !plan.quarantined.is_empty() {
        let n = plan.quarantined.len();
        let _ = writeln!(
            out,
            "\nQuarantined records ({n}), their users are left as they are:"
        );
        for q in &plan.quarantined {
            let at = because_text(&q.because);
            let label = q.label();
            let (id, code, reason) = (line(&label), line(&q.code), line(&q.reason));
            let _ = writeln!(out, "  record {id}: {code} {reason}\n      # at: {at}");
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings ({}):", plan.warnings.len());
        for w in &plan.warnings {
            let (code, message) = (line(&w.code), line(&w.message));
            match &w.record_id {
                Some(record) => {
                    let record = line(record);
                    let _ = writeln!(out, "  {code} record {record}: {message}");
                }
                None => {
                    let _ = writeln!(out, "  {code} {message}");
                }
            }
        }
    }
}
