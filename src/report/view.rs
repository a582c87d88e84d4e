//! What every rendering of a report shows, worked out once: the outcome in one sentence, the
//! bars of the summary, the gauge of a guard that stopped the run with what to do next, the
//! team changes as a tree, the actions grouped by kind, and the trend over recent runs. The
//! renderers (text, Markdown, HTML) only lay these out, in the same order.

use super::{Attention, Report, TrendPoint};
use crate::action::{Action, ActionKind};
use crate::apply::report::{ActionReport, Outcome};
use crate::guard::GuardOutcome;
use crate::model::{GuardLimit, Role};
use crate::report::RunStatus;
use std::borrow::Cow;

/// The people HR must look at: the report's list, or (for a report stored before it had
/// one) the list made from its quarantined and skipped records.
pub(crate) fn people(report: &Report) -> Cow<'_, [Attention]> {
    match report.attention.is_empty() {
        true => Cow::Owned(super::attention::of(&report.quarantined, &report.skipped)),
        false => Cow::Borrowed(&report.attention),
    }
}

/// The outcome in one sentence, for people.
pub(crate) fn sentence(report: &Report) -> String {
    let c = &report.counts;
    let people = people(report).len();
    let need = match people {
        0 => String::new(),
        1 => "; 1 person needs attention in the HR system".to_string(),
        n => format!("; {n} people need attention in the HR system"),
    };
    match report.status {
        RunStatus::Success | RunStatus::SuccessWithQuarantine => {
            let changes = changes_words(c);
            match changes.as_str() {
                "no changes" => {
                    format!("Winningtemp was already in step with the HR system{need}.")
                }
                _ => format!("Winningtemp is in step with the HR system: {changes}{need}."),
            }
        }
        RunStatus::GuardAborted => match gauges(report).first() {
            Some(g) => format!(
                "Nothing was changed: the run stopped because it {}.",
                g.measured
            ),
            None => format!("Nothing was changed: {}.", report.message),
        },
        _ => {
            let mut s = report.message.clone();
            if !s.ends_with('.') {
                s.push('.');
            }
            s
        }
    }
}

/// The changes for people: `2 users created, 4 updated, 1 paused and 10 team, membership and
/// segment changes`, or `no changes`.
fn changes_words(c: &super::Counts) -> String {
    let users = [
        ("created", c.created),
        ("updated", c.updated + c.linked),
        ("paused", c.paused),
        ("reactivated", c.reactivated),
    ];
    let mut parts: Vec<String> = users
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    if let Some(first) = parts.first_mut() {
        let n = users.iter().find(|(_, n)| *n > 0).map_or(0, |(_, n)| *n);
        *first = first.replacen(' ', if n == 1 { " user " } else { " users " }, 1);
    }
    let others: usize = c.changes().iter().skip(5).map(|(_, n)| n).sum();
    if others > 0 {
        parts.push(format!("{others} team, membership and segment changes"));
    }
    match parts.len() {
        0 => "no changes".to_string(),
        1 => parts.remove(0),
        n => {
            let last = parts.remove(n - 1);
            format!("{} and {last}", parts.join(", "))
        }
    }
}

/// One bar of the summary.
pub(crate) struct Bar {
    pub(crate) label: &'static str,
    pub(crate) count: usize,
}

/// The summary's bars: users created, updated, paused, reactivated, and team changes.
pub(crate) fn bars(report: &Report) -> Vec<Bar> {
    let c = &report.counts;
    let bar = |label, count| Bar { label, count };
    vec![
        bar("users created", c.created),
        bar("users updated", c.updated + c.linked),
        bar("users paused", c.paused),
        bar("users reactivated", c.reactivated),
        bar(
            "team changes",
            c.teams_created + c.teams_renamed + c.teams_moved,
        ),
    ]
}

/// A guard that stopped the run, as a gauge with what to do next.
pub(crate) struct Gauge {
    /// `would pause 34 of 36 active users (94.4%)`.
    pub(crate) measured: String,
    /// `the limit is 5 %` / `the minimum is 80 %`.
    pub(crate) limit: String,
    /// The measured value on the gauge's scale, 0 to 1.
    pub(crate) value: f64,
    /// The limit on the gauge's scale, 0 to 1.
    pub(crate) at: f64,
    /// What HR should do.
    pub(crate) hr: String,
    /// What the operator should do.
    pub(crate) operator: String,
}

/// The guards that stopped the run, as gauges.
pub(crate) fn gauges(report: &Report) -> Vec<Gauge> {
    report.failed_guards().map(gauge).collect()
}

