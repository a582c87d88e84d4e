//! Guards: safety limits checked on a plan before anything is written (product requirement 1).
//!
//! Always checked: the source is not empty. Then every `guard` of the mapping; when the mapping
//! writes no pause guard the defaults `pauses <= 10%` and `pauses <= 50` apply, likewise
//! `membership_removals <= 10%` and `<= 50`, and `identity_changes <= 10%` and `<= 50`; when
//! it writes no source guard `source >= 80% of last_run` applies (docs/plan.md, "Guards").

use crate::action::{Action, PlannedAction};
use crate::model::{
    Because, CurrentState, Guard, GuardLimit, GuardSubject, Rules, UserRemoval, UserStatus,
};
use serde::{Deserialize, Serialize};

/// Default pause limit in percent of active managed users (Okta warns at 20%; we are stricter).
pub const DEFAULT_PAUSE_PERCENT: f64 = 10.0;
/// Default absolute pause limit (Entra Connect stops at 500 deletes; we are stricter).
pub const DEFAULT_PAUSE_COUNT: u64 = 50;
/// Default limit on membership removals, in percent of the memberships Winningtemp holds.
pub const DEFAULT_MEMBERSHIP_REMOVAL_PERCENT: f64 = 10.0;
/// Default absolute limit on membership removals.
pub const DEFAULT_MEMBERSHIP_REMOVAL_COUNT: u64 = 50;
/// Default limit on username/email changes, in percent of active managed users.
pub const DEFAULT_IDENTITY_CHANGE_PERCENT: f64 = 10.0;
/// Default absolute limit on username/email changes.
pub const DEFAULT_IDENTITY_CHANGE_COUNT: u64 = 50;
/// Default minimum source size in percent of the last run.
pub const DEFAULT_SOURCE_PERCENT: f64 = 80.0;

/// Command-line overrides for failed guards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allow {
    /// `--allow-mass-pause`: pause guards may fail.
    pub pauses: bool,
    /// `--allow-empty-source`: the source may deliver no records.
    pub empty_source: bool,
    /// `--allow-source-drop`: source guards may fail.
    pub source_drop: bool,
    /// `--allow-mass-membership-removal`: membership removal guards may fail.
    pub membership_removals: bool,
    /// `--allow-mass-identity-change`: username/email change guards may fail.
    pub identity_changes: bool,
    /// `--allow-field-drop FIELD`: the fill-rate guards of these fields may fail
    /// (the `quality` module).
    pub field_drops: Vec<String>,
}

/// Everything guards look at.
#[derive(Debug, Clone)]
pub struct GuardInput<'a> {
    /// The planned actions.
    pub actions: &'a [PlannedAction],
    /// How many records the source delivered.
    pub source_records: usize,
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
        because: Because::new(statement, 0),
    };
    for (subject, p, n) in [
        (
            GuardSubject::Pauses,
            DEFAULT_PAUSE_PERCENT,
            DEFAULT_PAUSE_COUNT,
        ),
        (
            GuardSubject::MembershipRemovals,
            DEFAULT_MEMBERSHIP_REMOVAL_PERCENT,
            DEFAULT_MEMBERSHIP_REMOVAL_COUNT,
        ),
        (
            GuardSubject::IdentityChanges,
            DEFAULT_IDENTITY_CHANGE_PERCENT,
            DEFAULT_IDENTITY_CHANGE_COUNT,
        ),
    ] {
        if !guards.iter().any(|g| g.subject == subject) {
            let percent = GuardLimit::Percent(p);
            all.push(default(subject, true, percent, "default guard"));
            all.push(default(
                subject,
                true,
                GuardLimit::Count(n),
                "default guard",
            ));
        }
    }
    if !guards.iter().any(|g| g.subject == GuardSubject::Source) {
        let p = GuardLimit::Percent(DEFAULT_SOURCE_PERCENT);
        all.push(default(GuardSubject::Source, false, p, "default guard"));
    }
    all
}

/// Checks the built-in empty-source guard and every effective guard.
pub fn check_guards(input: &GuardInput<'_>) -> Vec<GuardOutcome> {
    let records = input.source_records;
    let empty_flag = "--allow-empty-source";
    let mut outcomes = vec![outcome(
        "source is not empty".to_string(),
        Because::new("built-in guard", 0),
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
            GuardSubject::MembershipRemovals => check_membership_removals(input, &guard),
            GuardSubject::IdentityChanges => check_identity_changes(input, &guard),
        });
    }
    outcomes
}

