//! Data-quality guards: a field the HR system stops sending must stop the run.
//!
//! While records are evaluated, each field the mapping uses is counted as filled or not
//! (`eval::fill`); here the counts become the plan's fill-rate table (with last run's
//! rate beside each field, when known) and guard outcomes, checked with the other guards
//! before anything is written (docs/guards.md):
//!
//! - `guard filled(F) >= 90%` (of the source's records), `>= N` (records), or
//!   `>= 80% of last_run` (of the field's fill rate in the last run);
//! - by default, for every used field the mapping does not guard itself: a field that was
//!   filled in at least [`DRIFT_FLOOR`]% of the last run's records must keep at least
//!   [`DRIFT_PERCENT`]% of that rate (95% → under 47.5% stops the run). A first run, and a
//!   field new to the mapping, are reported, not judged. `--allow-field-drop F` lets a drop of
//!   `F` through knowingly.

use crate::check::Program;
use crate::guard::{GuardOutcome, outcome, percent_of, percent_text};
use crate::model::{Because, DesiredState, FieldFill, FillGuard, GuardLimit};
use std::collections::BTreeMap;

/// The default drift guard judges a field only when its fill rate in the last run was at
/// least this (percent): a field that was mostly empty anyway may come and go.
pub const DRIFT_FLOOR: f64 = 50.0;
/// The default drift guard: a field keeps at least this percentage of its last run's fill
/// rate (`filled(F) >= 50% of last_run`: under half of what it was stops the run).
pub const DRIFT_PERCENT: f64 = 50.0;

/// The flag that lets a drop of `field` through.
pub fn override_flag(field: &str) -> String {
    format!("--allow-field-drop {field}")
}

/// Checks the fields of `--allow-field-drop`: each must be a field `program` reads (only those
/// have fill rates, so a flag naming another field would let nothing through and hide a
/// typo). The error names the first unknown field, the closest field the mapping reads, and
/// the fields it reads.
pub fn check_allowed_fields(program: &Program, allowed: &[String]) -> Result<(), String> {
    let mut known: Vec<String> = program.fields.iter().map(|f| f.dotted()).collect();
    for g in &program.fill_guards {
        if !known.contains(&g.field) {
            known.push(g.field.clone());
        }
    }
    let Some(unknown) = allowed.iter().find(|a| !known.contains(a)) else {
        return Ok(());
    };
    let mut message = format!(
        "`--allow-field-drop {}`: the mapping reads no field `{}`, so it has no fill rate to let drop",
        crate::escape::line(unknown),
        crate::escape::line(unknown)
    );
    match crate::suggest::did_you_mean(unknown, known.iter().map(String::as_str)) {
        Some(close) => message.push_str(&format!("; did you mean `{close}`?")),
        None if known.is_empty() => message.push_str("; it reads no fields at all"),
        None => {
            const SHOWN: usize = 12;
            let mut list: Vec<&str> = known.iter().map(String::as_str).take(SHOWN).collect();
            if known.len() > SHOWN {
                list.push("…");
            }
            message.push_str(&format!("; it reads: {}", list.join(", ")));
        }
    }
    Err(message)
}

/// The fill-rate table of the fields `program` uses, in the order the mapping first uses
/// them, with last run's rates from `last` where it has the field.
pub fn fill_rates(
    program: &Program,
    desired: &DesiredState,
    last: Option<&BTreeMap<String, f64>>,
) -> Vec<FieldFill> {
    let records = desired.source_records;
    program
        .fields
        .iter()
        .enumerate()
        .map(|(slot, field)| {
            let name = field.dotted();
            let filled = desired.filled.get(slot).copied().unwrap_or(0);
            FieldFill {
                last_run_percent: last.and_then(|l| l.get(&name)).copied(),
                field: name,
                filled,
                percent: rounded(percent_of(filled, records)),
            }
        })
        .collect()
}

/// The rates of a fill-rate table by field, as the next run compares against them.
pub fn rates_of(table: &[FieldFill]) -> BTreeMap<String, f64> {
    table.iter().map(|f| (f.field.clone(), f.percent)).collect()
}

/// Two decimals: what plans, journals and states keep.
fn rounded(percent: f64) -> f64 {
    (percent * 100.0).round() / 100.0
}

