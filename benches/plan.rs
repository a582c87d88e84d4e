//! `plan` throughput over synthetic Flex exports (docs/benchmarks.md).
//!
//! Generates 100,000 Flex-shaped records (and 1,000,000 with `WTMAP_BENCH_1M=1`) with the same
//! fields and distributions as `scripts/gen_flex.py`, then times, in one process and interleaved
//! round by round so that machine load hits every phase alike:
//!
//! - parse-only: read the file + `serde_json::from_slice::<serde_json::Value>` (the floor);
//! - `read_records` (parse + Flex shape normalisation);
//! - full plan (`read_records` + `plan`) against the empty state and against a state in which
//!   ~95% of the people already exist (so the diff matches, updates and pauses);
//! - and, on their own: `plan` with the records in memory, its parts (`eval::evaluate`,
//!   memberships included, `diff::diff`, dropping the desired state), `read_state` and
//!   `render_json`.
//!
//! Environment:
//! - `WTMAP_BENCH_FILE=path.json` benchmarks an existing Flex export instead of generating the
//!   100k one, and `WTMAP_BENCH_FILE_1M` likewise for the 1M run (scripts/bench.sh passes the
//!   Python generator's files, so every tool sees the same bytes);
//! - `WTMAP_BENCH_1M=1` adds the 1,000,000-record run (parse-only and plan against the empty
//!   state, plus the peak memory of one plan in a fresh process; skipped below 12 GB free);
//! - `WTMAP_BENCH_ROUNDS=n` overrides the number of rounds (4 for 100k, 3 for 1M);
//! - `WTMAP_BENCH_KEEP_DIR=dir` keeps each 95% state there as `state-N.json` (N = records), for
//!   timing `wtmap plan --state` from the command line.

// A benchmark stops at the first surprise: panicking with a message is the right reaction.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The allocator `wtmap` itself runs with (src/main.rs), so the bench measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use chrono::NaiveDate;
use wtmap::check::{Program, check_source};
use wtmap::guard::Allow;
use wtmap::model::DesiredState;
use wtmap::model::{AttrValue, CurrentState, CurrentUser, UserStatus};
use wtmap::plan::Plan;
use wtmap::records::Record;
use wtmap::source::SourceFile;
use wtmap::sync::{PlanInput, desire_from_file, plan, plan_desired, read_records};

const MAPPING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/flex.wtmap");

// ---------------------------------------------------------------------------------------------
// The generator: a port of scripts/gen_flex.py (same fields, value lists and distributions; the
// PRNG differs, so the values are not byte-identical to Python's, but the shape and mix are).

/// xorshift64* — tiny, deterministic, good enough for picking from lists.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Never zero; spread small seeds.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi` (the bias of a 64-bit modulo is negligible here).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn choice<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

const FIRST: &[&str] = &[
    "Anna", "Erik", "Sara", "Lars", "Karin", "Johan", "Maria", "Per", "Åsa", "Björn", "Linnéa",
    "Örjan", "Emma", "Oskar", "Elin", "Nils",
];
const LAST: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindqvist",
    "Åberg",
    "Öhman",
];
const OFFICES: &[&str] = &["Stockholm", "Göteborg", "Malmö", "Uppsala", "Umeå"];
const DEPTS: &[&str] = &[
    "Finance",
    "Sales",
    "Engineering",
    "Support",
    "HR",
    "Marketing",
];
const TEAMS: &[&str] = &[
    "Payable",
    "Receivable",
    "Platform",
    "Mobile",
    "Nordics",
    "DACH",
    "Recruiting",
    "",
];
const GENDERS: &[&str] = &["1", "2", "_"];

/// 18 of 20 permanent, 1 external, 1 temporary (as the Python generator's weighted list).
fn employment_type(rng: &mut Rng) -> &'static str {
    match rng.range(0, 19) {
        18 => "External Personnel",
        19 => "Temporary",
        _ => "Permanent",
    }
}

