//! Teams from org units at scale (docs/benchmarks.md): 100,000 people in a 5,000-unit tree.
//!
//! Generates the units (each unit's parent an earlier unit, so the tree is 5,000 units of
//! random depth; one in ten with a head) and the people (each in a random unit, managers
//! within the people), both in memory as records, with a deterministic xorshift generator.
//! Then, in rounds, times: validating the tree (`units::tree`), evaluating the people
//! (`pipeline::desire`), placing the tree (`units::place`), and the whole plan (tree, people,
//! place, `plan_desired`) against the empty state, against the state that plan leads to (an
//! empty plan), and against that state with 5% of the units renamed and 1% moved. Reports the
//! median per step. `WTMAP_BENCH_PEOPLE` and `WTMAP_BENCH_UNITS` change the sizes.

// A benchmark stops at the first surprise: panicking with a message is the right reaction.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};
use wtmap::builtins::Context;
use wtmap::check::Program;
use wtmap::model::CurrentState;
use wtmap::records::{Origin, Record};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MAPPING: &str = r#"source csv {
  path  = "people.csv"
  units = "units.csv"
}
fields {
  Id: text
  Email: text
  First: text
  Last: text
  Unit: text?
  Boss: text?
}
unit fields {
  UnitId: text
  Name: text
  Parent: text?
  Head: text?
}
target winningtemp.files {
  dir = "out"
}
user {
  external_id = Id
  username    = lower(Email)
  email       = lower(Email)
  first_name  = First
  last_name   = Last
  manager     = Boss
}
units {
  id      = UnitId
  name    = Name
  parent  = Parent
  manager = Head
}
group = Unit
"#;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn record(index: usize, fields: &[(&str, String)]) -> Record {
    Record {
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
            .collect(),
        origin: Origin {
            index,
            line: Some(index + 2),
        },
    }
}

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn units(n: usize, people: usize, rng: &mut Rng) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let parent = if i == 0 {
                String::new()
            } else {
                format!("U{}", rng.below(i))
            };
            let head = if i % 10 == 0 {
                format!("P{}", rng.below(people))
            } else {
                String::new()
            };
            record(
                i,
                &[
                    ("UnitId", format!("U{i}")),
                    ("Name", format!("Unit {i}")),
                    ("Parent", parent),
                    ("Head", head),
                ],
            )
        })
        .collect()
}

fn people(n: usize, units: usize, rng: &mut Rng) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let boss = if i == 0 {
                String::new()
            } else {
                format!("P{}", rng.below(i))
            };
            record(
                i,
                &[
                    ("Id", format!("P{i}")),
                    ("Email", format!("Person.{i}@Acme.example")),
                    ("First", format!("First{i}")),
                    ("Last", format!("Last{i}")),
                    ("Unit", format!("U{}", rng.below(units))),
                    ("Boss", boss),
                ],
            )
        })
        .collect()
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn plan(program: &Program, people: &[Record], units: &[Record], current: &CurrentState) -> usize {
    let tree = wtmap::units::tree(program, units, &Context { today: today() }).unwrap();
    let mut desired = wtmap::sync::desire(program, people, today());
    wtmap::units::place(program, &tree, &mut desired);
    let plan = wtmap::sync::plan_desired("bench", program, &desired, current, Default::default());
    plan.actions.len()
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn main() {
    let n_people = size("WTMAP_BENCH_PEOPLE", 100_000);
    let n_units = size("WTMAP_BENCH_UNITS", 5_000);
    let rounds = size("WTMAP_BENCH_ROUNDS", 3);
    let file = wtmap::source::SourceFile::new("bench.wtmap", MAPPING.to_string());
    let (program, diags) = wtmap::check::check_source(&file);
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let units = units(n_units, n_people, &mut rng);
    let people = people(n_people, n_units, &mut rng);

    // Correctness first: every person a user, every unit a team; then the applied state.
    let empty = wtmap::model::CurrentState::empty();
    let tree = wtmap::units::tree(&program, &units, &Context { today: today() }).unwrap();
    let depth = (0..n_units)
        .map(|i| tree.chain(&format!("U{i}")).len())
        .max()
        .unwrap_or(0);
    let mut desired = wtmap::sync::desire(&program, &people, today());
    wtmap::units::place(&program, &tree, &mut desired);
    assert_eq!(desired.users.len(), n_people);
    assert_eq!(desired.teams.len(), n_units);
    let first = wtmap::sync::plan_desired("bench", &program, &desired, &empty, Default::default());
    let applied = wtmap::plan::apply_to_state(&empty, &first.actions);
    assert_eq!(plan(&program, &people, &units, &applied), 0, "idempotent");
    let mut changed = applied.clone();
    for (i, team) in changed.teams.iter_mut().enumerate() {
        if i % 20 == 0 {
            team.name.push_str(" (old name)");
        }
        if i % 100 == 1 {
            team.parent = None;
        }
    }
    let changes = plan(&program, &people, &units, &changed);
    println!(
        "units bench: {n_people} people, {n_units} units (depth up to {depth}), {} actions on the first plan, {changes} after 5% renames and 1% moves",
        first.actions.len()
    );

    let mut rows: Vec<(&str, Vec<Duration>)> = vec![
        ("validate the tree (units::tree)", Vec::new()),
        ("evaluate the people (desire)", Vec::new()),
        ("place the tree (units::place)", Vec::new()),
        ("whole plan, empty state", Vec::new()),
        ("whole plan, applied state (empty plan)", Vec::new()),
        ("whole plan, 5% renamed + 1% moved", Vec::new()),
    ];
    for _ in 0..rounds {
        let (d, tree) =
            time(|| wtmap::units::tree(&program, &units, &Context { today: today() }).unwrap());
        rows[0].1.push(d);
        let (d, mut desired) = time(|| wtmap::sync::desire(&program, &people, today()));
        rows[1].1.push(d);
        let (d, ()) = time(|| wtmap::units::place(&program, &tree, &mut desired));
        rows[2].1.push(d);
        black_box((tree, desired));
        for (row, state) in [(3, &empty), (4, &applied), (5, &changed)] {
            let (d, n) = time(|| plan(&program, &people, &units, state));
            black_box(n);
            rows[row].1.push(d);
        }
    }
    for (name, durations) in rows {
        println!(
            "  {name:<42} {:>9.1} ms (median of {rounds})",
            median(durations).as_secs_f64() * 1e3
        );
    }
}
