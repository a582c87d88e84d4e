//! Renderer snapshots over a hand-built plan holding every action kind, the JSON schema
//! checked against the Rust types (fails on drift), and the documented order.

mod json;
pub(crate) mod schema_check;

use super::*;
use crate::action::{ActionKind, Change, sort_actions};
use crate::diff::tests::fixtures::{because, text};
use crate::guard::GuardOutcome;
use crate::model::{
    GuardLimit, MappedAttributes, QuarantinedRecord, Role, RunWarning, SkippedRecord, UserStatus,
};
use schema_check::check;
use std::collections::BTreeSet;

fn planned(action: Action, statement: &str, line: usize) -> PlannedAction {
    PlannedAction {
        action,
        because: because(statement, line),
    }
}

/// One action of every kind, in an order that is not the execution order.
pub(super) fn every_action() -> Vec<PlannedAction> {
    let s = String::from;
    vec![
        planned(
            Action::PauseUser {
                external_id: Some(s("1050").into()),
                username: s("erik@acme.example").into(),
            },
            "user_removal = only_external_id (not in source)",
            55,
        ),
        planned(
            Action::PauseUser {
                external_id: None,
                username: s("temp@acme.example").into(),
            },
            "user_removal = all (not in source)",
            55,
        ),
        planned(
            Action::RemoveSegmentConnection {
                user: s("bo@acme.example").into(),
                segment: s("country/dk").into(),
            },
            "segment_connection = overwrite (not in source)",
            55,
        ),
        planned(
            Action::RemoveMembership {
                user: s("bo@acme.example").into(),
                team: s("acme/hr").into(),
                role: Role::Member,
            },
            "membership = overwrite (not in source)",
            55,
        ),
        planned(
            Action::AddSegmentConnection {
                user: s("anna.andersson@acme.example").into(),
                segment: s("country/se").into(),
            },
            "segment \"Country\" = Country",
            48,
        ),
        planned(
            Action::AddMembership {
                user: s("bo@acme.example").into(),
                team: s("acme/sales").into(),
                role: Role::Manager,
            },
            "manager = ManagerId",
            46,
        ),
        planned(
            Action::RemoveMembership {
                user: s("bo@acme.example").into(),
                team: s("acme/sales").into(),
                role: Role::Member,
            },
            "manager = ManagerId",
            46,
        ),
        planned(
            Action::AddMembership {
                user: s("anna.andersson@acme.example").into(),
                team: s("acme/sales").into(),
                role: Role::Member,
            },
            "group path = [Office, Department]",
            44,
        ),
        planned(
            Action::ReactivateUser {
                external_id: s("1045").into(),
                username: s("dora@acme.example").into(),
            },
            "status = Status { \"active\" -> Active, _ -> Paused }",
            42,
        ),
        planned(
            Action::UpdateUser {
                external_id: s("1043").into(),
                username: s("ana@acme.example").into(),
                changes: vec![
                    Change {
                        attribute: s("first_name"),
                        from: Some(text("Ana")),
                        to: Some(text("Anna")),
                        because: Some(because("first_name = FirstName", 41)),
                    },
                    Change {
                        attribute: s("gender"),
                        from: Some(text("Female")),
                        to: None,
                        because: Some(because("gender 1->Male 2->Female _->None", 23)),
                    },
                ]
                .into(),
                link: false,
            },
            "first_name = FirstName",
            41,
        ),
        planned(
            Action::UpdateUser {
                external_id: s("1044").into(),
                username: s("carl@acme.example").into(),
                changes: vec![Change {
                    attribute: s("exclude_from_surveys"),
                    from: None,
                    to: Some(crate::model::AttrValue::Bool(true)),
                    because: None,
                }]
                .into(),
                link: true,
            },
            "match by external_id, email",
            37,
        ),
        planned(
            Action::CreateUser {
                external_id: s("1042").into(),
                username: s("anna.andersson@acme.example").into(),
                attributes: MappedAttributes::from_pairs(
                    [
                        ("email", "anna.andersson@acme.example"),
                        ("first_name", "Anna"),
                        ("last_name", "Andersson"),
                    ]
                    .map(|(k, v)| (k, text(v))),
                )
                .unwrap()
                .into(),
                status: UserStatus::Active,
            },
            "external_id = Id",
            40,
        ),
        planned(
            Action::CreateSegment {
                external_id: s("country/se").into(),
                name: s("Sweden").into(),
                category: s("Country").into(),
            },
            "segment \"Country\" = Country",
            48,
        ),
        planned(
            Action::MoveTeam {
                external_id: s("acme/it").into(),
                from: None,
                to: Some(s("acme").into()),
            },
            "group path = [Office, Department]",
            44,
        ),
        planned(
            Action::RenameTeam {
                external_id: s("acme/hr").into(),
                from: s("HR").into(),
                to: s("People | Culture").into(),
            },
            "group path = [Office, Department]",
            44,
        ),
        planned(
            Action::CreateTeam {
                external_id: s("acme/sales").into(),
                name: s("Sales").into(),
                parent: Some(s("acme").into()),
            },
            "group path = [Office, Department]",
            44,
        ),
        planned(
            Action::CreateTeam {
                external_id: s("acme").into(),
                name: s("Acme").into(),
                parent: None,
            },
            "group path = [Office, Department]",
            44,
        ),
    ]
}

