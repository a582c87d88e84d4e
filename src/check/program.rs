//! The checked program: what `check` hands to the evaluator. Names are resolved (fields to
//! slots, builtins to their records, enum values to their canonical names) and every
//! expression has passed the type checker, so evaluation needs no lookups by name.

use crate::builtins::Builtin;
use crate::model::{Because, Guard, MatchKey, Rules};
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

/// A checked expression.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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

/// A named configuration value from a `source` or `target` block.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A literal text.
    Text(String),
    /// `env("NAME")`: read at run time, never printed.
    Env(String),
    /// A number.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A list of texts.
    List(Vec<String>),
    /// A nested block.
    Block(Vec<(String, ConfigValue)>),
}

/// `source KIND { … }` or `target NAME { … }` after checking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Endpoint {
    /// `flex`, `winningtemp.scim`, …
    pub kind: String,
    /// Settings as written (defaults are applied by whoever uses them).
    pub settings: Vec<(String, ConfigValue)>,
}

impl Endpoint {
    /// A setting by key.
    pub fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.settings.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

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
    /// Segments.
    pub segments: Vec<SegmentRule>,
    /// Configuration rules.
    pub rules: Rules,
    /// The `rules` statement (or a note that defaults apply).
    pub rules_because: Because,
    /// The mapping's guards (defaults are added by `guard::effective_guards`).
    pub guards: Vec<Guard>,
    /// Schedule (default daily 01:00 Europe/Stockholm).
    pub schedule: Schedule,
    /// Report recipients.
    pub report_to: Vec<String>,
    /// Test blocks.
    pub tests: Vec<TestCase>,
    /// Attributes some statement maps (an empty result clears the attribute in Winningtemp).
    pub mapped_attributes: BTreeSet<String>,
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
            segments: Vec::new(),
            rules: Rules::default(),
            rules_because: Because {
                statement: "rules (defaults)".into(),
                line: 0,
            },
            guards: Vec::new(),
            schedule: Schedule::Daily {
                hour: 1,
                minute: 0,
                zone: chrono_tz::Europe::Stockholm,
            },
            report_to: Vec::new(),
            tests: Vec::new(),
            mapped_attributes: BTreeSet::new(),
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
