//! End to end: each example mapping fetched live from its emulator and planned against its
//! example state, through the library and through the `wtmap` binary. A live plan must be
//! the plan of the example file, because the emulators serve the example data.

use super::emulators::{Server, flex, personio, worknice};
use super::*;
use std::path::Path;
use std::process::{Command, Output};
use wtmap::check::check_source;
use wtmap::plan::render_human;
use wtmap::records::Record;
use wtmap::sync::{PlanInput, plan, read_records};

/// Every registered connector: one added to the registry is planned live here too, and fails
/// until it has an emulator below, an example mapping and its data.
fn kinds() -> impl Iterator<Item = &'static str> {
    wtmap::connectors::CONNECTORS.iter().map(|c| c.kind)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn program(kind: &str) -> (String, wtmap::check::Program) {
    let file = super::common::read_mapping(&root().join(format!("mappings/{kind}.wtmap")));
    let program = check_source(&file).0.expect("example checks");
    (file.name, program)
}

/// The human plan of the example mapping over `records` and the example state, on
/// 2026-11-21 (the date of the example data).
pub fn plan_of(kind: &str, records: &[Record]) -> String {
    let (name, program) = program(kind);
    let state =
        wtmap::state::read_state(&root().join(format!("mappings/data/{kind}.state.json"))).unwrap();
    let (p, _) = plan(&PlanInput {
        mapping: &name,
        program: &program,
        records,
        current: &state,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        allow: Default::default(),
    });
    render_human(&p, false)
}

/// The plan of the example records file, without the records' line numbers (live records
/// have none, and a saved snapshot has its own).
pub fn plan_of_example(kind: &str) -> String {
    let (_, program) = program(kind);
    let records =
        read_records(&program, &root().join(format!("mappings/data/{kind}.json"))).unwrap();
    without_lines(&plan_of(kind, &records))
}

/// `#13 (line 210)` → `#13`.
pub fn without_lines(plan: &str) -> String {
    regex::Regex::new(r"(#\d+) \(line \d+\)")
        .unwrap()
        .replace_all(plan, "$1")
        .into_owned()
}

/// An emulator of `kind` with its example data, the environment the example mapping reads,
/// and the base URL to give as `--source-url` (Flex reads its URL from `FLEX_URL` instead).
fn emulator(kind: &str) -> (Server, Vec<(&'static str, String)>, Option<String>) {
    match kind {
        "personio" => {
            let server = personio::start(personio::Scenario::default());
            let url = server.url.clone();
            let env = vec![
                ("PERSONIO_CLIENT_ID", "wtmap-client".into()),
                ("PERSONIO_CLIENT_SECRET", "papi-secret-123".into()),
            ];
            (server, env, Some(url))
        }
        "flex" => {
            let server = flex::start(flex::Scenario::default());
            let env = vec![
                ("FLEX_URL", format!("{}/webapi/api", server.url)),
                ("FLEX_USERNAME", "wt-integration".into()),
                ("FLEX_PASSWORD", "flex-pass-456".into()),
            ];
            (server, env, None)
        }
        "worknice" => {
            let server = worknice::start(worknice::Scenario::default());
            let url = server.url.clone();
            (
                server,
                vec![("WORKNICE_API_TOKEN", "wn-token-789".into())],
                Some(url),
            )
        }
        other => panic!("no emulator for the registered connector `{other}`: add it here"),
    }
}

#[test]
fn live_plans_of_every_example_equal_the_file_plans() {
    for kind in kinds() {
        let (server, vars, url) = emulator(kind);
        let (_, program) = program(kind);
        let mut cfg = wtmap::sync::connector_config(&program);
        cfg.base_url = url;
        let env = MapEnv(vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let snapshot = runtime
            .block_on(
                Connectors::new(policy())
                    .unwrap()
                    .fetch(&cfg, &env, &NoProgress),
            )
            .unwrap();
        let live = plan_of(kind, &snapshot.records);
        insta::assert_snapshot!(format!("live_plan_{kind}"), live);
        assert_eq!(live, plan_of_example(kind), "{kind}");
        drop(server);
    }
}

fn wtmap(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wtmap"));
    command
        .current_dir(root())
        .args(args)
        .arg("--color")
        .arg("never");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn state_args(kind: &str) -> Vec<String> {
    vec![
        "--state".into(),
        format!("mappings/data/{kind}.state.json"),
        "--today".into(),
        "2026-11-21".into(),
    ]
}

#[test]
fn wtmap_plan_without_records_fetches_live() {
    for kind in kinds() {
        let (_server, env, url) = emulator(kind);
        let mapping = format!("mappings/{kind}.wtmap");
        let mut args = vec!["plan".to_owned(), mapping];
        args.extend(state_args(kind));
        if let Some(url) = url {
            args.extend(["--source-url".to_owned(), url]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = wtmap(&args, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{kind}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            plan_of_example(kind),
            "{kind}"
        );
    }
}

#[test]
fn wtmap_fetch_saves_a_snapshot_that_plans_the_same() {
    let (_server, env, url) = emulator("worknice");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("worknice.json");
    let saved = saved.to_str().unwrap();
    let out = wtmap(
        &[
            "fetch",
            "mappings/worknice.wtmap",
            "--source-url",
            &url.unwrap(),
            "--out",
            saved,
        ],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "36 records from Worknice written to {saved}; plan from them with `--records {saved}`\n"
        )
    );
    let mut args = vec!["plan", "mappings/worknice.wtmap", "--records", saved];
    let state = state_args("worknice");
    args.extend(state.iter().map(String::as_str));
    let out = wtmap(&args, &[]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("#13 (line 352)"),
        "lines of the saved file: {plan}"
    );
    assert_eq!(without_lines(&plan), plan_of_example("worknice"));
}

#[test]
fn wtmap_explain_fetches_live_too() {
    let (_server, env, url) = emulator("personio");
    let url = url.unwrap();
    let mut args = vec![
        "explain",
        "mappings/personio.wtmap",
        "4729",
        "--source-url",
        &url,
    ];
    let state = state_args("personio");
    args.extend(state.iter().map(String::as_str));
    let out = wtmap(&args, &env);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("link user 4729"));
}

#[test]
fn a_failed_live_fetch_plans_nothing() {
    let server = personio::start(personio::Scenario {
        fail: Some((1, 500)),
        ..personio::Scenario::default()
    });
    let env = vec![
        ("PERSONIO_CLIENT_ID", "wtmap-client".to_owned()),
        ("PERSONIO_CLIENT_SECRET", "papi-secret-123".to_owned()),
    ];
    let mut args = vec![
        "plan",
        "mappings/personio.wtmap",
        "--source-url",
        &server.url,
    ];
    let state = state_args("personio");
    args.extend(state.iter().map(String::as_str));
    let out = wtmap(&args, &env);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: Personio: GET {}/v1/company/employees?limit=100&offset=0 answered HTTP 500: Internal Server Error\nnothing was planned\n",
            server.url
        )
    );
}

#[test]
fn wtmap_fetch_of_a_file_source_is_refused() {
    let out = wtmap(&["fetch", "mappings/csv.wtmap"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `source csv` reads a file, not a live system; give its `path` or `--records FILE`\nnothing was saved\n"
    );
}