pub(crate) fn sample_plan() -> Plan {
    let desired = crate::model::DesiredState {
        source_records: 120,
        skipped: vec![SkippedRecord {
            record_id: Some(s("1060")),
            position: 60,
            line: Some(61),
            external_id: Some(s("1060")),
            username: None,
            because: because("skip when EmploymentType == \"External\"", 30),
            name: None,
        }],
        quarantined: vec![QuarantinedRecord {
            record_id: Some(s("1061")),
            position: 61,
            line: Some(62),
            external_id: Some(s("1061")),
            username: Some(s("fia@acme.example")),
            code: s("E0401"),
            reason: s("`31.02.1990` is not a date"),
            because: because("birthday = date(DateOfBirth, \"%d.%m.%Y\")", 25),
            name: None,
        }],
        warnings: vec![RunWarning {
            code: s("W0451"),
            record_id: Some(s("1042")),
            message: s("manager `999` is not in the export"),
        }],
        ..Default::default()
    };
    let diff_warnings = vec![RunWarning {
        code: s("W0603"),
        record_id: None,
        message: s(
            "username `x@acme.example` is taken by another Winningtemp user; user `1070` is not created",
        ),
    }];
    let guards = vec![
        GuardOutcome {
            guard: s("source is not empty"),
            because: because("built-in guard", 0),
            limit: GuardLimit::Count(1),
            actual: Some(120.0),
            passed: true,
            overridden: false,
            override_flag: s("--allow-empty-source"),
            message: s("built-in guard `source is not empty`: the source delivered 120 records"),
        },
        GuardOutcome {
            guard: s("pauses <= 1%"),
            because: because("guard pauses <= 1%", 62),
            limit: GuardLimit::Percent(1.0),
            actual: Some(1.7),
            passed: false,
            overridden: false,
            override_flag: s("--allow-mass-pause"),
            message: s(
                "guard `pauses <= 1%` at line 62: this plan pauses 2 of 118 active users (1.7%); nothing was applied. If this is intended, re-run with --allow-mass-pause",
            ),
        },
    ];
    let mut actions = every_action();
    sort_actions(&mut actions);
    Plan::new(
        "mappings/acme.wtmap",
        &desired,
        actions,
        diff_warnings,
        guards,
    )
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn the_sample_holds_every_action_kind() {
    let kinds: BTreeSet<ActionKind> = every_action().iter().map(|a| a.action.kind()).collect();
    assert_eq!(kinds, ActionKind::ALL.into_iter().collect());
}

#[test]
fn actions_are_in_the_documented_order() {
    let order: Vec<String> = sample_plan()
        .actions
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a.action.kind().as_str(),
                render::headline(&a.action)
            )
        })
        .collect();
    insta::assert_snapshot!(order.join("\n"));
}

#[test]
fn summary_counts_every_kind() {
    let s = sample_plan().summary;
    assert_eq!(
        (
            s.total,
            s.create_team,
            s.update_user,
            s.link_user,
            s.pause_user
        ),
        (17, 2, 2, 1, 2)
    );
    assert_eq!((s.add_membership, s.remove_membership), (2, 2));
}

#[test]
fn human_rendering() {
    insta::assert_snapshot!(render_human(&sample_plan(), false));
}

#[test]
fn human_rendering_in_colour_differs_only_by_ansi_codes() {
    let plan = sample_plan();
    let coloured = render_human(&plan, true);
    assert!(
        coloured.contains("\x1b[32m+ create team acme"),
        "{coloured}"
    );
    assert!(coloured.contains("\x1b[31m- pause user 1050"), "{coloured}");
    let mut plain = String::new();
    let mut rest = coloured.as_str();
    while let Some(start) = rest.find('\x1b') {
        plain.push_str(&rest[..start]);
        rest = rest[start..].split_once('m').map_or("", |(_, after)| after);
    }
    plain.push_str(rest);
    assert_eq!(plain, render_human(&plan, false));
}

#[test]
fn an_empty_plan_says_so() {
    let plan = Plan::new("m.wtmap", &Default::default(), vec![], vec![], vec![]);
    assert!(
        render_human(&plan, false)
            .ends_with("No changes. Winningtemp already matches the mapping.\n")
    );
}

#[test]
fn json_rendering() {
    insta::assert_snapshot!(render_json(&sample_plan()));
}

#[test]
fn markdown_rendering() {
    insta::assert_snapshot!(render_markdown(&sample_plan()));
}

#[test]
fn json_reads_back_into_the_same_plan() {
    let plan = sample_plan();
    let back: Plan = serde_json::from_str(&render_json(&plan)).unwrap();
    assert_eq!(back, plan);
}

