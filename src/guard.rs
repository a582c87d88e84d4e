//! Guards: safety limits checked on a plan before anything is written (product requirement 1).
//!
//! Always checked: the source is not empty. Then every `guard` of the mapping; when the mapping
//! writes no pause guard the defaults `pauses <= 10%` and `pauses <= 50` apply, and when it
//! writes no source guard `source >= 80% of last_run` applies (docs/plan.md, "Guards").

use crate::model::{
    Because, CurrentState, DesiredState, Guard, GuardLimit, GuardSubject, Rules, UserRemoval,
    UserStatus,
};
use crate::plan::{Action, PlannedAction};
use serde::{Deserialize, Serialize};

/// Default pause limit in percent of active managed users (Okta warns at 20%; we are stricter).
pub const DEFAULT_PAUSE_PERCENT: f64 = 10.0;
/// Default absolute pause limit (Entra Connect stops at 500 deletes; we are stricter).
pub const DEFAULT_PAUSE_COUNT: u64 = 50;
/// Default minimum source size in percent of the last run.
pub const DEFAULT_SOURCE_PERCENT: f64 = 80.0;

/// Command-line overrides for failed guards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allow {
    /// `--allow-mass-pause`: pause guards may fail.
    pub pauses: bool,
    /// `--allow-empty-source`: the source may deliver no records.
    pub empty_source: bool,
    /// `--allow-source-drop`: source guards may fail.
    pub source_drop: bool,
}

/// Everything guards look at.
#[derive(Debug, Clone, Copy)]
pub struct GuardInput<'a> {
    /// The planned actions.
    pub actions: &'a [PlannedAction],
    /// The desired state (for the number of source records).
    pub desired: &'a DesiredState,
    /// The current state (active users, last run's record count).
    pub current: &'a CurrentState,
    /// The rules (which users count as managed for percentages).
    pub rules: &'a Rules,
    /// The mapping's `guard` statements.
    pub guards: &'a [Guard],
    /// Overrides from the command line.
    pub allow: Allow,
}

/// The result of one guard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardOutcome {
    /// The guard as written (`pauses <= 5%`, `source >= 90% of last_run`, `source is not empty`).
    pub guard: String,
    /// The statement, or `default guard …` (line 0) for built-in guards.
    pub because: Because,
    /// The limit.
    pub limit: GuardLimit,
    /// The measured value, in the limit's unit (count or percent); `None` when unknown.
    pub actual: Option<f64>,
    /// True when the limit held (or could not be checked).
    pub passed: bool,
    /// True when it failed but the override flag was given.
    pub overridden: bool,
    /// The flag that overrides it (`--allow-mass-pause`).
    pub override_flag: String,
    /// The outcome in one sentence.
    pub message: String,
}

/// True when the plan may be applied: every guard passed or was overridden.
pub fn guards_passed(outcomes: &[GuardOutcome]) -> bool {
    outcomes.iter().all(|o| o.passed || o.overridden)
}

/// The mapping's guards plus the defaults for subjects it does not guard.
pub fn effective_guards(guards: &[Guard]) -> Vec<Guard> {
    let mut all = guards.to_vec();
    let default = |subject, upper_bound, limit, statement: &str| Guard {
        subject,
        upper_bound,
        limit,
        because: Because {
            statement: statement.to_string(),
            line: 0,
        },
    };
    if !guards.iter().any(|g| g.subject == GuardSubject::Pauses) {
        let (p, n) = (DEFAULT_PAUSE_PERCENT, DEFAULT_PAUSE_COUNT);
        all.push(default(
            GuardSubject::Pauses,
            true,
            GuardLimit::Percent(p),
            "default guard",
        ));
        all.push(default(
            GuardSubject::Pauses,
            true,
            GuardLimit::Count(n),
            "default guard",
        ));
    }
    if !guards.iter().any(|g| g.subject == GuardSubject::Source) {
        let p = GuardLimit::Percent(DEFAULT_SOURCE_PERCENT);
        all.push(default(GuardSubject::Source, false, p, "default guard"));
    }
    all
}

/// Checks the built-in empty-source guard and every effective guard.
pub fn check_guards(input: &GuardInput<'_>) -> Vec<GuardOutcome> {
    let records = input.desired.source_records;
    let empty_flag = "--allow-empty-source";
    let mut outcomes = vec![outcome(
        "source is not empty".to_string(),
        Because {
            statement: "built-in guard".to_string(),
            line: 0,
        },
        GuardLimit::Count(1),
        Some(records as f64),
        records > 0,
        input.allow.empty_source,
        empty_flag,
        if records > 0 {
            format!("the source delivered {records} records")
        } else {
            "the source delivered no records".to_string()
        },
    )];
    for guard in effective_guards(input.guards) {
        outcomes.push(match guard.subject {
            GuardSubject::Pauses => check_pauses(input, &guard),
            GuardSubject::Source => check_source(input, &guard),
        });
    }
    outcomes
}

