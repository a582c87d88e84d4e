//! The connectors against local emulators of each API: every scenario switch with its exact
//! outcome (the records, or the abort and its message), and end to end: fetch from the
//! emulator → plan with the example mapping and state → the same plan as from the example
//! file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;
mod emulators;

#[path = "connectors/flex.rs"]
mod flex;
#[path = "connectors/live.rs"]
mod live;
#[path = "connectors/personio.rs"]
mod personio;
#[path = "connectors/personio_failures.rs"]
mod personio_failures;
#[path = "connectors/personio_units.rs"]
mod personio_units;
#[path = "connectors/worknice.rs"]
mod worknice;

use serde_json::{Map, Value};
use std::time::Duration;
use wtmap::check::program::{ConfigValue, Endpoint};
use wtmap::connectors::{
    ConnectorConfig, ConnectorError, Connectors, HttpPolicy, MapEnv, NoProgress, Snapshot,
};
use wtmap::records::{ReadOptions, Shape, read_file};

/// Short waits, so retries do not slow the suite down.
pub fn policy() -> HttpPolicy {
    HttpPolicy {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
        ..HttpPolicy::default()
    }
}

/// A `source KIND { … }` block.
pub fn source(kind: &str, settings: Vec<(&str, ConfigValue)>) -> Endpoint {
    Endpoint {
        kind: kind.into(),
        settings: settings
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    }
}

pub fn text(s: &str) -> ConfigValue {
    ConfigValue::Text(s.into())
}

pub fn env(s: &str) -> ConfigValue {
    ConfigValue::Env(s.into())
}

/// Fetches with a fresh client.
pub fn fetch(endpoint: &Endpoint, env: &MapEnv) -> Result<Snapshot, ConnectorError> {
    fetch_fields(endpoint, env, &[])
}

/// Fetches with a fresh client, the mapping reading `fields`.
pub fn fetch_fields(
    endpoint: &Endpoint,
    env: &MapEnv,
    fields: &[&str],
) -> Result<Snapshot, ConnectorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let connectors = Connectors::new(policy()).unwrap();
    let cfg = ConnectorConfig {
        source: endpoint,
        fields: fields.iter().map(|f| f.to_string()).collect(),
        base_url: None,
    };
    runtime.block_on(connectors.fetch(&cfg, env, &NoProgress))
}

/// The records of an example file, as `--records` reads them (fields only).
pub fn example_fields(name: &str, shape: &'static Shape) -> Vec<Map<String, Value>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("mappings/data")
        .join(name);
    read_file(&path, &ReadOptions::new(shape, wtmap::connectors::shapes()))
        .unwrap()
        .into_iter()
        .map(|r| r.fields)
        .collect()
}

/// The fields of fetched records.
pub fn fields(snapshot: &Snapshot) -> Vec<Map<String, Value>> {
    snapshot.records.iter().map(|r| r.fields.clone()).collect()
}

/// A field of every record, as text.
pub fn column(snapshot: &Snapshot, key: &str) -> Vec<String> {
    snapshot
        .records
        .iter()
        .map(|r| match r.fields.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "(absent)".into(),
        })
        .collect()
}

/// The snapshot text read back as `--records` reads a file: the same records.
pub fn assert_round_trips(snapshot: &Snapshot, shape: &'static Shape) {
    let opts = ReadOptions {
        format: Some(wtmap::records::RecordFormat::Json),
        ..ReadOptions::new(shape, wtmap::connectors::shapes())
    };
    let mut again =
        wtmap::records::read_bytes("snapshot.json", snapshot.text.as_bytes(), &opts).unwrap();
    for record in &mut again {
        assert!(record.origin.line.is_some(), "a saved file has lines");
        record.origin.line = None;
    }
    assert_eq!(
        again, snapshot.records,
        "the saved snapshot reads back as the same records"
    );
}

/// Asserts that no secret appears in an error, displayed or debugged.
pub fn assert_no_secret(err: &ConnectorError, secrets: &[&str]) {
    let shown = format!(
        "{err} {err:?} {:?}",
        miette::Diagnostic::help(err).map(|h| h.to_string())
    );
    for secret in secrets {
        assert!(!shown.contains(secret), "secret `{secret}` in `{shown}`");
    }
}
