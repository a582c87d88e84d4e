//! A direct writer for the JSON plan: the bytes `serde_json::to_string_pretty` writes for a
//! [`Plan`], without going through serde. serde_json's pretty printer makes a handful of tiny
//! writes per key and value and escapes strings a byte at a time, which cost about fifteen
//! instructions per output byte: the largest part of `wtmap plan --format json` after
//! evaluation and diff. Here the layout of a plan is known, so keys and indentation are
//! copied in a few pieces and strings are scanned for characters to escape eight bytes at a
//! time.
//!
//! serde stays the definition of the format: the derives are what plans are read back with
//! and what the apply report and journal use, and plan/tests/json.rs checks that this writer and
//! `to_string_pretty` agree byte for byte on every action kind, option, empty list and
//! escape. Every struct is destructured in full, so a new field fails to compile here rather
//! than going missing from plans.

use super::json_layout::{
    array, boolean, close, close_unless_empty, float, key, number, optional_field, separator,
    string, tag, text_field,
};
use super::{Plan, Summary};
use crate::action::{Action, Change, PlannedAction};
use crate::guard::GuardOutcome;
use crate::model::{
    AttrRef, Because, FieldFill, GuardLimit, NewUserAttributes, QuarantinedRecord, Role,
    RunWarning, SkippedRecord, UserStatus,
};
use std::io;

/// Writes `plan` as pretty JSON with a final newline into `out`, calling `spill` after every
/// element of the plan's lists so that the caller can pass the bytes on and clear `out`.
/// `write_actions` writes the elements of the `actions` list (the bulk of a plan) after its
/// `[`: [`write_actions_in_turn`], or the same bytes made on several threads.
pub(super) fn write_plan<F>(
    plan: &Plan,
    out: &mut Vec<u8>,
    mut spill: F,
    write_actions: impl FnOnce(&[PlannedAction], &mut Vec<u8>, &mut F) -> io::Result<()>,
) -> io::Result<()>
where
    F: FnMut(&mut Vec<u8>) -> io::Result<()>,
{
    let Plan {
        format,
        mapping,
        inputs,
        source_records,
        summary,
        actions,
        skipped,
        quarantined,
        warnings,
        guards,
        fill_rates,
        team_tree: _,
    } = plan;
    out.push(b'{');
    key(out, 1, true, "format");
    string(out, format);
    key(out, 1, false, "mapping");
    string(out, mapping);
    if let Some(i) = inputs {
        key(out, 1, false, "inputs");
        out.push(b'{');
        key(out, 2, true, "mapping");
        string(out, &i.mapping);
        key(out, 2, false, "mapping_sha256");
        string(out, &i.mapping_sha256);
        key(out, 2, false, "target");
        string(out, &i.target);
        key(out, 2, false, "state_sha256");
        string(out, &i.state_sha256);
        close(out, 1, b'}');
    }
    key(out, 1, false, "source_records");
    number(out, *source_records as u64);
    key(out, 1, false, "summary");
    write_summary(out, summary);
    key(out, 1, false, "actions");
    out.push(b'[');
    write_actions(actions, out, &mut spill)?;
    close_unless_empty(out, 1, actions.is_empty(), b']');
    key(out, 1, false, "skipped");
    array(out, 1, skipped, &mut spill, write_skipped)?;
    key(out, 1, false, "quarantined");
    array(out, 1, quarantined, &mut spill, write_quarantined)?;
    key(out, 1, false, "warnings");
    array(out, 1, warnings, &mut spill, write_warning)?;
    key(out, 1, false, "guards");
    array(out, 1, guards, &mut spill, write_guard)?;
    if !fill_rates.is_empty() {
        key(out, 1, false, "fill_rates");
        array(out, 1, fill_rates, &mut spill, write_fill)?;
    }
    out.extend_from_slice(b"\n}\n");
    spill(out)
}

fn write_summary(out: &mut Vec<u8>, summary: &Summary) {
    let Summary {
        create_user,
        update_user,
        link_user,
        pause_user,
        reactivate_user,
        create_team,
        rename_team,
        move_team,
        add_membership,
        remove_membership,
        create_segment,
        add_segment_connection,
        remove_segment_connection,
        total,
    } = summary;
    out.push(b'{');
    let counts = [
        ("create_user", create_user),
        ("update_user", update_user),
        ("link_user", link_user),
        ("pause_user", pause_user),
        ("reactivate_user", reactivate_user),
        ("create_team", create_team),
        ("rename_team", rename_team),
        ("move_team", move_team),
        ("add_membership", add_membership),
        ("remove_membership", remove_membership),
        ("create_segment", create_segment),
        ("add_segment_connection", add_segment_connection),
        ("remove_segment_connection", remove_segment_connection),
        ("total", total),
    ];
    for (i, (name, count)) in counts.into_iter().enumerate() {
        key(out, 2, i == 0, name);
        number(out, *count as u64);
    }
    close(out, 1, b'}');
}

