//! YAML nesting is bounded early and linearly (issue 21, item 13): nests of flow maps, flow
//! sequences, block maps, block sequences and compact `- - x`, mixed at random, are refused
//! with their line when deeper than the limit, read when shallower, and a large file of either
//! kind takes time proportional to its size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use proptest::prelude::*;
use std::time::{Duration, Instant};
use wtmap::records::{ReadOptions, RecordsError, read_bytes};

fn read(text: &str) -> Result<usize, RecordsError> {
    read_bytes(
        "p.yaml",
        text.as_bytes(),
        &ReadOptions::new(&wtmap::records::PLAIN, wtmap::connectors::shapes()),
    )
    .map(|r| r.len())
}

/// One record whose field `a` nests `kinds` (0 flow map, 1 flow seq, 2 block map, 3 block seq),
/// innermost last. Block nests sit outside flow nests, as YAML requires.
fn nest(kinds: &[u8]) -> String {
    let (block, flow): (Vec<u8>, Vec<u8>) = kinds.iter().partition(|k| **k >= 2);
    let mut text = String::from("- Id: 1\n  a:");
    let mut indent = 2;
    for k in &block {
        indent += 2;
        text.push('\n');
        text.push_str(&" ".repeat(indent));
        text.push_str(if *k == 2 { "k:" } else { "-" });
    }
    text.push(' ');
    let mut close = String::new();
    for k in &flow {
        if *k == 0 {
            text.push_str("{k: ");
            close.insert(0, '}');
        } else {
            text.push('[');
            close.insert(0, ']');
        }
    }
    text.push('1');
    text.push_str(&close);
    text.push('\n');
    text
}

#[test]
fn six_hundred_kilobytes_of_nested_flow_maps_fail_at_once() {
    let n = 600_000 / 4;
    let text = format!("- a: {}1{}\n", "{b: ".repeat(n), "}".repeat(n));
    let started = Instant::now();
    let err = read(&text).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(
        message.contains("nested more than 64 levels deep"),
        "{message}"
    );
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn wide_files_are_linear() {
    // Many shallow records: the scan must not refuse them, and reading stays fast.
    let text = "- {Id: 1, Tags: [a, b, {c: d}]}\n".repeat(20_000);
    let started = Instant::now();
    assert_eq!(read(&text).unwrap(), 20_000);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn any_nest_is_read_or_refused_by_depth(
        kinds in prop_oneof![
            proptest::collection::vec(0..4u8, 0..40),
            proptest::collection::vec(0..4u8, 70..400),
            proptest::collection::vec(0..2u8, 2_000..20_000),
        ],
    ) {
        let text = nest(&kinds);
        let started = Instant::now();
        let result = read(&text);
        prop_assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        if kinds.len() < 40 {
            prop_assert_eq!(result.unwrap(), 1);
        } else {
            let message = result.unwrap_err().to_string();
            prop_assert!(message.contains("nested more than"), "{}", message);
        }
    }
}
