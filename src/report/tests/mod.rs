mod hostile;

use super::*;
use crate::action::PlannedAction;
use crate::model::{Because, QuarantinedRecord, UserStatus};

fn because(statement: &str, line: usize) -> Because {
    Because::new(statement, line)
}

fn action(action: Action, result: Outcome) -> ActionReport {
    ActionReport {
        index: 0,
        action: PlannedAction {
            action,
            because: because("user { … }", 3),
        },
        result,
        earlier_run: false,
    }
}

fn create(id: &str, username: &str) -> Action {
    Action::CreateUser {
        external_id: id.into(),
        username: username.into(),
        attributes: Default::default(),
        status: UserStatus::Active,
    }
}

pub(super) fn report(actions: Vec<ActionReport>) -> Report {
    Report {
        format: REPORT_FORMAT.into(),
        run_id: "20261121T010000Z-0001".into(),
        status: RunStatus::SuccessWithQuarantine,
        exit_code: 4,
        message: "done <b>".into(),
        mapping: MappingIdentity {
            path: "m.wtmap".into(),
            name: "m".into(),
            sha256: "ab".repeat(32),
        },
        source: Endpoint {
            kind: "csv".into(),
            location: "people.csv".into(),
        },
        target: Endpoint {
            kind: "winningtemp.files".into(),
            location: "out".into(),
        },
        started: chrono::DateTime::UNIX_EPOCH,
        finished: chrono::DateTime::UNIX_EPOCH,
        duration_seconds: 0.25,
        today: NaiveDate::from_ymd_opt(2026, 11, 21),
        counts: Counts::of(&actions),
        guards: Vec::new(),
        source_records: None,
        fill_rates: Vec::new(),
        actions,
        skipped: Vec::new(),
        quarantined: vec![QuarantinedRecord {
            record_id: Some("7 <script>alert(1)</script>".into()),
            position: 7,
            line: Some(8),
            external_id: None,
            username: None,
            code: "E0401".into(),
            reason: "field `name` is | \"odd\" & <empty>".into(),
            because: because("first_name = name", 12),
            name: None,
        }],
        warnings: Vec::new(),
        notes: vec!["a *note*".into()],
        apply: None,
        email: EmailOutcome::NotConfigured,
        attention: Vec::new(),
        trend: Vec::new(),
    }
}

#[test]
fn counts_are_of_what_was_done() {
    let actions = vec![
        action(create("1", "a@x"), Outcome::ok("created")),
        action(create("2", "b@x"), Outcome::failed("HTTP 409")),
        action(create("3", "c@x"), Outcome::skipped("not applied")),
        action(
            Action::PauseUser {
                external_id: Some("4".into()),
                username: "d@x".into(),
            },
            Outcome::Ok { detail: None },
        ),
    ];
    let c = Counts::of(&actions);
    assert_eq!(
        (c.planned, c.created, c.paused, c.failed, c.not_done),
        (4, 1, 1, 1, 1)
    );
    assert_eq!(changes_phrase(&c), "1 created, 1 paused");
    assert_eq!(changes_phrase(&Counts::default()), "no changes");
}

#[test]
fn html_escapes_everything_from_data_and_has_nothing_to_fetch() {
    let r = report(vec![action(
        create("<img src=x>", "a&b@x"),
        Outcome::failed("server said <html>"),
    )]);
    let html = render_html(&r);
    assert!(html.contains("7 &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;odd&quot; &amp; &lt;empty&gt;"));
    assert!(html.contains("create user &lt;img src=x&gt; a&amp;b@x"));
    assert!(html.contains("server said &lt;html&gt;"));
    assert!(html.contains("done &lt;b&gt;"));
    for bad in ["<script", "<img", "<html>", "<style", "<link"] {
        assert!(!html.contains(bad), "{bad} appears unescaped");
    }
    for external in ["http://", "https://", " src=\"", "url("] {
        assert!(!html.contains(external), "nothing external: {external}");
    }
    assert!(html.contains("default-src 'none'"), "a CSP that says so");
}

#[test]
fn markdown_escapes_what_would_break_a_table() {
    let md = render_markdown(&report(Vec::new()));
    let row = md
        .lines()
        .find(|l| l.contains("E0401"))
        .expect("a quarantine row");
    assert_eq!(row.matches(" | ").count(), 3, "{row}");
    assert!(row.contains("\\| \"odd\" \\& \\<empty\\>"), "{row}");
    assert!(md.contains("- a \\*note\\*"));
}

#[test]
fn text_shows_the_quarantined_record_its_reason_and_line() {
    let text = render_text(&report(Vec::new()));
    assert!(text.contains(
        "  - name unknown (HR ID 7 <script>alert(1)</script>)\n      name is empty: fill it in, it is needed for the first name\n      mapping: first_name = name (line 12) · E0401: field `name` is | \"odd\" & <empty>\n"
    ), "{text}");
    assert!(text.starts_with(
        "wtmap run of m: SUCCESS WITH QUARANTINED RECORDS\nWinningtemp was already in step with the HR system; 1 person needs attention in the HR system.\n\nAction needed\n  Fix these in the HR system; until then their Winningtemp users are left as they are:\n  - name unknown"
    ), "{text}");
}

#[test]
fn the_email_renderings_cut_long_lists_and_say_so() {
    let actions: Vec<ActionReport> = (0..5)
        .map(|i| action(create(&i.to_string(), "u@x"), Outcome::ok("created")))
        .collect();
    let r = report(actions);
    let text = text_limited(&r, 2);
    assert!(text.contains("Users created (5)"));
    assert_eq!(text.matches("create user").count(), 2);
    assert!(text.contains("… and 3 more, not shown here"));
    let html = html_limited(&r, 2);
    assert_eq!(html.matches("create user").count(), 2);
    assert!(html.contains("… and 3 more, not shown here"));
    assert_eq!(render_text(&r).matches("create user").count(), 5);
}

#[test]
fn json_round_trips() {
    let r = report(vec![action(create("1", "a@x"), Outcome::ok("created"))]);
    let back: Report = serde_json::from_str(&render_json(&r)).expect("parses");
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("parses");
    assert_eq!(v["status"], "success_with_quarantine");
    assert_eq!(v["email"]["status"], "not_configured");
}

#[test]
fn a_run_stopped_before_the_people_tells_the_operator_what_to_do() {
    let mut r = report(Vec::new());
    r.quarantined.clear();
    r.status = RunStatus::SourceFailed;
    r.message = "the source could not be read".into();
    let text = render_text(&r);
    assert!(
        text.contains("\nAction needed\n  For the operator: Nothing was changed."),
        "{text}"
    );
    assert!(render_markdown(&r).contains("For the operator: Nothing was changed."));
    assert!(render_html(&r).contains("data-attention=\"operator\""));
    r.status = RunStatus::Success;
    assert!(!render_text(&r).contains("Action needed"));
}
