//! The checked program: what `check` hands to the evaluator. Names are resolved (fields to
//! slots, builtins to their records, enum values to their canonical names) and every
//! expression has passed the type checker, so evaluation needs no lookups by name.

use crate::builtins::Builtin;
use crate::model::{AttrKey, Because, Guard, MatchKey, Rules};
use crate::source::Span;
use crate::syntax::ast::{BinOp, ConditionKind};
use crate::types::Type;
use crate::value::Value;
use std::collections::BTreeSet;

/// Index into [`Program::fields`].
pub type FieldId = usize;

/// A source field the program reads, with how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSlot {
    /// Path segments into the record (`["department", "name"]`).
    pub path: Vec<String>,
    /// Declared (or built-in) type; optional when the field may be empty.
    pub ty: Type,
    /// Accepted formats for `date` / `datetime` fields (chrono syntax); empty = ISO 8601.
    pub formats: Vec<String>,
}

impl FieldSlot {
    /// `department.name`
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// A checked expression. Equal expressions give equal values for one record (builtins are
/// pure in a run), which lets the evaluator compute a repeated one once.
#[derive(Debug, Clone, PartialEq)]
pub enum CExpr {
    /// A constant.
    Literal(Value),
    /// A source field.
    Field(FieldId),
    /// The run's date in the schedule's time zone.
    Today,
    /// A builtin call.
    Call {
        /// The builtin.
        builtin: &'static Builtin,
        /// Arguments.
        args: Vec<CExpr>,
    },
    /// `not`
    Not(Box<CExpr>),
    /// Binary operators (`and`/`or` short-circuit).
    Binary {
        /// Operator.
        op: BinOp,
        /// Left.
        lhs: Box<CExpr>,
        /// Right.
        rhs: Box<CExpr>,
    },
    /// `is empty` / `is not empty`
    IsEmpty {
        /// Tested.
        expr: Box<CExpr>,
        /// `is not empty`
        negated: bool,
    },
    /// `in [...]`
    In {
        /// Tested.
        expr: Box<CExpr>,
        /// Candidates.
        list: Vec<CExpr>,
        /// `not in`
        negated: bool,
    },
    /// `if … then … else …`
    If {
        /// Condition.
        cond: Box<CExpr>,
        /// When true.
        then: Box<CExpr>,
        /// When false.
        otherwise: Box<CExpr>,
    },
    /// A value map.
    Map {
        /// Looked-up value.
        scrutinee: Box<CExpr>,
        /// Arms in order; the checker guarantees one matches.
        arms: Vec<CArm>,
    },
    /// A list.
    List(Vec<CExpr>),
}

/// One checked value-map arm.
#[derive(Debug, Clone, PartialEq)]
pub struct CArm {
    /// Exact-match patterns; `None` is `_`.
    pub patterns: Vec<Option<Value>>,
    /// The result.
    pub result: CExpr,
}

/// An attribute and the expression that computes it.
#[derive(Debug, Clone)]
pub struct AttributeRule {
    /// Target attribute (`first_name`, `status`, `manager`, …), as the schema names it.
    pub attribute: &'static str,
    /// Value.
    pub expr: CExpr,
    /// The statement, for plans and quarantine reports.
    pub because: Because,
    /// The statement's span, for `explain`.
    pub span: Span,
}

/// `exclude when` / `skip when` / `pause when`.
#[derive(Debug, Clone)]
pub struct ConditionRule {
    /// Which.
    pub kind: ConditionKind,
    /// The condition (bool).
    pub expr: CExpr,
    /// The statement.
    pub because: Because,
}

/// `group path = [...]`
#[derive(Debug, Clone)]
pub struct GroupPathRule {
    /// Level names.
    pub levels: Vec<CExpr>,
    /// Stable IDs per level, when given.
    pub ids: Option<Vec<CExpr>>,
    /// The statement.
    pub because: Because,
}

/// `units { … }` with its `unit fields { … }`: how org-unit records become the team tree.
#[derive(Debug, Clone)]
pub struct UnitsRule {
    /// The fields of a unit record the rule reads, indexed by the `CExpr::Field`s below (a
    /// unit record has its own fields, apart from a person's).
    pub fields: Vec<FieldSlot>,
    /// The unit's stable ID (text).
    pub id: CExpr,
    /// The team's name.
    pub name: CExpr,
    /// The parent unit's ID; empty or absent: a top-level team.
    pub parent: Option<CExpr>,
    /// The external ID of the person who manages the unit.
    pub manager: Option<CExpr>,
    /// Whether units with nobody in them or below them are left out.
    pub prune_empty: bool,
    /// The statement.
    pub because: Because,
}

/// `group = UnitId`: the org unit each person is a member of.
#[derive(Debug, Clone)]
pub struct GroupRule {
    /// The unit's ID, per person.
    pub unit: CExpr,
    /// The statement.
    pub because: Because,
}

/// `segment "Category" = expr`
#[derive(Debug, Clone)]
pub struct SegmentRule {
    /// Category.
    pub category: String,
    /// Segment name per record.
    pub expr: CExpr,
    /// The statement.
    pub because: Because,
}

pub use crate::schema::settings::{ConfigValue, Endpoint};

/// When `serve` runs the mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Every day at a local time in a zone.
    Daily {
        /// Hour.
        hour: u32,
        /// Minute.
        minute: u32,
        /// IANA zone.
        zone: chrono_tz::Tz,
    },
    /// A fixed interval.
    Every {
        /// Interval in minutes.
        minutes: u64,
    },
}

