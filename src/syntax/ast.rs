//! The syntax tree of a mapping: plain data with byte spans, no logic.

use crate::source::{Span, Spanned};

/// A name as written: an identifier (`Förnamn`) or a backticked name (`` `Cost center` ``).
pub type Ident = Spanned<String>;

/// A whole `.wtmap` file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Statements in source order.
    pub items: Vec<Item>,
    /// Every comment, in source order (the formatter re-attaches them by position).
    pub comments: Vec<Comment>,
}

/// `# …`
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment text including `#`, without the line break.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A top-level statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `source flex { … }`
    Source(SourceBlock),
    /// `fields { Office: text }`
    Fields(FieldsBlock),
    /// `unit fields { DeptId: text }`: the fields of an org-unit record
    UnitFields(FieldsBlock),
    /// `target winningtemp.scim { … }`
    Target(TargetBlock),
    /// `match by external_id, email`
    Match(MatchStmt),
    /// `user { external_id = Id }`
    User(UserBlock),
    /// `gender 1->Male 2->Female _->None`
    ValueMap(ValueMapStmt),
    /// `units { id = DeptId, name = DeptName, parent = ParentId }`
    Units(UnitsBlock),
    /// `group = DepartmentId`
    Group(GroupStmt),
    /// `group path = [Office, Department, Team]`
    GroupPath(GroupPathStmt),
    /// `segment "Country" = Country`
    Segment(SegmentStmt),
    /// `exclude when …` / `skip when …` / `pause when …`
    Condition(ConditionStmt),
    /// `rules { … }`
    Rules(RulesBlock),
    /// `guard pauses <= 5%`
    Guard(GuardStmt),
    /// `schedule daily at 01:00 Europe/Stockholm`
    Schedule(ScheduleStmt),
    /// `report to "hr@acme.example"`
    Report(ReportStmt),
    /// `test "name" { given { … } expect { … } }`
    Test(TestBlock),
}

impl Item {
    /// The statement's span.
    pub fn span(&self) -> Span {
        match self {
            Item::Source(x) => x.span,
            Item::Fields(x) => x.span,
            Item::UnitFields(x) => x.span,
            Item::Units(x) => x.span,
            Item::Group(x) => x.span,
            Item::Target(x) => x.span,
            Item::Match(x) => x.span,
            Item::User(x) => x.span,
            Item::ValueMap(x) => x.span,
            Item::GroupPath(x) => x.span,
            Item::Segment(x) => x.span,
            Item::Condition(x) => x.span,
            Item::Rules(x) => x.span,
            Item::Guard(x) => x.span,
            Item::Schedule(x) => x.span,
            Item::Report(x) => x.span,
            Item::Test(x) => x.span,
        }
    }
}

/// `source flex { url = env("FLEX_URL") }`
#[derive(Debug, Clone, PartialEq)]
pub struct SourceBlock {
    /// `flex`, `personio`, `worknice`, `csv`, `json`, `ndjson`, `yaml`.
    pub kind: Ident,
    /// The configuration.
    pub settings: Vec<Setting>,
    /// Whole statement.
    pub span: Span,
}

/// `key = expr` or `key { … }` inside a source, target or rules block.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: SettingValue,
    /// Whole setting.
    pub span: Span,
}

/// A setting's value.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    /// `= expr`
    Expr(Expr),
    /// `{ … }`
    Block(Vec<Setting>),
}

/// `fields { Office: text  Born: date("%d.%m.%Y")? }`
#[derive(Debug, Clone, PartialEq)]
pub struct FieldsBlock {
    /// Declarations.
    pub fields: Vec<FieldDecl>,
    /// Whole block.
    pub span: Span,
}

/// `Office: text?`
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The field (a dotted path for nested data).
    pub path: FieldPath,
    /// Its type.
    pub ty: TypeExpr,
    /// Whole declaration.
    pub span: Span,
}

/// `text`, `date("%d.%m.%Y", "%Y-%m-%d")`, `list<text>`, any of them with `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// Type name.
    pub name: Ident,
    /// Date formats for `date(…)` / `datetime(…)`.
    pub formats: Vec<Spanned<String>>,
    /// Element type for `list<…>`.
    pub element: Option<Box<TypeExpr>>,
    /// `?`: the value may be empty.
    pub optional: bool,
    /// Whole type.
    pub span: Span,
}

/// `target winningtemp.scim { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct TargetBlock {
    /// `winningtemp.scim`
    pub name: Ident,
    /// The configuration.
    pub settings: Vec<Setting>,
    /// Whole statement.
    pub span: Span,
}

/// `match by external_id, email`
#[derive(Debug, Clone, PartialEq)]
pub struct MatchStmt {
    /// Keys in order of precedence.
    pub keys: Vec<Ident>,
    /// Whole statement.
    pub span: Span,
}