fn plan_schema() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../docs/plan.schema.json")).unwrap()
}

#[test]
fn the_schema_lists_exactly_the_rust_action_tags() {
    let schema = plan_schema();
    let options = schema["$defs"]["action"]["oneOf"].as_array().unwrap();
    let in_schema: BTreeSet<String> = options
        .iter()
        .map(|o| {
            let name = o["$ref"].as_str().unwrap().trim_start_matches("#/$defs/");
            schema["$defs"][name]["properties"]["action"]["const"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let in_rust: BTreeSet<String> = ActionKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(in_schema, in_rust);
    // And the tags serde writes are the ones `as_str` names.
    for a in every_action() {
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["action"], a.action.kind().as_str());
    }
}

#[test]
fn a_rendered_plan_satisfies_the_schema() {
    let json: serde_json::Value = serde_json::from_str(&render_json(&sample_plan())).unwrap();
    assert_eq!(check(&plan_schema(), &json), Vec::<String>::new());
    // With its inputs, as `wtmap plan` writes it; and serde reads back what the writer wrote.
    let mut bound = sample_plan();
    bound.inputs = Some(crate::plan::PlanInputs {
        mapping: "/srv/m.wtmap".into(),
        mapping_sha256: "a".repeat(64),
        target: "scim:https://scim.example".into(),
        state_sha256: "b".repeat(64),
    });
    let text = render_json(&bound);
    let with_inputs: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(check(&plan_schema(), &with_inputs), Vec::<String>::new());
    let back: crate::plan::Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back.inputs, bound.inputs);
    let mut broken = json.clone();
    broken["actions"][0]["colour"] = "red".into();
    broken["summary"]["total"] = "many".into();
    assert_eq!(
        check(&plan_schema(), &broken).len(),
        2,
        "the checker really checks"
    );
}

#[test]
fn a_written_state_satisfies_the_state_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/state.schema.json")).unwrap();
    let before =
        crate::diff::tests::fixtures::current(vec![crate::diff::tests::fixtures::current_user(
            None, "a@x",
        )]);
    let state = apply_to_state(&before, &sample_plan().actions);
    let json: serde_json::Value =
        serde_json::from_str(&crate::state::state_to_json(&state)).unwrap();
    assert_eq!(check(&schema, &json), Vec::<String>::new());
    assert!(
        state.memberships.iter().all(|m| m.managed),
        "created relations are managed"
    );
}

/// The ```json blocks of a Markdown document.
fn json_blocks(markdown: &str) -> Vec<String> {
    markdown
        .split("```json\n")
        .skip(1)
        .filter_map(|block| block.split("\n```").next().map(str::to_string))
        .collect()
}

#[test]
fn the_documented_examples_are_valid() {
    let plan_doc = json_blocks(include_str!("../../../docs/plan.md"));
    let example: serde_json::Value = serde_json::from_str(&plan_doc[0]).unwrap();
    assert_eq!(check(&plan_schema(), &example), Vec::<String>::new());
    let state_doc = json_blocks(include_str!("../../../docs/state.md"));
    crate::state::parse_state(&state_doc[0], "docs/state.md").unwrap();
}

/// The schema lists the attributes a created user can carry: Winningtemp's, without
/// `username` (the action's own field) and those a user keeps apart.
#[test]
fn the_schema_lists_the_attributes_a_created_user_can_have() {
    let schema = plan_schema();
    let listed: Vec<&str> = schema["$defs"]["attributes"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: Vec<&str> = crate::model::ATTRIBUTE_NAMES
        .into_iter()
        .filter(|n| !matches!(*n, "username" | "external_id" | "manager" | "status"))
        .collect();
    assert_eq!(listed, expected);
}

/// The sort keeps 4-byte positions; the 8-byte ones (for lists longer than 2^32) must give the
/// same order from any starting order.
#[test]
fn sorting_by_4_or_8_byte_positions_gives_one_order() {
    let mut expected = every_action();
    sort_actions(&mut expected);
    for turn in 0..expected.len() {
        let mut narrow = every_action();
        narrow.rotate_left(turn);
        if turn % 2 == 1 {
            narrow.reverse();
        }
        let mut wide = narrow.clone();
        crate::action::order::sort_by_position::<u32>(&mut narrow);
        crate::action::order::sort_by_position::<usize>(&mut wide);
        assert_eq!(narrow, expected, "turned {turn}");
        assert_eq!(wide, expected, "turned {turn}");
    }
}

#[test]
fn in_order_tells_sorted_actions_from_others() {
    let mut actions = every_action();
    assert!(
        !crate::action::in_order(&actions),
        "the sample is listed out of order"
    );
    sort_actions(&mut actions);
    assert!(crate::action::in_order(&actions));
    actions.swap(0, 1);
    assert!(!crate::action::in_order(&actions));
    assert!(crate::action::in_order(&[]));
}