/// The elements of the `actions` list, one after the other, spilling after each.
pub(super) fn write_actions_in_turn<F>(
    actions: &[PlannedAction],
    out: &mut Vec<u8>,
    spill: &mut F,
) -> io::Result<()>
where
    F: FnMut(&mut Vec<u8>) -> io::Result<()>,
{
    for (i, planned) in actions.iter().enumerate() {
        write_action_element(out, i == 0, planned);
        spill(out)?;
    }
    Ok(())
}

/// One element of the `actions` list: the separator before it (none before the first), then
/// the action.
pub(super) fn write_action_element(out: &mut Vec<u8>, first: bool, planned: &PlannedAction) {
    separator(out, 2, first);
    write_action(out, planned);
}

/// An action object at depth 2 (an element of `actions`).
fn write_action(out: &mut Vec<u8>, planned: &PlannedAction) {
    const D: usize = 3;
    let PlannedAction { action, because } = planned;
    out.push(b'{');
    key(out, D, true, "action");
    tag(out, action.kind().as_str());
    match action {
        Action::CreateUser {
            external_id,
            username,
            attributes,
            status,
        } => {
            text_field(out, D, "external_id", external_id);
            text_field(out, D, "username", username);
            key(out, D, false, "attributes");
            write_attributes(out, D, attributes);
            key(out, D, false, "status");
            tag(out, status_tag(*status));
        }
        Action::UpdateUser {
            external_id,
            username,
            changes,
            link,
        } => {
            text_field(out, D, "external_id", external_id);
            text_field(out, D, "username", username);
            key(out, D, false, "changes");
            write_changes(out, D, changes);
            key(out, D, false, "link");
            boolean(out, *link);
        }
        Action::PauseUser {
            external_id,
            username,
        } => {
            optional_field(out, D, "external_id", external_id.as_deref());
            text_field(out, D, "username", username);
        }
        Action::ReactivateUser {
            external_id,
            username,
        } => {
            text_field(out, D, "external_id", external_id);
            text_field(out, D, "username", username);
        }
        Action::CreateTeam {
            external_id,
            name,
            parent,
        } => {
            text_field(out, D, "external_id", external_id);
            text_field(out, D, "name", name);
            optional_field(out, D, "parent", parent.as_deref());
        }
        Action::RenameTeam {
            external_id,
            from,
            to,
        } => {
            text_field(out, D, "external_id", external_id);
            text_field(out, D, "from", from);
            text_field(out, D, "to", to);
        }
        Action::MoveTeam {
            external_id,
            from,
            to,
        } => {
            text_field(out, D, "external_id", external_id);
            optional_field(out, D, "from", from.as_deref());
            optional_field(out, D, "to", to.as_deref());
        }
        Action::AddMembership { user, team, role }
        | Action::RemoveMembership { user, team, role } => {
            text_field(out, D, "user", user);
            text_field(out, D, "team", team);
            key(out, D, false, "role");
            tag(out, role_tag(*role));
        }
        Action::CreateSegment {
            external_id,
            name,
            category,
        } => {
            text_field(out, D, "external_id", external_id);
            text_field(out, D, "name", name);
            text_field(out, D, "category", category);
        }
        Action::AddSegmentConnection { user, segment }
        | Action::RemoveSegmentConnection { user, segment } => {
            text_field(out, D, "user", user);
            text_field(out, D, "segment", segment);
        }
    }
    key(out, D, false, "because");
    write_because(out, D, because);
    close(out, D - 1, b'}');
}

/// `attributes` of a created user, the value of a key at `depth`.
fn write_attributes(out: &mut Vec<u8>, depth: usize, attributes: &NewUserAttributes) {
    out.push(b'{');
    for (i, (name, value)) in attributes.iter().enumerate() {
        separator(out, depth + 1, i == 0);
        string(out, name);
        out.extend_from_slice(b": ");
        write_value(out, Some(value));
    }
    close_unless_empty(out, depth, attributes.is_empty(), b'}');
}

/// `changes` of an update, the value of a key at `depth`.
fn write_changes(out: &mut Vec<u8>, depth: usize, changes: &[Change]) {
    out.push(b'[');
    for (i, change) in changes.iter().enumerate() {
        let Change {
            attribute,
            from,
            to,
            because,
        } = change;
        let d = depth + 2;
        separator(out, depth + 1, i == 0);
        out.push(b'{');
        key(out, d, true, "attribute");
        string(out, attribute);
        key(out, d, false, "from");
        write_value(out, from.as_ref().map(AttrRef::from));
        key(out, d, false, "to");
        write_value(out, to.as_ref().map(AttrRef::from));
        // `skip_serializing_if = "Option::is_none"` on `Change::because`.
        if let Some(because) = because {
            key(out, d, false, "because");
            write_because(out, d, because);
        }
        close(out, depth + 1, b'}');
    }
    close_unless_empty(out, depth, changes.is_empty(), b']');
}