fn check_pauses(input: &GuardInput<'_>, guard: &Guard) -> GuardOutcome {
    let pauses = input
        .actions
        .iter()
        .filter(|a| matches!(a.action, Action::PauseUser { .. }))
        .count();
    let active = input
        .current
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Active)
        .filter(|u| input.rules.user_removal == UserRemoval::All || u.external_id.is_some())
        .count();
    let percent = percent_of(pauses, active);
    let actual = match guard.limit {
        GuardLimit::Count(_) => pauses as f64,
        GuardLimit::Percent(_) => percent,
    };
    outcome(
        describe(guard),
        guard.because.clone(),
        guard.limit,
        Some(actual),
        holds(guard, actual),
        input.allow.pauses,
        "--allow-mass-pause",
        format!(
            "this plan pauses {pauses} of {active} active users ({})",
            percent_text(percent)
        ),
    )
}

fn check_source(input: &GuardInput<'_>, guard: &Guard) -> GuardOutcome {
    let records = input.desired.source_records;
    let flag = "--allow-source-drop";
    let (actual, message) = match (guard.limit, input.current.last_run_source_records) {
        (GuardLimit::Count(_), _) => (
            Some(records as f64),
            format!("the source delivered {records} records"),
        ),
        (GuardLimit::Percent(_), Some(last)) => {
            let percent = percent_of(records, last);
            let text = format!(
                "the source delivered {records} records, {} of the {last} of the last run",
                percent_text(percent)
            );
            (Some(percent), text)
        }
        (GuardLimit::Percent(_), None) => {
            let text = "not checked: the record count of the last run is unknown (first run?)";
            (None, text.to_string())
        }
    };
    let passed = actual.is_none_or(|a| holds(guard, a));
    let (because, limit) = (guard.because.clone(), guard.limit);
    outcome(
        describe(guard),
        because,
        limit,
        actual,
        passed,
        input.allow.source_drop,
        flag,
        message,
    )
}

#[allow(clippy::too_many_arguments)] // one private constructor, called with named locals
fn outcome(
    guard: String,
    because: Because,
    limit: GuardLimit,
    actual: Option<f64>,
    passed: bool,
    allowed: bool,
    flag: &str,
    detail: String,
) -> GuardOutcome {
    let at = match because.line {
        // Built-in guards have no line; their statement says what they are.
        0 => format!("{} `{guard}`", because.statement),
        line => format!("guard `{guard}` at line {line}"),
    };
    let overridden = !passed && allowed;
    let message = if passed {
        format!("{at}: {detail}")
    } else if overridden {
        format!("{at}: {detail}; allowed by {flag}")
    } else {
        format!("{at}: {detail}; nothing was applied. If this is intended, re-run with {flag}")
    };
    GuardOutcome {
        guard,
        because,
        limit,
        actual,
        passed,
        overridden,
        override_flag: flag.to_string(),
        message,
    }
}

fn holds(guard: &Guard, actual: f64) -> bool {
    let limit = match guard.limit {
        GuardLimit::Count(n) => n as f64,
        GuardLimit::Percent(p) => p,
    };
    if guard.upper_bound {
        actual <= limit
    } else {
        actual >= limit
    }
}

fn percent_of(part: usize, whole: usize) -> f64 {
    match (part, whole) {
        (0, _) => 0.0,
        (_, 0) => 100.0,
        _ => part as f64 * 100.0 / whole as f64,
    }
}

fn percent_text(percent: f64) -> String {
    format!("{percent:.1}%")
}

/// `pauses <= 5%`, `pauses <= 50`, `source >= 90% of last_run`, `source >= 100`.
pub fn describe(guard: &Guard) -> String {
    let subject = match guard.subject {
        GuardSubject::Pauses => "pauses",
        GuardSubject::Source => "source",
    };
    let op = if guard.upper_bound { "<=" } else { ">=" };
    let limit = match guard.limit {
        GuardLimit::Count(n) => n.to_string(),
        GuardLimit::Percent(p) if p.fract() == 0.0 => format!("{p:.0}%"),
        GuardLimit::Percent(p) => format!("{p}%"),
    };
    let of = match (guard.subject, guard.limit) {
        (GuardSubject::Source, GuardLimit::Percent(_)) => " of last_run",
        _ => "",
    };
    format!("{subject} {op} {limit}{of}")
}
