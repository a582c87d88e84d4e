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
