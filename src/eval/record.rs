//! One record through the mapping: skip conditions, attributes, exclude / pause, team path,
//! segments. A failure quarantines the record with the statement and reason.

use super::expr::{EvalError, Scope};
use super::team_path::TeamPath;
use crate::check::program::AttributeRule;
use crate::diagnostics::Code;
use crate::model::{AttrRef, Because, MappedAttributes, Packer, UserStatus};
use crate::syntax::ast::ConditionKind;
use crate::value::Value;
use std::sync::Arc;

/// A user computed from one record, before cross-record checks.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedUser {
    /// External ID.
    pub external_id: String,
    /// Plain attributes, made shareable where they are evaluated: the desired user takes them
    /// as they are (no second block per user while the users are built: 6.4 MB at 100k).
    pub attributes: Arc<MappedAttributes>,
    /// Status.
    pub status: UserStatus,
    /// Manager's external ID.
    pub manager: Option<String>,
    /// Team path, top first, with the IDs `ids [...]` gives.
    pub team_path: TeamPath,
    /// The org unit the user is a member of (`group = …`), by its ID.
    pub unit: Option<String>,
    /// Segments: (category, name).
    pub segments: Vec<(String, String)>,
    /// The statement that decided the status, when one did (see `DesiredUser`).
    pub status_because: Option<Because>,
}

/// What became of one record. Each kind is boxed: every record's outcome is held until the
/// users are built, so the outcomes' list holds pointers (an evaluated record is 80 bytes, not
/// 280), and the users' list is made at its own size instead of in the outcomes' block: heap
/// peak 161 -> 146 MB at 100k records, 160 MB less resident at 1M while they are evaluated
/// (docs/benchmarks.md, issue 20). Unboxed again at `123f080`, a 100k peak is a steady
/// ~108 MB instead of ~96 or ~118 MB: no better, so they stay boxed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Mapped to a user.
    User(Box<MappedUser>),
    /// `skip when` held.
    Skipped(Box<Skip>),
    /// Evaluation failed.
    Quarantined(Box<Quarantine>),
}

/// A record a `skip when` left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// The statement.
    pub because: Because,
    /// External ID if computable (protects the user from being paused).
    pub external_id: Option<String>,
    /// Username if computable.
    pub username: Option<String>,
    /// First and last name if computable (for the run report).
    pub name: Option<String>,
}

/// A record whose evaluation failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantine {
    /// Code.
    pub code: Code,
    /// Reason.
    pub reason: String,
    /// Statement being evaluated.
    pub because: Because,
    /// External ID if computable.
    pub external_id: Option<String>,
    /// Username if computable.
    pub username: Option<String>,
    /// First and last name if computable (for the run report).
    pub name: Option<String>,
}

/// One step of an evaluation, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStep {
    /// The statement.
    pub because: Because,
    /// What it computed (`"anna@acme.example"`, `false`, `skipped`).
    pub result: String,
}

