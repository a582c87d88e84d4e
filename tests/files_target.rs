//! The `winningtemp.files` target without a server: the exact bytes of the default layout,
//! renamed columns, quoting, non-ASCII text, all-or-nothing exports, and the last export as the
//! current state of the next plan.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use wtmap::check::check_source;
use wtmap::check::program::{ConfigValue, Endpoint};
use wtmap::model::CurrentState;
use wtmap::plan::{apply_to_state, render_human};
use wtmap::sync::{PlanInput, plan, read_records};
use wtmap::winningtemp::files::{
    FilesConfig, FilesError, ProcessEnv, export, from_endpoint, read_state, render,
};

/// Three levels of teams, a hand-made user and team (no external ID), names that need quoting.
fn sample() -> CurrentState {
    let json = serde_json::json!({
        "format": "wtmap.state/v1",
        "users": [
            {"external_id": "E2", "username": "bo.ek@x.example", "status": "paused",
             "attributes": {"first_name": "Bo", "last_name": "Ek", "email": "bo.ek@x.example",
                            "employed_until": "2026-10-31", "exclude_from_surveys": true}},
            {"external_id": "E1", "username": "asa.ohman@x.example", "status": "active",
             "attributes": {"first_name": "Åsa", "last_name": "Öhman \"Åsa\"",
                            "email": "asa.ohman@x.example", "gender": "Female",
                            "birthday": "1980-12-24", "exclude_from_surveys": false}},
            {"external_id": "E3", "username": "li@x.example", "status": "active",
             "attributes": {"first_name": "Li", "last_name": "Wu; Jr", "title": "Line one\nline two",
                            "exclude_from_surveys": false}},
            {"external_id": null, "username": "admin@x.example", "status": "active",
             "attributes": {"first_name": "Ad", "last_name": "Min"}}
        ],
        "teams": [
            {"external_id": "sthlm/it/ops", "name": "Ops", "parent": "sthlm/it"},
            {"external_id": "sthlm", "name": "Stockholm", "parent": null},
            {"external_id": "sthlm/it", "name": "IT; Drift", "parent": "sthlm"},
            {"external_id": "goteborg", "name": "Göteborg", "parent": null},
            {"name": "Made by hand", "parent": null}
        ],
        "segments": [
            {"external_id": "country/se", "name": "Sverige", "category": "Country"},
            {"external_id": "form/fixed", "name": "Fixed \"term\"", "category": "Anställningsform"}
        ],
        "memberships": [
            {"user": "asa.ohman@x.example", "team": "sthlm/it", "role": "manager", "managed": true},
            {"user": "asa.ohman@x.example", "team": "sthlm", "role": "member", "managed": true},
            {"user": "li@x.example", "team": "sthlm/it/ops", "role": "member", "managed": true},
            {"user": "bo.ek@x.example", "team": "goteborg", "role": "member", "managed": true},
            {"user": "admin@x.example", "team": "sthlm", "role": "manager", "managed": false}
        ],
        "segment_connections": [
            {"user": "li@x.example", "segment": "form/fixed", "managed": true},
            {"user": "asa.ohman@x.example", "segment": "country/se", "managed": true},
            {"user": "admin@x.example", "segment": "country/se", "managed": false}
        ]
    });
    wtmap::state::parse_state(&json.to_string(), "sample").unwrap()
}

