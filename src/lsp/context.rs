//! Where the cursor is, read from the tokens (so it works while the text does not parse):
//! the stack of blocks around it (`source flex { sftp { … } }`, `user { status = S { … } }`)
//! and the tokens of the entry being written before it.

use super::scan::{Kind, Token, tokens};
use crate::connectors::source_kind;
use crate::schema::settings::{SettingDef, SettingType, find};
use crate::schema::target_kind;

/// A block the cursor is inside.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The settings of a `source`, `target` or nested settings block.
    Settings {
        /// Who owns them: `source flex`, `target winningtemp.files`, `sftp`.
        owner: String,
        /// The keys the block accepts (empty when the kind is unknown).
        defs: &'static [SettingDef],
    },
    /// `attributes { … }` in a SCIM target: attribute names on the left.
    AttributeMap,
    /// `fields { … }`
    Fields,
    /// `user { … }`
    User,
    /// `units { … }`
    Units,
    /// `unit fields { … }`
    UnitFields,
    /// `rules { … }`
    Rules,
    /// `test "…" { … }`
    Test,
    /// `given { … }`
    Given,
    /// `expect { … }`
    Expect,
    /// A value-map expression `X { … }`, with the attribute it is assigned to.
    Map {
        /// `status` in `status = S { … }`.
        attribute: Option<String>,
    },
    /// Any other block (`columns { … }`, something half-written).
    Other,
}

/// The cursor's surroundings.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Enclosing blocks, outermost first.
    pub frames: Vec<Frame>,
    /// The entry written so far before the word at the cursor (comments dropped), as text.
    pub entry: Vec<String>,
    /// Unclosed `(` or `[` inside the entry.
    pub open_parens: usize,
    /// The cursor is in a comment or a string: nothing to complete.
    pub quiet: bool,
    /// The word the cursor is in or right after (what a completion replaces): start offset.
    pub word_start: usize,
}

impl Context {
    /// The innermost block.
    pub fn frame(&self) -> Option<&Frame> {
        self.frames.last()
    }

    /// The entry's first token.
    pub fn first(&self) -> Option<&str> {
        self.entry.first().map(String::as_str)
    }

    /// The entry's last token.
    pub fn last(&self) -> Option<&str> {
        self.entry.last().map(String::as_str)
    }

    /// True when the entry holds `token`.
    pub fn has(&self, token: &str) -> bool {
        self.entry.iter().any(|t| t == token)
    }
}

/// Tokens after which an entry goes on on the next line.
const CONTINUES: &[&str] = &[
    "=", "(", "[", ",", "->", "|", "==", "!=", "<", "<=", ">", ">=", "??", "and", "or", "not",
    "when", "then", "else", "if", "in", "is", ":",
];

/// What the walk collects: the frames and entry at the cursor, and for a whole-file walk
/// each completed entry with its frames.
pub struct Walk<'a> {
    text: &'a str,
    /// Current block stack.
    pub frames: Vec<Frame>,
    /// Current entry tokens.
    pub entry: Vec<Token>,
    parens: usize,
}

impl<'a> Walk<'a> {
    /// Starts a walk over `text`.
    pub fn new(text: &'a str) -> Self {
        Walk {
            text,
            frames: Vec::new(),
            entry: Vec::new(),
            parens: 0,
        }
    }

