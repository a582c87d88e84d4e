//! Properties over generated states, for every rule combination:
//! planning again after applying a plan gives an empty plan (idempotence), the applied state is
//! still a valid state file, protected users are untouched, nobody is deleted, the diff is
//! deterministic, and it makes its actions in execution order.

use super::fixtures::{because, text};
use crate::diff::{DiffInput, Protection, diff_from};
use crate::model::*;
use crate::plan::apply_to_state;
use crate::state::validate_state;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashSet};

const NAMES: [&str; 6] = ["ann", "bo", "cy", "di", "ed", "fa"];

#[derive(Debug, Clone)]
struct Case {
    desired: DesiredState,
    current: CurrentState,
    rules: Rules,
    keys: Vec<MatchKey>,
    mapped: BTreeSet<String>,
}

/// (name index, upper-case username?, email name index, first_name, gender, active?)
type UserBits = (usize, bool, Option<usize>, Option<bool>, Option<bool>, bool);

fn user_bits() -> impl Strategy<Value = UserBits> {
    (
        0..NAMES.len(),
        any::<bool>(),
        proptest::option::of(0..NAMES.len()),
        any::<Option<bool>>(),
        any::<Option<bool>>(),
        any::<bool>(),
    )
}

fn attributes((name, upper, email, first, gender, _): &UserBits) -> Attributes {
    let mut a = Attributes::new();
    if let Some(e) = email {
        a.insert("email".into(), text(&format!("{}@x", NAMES[*e])));
    }
    if let Some(f) = first {
        a.insert("first_name".into(), text(if *f { "A" } else { "B" }));
    }
    if let Some(g) = gender {
        a.insert("gender".into(), text(if *g { "Male" } else { "Female" }));
    }
    let username = format!("{}@x", NAMES[*name]);
    a.insert(
        "username".into(),
        text(&if *upper {
            username.to_uppercase()
        } else {
            username
        }),
    );
    a
}

fn status(active: bool) -> UserStatus {
    if active {
        UserStatus::Active
    } else {
        UserStatus::Paused
    }
}

/// Up to four teams `t0..t3`, each parent an earlier included team.
fn teams() -> impl Strategy<Value = Vec<(String, String, Option<String>)>> {
    proptest::collection::vec(
        proptest::option::of((any::<bool>(), proptest::option::of(0usize..4))),
        4,
    )
    .prop_map(|slots| {
        let mut out: Vec<(String, String, Option<String>)> = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            let Some((renamed, parent)) = slot else {
                continue;
            };
            let parent = parent.filter(|p| *p < i).map(|p| format!("t{p}"));
            let parent = parent.filter(|p| out.iter().any(|(id, _, _)| id == p));
            out.push((
                format!("t{i}"),
                format!("T{i}{}", if renamed { "!" } else { "" }),
                parent,
            ));
        }
        out
    })
}

fn rules() -> impl Strategy<Value = Rules> {
    (
        prop_oneof![Just(UserRemoval::OnlyExternalId), Just(UserRemoval::All)],
        prop_oneof![
            Just(UserStatusRule::Overwrite),
            Just(UserStatusRule::KeepInactive)
        ],
        prop_oneof![
            Just(MembershipRule::Never),
            Just(MembershipRule::Overwrite),
            Just(MembershipRule::OverwriteIfRoleIsGreaterOrEqual)
        ],
        prop_oneof![Just(SegmentRule::Never), Just(SegmentRule::Overwrite)],
    )
        .prop_map(
            |(user_removal, user_status, membership, segment_connection)| Rules {
                user_removal,
                user_status,
                membership,
                segment_connection,
                invitations: false,
            },
        )
}

fn role(manager: bool) -> Role {
    if manager { Role::Manager } else { Role::Member }
}

