//! The JSON plan written by the direct writer against what serde derives: byte for byte, for
//! every action kind, option, empty list and escape, and read back into the same plan.

use super::{every_action, sample_plan};
use crate::action::{ActionKind, Change, sort_actions};
use crate::diff::tests::fixtures::because;
use crate::guard::GuardOutcome;
use crate::model::{AttrValue, MappedAttributes, NewUserAttributes};
use crate::model::{GuardLimit, QuarantinedRecord, Role, RunWarning, SkippedRecord, UserStatus};
use crate::plan::json_layout::{needs_escape, string};
use crate::plan::*;
use serde::Serialize;

/// Text with every kind of character serde_json treats differently: quotes, backslashes,
/// the named and the `\u00XX` control characters, DEL, and non-ASCII around word bounds.
const AWKWARD: &str = "a\"b\\c\u{8}\t\n\u{c}\r\u{0}\u{1f}\u{7f} é ✓ 🙂 \u{2028}/<>&";

/// Actions of every kind with the awkward cases: empty maps and lists, booleans, unset
/// values, changes with and without `because`, options both ways.
fn awkward_actions() -> Vec<PlannedAction> {
    let s = String::from;
    let planned = |action| PlannedAction {
        action,
        because: because(AWKWARD, 0),
    };
    // A created user's attributes are Winningtemp's, named in plain ASCII; their values are not.
    let attributes = [
        ("exclude_from_surveys", AttrValue::Bool(false)),
        ("title", AttrValue::Text(AWKWARD.into())),
    ];
    vec![
        planned(Action::CreateUser {
            external_id: s(AWKWARD).into(),
            username: s("").into(),
            attributes: NewUserAttributes::default(),
            status: UserStatus::Paused,
        }),
        planned(Action::CreateUser {
            external_id: s("1").into(),
            username: s("u").into(),
            attributes: MappedAttributes::from_pairs(attributes).unwrap().into(),
            status: UserStatus::Active,
        }),
        planned(Action::UpdateUser {
            external_id: s("2").into(),
            username: s("v").into(),
            changes: vec![].into(),
            link: true,
        }),
        planned(Action::UpdateUser {
            external_id: s("3").into(),
            username: s("w").into(),
            changes: vec![
                Change {
                    attribute: s("exclude_from_surveys"),
                    from: Some(AttrValue::Bool(true)),
                    to: None,
                    because: None,
                },
                Change {
                    attribute: s(AWKWARD),
                    from: None,
                    to: Some(AttrValue::Text(AWKWARD.into())),
                    because: Some(because(AWKWARD, usize::MAX)),
                },
            ]
            .into(),
            link: false,
        }),
        planned(Action::PauseUser {
            external_id: None,
            username: s(AWKWARD).into(),
        }),
        planned(Action::MoveTeam {
            external_id: s("t").into(),
            from: Some(s(AWKWARD).into()),
            to: None,
        }),
        planned(Action::CreateTeam {
            external_id: s("t").into(),
            name: s(AWKWARD).into(),
            parent: None,
        }),
        planned(Action::RemoveMembership {
            user: s(AWKWARD).into(),
            team: s("t").into(),
            role: Role::Manager,
        }),
    ]
}

/// A plan with everything a plan can hold, awkward text in every string.
fn awkward_plan() -> Plan {
    let s = String::from;
    let desired = crate::model::DesiredState {
        source_records: usize::MAX,
        skipped: vec![SkippedRecord {
            record_id: Some(s(AWKWARD)),
            position: 3,
            line: Some(4),
            external_id: None,
            username: Some(s(AWKWARD)),
            because: because(AWKWARD, 1),
            name: None,
        }],
        quarantined: vec![QuarantinedRecord {
            record_id: Some(s(AWKWARD)),
            position: 3,
            line: Some(4),
            external_id: Some(s(AWKWARD)),
            username: None,
            code: s("E0401"),
            reason: s(AWKWARD),
            because: because(AWKWARD, 2),
            name: None,
        }],
        warnings: vec![RunWarning {
            code: s("W0451"),
            record_id: None,
            message: s(AWKWARD),
        }],
        ..Default::default()
    };
    let guard = |limit, actual| GuardOutcome {
        guard: s(AWKWARD),
        because: because(AWKWARD, 3),
        limit,
        actual,
        passed: false,
        overridden: true,
        override_flag: s("--allow-mass-pause"),
        message: s(AWKWARD),
    };
    let mut actions = every_action();
    actions.extend(awkward_actions());
    sort_actions(&mut actions);
    Plan::new(
        AWKWARD,
        &desired,
        actions,
        vec![],
        vec![
            guard(GuardLimit::Count(u64::MAX), None),
            guard(GuardLimit::Percent(0.1), Some(1e-7)),
            guard(GuardLimit::Percent(f64::NAN), Some(f64::INFINITY)),
            guard(GuardLimit::Count(0), Some(123_456.5)),
        ],
    )
}

