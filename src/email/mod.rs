//! The report email: one multipart/alternative message (plain text and HTML) to the mapping's
//! `report to` recipients, over SMTP with `lettre`. The server, port, credentials and TLS mode
//! come from the environment (`WTMAP_SMTP_*`, read through [`Env`]), never from the mapping.
//!
//! Sending never panics and never hides a failure: every problem becomes
//! [`EmailOutcome::Failed`] with a message that names the setting or the server's answer, with
//! the password redacted.

mod settings;

pub use settings::{SmtpSettings, TlsMode};

use crate::env::Env;
use crate::report::{Counts, Report};
use crate::report::{EmailOutcome, RunStatus};
use lettre::message::{Mailbox, Mailboxes, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

/// Longest subject; mail clients cut around here anyway.
const SUBJECT_MAX: usize = 150;

/// The subject, plain words an HR inbox can sort: `acme: 3 created, 1 paused, 2 need
/// attention`, or `acme: ABORTED by guard pauses <= 5%`. "Need attention" is the quarantined
/// records: the people HR must fix in the HR system.
pub fn subject(report: &Report) -> String {
    let c = &report.counts;
    let what = match report.status {
        RunStatus::Success | RunStatus::SuccessWithQuarantine => {
            let mut parts = vec![short_changes(c)];
            if c.quarantined > 0 {
                parts.push(format!("{} need attention", c.quarantined));
            }
            parts.join(", ")
        }
        RunStatus::GuardAborted => {
            let guards: Vec<&str> = report.failed_guards().map(|g| g.guard.as_str()).collect();
            format!("ABORTED by guard {}", guards.join(", "))
        }
        RunStatus::SourceFailed => "FAILED: the source could not be read".to_string(),
        RunStatus::TargetFailed if c.failed > 0 => {
            let failed = format!("FAILED: {} of {} actions failed", c.failed, c.planned);
            match short_changes(c).as_str() {
                "no changes" => failed,
                done => format!("{failed}; done: {done}"),
            }
        }
        RunStatus::TargetFailed => "FAILED: the target could not be reached".to_string(),
        RunStatus::MappingInvalid => "FAILED: the mapping has errors".to_string(),
        RunStatus::Locked => "NOT RUN: another run holds the lock".to_string(),
    };
    let mut text = format!("{}: {what}", report.mapping.name);
    if text.chars().count() > SUBJECT_MAX {
        text = text.chars().take(SUBJECT_MAX - 1).collect::<String>() + "…";
    }
    text
}

/// The user changes one by one and the rest as one number, so the subject stays short:
/// `3 created, 1 paused, 12 team and membership changes`.
fn short_changes(c: &Counts) -> String {
    let users = [
        ("created", c.created),
        ("updated", c.updated),
        ("linked", c.linked),
        ("paused", c.paused),
        ("reactivated", c.reactivated),
    ];
    let mut parts: Vec<String> = users
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!("{n} {label}"))
        .collect();
    let others: usize = c.changes().iter().skip(users.len()).map(|(_, n)| n).sum();
    if others > 0 {
        parts.push(format!("{others} team, membership and segment changes"));
    }
    if parts.is_empty() {
        "no changes".to_string()
    } else {
        parts.join(", ")
    }
}

/// The two parts of the message: the report as rendered once for the run folder
/// (`report.txt`, `report.html`); the email carries exactly these bytes.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    /// The text part.
    pub text: &'a str,
    /// The HTML part.
    pub html: &'a str,
}

/// Builds the message: `body` as multipart/alternative, with the subject of `report`.
pub fn compose(
    settings: &SmtpSettings,
    to: &[String],
    report: &Report,
    body: Body<'_>,
) -> Result<Message, String> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("WTMAP_SMTP_FROM `{}` is not an address: {e}", settings.from))?;
    let mut mailboxes = Mailboxes::new();
    for address in to {
        let mailbox: Mailbox = address
            .parse()
            .map_err(|e| format!("the recipient `{address}` is not an address: {e}"))?;
        mailboxes.push(mailbox);
    }
    Message::builder()
        .from(from)
        .mailbox(header::To::from(mailboxes))
        .subject(subject(report))
        // A Message-ID of our own (`<uuid@hostname>`): threads, deduplication and relays'
        // spam scores expect one, and some relays refuse mail without it.
        .message_id(None)
        .multipart(MultiPart::alternative_plain_html(
            body.text.to_string(),
            body.html.to_string(),
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// What will become of the email, known before anything is sent: no recipients, not
/// configured, settings that are wrong, or `Sent` to the recipients (what the renderings
/// show; [`deliver`] then says whether it really went out).
pub fn planned(send: bool, recipients: &[String], env: &dyn Env) -> EmailOutcome {
    if !send {
        return EmailOutcome::NotConfigured;
    }
    if recipients.is_empty() {
        return EmailOutcome::NoRecipients;
    }
    match SmtpSettings::from_env(env) {
        Ok(Some(_)) => EmailOutcome::Sent {
            to: recipients.to_vec(),
        },
        Ok(None) => EmailOutcome::NotConfigured,
        Err(message) => EmailOutcome::Failed { message },
    }
}

/// Sends a message over SMTP as `settings` say.
pub fn send(settings: &SmtpSettings, message: &Message) -> Result<(), String> {
    let tls = |host: &str| {
        TlsParameters::new(host.to_string()).map_err(|e| format!("cannot set up TLS: {e}"))
    };
    let mut builder = SmtpTransport::builder_dangerous(&settings.host)
        .port(settings.port)
        .timeout(Some(settings.timeout));
    builder = match settings.tls {
        TlsMode::None => builder.tls(Tls::None),
        TlsMode::StartTls => builder.tls(Tls::Required(tls(&settings.host)?)),
        TlsMode::Tls => builder.tls(Tls::Wrapper(tls(&settings.host)?)),
    };
    if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    let transport = builder.build();
    transport.send(message).map(|_| ()).map_err(|e| {
        let text = format!(
            "SMTP {}:{} ({}): {e}",
            settings.host,
            settings.port,
            settings.tls.as_str()
        );
        match &settings.password {
            // The server may echo the AUTH PLAIN payload (base64 of user and password).
            Some(p) => {
                let user = settings.user.as_deref().unwrap_or_default();
                crate::env::Redactor::new(crate::env::smtp_auth_forms(user, p.expose()))
                    .redact(&text)
            }
            None => text,
        }
    })
}

/// Sends `body` (the report as rendered for the run folder) to `recipients` when email is
/// configured; every outcome is returned, none is raised.
pub fn deliver(
    report: &Report,
    body: Body<'_>,
    recipients: &[String],
    env: &dyn Env,
) -> EmailOutcome {
    if recipients.is_empty() {
        return EmailOutcome::NoRecipients;
    }
    let settings = match SmtpSettings::from_env(env) {
        Ok(Some(s)) => s,
        Ok(None) => return EmailOutcome::NotConfigured,
        Err(message) => return EmailOutcome::Failed { message },
    };
    let result = compose(&settings, recipients, report, body).and_then(|m| send(&settings, &m));
    match result {
        Ok(()) => EmailOutcome::Sent {
            to: recipients.to_vec(),
        },
        Err(message) => EmailOutcome::Failed { message },
    }
}

#[cfg(test)]
mod tests;