fn case() -> impl Strategy<Value = Case> {
    let desired_users = proptest::collection::vec(
        (
            0usize..6,
            user_bits(),
            proptest::collection::btree_set(0usize..4, 0..3),
            proptest::collection::vec((0usize..5, any::<bool>()), 0..3),
        ),
        0..6,
    );
    let current_users =
        proptest::collection::vec((proptest::option::of(0usize..6), user_bits()), 0..7);
    let relations =
        proptest::collection::vec((0usize..7, 0usize..4, any::<bool>(), any::<bool>()), 0..8);
    let protected = proptest::collection::vec(
        (
            proptest::option::of(0usize..6),
            proptest::option::of(0..NAMES.len()),
            any::<bool>(),
        ),
        0..3,
    );
    let keys = prop_oneof![
        Just(vec![MatchKey::ExternalId]),
        Just(vec![MatchKey::ExternalId, MatchKey::Email]),
        Just(vec![MatchKey::ExternalId, MatchKey::Username]),
        Just(vec![
            MatchKey::ExternalId,
            MatchKey::Email,
            MatchKey::Username
        ]),
    ];
    let mapped = proptest::collection::btree_set(
        prop_oneof![Just("email"), Just("first_name"), Just("gender")],
        0..4,
    );
    let segments = (
        proptest::collection::btree_set(0usize..3, 0..3),
        proptest::collection::btree_set(0usize..3, 0..3),
    );
    (
        desired_users,
        current_users,
        relations,
        protected,
        keys,
        mapped,
        (teams(), teams()),
        segments,
        rules(),
    )
        .prop_map(
            |(du, cu, rel, prot, keys, mapped, (dt, ct), (ds, cs), rules)| {
                let mut desired = DesiredState::default();
                for (id, t, _) in &dt {
                    desired.teams.insert(
                        id.clone(),
                        DesiredTeam {
                            external_id: id.clone(),
                            name: t.clone(),
                            parent: dt.iter().find(|x| &x.0 == id).and_then(|x| x.2.clone()),
                            manager: None,
                            because: because("group path", 3),
                        },
                    );
                }
                for s in ds {
                    let id = format!("s{s}");
                    desired.segments.insert(
                        id.clone(),
                        DesiredSegment {
                            external_id: id.clone(),
                            name: id.clone(),
                            category: "C".into(),
                            because: because("segment", 4),
                        },
                    );
                }
                let mut memberships = Vec::new();
                for (ext, bits, segs, teams) in du {
                    let id = format!("e{ext}");
                    for (t, manager) in teams {
                        let m = (
                            id.clone(),
                            DesiredMembership {
                                user: 0, // its place, set once every user is in
                                team: format!("t{t}").into(),
                                role: role(manager),
                                because: because("manager", 5),
                            },
                        );
                        memberships.push(m);
                    }
                    let user = DesiredUser {
                        external_id: id.clone(),
                        attributes: MappedAttributes::from_pairs(attributes(&bits))
                            .unwrap()
                            .into(),
                        status: status(bits.5),
                        team: None,
                        manager: None,
                        segments: segs.into_iter().map(|s| format!("s{s}")).collect(),
                        because: Default::default(),
                        status_because: None,
                        position: 0,
                    };
                    desired.users.insert(id, user);
                }
                // One role per (user, team), sorted, as the evaluator builds them.
                let one_per_pair: std::collections::BTreeMap<_, _> = memberships
                    .into_iter()
                    .filter_map(|(id, mut m)| {
                        m.user = desired.place_of(&id)?;
                        Some(((m.user, m.team.clone()), m))
                    })
                    .collect();
                desired.memberships.roles = one_per_pair.into_values().collect();
                for (ext, name, quarantine) in prot {
                    let (external_id, username) = (
                        ext.map(|e| format!("e{e}")),
                        name.map(|n| format!("{}@x", NAMES[n])),
                    );
                    if external_id
                        .as_ref()
                        .is_some_and(|e| desired.users.contains_key(e))
                    {
                        continue;
                    }
                    let because = because("skip when", 6);
                    if quarantine {
                        desired.quarantined.push(QuarantinedRecord {
                            record_id: Some("q".into()),
                            position: 1,
                            line: None,
                            external_id,
                            username,
                            code: "E0401".into(),
                            reason: "bad".into(),
                            because,
                            name: None,
                        });
                    } else {
                        desired.skipped.push(SkippedRecord {
                            record_id: Some("s".into()),
                            position: 2,
                            line: None,
                            external_id,
                            username,
                            because,
                            name: None,
                        });
                    }
                }
                desired.source_records = desired.users.len();

                let mut current = CurrentState {
                    format: STATE_FORMAT.into(),
                    ..CurrentState::default()
                };
                let (mut names, mut ids) = (HashSet::new(), HashSet::new());
                for (ext, bits) in cu {
                    let mut attributes = attributes(&bits);
                    let Some(AttrValue::Text(username)) = attributes.remove("username") else {
                        continue;
                    };
                    let external_id = ext.map(|e| format!("e{e}"));
                    if !names.insert(username.to_lowercase())
                        || external_id.as_ref().is_some_and(|e| !ids.insert(e.clone()))
                    {
                        continue;
                    }
                    current.users.push(CurrentUser {
                        id: None,
                        external_id,
                        username: username.into(),
                        status: status(bits.5),
                        attributes,
                    });
                }
                current.teams = ct
                    .into_iter()
                    .map(|(id, name, parent)| CurrentTeam {
                        id: None,
                        external_id: Some(id),
                        name,
                        parent,
                    })
                    .collect();
                current.segments = cs
                    .into_iter()
                    .map(|s| CurrentSegment {
                        id: None,
                        external_id: Some(format!("s{s}")),
                        name: format!("s{s}"),
                        category: "C".into(),
                    })
                    .collect();
                let (mut pairs, mut conns) = (HashSet::new(), HashSet::new());
                for (u, g, manager, managed) in rel {
                    let Some(user) = current.users.get(u).map(|u| u.username.clone()) else {
                        continue;
                    };
                    let team = format!("t{g}");
                    if current
                        .teams
                        .iter()
                        .any(|t| t.external_id.as_ref() == Some(&team))
                        && pairs.insert((user.clone(), team.clone()))
                    {
                        current.memberships.push(CurrentMembership {
                            user: user.clone(),
                            team,
                            role: role(manager),
                            managed,
                        });
                    }
                    let segment = format!("s{g}");
                    if current
                        .segments
                        .iter()
                        .any(|s| s.external_id.as_ref() == Some(&segment))
                        && conns.insert((user.clone(), segment.clone()))
                    {
                        current.segment_connections.push(CurrentSegmentConnection {
                            user,
                            segment,
                            managed,
                        });
                    }
                }
                let mapped = mapped
                    .into_iter()
                    .map(String::from)
                    .chain(["username".to_string()])
                    .collect();
                Case {
                    desired,
                    current,
                    rules,
                    keys,
                    mapped,
                }
            },
        )
}

