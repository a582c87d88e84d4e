//! Issue 18: a secret too short to redact as a whole value (fewer than 8 characters) is
//! refused, never scattered as `***` through messages nor left unredacted: by the checker
//! (E0316) when the value is in the mapping's secret scope, else when the variable is read at
//! run start. The value itself never appears in the error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

const SCIM: &str = "source csv { path = \"people.csv\" }\n\
    fields { id: text, mail: text }\n\
    target winningtemp.scim { url = \"http://127.0.0.1:9/scim\"\n  token = env(\"WT_SCIM_TOKEN\") }\n\
    user {\n  external_id = id\n  username = mail\n  first_name = id\n  last_name = id\n}\n";

const PERSONIO: &str = "source personio {\n  client_id = env(\"PERSONIO_CLIENT_ID\")\n  \
    client_secret = env(\"PERSONIO_CLIENT_SECRET\")\n}\n\
    target winningtemp.files { dir = \"out\" }\n\
    user {\n  external_id = id\n  username = required(email)\n  first_name = required(first_name)\n  last_name = required(last_name)\n}\n";

fn wtmap(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wtmap"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("WT_SCIM_TOKEN")
        .env_remove("PERSONIO_CLIENT_ID")
        .env_remove("PERSONIO_CLIENT_SECRET")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(mapping: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.wtmap"), mapping).unwrap();
    std::fs::write(dir.path().join("people.csv"), "id,mail\nE1,a@x.example\n").unwrap();
    dir
}

/// Every length from 1 to 7 is refused by the checker when the scope holds the value; 8 passes.
#[test]
fn check_refuses_a_short_secret_in_the_scope() {
    let dir = fixture(SCIM);
    for n in 1..=8 {
        let token: String = "Zq7Wk9Vb".chars().take(n).collect();
        std::fs::write(dir.path().join("m.env"), format!("WT_SCIM_TOKEN={token}\n")).unwrap();
        let o = wtmap(dir.path(), &["check", "m.wtmap"], &[]);
        let err = stderr(&o);
        if n < 8 {
            assert_eq!(o.status.code(), Some(1), "{n}: {err}");
            assert!(err.contains("E0316"), "{n}: {err}");
            assert!(
                err.contains(&format!("reads a secret of {n} character")),
                "{n}: {err}"
            );
            assert!(err.contains("m.env"), "{n}: {err}");
            assert!(!err.contains(&token), "{n}: the value is shown: {err}");
        } else {
            assert_eq!(o.status.code(), Some(0), "{n}: {err}");
        }
    }
}

/// Without a scope the value is unknown at check time: the run refuses it when it reads the
/// variable, before any request.
#[test]
fn a_short_scim_token_is_refused_at_run_start() {
    let dir = fixture(SCIM);
    let o = wtmap(dir.path(), &["check", "m.wtmap"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = wtmap(
        dir.path(),
        &["state", "m.wtmap"],
        &[("WT_SCIM_TOKEN", "Zq7")],
    );
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("target `token` reads a secret of 3 characters from `WT_SCIM_TOKEN`"),
        "{err}"
    );
    assert!(err.contains("at least 8"), "{err}");
    assert!(!err.contains("Zq7"), "{err}");
    assert!(!err.contains("***"), "{err}");
}

#[test]
fn a_short_source_secret_is_refused_at_run_start() {
    let dir = fixture(PERSONIO);
    let o = wtmap(
        dir.path(),
        &["fetch", "m.wtmap", "--source-url", "http://127.0.0.1:9"],
        &[
            ("PERSONIO_CLIENT_ID", "client-id-1"),
            ("PERSONIO_CLIENT_SECRET", "Zq7Wk"),
        ],
    );
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "`client_secret` reads a secret of 5 characters from `PERSONIO_CLIENT_SECRET`"
        ),
        "{err}"
    );
    assert!(!err.contains("Zq7Wk"), "{err}");
}