/// The active users the integration manages: the base of pause and identity percentages.
fn active_managed(input: &GuardInput<'_>) -> usize {
    input
        .current
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Active)
        .filter(|u| input.rules.user_removal == UserRemoval::All || u.external_id.is_some())
        .count()
}

/// A limit measured as `part` of `whole`: the outcome of `guard` on it.
fn measured(
    guard: &Guard,
    part: usize,
    whole: usize,
    allowed: bool,
    flag: &str,
    detail: impl FnOnce(&str) -> String,
) -> GuardOutcome {
    let percent = percent_of(part, whole);
    let actual = match guard.limit {
        GuardLimit::Count(_) => part as f64,
        GuardLimit::Percent(_) => percent,
    };
    outcome(
        describe(guard),
        guard.because.clone(),
        guard.limit,
        Some(actual),
        holds(guard, actual),
        allowed,
        flag,
        detail(&percent_text(percent)),
    )
}

/// How many memberships `actions` remove from users who get no membership of that role back.
/// The removals are few (usually none); the additions can be every member of a new directory,
/// so only the additions of users who lose one are looked at: hashing all 200,000 additions
/// of a first 100k plan cost ~6 % of its time.
fn memberships_removed_without_replacement(actions: &[PlannedAction]) -> usize {
    let removals: Vec<(&str, crate::model::Role)> = actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::RemoveMembership { user, role, .. } => Some((&**user, *role)),
            _ => None,
        })
        .collect();
    if removals.is_empty() {
        return 0;
    }
    let losing: foldhash::HashSet<&str> = removals.iter().map(|(user, _)| *user).collect();
    let added: foldhash::HashSet<(&str, crate::model::Role)> = actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::AddMembership { user, role, .. } if losing.contains(&**user) => {
                Some((&**user, *role))
            }
            _ => None,
        })
        .collect();
    removals
        .iter()
        .filter(|removal| !added.contains(removal))
        .count()
}

/// Memberships removed from users who keep no membership of that role: a user moved from
/// one team to another is not counted, a user left without any team is (records that lost
/// their `Dept` would otherwise strip every membership and pass).
fn check_membership_removals(input: &GuardInput<'_>, guard: &Guard) -> GuardOutcome {
    let removed = memberships_removed_without_replacement(input.actions);
    let held = input.current.memberships.len();
    measured(
        guard,
        removed,
        held,
        input.allow.membership_removals,
        "--allow-mass-membership-removal",
        |percent| {
            format!(
                "this plan removes {removed} of {held} memberships without a replacement ({percent})"
            )
        },
    )
}

/// Users whose username or email changes from a value they had (setting a missing email is
/// not counted).
fn check_identity_changes(input: &GuardInput<'_>, guard: &Guard) -> GuardOutcome {
    let changed = input
        .actions
        .iter()
        .filter(|a| match &a.action {
            Action::UpdateUser { changes, .. } => changes
                .iter()
                .any(|c| matches!(c.attribute.as_str(), "username" | "email") && c.from.is_some()),
            _ => false,
        })
        .count();
    let active = active_managed(input);
    measured(
        guard,
        changed,
        active,
        input.allow.identity_changes,
        "--allow-mass-identity-change",
        |percent| {
            format!(
                "this plan changes the username or email of {changed} of {active} active users ({percent})"
            )
        },
    )
}