fn number(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

fn gauge(g: &GuardOutcome) -> Gauge {
    let at = match g.because.line() {
        0 => format!("{} `{}`: ", g.because.statement(), g.guard),
        line => format!("guard `{}` at line {line}: ", g.guard),
    };
    let detail = g.message.strip_prefix(&at).unwrap_or(&g.message);
    let detail = detail
        .split("; nothing was applied")
        .next()
        .unwrap_or(detail);
    let measured = detail
        .replacen("this plan pauses", "would pause", 1)
        .replacen("this plan removes", "would remove", 1)
        .replacen("this plan changes", "would change", 1)
        .replacen("the source delivered", "found", 1);
    let upper = !g.guard.contains(">=");
    let (limit, limit_text) = match g.limit {
        GuardLimit::Percent(p) => (p, format!("{} %", number(p))),
        GuardLimit::Count(n) => (n as f64, n.to_string()),
    };
    let limit_words = match upper {
        true => format!("the limit is {limit_text}"),
        false => format!("the minimum is {limit_text}"),
    };
    let actual = g.actual.unwrap_or(0.0).max(0.0);
    let scale = match g.limit {
        GuardLimit::Percent(_) => actual.max(limit).max(100.0),
        GuardLimit::Count(_) => (actual.max(limit) * 1.25).max(1.0),
    };
    let flag = &g.override_flag;
    let (hr, what) = if g.guard.starts_with("pauses") {
        (
            "Check whether the HR export is complete: people missing from it, or given an end date by mistake, would be paused.",
            "If these people really left",
        )
    } else if g.guard == "source is not empty" {
        (
            "The HR system delivered no people: check the export, or the integration user's access in the HR system.",
            "If the source really is empty",
        )
    } else if g.guard.starts_with("source") {
        (
            "Check whether the HR export is complete: it holds far fewer people than last time.",
            "If the source really shrank",
        )
    } else if g.guard.starts_with("membership") {
        (
            "Check the departments and teams in the HR system: many people would lose their team.",
            "If the reorganisation is real",
        )
    } else if g.guard.starts_with("identity") {
        (
            "Check the email addresses in the HR system: many would change at once.",
            "If the addresses really changed",
        )
    } else {
        (
            "Check whether the HR data is complete and correct.",
            "If the change is intended",
        )
    };
    Gauge {
        measured: measured.trim().to_string(),
        limit: limit_words,
        value: (actual / scale).clamp(0.0, 1.0),
        at: (limit / scale).clamp(0.0, 1.0),
        hr: hr.to_string(),
        operator: format!("{what}, run it again with {flag}: nothing is changed until then."),
    }
}

/// What the operator should do after a run that did not get to the people: the source, the
/// target, the mapping or the lock stopped it. `None` for the other outcomes.
pub(crate) fn operator_step(report: &Report) -> Option<&'static str> {
    match report.status {
        RunStatus::SourceFailed => Some(
            "Nothing was changed. Check what the message above names (the HR system's API and its integration user, or the export file); the next run tries again.",
        ),
        RunStatus::TargetFailed if report.counts.failed == 0 => Some(
            "Winningtemp could not be set up or reached (see the message and the notes); the next run tries again.",
        ),
        RunStatus::MappingInvalid => Some(
            "The mapping has errors (listed under Notes): fix them, `wtmap check` shows them; nothing runs until then.",
        ),
        RunStatus::Locked => Some(
            "Another run holds the lock (see the message); remove a lock left behind only after checking the host that holds it.",
        ),
        _ => None,
    }
}

/// One line of the team tree: its depth, the team, what happens to it.
pub(crate) struct TreeLine {
    pub(crate) depth: usize,
    pub(crate) team: String,
    pub(crate) note: String,
}