/// `user { first_name = FirstName }`
#[derive(Debug, Clone, PartialEq)]
pub struct UserBlock {
    /// Attribute assignments.
    pub assignments: Vec<Assignment>,
    /// Whole block.
    pub span: Span,
}

/// `first_name = FirstName`
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Target attribute.
    pub attribute: Ident,
    /// Its value.
    pub value: Expr,
    /// Whole assignment.
    pub span: Span,
}

/// `gender 1->Male 2->Female _->None`; `status from Anställningsstatus "A"->Active _->Paused`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMapStmt {
    /// Target attribute.
    pub attribute: Ident,
    /// Source field; `None` means the field whose name equals the attribute ignoring case.
    pub from: Option<FieldPath>,
    /// Arms in order.
    pub arms: Vec<MapArm>,
    /// Whole statement.
    pub span: Span,
}

/// `"active" | "leave" -> Active`
#[derive(Debug, Clone, PartialEq)]
pub struct MapArm {
    /// One or more patterns.
    pub patterns: Vec<Pattern>,
    /// The value when a pattern matches: a literal, or an enum value / field written as a name.
    pub result: Expr,
    /// Whole arm.
    pub span: Span,
}

/// A value-map pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// `_`: anything, including empty.
    Wildcard,
    /// An exact literal; numbers also match their text form (`1` matches `"1"`).
    Literal(Literal),
}

/// A spanned pattern.
pub type Pattern = Spanned<PatternKind>;

/// `units { id = DeptId, name = DeptName, parent = ParentId, manager = HeadId }`: how an
/// org-unit record becomes a team of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitsBlock {
    /// `id`, `name`, `parent`, `manager` assignments.
    pub assignments: Vec<Assignment>,
    /// Whole block.
    pub span: Span,
}

/// `group = DepartmentId`: the ID of the org unit a person is a member of.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStmt {
    /// The unit ID, per person record.
    pub unit: Expr,
    /// Whole statement.
    pub span: Span,
}

/// `group path = [Office, Department, Team] ids [OfficeCode, DepartmentCode, TeamCode]`
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPathStmt {
    /// Level names, top first.
    pub levels: Vec<Expr>,
    /// Optional stable ID per level (same length as `levels`).
    pub ids: Option<Vec<Expr>>,
    /// Whole statement.
    pub span: Span,
}

/// `segment "Country" = Country`
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentStmt {
    /// Segment category.
    pub category: Spanned<String>,
    /// Segment name per record.
    pub value: Expr,
    /// Whole statement.
    pub span: Span,
}

/// What a condition statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    /// `exclude when`: exists, but excluded from surveys.
    Exclude,
    /// `skip when`: not synced at all, never paused for it.
    Skip,
    /// `pause when`: kept but paused.
    Pause,
}

impl ConditionKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            ConditionKind::Exclude => "exclude",
            ConditionKind::Skip => "skip",
            ConditionKind::Pause => "pause",
        }
    }
}

/// `skip when EmailWork is empty`
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionStmt {
    /// exclude / skip / pause.
    pub kind: ConditionKind,
    /// The condition.
    pub condition: Expr,
    /// Whole statement.
    pub span: Span,
}

/// `rules { membership = overwrite }`
#[derive(Debug, Clone, PartialEq)]
pub struct RulesBlock {
    /// Rule settings.
    pub settings: Vec<Setting>,
    /// Whole block.
    pub span: Span,
}

/// `<=`, `>=`, `<`, `>` in a guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardOp {
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `>`
    Gt,
}

/// A guard limit as written.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitLit {
    /// `50`
    Count(u64),
    /// `5%`
    Percent(f64),
    /// Neither (`0.9`, `"90%"`), as written; the checker rejects it (E0317).
    Other(String),
}

/// `guard pauses <= 5%`; `guard source >= 90% of last_run`
#[derive(Debug, Clone, PartialEq)]
pub struct GuardStmt {
    /// `pauses`, `source`, `filled`, ….
    pub subject: Ident,
    /// `(Manager)` after `filled`.
    pub field: Option<FieldPath>,
    /// Comparison.
    pub op: Spanned<GuardOp>,
    /// Limit.
    pub limit: Spanned<LimitLit>,
    /// `of last_run`.
    pub of: Option<Ident>,
    /// Whole statement.
    pub span: Span,
}

/// When `serve` runs a mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleKind {
    /// `daily at 01:00 Europe/Stockholm`
    Daily {
        /// `HH:MM` as written.
        time: Spanned<String>,
        /// IANA zone; default Europe/Stockholm.
        zone: Option<Spanned<String>>,
    },
    /// `every 30 minutes`
    Every {
        /// How many units.
        count: Spanned<u64>,
        /// `minutes` / `hours`.
        unit: Ident,
    },
}