/// Evaluates one record. With `trace`, every statement's result is recorded.
pub fn evaluate_record(scope: &Scope, mut trace: Option<&mut Vec<TraceStep>>) -> Outcome {
    let program = scope.program;
    // The result text is built only when tracing: a plan over 100,000 records must not
    // format values nobody reads.
    let mut note = |because: &Because, result: &dyn Fn() -> String| {
        if let Some(t) = trace.as_deref_mut() {
            t.push(TraceStep {
                because: because.clone(),
                result: result(),
            });
        }
    };
    let quarantine = |err: EvalError, because: &Because| {
        Outcome::Quarantined(Box::new(Quarantine {
            code: err.code,
            reason: cap_quoted(&err.message),
            because: because.clone(),
            external_id: key_attribute(scope, "external_id"),
            username: key_attribute(scope, "username"),
            name: person_name(scope),
        }))
    };

    for cond in program
        .conditions
        .iter()
        .filter(|c| c.kind == ConditionKind::Skip)
    {
        match scope.eval(&cond.expr) {
            Ok(Value::Bool(true)) => {
                note(&cond.because, &|| "true: record skipped".into());
                return Outcome::Skipped(Box::new(Skip {
                    because: cond.because.clone(),
                    external_id: key_attribute(scope, "external_id"),
                    username: key_attribute(scope, "username"),
                    name: person_name(scope),
                }));
            }
            Ok(_) => note(&cond.because, &|| "false".into()),
            Err(e) => return quarantine(e, &cond.because),
        }
    }

    let mut user = MappedUser {
        external_id: String::new(),
        attributes: Arc::default(),
        status: UserStatus::Active,
        manager: None,
        team_path: TeamPath::default(),
        unit: None,
        segments: Vec::new(),
        status_because: None,
    };
    // The user's attributes in their final order, each place empty until a rule fills it;
    // packed at the end without the places no rule filled.
    let slots = &program.attribute_slots;
    debug_assert_eq!(slots.of_rule.len(), program.attributes.len());
    let mut attributes: Vec<Value> = vec![Value::Empty; slots.keys.len()];
    // The value of the latest rule whose expression a later rule repeats (see
    // `AttributeSlots::same_as`).
    let mut kept: Option<(usize, Value)> = None;
    for (n, rule) in program.attributes.iter().enumerate() {
        // Taken only by the rule that repeats it; the others leave it where it is.
        let reused = match slots.same_as[n] {
            Some(earlier) if kept.as_ref().is_some_and(|(m, _)| *m == earlier) => kept.take(),
            _ => None,
        };
        let value = match reused {
            Some((_, value)) => value,
            None => match scope.eval(&rule.expr) {
                Ok(v) => v,
                Err(e) => return quarantine(e, &rule.because),
            },
        };
        if slots.kept[n] {
            kept = Some((n, value.clone()));
        }
        note(&rule.because, &|| show(&value));
        if value.is_empty() {
            if slots.mandatory[n] {
                let err = EvalError {
                    code: Code::MandatoryEmpty,
                    message: format!(
                        "`{}` is mandatory but evaluated to an empty value",
                        rule.attribute
                    ),
                };
                return quarantine(err, &rule.because);
            }
            continue;
        }
        match slots.of_rule[n] {
            Some(place) => {
                attributes[place] = match value {
                    Value::Bool(b) => Value::Bool(b),
                    other => Value::Text(other.into_text()),
                };
            }
            None => store_apart(&mut user, rule, value),
        }
    }

    for cond in program
        .conditions
        .iter()
        .filter(|c| c.kind != ConditionKind::Skip)
    {
        let holds = match scope.eval(&cond.expr) {
            Ok(v) => v == Value::Bool(true),
            Err(e) => return quarantine(e, &cond.because),
        };
        note(&cond.because, &|| holds.to_string());
        match (cond.kind, slots.exclude) {
            (ConditionKind::Exclude, Some(place)) => {
                attributes[place] = Value::Bool(holds);
            }
            (ConditionKind::Exclude, None) => {}
            // Only a pause that holds explains the status; otherwise the user is active
            // because the source has them, which the diff says itself.
            _ if holds => {
                user.status = UserStatus::Paused;
                user.status_because = Some(cond.because.clone());
            }
            _ => {}
        }
    }
    // Not shared yet, so this fills the block made above instead of making another.
    *Arc::make_mut(&mut user.attributes) = pack(&slots.keys, &attributes);

    if let Some(group) = &program.group_path {
        for (i, level) in group.levels.iter().enumerate() {
            let name = match scope.eval(level) {
                Ok(v) => v,
                Err(e) => return quarantine(e, &group.because),
            };
            // An empty level ends the path: the user joins the deepest non-empty level.
            if name.is_empty() {
                break;
            }
            let id = match group.ids.as_ref().and_then(|ids| ids.get(i)) {
                Some(expr) => match scope.eval(expr) {
                    Ok(v) if v.is_empty() => None,
                    Ok(v) => Some(v.into_text()),
                    Err(e) => return quarantine(e, &group.because),
                },
                None => None,
            };
            let id = group.ids.is_some().then_some(id);
            user.team_path.push(&name.into_text(), id);
        }
        note(&group.because, &|| {
            if user.team_path.is_empty() {
                "no team".into()
            } else {
                user.team_path.names().join(" / ")
            }
        });
    }

    if let Some(group) = &program.group {
        match scope.eval(&group.unit) {
            Ok(v) if v.is_empty() => note(&group.because, &|| "no unit".into()),
            Ok(v) => {
                let unit = v.into_text();
                note(&group.because, &|| format!("unit `{unit}`"));
                user.unit = Some(unit);
            }
            Err(e) => return quarantine(e, &group.because),
        }
    }

    for seg in &program.segments {
        match scope.eval(&seg.expr) {
            Ok(v) if v.is_empty() => note(&seg.because, &|| "empty: no segment".into()),
            Ok(v) => {
                note(&seg.because, &|| show(&v));
                user.segments.push((seg.category.clone(), v.into_text()));
            }
            Err(e) => return quarantine(e, &seg.because),
        }
    }
    Outcome::User(Box::new(user))
}

/// Stores the value of an attribute a user keeps apart from the plain ones (`external_id`,
/// `manager`, `status`: see [`AttributeSlots`]).
///
/// [`AttributeSlots`]: crate::check::program::AttributeSlots
fn store_apart(user: &mut MappedUser, rule: &AttributeRule, value: Value) {
    match rule.attribute {
        "external_id" => user.external_id = value.into_text(),
        "manager" => user.manager = Some(value.into_text()),
        "status" => {
            user.status_because = Some(rule.because.clone());
            user.status = if value == Value::Enum("Paused") {
                UserStatus::Paused
            } else {
                UserStatus::Active
            };
        }
        // Every other attribute has a place among the plain ones.
        _ => {}
    }
}

/// The filled places' values (text or flag; `Empty` where no rule gave one) under their
/// keys, in one block sized for them.
fn pack(keys: &[crate::model::AttrKey], values: &[Value]) -> MappedAttributes {
    let (texts, text_bytes) = values.iter().fold((0, 0), |(n, bytes), value| match value {
        Value::Text(text) => (n + 1, bytes + text.len()),
        _ => (n, bytes),
    });
    let mut packer = Packer::with_capacity(texts, text_bytes);
    for (key, value) in keys.iter().zip(values) {
        match value {
            Value::Text(text) => packer.push(*key, AttrRef::Text(text)),
            Value::Bool(flag) => packer.push(*key, AttrRef::Bool(*flag)),
            _ => {}
        }
    }
    packer.finish()
}