/// One `test` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// Name.
    pub name: String,
    /// Line of the block.
    pub line: usize,
    /// The record: field path → value.
    pub given: Vec<(Vec<String>, Value)>,
    /// Expectations: key (`first_name`, `group`, `skipped`, `segment:Country`) → value, line.
    pub expect: Vec<(String, Value, usize)>,
}

/// A mapping that passed `check`.
#[derive(Debug, Clone)]
pub struct Program {
    /// Where records come from.
    pub source: Endpoint,
    /// Where actions go.
    pub target: Endpoint,
    /// Fields read, indexed by [`FieldId`].
    pub fields: Vec<FieldSlot>,
    /// Match keys, external ID first.
    pub match_keys: Vec<MatchKey>,
    /// Line of `match by` (0 when absent).
    pub match_line: usize,
    /// Attribute rules in source order.
    pub attributes: Vec<AttributeRule>,
    /// Conditions in source order.
    pub conditions: Vec<ConditionRule>,
    /// Team hierarchy.
    pub group_path: Option<GroupPathRule>,
    /// The team tree from org-unit records (`units { … }`).
    pub units: Option<UnitsRule>,
    /// Each person's org unit (`group = …`).
    pub group: Option<GroupRule>,
    /// Segments.
    pub segments: Vec<SegmentRule>,
    /// Configuration rules.
    pub rules: Rules,
    /// The `rules` statement (or a note that defaults apply).
    pub rules_because: Because,
    /// The mapping's guards (defaults are added by `guard::effective_guards`).
    pub guards: Vec<Guard>,
    /// The mapping's `guard filled(F) …` (the drift default for other fields is added by
    /// the `quality` module).
    pub fill_guards: Vec<crate::model::FillGuard>,
    /// Schedule (default daily 01:00 Europe/Stockholm).
    pub schedule: Schedule,
    /// Report recipients.
    pub report_to: Vec<String>,
    /// Test blocks.
    pub tests: Vec<TestCase>,
    /// Attributes some statement maps (an empty result clears the attribute in Winningtemp).
    pub mapped_attributes: BTreeSet<String>,
    /// Where the evaluator puts each attribute rule's value (made from `attributes` and
    /// `conditions` once they are final).
    pub attribute_slots: AttributeSlots,
}

/// The plain attributes a program's users can have, in the order a user's [`MappedAttributes`]
/// keeps them (by name), and the place of each rule's value among them. The evaluator fills
/// the places and drops the empty ones: no name is compared per record, and a user's
/// attributes never move to make room (an insert into a sorted list moves those after it).
///
/// [`MappedAttributes`]: crate::model::MappedAttributes
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeSlots {
    /// The attributes, by key: key order is name order, and a user's attributes are packed
    /// by key.
    pub keys: Vec<AttrKey>,
    /// Per attribute rule (in `Program::attributes` order): its attribute's place in `keys`,
    /// or `None` for the attributes a user keeps apart (`external_id`, `manager`, `status`).
    pub of_rule: Vec<Option<usize>>,
    /// Per attribute rule: whether its attribute is mandatory (an empty value fails the record).
    pub mandatory: Vec<bool>,
    /// The place of `exclude_from_surveys` when an `exclude when` sets it.
    pub exclude: Option<usize>,
    /// Per attribute rule: the latest earlier rule with the same expression, whose value it
    /// takes instead of computing it again (`username` and `email` are often both
    /// `lower(trim(EmailWork))`).
    pub same_as: Vec<Option<usize>>,
    /// Per attribute rule: whether a later rule takes its value.
    pub kept: Vec<bool>,
}

