//! The report email against a real SMTP server (`aiosmtpd` on loopback): the message that
//! arrives is parsed back and its envelope, headers and both parts are checked; a server that
//! is down, refuses the login or offers no STARTTLS is a recorded failure that turns a good
//! sync's exit code into 8 and never shows the password.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_smtp;

use mail_parser::{MessageParser, MimeHeaders};
use std::path::Path;
use support_smtp::fixture::{TODAY, kb, only_run_folder};
use support_smtp::{SmtpServer, free_port, smtp_env};
use wtmap::env::MapEnv;
use wtmap::report::{EmailOutcome, RunStatus};
use wtmap::run::{RunOptions, RunSummary, run_once};

const RECIPIENTS: &str = "report to \"hr@kommunalbolaget.example\", \"it@kommunalbolaget.example\"";
const PASSWORD: &str = "smtp-pass-6d2f9a";

fn run(dir: &Path, env: Vec<(String, String)>) -> RunSummary {
    let opts = RunOptions {
        today: Some(TODAY.parse().unwrap()),
        runs_dir: Some(dir.join("runs")),
        ..RunOptions::default()
    };
    run_once(
        &dir.join("kb.wtmap"),
        &opts,
        &MapEnv(env.into_iter().collect()),
    )
}

/// Every file under `dir`, as text.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.push_str(&all_text(&p));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn the_report_arrives_as_text_and_html_to_every_recipient() {
    let server = SmtpServer::start(None);
    let dir = kb(RECIPIENTS);
    let summary = run(dir.path(), smtp_env(server.port));
    assert_eq!(summary.status, RunStatus::SuccessWithQuarantine);
    assert_eq!(
        summary.email,
        EmailOutcome::Sent {
            to: vec![
                "hr@kommunalbolaget.example".into(),
                "it@kommunalbolaget.example".into()
            ]
        }
    );
    assert_eq!(summary.exit_code(), 4);

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.mail_from, "wtmap@acme.example");
    assert_eq!(
        m.rcpt_tos,
        ["hr@kommunalbolaget.example", "it@kommunalbolaget.example"]
    );
    let parsed = MessageParser::default().parse(&m.raw).unwrap();
    assert_eq!(
        parsed.subject().unwrap(),
        "kb: 2 created, 4 updated, 2 paused, 1 reactivated, \
         10 team, membership and segment changes, 4 need attention"
    );
    let message_id = parsed.message_id().expect("a Message-ID");
    assert!(message_id.contains('@'), "{message_id}");
    let to: Vec<&str> = parsed
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(
        to,
        ["hr@kommunalbolaget.example", "it@kommunalbolaget.example"]
    );
    let ct = parsed.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("wtmap run of kb: SUCCESS WITH QUARANTINED RECORDS"));
    assert!(text.contains("Gunnar Lindeberg (HR ID 1047"), "{text}");
    assert!(text.contains("email     to hr@kommunalbolaget.example, it@kommunalbolaget.example"));
    let html = parsed.body_html(0).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("Action needed"));
    assert!(html.contains("Gunnar Lindeberg"));
    // Self-contained: nothing a mail client would fetch or run.
    for forbidden in [
        "<script", "<img", "<link", "<style", "http://", "https://", "url(",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} in the HTML part");
    }

    // Rendered once: the email carries exactly the bytes stored in the run folder. MIME's
    // canonical form of text ends lines with CRLF (RFC 2046 4.1.1), so the mail has CRLF where
    // the file has LF; nothing else may differ.
    let folder = only_run_folder(&dir.path().join("runs"), "kb");
    let stored = |name: &str| std::fs::read_to_string(folder.join(name)).unwrap();
    let canonical = |s: &str| s.replace("\r\n", "\n");
    assert!(
        canonical(&text) == stored("report.txt"),
        "the text part is not report.txt"
    );
    assert!(
        canonical(&html) == stored("report.html"),
        "the HTML part is not report.html"
    );

    // The stored report says the email went out.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["email"]["status"], "sent");
    assert_eq!(json["email"]["to"][1], "it@kommunalbolaget.example");
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_login_is_used_and_the_password_never_shown() {
    let server = SmtpServer::start(Some(("wtmap", PASSWORD)));
    let with_password = |password: &str| {
        let mut env = smtp_env(server.port);
        env.push(("WTMAP_SMTP_USER".into(), "wtmap".into()));
        env.push(("WTMAP_SMTP_PASSWORD".into(), password.into()));
        env
    };

    let dir = kb(RECIPIENTS);
    let good = run(dir.path(), with_password(PASSWORD));
    assert!(
        matches!(good.email, EmailOutcome::Sent { .. }),
        "{:?}",
        good.email
    );
    assert_eq!(server.messages()[0].login.as_deref(), Some("wtmap"));

    // A wrong password: refused, recorded, exit 8, and the password appears nowhere.
    let wrong = "wrong-pass-0b1c2d";
    let dir = kb(RECIPIENTS);
    let bad = run(dir.path(), with_password(wrong));
    let EmailOutcome::Failed { message } = &bad.email else {
        panic!("{:?}", bad.email)
    };
    assert!(
        message.contains("535") || message.contains("uthentication"),
        "{message}"
    );
    assert_eq!(bad.status, RunStatus::SuccessWithQuarantine);
    assert_eq!(bad.exit_code(), 8);
    assert_eq!(server.messages().len(), 1);
    let files = all_text(dir.path());
    for secret in [wrong, PASSWORD] {
        assert!(!message.contains(secret) && !bad.message.contains(secret));
        assert!(!files.contains(secret), "the password is in a file");
    }
}