/// Best-effort value of a key attribute for a record that is skipped or quarantined, so the
/// diff can leave its Winningtemp user alone.
fn key_attribute(scope: &Scope, attribute: &str) -> Option<String> {
    let rule = scope
        .program
        .attributes
        .iter()
        .find(|r| r.attribute == attribute)?;
    match scope.eval(&rule.expr) {
        Ok(v) if !v.is_empty() => Some(v.to_text()),
        _ => None,
    }
}

/// `first_name last_name` as the mapping computes them, for a record that did not become a
/// user: the run report names the people HR must fix. `None` when neither can be computed.
fn person_name(scope: &Scope) -> Option<String> {
    let parts: Vec<String> = ["first_name", "last_name"]
        .iter()
        .filter_map(|a| key_attribute(scope, a))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn show(v: &Value) -> String {
    match v {
        Value::Empty => "empty".into(),
        Value::Text(t) => format!("{t:?}"),
        other => other.to_string(),
    }
}

/// A quoted value longer than this many characters is shortened in a quarantine message.
pub const MAX_QUOTED: usize = 120;
/// A quarantine message is at most this many characters.
const MAX_MESSAGE: usize = 1000;

/// The message with every `` `quoted` `` value longer than [`MAX_QUOTED`] characters cut to
/// its start and its length (a 50 MB field must not be echoed into every report, journal and
/// email), and the whole message cut at [`MAX_MESSAGE`] characters.
pub fn cap_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE + 64));
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks.
        let len = part.chars().count();
        if i % 2 == 1 && len > MAX_QUOTED {
            out.extend(part.chars().take(MAX_QUOTED - 20));
            out.push_str(&format!("… ({len} characters)"));
        } else {
            out.push_str(part);
        }
        if out.chars().count() > MAX_MESSAGE {
            let cut: String = out.chars().take(MAX_MESSAGE).collect();
            return format!("{cut}…");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::builtins::Context;
    use crate::eval::{Outcome, trace_record};
    use crate::model::AttrRef;
    use crate::records::{Origin, Record};

    /// Evaluates one CSV-shaped record with `user { … }` statements.
    fn evaluate(user: &str, fields: &[(&str, &str)]) -> (Outcome, Vec<String>) {
        let text = format!(
            "source csv {{ path = \"x.csv\" }}\nfields {{ id: text, mail: text, alias: text? }}\n\
             target winningtemp.files {{ dir = \"out\" }}\nuser {{\n{user}\n}}\n"
        );
        let program = crate::check::checked(text);
        let record = Record {
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                .collect(),
            origin: Origin {
                index: 0,
                line: None,
            },
        };
        let (outcome, steps) = trace_record(&program, &record, &Context::for_examples());
        (outcome, steps.into_iter().map(|s| s.result).collect())
    }

    fn text(outcome: &Outcome, name: &str) -> Option<String> {
        match outcome {
            Outcome::User(user) => match user.attributes.get(name) {
                Some(AttrRef::Text(t)) => Some(t.to_string()),
                _ => None,
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_repeated_expression_gives_every_rule_its_value() {
        // username/email, then first_name/last_name/title alternating between two expressions:
        // each rule must get its own expression's value, taken or computed.
        let (outcome, results) = evaluate(
            " external_id = id\n username = lower(trim(mail))\n email = lower(trim(mail))\n \
             first_name = upper(id)\n last_name = trim(id)\n title = upper(id)\n \
             employee_number = trim(id)\n phone = alias",
            &[("id", " x7 "), ("mail", " Ann@X.se "), ("alias", "")],
        );
        assert_eq!(text(&outcome, "username").as_deref(), Some("ann@x.se"));
        assert_eq!(text(&outcome, "email").as_deref(), Some("ann@x.se"));
        assert_eq!(text(&outcome, "first_name").as_deref(), Some(" X7 "));
        assert_eq!(text(&outcome, "last_name").as_deref(), Some("x7"));
        assert_eq!(text(&outcome, "title").as_deref(), Some(" X7 "));
        assert_eq!(text(&outcome, "employee_number").as_deref(), Some("x7"));
        assert_eq!(text(&outcome, "phone"), None, "empty, so not set");
        // `explain` still shows every rule's value.
        assert_eq!(results.iter().filter(|r| *r == "\"ann@x.se\"").count(), 2);
    }

    #[test]
    fn a_repeated_expression_that_fails_quarantines_at_the_first_rule() {
        let (outcome, _) = evaluate(
            " external_id = id\n username = lower(required(alias))\n \
             email = lower(required(alias))\n first_name = mail\n last_name = id",
            &[("id", "x7"), ("mail", "a@x"), ("alias", "")],
        );
        match outcome {
            Outcome::Quarantined(q) => {
                assert!(q.because.statement().starts_with("username"), "{q:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
