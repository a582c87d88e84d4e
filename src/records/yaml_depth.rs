//! A linear bound on YAML nesting, checked before the YAML parser runs. The parser gives up
//! at its recursion limit only after super-linear work: 600 KB of nested flow maps took 51 s
//! of CPU. Records are flat mappings with a few nested values, so nesting deeper than
//! [`MAX_DEPTH`] is refused at once, naming its line.
//!
//! The scan follows what YAML nests with: block indentation (one level per deeper indent,
//! plus one per `- ` of a compact `- - x`), and flow `[`/`{` where a value may start. It
//! skips comments, quoted scalars (also across lines) and block scalars (`|`, `>`), so text
//! inside values never counts. It may only over-count for odd plain scalars that begin with
//! `[` or `{`, and only by their own brackets.

/// The deepest nesting a records file may have.
pub const MAX_DEPTH: usize = 64;

/// Where the nesting first goes deeper than [`MAX_DEPTH`]: 1-based line and column.
pub(crate) fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<u8> = None;
    // The indentation of the line that opened a block scalar, while inside it.
    let mut block_scalar: Option<usize> = None;
    for (number, line) in text.split('\n').enumerate() {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|b| **b == b' ').count();
        let blank = bytes[indent..].iter().all(|b| b.is_ascii_whitespace());
        if let Some(parent) = block_scalar {
            if blank || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        let mut i = indent;
        if quote.is_none() && flow == 0 {
            if blank || bytes.get(indent) == Some(&b'#') {
                continue;
            }
            while indents.last().is_some_and(|top| *top > indent) {
                indents.pop();
            }
            if indents.last() != Some(&indent) {
                indents.push(indent);
            }
            // `- - - x`: each dash opens one more sequence on the same line.
            let mut dashes = 0usize;
            while bytes.get(i) == Some(&b'-') && matches!(bytes.get(i + 1), Some(b' ') | None) {
                dashes += 1;
                i += 2;
                while bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            if indents.len() + dashes.saturating_sub(1) > MAX_DEPTH {
                return Some((number + 1, i + 1));
            }
        }
        // The last significant byte before `i`; a value may start after these.
        let mut previous: Option<u8> = None;
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(b'"') => {
                    if c == b'\\' {
                        i += 1;
                    } else if c == b'"' {
                        quote = None;
                        previous = Some(c);
                    }
                    i += 1;
                    continue;
                }
                Some(_) => {
                    if c == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            quote = None;
                            previous = Some(c);
                        }
                    }
                    i += 1;
                    continue;
                }
                None => {}
            }
            if c == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
                break;
            }
            // `,`, `[` and `{` are indicators only inside a flow collection.
            let value_start = match previous {
                None | Some(b':' | b'-' | b'?') => true,
                Some(b',' | b'[' | b'{') => flow > 0,
                _ => false,
            };
            match c {
                b'"' | b'\'' if value_start => quote = Some(c),
                b'[' | b'{' if value_start => {
                    flow += 1;
                    if indents.len() + flow > MAX_DEPTH {
                        return Some((number + 1, i + 1));
                    }
                }
                b']' | b'}' if flow > 0 => flow -= 1,
                b'|' | b'>' if value_start && flow == 0 => {
                    block_scalar = Some(indent);
                    break;
                }
                _ => {}
            }
            if !c.is_ascii_whitespace() {
                previous = Some(c);
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_and_block_nesting_are_measured() {
        let deep_flow = format!("- a: {}1{}\n", "{b: ".repeat(70), "}".repeat(70));
        assert_eq!(too_deep(&deep_flow).map(|p| p.0), Some(1));
        let ok_flow = format!("- a: {}1{}\n", "[".repeat(20), "]".repeat(20));
        assert_eq!(too_deep(&ok_flow), None);
        let mut block = String::from("- a:\n");
        for level in 1..80 {
            block.push_str(&format!("{}k{level}:\n", " ".repeat(level * 2)));
        }
        assert!(too_deep(&block).is_some());
        assert!(too_deep(&format!("{}x\n", "- ".repeat(80))).is_some());
    }

    #[test]
    fn brackets_in_text_do_not_count() {
        let text = format!(
            "- Name: \"{0}\"\n  Other: '{0}'\n  Plain: a{0}\n  Note: |\n    {0}\n      {0}\n  # {0}\n  Last: x\n",
            "[{".repeat(100)
        );
        assert_eq!(too_deep(&text), None);
        // Many records, many flat flow maps: no nesting at all.
        assert_eq!(too_deep(&"- {a: 1, b: [1, 2]}\n".repeat(10_000)), None);
    }
}
