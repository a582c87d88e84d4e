//! Applying a plan to Winningtemp over SCIM.
//!
//! The executor runs the plan in phases — teams (groups), then users (creates, updates,
//! reactivations), then memberships (batched per group), then pauses — with every request of a
//! phase in flight concurrently up to the client's limit. Each outcome is appended to the run's
//! journal as soon as it is known. A failed action is reported with the server's message; the
//! rest continue, and actions that depend on a failed one are skipped with the reason.
//!
//! Resuming: a run that was killed has a journal without `end`. The next apply of the mapping
//! re-reads the directory, then runs every action of that plan that has no `ok` outcome. That
//! is safe because each action is checked against the fresh directory first: a user or team
//! whose `externalId` exists is not created again, members already in (or out of) a group are
//! left out of the batch, and the remaining requests (PATCH `replace`) are idempotent.

pub mod files;
pub mod journal;
pub mod report;
mod run_unit;
pub mod session;
mod units;

use crate::plan::Plan;
use crate::winningtemp::scim::{Directory, ScimTarget};
use journal::{Entry, Journal, now};
use report::{ActionReport, ApplyReport, Outcome, OutcomeSummary};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use units::{Done, Effect, Phase, Unit};

/// What the executor needs besides the plan.
pub struct Run<'a> {
    /// The mapping's name, for the report.
    pub mapping: &'a str,
    /// The target.
    pub target: &'a ScimTarget,
    /// The directory as read just before (IDs, members, current values).
    pub directory: Directory,
    /// Outcomes an interrupted earlier run of the same plan recorded.
    pub previous: BTreeMap<usize, Outcome>,
    /// True when finishing an interrupted run.
    pub resumed: bool,
}

/// Executes `plan`, journaling every outcome, and ends the journal. Fails only when the
/// journal cannot be written: without the record, going on would be unsafe.
pub async fn execute(
    plan: &Plan,
    run: Run<'_>,
    journal: &mut Journal,
) -> std::io::Result<ApplyReport> {
    let started = std::time::Instant::now();
    let stats = run.target.client.stats.clone();
    let before = (
        stats.requests.load(Ordering::Relaxed),
        stats.retries.load(Ordering::Relaxed),
        stats.throttled.load(Ordering::Relaxed),
    );
    // What the server supports decides how changes travel; the journal records it.
    let server = run.target.client.capabilities().await.clone();
    journal.append(&Entry::Server {
        at: now(),
        capabilities: server.clone(),
    })?;
    let mut dir = run.directory;
    let n = plan.actions.len();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let todo: Vec<usize> = (0..n)
        .filter(|i| !run.previous.get(i).is_some_and(Outcome::is_ok))
        .collect();

    let mut phases: BTreeMap<Phase, Vec<usize>> = BTreeMap::new();
    let mut unsupported = Vec::new();
    for &i in &todo {
        match units::phase_of(&plan.actions[i].action) {
            Ok(phase) => phases.entry(phase).or_default().push(i),
            Err(reason) => unsupported.push(Done {
                indices: vec![i],
                outcome: Outcome::skipped(reason),
                effect: Effect::None,
            }),
        }
    }
    record(journal, &mut outcomes, &mut dir, unsupported)?;

    let target = Arc::new(run.target.clone());
    for (phase, indices) in phases {
        let mut tasks = tokio::task::JoinSet::new();
        let mut built = units::build(phase, plan, &indices, &dir);
        if phase == Phase::Users && run.target.bulk && server.bulk {
            built = run_unit::bulk_units(built, &server, run.target);
        }
        for unit in built {
            let target = target.clone();
            tasks.spawn(async move { Unit::run(unit, &target).await });
        }
        while let Some(joined) = tasks.join_next().await {
            // Everything else finished meanwhile is journaled with it, under one fsync.
            let mut finished = vec![joined];
            while let Some(more) = tasks.try_join_next() {
                finished.push(more);
            }
            // A unit cannot panic by design; if one did, its actions get "not run" below.
            let dones: Vec<Done> = finished
                .into_iter()
                .filter_map(Result::ok)
                .flatten()
                .collect();
            record(journal, &mut outcomes, &mut dir, dones)?;
        }
        for &i in &indices {
            if outcomes[i].is_none() {
                let d = Done {
                    indices: vec![i],
                    outcome: Outcome::failed("not run: internal error in its request"),
                    effect: Effect::None,
                };
                record(journal, &mut outcomes, &mut dir, vec![d])?;
            }
        }
    }

    let actions: Vec<ActionReport> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(index, action)| {
            let (result, earlier_run) = match (&outcomes[index], run.previous.get(&index)) {
                (Some(o), _) => (o.clone(), false),
                (None, Some(o)) => (o.clone(), true),
                (None, None) => (Outcome::failed("not run"), false),
            };
            ActionReport {
                index,
                action: action.clone(),
                result,
                earlier_run,
            }
        })
        .collect();
    let summary = OutcomeSummary::of(actions.iter().map(|a| &a.result));
    journal.append(&Entry::End {
        at: now(),
        ok: summary.ok,
        failed: summary.failed,
        skipped: summary.skipped,
        abandoned: false,
    })?;
    Ok(ApplyReport {
        format: report::APPLY_FORMAT.to_string(),
        mapping: run.mapping.to_string(),
        run: journal.run().to_string(),
        journal: journal.path().display().to_string(),
        resumed: run.resumed,
        concurrency: run.target.client.concurrency(),
        requests: stats.requests.load(Ordering::Relaxed) - before.0,
        retries: stats.retries.load(Ordering::Relaxed) - before.1,
        throttled: stats.throttled.load(Ordering::Relaxed) - before.2,
        seconds: started.elapsed().as_secs_f64(),
        server: Some(server),
        summary,
        actions,
    })
}

/// Journals outcomes (one write, one fsync), then records them and their effects on the
/// directory.
fn record(
    journal: &mut Journal,
    outcomes: &mut [Option<Outcome>],
    dir: &mut Directory,
    dones: Vec<Done>,
) -> std::io::Result<()> {
    let entries: Vec<Entry> = dones
        .iter()
        .filter(|d| !d.indices.is_empty())
        .map(|d| Entry::Outcome {
            at: now(),
            actions: d.indices.clone(),
            result: d.outcome.clone(),
        })
        .collect();
    journal.append_all(&entries)?;
    for d in dones {
        for i in &d.indices {
            if let Some(slot) = outcomes.get_mut(*i) {
                *slot = Some(d.outcome.clone());
            }
        }
        apply_effect(dir, d.effect);
    }
    Ok(())
}

/// Keeps the directory in step with what the server now holds.
fn apply_effect(dir: &mut Directory, effect: Effect) {
    match effect {
        Effect::None => {}
        Effect::User(user) => dir.put_user(user),
        Effect::Group(group) => dir.put_group(group),
        Effect::Updated {
            id,
            username,
            external_id,
        } => {
            if let Some(name) = username {
                dir.rename_user(&id, &name);
            }
            if let Some(ext) = external_id
                && let Some(mut user) = dir.users.get(&id).cloned()
            {
                user.external_id = Some(ext);
                dir.put_user(user);
            }
        }
        Effect::Members {
            group,
            added,
            removed,
        } => {
            if let Some(g) = dir.groups.get_mut(&group) {
                g.members.extend(added);
                for id in removed {
                    g.members.remove(&id);
                }
            }
        }
    }
}
