//! `wtmap run` of a mapping with errors: nothing is synced, and the people the mapping names
//! in `report to` still get the report saying why (they are the ones who must act).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_smtp;

use mail_parser::MessageParser;
use std::process::{Command, Stdio};
use support_smtp::{SmtpServer, smtp_env};

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_mapping_with_errors_still_emails_its_recipients() {
    let smtp = SmtpServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    // `Emial` is a typo (E0101): the mapping does not check, but its recipients parse.
    std::fs::write(
        dir.path().join("m.wtmap"),
        "source csv {\n  path = \"people.csv\"\n}\nfields {\n  Id: text\n  Email: text\n}\n\
         target winningtemp.files {\n  dir = \"out\"\n}\n\
         user {\n  external_id = Id\n  username = Emial\n  first_name = Id\n  last_name = Id\n}\n\
         report to \"hr@acme.example\", \"not an address\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("people.csv"),
        "Id,Email\n1,a@acme.example\n",
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wtmap"));
    command
        .args(["run", "m.wtmap", "--format", "json"])
        .current_dir(dir.path())
        .stdin(Stdio::null());
    for var in support_smtp::SMTP_VARIABLES {
        command.env_remove(var);
    }
    command.envs(smtp_env(smtp.port));
    let out = command.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["status"], "mapping_invalid", "{report}");
    assert_eq!(report["email"]["status"], "sent", "{report}");
    assert!(!dir.path().join("out").exists(), "nothing was delivered");

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].rcpt_tos,
        ["hr@acme.example"],
        "only valid addresses"
    );
    let parsed = MessageParser::default().parse(&messages[0].raw).unwrap();
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("Emial"), "the report names the error: {text}");
}