/// `schedule …`
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleStmt {
    /// The schedule.
    pub kind: ScheduleKind,
    /// Whole statement.
    pub span: Span,
}

/// `report to "hr@acme.example", "it@acme.example"`
#[derive(Debug, Clone, PartialEq)]
pub struct ReportStmt {
    /// Recipient addresses.
    pub recipients: Vec<Spanned<String>>,
    /// Whole statement.
    pub span: Span,
}

/// `test "name" { given { … } expect { … } }`
#[derive(Debug, Clone, PartialEq)]
pub struct TestBlock {
    /// Test name.
    pub name: Spanned<String>,
    /// Input record fields.
    pub given: Vec<TestEntry>,
    /// Expected outcome.
    pub expect: Vec<TestEntry>,
    /// Whole block.
    pub span: Span,
}

/// The left side of a test entry.
#[derive(Debug, Clone, PartialEq)]
pub enum TestKey {
    /// A field (in `given`) or an attribute / `group` / `skipped` (in `expect`).
    Path(FieldPath),
    /// `segment "Country"` (in `expect`).
    Segment(Spanned<String>),
}

/// `EmailWork = "a@b.example"`
#[derive(Debug, Clone, PartialEq)]
pub struct TestEntry {
    /// What is given or expected.
    pub key: TestKey,
    /// The value.
    pub value: Expr,
    /// Whole entry.
    pub span: Span,
}

/// A dotted path of names: `department.name`, `` `Cost center` ``.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// Segments; `quoted` segments were written in backticks.
    pub segments: Vec<PathSegment>,
    /// Whole path.
    pub span: Span,
}

impl FieldPath {
    /// The path as users write it without backticks: `department.name`.
    pub fn dotted(&self) -> String {
        let parts: Vec<&str> = self.segments.iter().map(|s| s.name.node.as_str()).collect();
        parts.join(".")
    }
}

/// One segment of a path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathSegment {
    /// The name without backticks.
    pub name: Ident,
    /// Written in backticks.
    pub quoted: bool,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

impl Expr {
    /// The expressions directly inside this one, in source order (a value map's scrutinee,
    /// then its arms' results). Literals, fields and `today` have none.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::Not(x) | ExprKind::Paren(x) => vec![x],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::IsEmpty { expr, .. } => vec![expr],
            ExprKind::In { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => vec![cond, then, otherwise],
            ExprKind::Map { scrutinee, arms } => std::iter::once(&**scrutinee)
                .chain(arms.iter().map(|a| &a.result))
                .collect(),
            ExprKind::List(items) => items.iter().collect(),
            ExprKind::Literal(_) | ExprKind::Field(_) | ExprKind::Today => Vec::new(),
        }
    }
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `"text"`, `42`, `1.5`, `true`, `2025-01-31`
    Literal(Literal),
    /// `Office`, `department.name`; also enum values such as `Male` where an enum is expected.
    Field(FieldPath),
    /// `today`
    Today,
    /// `lower(EmailWork)`
    Call {
        /// Builtin name.
        name: Ident,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `not C`
    Not(Box<Expr>),
    /// `A and B`, `A == B`, `A ?? B`, …
    Binary {
        /// Operator.
        op: Spanned<BinOp>,
        /// Left.
        lhs: Box<Expr>,
        /// Right.
        rhs: Box<Expr>,
    },
    /// `X is empty`, `X is not empty`
    IsEmpty {
        /// Tested value.
        expr: Box<Expr>,
        /// `is not empty`.
        negated: bool,
    },
    /// `X in ["a", "b"]`, `X not in [...]`
    In {
        /// Tested value.
        expr: Box<Expr>,
        /// Candidates.
        list: Vec<Expr>,
        /// `not in`.
        negated: bool,
    },
    /// `if C then A else B`
    If {
        /// Condition.
        cond: Box<Expr>,
        /// When true.
        then: Box<Expr>,
        /// When false.
        otherwise: Box<Expr>,
    },
    /// `Status { "active" -> Active, _ -> Paused }`
    Map {
        /// The value looked up.
        scrutinee: Box<Expr>,
        /// Arms in order.
        arms: Vec<MapArm>,
    },
    /// `["a", "b"]`
    List(Vec<Expr>),
    /// `(expr)`: kept so `fmt` reproduces the author's grouping.
    Paren(Box<Expr>),
}

/// Binary operators, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `??`: the right side when the left is empty.
    Coalesce,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Coalesce => "??",
        }
    }
}

/// Literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `"text"` (unescaped).
    Text(String),
    /// `42`
    Int(i64),
    /// `1.5`, kept as written so formatting is exact.
    Decimal(String),
    /// `true` / `false`
    Bool(bool),
    /// `2025-01-31`
    Date(chrono::NaiveDate),
    /// A literal that failed to parse (already reported); kept as written so nothing cascades.
    Invalid(String),
}
