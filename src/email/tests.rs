use super::*;
use crate::env::MapEnv;
use crate::guard::GuardOutcome;
use crate::model::{Because, GuardLimit};
use crate::report::{Counts, Endpoint, MappingIdentity, REPORT_FORMAT};

fn env(pairs: &[(&str, &str)]) -> MapEnv {
    MapEnv(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

const BASE: [(&str, &str); 2] = [
    ("WTMAP_SMTP_HOST", "smtp.acme.example"),
    ("WTMAP_SMTP_FROM", "wtmap@acme.example"),
];

fn with(extra: &[(&'static str, &'static str)]) -> MapEnv {
    let mut pairs = BASE.to_vec();
    pairs.extend_from_slice(extra);
    env(&pairs)
}

#[test]
fn settings_default_to_starttls_on_587() {
    assert_eq!(SmtpSettings::from_env(&env(&[])), Ok(None));
    let s = SmtpSettings::from_env(&with(&[])).unwrap().unwrap();
    assert_eq!((s.tls, s.port), (TlsMode::StartTls, 587));
    let s = SmtpSettings::from_env(&with(&[("WTMAP_SMTP_TLS", "TLS")]))
        .unwrap()
        .unwrap();
    assert_eq!((s.tls, s.port), (TlsMode::Tls, 465));
    let s = SmtpSettings::from_env(&with(&[
        ("WTMAP_SMTP_TLS", "none"),
        ("WTMAP_SMTP_PORT", "2525"),
    ]))
    .unwrap()
    .unwrap();
    assert_eq!((s.tls, s.port), (TlsMode::None, 2525));
}

#[test]
fn wrong_settings_are_named() {
    let err =
        |extra: &[(&'static str, &'static str)]| SmtpSettings::from_env(&with(extra)).unwrap_err();
    assert!(err(&[("WTMAP_SMTP_TLS", "ssl")]).starts_with("WTMAP_SMTP_TLS is `ssl`"));
    assert!(err(&[("WTMAP_SMTP_PORT", "99999")]).starts_with("WTMAP_SMTP_PORT is `99999`"));
    assert!(err(&[("WTMAP_SMTP_USER", "u")]).contains("must be set together"));
    let e = err(&[
        ("WTMAP_SMTP_TLS", "none"),
        ("WTMAP_SMTP_USER", "u"),
        ("WTMAP_SMTP_PASSWORD", "hunter22"),
    ]);
    assert!(e.contains("unencrypted"), "{e}");
    assert!(!e.contains("hunter22"));
    let no_from = env(&[("WTMAP_SMTP_HOST", "h")]);
    assert!(
        SmtpSettings::from_env(&no_from)
            .unwrap_err()
            .starts_with("WTMAP_SMTP_FROM is not set")
    );
    // A password to a relay on this machine is fine without TLS.
    let local = env(&[
        ("WTMAP_SMTP_HOST", "127.0.0.1"),
        ("WTMAP_SMTP_FROM", "w@x.example"),
        ("WTMAP_SMTP_TLS", "none"),
        ("WTMAP_SMTP_USER", "u"),
        ("WTMAP_SMTP_PASSWORD", "password"),
    ]);
    assert!(SmtpSettings::from_env(&local).unwrap().is_some());
    // A password too short to redact as a whole is refused, without showing it.
    let short = env(&[
        ("WTMAP_SMTP_HOST", "127.0.0.1"),
        ("WTMAP_SMTP_FROM", "w@x.example"),
        ("WTMAP_SMTP_TLS", "none"),
        ("WTMAP_SMTP_USER", "u"),
        ("WTMAP_SMTP_PASSWORD", "pass123"),
    ]);
    let err = SmtpSettings::from_env(&short).unwrap_err();
    assert!(
        err.starts_with(
            "the SMTP password reads a secret of 7 characters from `WTMAP_SMTP_PASSWORD`; a \
             secret needs at least 8"
        ),
        "{err}"
    );
    assert!(!err.contains("pass123"), "{err}");
}

fn report(status: RunStatus, counts: Counts, guards: Vec<GuardOutcome>) -> Report {
    Report {
        format: REPORT_FORMAT.into(),
        run_id: "r".into(),
        status,
        exit_code: status.exit_code(),
        message: String::new(),
        mapping: MappingIdentity {
            path: "mappings/acme.wtmap".into(),
            name: "acme".into(),
            sha256: String::new(),
        },
        source: Endpoint::default(),
        target: Endpoint::default(),
        started: chrono::DateTime::UNIX_EPOCH,
        finished: chrono::DateTime::UNIX_EPOCH,
        duration_seconds: 0.0,
        today: None,
        counts,
        guards,
        source_records: None,
        fill_rates: Vec::new(),
        actions: Vec::new(),
        skipped: Vec::new(),
        quarantined: Vec::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
        apply: None,
        email: EmailOutcome::NotConfigured,
        attention: Vec::new(),
        trend: Vec::new(),
    }
}

#[test]
fn subjects_say_what_happened() {
    let counts = Counts {
        created: 3,
        paused: 1,
        quarantined: 2,
        memberships_added: 4,
        ..Counts::default()
    };
    let s = |status, counts: &Counts, guards| subject(&report(status, counts.clone(), guards));
    assert_eq!(
        s(RunStatus::SuccessWithQuarantine, &counts, vec![]),
        "acme: 3 created, 1 paused, 4 team, membership and segment changes, 2 need attention"
    );
    assert_eq!(
        s(RunStatus::Success, &Counts::default(), vec![]),
        "acme: no changes"
    );
    let guard = GuardOutcome {
        guard: "pauses <= 5%".into(),
        because: Because::new("guard pauses <= 5%", 9),
        limit: GuardLimit::Percent(5.0),
        actual: Some(30.0),
        passed: false,
        overridden: false,
        override_flag: "--allow-mass-pause".into(),
        message: "…".into(),
    };
    assert_eq!(
        s(RunStatus::GuardAborted, &Counts::default(), vec![guard]),
        "acme: ABORTED by guard pauses <= 5%"
    );
    let failed = Counts {
        planned: 10,
        failed: 2,
        created: 8,
        ..Counts::default()
    };
    assert_eq!(
        s(RunStatus::TargetFailed, &failed, vec![]),
        "acme: FAILED: 2 of 10 actions failed; done: 8 created"
    );
    assert_eq!(
        s(RunStatus::SourceFailed, &Counts::default(), vec![]),
        "acme: FAILED: the source could not be read"
    );
    assert_eq!(
        s(RunStatus::Locked, &Counts::default(), vec![]),
        "acme: NOT RUN: another run holds the lock"
    );
}

#[test]
fn a_bad_recipient_is_a_failure_not_a_panic() {
    let r = report(RunStatus::Success, Counts::default(), vec![]);
    let body = Body {
        text: "t",
        html: "<p>h</p>",
    };
    let outcome = deliver(&r, body, &["not an address".to_string()], &with(&[]));
    let EmailOutcome::Failed { message } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        message.starts_with("the recipient `not an address`"),
        "{message}"
    );
    assert_eq!(
        deliver(&r, body, &[], &with(&[])),
        EmailOutcome::NoRecipients
    );
    assert_eq!(
        deliver(&r, body, &["a@x.example".into()], &env(&[])),
        EmailOutcome::NotConfigured
    );
}

#[test]
fn the_planned_outcome_is_known_before_sending() {
    let to = vec!["a@x.example".to_string()];
    assert_eq!(planned(false, &to, &with(&[])), EmailOutcome::NotConfigured);
    assert_eq!(planned(true, &[], &with(&[])), EmailOutcome::NoRecipients);
    assert_eq!(planned(true, &to, &env(&[])), EmailOutcome::NotConfigured);
    assert_eq!(
        planned(true, &to, &with(&[])),
        EmailOutcome::Sent { to: to.clone() }
    );
    assert!(planned(true, &to, &with(&[("WTMAP_SMTP_TLS", "ssl")])).failed());
}
