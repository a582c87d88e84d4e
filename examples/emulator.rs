//! Runs one of the test suite's HR API emulators, serving the example data of `mappings/data/`,
//! so the example mappings can be fetched and planned live (see docs/connectors.md):
//!
//! ```sh
//! cargo run --example emulator -- personio            # or flex, worknice
//! cargo run --example emulator -- flex --port 9000 --fail-page 3
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a dev tool that fails loudly"
)]

#[path = "../tests/emulators/mod.rs"]
mod emulators;

use emulators::{flex, personio, worknice};

const USAGE: &str =
    "usage: cargo run --example emulator -- personio|flex|worknice [--port N] [--fail-page N]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(kind) = args.first().cloned() else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<usize>()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    let addr = format!("127.0.0.1:{}", option("--port").unwrap_or(8080));
    // A 500 on the N-th data request: shows how a failed fetch plans nothing.
    let fail = option("--fail-page").map(|n| (n, 500));
    let (server, env, url_flag) = match kind.as_str() {
        "personio" => {
            let s = personio::Scenario {
                fail,
                ..Default::default()
            };
            let env = format!(
                "PERSONIO_CLIENT_ID={} PERSONIO_CLIENT_SECRET={}",
                s.client_id, s.client_secret
            );
            let server = personio::start_on(s, &addr);
            let flag = format!(" --source-url {}", server.url);
            (server, env, flag)
        }
        "flex" => {
            let s = flex::Scenario {
                fail,
                ..Default::default()
            };
            let (user, password) = (s.username.clone(), s.password.clone());
            let server = flex::start_on(s, &addr);
            let env = format!(
                "FLEX_URL={}/webapi/api FLEX_USERNAME={user} FLEX_PASSWORD={password}",
                server.url
            );
            (server, env, String::new())
        }
        "worknice" => {
            let s = worknice::Scenario {
                fail,
                ..Default::default()
            };
            let env = format!("WORKNICE_API_TOKEN={}", s.token);
            let server = worknice::start_on(s, &addr);
            let flag = format!(" --source-url {}", server.url);
            (server, env, flag)
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    println!(
        "{kind} emulator listening on {} with the people of mappings/data/{kind}.json",
        server.url
    );
    println!("In another shell, from the repository root:\n");
    println!("  export {env}");
    println!("  wtmap fetch mappings/{kind}.wtmap{url_flag} --out /tmp/{kind}.json");
    println!(
        "  wtmap plan mappings/{kind}.wtmap{url_flag} --state mappings/data/{kind}.state.json --today 2026-11-21\n"
    );
    println!("Stop with Ctrl-C.");
    server.wait();
}