fn serde_pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

#[test]
fn every_action_kind_is_written_as_serde_writes_it_and_reads_back() {
    let actions: Vec<PlannedAction> = every_action()
        .into_iter()
        .chain(awkward_actions())
        .collect();
    let kinds: std::collections::BTreeSet<ActionKind> =
        actions.iter().map(|a| a.action.kind()).collect();
    assert_eq!(kinds.len(), ActionKind::ALL.len(), "every kind is covered");
    for planned in actions {
        let plan = Plan::new(
            "m.wtmap",
            &Default::default(),
            vec![planned],
            vec![],
            vec![],
        );
        let text = render_json(&plan);
        assert_eq!(text, format!("{}\n", serde_pretty(&plan)));
        let back: Plan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, plan);
    }
}

#[test]
fn the_direct_writer_writes_what_serde_writes() {
    let empty = Plan::new("m.wtmap", &Default::default(), vec![], vec![], vec![]);
    for plan in [sample_plan(), awkward_plan(), empty] {
        assert_eq!(render_json(&plan), format!("{}\n", serde_pretty(&plan)));
    }
}

#[test]
fn the_written_plan_reads_back_into_the_same_plan() {
    // NaN never equals itself: compare the plan without the guards that hold one.
    let mut plan = awkward_plan();
    plan.guards.truncate(2);
    let back: Plan = serde_json::from_str(&render_json(&plan)).unwrap();
    assert_eq!(back, plan);
}

/// Takes at most a few bytes a call, as a pipe may, to show that `write_json` writes every
/// byte and nothing twice.
struct Trickle(Vec<u8>);

impl std::io::Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(7);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn streaming_writes_the_same_bytes_as_the_string() {
    // Large enough to be passed on in several pieces.
    let mut plan = awkward_plan();
    let many: Vec<PlannedAction> = (0..400).flat_map(|_| awkward_actions()).collect();
    plan.actions.extend(many);
    let mut out = Trickle(Vec::new());
    write_json(&plan, &mut out).unwrap();
    let text = render_json(&plan);
    assert!(text.len() > 4 * (1 << 16), "{} bytes", text.len());
    assert_eq!(String::from_utf8(out.0).unwrap(), text);
}

#[test]
fn rendering_on_several_threads_writes_the_same_bytes_as_the_string() {
    let mut plan = awkward_plan();
    let many: Vec<PlannedAction> = (0..60).flat_map(|_| awkward_actions()).collect();
    plan.actions.extend(many);
    let text = render_json(&plan);
    // Pieces of one action (more pieces than fit in the channels), of a few (not dividing the
    // action count), and as many threads as pieces or fewer.
    for (threads, piece) in [(2, 1), (2, 7), (3, 5), (4, 3), (3, plan.actions.len() / 4)] {
        let mut out = Trickle(Vec::new());
        crate::plan::json::write_json_on(&plan, &mut out, threads, piece).unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            text,
            "{threads} threads, {piece} a piece"
        );
    }
}

#[test]
fn a_failing_output_on_several_threads_is_reported_and_stops_the_helpers() {
    struct FailsAfter(usize);
    impl std::io::Write for FailsAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut plan = awkward_plan();
    plan.actions = (0..200).flat_map(|_| awkward_actions()).collect();
    // Fails part-way through the actions: the helpers, blocked two pieces ahead, must hang up
    // or the scope would never end.
    let err = crate::plan::json::write_json_on(&plan, &mut FailsAfter(100_000), 3, 2).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
}

#[test]
fn a_failing_output_is_reported() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = write_json(&sample_plan(), &mut Full).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    // Every ASCII character at every position of strings around the eight-byte words, on a
    // plain and on a non-ASCII background.
    for background in ["abcdefghijklmnopqrstuvwxyz", "åäöÅÄÖéü✓🙂"] {
        let chars: Vec<char> = background.chars().cycle().take(19).collect();
        for len in 0..chars.len() {
            for at in 0..=len {
                for c in (0u8..=0x7f).map(char::from) {
                    let mut text: String = chars[..len].iter().collect();
                    let at = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
                    text.insert(at, c);
                    let mut out = Vec::new();
                    string(&mut out, &text);
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        serde_json::to_string(&text).unwrap(),
                        "{text:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_word_test_finds_exactly_the_bytes_to_escape() {
    let special = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    // Every byte value in every position, among neighbours that do and do not need escaping
    // and that carry the high bit (UTF-8), where borrows could mislead the test.
    for fill in [
        b'a', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xa2, 0xdc, 0xff, 0, b'"',
    ] {
        for at in 0..8 {
            for byte in 0..=255u8 {
                let mut word = [fill; 8];
                word[at] = byte;
                assert_eq!(
                    needs_escape(u64::from_le_bytes(word)),
                    word.iter().any(|&b| special(b)),
                    "{word:x?}"
                );
            }
        }
    }
}
