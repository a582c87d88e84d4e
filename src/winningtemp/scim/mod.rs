//! `target winningtemp.scim { url = …, token = env(…), concurrency = 4, attributes { … } }`:
//! Winningtemp's SCIM 2.0 endpoint (RFC 7643/7644), as identity providers use it.
//! docs/scim.md describes the attribute paths, teams and managers, and the apply semantics.

pub mod client;
pub mod discovery;

pub mod read;
pub mod write;

pub use client::{ClientOptions, ScimClient, ScimError};
pub use read::{Directory, read_directory};

use super::{Env, Secret, TargetError};
use crate::check::Program;
use crate::check::program::ConfigValue;
use crate::model::CurrentState;
use crate::schema::scim::AttributeMap;

/// Winningtemp's production SCIM endpoint, the `url` default.
pub const DEFAULT_URL: &str = "https://scim.prod.winningtemp.com/api/scim";
/// Requests in flight when the mapping does not say.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// A configured SCIM target.
#[derive(Debug, Clone)]
pub struct ScimTarget {
    /// The HTTP client (base URL, token, concurrency, retries).
    pub client: ScimClient,
    /// Attribute → SCIM path.
    pub map: AttributeMap,
    /// The mapping maps no `email`, so the primary email follows the username.
    pub email_follows_username: bool,
    /// Members added or removed by one PATCH of a group at most (`member_batch`).
    pub member_batch: usize,
    /// `bulk = auto`: new users travel in Bulk requests when the server offers Bulk.
    pub bulk: bool,
}

impl ScimTarget {
    /// Builds the target from a mapping's `target winningtemp.scim { … }` block. The token is
    /// read from the environment variable the mapping names; `options.concurrency` overrides
    /// the mapping's `concurrency`.
    pub fn from_program(
        program: &Program,
        env: &dyn Env,
        options: ClientOptions,
    ) -> Result<ScimTarget, TargetError> {
        let target = &program.target;
        let text = |key: &str| -> Result<Option<String>, TargetError> {
            match target.get(key) {
                None => Ok(None),
                Some(ConfigValue::Text(t)) => Ok(Some(t.clone())),
                Some(ConfigValue::Env(name)) => env
                    .var(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(Some)
                    .ok_or_else(|| {
                        TargetError::Config(format!(
                            "the environment variable `{name}` (target `{key}`) is not set or empty"
                        ))
                    }),
                Some(_) => Err(TargetError::Config(format!(
                    "target `{key}` must be a text"
                ))),
            }
        };
        let url = text("url")?.unwrap_or_else(|| DEFAULT_URL.to_string());
        let token = text("token")?.ok_or_else(|| {
            TargetError::Config("`target winningtemp.scim` needs `token = env(\"…\")`".into())
        })?;
        if token.trim().is_empty() {
            return Err(TargetError::Config("the SCIM token is empty".into()));
        }
        if let Some(ConfigValue::Env(var)) = target.get("token")
            && let Some(problem) = crate::env::secret_too_short(var, &token)
        {
            return Err(TargetError::Config(format!("target `token` {problem}")));
        }
        let concurrency = match (options.concurrency, target.get("concurrency")) {
            (Some(n), _) => n,
            (None, Some(ConfigValue::Int(n))) => usize::try_from(*n).unwrap_or(1),
            (None, _) => DEFAULT_CONCURRENCY,
        };
        let mut options = options;
        if let Some(ConfigValue::Int(n)) = target.get("max_pages") {
            options.max_pages = usize::try_from(*n).unwrap_or(1).max(1);
        }
        if let Some(ConfigValue::Int(n)) = target.get("max_response_mb") {
            let mb = usize::try_from(*n).unwrap_or(1).max(1);
            options.max_response_bytes = mb.saturating_mul(1024 * 1024);
        }
        let member_batch = match target.get("member_batch") {
            Some(ConfigValue::Int(n)) => usize::try_from(*n).unwrap_or(1).max(1),
            _ => write::MEMBER_BATCH,
        };
        let bulk = matches!(target.get("bulk"), Some(ConfigValue::Text(t)) if t == "auto");
        let map = AttributeMap::new(target.get("attributes")).map_err(TargetError::Config)?;
        let email_follows_username = !program.mapped_attributes.contains("email");
        let client = ScimClient::new(&url, Secret::new(token), concurrency, options)?;
        Ok(ScimTarget {
            client,
            map,
            email_follows_username,
            member_batch,
            bulk,
        })
    }

    /// Reads the directory and its `wtmap.state/v1` form. A directory the diff cannot work
    /// from (two users with one `externalId`) is an error naming the users.
    pub async fn read(&self) -> Result<(CurrentState, Directory), TargetError> {
        // Asked first, so pages stay within the server's `filter.maxResults`.
        let max_results = self.client.capabilities().await.max_results;
        let dir = read_directory(&self.client.with_page_cap(max_results)).await?;
        let state = dir.to_state(&self.map);
        crate::state::validate_state(&state, "the SCIM directory")
            .map_err(|e| TargetError::Remote(e.to_string()))?;
        Ok((state, dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::winningtemp::MapEnv;

    fn program(target: &str) -> Program {
        let text = format!(
            "source csv {{ path = \"x.csv\" }}\nfields {{ id: text, mail: text }}\n{target}\n\
             user {{\n external_id = id\n username = mail\n first_name = id\n last_name = id\n}}\n"
        );
        crate::check::checked(text)
    }

    #[test]
    fn settings_come_from_the_mapping_and_the_environment() {
        let p = program(
            "target winningtemp.scim {\n url = \"http://127.0.0.1:9/v2\"\n token = env(\"T\")\n \
             concurrency = 7\n member_batch = 30\n bulk = \"auto\"\n \
             attributes { title = \"nickName\" }\n}",
        );
        let t =
            ScimTarget::from_program(&p, &MapEnv::with("T", "secret-1"), ClientOptions::default())
                .unwrap();
        assert_eq!(t.client.concurrency(), 7);
        assert_eq!(t.map.path("title").unwrap().text, "nickName");
        assert_eq!(t.member_batch, 30);
        assert!(t.bulk);
        assert!(t.email_follows_username);
        assert!(!format!("{t:?}").contains("secret-1"));

        let err =
            ScimTarget::from_program(&p, &MapEnv::default(), ClientOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the environment variable `T` (target `token`) is not set or empty"
        );
        let options = ClientOptions {
            concurrency: Some(1),
            ..ClientOptions::default()
        };
        let t = ScimTarget::from_program(&p, &MapEnv::with("T", "token-42"), options).unwrap();
        assert_eq!(t.client.concurrency(), 1);
        // Too short to redact as a whole: refused, without the value.
        let err = ScimTarget::from_program(&p, &MapEnv::with("T", "Qz9"), ClientOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("target `token` reads a secret of 3 characters from `T`"),
            "{err}"
        );
        assert!(!err.contains("Qz9"), "{err}");
    }
}