/// What the fill-rate guards look at.
#[derive(Debug, Clone, Copy)]
pub struct FillInput<'a> {
    /// The mapping's `guard filled(…)` statements.
    pub guards: &'a [FillGuard],
    /// This run's table (see [`fill_rates`]).
    pub table: &'a [FieldFill],
    /// How many records the source delivered.
    pub source_records: usize,
    /// Whether a last run's fill rates are known at all (a first run has none).
    pub last_known: bool,
    /// `--allow-field-drop` fields.
    pub allowed: &'a [String],
}

/// The outcome of every `guard filled(…)` and of the default drift guard (see the module).
pub fn check_fill(input: &FillInput<'_>) -> Vec<GuardOutcome> {
    let allowed = |field: &str| input.allowed.iter().any(|a| a == field);
    let find = |field: &str| input.table.iter().find(|f| f.field == field);
    let mut outcomes: Vec<GuardOutcome> = input
        .guards
        .iter()
        .map(|g| {
            let fill = find(&g.field);
            check_one(g, fill, input.source_records, allowed(&g.field))
        })
        .collect();
    let guarded = |field: &str| input.guards.iter().any(|g| g.field == field);
    let default = Because::new("default guard", 0);
    let summary = format!("filled >= {}% of last_run", DRIFT_PERCENT);
    let limit = GuardLimit::Percent(DRIFT_PERCENT);
    if !input.last_known {
        outcomes.push(outcome(
            summary,
            default,
            limit,
            None,
            true,
            false,
            "--allow-field-drop FIELD",
            "not checked: no fill rates of a last run are known (first run?)".into(),
        ));
        return outcomes;
    }
    let unguarded: Vec<&FieldFill> = input.table.iter().filter(|f| !guarded(&f.field)).collect();
    let mut compared = 0;
    let mut new = Vec::new();
    let mut dropped = Vec::new();
    for fill in &unguarded {
        match fill.last_run_percent {
            None => new.push(format!("`{}`", fill.field)),
            Some(last) if last < DRIFT_FLOOR => {}
            Some(last) => {
                compared += 1;
                let kept = percent_of_rate(fill.percent, last);
                if kept < DRIFT_PERCENT {
                    dropped.push(outcome(
                        describe_field(&fill.field, limit, true),
                        default.clone(),
                        limit,
                        Some(rounded(kept)),
                        false,
                        allowed(&fill.field),
                        &override_flag(&fill.field),
                        format!(
                            "{}, down from {} in the last run",
                            filled_text(fill, input.source_records),
                            percent_text(last)
                        ),
                    ));
                }
            }
        }
    }
    if !dropped.is_empty() {
        outcomes.extend(dropped);
        return outcomes;
    }
    let mut detail = format!(
        "no field's fill rate fell under half of the last run's ({compared} of {} field(s) \
         compared: filled in at least {DRIFT_FLOOR}% of the last run's records)",
        unguarded.len()
    );
    if !new.is_empty() {
        detail.push_str(&format!(
            "; new since the last run, not judged: {}",
            new.join(", ")
        ));
    }
    outcomes.push(outcome(
        summary,
        default,
        limit,
        None,
        true,
        false,
        "--allow-field-drop FIELD",
        detail,
    ));
    outcomes
}

/// A percentage of a previous rate; a previous rate of 0 is kept by anything.
fn percent_of_rate(now: f64, last: f64) -> f64 {
    if last <= 0.0 {
        100.0
    } else {
        now * 100.0 / last
    }
}

/// `field `Manager` is filled in 19 of 20 records (95.0%)`
fn filled_text(fill: &FieldFill, records: usize) -> String {
    format!(
        "field `{}` is filled in {} of {records} records ({})",
        fill.field,
        fill.filled,
        percent_text(fill.percent)
    )
}

