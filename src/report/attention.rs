//! The people a run could not sync, as HR needs to see them: by name and HR record ID, with
//! what to fix in the HR system in HR's words ("date of birth 1990-13-45 is not a date"), and
//! the mapping statement behind it for the consultant. Built once, when the report is made,
//! and stored in `report.json` (`attention`), so every rendering shows the same words.

use crate::model::{Because, QuarantinedRecord, SkippedRecord};
use serde::{Deserialize, Serialize};

/// Why a person needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionKind {
    /// The record could not be mapped; its Winningtemp user was left as it is.
    Quarantined,
    /// A `skip when` left the record out on purpose.
    Skipped,
}

/// One person HR should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    /// Quarantined or skipped.
    pub kind: AttentionKind,
    /// First and last name as the mapping computes them, when it could.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The HR record ID (the external ID), or the record's label when it has none.
    pub record_id: String,
    /// The username or email, when computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What to fix in the HR system, in HR's words.
    pub fix: String,
    /// The diagnostic code (`E0402`); none for a skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The technical reason, as the plan has it.
    pub detail: String,
    /// The mapping statement behind it and its line.
    pub because: Because,
}

impl Attention {
    /// Who, for people: `Anna Berg`, else the email, else `name unknown`.
    pub fn who(&self) -> String {
        match (&self.name, &self.email) {
            (Some(n), _) => n.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => "name unknown".to_string(),
        }
    }

    /// The ID line under the name: `HR ID 1047 · anna@acme.example`.
    pub fn ids(&self) -> String {
        let mut parts = vec![format!("HR ID {}", self.record_id)];
        if let (Some(_), Some(e)) = (&self.name, &self.email) {
            parts.push(e.clone());
        }
        parts.join(" · ")
    }

    /// The consultant's line: `mapping: birthday = DateOfBirth (line 38) · E0402: …`.
    pub fn technical(&self) -> String {
        let at = crate::plan::because_text(&self.because);
        match &self.code {
            Some(code) => format!("mapping: {at} · {code}: {}", self.detail),
            None => format!("mapping: {at}"),
        }
    }
}

/// The people of a plan's quarantined and skipped records, quarantined first, each list in
/// record order.
pub fn of(quarantined: &[QuarantinedRecord], skipped: &[SkippedRecord]) -> Vec<Attention> {
    let mut out: Vec<Attention> = quarantined
        .iter()
        .map(|q| Attention {
            kind: AttentionKind::Quarantined,
            name: q.name.clone(),
            record_id: q.external_id.clone().unwrap_or_else(|| q.label()),
            email: q.username.clone(),
            fix: String::new(),
            code: Some(q.code.clone()),
            detail: q.reason.clone(),
            because: q.because.clone(),
        })
        .collect();
    // The words need the others: "two people share …" names the other person.
    let fixes: Vec<String> = quarantined
        .iter()
        .enumerate()
        .map(|(n, q)| fix_of(q, n, quarantined, &out))
        .collect();
    for (a, fix) in out.iter_mut().zip(fixes) {
        a.fix = fix;
    }
    out.extend(skipped.iter().map(|s| Attention {
        kind: AttentionKind::Skipped,
        name: s.name.clone(),
        record_id: s.external_id.clone().unwrap_or_else(|| s.label()),
        email: s.username.clone(),
        fix: skip_words(s.because.statement()),
        code: None,
        detail: String::new(),
        because: s.because.clone(),
    }));
    out
}