/// `n` records as one JSON array on one line, laid out like Python's `json.dump(…,
/// ensure_ascii=False)` (`", "` and `": "` separators). Values need no escaping.
fn gen_flex(n: usize, seed: u64) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(n * 330 + 2);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        let (f, l) = (rng.choice(FIRST), rng.choice(LAST));
        let manager = if i > 0 {
            format!("\"{:07}\"", rng.range(1, i.max(1) as u64))
        } else {
            "null".to_string()
        };
        let gender = rng.choice(GENDERS);
        let (y, m, d) = (rng.range(1955, 2004), rng.range(1, 12), rng.range(1, 28));
        let etype = employment_type(&mut rng);
        let (office, dept, team) = (rng.choice(OFFICES), rng.choice(DEPTS), rng.choice(TEAMS));
        let email = format!("{f}.{l}.{i}@acme.example").to_lowercase();
        // Writing into a String cannot fail.
        let _ = write!(
            out,
            "{{\"Id\": \"{:07}\", \"EmailWork\": \"{email}\", \"FirstName\": \"{f}\", \
             \"LastName\": \"{l}\", \"Gender\": \"{gender}\", \
             \"DateOfBirth\": \"{y}-{m:02}-{d:02}T00:00:00\", \
             \"ImmediateManagerEmployeeId\": {manager}, \"EmploymentType\": \"{etype}\", \
             \"Office\": \"{office}\", \"Department\": \"{dept}\", \"Team\": \"{team}\"}}",
            i + 1
        );
    }
    out.push(']');
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Timing.

#[derive(Default)]
struct Samples {
    label: &'static str,
    times: Vec<Duration>,
}

impl Samples {
    fn new(label: &'static str) -> Self {
        Samples {
            label,
            times: Vec::new(),
        }
    }

    /// Times `f` alone and hands back its result.
    fn run_keep<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = black_box(f());
        self.times.push(start.elapsed());
        out
    }

    /// Times `f`, dropping its result inside the timing.
    fn run<T>(&mut self, f: impl FnOnce() -> T) {
        let start = Instant::now();
        drop(black_box(f()));
        self.times.push(start.elapsed());
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t
    }

    fn min(&self) -> Duration {
        self.sorted().first().copied().unwrap_or_default()
    }

    fn median(&self) -> Duration {
        let t = self.sorted();
        if t.is_empty() {
            return Duration::ZERO;
        }
        let mid = t.len() / 2;
        if t.len() % 2 == 1 {
            t[mid]
        } else {
            (t[mid - 1] + t[mid]) / 2
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print_row(s: &Samples, records: usize) {
    let med = s.median();
    let rate = records as f64 / med.as_secs_f64().max(1e-9);
    println!(
        "  {:<44} min {:>9.1} ms   median {:>9.1} ms   {:>8.0}k records/s",
        s.label,
        ms(s.min()),
        ms(med),
        rate / 1e3
    );
}

// ---------------------------------------------------------------------------------------------
// Memory (Linux): peak resident set size of this process.

fn kib(file: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(file).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn status_kib(key: &str) -> Option<u64> {
    kib("/proc/self/status", key)
}

fn meminfo_kib(key: &str) -> Option<u64> {
    kib("/proc/meminfo", key)
}

// ---------------------------------------------------------------------------------------------
// The scenario.

fn load_program() -> Program {
    let text = std::fs::read_to_string(MAPPING).expect("read mappings/flex.wtmap");
    let (program, diags) = check_source(&SourceFile::new("mappings/flex.wtmap", text));
    assert!(!diags.has_errors(), "flex.wtmap does not check");
    program.expect("a checked program")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 2).expect("a valid date")
}

fn input<'a>(
    program: &'a Program,
    records: &'a [Record],
    current: &'a CurrentState,
) -> PlanInput<'a> {
    PlanInput {
        mapping: "mappings/flex.wtmap",
        program,
        records,
        current,
        today: today(),
        allow: Allow::default(),
    }
}

/// What `wtmap plan` does with a records file: each record evaluated as it is read, then
/// the plan.
fn plan_one_pass(program: &Program, file: &Path, current: &CurrentState) -> (Plan, DesiredState) {
    let desired = desire_from_file(program, file, today()).expect("read records");
    let plan = plan_desired(
        "mappings/flex.wtmap",
        program,
        &desired,
        current,
        Allow::default(),
    );
    (plan, desired)
}