fn check_one(
    g: &FillGuard,
    fill: Option<&FieldFill>,
    records: usize,
    allowed: bool,
) -> GuardOutcome {
    let flag = override_flag(&g.field);
    let guard = describe_field(&g.field, g.limit, g.of_last_run);
    let unknown = FieldFill {
        field: g.field.clone(),
        filled: 0,
        percent: 0.0,
        last_run_percent: None,
    };
    let fill = fill.unwrap_or(&unknown);
    let now = filled_text(fill, records);
    let (actual, detail) = match (g.limit, g.of_last_run, fill.last_run_percent) {
        (GuardLimit::Count(_), _, _) => (Some(fill.filled as f64), now),
        (GuardLimit::Percent(_), false, _) => (Some(fill.percent), now),
        (GuardLimit::Percent(_), true, Some(last)) => {
            let kept = rounded(percent_of_rate(fill.percent, last));
            let text = format!(
                "{now}, {} of the {} of the last run",
                percent_text(kept),
                percent_text(last)
            );
            (Some(kept), text)
        }
        (GuardLimit::Percent(_), true, None) => (
            None,
            format!("{now}; not checked: its fill rate in the last run is unknown (first run?)"),
        ),
    };
    let passed = actual.is_none_or(|a| match g.limit {
        GuardLimit::Count(n) => a >= n as f64,
        GuardLimit::Percent(p) => a >= p,
    });
    outcome(
        guard,
        g.because.clone(),
        g.limit,
        actual,
        passed,
        allowed,
        &flag,
        detail,
    )
}

/// `filled(Manager) >= 90%`, `filled(Manager) >= 10`, `filled(Manager) >= 80% of last_run`.
pub fn describe_field(field: &str, limit: GuardLimit, of_last_run: bool) -> String {
    let limit = match limit {
        GuardLimit::Count(n) => n.to_string(),
        GuardLimit::Percent(p) if p.fract() == 0.0 => format!("{p:.0}%"),
        GuardLimit::Percent(p) => format!("{p}%"),
    };
    let of = if of_last_run { " of last_run" } else { "" };
    format!("filled({field}) >= {limit}{of}")
}

/// The fill-rate table for a terminal or a text report: one line per field, under `heading`.
pub fn render_text(table: &[FieldFill], records: Option<usize>, out: &mut String) {
    use std::fmt::Write;
    if table.is_empty() {
        return;
    }
    let names: Vec<String> = table
        .iter()
        .map(|f| crate::escape::line(&f.field).into_owned())
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let of = records.map_or(String::new(), |n| format!(", of {n}"));
    let _ = writeln!(out, "\nFill rates (records with a value{of}):");
    let _ = writeln!(
        out,
        "  {:<width$}  {:>7}  {:>7}  last run",
        "field", "filled", "rate"
    );
    for (fill, name) in table.iter().zip(&names) {
        let _ = writeln!(
            out,
            "  {name:<width$}  {:>7}  {:>7}  {}",
            fill.filled,
            percent_text(fill.percent),
            last_text(fill)
        );
    }
}

/// The fill-rate table in Markdown (plan and report), under a `####` heading.
pub fn render_markdown(table: &[FieldFill], records: Option<usize>, out: &mut String) {
    use std::fmt::Write;
    if table.is_empty() {
        return;
    }
    let of = records.map_or(String::new(), |n| format!(", of {n}"));
    let _ = writeln!(
        out,
        "#### Fill rates\n\nRecords with a value{of}.\n\n| field | filled | rate | last run |\n|---|---:|---:|---:|"
    );
    for fill in table {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            crate::escape::markdown_code(&fill.field, true),
            fill.filled,
            percent_text(fill.percent),
            last_text(fill)
        );
    }
    out.push('\n');
}

/// The rows of the fill-rate table, escaped for HTML: field, filled, rate, last run.
pub fn html_rows(table: &[FieldFill]) -> Vec<Vec<String>> {
    table
        .iter()
        .map(|f| {
            vec![
                format!("<code>{}</code>", crate::escape::html(&f.field)),
                f.filled.to_string(),
                percent_text(f.percent),
                crate::escape::html(&last_text(f)),
            ]
        })
        .collect()
}

