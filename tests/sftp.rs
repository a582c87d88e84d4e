//! The SFTP upload against a real OpenSSH server (tests/support_sshd): files arrive byte for
//! byte and atomically, the wrong key and an unknown server are refused with clear errors, and a
//! failed upload leaves the previous export in place.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_sshd;

use std::collections::HashMap;
use std::path::Path;
use support_sshd::Sshd;
use wtmap::check::program::{ConfigValue, Endpoint};
use wtmap::model::CurrentState;
use wtmap::winningtemp::files::{FilesConfig, FilesError, export, from_endpoint, read_state};

const KEY_VAR: &str = "WT_SFTP_KEY";

fn state(first_name: &str) -> CurrentState {
    let json = serde_json::json!({
        "format": "wtmap.state/v1",
        "users": [
            {"external_id": "1", "username": "asa@x.example", "status": "active",
             "attributes": {"first_name": first_name, "last_name": "Öhman"}},
            {"external_id": "2", "username": "bo@x.example", "status": "paused",
             "attributes": {"first_name": "Bo", "last_name": "Ek"}}
        ],
        "teams": [{"external_id": "hq", "name": "HQ", "parent": null},
                  {"external_id": "hq/it", "name": "IT; Ops", "parent": "hq"}],
        "memberships": [{"user": "asa@x.example", "team": "hq/it", "role": "manager"}]
    });
    wtmap::state::parse_state(&json.to_string(), "test").unwrap()
}

fn text(s: &str) -> ConfigValue {
    ConfigValue::Text(s.to_string())
}

/// A files target for `sshd`, with extra `sftp` settings.
fn config(sshd: &Sshd, out: &Path, extra: Vec<(&str, ConfigValue)>) -> FilesConfig {
    let mut sftp = vec![
        ("host".to_string(), text("127.0.0.1")),
        ("port".to_string(), ConfigValue::Int(i64::from(sshd.port))),
        ("user".to_string(), text(&sshd.user)),
        ("key".to_string(), ConfigValue::Env(KEY_VAR.into())),
        ("path".to_string(), text(sshd.upload.to_str().unwrap())),
    ];
    sftp.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
    let endpoint = Endpoint {
        kind: "winningtemp.files".into(),
        settings: vec![
            ("dir".into(), text(out.to_str().unwrap())),
            ("sftp".into(), ConfigValue::Block(sftp)),
        ],
    };
    from_endpoint(&endpoint, Path::new("/")).unwrap()
}

fn env(key: &str, home: &Path) -> HashMap<String, String> {
    HashMap::from([
        (KEY_VAR.to_string(), key.to_string()),
        ("HOME".to_string(), home.display().to_string()),
    ])
}

fn pinned(sshd: &Sshd) -> Vec<(&'static str, ConfigValue)> {
    vec![("fingerprint", text(&sshd.host_fingerprint))]
}