/// What Winningtemp would hold after an earlier run that saw ~95% of today's people: everyone
/// from the empty-state plan applied, then every 20th user (and their memberships) removed, 1%
/// with an outdated last name, 0.5% paused by hand, and 0.5% leavers who are no longer in the
/// export (they get paused).
fn state_95(program: &Program, records: &[Record]) -> CurrentState {
    let empty = CurrentState::empty();
    let (full_plan, _) = plan(&input(program, records, &empty));
    let mut state = wtmap::plan::apply_to_state(&empty, &full_plan.actions);
    let mut removed = std::collections::HashSet::new();
    let mut users = Vec::with_capacity(state.users.len());
    for (i, mut user) in std::mem::take(&mut state.users).into_iter().enumerate() {
        if i % 20 == 7 {
            removed.insert(user.username);
            continue;
        }
        if i % 100 == 3 {
            user.attributes
                .insert("last_name".into(), AttrValue::Text("Tidigare".into()));
        }
        if i % 200 == 5 {
            user.status = UserStatus::Paused;
        }
        users.push(user);
    }
    let leavers = records.len() / 200;
    for i in 0..leavers {
        let username = format!("leaver.{i}@acme.example");
        let mut attributes = wtmap::model::Attributes::new();
        attributes.insert("email".into(), AttrValue::Text(username.as_str().into()));
        attributes.insert("first_name".into(), AttrValue::Text("Gone".into()));
        attributes.insert(
            "last_name".into(),
            AttrValue::Text(format!("Leaver{i}").into()),
        );
        users.push(CurrentUser {
            id: None,
            external_id: Some(format!("L{i:07}")),
            username,
            status: UserStatus::Active,
            attributes,
        });
    }
    state.users = users;
    state.memberships.retain(|m| !removed.contains(&m.user));
    state
        .segment_connections
        .retain(|c| !removed.contains(&c.user));
    state
}