/// The team changes as a tree under their parents: new, renamed and moved teams, and new
/// managers. Teams that only hold changes below them are shown plain. From the actions done;
/// when none were done (a guard abort), from the plan.
pub(crate) fn team_tree(report: &Report) -> (bool, Vec<TreeLine>) {
    let is_team = |a: &&ActionReport| match &a.action.action {
        Action::CreateTeam { .. } | Action::RenameTeam { .. } | Action::MoveTeam { .. } => true,
        Action::AddMembership { role, .. } => *role == Role::Manager,
        _ => false,
    };
    let done: Vec<&ActionReport> = report.done_actions().filter(is_team).collect();
    let planned_only = done.is_empty() && !report.status.is_success();
    let actions: Vec<&ActionReport> = match planned_only {
        true => report.actions.iter().filter(is_team).collect(),
        false => done,
    };
    // Nodes in order of first mention: id, label, notes, parent (when known).
    struct Node {
        id: String,
        label: Option<String>,
        notes: Vec<String>,
        parent: Option<String>,
    }
    let mut nodes: Vec<Node> = Vec::new();
    fn node<'a>(nodes: &'a mut Vec<Node>, id: &str) -> &'a mut Node {
        let at = match nodes.iter().position(|n| n.id == id) {
            Some(at) => at,
            None => {
                nodes.push(Node {
                    id: id.to_string(),
                    label: None,
                    notes: Vec::new(),
                    parent: None,
                });
                nodes.len() - 1
            }
        };
        &mut nodes[at]
    }
    for a in &actions {
        match &a.action.action {
            Action::CreateTeam {
                external_id,
                name,
                parent,
            } => {
                let n = node(&mut nodes, external_id);
                n.label = Some(name.to_string());
                n.notes.push("new team".to_string());
                n.parent = parent.as_deref().map(str::to_string);
            }
            Action::RenameTeam {
                external_id,
                from,
                to,
            } => {
                let n = node(&mut nodes, external_id);
                n.label = Some(to.to_string());
                n.notes.push(format!("renamed from “{from}”"));
            }
            Action::MoveTeam {
                external_id,
                from,
                to,
            } => {
                let n = node(&mut nodes, external_id);
                let from = from.as_deref().unwrap_or("the top level");
                n.notes.push(format!("moved here from {from}"));
                n.parent = to.as_deref().map(str::to_string);
            }
            Action::AddMembership { user, team, .. } => {
                node(&mut nodes, team)
                    .notes
                    .push(format!("new manager {user}"));
            }
            _ => {}
        }
    }
    // Parents that are not changed themselves are shown for context.
    let parents: Vec<String> = nodes.iter().filter_map(|n| n.parent.clone()).collect();
    for p in parents {
        node(&mut nodes, &p);
    }
    let mut lines = Vec::new();
    let mut shown = vec![false; nodes.len()];
    fn walk(
        nodes: &[Node],
        shown: &mut [bool],
        at: usize,
        depth: usize,
        lines: &mut Vec<TreeLine>,
    ) {
        if shown[at] {
            return;
        }
        shown[at] = true;
        let n = &nodes[at];
        // A changed team whose parent is not in view is named with its ID too, which places it.
        let team = match (&n.label, depth) {
            (Some(label), 0) if *label != n.id => format!("{label} ({})", n.id),
            (Some(label), _) => label.clone(),
            (None, _) => n.id.clone(),
        };
        lines.push(TreeLine {
            depth,
            team,
            note: n.notes.join("; "),
        });
        for (child, c) in nodes.iter().enumerate() {
            if c.parent.as_deref() == Some(n.id.as_str()) {
                walk(nodes, shown, child, depth + 1, lines);
            }
        }
    }
    for at in 0..nodes.len() {
        let root = match &nodes[at].parent {
            None => true,
            Some(p) => !nodes.iter().any(|n| &n.id == p),
        };
        if root {
            walk(&nodes, &mut shown, at, 0, &mut lines);
        }
    }
    // A cycle of moves has no root: shown flat rather than lost.
    for at in 0..nodes.len() {
        walk(&nodes, &mut shown, at, 0, &mut lines);
    }
    (planned_only, lines)
}

/// A kind of action, for people (plural, as a group title).
fn kind_title(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::CreateUser => "Users created",
        ActionKind::UpdateUser => "Users updated",
        ActionKind::PauseUser => "Users paused",
        ActionKind::ReactivateUser => "Users reactivated",
        ActionKind::CreateTeam => "Teams created",
        ActionKind::RenameTeam => "Teams renamed",
        ActionKind::MoveTeam => "Teams moved",
        ActionKind::AddMembership => "Memberships added",
        ActionKind::RemoveMembership => "Memberships removed",
        ActionKind::CreateSegment => "Segments created",
        ActionKind::AddSegmentConnection => "Segment connections added",
        ActionKind::RemoveSegmentConnection => "Segment connections removed",
    }
}

