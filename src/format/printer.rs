//! Statements and blocks: what each node looks like.

use super::comments::Comments;
use super::expr::{ArmStyle, path, quote, test_key, type_expr};
use super::layout::{Child, Key, Mode, Node};
use super::lines::{Line, MAX_WIDTH, Writer, render};
use crate::syntax::ast::{
    File, GuardOp, Item, LimitLit, ScheduleKind, Setting, SettingValue, TestBlock, TestEntry,
    UnitsBlock, UserBlock, ValueMapStmt,
};
use std::cell::RefCell;

/// Prints a parsed file. `Err` carries an internal problem (a brace not where the tree says,
/// a comment left unplaced): the caller refuses to format rather than guess.
pub(crate) fn print(text: &str, file: &File) -> Result<String, String> {
    let p = Printer {
        c: Comments::new(text, &file.comments),
        problem: RefCell::new(None),
    };
    let children = file.items.iter().map(|item| p.item_child(item)).collect();
    let (_, lines) = p.body(0, text.len(), false, children, 0, Mode::Top);
    if let Some(problem) = p.problem.take() {
        return Err(problem);
    }
    let left = p.c.leftovers();
    if !left.is_empty() {
        return Err(format!("comments were not placed: {}", left.join(" / ")));
    }
    Ok(render(&lines))
}

/// The printer's state: the comments still to place, and the first internal problem met.
pub(crate) struct Printer<'a> {
    /// The file's comments and text.
    pub c: Comments<'a>,
    problem: RefCell<Option<String>>,
}

