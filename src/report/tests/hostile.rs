//! Issue 21, item 7: IDs, names, record values and server messages full of control characters,
//! ESC sequences, line breaks and Markdown metacharacters never reach a human, text, Markdown
//! or HTML rendering raw, never forge a line or a table cell; JSON keeps them exactly.
//!
//! Every string from data in a plan (and in a report made of it) is replaced by generated
//! hostile text; the renderings are compared line by line with the same plan holding a plain
//! `x` in the same places.

use crate::action::Action;
use crate::escape::is_unsafe;
use crate::model::{AttrRef, AttrValue, Because, MappedAttributes};
use crate::plan::Plan;
use crate::report::*;
use proptest::prelude::*;

/// Replaces every data string of `plan` by the next value of `next`.
fn taint_plan(plan: &mut Plan, next: &mut dyn FnMut() -> String) {
    plan.mapping = next();
    let because = |b: &mut Because, next: &mut dyn FnMut() -> String| {
        *b = Because::new(next(), b.line());
    };
    for planned in &mut plan.actions {
        because(&mut planned.because, next);
        match &mut planned.action {
            Action::CreateUser {
                external_id,
                username,
                attributes,
                ..
            } => {
                *external_id = next().into();
                *username = next().into();
                let renamed = attributes.iter().map(|(name, value)| match value {
                    AttrRef::Text(_) => (name, AttrValue::Text(next().into())),
                    other => (name, other.to_value()),
                });
                *attributes = MappedAttributes::from_pairs(renamed).unwrap().into();
            }
            Action::UpdateUser {
                external_id,
                username,
                changes,
                ..
            } => {
                *external_id = next().into();
                *username = next().into();
                for c in changes {
                    for v in [&mut c.from, &mut c.to].into_iter().flatten() {
                        if let AttrValue::Text(t) = v {
                            *t = next().into();
                        }
                    }
                    if let Some(b) = &mut c.because {
                        because(b, next);
                    }
                }
            }
            Action::PauseUser {
                external_id,
                username,
            } => {
                if let Some(id) = external_id {
                    *id = next().into();
                }
                *username = next().into();
            }
            Action::ReactivateUser {
                external_id,
                username,
            } => {
                *external_id = next().into();
                *username = next().into();
            }
            Action::CreateTeam {
                external_id,
                name,
                parent,
            } => {
                *external_id = next().into();
                *name = next().into();
                if let Some(p) = parent {
                    *p = next().into();
                }
            }
            Action::RenameTeam {
                external_id,
                from,
                to,
            } => {
                *external_id = next().into();
                *from = next().into();
                *to = next().into();
            }
            Action::MoveTeam {
                external_id,
                from,
                to,
            } => {
                *external_id = next().into();
                for p in [from, to].into_iter().flatten() {
                    *p = next().into();
                }
            }
            Action::AddMembership { user, team, .. }
            | Action::RemoveMembership { user, team, .. } => {
                *user = next().into();
                *team = next().into();
            }
            Action::CreateSegment {
                external_id,
                name,
                category,
            } => {
                *external_id = next().into();
                *name = next().into();
                *category = next().into();
            }
            Action::AddSegmentConnection { user, segment }
            | Action::RemoveSegmentConnection { user, segment } => {
                *user = next().into();
                *segment = next().into();
            }
        }
    }
    for s in &mut plan.skipped {
        s.record_id = Some(next());
        because(&mut s.because, next);
    }
    for q in &mut plan.quarantined {
        q.record_id = Some(next());
        q.reason = next();
        because(&mut q.because, next);
    }
    for w in &mut plan.warnings {
        if let Some(r) = &mut w.record_id {
            *r = next();
        }
        w.message = next();
    }
    for g in &mut plan.guards {
        g.guard = next();
        g.message = next();
    }
}

/// A report of `plan` whose every outcome, note and message also comes from `next`.
fn report_of(plan: &Plan, next: &mut dyn FnMut() -> String) -> Report {
    let mut actions = ActionReport::all(plan, &Outcome::ok("created"));
    for (i, a) in actions.iter_mut().enumerate() {
        // Distinct notes, so that no list shows one shared note instead of a note per line.
        let note = format!("{}{i}", next());
        a.result = match i % 3 {
            0 => Outcome::failed(note),
            1 => Outcome::ok(note),
            _ => Outcome::skipped(note),
        };
    }
    let mut report = super::report(actions);
    report.message = next();
    report.mapping.name = next();
    report.mapping.path = next();
    report.source.location = next();
    report.target.location = next();
    report.notes = vec![next(), next()];
    report.guards = plan.guards.clone();
    report.quarantined = plan.quarantined.clone();
    report.skipped = plan.skipped.clone();
    report.warnings = plan.warnings.clone();
    report.email = crate::report::EmailOutcome::Failed { message: next() };
    report
}

