//! The environment, injected: `env("NAME")` settings (tokens, passwords, keys) are read
//! through [`Env`], so tests pass a map and never touch the process environment, which
//! parallel tests share. Connectors, targets and the nightly job all use this one trait.

use std::collections::HashMap;

/// Where `env("NAME")` settings are read from.
pub trait Env: Send + Sync {
    /// The variable's value, `None` when unset or not valid Unicode.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed set of variables, for tests and embedding.
#[derive(Debug, Clone, Default)]
pub struct MapEnv(pub HashMap<String, String>);

impl MapEnv {
    /// A map environment from `(name, value)` pairs.
    pub fn of<const N: usize>(pairs: [(&str, &str); N]) -> Self {
        MapEnv(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// One variable.
    pub fn with(name: &str, value: &str) -> Self {
        MapEnv::of([(name, value)])
    }
}

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Every form in which wtmap itself may send `secret`, so that a server echoing a request
/// back cannot slip it past redaction: the text itself, JSON-escaped (a JSON body), URL- and
/// form-encoded (a query or form body, with upper- and lower-case hex), and base64 (a header).
/// Forms of a very short secret (under 4 characters) are left out: they would redact ordinary
/// words, and no real credential is that short.
pub fn secret_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    if secret.chars().count() < 4 {
        return Vec::new();
    }
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(secret);
    let mut forms = vec![
        secret.to_owned(),
        json.to_owned(),
        url_encoded(secret, false, true),
        url_encoded(secret, false, false),
        url_encoded(secret, true, true),
        url_encoded(secret, true, false),
        base64::engine::general_purpose::STANDARD.encode(secret),
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// The forms of an HTTP Basic credential: the password's own ([`secret_forms`]) and the
/// `Authorization: Basic` value, base64 of `user:password`.
pub fn basic_auth_forms(user: &str, password: &str) -> Vec<String> {
    use base64::Engine;
    let mut forms = secret_forms(password);
    if !forms.is_empty() {
        forms.push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")));
    }
    forms
}

/// The forms of an SMTP login: the password's own ([`secret_forms`]) and the `AUTH PLAIN`
/// payload, base64 of `\0user\0password` (`AUTH LOGIN` sends base64 of the password alone,
/// which is among the password's forms).
pub fn smtp_auth_forms(user: &str, password: &str) -> Vec<String> {
    use base64::Engine;
    let mut forms = secret_forms(password);
    if !forms.is_empty() {
        let engine = base64::engine::general_purpose::STANDARD;
        forms.push(engine.encode(format!("\0{user}\0{password}")));
        forms.push(engine.encode(format!("{user}\0{user}\0{password}")));
    }
    forms
}

/// `text` percent-encoded: every byte but the unreserved ones, or (`form`) with a space as `+`.
fn url_encoded(text: &str, form: bool, upper: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else if form && b == b' ' {
            out.push('+');
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// Scrubs secrets, in every form wtmap sends them, from text that came from outside (a
/// server's error body, a transport error) before it is shown or stored anywhere.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so that a form containing another is replaced whole.
    forms: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

impl Redactor {
    /// A redactor of these forms (see [`secret_forms`]).
    pub fn new(forms: impl IntoIterator<Item = String>) -> Redactor {
        let mut r = Redactor::default();
        r.add(forms);
        r
    }

    /// A redactor of `secrets`, each in all its forms.
    pub fn of_secrets<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        Redactor::new(secrets.into_iter().flat_map(secret_forms))
    }

    /// Adds forms.
    pub fn add(&mut self, forms: impl IntoIterator<Item = String>) {
        self.forms
            .extend(forms.into_iter().filter(|f| f.chars().count() >= 4));
        self.forms
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.forms.dedup();
    }

    /// `text` with every form replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), "***");
            }
        }
        out
    }

    /// `bytes` (a body) with every form replaced, as text.
    pub fn redact_bytes(&self, bytes: &[u8]) -> String {
        self.redact(&String::from_utf8_lossy(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_wtmap_sends_is_redacted() {
        let secret = "p@ss w\"ord/+1";
        let r = Redactor::new(basic_auth_forms("svc", secret));
        for shown in [
            "p@ss w\"ord/+1",
            "p@ss w\\\"ord/+1",
            "p%40ss%20w%22ord%2F%2B1",
            "p%40ss+w%22ord%2f%2b1",
            "cEBzcyB3Im9yZC8rMQ==",
            "Basic c3ZjOnBAc3MgdyJvcmQvKzE=",
        ] {
            assert!(
                !r.redact(&format!("echo: {shown}.")).contains(shown),
                "{shown}"
            );
        }
        let r = Redactor::new(smtp_auth_forms("mailer", "hunter22"));
        assert_eq!(r.redact("535 AG1haWxlcgBodW50ZXIyMg== bad"), "535 *** bad");
        assert_eq!(Redactor::of_secrets(["ab"]).redact("ab cd"), "ab cd");
    }
}