/// Last run's rate, or why there is none.
fn last_text(fill: &FieldFill) -> String {
    fill.last_run_percent
        .map_or_else(|| "—".to_string(), percent_text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::guards_passed;

    fn fill(field: &str, filled: usize, records: usize, last: Option<f64>) -> FieldFill {
        FieldFill {
            field: field.into(),
            filled,
            percent: rounded(percent_of(filled, records)),
            last_run_percent: last,
        }
    }

    fn guard(field: &str, limit: GuardLimit, of_last_run: bool) -> FillGuard {
        FillGuard {
            field: field.into(),
            slot: 0,
            limit,
            of_last_run,
            because: Because::new(
                format!("guard {}", describe_field(field, limit, of_last_run)),
                7,
            ),
        }
    }

    fn check(
        guards: &[FillGuard],
        table: &[FieldFill],
        last_known: bool,
        allowed: &[&str],
    ) -> Vec<GuardOutcome> {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        check_fill(&FillInput {
            guards,
            table,
            source_records: 20,
            last_known,
            allowed: &allowed,
        })
    }

    #[test]
    fn a_field_that_stops_arriving_stops_the_run_naming_both_rates() {
        let table = [
            fill("Manager", 0, 20, Some(95.0)),
            fill("Email", 20, 20, Some(100.0)),
        ];
        let out = check(&[], &table, true, &[]);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(!guards_passed(&out));
        assert_eq!(out[0].guard, "filled(Manager) >= 50% of last_run");
        assert_eq!(
            out[0].message,
            "default guard `filled(Manager) >= 50% of last_run`: field `Manager` is filled in 0 \
             of 20 records (0.0%), down from 95.0% in the last run; nothing was applied. If this \
             is intended, re-run with --allow-field-drop Manager"
        );
        let out = check(&[], &table, true, &["Manager"]);
        assert!(out[0].overridden && guards_passed(&out));
        // Another field's flag does not let this one through.
        assert!(!guards_passed(&check(&[], &table, true, &["Email"])));
    }

    #[test]
    fn the_default_judges_only_fields_that_were_mostly_filled_and_halved() {
        let out = check(
            &[],
            &[
                // From 60% to 31%: kept more than half.
                fill("A", 31, 100, Some(60.0)),
                // From 40% to 0%: was mostly empty anyway.
                fill("B", 0, 100, Some(40.0)),
                // New to the mapping.
                fill("C", 0, 100, None),
            ],
            true,
            &[],
        );
        assert!(guards_passed(&out), "{out:?}");
        assert_eq!(out.len(), 1);
        assert!(
            out[0].message.contains("1 of 3 field(s) compared"),
            "{}",
            out[0].message
        );
        assert!(
            out[0]
                .message
                .contains("new since the last run, not judged: `C`")
        );
        let out = check(&[], &[fill("A", 29, 100, Some(60.0))], true, &[]);
        assert!(!guards_passed(&out), "29% is under half of 60%");
    }

    #[test]
    fn a_first_run_is_reported_not_judged() {
        let out = check(&[], &[fill("Manager", 0, 20, None)], false, &[]);
        assert!(guards_passed(&out));
        assert!(out[0].message.contains("not checked"), "{}", out[0].message);
    }

    #[test]
    fn a_written_guard_replaces_the_default_for_its_field() {
        let table = [fill("Manager", 0, 20, Some(95.0))];
        let loose = [guard("Manager", GuardLimit::Percent(0.0), false)];
        let out = check(&loose, &table, true, &[]);
        assert!(guards_passed(&out), "{out:?}");
        assert_eq!(out[0].guard, "filled(Manager) >= 0%");

        let strict = [guard("Manager", GuardLimit::Percent(90.0), false)];
        let table = [fill("Manager", 17, 20, None)];
        let out = check(&strict, &table, false, &[]);
        assert!(!guards_passed(&out));
        assert_eq!(
            out[0].message,
            "guard `filled(Manager) >= 90%` at line 7: field `Manager` is filled in 17 of 20 \
             records (85.0%); nothing was applied. If this is intended, re-run with \
             --allow-field-drop Manager"
        );
        let count = [guard("Manager", GuardLimit::Count(17), false)];
        assert!(guards_passed(&check(&count, &table, false, &[])));
        let count = [guard("Manager", GuardLimit::Count(18), false)];
        assert!(!guards_passed(&check(&count, &table, false, &[])));

        let relative = [guard("Manager", GuardLimit::Percent(80.0), true)];
        let out = check(
            &relative,
            &[fill("Manager", 15, 20, Some(100.0))],
            true,
            &[],
        );
        assert!(!guards_passed(&out));
        assert!(
            out[0]
                .message
                .contains("75.0% of the 100.0% of the last run")
        );
        let out = check(&relative, &[fill("Manager", 15, 20, None)], true, &[]);
        assert!(guards_passed(&out) && out[0].actual.is_none());
    }

    /// Through the pipeline: counted while evaluating (JSON records, nested and typed
    /// values), shown in every plan format, kept by the JSON plan as the schema documents.
    #[test]
    fn the_pipeline_counts_fill_rates_and_every_plan_format_shows_them() {
        use crate::records::{Origin, Record};
        let program = crate::check::checked(
            "source json { path = \"p.json\" }\n\
             fields { id: text, mail: text, boss: text?, dept.name: text?, tags: list<text>? }\n\
             target winningtemp.files { dir = \"out\" }\n\
             user {\n external_id = id\n username = mail\n first_name = id\n last_name = id\n \
             manager = boss\n title = dept.name\n}\n\
             exclude when tags is empty\n\
             guard filled(mail) >= 100%\n"
                .to_string(),
        );
        let people = [
            serde_json::json!({"id": "1", "mail": "a@x", "boss": "", "dept": {"name": "D"}, "tags": []}),
            serde_json::json!({"id": "2", "mail": "b@x", "boss": "1", "dept": {"name": " "}, "tags": ["t"]}),
            serde_json::json!({"id": "3", "mail": "c@x", "boss": null, "dept": null}),
            serde_json::json!({"id": "4", "mail": "d@x", "boss": "1", "dept": {"name": "D"}, "tags": ["t"]}),
        ];
        let records: Vec<Record> = people
            .into_iter()
            .enumerate()
            .map(|(index, v)| Record {
                fields: v.as_object().cloned().unwrap_or_default(),
                origin: Origin { index, line: None },
            })
            .collect();
        let mut current = crate::model::CurrentState::empty();
        current.last_run_fill_rates =
            Some([("boss".to_string(), 100.0), ("mail".to_string(), 100.0)].into());
        let (plan, _) = crate::sync::plan(&crate::sync::PlanInput {
            mapping: "m.wtmap",
            program: &program,
            records: &records,
            current: &current,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            allow: Default::default(),
        });
        let rates: Vec<(&str, usize, Option<f64>)> = plan
            .fill_rates
            .iter()
            .map(|f| (f.field.as_str(), f.filled, f.last_run_percent))
            .collect();
        assert_eq!(
            rates,
            [
                ("id", 4, None),
                ("mail", 4, Some(100.0)),
                ("boss", 2, Some(100.0)),
                ("dept.name", 2, None),
                ("tags", 2, None),
            ]
        );
        // `boss` kept exactly half of its rate: the default guard lets it through; `mail`
        // has its own guard, which holds.
        assert!(guards_passed(&plan.guards), "{:?}", plan.guards);
        let guards: Vec<&str> = plan.guards.iter().map(|g| g.guard.as_str()).collect();
        assert!(guards.contains(&"filled(mail) >= 100%"), "{guards:?}");
        assert!(guards.contains(&"filled >= 50% of last_run"), "{guards:?}");

        let json = crate::plan::render_json(&plan);
        assert_eq!(
            json,
            format!("{}\n", serde_json::to_string_pretty(&plan).unwrap()),
            "the direct writer and serde agree"
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../docs/plan.schema.json")).unwrap();
        let errors = crate::plan::tests::schema_check::check(&schema, &value);
        assert!(errors.is_empty(), "{errors:?}");
        let back: crate::plan::Plan = serde_json::from_str(&json).unwrap();
        assert_eq!(back.fill_rates, plan.fill_rates);

        let mut human = String::new();
        render_text(&plan.fill_rates, Some(plan.source_records), &mut human);
        let mut markdown = String::new();
        render_markdown(&plan.fill_rates, Some(plan.source_records), &mut markdown);
        insta::assert_snapshot!("fill_rates_human", human);
        insta::assert_snapshot!("fill_rates_markdown", markdown);
        let whole = crate::plan::render_human(&plan, false);
        assert!(whole.contains(&human), "{whole}");
        assert!(crate::plan::render_markdown(&plan).contains(&markdown));
    }
}
