//! The environment, injected: `env("NAME")` settings (tokens, passwords, keys) are read
//! through [`Env`], so tests pass a map and never touch the process environment, which
//! parallel tests share. Connectors, targets and the nightly job all use this one trait.

use std::collections::HashMap;
use std::fmt;

/// A credential. It has no `Display`, and its `Debug` hides the value, so it cannot end up in
/// output, logs, journals or errors by formatting; only [`Secret::expose`] reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret, in every form wtmap sends it (see
    /// [`secret_forms`]), replaced by `***`: applied to every message that comes
    /// from outside (server error bodies, transport errors) before it is shown or stored.
    pub fn redact(&self, text: &str) -> String {
        // A very short secret would redact ordinary words; such tokens are refused anyway
        // by any real server, so only redact from 4 characters on.
        Redactor::of_secrets([self.0.as_str()]).redact(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

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

/// Variables every mapping may read from the shared environment of `serve`, whatever its scope:
/// the report email's SMTP settings, which belong to the service, not to a customer.
pub const ALWAYS_SHARED: &[&str] = &[
    "WTMAP_SMTP_HOST",
    "WTMAP_SMTP_PORT",
    "WTMAP_SMTP_USER",
    "WTMAP_SMTP_PASSWORD",
    "WTMAP_SMTP_TLS",
    "WTMAP_SMTP_FROM",
];

/// The variable of `serve`'s environment listing further shared names (comma- or
/// space-separated): the explicit allow-list.
pub const SHARED_LIST_VAR: &str = "WTMAP_SHARED_ENV";

/// The names every mapping may read from `shared` besides its own scope: [`ALWAYS_SHARED`]
/// and those listed in [`SHARED_LIST_VAR`].
pub fn allow_list(shared: &dyn Env) -> std::collections::BTreeSet<String> {
    let mut out: std::collections::BTreeSet<String> =
        ALWAYS_SHARED.iter().map(|s| (*s).to_string()).collect();
    if let Some(list) = shared.var(SHARED_LIST_VAR) {
        out.extend(
            list.split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        );
    }
    out
}

/// The secrets of one mapping in a served folder: `NAME.env` beside `NAME.wtmap` (lines of
/// `KEY=VALUE`; blank lines and `#` comments ignored; a value may be quoted) and the files of
/// a folder `NAME.secrets/` (one file per variable, named by it, as Kubernetes mounts a
/// secret; a final line break is dropped). Both may exist; the folder wins on a name in both.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretScope {
    /// Where the scope was read from (for messages).
    pub sources: Vec<std::path::PathBuf>,
    vars: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for SecretScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretScope")
            .field("sources", &self.sources)
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretScope {
    /// The scope files of the mapping at `mapping`: `STEM.env` and `STEM.secrets/`.
    pub fn paths_of(mapping: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let stem = mapping
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        (
            mapping.with_file_name(format!("{stem}.env")),
            mapping.with_file_name(format!("{stem}.secrets")),
        )
    }

    /// The scope of the mapping at `mapping`; `None` when it has neither scope file.
    pub fn of_mapping(mapping: &std::path::Path) -> Result<Option<SecretScope>, String> {
        let (file, dir) = SecretScope::paths_of(mapping);
        let mut scope = SecretScope::default();
        let mut found = false;
        if file.is_file() {
            found = true;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let line = line.strip_prefix("export ").unwrap_or(line);
                let Some((key, value)) = line.split_once('=') else {
                    return Err(format!(
                        "`{}` line {}: expected `NAME=value`",
                        file.display(),
                        n + 1
                    ));
                };
                let value = value.trim();
                let value = [('"', '"'), ('\'', '\'')]
                    .iter()
                    .find_map(|(a, b)| value.strip_prefix(*a)?.strip_suffix(*b))
                    .unwrap_or(value);
                scope.vars.insert(key.trim().to_string(), value.to_string());
            }
            scope.sources.push(file);
        }
        if dir.is_dir() {
            found = true;
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                // Kubernetes keeps its own bookkeeping in `..data` and friends.
                if name.starts_with('.') || !entry.path().is_file() {
                    continue;
                }
                let value = std::fs::read_to_string(entry.path())
                    .map_err(|e| format!("cannot read `{}`: {e}", entry.path().display()))?;
                let value = value
                    .strip_suffix("\r\n")
                    .or_else(|| value.strip_suffix('\n'))
                    .unwrap_or(&value);
                scope.vars.insert(name, value.to_string());
            }
            scope.sources.push(dir);
        }
        Ok(found.then_some(scope))
    }

    /// A scope from pairs (tests, embedding).
    pub fn of_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> SecretScope {
        SecretScope {
            sources: Vec::new(),
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The other mappings in `dir` (by file stem, `except` left out) whose scope holds `name`.
    pub fn owners(dir: &std::path::Path, name: &str, except: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                (path.extension()? == "wtmap").then_some(())?;
                let stem = path.file_stem()?.to_string_lossy().into_owned();
                let scope = SecretScope::of_mapping(&path).ok()??;
                (stem != except && scope.contains(name)).then_some(stem)
            })
            .collect();
        out.sort();
        out
    }

    /// The value of `name` in the scope.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Whether the scope holds `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// The names it holds.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// The scope files, as messages name them (`acme.env, acme.secrets/`).
    pub fn describe(&self) -> String {
        self.sources
            .iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                if p.is_dir() { format!("{name}/") } else { name }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One mapping's environment in `serve`: its own [`SecretScope`], plus the allow-listed names
/// of the shared environment ([`allow_list`]). Nothing else of the process is visible.
pub struct ScopedEnv {
    scope: SecretScope,
    shared: std::sync::Arc<dyn Env>,
    allowed: std::collections::BTreeSet<String>,
}

impl ScopedEnv {
    /// The environment of a mapping with `scope`, over `shared`.
    pub fn new(scope: SecretScope, shared: std::sync::Arc<dyn Env>) -> ScopedEnv {
        let allowed = allow_list(shared.as_ref());
        ScopedEnv {
            scope,
            shared,
            allowed,
        }
    }

    /// Whether `name` can be read: in the scope or on the allow-list.
    pub fn visible(&self, name: &str) -> bool {
        self.scope.contains(name) || self.allowed.contains(name)
    }
}

impl Env for ScopedEnv {
    fn var(&self, name: &str) -> Option<String> {
        if let Some(v) = self.scope.vars.get(name) {
            return Some(v.clone());
        }
        if self.allowed.contains(name) {
            return self.shared.var(name);
        }
        None
    }
}

/// The fewest characters a secret (a token, password or client secret read with `env("…")`)
/// may have. wtmap removes secrets from every message it shows or stores as whole values
/// ([`Redactor`]); a shorter one would blank out ordinary words and numbers (a 4-digit PIN
/// is a year), or, left out of redaction, leak. No credential a real system issues is this
/// short, so a shorter value is refused: E0316 at check time when the value is in the
/// mapping's secret scope, else when the variable is read at run start.
pub const MIN_SECRET_CHARS: usize = 8;

/// Why the value of `var`, read as a secret, cannot be used, as a predicate completing
/// "`token` …" (never the value itself), with what to do; `None` when it is long enough.
pub fn secret_too_short(var: &str, value: &str) -> Option<String> {
    short_secret(var, value).map(|problem| format!("{problem}. {}", short_secret_help(var)))
}

/// The predicate of [`secret_too_short`] alone: "reads a secret of 3 characters from `VAR`; a
/// secret needs at least 8".
pub fn short_secret(var: &str, value: &str) -> Option<String> {
    let n = value.chars().count();
    (n < MIN_SECRET_CHARS).then(|| {
        format!(
            "reads a secret of {n} character{} from `{var}`; a secret needs at least \
             {MIN_SECRET_CHARS}",
            if n == 1 { "" } else { "s" }
        )
    })
}

/// Why a short secret is refused and what to do.
pub fn short_secret_help(var: &str) -> String {
    format!(
        "wtmap removes secrets from its messages as whole values, and one this short would \
         blank out ordinary text; set `{var}` to the full credential the system issued"
    )
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
    fn a_scope_reads_an_env_file_and_a_kubernetes_secret_folder() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path();
        let write = |p: &str, t: &str| {
            std::fs::write(d.join(p), t).unwrap_or_else(|e| panic!("{e}"));
        };
        write("acme.wtmap", "");
        assert_eq!(SecretScope::of_mapping(&d.join("acme.wtmap")), Ok(None));
        write(
            "acme.env",
            "# acme\nexport A=\"one two\"\nB='x'\n\nC=plain=with=equals\nD=from-file\n",
        );
        std::fs::create_dir_all(d.join("acme.secrets/..data")).unwrap_or_else(|e| panic!("{e}"));
        write("acme.secrets/D", "from-folder\n");
        write("acme.secrets/..token", "hidden");
        let scope = SecretScope::of_mapping(&d.join("acme.wtmap"))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_default();
        assert_eq!(scope.names().collect::<Vec<_>>(), ["A", "B", "C", "D"]);
        assert_eq!(scope.describe(), "acme.env, acme.secrets/");
        let shared = std::sync::Arc::new(MapEnv::of([
            ("WTMAP_SMTP_HOST", "mail"),
            ("WTMAP_SHARED_ENV", "SHARED_ONE, SHARED_TWO"),
            ("SHARED_ONE", "1"),
            ("OTHER_CUSTOMER_TOKEN", "theirs"),
        ]));
        let env = ScopedEnv::new(scope.clone(), shared);
        assert_eq!(env.var("A").as_deref(), Some("one two"));
        assert_eq!(env.var("B").as_deref(), Some("x"));
        assert_eq!(env.var("C").as_deref(), Some("plain=with=equals"));
        assert_eq!(env.var("D").as_deref(), Some("from-folder"));
        assert_eq!(env.var("WTMAP_SMTP_HOST").as_deref(), Some("mail"));
        assert_eq!(env.var("SHARED_ONE").as_deref(), Some("1"));
        assert_eq!(env.var("OTHER_CUSTOMER_TOKEN"), None);
        write("other.wtmap", "");
        write("other.env", "OTHER_CUSTOMER_TOKEN=t\n");
        assert_eq!(
            SecretScope::owners(d, "OTHER_CUSTOMER_TOKEN", "acme"),
            ["other"]
        );
        write("bad.wtmap", "");
        write("bad.env", "no equals sign\n");
        assert!(SecretScope::of_mapping(&d.join("bad.wtmap")).is_err());
    }

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