fn endpoint(settings: Vec<(&str, ConfigValue)>) -> Endpoint {
    Endpoint {
        kind: "winningtemp.files".into(),
        settings: settings
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

fn text(s: &str) -> ConfigValue {
    ConfigValue::Text(s.to_string())
}

fn config(dir: &Path) -> FilesConfig {
    from_endpoint(&endpoint(vec![("dir", text("out"))]), dir).unwrap()
}

fn no_env() -> HashMap<String, String> {
    HashMap::new()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_default_layout_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    let report = export(&cfg, &sample(), &no_env()).unwrap();
    assert_eq!(report.dir, tmp.path().join("out"));
    assert_eq!((report.omitted.users, report.omitted.teams), (1, 1));
    let rows: Vec<(&str, usize)> = report.files.iter().map(|f| (f.name, f.rows)).collect();
    assert_eq!(
        rows,
        [
            ("wt_users.csv", 3),
            ("wt_groups.csv", 4),
            ("wt_segments.csv", 2),
            ("wt_memberships.csv", 4),
            ("wt_segment_connections.csv", 2)
        ]
    );
    let out = tmp.path().join("out");
    // The exact bytes of one file (insta would forgive line-ending differences).
    let users = std::fs::read(out.join("wt_users.csv")).unwrap();
    assert_eq!(
        String::from_utf8(users).unwrap(),
        "external_id;username;email;first_name;last_name;gender;birthday;employed_until;status;\
         exclude_from_surveys;title\n\
         E1;asa.ohman@x.example;asa.ohman@x.example;Åsa;\"Öhman \"\"Åsa\"\"\";Female;1980-12-24;;\
         Active;false;\n\
         E2;bo.ek@x.example;bo.ek@x.example;Bo;Ek;;;2026-10-31;Paused;true;\n\
         E3;li@x.example;;Li;\"Wu; Jr\";;;;Active;false;\"Line one\nline two\"\n"
    );
    for f in &report.files {
        let bytes = std::fs::read(out.join(f.name)).unwrap();
        assert_eq!(bytes.len(), f.bytes);
        assert!(!bytes.starts_with(b"\xEF\xBB\xBF") && !bytes.contains(&b'\r'));
        insta::assert_snapshot!(f.name, String::from_utf8(bytes).unwrap());
    }
}

#[test]
fn quoted_values_read_back_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, _) = render(&sample(), &config(tmp.path())).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(files[0].bytes.as_slice());
    let last_names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[4].to_string())
        .collect();
    assert_eq!(last_names, ["Öhman \"Åsa\"", "Ek", "Wu; Jr"]);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(files[1].bytes.as_slice());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert_eq!(names, ["Göteborg", "Stockholm", "IT; Drift", "Ops"]);
}

/// The value in column `header` of every row of a rendered file.
fn column(bytes: &[u8], header: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}"));
    reader
        .records()
        .map(|r| r.unwrap()[at].to_string())
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Issue 21, item 25: values that a spreadsheet would take for a formula (`=`, `+`, `-`,
    /// `@`, a tab or a carriage return first) reach the import exactly as they are: no `'`
    /// prefix, no other change (docs/files-target.md, "Formulas"). Names like "-Anna" or
    /// "+46 8 …" must survive.
    #[test]
    fn formula_like_values_are_written_exactly(
        lead in proptest::sample::select(vec!["=", "+", "-", "@", "\t", "\r", "'", ""]),
        rest in "[A-Za-zÅÄÖåäö0-9 ;\"(),.!*+=-]{0,12}",
    ) {
        let value = format!("{lead}{rest}");
        let mut state = sample();
        for u in &mut state.users {
            u.attributes.insert("last_name".into(), wtmap::model::AttrValue::Text(value.as_str().into()));
        }
        for t in &mut state.teams {
            t.name = value.clone();
        }
        let tmp = tempfile::tempdir().unwrap();
        let (files, _) = render(&state, &config(tmp.path())).unwrap();
        for last in column(&files[0].bytes, "last_name") {
            proptest::prop_assert_eq!(&last, &value);
        }
        for name in column(&files[1].bytes, "name") {
            proptest::prop_assert_eq!(&name, &value);
        }
    }
}

#[test]
fn columns_are_renamed_and_unknown_keys_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let columns = ConfigValue::Block(vec![
        ("first_name".into(), text("Förnamn")),
        ("external_id".into(), text("Anställningsnummer")),
        ("group_parent".into(), text("Överordnad")),
        ("membership_role".into(), text("Roll")),
    ]);
    let cfg = from_endpoint(
        &endpoint(vec![
            ("dir", text("out")),
            ("columns", columns),
            ("bom", ConfigValue::Bool(true)),
        ]),
        tmp.path(),
    )
    .unwrap();
    let (files, _) = render(&sample(), &cfg).unwrap();
    let header = |i: usize| {
        let text = std::str::from_utf8(&files[i].bytes).unwrap();
        text.lines().next().unwrap().to_string()
    };
    assert!(files.iter().all(|f| f.bytes.starts_with(b"\xEF\xBB\xBF")));
    assert!(header(0).starts_with("\u{feff}Anställningsnummer;username;email;Förnamn;"));
    assert_eq!(header(1), "\u{feff}external_id;name;Överordnad");
    assert_eq!(header(3), "\u{feff}user_external_id;team_external_id;Roll");

    let columns = ConfigValue::Block(vec![("frist_name".into(), text("Förnamn"))]);
    let e = from_endpoint(
        &endpoint(vec![("dir", text("out")), ("columns", columns)]),
        tmp.path(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "target winningtemp.files: `columns` names the unknown column `frist_name`"
    );
    assert!(
        matches!(e, FilesError::UnknownColumn { help, .. } if help == "did you mean `first_name`?")
    );
}