/// A `because` object, the value of a key at `depth`.
fn write_because(out: &mut Vec<u8>, depth: usize, because: &Because) {
    out.push(b'{');
    key(out, depth + 1, true, "statement");
    string(out, because.statement());
    key(out, depth + 1, false, "line");
    number(out, because.line() as u64);
    close(out, depth, b'}');
}

fn optional_string(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => string(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn optional_number(out: &mut Vec<u8>, value: Option<usize>) {
    match value {
        Some(value) => number(out, value as u64),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_skipped(out: &mut Vec<u8>, skipped: &SkippedRecord) {
    const D: usize = 3;
    let SkippedRecord {
        record_id,
        position,
        line,
        external_id,
        username,
        because,
        name: _,
    } = skipped;
    out.push(b'{');
    key(out, D, true, "record_id");
    optional_string(out, record_id.as_deref());
    key(out, D, false, "position");
    number(out, *position as u64);
    key(out, D, false, "line");
    optional_number(out, *line);
    optional_field(out, D, "external_id", external_id.as_deref());
    optional_field(out, D, "username", username.as_deref());
    key(out, D, false, "because");
    write_because(out, D, because);
    close(out, D - 1, b'}');
}

fn write_quarantined(out: &mut Vec<u8>, quarantined: &QuarantinedRecord) {
    const D: usize = 3;
    let QuarantinedRecord {
        record_id,
        position,
        line,
        external_id,
        username,
        code,
        reason,
        because,
        name: _,
    } = quarantined;
    out.push(b'{');
    key(out, D, true, "record_id");
    optional_string(out, record_id.as_deref());
    key(out, D, false, "position");
    number(out, *position as u64);
    key(out, D, false, "line");
    optional_number(out, *line);
    optional_field(out, D, "external_id", external_id.as_deref());
    optional_field(out, D, "username", username.as_deref());
    text_field(out, D, "code", code);
    text_field(out, D, "reason", reason);
    key(out, D, false, "because");
    write_because(out, D, because);
    close(out, D - 1, b'}');
}

fn write_warning(out: &mut Vec<u8>, warning: &RunWarning) {
    const D: usize = 3;
    let RunWarning {
        code,
        record_id,
        message,
    } = warning;
    out.push(b'{');
    key(out, D, true, "code");
    string(out, code);
    optional_field(out, D, "record_id", record_id.as_deref());
    text_field(out, D, "message", message);
    close(out, D - 1, b'}');
}

fn write_guard(out: &mut Vec<u8>, guard: &GuardOutcome) {
    const D: usize = 3;
    let GuardOutcome {
        guard,
        because,
        limit,
        actual,
        passed,
        overridden,
        override_flag,
        message,
    } = guard;
    out.push(b'{');
    key(out, D, true, "guard");
    string(out, guard);
    key(out, D, false, "because");
    write_because(out, D, because);
    // Externally tagged: `{"count": 1}`, `{"percent": 1.0}`.
    key(out, D, false, "limit");
    out.push(b'{');
    match limit {
        GuardLimit::Count(count) => {
            key(out, D + 1, true, "count");
            number(out, *count);
        }
        GuardLimit::Percent(percent) => {
            key(out, D + 1, true, "percent");
            float(out, *percent);
        }
    }
    close(out, D, b'}');
    key(out, D, false, "actual");
    match actual {
        Some(actual) => float(out, *actual),
        None => out.extend_from_slice(b"null"),
    }
    key(out, D, false, "passed");
    boolean(out, *passed);
    key(out, D, false, "overridden");
    boolean(out, *overridden);
    text_field(out, D, "override_flag", override_flag);
    text_field(out, D, "message", message);
    close(out, D - 1, b'}');
}

fn write_fill(out: &mut Vec<u8>, fill: &FieldFill) {
    const D: usize = 3;
    let FieldFill {
        field,
        filled,
        percent,
        last_run_percent,
    } = fill;
    out.push(b'{');
    key(out, D, true, "field");
    string(out, field);
    key(out, D, false, "filled");
    number(out, *filled as u64);
    key(out, D, false, "percent");
    float(out, *percent);
    if let Some(last) = last_run_percent {
        key(out, D, false, "last_run_percent");
        float(out, *last);
    }
    close(out, D - 1, b'}');
}

fn status_tag(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::Paused => "paused",
    }
}

fn role_tag(role: Role) -> &'static str {
    match role {
        Role::Member => "member",
        Role::Manager => "manager",
    }
}

/// An attribute value (untagged: text or boolean), or `null`.
fn write_value(out: &mut Vec<u8>, value: Option<AttrRef<'_>>) {
    match value {
        Some(AttrRef::Text(text)) => string(out, text),
        Some(AttrRef::Bool(b)) => boolean(out, b),
        None => out.extend_from_slice(b"null"),
    }
}