fn rounds(default: usize) -> usize {
    std::env::var("WTMAP_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(default)
}

fn bench(label: &str, file: &Path, rounds: usize) {
    let program = load_program();
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);

    // Warm-up and correctness: every record maps, none is skipped or quarantined.
    let records = read_records(&program, file).expect("read records");
    let n = records.len();
    let empty = CurrentState::empty();
    let (p, desired) = plan(&input(&program, &records, &empty));
    assert_eq!(desired.users.len(), n, "every record becomes a user");
    assert!(desired.quarantined.is_empty() && desired.skipped.is_empty());
    assert_eq!(p.summary.create_user, n);

    let state_file = file.with_extension("state.json");
    let current = state_95(&program, &records);
    wtmap::state::write_state(&state_file, &current).expect("write state");
    let current = wtmap::state::read_state(&state_file).expect("read state back");
    let (p95, _) = plan(&input(&program, &records, &current));
    let s = &p95.summary;
    let state_mb = std::fs::metadata(&state_file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    drop(p);
    drop(desired);

    println!(
        "\n{label}: {n} records, {:.1} MB of JSON; 95% state {} users, {state_mb:.1} MB",
        size as f64 / 1e6,
        current.users.len()
    );
    println!(
        "  95%-state plan: {} creates, {} updates, {} pauses, {} reactivations, {} membership adds, {} removes, {} total actions",
        s.create_user,
        s.update_user,
        s.pause_user,
        s.reactivate_user,
        s.add_membership,
        s.remove_membership,
        s.total
    );
    drop(p95);
    drop(records);

    // Every timed closure drops what it built inside the timing, as a process that goes on
    // would: for the plan, dropping 100k users' maps is a noticeable part of the cost. The one
    // exception is `eval::evaluate`, whose drop is its own row.
    let mut parse = Samples::new("parse-only (read + from_slice::<Value>)");
    let mut read = Samples::new("read_records");
    let mut full_empty = Samples::new("plan, empty state (read_records + plan)");
    let mut full_95 = Samples::new("plan, 95% state (read_records + plan)");
    let mut one_empty = Samples::new("plan, empty state, one pass (as `wtmap plan`)");
    let mut one_95 = Samples::new("plan, 95% state, one pass (as `wtmap plan`)");
    let mut plan_empty = Samples::new("  plan() alone, empty state");
    let mut plan_95 = Samples::new("  plan() alone, 95% state");
    let mut evaluate = Samples::new("    eval::evaluate (records -> desired)");
    let mut diff_empty = Samples::new("    diff::diff, empty state");
    let mut diff_95 = Samples::new("    diff::diff, 95% state");
    let mut drop_desired = Samples::new("    drop(DesiredState)");
    let mut state_read = Samples::new("read_state (95% state file)");
    let mut render = Samples::new("render_json (empty-state plan)");

    let records = read_records(&program, file).expect("read records");
    let ctx = wtmap::builtins::Context { today: today() };
    let desired = wtmap::eval::evaluate(&program, &records, &ctx);
    let (p, _) = plan(&input(&program, &records, &empty));
    // The diff only reads the desired state (its memberships were made by `evaluate`).
    let diff_input = |samples: &mut Samples, current: &'_ CurrentState| {
        let d = samples.run_keep(|| {
            wtmap::diff::diff(
                &desired,
                &wtmap::diff::DiffInput {
                    current,
                    rules: &program.rules,
                    match_keys: &program.match_keys,
                    mapped_attributes: &program.mapped_attributes,
                    rules_line: program.rules_because.line(),
                    match_line: program.match_line,
                },
            )
        });
        drop(d);
    };

    for _ in 0..rounds {
        parse.run(|| {
            let bytes = std::fs::read(file).expect("read file");
            serde_json::from_slice::<serde_json::Value>(&bytes).expect("valid JSON")
        });
        read.run(|| read_records(&program, file).expect("read records"));
        full_empty.run(|| {
            let records = read_records(&program, file).expect("read records");
            let out = plan(&input(&program, &records, &empty));
            (records, out)
        });
        full_95.run(|| {
            let records = read_records(&program, file).expect("read records");
            let out = plan(&input(&program, &records, &current));
            (records, out)
        });
        one_empty.run(|| plan_one_pass(&program, file, &empty));
        one_95.run(|| plan_one_pass(&program, file, &current));
        plan_empty.run(|| plan(&input(&program, &records, &empty)));
        plan_95.run(|| plan(&input(&program, &records, &current)));
        let desired = evaluate.run_keep(|| wtmap::eval::evaluate(&program, &records, &ctx));
        drop_desired.run(|| drop(desired));
        diff_input(&mut diff_empty, &empty);
        diff_input(&mut diff_95, &current);
        state_read.run(|| wtmap::state::read_state(&state_file).expect("read state"));
        render.run(|| wtmap::plan::render_json(&p));
    }
    drop((records, desired, p));

    if let Some(keep) = std::env::var_os("WTMAP_BENCH_KEEP_DIR") {
        let kept = Path::new(&keep).join(format!("state-{n}.json"));
        std::fs::copy(&state_file, &kept).expect("keep the state file");
    }
    println!("  ({rounds} rounds, interleaved; min and median per phase)");
    for s in [
        &parse,
        &read,
        &full_empty,
        &full_95,
        &one_empty,
        &one_95,
        &plan_empty,
        &plan_95,
        &evaluate,
        &diff_empty,
        &diff_95,
        &drop_desired,
        &state_read,
        &render,
    ] {
        print_row(s, n);
    }
    let floor = ms(parse.median());
    println!(
        "  ratio to parse-only (median): read_records {:.2}x; plan empty state {:.2}x, 95% state {:.2}x; one pass (as `wtmap plan`) {:.2}x, {:.2}x (target <= 2x)",
        ms(read.median()) / floor,
        ms(full_empty.median()) / floor,
        ms(full_95.median()) / floor,
        ms(one_empty.median()) / floor,
        ms(one_95.median()) / floor
    );
    let _ = std::fs::remove_file(&state_file);
}