    fn word(&self, i: usize) -> Option<&'a str> {
        self.entry.get(i).map(|t| t.text(self.text))
    }

    /// Feeds one token. `on_entry` sees each entry just before it is reset (with the frames
    /// it was in).
    pub fn step(&mut self, tok: Token, on_entry: &mut dyn FnMut(&[Frame], &[Token])) {
        let text = tok.text(self.text);
        match (tok.kind, text) {
            (Kind::Comment, _) => {}
            (Kind::Newline, _) => {
                let continues = self.parens > 0
                    || self
                        .entry
                        .last()
                        .is_some_and(|t| CONTINUES.contains(&t.text(self.text)));
                if !continues {
                    self.finish(on_entry);
                }
            }
            (Kind::Punct, "{") => {
                let frame = self.frame_for_block();
                self.finish(on_entry);
                self.frames.push(frame);
            }
            (Kind::Punct, "}") => {
                self.finish(on_entry);
                self.frames.pop();
            }
            (Kind::Punct, "(" | "[") => {
                self.parens += 1;
                self.entry.push(tok);
            }
            (Kind::Punct, ")" | "]") => {
                self.parens = self.parens.saturating_sub(1);
                self.entry.push(tok);
            }
            (Kind::Punct, ",") if self.parens == 0 && !self.frames.is_empty() => {
                self.finish(on_entry);
            }
            _ => self.entry.push(tok),
        }
    }

    fn finish(&mut self, on_entry: &mut dyn FnMut(&[Frame], &[Token])) {
        if !self.entry.is_empty() {
            on_entry(&self.frames, &self.entry);
        }
        self.entry.clear();
        self.parens = 0;
    }

    /// The frame a `{` opens, from the entry before it.
    fn frame_for_block(&self) -> Frame {
        let first = self.word(0).unwrap_or("");
        let has_eq = self.entry.iter().any(|t| t.text(self.text) == "=");
        let attribute_of_entry = || {
            has_eq
                .then(|| first.to_string())
                .or_else(|| match self.frames.last() {
                    Some(Frame::Map { attribute }) => attribute.clone(),
                    _ => None,
                })
        };
        match self.frames.last() {
            None => match first {
                "source" => {
                    let kind = self.word(1).unwrap_or("");
                    Frame::Settings {
                        owner: format!("source {kind}"),
                        defs: source_kind(kind).map_or(&[], |k| k.settings),
                    }
                }
                "target" => {
                    let name = self.word(1).unwrap_or("");
                    Frame::Settings {
                        owner: format!("target {name}"),
                        defs: target_kind(name).map_or(&[], |k| k.settings),
                    }
                }
                "fields" => Frame::Fields,
                // `unit fields { … }` declares fields (and types) like `fields`.
                "unit" if self.word(1) == Some("fields") => Frame::UnitFields,
                "units" => Frame::Units,
                "user" => Frame::User,
                "rules" => Frame::Rules,
                "test" => Frame::Test,
                _ if has_eq || self.entry.len() > 1 => Frame::Map {
                    attribute: attribute_of_entry(),
                },
                _ => Frame::Other,
            },
            Some(Frame::Settings { defs, .. }) if self.entry.len() == 1 => {
                match find(defs, first).map(|d| d.ty) {
                    Some(SettingType::Block(inner)) => Frame::Settings {
                        owner: first.to_string(),
                        defs: inner,
                    },
                    Some(SettingType::AttributeMap) => Frame::AttributeMap,
                    _ => Frame::Other,
                }
            }
            Some(Frame::Test) => match first {
                "given" => Frame::Given,
                "expect" => Frame::Expect,
                _ => Frame::Other,
            },
            Some(Frame::User | Frame::Map { .. } | Frame::Given | Frame::Expect) => Frame::Map {
                attribute: attribute_of_entry(),
            },
            _ => Frame::Other,
        }
    }
}

/// The context at byte `offset` of `text`.
pub fn at(text: &str, offset: usize) -> Context {
    let mut walk = Walk::new(text);
    let mut quiet = false;
    let mut word_start = offset;
    for tok in tokens(text) {
        if tok.span.start >= offset {
            break;
        }
        if tok.span.end >= offset {
            // The cursor is inside or right after this token.
            match tok.kind {
                Kind::Comment => {
                    quiet = true;
                    break;
                }
                Kind::Str if tok.span.end > offset || !closed_string(tok.text(text)) => {
                    quiet = true;
                    break;
                }
                Kind::Word | Kind::Num => {
                    word_start = tok.span.start;
                    break;
                }
                _ => {}
            }
        }
        walk.step(tok, &mut |_, _| {});
    }
    Context {
        entry: walk
            .entry
            .iter()
            .map(|t| t.text(text).to_string())
            .collect(),
        open_parens: walk.parens,
        frames: walk.frames,
        quiet,
        word_start,
    }
}

fn closed_string(s: &str) -> bool {
    s.len() >= 2 && s.ends_with('"') && !s.ends_with("\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> Context {
        let offset = text.find('|').unwrap_or(text.len());
        let text = text.replacen('|', "", 1);
        at(&text, offset)
    }

    #[test]
    fn finds_blocks_and_entries() {
        let c = ctx("source flex {\n  url = |");
        assert!(matches!(c.frame(), Some(Frame::Settings { owner, .. }) if owner == "source flex"));
        assert_eq!(c.entry, ["url", "="]);
        let c = ctx("target winningtemp.files {\n  sftp {\n    ho|");
        assert!(matches!(c.frame(), Some(Frame::Settings { owner, .. }) if owner == "sftp"));
        assert!(c.entry.is_empty());
        let c = ctx("user {\n  status = S { \"a\" -> |");
        assert_eq!(
            c.frame(),
            Some(&Frame::Map {
                attribute: Some("status".into())
            })
        );
        assert_eq!(c.last(), Some("->"));
        let c = ctx("gender 1->Male 2->|");
        assert_eq!(c.frame(), None);
        assert_eq!(c.first(), Some("gender"));
        let c = ctx("skip when A and\n  |");
        assert_eq!(c.first(), Some("skip"));
        let c = ctx("test \"t\" {\n given { A = \"x\", |");
        assert_eq!(c.frame(), Some(&Frame::Given));
        assert!(c.entry.is_empty());
    }

    #[test]
    fn comments_and_strings_are_quiet() {
        assert!(ctx("# sou|").quiet);
        assert!(ctx("x = \"ab|c\"").quiet);
        assert!(!ctx("x = \"abc\" |").quiet);
    }
}
