//! `wtmap explain MAPPING --records FILE RECORD-ID`: one record end to end: every statement
//! that applied and its value, the matched Winningtemp user, and the resulting actions.

use super::plan::{InputArgs, compute};
use super::{ColorChoice, exit};
use crate::action::Action;
use crate::builtins::Context;
use crate::escape::line;
use crate::eval::{Outcome, trace_record};
use crate::model::CurrentUser;
use crate::plan::render_actions;
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The mapping.
    pub mapping: PathBuf,
    /// The record: its external ID, its username/email, or `#N` for the N-th record of the file.
    pub record: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs `explain`.
pub fn run(args: ExplainArgs, color: ColorChoice) -> u8 {
    let c = match compute(&args.mapping, &args.input, color, true) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let today = args
        .input
        .today
        .unwrap_or_else(|| crate::sync::today_in(&c.program));
    let ctx = Context { today };
    let wanted = args.record.trim();
    let by_position = wanted
        .strip_prefix('#')
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = by_position
        && (n == 0 || n > c.records.len())
    {
        eprintln!(
            "error: there is no record #{n}: the records hold {} record{} (#1 to #{})",
            c.records.len(),
            if c.records.len() == 1 { "" } else { "s" },
            c.records.len()
        );
        return exit::USAGE;
    }
    // A record is found by its external ID, its position `#N`, or its username/email
    // (case-insensitively: people paste addresses as they see them).
    let mut names: Vec<String> = Vec::new();
    let found = c.records.iter().find_map(|r| {
        let (outcome, steps) = trace_record(&c.program, r, &ctx);
        let (id, username) = match &outcome {
            Outcome::User(u) => (
                Some(u.external_id.clone()),
                u.attributes.text("username").map(str::to_string),
            ),
            Outcome::Skipped(skip) => (skip.external_id.clone(), skip.username.clone()),
            Outcome::Quarantined(q) => (q.external_id.clone(), q.username.clone()),
        };
        let hit = match by_position {
            Some(n) => r.origin.index + 1 == n,
            None => {
                id.as_deref() == Some(wanted)
                    || username
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(wanted))
            }
        };
        if !hit {
            names.extend(id.clone());
            names.extend(username);
        }
        hit.then_some((r, outcome, steps, id))
    });
    let Some((record, outcome, steps, id)) = found else {
        eprintln!(
            "error: no record has the external ID or email `{wanted}` (searched {} record{})",
            c.records.len(),
            if c.records.len() == 1 { "" } else { "s" }
        );
        match crate::suggest::did_you_mean(wanted, names.iter().map(String::as_str)) {
            Some(close) => eprintln!("help: did you mean `{close}`?"),
            None => eprintln!(
                "help: give a record's external ID, its email, or `#N` for the N-th record (#1 to #{})",
                c.records.len()
            ),
        }
        return exit::USAGE;
    };
    let mut out = String::new();
    let place = record
        .origin
        .line
        .map_or(format!("record {}", record.origin.index + 1), |l| {
            format!("record {}, line {l}", record.origin.index + 1)
        });
    let _ = writeln!(
        out,
        "Record {} ({place})\n",
        line(id.as_deref().unwrap_or("without external ID"))
    );
    let width = steps
        .iter()
        .map(|s| line(s.because.statement()).chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    for s in &steps {
        let _ = writeln!(
            out,
            "  line {:>3}  {:<width$}  → {}",
            s.because.line(),
            line(s.because.statement()),
            line(&s.result.to_string())
        );
    }
    out.push('\n');
    match &outcome {
        // Cross-record checks (duplicate keys) can still quarantine a record that mapped.
        Outcome::User(u) if !c.desired.users.contains_key(&u.external_id) => {
            let position = record.origin.index + 1;
            for q in c.desired.quarantined.iter().filter(|q| {
                // Position 0: quarantined after mapping (a person whose org unit is missing),
                // where the position is not kept; the external ID names them alone.
                q.external_id.as_deref() == Some(u.external_id.as_str())
                    && (q.position == position || q.position == 0)
            }) {
                let _ = writeln!(
                    out,
                    "Outcome: quarantined ({}) across records: {}\nIts Winningtemp user (if any) is left exactly as it is.",
                    line(&q.code),
                    line(&q.reason)
                );
            }
        }
        Outcome::User(u) => {
            let _ = writeln!(out, "Outcome: mapped to user {}", line(&u.external_id));
        }
        Outcome::Skipped(skip) => {
            let because = &skip.because;
            let _ = writeln!(
                out,
                "Outcome: skipped by `{}` (line {}): not synced, and its Winningtemp user (if any) is left alone",
                line(because.statement()),
                because.line()
            );
        }
        Outcome::Quarantined(q) => {
            let _ = writeln!(
                out,
                "Outcome: quarantined ({}) at `{}` (line {}): {}\nIts Winningtemp user (if any) is left exactly as it is.",
                q.code.as_str(),
                line(q.because.statement()),
                q.because.line(),
                line(&q.reason)
            );
        }
    }
    if let Outcome::User(u) = &outcome
        && let Some(unit) = &u.unit
    {
        let _ = writeln!(out, "Org unit: {}", line(&c.units.describe_chain(unit)));
    }
    let username = match &outcome {
        Outcome::User(u) => u.attributes.get("username").map(|v| v.to_string()),
        Outcome::Skipped(skip) => skip.username.clone(),
        Outcome::Quarantined(q) => q.username.clone(),
    };
    let matched = matched_user(&c.current.users, id.as_deref(), username.as_deref());
    match matched {
        Some(u) => {
            let _ = writeln!(
                out,
                "Winningtemp user: {} (external ID {}, {})",
                line(&u.username),
                line(u.external_id.as_deref().unwrap_or("none: not linked yet")),
                if u.status == crate::model::UserStatus::Active {
                    "active"
                } else {
                    "paused"
                }
            );
        }
        None => out.push_str("Winningtemp user: none yet\n"),
    }
    for w in c
        .plan
        .warnings
        .iter()
        .filter(|w| w.record_id.is_some() && w.record_id == id)
    {
        let _ = writeln!(out, "Warning {}: {}", line(&w.code), line(&w.message));
    }
    let names: Vec<String> = [
        id.clone(),
        username.clone(),
        matched.map(|u| u.username.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let actions: Vec<_> = c
        .plan
        .actions
        .iter()
        .filter(|a| concerns(&a.action, &names))
        .cloned()
        .collect();
    if actions.is_empty() {
        out.push_str("\nActions: none\n");
    } else {
        let _ = write!(
            out,
            "\nActions:{}",
            render_actions(&actions, color.stdout())
        );
    }
    print!("{out}");
    exit::OK
}

fn matched_user<'a>(
    users: &'a [CurrentUser],
    id: Option<&str>,
    username: Option<&str>,
) -> Option<&'a CurrentUser> {
    users
        .iter()
        .find(|u| id.is_some() && u.external_id.as_deref() == id)
        .or_else(|| {
            let name = username?.to_lowercase();
            users
                .iter()
                .find(|u| u.external_id.is_none() && u.username.to_lowercase() == name)
        })
}

fn concerns(action: &Action, names: &[String]) -> bool {
    let is = |s: &str| names.iter().any(|n| n == s);
    match action {
        Action::CreateUser {
            external_id,
            username,
            ..
        } => is(external_id) || is(username),
        Action::UpdateUser {
            external_id,
            username,
            ..
        }
        | Action::ReactivateUser {
            external_id,
            username,
            ..
        } => is(external_id) || is(username),
        Action::PauseUser {
            external_id,
            username,
            ..
        } => external_id.as_deref().is_some_and(is) || is(username),
        Action::AddMembership { user, .. } | Action::RemoveMembership { user, .. } => is(user),
        Action::AddSegmentConnection { user, .. }
        | Action::RemoveSegmentConnection { user, .. } => is(user),
        _ => false,
    }
}