/// The diff of the case's desired state.
fn run(case: &Case, current: &CurrentState) -> crate::diff::Diff {
    run_from(case, current, crate::diff::ON_TWO_CORES_FROM)
}

/// The diff of the case's desired state on two cores from `two_cores_from` users.
fn run_from(case: &Case, current: &CurrentState, two_cores_from: usize) -> crate::diff::Diff {
    diff_from(
        &case.desired,
        &DiffInput {
            current,
            rules: &case.rules,
            match_keys: &case.keys,
            mapped_attributes: &case.mapped,
            rules_line: 1,
            match_line: 2,
        },
        two_cores_from,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn planning_after_applying_gives_an_empty_plan(case in case()) {
        prop_assert!(validate_state(&case.current, "generated").is_ok(), "generator made an invalid state");
        let first = run(&case, &case.current);
        let applied = apply_to_state(&case.current, &first.actions);
        prop_assert_eq!(validate_state(&applied, "applied").map_err(|e| e.to_string()), Ok(()));
        let second = run(&case, &applied);
        prop_assert!(second.actions.is_empty(), "first: {:#?}\nsecond: {:#?}", first.actions, second.actions);
    }

    #[test]
    fn protected_users_are_untouched_and_nobody_is_deleted(case in case()) {
        let first = run(&case, &case.current);
        let applied = apply_to_state(&case.current, &first.actions);
        prop_assert!(applied.users.len() >= case.current.users.len());
        let protection = Protection::of(&case.desired);
        for user in case.current.users.iter().filter(|u| protection.covers(u)) {
            let after = applied.users.iter().find(|u| u.username == user.username);
            prop_assert_eq!(after, Some(user));
            let relations = |s: &CurrentState| {
                let m: BTreeSet<_> = s.memberships.iter().filter(|m| m.user == user.username).cloned().collect();
                let c: BTreeSet<_> = s.segment_connections.iter().filter(|c| c.user == user.username).cloned().collect();
                (m, c)
            };
            prop_assert_eq!(relations(&applied), relations(&case.current));
        }
    }

    #[test]
    fn the_diff_on_two_cores_is_the_diff_on_one(case in case()) {
        prop_assert_eq!(run_from(&case, &case.current, 0), run_from(&case, &case.current, usize::MAX));
    }

    /// Issue 15, item 3: a created user's action shares the desired user's attributes; read
    /// through it they are exactly those attributes but `username`, in every form the plan
    /// has (JSON, equality, lookups).
    #[test]
    fn a_created_user_carries_the_desired_attributes_but_username(case in case()) {
        for planned in run(&case, &case.current).actions {
            let crate::action::Action::CreateUser { external_id, attributes, .. } = &planned.action
            else {
                continue;
            };
            let mut expected = case.desired.users[&external_id.to_string()].attributes.to_attributes();
            expected.remove("username");
            prop_assert_eq!(attributes.to_attributes(), expected.clone());
            prop_assert_eq!(attributes.len(), expected.len());
            prop_assert!(attributes.get("username").is_none());
            for (name, value) in expected.iter() {
                prop_assert_eq!(attributes.get(name), Some(AttrRef::from(value)));
            }
            let json = serde_json::to_value(attributes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let plain: serde_json::Map<String, serde_json::Value> = expected
                .iter()
                .map(|(name, value)| (name.to_string(), serde_json::json!(value)))
                .collect();
            prop_assert_eq!(&json, &serde_json::Value::Object(plain));
            let back: NewUserAttributes = serde_json::from_value(json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, attributes);
        }
    }

    #[test]
    fn the_diff_is_deterministic(case in case()) {
        let mut shuffled = case.current.clone();
        shuffled.users.reverse();
        shuffled.memberships.reverse();
        shuffled.segment_connections.reverse();
        prop_assert_eq!(run(&case, &case.current), run(&case, &shuffled));
    }

    /// The diff makes each kind of action in the plan's order and puts the kinds in order
    /// instead of sorting the plan: the result is what sorting it gives, on one core and two.
    #[test]
    fn the_diff_makes_its_actions_in_execution_order(case in case()) {
        for two_cores_from in [0, usize::MAX] {
            let made = run_from(&case, &case.current, two_cores_from).actions;
            let mut sorted = made.clone();
            crate::action::sort_actions(&mut sorted);
            prop_assert_eq!(made, sorted);
        }
    }
}
