//! SMTP settings from the environment: `WTMAP_SMTP_HOST`, `WTMAP_SMTP_PORT`,
//! `WTMAP_SMTP_USER`, `WTMAP_SMTP_PASSWORD`, `WTMAP_SMTP_TLS` (`none`, `starttls`, `tls`) and
//! `WTMAP_SMTP_FROM`.

use crate::env::Env;
use crate::env::Secret;
use std::time::Duration;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (a relay on the same host or network). Credentials only to loopback.
    None,
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte, "SMTPS" (port 465).
    Tls,
}

impl TlsMode {
    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        }
    }

    /// The usual port of the mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        }
    }
}

/// Where and how to send the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// The server's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The login, when the server wants one.
    pub user: Option<String>,
    /// The password (never printed).
    pub password: Option<Secret>,
    /// Connection protection.
    pub tls: TlsMode,
    /// The sender address.
    pub from: String,
    /// Time limit for each step of the conversation with the server.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// The settings, `Ok(None)` when `WTMAP_SMTP_HOST` is unset (email is not configured), or
    /// an error naming the setting that is wrong.
    pub fn from_env(env: &dyn Env) -> Result<Option<SmtpSettings>, String> {
        let var = |name: &str| env.var(name).filter(|v| !v.trim().is_empty());
        let Some(host) = var("WTMAP_SMTP_HOST") else {
            return Ok(None);
        };
        let host = host.trim().to_string();
        let tls = match var("WTMAP_SMTP_TLS").map(|t| t.trim().to_ascii_lowercase()) {
            None => TlsMode::StartTls,
            Some(t) => match t.as_str() {
                "none" => TlsMode::None,
                "starttls" => TlsMode::StartTls,
                "tls" => TlsMode::Tls,
                _ => {
                    return Err(format!(
                        "WTMAP_SMTP_TLS is `{t}`; it must be `none`, `starttls` or `tls`"
                    ));
                }
            },
        };
        let port = match var("WTMAP_SMTP_PORT") {
            None => tls.default_port(),
            Some(p) => p
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("WTMAP_SMTP_PORT is `{p}`, not a port number"))?,
        };
        let user = var("WTMAP_SMTP_USER");
        let password = env.var("WTMAP_SMTP_PASSWORD").filter(|p| !p.is_empty());
        if user.is_some() != password.is_some() {
            return Err(
                "WTMAP_SMTP_USER and WTMAP_SMTP_PASSWORD must be set together, or neither".into(),
            );
        }
        if let Some(problem) = password
            .as_deref()
            .and_then(|p| crate::env::secret_too_short("WTMAP_SMTP_PASSWORD", p))
        {
            return Err(format!("the SMTP password {problem}"));
        }
        // A password over an unencrypted connection can be read on the way; only a relay on
        // this machine is close enough for that to be acceptable.
        if user.is_some() && tls == TlsMode::None && !is_loopback(&host) {
            return Err(format!(
                "WTMAP_SMTP_TLS is `none`, so the password would cross the network to `{host}` unencrypted; use `starttls` or `tls`"
            ));
        }
        let from = var("WTMAP_SMTP_FROM").ok_or_else(|| {
            "WTMAP_SMTP_FROM is not set: the report email needs a sender address".to_string()
        })?;
        Ok(Some(SmtpSettings {
            host,
            port,
            user,
            password: password.map(Secret::new),
            tls,
            from: from.trim().to_string(),
            timeout: Duration::from_secs(30),
        }))
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
