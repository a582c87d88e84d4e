//! `profile` against `plan` over the same 100k-record Flex export (docs/benchmarks.md).
//!
//! The target: profiling an export takes no longer than planning it, since both parse
//! the same bytes. The export is `WTMAP_BENCH_FILE` when set (scripts/bench.sh passes the file
//! it generated), else 100,000 records made with `scripts/gen_flex.py` (needs python3). Rounds
//! interleave the two phases so machine load hits both alike; `WTMAP_BENCH_ROUNDS` (default 5).
//! Each phase runs in-process exactly as its command does: `profile_file` (the readers `plan`
//! uses, each record folded on the thread that read it) and the one-pass plan
//! (`desire_from_file` + `plan_desired`) against an empty state.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wtmap::check::check_source;
use wtmap::eval::read_options;
use wtmap::guard::Allow;
use wtmap::model::CurrentState;
use wtmap::source::SourceFile;
use wtmap::sync::{desire_from_file, plan_desired};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn export(dir: &Path) -> PathBuf {
    if let Some(file) = std::env::var_os("WTMAP_BENCH_FILE") {
        return PathBuf::from(file);
    }
    let path = dir.join("flex100k.json");
    let out = std::process::Command::new("python3")
        .args(["scripts/gen_flex.py", "100000"])
        .output()
        .expect("python3 scripts/gen_flex.py (set WTMAP_BENCH_FILE to use an existing export)");
    assert!(out.status.success(), "gen_flex.py failed");
    std::fs::write(&path, out.stdout).expect("write the export");
    path
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = export(dir.path());
    let text = std::fs::read_to_string("mappings/flex.wtmap").expect("mappings/flex.wtmap");
    let (program, diags) = check_source(&SourceFile::new("mappings/flex.wtmap", text));
    assert!(!diags.has_errors());
    let program = program.expect("checked");
    let opts = read_options(&program);
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 2).expect("date");
    let rounds: usize = std::env::var("WTMAP_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);

    // Warm-up and correctness.
    let p = wtmap::profile::profile_file(&file, &opts, "flex").expect("profile");
    let n = p.records;
    assert!(p.fields.iter().any(|f| f.path == "Id" && f.unique));
    drop(p);

    let (mut prof, mut plan) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let p = wtmap::profile::profile_file(&file, &opts, "flex").expect("profile");
        drop(p);
        prof.push(t.elapsed());

        let t = Instant::now();
        let desired = desire_from_file(&program, file.as_path(), today).expect("records");
        let plan_made = plan_desired(
            "mappings/flex.wtmap",
            &program,
            &desired,
            &CurrentState::empty(),
            Allow::default(),
        );
        drop(plan_made);
        drop(desired);
        plan.push(t.elapsed());
    }
    let (mp, mq) = (median(prof.clone()), median(plan.clone()));
    let min = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    println!(
        "profile vs plan, {n} records, {} logical CPUs, {rounds} rounds",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  profile_file                         median {:>8.1} ms  min {:>8.1} ms",
        mp.as_secs_f64() * 1e3,
        min(&prof).as_secs_f64() * 1e3
    );
    println!(
        "  plan, empty state, one pass          median {:>8.1} ms  min {:>8.1} ms",
        mq.as_secs_f64() * 1e3,
        min(&plan).as_secs_f64() * 1e3
    );
    println!(
        "  profile / plan                       {:.2}× (target ≤ 1×)",
        mp.as_secs_f64() / mq.as_secs_f64()
    );
}
