//! A source block's settings as a connector reads them: `env("…")` resolved through [`Env`],
//! absent keys filled from the schema's defaults. The keys themselves (and which are required
//! or secret) are defined once, in `crate::schema`, and checked by `wtmap check`; this only
//! reads them, so a connector cannot accept a key that `check` does not know.

use super::env::Env;
use super::error::ConnectorError;
use crate::schema::settings::{ConfigValue, Endpoint, SettingDef, find};
use std::fmt;

/// A credential. Its `Debug` does not show it, so it cannot leak through `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One source block's settings with their schema.
pub struct Settings<'a> {
    system: &'static str,
    endpoint: &'a Endpoint,
    defs: &'static [SettingDef],
    env: &'a dyn Env,
}

impl<'a> Settings<'a> {
    /// Settings of `endpoint`, whose keys are `defs`.
    pub fn new(
        system: &'static str,
        endpoint: &'a Endpoint,
        defs: &'static [SettingDef],
        env: &'a dyn Env,
    ) -> Self {
        Settings {
            system,
            endpoint,
            defs,
            env,
        }
    }

    /// Every `env("…")` of the block must be set: when more than one is missing, all are named
    /// in one error (one missing keeps the single-variable error and its `export` hint).
    pub fn require_env(&self) -> Result<(), ConnectorError> {
        let missing: Vec<(&str, &str)> = self
            .endpoint
            .settings
            .iter()
            .filter_map(|(key, value)| match value {
                ConfigValue::Env(var) if self.env.var(var).is_none_or(|v| v.trim().is_empty()) => {
                    Some((key.as_str(), var.as_str()))
                }
                _ => None,
            })
            .collect();
        match missing.as_slice() {
            [] => Ok(()),
            [(key, var)] => Err(ConnectorError::MissingEnv {
                system: self.system,
                setting: (*key).to_owned(),
                var: (*var).to_owned(),
            }),
            many => Err(ConnectorError::MissingEnvs {
                system: self.system,
                vars: many
                    .iter()
                    .map(|(key, var)| format!("`{key}` ({var})"))
                    .collect(),
            }),
        }
    }

    fn error(&self, key: &str, problem: String, help: Option<String>) -> ConnectorError {
        ConnectorError::Setting {
            system: self.system,
            setting: key.to_owned(),
            problem,
            help,
        }
    }

    /// A text setting: the literal, the environment variable's value, or the default.
    /// An empty environment variable counts as unset.
    pub fn text(&self, key: &str) -> Result<Option<String>, ConnectorError> {
        match self.endpoint.get(key) {
            Some(ConfigValue::Text(t)) => Ok(Some(t.clone())),
            Some(ConfigValue::Env(var)) => match self.env.var(var) {
                Some(v) if !v.trim().is_empty() => Ok(Some(v)),
                _ => Err(ConnectorError::MissingEnv {
                    system: self.system,
                    setting: key.to_owned(),
                    var: var.clone(),
                }),
            },
            Some(_) => Err(self.error(key, "must be text".into(), None)),
            None => Ok(self.default(key).map(|d| d.trim_matches('"').to_owned())),
        }
    }

    /// A text setting that must have a value.
    pub fn required_text(&self, key: &str) -> Result<String, ConnectorError> {
        self.text(key)?.ok_or_else(|| {
            self.error(
                key,
                "is required".into(),
                Some("`wtmap check` lists the settings a source needs".into()),
            )
        })
    }

    /// A credential.
    /// A secret read from the environment shorter than [`crate::env::MIN_SECRET_CHARS`] is
    /// refused: it could not be redacted from messages as a whole value.
    pub fn secret(&self, key: &str) -> Result<Secret, ConnectorError> {
        let value = self.required_text(key)?;
        if let Some(ConfigValue::Env(var)) = self.endpoint.get(key)
            && let Some(problem) = crate::env::secret_too_short(var, &value)
        {
            return Err(self.error(key, problem, None));
        }
        Ok(Secret(value))
    }