#[test]
fn mapped_attributes_keep_their_column_when_every_value_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = config(tmp.path());
    cfg.mapped_attributes = ["phone".to_string()].into();
    let (files, _) = render(&sample(), &cfg).unwrap();
    let text = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert!(
        text.lines().next().unwrap().ends_with(";title;phone"),
        "{text}"
    );
}

#[test]
fn a_failed_upload_leaves_the_previous_files_and_state_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    let out = tmp.path().join("out");
    export(&cfg, &sample(), &no_env()).unwrap();
    let before: Vec<(String, Vec<u8>)> = listing(&out)
        .into_iter()
        .filter(|n| n.ends_with(".csv"))
        .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
        .collect();

    // Nothing listens on the port: the upload fails after the files were staged.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sftp = ConfigValue::Block(vec![
        ("host".into(), text("127.0.0.1")),
        ("port".into(), ConfigValue::Int(i64::from(port))),
        ("user".into(), text("wt")),
        ("key".into(), ConfigValue::Env("WT_KEY".into())),
        (
            "fingerprint".into(),
            text("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"),
        ),
    ]);
    let broken = from_endpoint(
        &endpoint(vec![("dir", text("out")), ("sftp", sftp)]),
        tmp.path(),
    )
    .unwrap();
    let key = std::fs::read_to_string(keygen(tmp.path())).unwrap();
    let env = HashMap::from([("WT_KEY".to_string(), key.clone())]);
    let mut changed = sample();
    changed.users[0].attributes.clear();
    let e = export(&broken, &changed, &env).unwrap_err();
    let message = e.to_string();
    assert!(
        message.starts_with(&format!("SFTP upload to wt@127.0.0.1:{port} failed: ")),
        "{message}"
    );
    assert!(!format!("{e:?}").contains(key.lines().nth(1).unwrap()));

    let after: Vec<(String, Vec<u8>)> = listing(&out)
        .into_iter()
        .filter(|n| n.ends_with(".csv"))
        .map(|n| (n.clone(), std::fs::read(out.join(&n)).unwrap()))
        .collect();
    assert_eq!(after, before);
    assert_eq!(
        listing(&out).len(),
        6,
        "no temporary files: {:?}",
        listing(&out)
    );
    assert_eq!(read_state(&cfg).unwrap(), normalized(sample()));

    // A missing key variable is found before anything is written.
    let e = export(&broken, &changed, &no_env()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "environment variable `WT_KEY` (for `sftp.key`) is not set"
    );
    let env = HashMap::from([("WT_KEY".to_string(), "not a key".to_string())]);
    let e = export(&broken, &changed, &env).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the SFTP key in `WT_KEY` cannot be used: it is not a private key in OpenSSH or PEM format"
    );
    assert_eq!(read_state(&cfg).unwrap(), normalized(sample()));
}

/// Issue 21, item 5: a state that cannot be recorded after the files were replaced used to
/// read "nothing was delivered". The error names what was delivered, and the next read takes
/// the pending state once it matches the files.
#[test]
fn a_failed_state_write_says_what_was_delivered_and_the_next_read_repairs_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    export(&cfg, &sample(), &no_env()).unwrap();
    // The state file cannot be replaced (a folder is in its place) after the files were.
    let state = cfg.state_path();
    std::fs::rename(&state, tmp.path().join("saved.json")).unwrap();
    std::fs::create_dir(&state).unwrap();
    let mut changed = sample();
    changed
        .users
        .retain(|u| u.external_id.as_deref() != Some("E3"));
    changed.memberships.retain(|m| m.user != "li@x.example");
    changed
        .segment_connections
        .retain(|c| c.user != "li@x.example");
    let e = export(&cfg, &changed, &no_env()).unwrap_err();
    assert!(matches!(e, FilesError::NotRecorded { .. }), "{e:?}");
    assert!(!e.delivered_nothing());
    let message = e.to_string();
    assert!(
        message.starts_with("the export was delivered (wt_users.csv, wt_groups.csv")
            && message.contains("its state could not be recorded")
            && message.contains("state.json.pending"),
        "{message}"
    );
    assert!(state.is_dir(), "the previous state is not replaced");
    assert!(
        !std::fs::read_to_string(cfg.dir.join("wt_users.csv"))
            .unwrap()
            .contains("li@x.example")
    );

    // Once the state can be read again, the pending state is what the files hold: taken.
    std::fs::remove_dir(&state).unwrap();
    std::fs::rename(tmp.path().join("saved.json"), &state).unwrap();
    let (read, note) = wtmap::winningtemp::files::read_state_repaired(&cfg).unwrap();
    assert_eq!(read, normalized(changed.clone()));
    assert!(note.unwrap().contains("matches the files"));
    // The next export records its own state and leaves nothing pending.
    export(&cfg, &changed, &no_env()).unwrap();
    assert!(!cfg.pending_state_path().exists());
    assert_eq!(
        wtmap::winningtemp::files::read_state_repaired(&cfg).unwrap(),
        (normalized(changed), None)
    );
}