impl AttributeSlots {
    /// The slots of a program with these rules.
    pub fn of(attributes: &[AttributeRule], conditions: &[ConditionRule]) -> AttributeSlots {
        let kept_apart = |name: &str| matches!(name, "external_id" | "manager" | "status");
        let excludes = conditions.iter().any(|c| c.kind == ConditionKind::Exclude);
        // The checker lets only Winningtemp attributes through, and each has a key.
        let mut keys: Vec<AttrKey> = attributes
            .iter()
            .map(|rule| rule.attribute)
            .filter(|name| !kept_apart(name))
            .chain(excludes.then_some("exclude_from_surveys"))
            .filter_map(AttrKey::of)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let place = |name: &str| AttrKey::of(name).and_then(|key| keys.binary_search(&key).ok());
        let same_as: Vec<Option<usize>> = (attributes.iter().enumerate())
            .map(|(n, rule)| (0..n).rev().find(|&m| attributes[m].expr == rule.expr))
            .collect();
        let mut kept = vec![false; attributes.len()];
        for &earlier in same_as.iter().flatten() {
            kept[earlier] = true;
        }
        AttributeSlots {
            of_rule: attributes
                .iter()
                .map(|rule| place(rule.attribute).filter(|_| !kept_apart(rule.attribute)))
                .collect(),
            mandatory: attributes
                .iter()
                .map(|rule| {
                    crate::schema::target::attribute(rule.attribute).is_some_and(|d| d.mandatory)
                })
                .collect(),
            exclude: if excludes {
                place("exclude_from_surveys")
            } else {
                None
            },
            keys,
            same_as,
            kept,
        }
    }
}

impl Program {
    /// A program that reads nothing and maps nothing (for evaluating lone expressions).
    pub fn empty() -> Program {
        Program {
            source: Endpoint::default(),
            target: Endpoint::default(),
            fields: Vec::new(),
            match_keys: vec![MatchKey::ExternalId],
            match_line: 0,
            attributes: Vec::new(),
            conditions: Vec::new(),
            group_path: None,
            units: None,
            group: None,
            segments: Vec::new(),
            rules: Rules::default(),
            rules_because: Because::new("rules (defaults)", 0),
            guards: Vec::new(),
            fill_guards: Vec::new(),
            schedule: Schedule::Daily {
                hour: 1,
                minute: 0,
                zone: chrono_tz::Europe::Stockholm,
            },
            report_to: Vec::new(),
            tests: Vec::new(),
            mapped_attributes: BTreeSet::new(),
            attribute_slots: AttributeSlots::default(),
        }
    }

    /// The time zone `today` is evaluated in.
    pub fn zone(&self) -> chrono_tz::Tz {
        match self.schedule {
            Schedule::Daily { zone, .. } => zone,
            Schedule::Every { .. } => chrono_tz::Europe::Stockholm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AttributeSlots;

    fn program(statements: &str) -> super::Program {
        let text = format!(
            "source csv {{ path = \"x.csv\" }}\nfields {{ id: text, mail: text, kind: text? }}\n\
             target winningtemp.files {{ dir = \"out\" }}\n{statements}\n"
        );
        crate::check::checked(text)
    }

    #[test]
    fn every_plain_attribute_has_one_place_in_name_order() {
        let p = program(
            "user {\n external_id = id\n username = mail\n last_name = id\n first_name = id\n \
             manager = id\n email = mail\n}\nexclude when kind == \"x\"\n",
        );
        let slots = &p.attribute_slots;
        let names: Vec<&str> = slots.keys.iter().map(|key| key.name()).collect();
        assert_eq!(
            names,
            [
                "email",
                "exclude_from_surveys",
                "first_name",
                "last_name",
                "username"
            ]
        );
        let of_rule: Vec<(&str, Option<&str>, bool)> = p
            .attributes
            .iter()
            .zip(&slots.of_rule)
            .zip(&slots.mandatory)
            .map(|((rule, place), mandatory)| (rule.attribute, place.map(|p| names[p]), *mandatory))
            .collect();
        assert_eq!(
            of_rule,
            [
                ("external_id", None, true),
                ("username", Some("username"), true),
                ("last_name", Some("last_name"), true),
                ("first_name", Some("first_name"), true),
                ("manager", None, false),
                ("email", Some("email"), false),
            ]
        );
        assert_eq!(slots.exclude, Some(1));
        // Each repeat takes the value of the latest rule before it with the same expression:
        // `id` four times (external_id, last_name, first_name, manager), `mail` twice.
        assert_eq!(
            slots.same_as,
            [None, None, Some(0), Some(2), Some(3), Some(1)]
        );
        assert_eq!(slots.kept, [true, true, true, true, false, false]);
        assert_eq!(
            AttributeSlots::of(&p.attributes, &[]).exclude,
            None,
            "no `exclude when`, no place"
        );
    }

    #[test]
    fn the_schema_fits_the_evaluators_mask_of_filled_places() {
        assert!(crate::schema::target::attributes().len() <= 64);
    }
}