fn check_pauses(input: &GuardInput<'_>, guard: &Guard) -> GuardOutcome {
    let pauses = input
        .actions
        .iter()
        .filter(|a| matches!(a.action, Action::PauseUser { .. }))
        .count();
    let active = active_managed(input);
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
    let records = input.source_records;
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

/// A guard's outcome, with its message (shared with the `quality` module).
#[allow(clippy::too_many_arguments)] // one constructor, called with named locals
pub(crate) fn outcome(
    guard: String,
    because: Because,
    limit: GuardLimit,
    actual: Option<f64>,
    passed: bool,
    allowed: bool,
    flag: &str,
    detail: String,
) -> GuardOutcome {
    let at = match because.line() {
        // Built-in guards have no line; their statement says what they are.
        0 => format!("{} `{guard}`", because.statement()),
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

pub(crate) fn percent_of(part: usize, whole: usize) -> f64 {
    match (part, whole) {
        (0, _) => 0.0,
        (_, 0) => 100.0,
        _ => part as f64 * 100.0 / whole as f64,
    }
}

pub(crate) fn percent_text(percent: f64) -> String {
    format!("{percent:.1}%")
}

/// `pauses <= 5%`, `pauses <= 50`, `source >= 90% of last_run`, `source >= 100`.
pub fn describe(guard: &Guard) -> String {
    let subject = match guard.subject {
        GuardSubject::Pauses => "pauses",
        GuardSubject::Source => "source",
        GuardSubject::MembershipRemovals => "membership_removals",
        GuardSubject::IdentityChanges => "identity_changes",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::tests::fixtures::{because, current, current_user};

    fn pauses(n: usize) -> Vec<PlannedAction> {
        (0..n)
            .map(|i| PlannedAction {
                action: Action::PauseUser {
                    external_id: Some(i.to_string().into()),
                    username: format!("u{i}").into(),
                },
                because: because("user_removal = only_external_id (not in source)", 0),
            })
            .collect()
    }

    fn guard(subject: GuardSubject, upper_bound: bool, limit: GuardLimit, line: usize) -> Guard {
        let g = Guard {
            subject,
            upper_bound,
            limit,
            because: because("", line),
        };
        Guard {
            because: because(&format!("guard {}", describe(&g)), line),
            ..g
        }
    }

    /// `active` active users with external IDs, plus one hand-made active user.
    fn state(active: usize, last_run: Option<usize>) -> CurrentState {
        let mut users: Vec<_> = (0..active)
            .map(|i| current_user(Some(&i.to_string()), &format!("u{i}")))
            .collect();
        users.push(current_user(None, "byhand"));
        CurrentState {
            last_run_source_records: last_run,
            ..current(users)
        }
    }

    fn check(
        actions: &[PlannedAction],
        records: usize,
        state: &CurrentState,
        guards: &[Guard],
        allow: Allow,
    ) -> Vec<GuardOutcome> {
        let rules = Rules::default();
        check_guards(&GuardInput {
            actions,
            source_records: records,
            current: state,
            rules: &rules,
            guards,
            allow,
        })
    }

    fn find<'a>(outcomes: &'a [GuardOutcome], guard: &str) -> &'a GuardOutcome {
        outcomes
            .iter()
            .find(|o| o.guard == guard)
            .unwrap_or_else(|| panic!("no guard {guard}"))
    }

    #[test]
    fn an_empty_source_always_aborts_unless_allowed() {
        let guards = [guard(
            GuardSubject::Pauses,
            true,
            GuardLimit::Count(1000),
            42,
        )];
        let out = check(&[], 0, &state(10, None), &guards, Allow::default());
        let empty = find(&out, "source is not empty");
        assert!(!empty.passed && !guards_passed(&out));
        assert_eq!(
            empty.message,
            "built-in guard `source is not empty`: the source delivered no records; nothing was \
             applied. If this is intended, re-run with --allow-empty-source"
        );
        let allow = Allow {
            empty_source: true,
            ..Allow::default()
        };
        let out = check(&[], 0, &state(10, None), &guards, allow);
        assert!(find(&out, "source is not empty").overridden && guards_passed(&out));
    }

    #[test]
    fn a_pause_percentage_counts_active_managed_users() {
        let guards = [guard(
            GuardSubject::Pauses,
            true,
            GuardLimit::Percent(5.0),
            42,
        )];
        let out = check(
            &pauses(37),
            120,
            &state(120, None),
            &guards,
            Allow::default(),
        );
        let g = find(&out, "pauses <= 5%");
        assert_eq!(
            g.message,
            "guard `pauses <= 5%` at line 42: this plan pauses 37 of 120 active users (30.8%); \
             nothing was applied. If this is intended, re-run with --allow-mass-pause"
        );
        assert_eq!(
            (g.passed, g.override_flag.as_str()),
            (false, "--allow-mass-pause")
        );
        assert!(!guards_passed(&out));
        let out = check(
            &pauses(6),
            120,
            &state(120, None),
            &guards,
            Allow::default(),
        );
        assert!(find(&out, "pauses <= 5%").passed, "6 of 120 is exactly 5%");
        let out = check(
            &pauses(7),
            120,
            &state(120, None),
            &guards,
            Allow {
                pauses: true,
                ..Allow::default()
            },
        );
        assert!(find(&out, "pauses <= 5%").overridden && guards_passed(&out));
    }

    #[test]
    fn under_user_removal_all_hand_made_users_count_too() {
        let guards = [guard(
            GuardSubject::Pauses,
            true,
            GuardLimit::Count(100),
            42,
        )];
        let rules = Rules {
            user_removal: UserRemoval::All,
            ..Rules::default()
        };
        let current = state(9, None);
        let input = GuardInput {
            actions: &pauses(1),
            source_records: 1,
            current: &current,
            rules: &rules,
            guards: &guards,
            allow: Allow::default(),
        };
        assert!(
            find(&check_guards(&input), "pauses <= 100")
                .message
                .contains("1 of 10 active users")
        );
    }

    #[test]
    fn a_pause_count_limit() {
        let guards = [guard(GuardSubject::Pauses, true, GuardLimit::Count(3), 42)];
        let out = check(
            &pauses(4),
            100,
            &state(1000, None),
            &guards,
            Allow::default(),
        );
        assert!(!find(&out, "pauses <= 3").passed);
        assert_eq!(find(&out, "pauses <= 3").actual, Some(4.0));
    }

    #[test]
    fn defaults_apply_only_when_the_mapping_guards_nothing_of_that_kind() {
        let out = check(
            &pauses(11),
            100,
            &state(100, Some(100)),
            &[],
            Allow::default(),
        );
        let guards: Vec<&str> = out.iter().map(|o| o.guard.as_str()).collect();
        assert_eq!(
            guards,
            [
                "source is not empty",
                "pauses <= 10%",
                "pauses <= 50",
                "membership_removals <= 10%",
                "membership_removals <= 50",
                "identity_changes <= 10%",
                "identity_changes <= 50",
                "source >= 80% of last_run"
            ]
        );
        assert!(
            !find(&out, "pauses <= 10%").passed,
            "11 of 100 is over the default 10%"
        );
        assert!(
            find(&out, "pauses <= 10%")
                .message
                .starts_with("default guard `pauses <= 10%`: ")
        );
        let out = check(
            &pauses(51),
            100,
            &state(10_000, Some(100)),
            &[],
            Allow::default(),
        );
        assert!(!find(&out, "pauses <= 50").passed && find(&out, "pauses <= 10%").passed);

        let written = [
            guard(GuardSubject::Pauses, true, GuardLimit::Percent(50.0), 42),
            guard(GuardSubject::Source, false, GuardLimit::Percent(10.0), 43),
            guard(
                GuardSubject::MembershipRemovals,
                true,
                GuardLimit::Count(5),
                44,
            ),
            guard(
                GuardSubject::IdentityChanges,
                true,
                GuardLimit::Percent(1.0),
                45,
            ),
        ];
        let out = check(
            &pauses(11),
            100,
            &state(100, Some(100)),
            &written,
            Allow::default(),
        );
        assert_eq!(out.len(), 5, "no defaults: {out:?}");
        assert!(guards_passed(&out));
    }

    #[test]
    fn a_source_drop_against_the_last_run() {
        let guards = [guard(
            GuardSubject::Source,
            false,
            GuardLimit::Percent(90.0),
            43,
        )];
        let out = check(&[], 500, &state(10, Some(1200)), &guards, Allow::default());
        let g = find(&out, "source >= 90% of last_run");
        assert_eq!(
            g.message,
            "guard `source >= 90% of last_run` at line 43: the source delivered 500 records, 41.7% \
             of the 1200 of the last run; nothing was applied. If this is intended, re-run with \
             --allow-source-drop"
        );
        let allow = Allow {
            source_drop: true,
            ..Allow::default()
        };
        let out = check(&[], 500, &state(10, Some(1200)), &guards, allow);
        assert!(find(&out, "source >= 90% of last_run").overridden && guards_passed(&out));
        let out = check(&[], 1100, &state(10, Some(1200)), &guards, Allow::default());
        assert!(guards_passed(&out));
    }

    #[test]
    fn a_source_guard_is_skipped_with_a_note_when_the_last_run_is_unknown() {
        let guards = [guard(
            GuardSubject::Source,
            false,
            GuardLimit::Percent(90.0),
            43,
        )];
        let out = check(&[], 5, &state(10, None), &guards, Allow::default());
        let g = find(&out, "source >= 90% of last_run");
        assert!(g.passed && g.actual.is_none());
        assert!(g.message.contains("not checked"), "{}", g.message);
    }

    fn planned(action: Action) -> PlannedAction {
        PlannedAction {
            action,
            because: because("group path", 3),
        }
    }

    /// Issue 21, item 18: records that lost their `Dept` made `run` remove every membership
    /// and report success.
    #[test]
    fn mass_membership_removals_stop_the_plan_unless_allowed_and_moves_do_not_count() {
        use crate::diff::tests::fixtures::current_membership;
        use crate::model::Role;
        let mut st = state(100, Some(100));
        st.memberships = (0..100)
            .map(|i| current_membership(&format!("u{i}"), "T1", Role::Member, true))
            .collect();
        let remove = |i: usize| {
            planned(Action::RemoveMembership {
                user: format!("u{i}").into(),
                team: "T1".into(),
                role: Role::Member,
            })
        };
        let lost: Vec<PlannedAction> = (0..11).map(remove).collect();
        let out = check(&lost, 100, &st, &[], Allow::default());
        let g = find(&out, "membership_removals <= 10%");
        assert!(!g.passed && !guards_passed(&out));
        assert_eq!(
            g.message,
            "default guard `membership_removals <= 10%`: this plan removes 11 of 100 memberships \
             without a replacement (11.0%); nothing was applied. If this is intended, re-run with \
             --allow-mass-membership-removal"
        );
        let allow = Allow {
            membership_removals: true,
            ..Allow::default()
        };
        assert!(guards_passed(&check(&lost, 100, &st, &[], allow)));
        // The same removals, each with a move to another team: a reorganisation, not a loss.
        let mut moved = lost.clone();
        moved.extend((0..11).map(|i| {
            planned(Action::AddMembership {
                user: format!("u{i}").into(),
                team: "T2".into(),
                role: Role::Member,
            })
        }));
        let out = check(&moved, 100, &st, &[], Allow::default());
        assert_eq!(find(&out, "membership_removals <= 10%").actual, Some(0.0));
        // A mapping's own limit replaces both defaults.
        let own = [guard(
            GuardSubject::MembershipRemovals,
            true,
            GuardLimit::Count(20),
            9,
        )];
        let out = check(&lost, 100, &st, &own, Allow::default());
        assert!(guards_passed(&out));
        assert!(!out.iter().any(|o| o.guard == "membership_removals <= 10%"));
    }

    /// Issue 21, item 18: every user's email changed also passed.
    #[test]
    fn a_removal_counts_unless_the_same_user_gets_a_membership_of_the_same_role() {
        use crate::model::Role;
        let membership = |add: bool, user: &str, role: Role| {
            let (user, team) = (user.into(), "T".into());
            planned(if add {
                Action::AddMembership { user, team, role }
            } else {
                Action::RemoveMembership { user, team, role }
            })
        };
        let actions = [
            membership(false, "moved", Role::Member),
            membership(true, "moved", Role::Member),
            membership(false, "demoted", Role::Manager),
            membership(true, "demoted", Role::Member),
            membership(false, "left", Role::Member),
            membership(true, "newcomer", Role::Member),
        ];
        assert_eq!(memberships_removed_without_replacement(&actions), 2);
        assert_eq!(memberships_removed_without_replacement(&actions[..2]), 0);
        assert_eq!(memberships_removed_without_replacement(&actions[5..]), 0);
    }

    #[test]
    fn mass_username_or_email_changes_stop_the_plan_unless_allowed() {
        let change = |i: usize, attribute: &str, from: Option<&str>| {
            planned(Action::UpdateUser {
                external_id: i.to_string().into(),
                username: format!("u{i}").into(),
                changes: vec![crate::action::Change {
                    attribute: attribute.into(),
                    from: from.map(crate::diff::tests::fixtures::text),
                    to: Some(crate::diff::tests::fixtures::text("new@x")),
                    because: None,
                }]
                .into(),
                link: false,
            })
        };
        let st = state(100, Some(100));
        let emails: Vec<PlannedAction> =
            (0..100).map(|i| change(i, "email", Some("old"))).collect();
        let out = check(&emails, 100, &st, &[], Allow::default());
        let g = find(&out, "identity_changes <= 50");
        assert!(!g.passed && g.override_flag == "--allow-mass-identity-change");
        assert!(
            g.message
                .contains("changes the username or email of 100 of 100 active users")
        );
        let allow = Allow {
            identity_changes: true,
            ..Allow::default()
        };
        assert!(guards_passed(&check(&emails, 100, &st, &[], allow)));
        let usernames: Vec<PlannedAction> = (0..11)
            .map(|i| change(i, "username", Some("old")))
            .collect();
        let out = check(&usernames, 100, &st, &[], Allow::default());
        assert!(!find(&out, "identity_changes <= 10%").passed);
        // Filling in a missing email, or another attribute, is not an identity change.
        let filled: Vec<PlannedAction> = (0..100)
            .map(|i| change(i, "email", None))
            .chain((0..100).map(|i| change(i, "first_name", Some("A"))))
            .collect();
        assert!(guards_passed(&check(
            &filled,
            100,
            &st,
            &[],
            Allow::default()
        )));
    }
}