/// Every file in `dir`, by name.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn uploads_every_file_byte_for_byte_and_replaces_them_next_time() {
    let sshd = Sshd::start();
    let out = tempfile::tempdir().unwrap();
    let cfg = config(&sshd, out.path(), pinned(&sshd));
    let env = env(&sshd.client_key, out.path());

    for first_name in ["Åsa", "Åsa-Lena"] {
        let report = export(&cfg, &state(first_name), &env)
            .unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
        assert_eq!(
            report.uploaded_to.as_deref(),
            Some(
                format!(
                    "{}@127.0.0.1:{}:{}",
                    sshd.user,
                    sshd.port,
                    sshd.upload.display()
                )
                .as_str()
            )
        );
        assert_eq!(
            listing(&sshd.upload),
            [
                "wt_groups.csv",
                "wt_memberships.csv",
                "wt_segment_connections.csv",
                "wt_segments.csv",
                "wt_users.csv"
            ],
            "no temporary files are left on the server"
        );
        for f in &report.files {
            let remote = std::fs::read(sshd.upload.join(f.name)).unwrap();
            let local = std::fs::read(out.path().join(f.name)).unwrap();
            assert_eq!(remote, local, "{}", f.name);
        }
        let users = std::fs::read_to_string(sshd.upload.join("wt_users.csv")).unwrap();
        assert_eq!(
            users,
            format!(
                "external_id;username;first_name;last_name;status\n\
                 1;asa@x.example;{first_name};Öhman;Active\n2;bo@x.example;Bo;Ek;Paused\n"
            )
        );
        assert_eq!(read_state(&cfg).unwrap(), state(first_name));
    }
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_known_hosts_file_is_accepted_and_a_public_key_pin_too() {
    let sshd = Sshd::start();
    let out = tempfile::tempdir().unwrap();
    let known = out.path().join("known_hosts");
    std::fs::write(
        &known,
        format!("[127.0.0.1]:{} {}\n", sshd.port, sshd.host_public),
    )
    .unwrap();
    let env = env(&sshd.client_key, out.path());
    let cfg = config(
        &sshd,
        &out.path().join("a"),
        vec![("known_hosts", text(known.to_str().unwrap()))],
    );
    export(&cfg, &state("Åsa"), &env).unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
    let cfg = config(
        &sshd,
        &out.path().join("b"),
        vec![("fingerprint", text(&sshd.host_public))],
    );
    export(&cfg, &state("Åsa"), &env).unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn the_wrong_key_is_refused_naming_host_and_user_never_the_key() {
    let sshd = Sshd::start();
    let out = tempfile::tempdir().unwrap();
    let cfg = config(&sshd, out.path(), pinned(&sshd));
    let e = export(&cfg, &state("Åsa"), &env(&sshd.wrong_key, out.path())).unwrap_err();
    assert!(matches!(e, FilesError::Auth { .. }), "{e:?}");
    let message = e.to_string();
    assert_eq!(
        message,
        format!(
            "SFTP server 127.0.0.1:{} refused the key for user `{}`",
            sshd.port, sshd.user
        )
    );
    let debug = format!("{e:?}");
    for line in sshd.wrong_key.lines().filter(|l| l.len() > 20) {
        assert!(!debug.contains(line), "the key leaked: {debug}");
    }
    assert!(listing(&sshd.upload).is_empty());
    assert!(listing(out.path()).is_empty(), "nothing is written locally");
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn an_unknown_or_different_server_is_refused_showing_its_fingerprint() {
    let sshd = Sshd::start();
    let out = tempfile::tempdir().unwrap();
    let env = env(&sshd.client_key, out.path());

    // No pin and no ~/.ssh/known_hosts (HOME is the empty temp folder): no trust on first use.
    let cfg = config(&sshd, &out.path().join("a"), vec![]);
    let e = export(&cfg, &state("Åsa"), &env).unwrap_err();
    let FilesError::HostKey {
        fingerprint,
        reason,
        help,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        *fingerprint,
        format!("ssh-ed25519 {}", sshd.host_fingerprint)
    );
    assert!(reason.contains("is not in"), "{reason}");
    assert!(
        help.contains(&format!("fingerprint = \"{}\"", sshd.host_fingerprint)),
        "{help}"
    );

    // A pin of another key.
    let other = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    let cfg = config(
        &sshd,
        &out.path().join("b"),
        vec![("fingerprint", text(other))],
    );
    let e = export(&cfg, &state("Åsa"), &env).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "SFTP server 127.0.0.1:{} is not trusted: its key does not match `fingerprint`",
            sshd.port
        )),
        "{e}"
    );
    assert!(listing(&sshd.upload).is_empty());
    for dir in ["a", "b"] {
        let dir = out.path().join(dir);
        assert!(
            !dir.exists() || listing(&dir).is_empty(),
            "nothing is written locally"
        );
    }
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn a_failed_upload_leaves_the_previous_export_and_state_in_place() {
    let sshd = Sshd::start();
    let out = tempfile::tempdir().unwrap();
    let env = env(&sshd.client_key, out.path());
    let cfg = config(&sshd, out.path(), pinned(&sshd));
    export(&cfg, &state("Åsa"), &env).unwrap();
    let before = std::fs::read(out.path().join("wt_users.csv")).unwrap();

    // The remote folder does not exist: the server refuses the first file.
    let mut broken = cfg.clone();
    if let Some(s) = broken.sftp.as_mut() {
        s.path = format!("{}/missing", sshd.upload.display());
    }
    let e = export(&broken, &state("Changed"), &env).unwrap_err();
    let message = e.to_string();
    assert!(
        message.starts_with(&format!(
            "SFTP upload to {}@127.0.0.1:{} failed for `{}/missing/wt_users.csv.tmp`: ",
            sshd.user,
            sshd.port,
            sshd.upload.display()
        )),
        "{message}"
    );
    assert!(message.contains("No such file"), "{message}");
    assert_eq!(
        std::fs::read(out.path().join("wt_users.csv")).unwrap(),
        before
    );
    assert_eq!(read_state(&cfg).unwrap(), state("Åsa"));
    assert_eq!(
        listing(out.path()),
        [
            ".wtmap",
            "wt_groups.csv",
            "wt_memberships.csv",
            "wt_segment_connections.csv",
            "wt_segments.csv",
            "wt_users.csv"
        ],
        "no temporary files are left locally"
    );
}