#[test]
fn smtp_down_is_a_recorded_failure_and_the_sync_still_counts() {
    let dir = kb(RECIPIENTS);
    let mut env = smtp_env(free_port()); // nothing listens there
    env.push(("WTMAP_SMTP_USER".into(), "wtmap".into()));
    env.push(("WTMAP_SMTP_PASSWORD".into(), PASSWORD.into()));
    let summary = run(dir.path(), env);
    let EmailOutcome::Failed { message } = &summary.email else {
        panic!("{:?}", summary.email)
    };
    assert!(message.starts_with("SMTP 127.0.0.1:"), "{message}");
    assert_eq!(summary.exit_code(), 8);
    // The sync itself happened: the export is there.
    assert!(dir.path().join("out/wt_users.csv").is_file());

    let folder = only_run_folder(&dir.path().join("runs"), "kb");
    let text = std::fs::read_to_string(folder.join("report.txt")).unwrap();
    assert!(text.contains("email     FAILED: SMTP 127.0.0.1:"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["email"]["status"], "failed");
    assert_eq!(json["exit_code"], 8);
    assert!(!all_text(dir.path()).contains(PASSWORD));
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn starttls_is_required_by_default_and_never_skipped() {
    let server = SmtpServer::start(None);
    let dir = kb(RECIPIENTS);
    let env: Vec<(String, String)> = smtp_env(server.port)
        .into_iter()
        .filter(|(k, _)| k != "WTMAP_SMTP_TLS")
        .collect();
    let summary = run(dir.path(), env);
    let EmailOutcome::Failed { message } = &summary.email else {
        panic!("{:?}", summary.email)
    };
    assert!(message.contains("(starttls)"), "{message}");
    assert!(server.messages().is_empty(), "sent in plain text");
}

#[test]
fn without_smtp_settings_or_recipients_nothing_is_sent_and_nothing_fails() {
    let dir = kb(RECIPIENTS);
    let summary = run(dir.path(), Vec::new());
    assert_eq!(summary.email, EmailOutcome::NotConfigured);
    assert_eq!(summary.exit_code(), 4);

    let dir = kb("");
    let summary = run(dir.path(), smtp_env(free_port()));
    assert_eq!(summary.email, EmailOutcome::NoRecipients);
    assert_eq!(summary.exit_code(), 4);
}
