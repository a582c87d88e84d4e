//! The builtin functions of the language: one data record per function, listed in one table.
//!
//! The checker reads a record's `params`/`returns` (through [`Builtin::result_type`]), the
//! interpreter calls [`Builtin::call`], the README's table comes from
//! [`render_markdown_table`], and every `examples` entry is run as a test. Adding a builtin is
//! one `pub static` in a family file plus one line in [`BUILTINS`].
//!
//! Empty values: a parameter that is not `optional_ok` never sees `Empty`. If the checker sees
//! a `T?` argument there it makes the call's result optional ("lifting"), and at run time
//! [`Builtin::call`] returns `Empty` without running the builtin. Builtins return `Empty`
//! rather than empty text or an empty list, so `trim("  ")` is empty like a blank CSV cell.

mod args;
mod calendar;
mod dates;
mod lists;
mod misc;
mod names;
mod patterns;
mod render;
mod text;
mod typing;

pub use dates::validate_date_format;
pub use render::render_markdown_table;
pub use typing::ArgError;

use crate::value::Value;
use chrono::NaiveDate;

/// The type a parameter accepts. Const-constructible so builtins can be `static` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `text`.
    Text,
    /// `int`.
    Int,
    /// `int` or `decimal`.
    Number,
    /// `bool`.
    Bool,
    /// `date`.
    Date,
    /// `datetime`.
    DateTime,
    /// Any scalar: text, numbers, bool, dates, enum values (not lists or objects).
    Any,
    /// A list whose elements the inner type accepts.
    ListOf(&'static ParamType),
    /// The same base type as the first argument (`coalesce(a, b)`).
    Same,
    /// Any one of these (`length` takes text or a list).
    OneOf(&'static [ParamType]),
}

/// What a builtin returns, possibly in terms of its arguments' types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// `text`.
    Text,
    /// `int`.
    Int,
    /// `decimal`.
    Decimal,
    /// `bool`.
    Bool,
    /// `date`.
    Date,
    /// `datetime`.
    DateTime,
    /// `list<text>`.
    TextList,
    /// The base type (without `?`) of argument `n` (`required(x)`).
    Arg(usize),
    /// The element type of list argument `n` (`first(xs)`).
    ElementOf(usize),
    /// The common base type of all arguments, optional only if every argument is (`coalesce`).
    Common,
    /// The inner return type made optional: the builtin may return `Empty` on its own.
    Optional(&'static Ret),
}

/// Check-time validation of a literal argument; `Err` says what is wrong with it.
pub type LiteralCheck = fn(&str) -> Result<(), String>;

/// One parameter of a builtin.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Name shown in signatures and errors.
    pub name: &'static str,
    /// Accepted type.
    pub ty: ParamType,
    /// One line for the docs.
    pub doc: &'static str,
    /// `Some`: the argument must be a text literal, validated at check time (a date format, a
    /// regex, an environment variable name). The error string says what is wrong with it.
    pub literal: Option<LiteralCheck>,
    /// Accepts an empty value itself (`coalesce`, `required`) instead of lifting the call.
    pub optional_ok: bool,
    /// `Some`: the argument may be left out; the text says (as wtmap source) what is used then.
    /// Only trailing parameters may have a default.
    pub default: Option<&'static str>,
}

impl Param {
    /// A plain parameter.
    pub const fn new(name: &'static str, ty: ParamType, doc: &'static str) -> Param {
        Param {
            name,
            ty,
            doc,
            literal: None,
            optional_ok: false,
            default: None,
        }
    }

    /// The argument must be a text literal accepted by `validate`.
    pub const fn literal(mut self, validate: LiteralCheck) -> Param {
        self.literal = Some(validate);
        self
    }

    /// The parameter takes empty values itself instead of lifting the call.
    pub const fn optional_ok(mut self) -> Param {
        self.optional_ok = true;
        self
    }

    /// The parameter may be omitted; `default` documents what happens then.
    pub const fn default(mut self, default: &'static str) -> Param {
        self.default = Some(default);
        self
    }
}

/// A usage example; every one is run through parse → check → eval by the test suite, with
/// [`Context::for_examples`] as the context.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// A wtmap expression, e.g. `upper("abc")`.
    pub call: &'static str,
    /// The expected value as a wtmap literal, e.g. `"ABC"`.
    pub result: &'static str,
}

/// What a builtin may read besides its arguments. Injected so evaluation is deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The current date in the mapping's time zone.
    pub today: NaiveDate,
}

impl Context {
    /// The fixed context the `examples` are written against: today is 2025-06-15.
    pub fn for_examples() -> Context {
        Context {
            today: NaiveDate::from_ymd_opt(2025, 6, 15).unwrap_or_default(),
        }
    }
}

