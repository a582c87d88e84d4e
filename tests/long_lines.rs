//! Long lines and long names never panic (issue 21, item 9): a diagnostic past column 65535
//! renders (miette pads with a 16-bit width), and `fmt` aligns keys and trailing comments of
//! any length. Names, filler and comment widths are generated around and far beyond 65535.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

use proptest::prelude::*;
use wtmap::check::check_source;
use wtmap::diagnostics::render::{HumanStyle, human};
use wtmap::source::SourceFile;

fn mapping(name: &str, pad: &str, comment: &str) -> String {
    format!(
        "source csv {{ path = \"p.csv\" }}\nfields {{\n  Id: text  # {comment}\n  {name}: text\n  Email: text # x\n}}\ntarget winningtemp.files {{ dir = \"out\" }}\nuser {{\n  external_id = Id\n  username = {pad}Email # {comment}\n  first_name = {name}\n  last_name = {pad}Nosuchfield\n}}\n"
    )
}

fn every_pass(text: &str) {
    let file = SourceFile::new("long.wtmap", text);
    let (_, diags) = check_source(&file);
    assert!(!diags.is_empty(), "the unknown field is reported");
    for d in diags.iter() {
        let out = human(d, &file, HumanStyle::PLAIN);
        assert!(out.contains(d.code.as_str()));
        assert!(out.len() < 10_000, "{} bytes of diagnostic", out.len());
    }
    let formatted = wtmap::format::format_source(&file).unwrap();
    // Formatting is stable: the output formats to itself.
    let again = wtmap::format::format_source(&SourceFile::new("long.wtmap", formatted.as_str()));
    assert_eq!(again.unwrap(), formatted);
}

#[test]
fn a_name_of_seventy_thousand_characters_formats_and_reports() {
    let name = format!("F{}", "x".repeat(70_000));
    every_pass(&mapping(&name, &" ".repeat(70_000), "c"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn names_padding_and_comments_of_any_length(
        name_len in prop_oneof![1..100usize, 65_000..140_000usize],
        pad_len in prop_oneof![0..10usize, 65_000..140_000usize],
        comment_len in prop_oneof![0..10usize, 65_000..140_000usize],
        ch in prop::sample::select(vec!['x', 'é', '中']),
    ) {
        let name = format!("F{}", ch.to_string().repeat(name_len));
        every_pass(&mapping(&name, &" ".repeat(pad_len), &ch.to_string().repeat(comment_len)));
    }
}
