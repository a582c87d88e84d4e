//! The environment connectors read `env("NAME")` settings from: the crate's one [`Env`].

pub use crate::env::{Env, MapEnv, ProcessEnv};