    /// An int setting (or its default), within the schema's range.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ConnectorError> {
        let value = match self.endpoint.get(key) {
            Some(ConfigValue::Int(i)) => Some(*i),
            Some(_) => return Err(self.error(key, "must be an int".into(), None)),
            None => match self.default(key) {
                Some(d) => Some(
                    d.parse()
                        .map_err(|_| self.error(key, format!("has a bad default `{d}`"), None))?,
                ),
                None => None,
            },
        };
        if let (Some(v), Some((min, max))) = (value, self.def(key).and_then(|d| d.range))
            && !(min..=max).contains(&v)
        {
            return Err(self.error(key, format!("must be between {min} and {max}"), None));
        }
        Ok(value)
    }

    /// A bool setting (or its default).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ConnectorError> {
        match self.endpoint.get(key) {
            Some(ConfigValue::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(key, "must be true or false".into(), None)),
            None => Ok(self.default(key).map(|d| d == "true")),
        }
    }

    /// A list-of-texts setting; absent is empty.
    pub fn list(&self, key: &str) -> Result<Vec<String>, ConnectorError> {
        match self.endpoint.get(key) {
            Some(ConfigValue::List(items)) => Ok(items.clone()),
            Some(ConfigValue::Text(t)) => Ok(vec![t.clone()]),
            Some(_) => Err(self.error(key, "must be a list of texts".into(), None)),
            None => Ok(Vec::new()),
        }
    }

    /// A base URL: `override_url` (from `--source-url`) or the setting, without a trailing
    /// `/`. Plain `http://` is refused except on loopback, because credentials travel with
    /// every request.
    pub fn base_url(
        &self,
        key: &str,
        override_url: Option<&str>,
    ) -> Result<reqwest::Url, ConnectorError> {
        let text = match override_url {
            Some(u) => u.to_owned(),
            None => self.required_text(key)?,
        };
        let trimmed = text.trim().trim_end_matches('/');
        let url = reqwest::Url::parse(trimmed).map_err(|e| {
            self.error(
                key,
                format!("is not a URL ({e})"),
                Some("write it as `https://host/path`".into()),
            )
        })?;
        let loopback = matches!(
            url.host_str(),
            Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
        );
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(self.error(
                    key,
                    format!("uses plain http (`{}`)", url.host_str().unwrap_or("")),
                    Some(
                        "credentials would travel unencrypted; use https (http is allowed for localhost only)"
                            .into(),
                    ),
                ));
            }
            other => {
                return Err(self.error(key, format!("has scheme `{other}`, not https"), None));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(self.error(
                key,
                "contains credentials".into(),
                Some("give them in their own settings, read with env(\"…\")".into()),
            ));
        }
        Ok(url)
    }

    fn def(&self, key: &str) -> Option<&'static SettingDef> {
        find(self.defs, key)
    }

    fn default(&self, key: &str) -> Option<&'static str> {
        self.def(key).and_then(|d| d.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::env::MapEnv;
    use crate::connectors::source_kind;

    fn endpoint(settings: Vec<(&str, ConfigValue)>) -> Endpoint {
        Endpoint {
            kind: "personio".into(),
            settings: settings
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }
    }

    #[test]
    fn reads_literals_env_and_defaults() {
        let defs = source_kind("personio").unwrap().settings;
        let e = endpoint(vec![
            ("client_id", ConfigValue::Text("abc".into())),
            ("client_secret", ConfigValue::Env("SECRET".into())),
        ]);
        let env = MapEnv::of([("SECRET", "s3cr3t-value")]);
        let s = Settings::new("Personio", &e, defs, &env);
        assert_eq!(s.required_text("client_id").unwrap(), "abc");
        assert_eq!(s.secret("client_secret").unwrap().expose(), "s3cr3t-value");
        // Shorter than MIN_SECRET_CHARS: refused, the value never shown.
        for short in ["Q", "s3cr3t", "1234567"] {
            let env = MapEnv::of([("SECRET", short)]);
            let err = Settings::new("Personio", &e, defs, &env)
                .secret("client_secret")
                .unwrap_err()
                .to_string();
            let n = short.chars().count();
            assert!(
                err.starts_with(&format!(
                    "Personio: `client_secret` reads a secret of {n} character"
                )),
                "{err}"
            );
            assert!(!err.contains(short), "{err}");
        }
        assert_eq!(
            format!("{:?}", s.secret("client_secret").unwrap()),
            "Secret(***)"
        );
        assert_eq!(s.text("app_id").unwrap().as_deref(), Some("WTMAP"));
        assert_eq!(s.int("page_size").unwrap(), Some(100));
        assert_eq!(s.text("partner_id").unwrap(), None);
        assert_eq!(
            s.base_url("base_url", None).unwrap().as_str(),
            "https://api.personio.de/"
        );
    }

    #[test]
    fn missing_env_names_setting_and_variable() {
        let defs = source_kind("personio").unwrap().settings;
        let e = endpoint(vec![("client_secret", ConfigValue::Env("NOPE".into()))]);
        let env = MapEnv::of([("NOPE", " ")]);
        let err = Settings::new("Personio", &e, defs, &env)
            .secret("client_secret")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Personio: `client_secret` reads environment variable `NOPE`, which is not set"
        );
    }

    #[test]
    fn every_missing_variable_is_named_at_once() {
        let defs = source_kind("flex").unwrap().settings;
        let e = endpoint(vec![
            ("url", ConfigValue::Env("FLEX_URL".into())),
            ("username", ConfigValue::Env("FLEX_USERNAME".into())),
            ("password", ConfigValue::Env("FLEX_PASSWORD".into())),
        ]);
        let env = MapEnv::of([("FLEX_USERNAME", "api")]);
        let err = Settings::new("Flex HRM", &e, defs, &env)
            .require_env()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Flex HRM: 2 environment variables are not set: `url` (FLEX_URL), `password` (FLEX_PASSWORD)"
        );
        let all_set = MapEnv::of([
            ("FLEX_URL", "https://flex.example"),
            ("FLEX_USERNAME", "api"),
            ("FLEX_PASSWORD", "pw"),
        ]);
        assert!(
            Settings::new("Flex HRM", &e, defs, &all_set)
                .require_env()
                .is_ok()
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let defs = source_kind("worknice").unwrap().settings;
        let e = endpoint(vec![]);
        let env = MapEnv::default();
        let s = Settings::new("Worknice", &e, defs, &env);
        assert!(s.base_url("url", Some("http://127.0.0.1:8080/")).is_ok());
        assert!(s.base_url("url", Some("http://localhost:1")).is_ok());
        let err = s.base_url("url", Some("http://hr.example")).unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        let err = s
            .base_url("url", Some("https://u:p@hr.example"))
            .unwrap_err();
        assert!(err.to_string().contains("credentials"), "{err}");
        assert!(s.base_url("url", Some("not a url")).is_err());
    }

    #[test]
    fn ranges_are_enforced() {
        let defs = source_kind("personio").unwrap().settings;
        let e = endpoint(vec![("page_size", ConfigValue::Int(500))]);
        let env = MapEnv::default();
        let err = Settings::new("Personio", &e, defs, &env)
            .int("page_size")
            .unwrap_err();
        assert!(err.to_string().contains("between 1 and 100"), "{err}");
    }
}