/// The 1M run: parse-only against the one-pass plan (empty state) only, so that no more than
/// one plan's worth of memory is held at a time.
fn bench_large(label: &str, file: &Path, rounds: usize) {
    let program = load_program();
    let empty = CurrentState::empty();
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("\n{label}: {:.1} MB of JSON", size as f64 / 1e6);
    let mut parse = Samples::new("parse-only (read + from_slice::<Value>)");
    let mut full = Samples::new("plan, empty state, one pass (as `wtmap plan`)");
    let mut n = 0;
    for _ in 0..rounds {
        parse.run(|| {
            let bytes = std::fs::read(file).expect("read file");
            serde_json::from_slice::<serde_json::Value>(&bytes).expect("valid JSON")
        });
        full.run(|| {
            let out = plan_one_pass(&program, file, &empty);
            n = out.1.source_records;
            out
        });
    }
    println!("  ({rounds} rounds, interleaved; min and median per phase)");
    print_row(&parse, n);
    print_row(&full, n);
    println!(
        "  ratio to parse-only (median): plan empty state {:.2}x",
        ms(full.median()) / ms(parse.median())
    );
}

/// One one-pass plan (as `wtmap plan`) against the empty state in a fresh child process (this bench
/// re-run with `WTMAP_BENCH_PEAK_CHILD=file`), so the peak RSS is that of the work alone and
/// not of memory this process's allocator kept from the rounds before.
fn peak_rss(file: &Path) {
    let exe = std::env::current_exe().expect("the bench executable");
    let mut child = std::process::Command::new(exe);
    child.env("WTMAP_BENCH_PEAK_CHILD", file);
    // With the allocator settings `wtmap` runs with, unless the caller set its own.
    child.envs(wtmap::allocator::unset_settings());
    let out = child.output().expect("run the child");
    print!("{}", String::from_utf8_lossy(&out.stdout));
}

fn peak_child(file: &Path) {
    let program = load_program();
    let empty = CurrentState::empty();
    let start = Instant::now();
    let out = plan_one_pass(&program, file, &empty);
    let elapsed = start.elapsed();
    let rss = |key| {
        status_kib(key).map_or("unknown".to_string(), |k| {
            format!("{:.0} MB", k as f64 / 1024.0)
        })
    };
    println!(
        "  fresh process, one one-pass plan (empty state): {:.2} s, peak RSS {} (the file is {:.0} MB)",
        elapsed.as_secs_f64(),
        rss("VmHWM:"),
        std::fs::metadata(file).map_or(0.0, |m| m.len() as f64 / 1e6)
    );
    // The process exits next: nothing to free.
    std::mem::forget(out);
}

fn generated(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join(format!("flex{n}.json"));
    let start = Instant::now();
    std::fs::write(&path, gen_flex(n, 7)).expect("write records");
    println!(
        "generated {n} Flex records in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    path
}

/// An existing export named by `var` (copied into `dir`), else `n` generated records.
fn records_file(dir: &Path, var: &str, n: usize) -> PathBuf {
    match std::env::var_os(var) {
        Some(f) => {
            // Copied, so that the state file written next to it lands in the temp dir.
            let path = dir.join(format!("records{n}.json"));
            std::fs::copy(&f, &path).expect("copy the records file");
            println!("records from {}", Path::new(&f).display());
            path
        }
        None => generated(dir, n),
    }
}

fn main() {
    if let Some(file) = std::env::var_os("WTMAP_BENCH_PEAK_CHILD") {
        return peak_child(Path::new(&file));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "wtmap plan benchmark — {} logical CPUs; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    );
    let file = records_file(dir.path(), "WTMAP_BENCH_FILE", 100_000);
    bench("100k", &file, rounds(4));
    peak_rss(&file);
    std::fs::remove_file(&file).ok();

    if std::env::var("WTMAP_BENCH_1M").is_ok_and(|v| v == "1") {
        // Today's plan needs ~9.5 KB of memory per record; refuse rather than push a shared
        // machine into swapping or the OOM killer.
        let available = meminfo_kib("MemAvailable:").unwrap_or(u64::MAX) / 1024;
        if available < 12 * 1024 {
            println!("\n1M: skipped, only {available} MB of memory available (needs ~12 GB)");
            return;
        }
        let file = records_file(dir.path(), "WTMAP_BENCH_FILE_1M", 1_000_000);
        bench_large("1M", &file, rounds(3));
        peak_rss(&file);
    }
}