/// Issue 21, item 5: files replaced one by one; a failure in between names the files of
/// each export, and the state (still the previous one) is not taken over by the pending one.
#[test]
fn a_partly_replaced_export_names_the_files_and_keeps_the_previous_state() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    export(&cfg, &sample(), &no_env()).unwrap();
    // `wt_segments.csv` cannot be replaced: a non-empty folder is in its place.
    let segments = cfg.dir.join("wt_segments.csv");
    std::fs::remove_file(&segments).unwrap();
    std::fs::create_dir(&segments).unwrap();
    std::fs::write(segments.join("x"), "x").unwrap();
    let mut changed = sample();
    changed
        .users
        .retain(|u| u.external_id.as_deref() != Some("E3"));
    changed.memberships.retain(|m| m.user != "li@x.example");
    changed
        .segment_connections
        .retain(|c| c.user != "li@x.example");
    let e = export(&cfg, &changed, &no_env()).unwrap_err();
    let FilesError::PartlyDelivered { replaced, kept, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(replaced, &["wt_users.csv", "wt_groups.csv"]);
    assert_eq!(kept[0], "wt_segments.csv");
    assert!(
        e.to_string()
            .contains("the next run writes every file again"),
        "{e}"
    );
    let (read, note) = wtmap::winningtemp::files::read_state_repaired(&cfg).unwrap();
    assert_eq!((read, note), (normalized(sample()), None));
}

fn normalized(mut s: CurrentState) -> CurrentState {
    wtmap::state::normalize(&mut s);
    s
}

fn keygen(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("id_ed25519");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path
}

#[test]
fn read_state_is_empty_before_the_first_export() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(
        read_state(&config(tmp.path())).unwrap(),
        wtmap::model::CurrentState::empty()
    );
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

/// Plan from the last export, export, plan again: nothing left to do.
fn round_trip(name: &str, ext: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mapping = common::read_mapping(&root.join(format!("mappings/{name}.wtmap")));
    let program = check_source(&mapping).0.expect("example checks");
    let records =
        read_records(&program, &root.join(format!("mappings/data/{name}.{ext}"))).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = FilesConfig::from_program(&program, &root.join("mappings")).unwrap();
    cfg.dir = tmp.path().join("out");
    cfg.sftp = None;
    let plan_from = |current: &CurrentState| {
        plan(&PlanInput {
            mapping: &mapping.name,
            program: &program,
            records: &records,
            current,
            today: today(),
            allow: Default::default(),
        })
        .0
    };

    let current = read_state(&cfg).unwrap();
    let first = plan_from(&current);
    assert!(!first.actions.is_empty());
    let exported = apply_to_state(&current, &first.actions);
    let report = export(&cfg, &exported, &ProcessEnv).unwrap();
    assert!(
        report
            .files
            .iter()
            .all(|f| f.rows > 0 || f.name.contains("segment"))
    );
    let read_back = read_state(&cfg).unwrap();
    assert_eq!(read_back, exported);
    let second = plan_from(&read_back);
    assert!(
        second.actions.is_empty(),
        "{name}: second plan is not empty:\n{}",
        render_human(&second, false)
    );
    // Exporting the same state again gives the same bytes.
    let first_bytes = std::fs::read(cfg.dir.join("wt_users.csv")).unwrap();
    export(&cfg, &read_back, &ProcessEnv).unwrap();
    assert_eq!(
        std::fs::read(cfg.dir.join("wt_users.csv")).unwrap(),
        first_bytes
    );
}

#[test]
fn flex_export_then_plan_again_is_empty() {
    round_trip("flex", "json");
}

#[test]
fn csv_export_with_segments_then_plan_again_is_empty() {
    round_trip("csv", "csv");
}