impl Printer<'_> {
    /// Records an internal problem (the first one is reported).
    fn fail(&self, message: String) {
        let mut problem = self.problem.borrow_mut();
        if problem.is_none() {
            *problem = Some(message);
        }
    }

    /// Checks that `ch` is at `pos` (the tree has no spans for braces, so they are found by
    /// skipping trivia); returns `pos`.
    pub(crate) fn expect_char(&self, pos: usize, ch: char) -> usize {
        if !self.c.slice(pos, self.c.text().len()).starts_with(ch) {
            self.fail(format!("could not find `{ch}` at byte {pos}"));
        }
        pos
    }

    fn expect_word(&self, pos: usize, word: &str) -> usize {
        if !self.c.slice(pos, self.c.text().len()).starts_with(word) {
            self.fail(format!("could not find `{word}` at byte {pos}"));
        }
        pos
    }

    /// The last byte of a block's span, which must be its `}`.
    fn closing_brace(&self, start: usize, end: usize) -> usize {
        self.expect_char(self.c.real_end(start, end).saturating_sub(1), '}')
    }

    fn item_child<'n>(&self, item: &'n Item) -> Child<'n> {
        let span = item.span();
        let nested = matches!(
            item,
            Item::Source(_)
                | Item::Fields(_)
                | Item::UnitFields(_)
                | Item::Units(_)
                | Item::Target(_)
                | Item::User(_)
                | Item::Rules(_)
                | Item::Test(_)
        );
        Child {
            start: span.start,
            end: self.c.real_end(span.start, span.end),
            key: None,
            nested,
            node: Node::Item(item),
        }
    }

    fn setting_children<'n>(&self, settings: &'n [Setting]) -> Vec<Child<'n>> {
        settings
            .iter()
            .map(|s| {
                let block = matches!(s.value, SettingValue::Block(_));
                Child {
                    start: s.span.start,
                    end: self.c.real_end(s.span.start, s.span.end),
                    key: (!block).then(|| Key {
                        text: s.key.node.clone(),
                        colon: false,
                    }),
                    nested: block,
                    node: Node::Setting(s),
                }
            })
            .collect()
    }

    /// Lines of one child; `prefix` (its padded key) starts the first line.
    pub(crate) fn render(&self, child: &Child, indent: usize, prefix: &str) -> Vec<Line> {
        match child.node {
            Node::Item(item) => self.item(item, indent),
            Node::Setting(s) => match &s.value {
                SettingValue::Expr(e) => self.leaf(indent, prefix, |w, brk| self.expr(e, w, brk)),
                SettingValue::Block(settings) => self.braced(
                    format!("{prefix}{}", s.key.node),
                    s.key.span.end,
                    (s.span.start, s.span.end),
                    self.setting_children(settings),
                    indent,
                    Mode::Aligned,
                ),
            },
            Node::Field(f) => vec![Line::code(indent, format!("{prefix}{}", type_expr(&f.ty)))],
            Node::Assign(a) => self.leaf(indent, prefix, |w, brk| self.expr(&a.value, w, brk)),
            Node::Entry(e) => self.leaf(indent, prefix, |w, brk| self.expr(&e.value, w, brk)),
            Node::Section {
                keyword,
                entries,
                open,
                close,
            } => self.section(keyword, entries, open, close, indent),
            Node::Arm(arm, style) => self.leaf(indent, prefix, |w, _| self.arm(arm, style, w)),
        }
    }

    /// An entry that is one line unless a value map in it breaks: first with every map on one
    /// line that can be, then, if a line is too wide, with every map broken.
    fn leaf(&self, indent: usize, prefix: &str, write: impl Fn(&mut Writer, bool)) -> Vec<Line> {
        let before = self.c.snapshot();
        let mut w = Writer::new(indent, prefix);
        write(&mut w, false);
        let lines = w.finish();
        if lines.iter().all(|l| l.width() <= MAX_WIDTH) {
            return lines;
        }
        self.c.restore(before);
        let mut w = Writer::new(indent, prefix);
        write(&mut w, true);
        w.finish()
    }

    /// `head {` children `}`, or `head {}` when empty. `after_head` is where to look for `{`.
    fn braced(
        &self,
        head: String,
        after_head: usize,
        (start, end): (usize, usize),
        children: Vec<Child>,
        indent: usize,
        mode: Mode,
    ) -> Vec<Line> {
        let open = self.expect_char(self.c.skip_trivia(after_head), '{');
        let close = self.closing_brace(start, end);
        self.braced_at(head, open, close, children, indent, mode)
    }

    fn braced_at(
        &self,
        head: String,
        open: usize,
        close: usize,
        children: Vec<Child>,
        indent: usize,
        mode: Mode,
    ) -> Vec<Line> {
        let (header, body) = self.body(open + 1, close, true, children, indent + 1, mode);
        if header.is_none() && body.is_empty() {
            return vec![Line::code(indent, format!("{head} {{}}"))];
        }
        let mut first = Line::code(indent, format!("{head} {{"));
        first.comment = header;
        let mut lines = vec![first];
        lines.extend(body);
        lines.push(Line::code(indent, "}"));
        lines
    }

    fn item(&self, item: &Item, indent: usize) -> Vec<Line> {
        let span = (item.span().start, item.span().end);
        match item {
            Item::Source(s) => self.braced(
                format!("source {}", s.kind.node),
                s.kind.span.end,
                span,
                self.setting_children(&s.settings),
                indent,
                Mode::Aligned,
            ),
            Item::Fields(f) | Item::UnitFields(f) => {
                let head = match item {
                    Item::UnitFields(_) => "unit fields",
                    _ => "fields",
                };
                let children = f
                    .fields
                    .iter()
                    .map(|d| Child {
                        start: d.span.start,
                        end: self.c.real_end(d.span.start, d.span.end),
                        key: Some(Key {
                            text: path(&d.path),
                            colon: true,
                        }),
                        nested: false,
                        node: Node::Field(d),
                    })
                    .collect();
                // `unit fields`: the keywords' own span ends at `fields`, whatever the
                // space between them.
                let after = match item {
                    Item::UnitFields(_) => {
                        let fields = self.c.skip_trivia(span.0 + "unit".len());
                        self.expect_word(fields, "fields") + "fields".len()
                    }
                    _ => span.0 + "fields".len(),
                };
                self.braced(head.into(), after, span, children, indent, Mode::Aligned)
            }
            Item::Target(t) => self.braced(
                format!("target {}", t.name.node),
                t.name.span.end,
                span,
                self.setting_children(&t.settings),
                indent,
                Mode::Aligned,
            ),
            Item::User(UserBlock { assignments, .. })
            | Item::Units(UnitsBlock { assignments, .. }) => {
                let head = match item {
                    Item::Units(_) => "units",
                    _ => "user",
                };
                let children = assignments
                    .iter()
                    .map(|a| Child {
                        start: a.span.start,
                        end: self.c.real_end(a.span.start, a.span.end),
                        key: Some(Key {
                            text: a.attribute.node.clone(),
                            colon: false,
                        }),
                        nested: false,
                        node: Node::Assign(a),
                    })
                    .collect();
                let after = span.0 + head.len();
                self.braced(head.into(), after, span, children, indent, Mode::Aligned)
            }
            Item::Rules(r) => {
                let after = span.0 + "rules".len();
                let children = self.setting_children(&r.settings);
                self.braced("rules".into(), after, span, children, indent, Mode::Aligned)
            }
            Item::Test(t) => self.test(t, indent),
            Item::ValueMap(v) => self.leaf(indent, "", |w, brk| self.value_map_stmt(v, w, brk)),
            _ => self.leaf(indent, "", |w, brk| self.one_liner(item, w, brk)),
        }
    }

    /// Statements that are a single line apart from a value map inside an expression.
    fn one_liner(&self, item: &Item, w: &mut Writer, brk: bool) {
        match item {
            Item::Match(m) => {
                let keys: Vec<&str> = m.keys.iter().map(|k| k.node.as_str()).collect();
                w.push(&format!("match by {}", keys.join(", ")));
            }
            Item::GroupPath(g) => {
                w.push("group path = [");
                self.list(&g.levels, w, brk);
                w.push("]");
                if let Some(ids) = &g.ids {
                    w.push(" ids [");
                    self.list(ids, w, brk);
                    w.push("]");
                }
            }
            Item::Group(g) => {
                w.push("group = ");
                self.expr(&g.unit, w, brk);
            }
            Item::Segment(s) => {
                w.push(&format!("segment {} = ", quote(&s.category.node)));
                self.expr(&s.value, w, brk);
            }
            Item::Condition(c) => {
                w.push(c.kind.keyword());
                w.push(" when ");
                self.expr(&c.condition, w, brk);
            }
            Item::Guard(g) => {
                let op = match g.op.node {
                    GuardOp::Le => "<=",
                    GuardOp::Ge => ">=",
                    GuardOp::Lt => "<",
                    GuardOp::Gt => ">",
                };
                let limit = match &g.limit.node {
                    LimitLit::Count(n) => n.to_string(),
                    LimitLit::Percent(p) => format!("{p}%"),
                    LimitLit::Other(text) => text.clone(),
                };
                let field = g
                    .field
                    .as_ref()
                    .map_or(String::new(), |f| format!("({})", path(f)));
                w.push(&format!("guard {}{field} {op} {limit}", g.subject.node));
                if let Some(of) = &g.of {
                    w.push(&format!(" of {}", of.node));
                }
            }
            Item::Schedule(s) => match &s.kind {
                ScheduleKind::Daily { time, zone } => {
                    w.push(&format!("schedule daily at {}", time.node));
                    if let Some(zone) = zone {
                        w.push(&format!(" {}", zone.node));
                    }
                }
                ScheduleKind::Every { count, unit } => {
                    w.push(&format!("schedule every {} {}", count.node, unit.node));
                }
            },
            Item::Report(r) => {
                let to: Vec<String> = r.recipients.iter().map(|s| quote(&s.node)).collect();
                w.push(&format!("report to {}", to.join(", ")));
            }
            // Blocks and value maps are printed by `item`; nothing else reaches here.
            _ => {}
        }
    }

    /// `gender 1->Male 2->Female _->None` on one line, or the arms one per line below the
    /// head when the line is too wide or comments sit between the arms.
    fn value_map_stmt(&self, v: &ValueMapStmt, w: &mut Writer, brk: bool) {
        w.push(&v.attribute.node);
        let mut head_end = v.attribute.span.end;
        if let Some(from) = &v.from {
            w.push(" from ");
            w.push(&path(from));
            head_end = from.span.end;
        }
        let end = self.c.real_end(v.span.start, v.span.end);
        if !brk && !self.c.any_in(head_end, end) {
            for arm in &v.arms {
                w.push(" ");
                self.arm(arm, ArmStyle::Statement, w);
            }
            return;
        }
        let children = v
            .arms
            .iter()
            .map(|arm| self.arm_child(arm, ArmStyle::Statement))
            .collect();
        let (header, lines) = self.body(head_end, end, true, children, w.indent + 1, Mode::Plain);
        w.comment(header);
        w.break_with(lines);
    }

    /// `test "name" { given { … } expect { … } }`: the tree has no spans for `given` and
    /// `expect`, so their keywords and braces are found in the text.
    fn test(&self, t: &TestBlock, indent: usize) -> Vec<Line> {
        let head = format!("test {}", quote(&t.name.node));
        let open = self.expect_char(self.c.skip_trivia(t.name.span.end), '{');
        let close = self.closing_brace(t.span.start, t.span.end);
        let given = self.section_child("given", &t.given, open + 1);
        let after_given = given.end;
        let expect = self.section_child("expect", &t.expect, after_given);
        self.braced_at(head, open, close, vec![given, expect], indent, Mode::Plain)
    }

    /// Finds `keyword { entries }` starting at the first token after `from`.
    fn section_child<'n>(
        &self,
        keyword: &'static str,
        entries: &'n [TestEntry],
        from: usize,
    ) -> Child<'n> {
        let start = self.expect_word(self.c.skip_trivia(from), keyword);
        let open = self.expect_char(self.c.skip_trivia(start + keyword.len()), '{');
        let last = match entries.last() {
            Some(e) => self
                .c
                .skip_trivia_and_commas(self.c.real_end(e.span.start, e.span.end)),
            None => self.c.skip_trivia(open + 1),
        };
        let close = self.expect_char(last, '}');
        Child {
            start,
            end: close + 1,
            key: None,
            nested: true,
            node: Node::Section {
                keyword,
                entries,
                open,
                close,
            },
        }
    }

    /// `given { a = 1, b = 2 }` when it fits and holds no comments, else one entry per line.
    fn section(
        &self,
        keyword: &str,
        entries: &[TestEntry],
        open: usize,
        close: usize,
        indent: usize,
    ) -> Vec<Line> {
        let children: Vec<Child> = entries
            .iter()
            .map(|e| Child {
                start: e.span.start,
                end: self.c.real_end(e.span.start, e.span.end),
                key: Some(Key {
                    text: test_key(&e.key),
                    colon: false,
                }),
                nested: false,
                node: Node::Entry(e),
            })
            .collect();
        if !self.c.any_in(open + 1, close) {
            let before = self.c.snapshot();
            let mut parts = Vec::with_capacity(children.len());
            for child in &children {
                let prefix = format!("{} = ", test_key_of(child));
                match self.render(child, indent + 1, &prefix).as_slice() {
                    [line] => parts.push(line.text.clone()),
                    _ => break,
                }
            }
            if parts.len() == children.len() {
                let text = if parts.is_empty() {
                    format!("{keyword} {{}}")
                } else {
                    format!("{keyword} {{ {} }}", parts.join(", "))
                };
                let line = Line::code(indent, text);
                if line.width() <= MAX_WIDTH {
                    return vec![line];
                }
            }
            self.c.restore(before);
        }
        self.braced_at(keyword.into(), open, close, children, indent, Mode::Plain)
    }
}

fn test_key_of(child: &Child) -> String {
    child
        .key
        .as_ref()
        .map(|k| k.text.clone())
        .unwrap_or_default()
}