/// The `` `quoted` `` parts of a message, in order.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The attribute a statement sets (`birthday = DateOfBirth` → `birthday`), if it sets one.
fn attribute_of(statement: &str) -> Option<&str> {
    let (lhs, _) = statement.split_once(" = ")?;
    let lhs = lhs.trim();
    (!lhs.is_empty() && lhs.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(lhs)
}

/// An attribute in HR's words.
fn label(attribute: &str) -> String {
    match attribute {
        "birthday" => "date of birth".into(),
        "external_id" => "HR ID".into(),
        "username" => "username (work email)".into(),
        "email" => "email".into(),
        "employed_since" | "employment_date" | "hire_date" => "employment start date".into(),
        "manager" => "manager".into(),
        other => other.replace('_', " "),
    }
}

/// What the statement needs the field for, in words: `the date of birth`, `the team`.
fn purpose(statement: &str) -> Option<String> {
    if let Some(attribute) = attribute_of(statement) {
        return Some(format!("the {}", label(attribute)));
    }
    let head = statement.split_whitespace().next().unwrap_or("");
    match head {
        "group" | "team" => Some("the team".into()),
        "segment" => Some("a segment".into()),
        "pause" => Some("deciding whether the user is paused".into()),
        "exclude" => Some("deciding whether the user takes surveys".into()),
        "skip" => Some("deciding whether the person is synced".into()),
        _ => None,
    }
}

fn fix_of(
    q: &QuarantinedRecord,
    me: usize,
    all: &[QuarantinedRecord],
    people: &[Attention],
) -> String {
    let quotes = quoted(&q.reason);
    let statement: &str = q.because.statement();
    match q.code.as_str() {
        // field `F`: `V` does not match … / `V` is not a number …
        "E0402" if quotes.len() >= 2 => {
            let (field, value) = (quotes[0], quotes[1]);
            let what = attribute_of(statement).map_or_else(|| field.to_string(), label);
            let kind = if q.reason.contains("date and time") {
                "a date and time"
            } else if q.reason.contains("date") {
                "a date"
            } else if q.reason.contains("whole number") {
                "a whole number"
            } else if q.reason.contains("number") {
                "a number"
            } else if q.reason.contains("true or false") {
                "yes or no"
            } else {
                "a valid value"
            };
            format!("{what} {value} is not {kind} (HR field {field})")
        }
        // field `F` is empty, but is declared `text`
        "E0401" if !quotes.is_empty() => match purpose(statement) {
            Some(p) => format!("{} is empty: fill it in, it is needed for {p}", quotes[0]),
            None => format!("{} is empty: fill it in", quotes[0]),
        },
        // `email` is mandatory but evaluated to an empty value
        "E0404" if !quotes.is_empty() => format!(
            "{} is missing: every Winningtemp user needs one",
            label(quotes[0])
        ),
        // username `x` is shared with #22 (line 464)
        "E0405" | "E0406" | "E0407" if !quotes.is_empty() => {
            let value = quotes[0];
            let others: Vec<String> = all
                .iter()
                .enumerate()
                .filter(|(n, o)| {
                    *n != me && o.code == q.code && quoted(&o.reason).first() == Some(&value)
                })
                .map(|(n, _)| format!("{}, HR ID {}", people[n].who(), people[n].record_id))
                .collect();
            let what = match q.code.as_str() {
                "E0405" => "HR ID",
                "E0406" => "username",
                _ => "email",
            };
            let count = match others.len() + 1 {
                2 => "two".to_string(),
                3 => "three".to_string(),
                n => n.to_string(),
            };
            match others.is_empty() {
                true => {
                    format!("{count} people share the {what} {value}: each person needs their own")
                }
                false => format!(
                    "{count} people share the {what} {value} (also {}): each person needs their own",
                    others.join(", ")
                ),
            }
        }
        _ => q.reason.clone(),
    }
}

/// A skip in words: `not synced: the mapping skips people when EmailWork is empty`.
fn skip_words(statement: &str) -> String {
    match statement.strip_prefix("skip when ") {
        Some(cond) => format!("not synced on purpose: the mapping skips people when {cond}"),
        None => format!("not synced on purpose ({statement})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(
        code: &str,
        reason: &str,
        statement: &str,
        name: Option<&str>,
        id: &str,
    ) -> QuarantinedRecord {
        QuarantinedRecord {
            record_id: Some(id.into()),
            position: 1,
            line: Some(2),
            external_id: Some(id.into()),
            username: Some(format!("{id}@acme.example")),
            code: code.into(),
            reason: reason.into(),
            because: Because::new(statement, 38),
            name: name.map(String::from),
        }
    }

    #[test]
    fn reasons_become_what_to_fix_in_hr_words() {
        let list = vec![
            q(
                "E0402",
                "field `DateOfBirth`: `1990-13-45` does not match the date format `%Y-%m-%d`",
                "birthday = DateOfBirth",
                Some("Eva Lind"),
                "7",
            ),
            q(
                "E0406",
                "username `anna@acme.example` is shared with #9 (line 10)",
                "username = lower(Email)",
                Some("Anna Berg"),
                "8",
            ),
            q(
                "E0406",
                "username `anna@acme.example` is shared with #8 (line 9)",
                "username = lower(Email)",
                Some("Anna Björk"),
                "9",
            ),
            q(
                "E0401",
                "field `Förvaltning` is empty, but is declared `text`",
                "group path = [Förvaltning, Enhet]",
                None,
                "10",
            ),
        ];
        let a = of(&list, &[]);
        assert_eq!(
            a[0].fix,
            "date of birth 1990-13-45 is not a date (HR field DateOfBirth)"
        );
        assert_eq!(a[0].who(), "Eva Lind");
        assert_eq!(a[0].ids(), "HR ID 7 · 7@acme.example");
        assert_eq!(
            a[1].fix,
            "two people share the username anna@acme.example (also Anna Björk, HR ID 9): each person needs their own"
        );
        assert_eq!(
            a[3].fix,
            "Förvaltning is empty: fill it in, it is needed for the team"
        );
        assert_eq!(a[3].who(), "10@acme.example");
        assert!(
            a[0].technical()
                .starts_with("mapping: birthday = DateOfBirth (line 38) · E0402: field")
        );
    }

    #[test]
    fn a_reason_without_the_expected_shape_is_shown_as_it_is() {
        let list = vec![q("E0402", "odd", "birthday = X", None, "1")];
        assert_eq!(of(&list, &[])[0].fix, "odd");
    }
}