/// A builtin's run-time failure, without a location (the interpreter adds the call's span).
/// The record being evaluated is quarantined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BuiltinError {
    /// What went wrong, lowercase, user values in backticks.
    pub message: String,
    /// How to fix it, if there is something to say.
    pub hint: Option<String>,
}

impl BuiltinError {
    /// An error without a hint.
    pub fn new(message: impl Into<String>) -> BuiltinError {
        BuiltinError {
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> BuiltinError {
        self.hint = Some(hint.into());
        self
    }
}

/// A builtin function: signature, docs, examples and implementation in one record.
#[derive(Debug)]
pub struct Builtin {
    /// Name as called in mappings.
    pub name: &'static str,
    /// Parameters in order.
    pub params: &'static [Param],
    /// The last parameter repeats (one or more times).
    pub variadic: bool,
    /// Return type.
    pub returns: Ret,
    /// One line for the docs.
    pub summary: &'static str,
    /// At least one; each is run as a test.
    pub examples: &'static [Example],
    /// Only allowed in `source`/`target` settings (`env`); its examples are settings values,
    /// not record expressions, and calling it during evaluation is an error.
    pub config_only: bool,
    /// The implementation. Receives checked arguments; never sees `Empty` for a parameter that
    /// is not `optional_ok` when called through [`Builtin::call`].
    pub run: fn(&[Value], &Context) -> Result<Value, BuiltinError>,
}

/// Builtins are identified by name (names are unique), so checked programs holding
/// `&'static Builtin` can derive `PartialEq`.
impl PartialEq for Builtin {
    fn eq(&self, other: &Builtin) -> bool {
        self.name == other.name
    }
}

impl Eq for Builtin {}

impl Builtin {
    /// Calls the builtin: an `Empty` argument for a parameter that is not `optional_ok` makes
    /// the result `Empty` without running it; an empty text or list result becomes `Empty`.
    pub fn call(&self, args: &[Value], ctx: &Context) -> Result<Value, BuiltinError> {
        let lifted = args.iter().enumerate().any(|(i, arg)| {
            matches!(arg, Value::Empty) && !self.param(i).is_some_and(|p| p.optional_ok)
        });
        if lifted {
            return Ok(Value::Empty);
        }
        let value = (self.run)(args, ctx)?;
        Ok(if value.is_empty() {
            Value::Empty
        } else {
            value
        })
    }

    /// The parameter argument `index` binds to (the last one repeats for variadic builtins).
    pub fn param(&self, index: usize) -> Option<&'static Param> {
        match self.params.get(index) {
            Some(p) => Some(p),
            None if self.variadic => self.params.last(),
            None => None,
        }
    }

    /// Fewest arguments accepted.
    pub fn min_args(&self) -> usize {
        self.params
            .iter()
            .take_while(|p| p.default.is_none())
            .count()
    }

    /// Most arguments accepted; `None` for variadic builtins.
    pub fn max_args(&self) -> Option<usize> {
        (!self.variadic).then_some(self.params.len())
    }
}

/// Every builtin, sorted by name (so [`lookup`] can binary-search).
pub static BUILTINS: &[&Builtin] = &[
    &calendar::ADD_DAYS,
    &calendar::AGE,
    &misc::COALESCE,
    &text::CONCAT,
    &text::CONTAINS,
    &dates::DATE,
    &dates::DATETIME,
    &calendar::DAY,
    &calendar::DAYS_BETWEEN,
    &misc::DECIMAL,
    &names::EMAIL_DOMAIN,
    &names::EMAIL_LOCAL_PART,
    &text::ENDS_WITH,
    &misc::ENV,
    &names::FAMILY_NAME,
    &lists::FIRST,
    &dates::FORMAT_DATE,
    &names::GIVEN_NAME,
    &misc::INT,
    &lists::JOIN,
    &lists::LAST,
    &lists::LENGTH,
    &text::LOWER,
    &patterns::MATCHES,
    &calendar::MONTH,
    &names::NORMALIZE_DIACRITICS,
    &text::REPLACE,
    &patterns::REPLACE_REGEX,
    &misc::REQUIRED,
    &lists::SPLIT,
    &text::STARTS_WITH,
    &text::SUBSTRING,
    &misc::TEXT,
    &names::TITLE_CASE,
    &text::TRIM,
    &text::UPPER,
    &calendar::YEAR,
];

/// The builtin called `name`.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS
        .binary_search_by(|b| b.name.cmp(name))
        .ok()
        .map(|i| BUILTINS[i])
}

/// The builtin name closest to an unknown `name`, for "did you mean".
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::suggest::did_you_mean(name, BUILTINS.iter().map(|b| b.name))
}

#[cfg(test)]
pub(crate) mod tests;