/// The full action list, grouped: failed actions first, then the actions done by kind, then
/// the actions not done by kind. Titles carry the count.
pub(crate) fn action_groups(report: &Report) -> Vec<(String, Vec<&ActionReport>)> {
    let mut groups = Vec::new();
    let failed: Vec<&ActionReport> = report.failed_actions().collect();
    if !failed.is_empty() {
        groups.push((format!("Failed ({})", failed.len()), failed));
    }
    for (ok, suffix) in [(true, ""), (false, ", not done")] {
        for kind in ActionKind::ALL {
            let of_kind: Vec<&ActionReport> = report
                .actions
                .iter()
                .filter(|a| a.action.action.kind() == kind)
                .filter(|a| match ok {
                    true => a.result.is_ok(),
                    false => matches!(a.result, Outcome::Skipped { .. }),
                })
                .collect();
            if !of_kind.is_empty() {
                let title = format!("{}{suffix} ({})", kind_title(kind), of_kind.len());
                groups.push((title, of_kind));
            }
        }
    }
    groups
}

/// The trend: the recorded runs before this one and this one, oldest first; empty when there
/// is nothing to compare with.
pub(crate) fn trend(report: &Report) -> Vec<TrendPoint> {
    if report.trend.is_empty() || report.guards.is_empty() {
        return Vec::new();
    }
    let mut points = report.trend.clone();
    points.push(TrendPoint::of(report));
    points
}

/// `n` of `max` as a whole number of `width` cells (at least 1 when `n` > 0).
pub(crate) fn cells(n: usize, max: usize, width: usize) -> usize {
    if n == 0 || max == 0 {
        return 0;
    }
    ((n * width).div_ceil(max)).clamp(1, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::PlannedAction;
    use crate::apply::report::Outcome;
    use crate::model::Because;

    fn done(action: Action) -> ActionReport {
        ActionReport {
            index: 0,
            action: PlannedAction {
                action,
                because: Because::new("group path = [A, B]", 5),
            },
            result: Outcome::ok("done"),
            earlier_run: false,
        }
    }

    #[test]
    fn team_changes_sit_under_their_parents_with_new_managers() {
        let team = |id: &str, name: &str, parent: Option<&str>| {
            done(Action::CreateTeam {
                external_id: id.into(),
                name: name.into(),
                parent: parent.map(Box::from),
            })
        };
        let mut r = crate::report::tests::report(vec![
            team("ops/north", "North", Some("ops")),
            team("ops/north/a", "Team A", Some("ops/north")),
            done(Action::MoveTeam {
                external_id: "hr".into(),
                from: None,
                to: Some("ops".into()),
            }),
            done(Action::AddMembership {
                user: "anna@x".into(),
                team: "ops/north".into(),
                role: Role::Manager,
            }),
            done(Action::AddMembership {
                user: "bo@x".into(),
                team: "ops/north".into(),
                role: Role::Member,
            }),
        ]);
        r.status = RunStatus::Success;
        let (planned_only, tree) = team_tree(&r);
        assert!(!planned_only);
        let lines: Vec<(usize, &str, &str)> = tree
            .iter()
            .map(|t| (t.depth, t.team.as_str(), t.note.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (0, "ops", ""),
                (1, "North", "new team; new manager anna@x"),
                (2, "Team A", "new team"),
                (1, "hr", "moved here from the top level"),
            ]
        );
    }

    #[test]
    fn a_guard_that_stopped_the_run_is_a_gauge_with_next_steps() {
        let mut r = crate::report::tests::report(Vec::new());
        r.status = RunStatus::GuardAborted;
        r.guards = vec![GuardOutcome {
            guard: "pauses <= 5%".into(),
            because: Because::new("guard pauses <= 5%", 54),
            limit: GuardLimit::Percent(5.0),
            actual: Some(94.4),
            passed: false,
            overridden: false,
            override_flag: "--allow-mass-pause".into(),
            message: "guard `pauses <= 5%` at line 54: this plan pauses 34 of 36 active users (94.4%); nothing was applied. If this is intended, re-run with --allow-mass-pause".into(),
        }];
        let g = gauges(&r);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].measured, "would pause 34 of 36 active users (94.4%)");
        assert_eq!(g[0].limit, "the limit is 5 %");
        assert!((g[0].value - 0.944).abs() < 1e-9 && (g[0].at - 0.05).abs() < 1e-9);
        assert!(
            g[0].hr
                .starts_with("Check whether the HR export is complete")
        );
        assert!(g[0].operator.contains("--allow-mass-pause"));
        assert_eq!(
            sentence(&r),
            "Nothing was changed: the run stopped because it would pause 34 of 36 active users (94.4%)."
        );
    }
}