/// Every rendering that people read, by name.
fn renderings(plan: &Plan, report: &Report) -> Vec<(&'static str, String)> {
    vec![
        ("plan human", crate::plan::render_human(plan, false)),
        ("plan markdown", crate::plan::render_markdown(plan)),
        ("report text", render_text(report)),
        ("report markdown", render_markdown(report)),
        ("report html", render_html(report)),
        ("report email text", text_limited(report, 3)),
        (
            "apply human",
            crate::apply::report::render_human(&crate::apply::report::ApplyReport {
                format: "wtmap.apply/v1".into(),
                mapping: plan.mapping.clone(),
                run: report.run_id.clone(),
                journal: report.mapping.path.clone(),
                resumed: false,
                concurrency: 1,
                requests: 0,
                retries: 0,
                throttled: 0,
                seconds: 0.0,
                summary: Default::default(),
                actions: report.actions.clone(),
                server: None,
            }),
        ),
    ]
}

/// `|` not preceded by an odd number of backslashes: what ends a Markdown table cell.
fn raw_pipes(line: &str) -> usize {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| {
            bytes[i] == b'|'
                && bytes[..i].iter().rev().take_while(|c| **c == b'\\').count() % 2 == 0
        })
        .count()
}

fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("\r\n  + create user 666 evil@x".to_string()),
        Just("\x1b[2J\x1b[H".to_string()),
        Just("\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07".to_string()),
        Just("\u{9b}31m".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2028}".to_string()),
        Just("| x | y |".to_string()),
        Just("`".to_string()),
        Just("```".to_string()),
        Just("<script>".to_string()),
        Just("[link](http://evil.example)".to_string()),
        Just("\n#### Guards\n- ".to_string()),
        Just("*_~&#\\".to_string()),
        "[a-zé@. ]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 1..6).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hostile_data_never_reaches_a_rendering_raw(pool in proptest::collection::vec(hostile_text(), 1..12)) {
        let sample = crate::plan::tests::sample_plan();
        let mut i = 0;
        let mut hostile_next = || { i += 1; pool[i % pool.len()].clone() };
        let mut hostile = sample.clone();
        taint_plan(&mut hostile, &mut hostile_next);
        let hostile_report = report_of(&hostile, &mut hostile_next);
        // Plain values that are equal exactly where the hostile ones are: a report groups by
        // value (teams under their parents, people sharing an email), so both renderings
        // have the same shape.
        let mut j = 0;
        let mut plain_next = || {
            j += 1;
            let value = &pool[j % pool.len()];
            let first = pool.iter().position(|p| p == value).unwrap_or(0);
            format!("x{first}")
        };
        let mut plain = sample.clone();
        taint_plan(&mut plain, &mut plain_next);
        let plain_report = report_of(&plain, &mut plain_next);

        let shown = renderings(&hostile, &hostile_report);
        let expected = renderings(&plain, &plain_report);
        for ((name, text), (_, reference)) in shown.iter().zip(&expected) {
            let html = name.ends_with("html");
            let bad = text.chars().find(|c| is_unsafe(*c) && *c != '\n' && !(html && *c == '\t'));
            prop_assert!(bad.is_none(), "{name}: raw {bad:?} in\n{text}");
            if html {
                // Markup comes only from the renderer: as many tags as with plain data.
                prop_assert_eq!(text.matches('<').count(), reference.matches('<').count(), "{}", name);
                continue;
            }
            let lines: Vec<&str> = text.lines().collect();
            let reference: Vec<&str> = reference.lines().collect();
            prop_assert_eq!(lines.len(), reference.len(), "{}: a forged line in\n{}", name, text);
            for (line, plain_line) in lines.iter().zip(&reference) {
                // The start of a line (indentation, list and table markers, headings) is the
                // renderer's, never the data's.
                let head: String = line.chars().take(2).collect();
                let plain_head: String = plain_line.chars().take(2).collect();
                if !plain_head.starts_with('x') {
                    prop_assert_eq!(head, plain_head, "{}: line {:?}", name, line);
                }
                if name.contains("markdown") && plain_line.starts_with('|') {
                    prop_assert_eq!(raw_pipes(line), raw_pipes(plain_line), "{}: cell forged in {:?}", name, line);
                }
            }
        }
        // JSON keeps every string exactly.
        let back: Plan = serde_json::from_str(&crate::plan::render_json(&hostile)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &hostile);
        let back: Report = serde_json::from_str(&render_json(&hostile_report)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &hostile_report);
    }
}
