//! Type-checking a builtin call from its record: arity, argument types, lifting, return type.

use super::{Builtin, ParamType, Ret};
use crate::types::Type;
use std::fmt;

/// Why a call does not fit a builtin's signature. Span-free: the checker points at the call
/// (arity) or at argument `index` (type) and names the builtin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// Too few or too many arguments.
    Arity {
        /// Fewest accepted.
        expected_min: usize,
        /// Most accepted; `None` when the last parameter repeats.
        expected_max: Option<usize>,
        /// How many were given.
        got: usize,
    },
    /// An argument of the wrong type.
    Type {
        /// 0-based argument position.
        index: usize,
        /// The parameter's name.
        param: &'static str,
        /// What the parameter accepts, as users read it (`text`, `int or decimal`).
        expected: String,
        /// The argument's type as given.
        got: Type,
    },
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::Arity {
                expected_min,
                expected_max,
                got,
            } => {
                let count = |n: usize| {
                    if n == 1 {
                        "1 argument".to_owned()
                    } else {
                        format!("{n} arguments")
                    }
                };
                match expected_max {
                    Some(max) if max == expected_min => {
                        write!(f, "expected {}, got {got}", count(*max))
                    }
                    Some(max) => write!(f, "expected {expected_min} to {}, got {got}", count(*max)),
                    None => write!(f, "expected at least {}, got {got}", count(*expected_min)),
                }
            }
            ArgError::Type {
                index,
                param,
                expected,
                got,
            } => {
                write!(
                    f,
                    "argument {} (`{param}`) must be {expected}, got `{got}`",
                    index + 1
                )
            }
        }
    }
}

impl std::error::Error for ArgError {}

impl Builtin {
    /// The type of a call with arguments of types `args`, or why the call does not fit.
    ///
    /// A `T?` argument for a parameter that is not `optional_ok` is checked as `T` and makes
    /// the result optional (lifting); [`Builtin::call`] returns `Empty` for it at run time.
    /// `Type::Error` arguments are accepted everywhere, so one mistake gives one diagnostic.
    /// Whether literal parameters got literals is left to the checker (see [`super::Param`]).
    pub fn result_type(&self, args: &[Type]) -> Result<Type, ArgError> {
        let (expected_min, expected_max) = (self.min_args(), self.max_args());
        if args.len() < expected_min || expected_max.is_some_and(|max| args.len() > max) {
            return Err(ArgError::Arity {
                expected_min,
                expected_max,
                got: args.len(),
            });
        }
        let first = args.first();
        let mut lifted = false;
        for (index, arg) in args.iter().enumerate() {
            let Some(param) = self.param(index) else {
                continue;
            };
            if arg.is_error() {
                continue;
            }
            if !accepts(param.ty, arg.base(), first) {
                let expected = describe(param.ty, first);
                return Err(ArgError::Type {
                    index,
                    param: param.name,
                    expected,
                    got: arg.clone(),
                });
            }
            lifted |= arg.is_optional() && !param.optional_ok;
        }
        let ret = return_type(self.returns, args);
        Ok(if lifted { ret.optional() } else { ret })
    }
}

/// Whether `ty` (already stripped of `?`) fits a parameter of type `param`.
fn accepts(param: ParamType, ty: &Type, first: Option<&Type>) -> bool {
    if ty.is_error() {
        return true;
    }
    match param {
        ParamType::Text => *ty == Type::Text,
        ParamType::Int => *ty == Type::Int,
        ParamType::Number => matches!(ty, Type::Int | Type::Decimal),
        ParamType::Bool => *ty == Type::Bool,
        ParamType::Date => *ty == Type::Date,
        ParamType::DateTime => *ty == Type::DateTime,
        ParamType::Any => !matches!(ty, Type::List(_) | Type::Object),
        ParamType::ListOf(inner) => match ty {
            Type::List(element) => accepts(*inner, element.base(), first),
            _ => false,
        },
        ParamType::Same => first.is_none_or(|f| f.same_base(ty)),
        ParamType::OneOf(options) => options.iter().any(|p| accepts(*p, ty, first)),
    }
}

/// What a parameter accepts, for error messages.
fn describe(param: ParamType, first: Option<&Type>) -> String {
    match param {
        ParamType::Text => "text".into(),
        ParamType::Int => "an int".into(),
        ParamType::Number => "a number (int or decimal)".into(),
        ParamType::Bool => "a bool".into(),
        ParamType::Date => "a date".into(),
        ParamType::DateTime => "a datetime".into(),
        ParamType::Any => "a single value (not a list)".into(),
        ParamType::ListOf(inner) => format!("a {}", type_name(ParamType::ListOf(inner), "any")),
        ParamType::Same => match first {
            Some(f) => format!("`{}` like the first argument", f.base()),
            None => "the type of the first argument".into(),
        },
        ParamType::OneOf(options) => {
            let names: Vec<String> = options.iter().map(|p| type_name(*p, "any")).collect();
            names.join(" or ")
        }
    }
}

/// A parameter type as written in signatures; `any` is how `Any` reads (`T` in generic ones).
pub(super) fn type_name(param: ParamType, any: &str) -> String {
    match param {
        ParamType::Text => "text".into(),
        ParamType::Int => "int".into(),
        ParamType::Number => "number".into(),
        ParamType::Bool => "bool".into(),
        ParamType::Date => "date".into(),
        ParamType::DateTime => "datetime".into(),
        ParamType::Any => any.into(),
        ParamType::ListOf(inner) => format!("list<{}>", type_name(*inner, any)),
        ParamType::Same => "T".into(),
        ParamType::OneOf(options) => {
            let names: Vec<String> = options.iter().map(|p| type_name(*p, any)).collect();
            names.join(" or ")
        }
    }
}

/// The return type of a call, before lifting.
fn return_type(ret: Ret, args: &[Type]) -> Type {
    match ret {
        Ret::Text => Type::Text,
        Ret::Int => Type::Int,
        Ret::Decimal => Type::Decimal,
        Ret::Bool => Type::Bool,
        Ret::Date => Type::Date,
        Ret::DateTime => Type::DateTime,
        Ret::TextList => Type::List(Box::new(Type::Text)),
        Ret::Arg(i) => args.get(i).map_or(Type::Error, |t| t.base().clone()),
        Ret::ElementOf(i) => match args.get(i).map(Type::base) {
            Some(Type::List(element)) => (**element).clone(),
            _ => Type::Error,
        },
        Ret::Common => common_type(args),
        Ret::Optional(inner) => return_type(*inner, args).optional(),
    }
}

/// `coalesce`'s type: the arguments' shared base type (decimal if ints and decimals mix),
/// optional only when every argument may be empty.
fn common_type(args: &[Type]) -> Type {
    if args.is_empty() || args.iter().any(Type::is_error) {
        return Type::Error;
    }
    let base = if args.iter().any(|a| *a.base() == Type::Decimal) {
        Type::Decimal
    } else {
        args[0].base().clone()
    };
    if args.iter().all(Type::is_optional) {
        base.optional()
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::lookup;
    use crate::types::EnumType;

    fn ty(name: &str, args: &[Type]) -> Result<Type, ArgError> {
        lookup(name).unwrap().result_type(args)
    }

    fn opt(t: Type) -> Type {
        t.optional()
    }

    fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    #[test]
    fn plain_calls() {
        assert_eq!(ty("lower", &[Type::Text]), Ok(Type::Text));
        assert_eq!(ty("date", &[Type::Text, Type::Text]), Ok(Type::Date));
        assert_eq!(ty("date", &[Type::Text]), Ok(Type::Date));
        assert_eq!(ty("split", &[Type::Text, Type::Text]), Ok(list(Type::Text)));
        assert_eq!(ty("text", &[Type::Enum(EnumType::Gender)]), Ok(Type::Text));
        assert_eq!(
            ty("concat", &[Type::Text, Type::Int, Type::Date]),
            Ok(Type::Text)
        );
    }

    #[test]
    fn arity_errors() {
        let e = ty("lower", &[]).unwrap_err();
        assert_eq!(
            e,
            ArgError::Arity {
                expected_min: 1,
                expected_max: Some(1),
                got: 0
            }
        );
        assert_eq!(e.to_string(), "expected 1 argument, got 0");
        let e = ty("date", &[Type::Text, Type::Text, Type::Text]).unwrap_err();
        assert_eq!(e.to_string(), "expected 1 to 2 arguments, got 3");
        let e = ty("coalesce", &[Type::Text]).unwrap_err();
        assert_eq!(e.to_string(), "expected at least 2 arguments, got 1");
        assert!(ty("concat", &[]).is_err());
    }

    #[test]
    fn type_errors_name_the_parameter() {
        let e = ty("lower", &[Type::Date]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "argument 1 (`value`) must be text, got `date`"
        );
        let e = ty("add_days", &[Type::Date, Type::Text.optional()]).unwrap_err();
        assert!(
            matches!(
                e,
                ArgError::Type {
                    index: 1,
                    param: "days",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "argument 2 (`days`) must be an int, got `text?`"
        );
        let e = ty("coalesce", &[Type::Text.optional(), Type::Date]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "argument 2 (`fallback`) must be `text` like the first argument, got `date`"
        );
        let e = ty("length", &[Type::Int]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "argument 1 (`value`) must be text or list<any>, got `int`"
        );
        assert!(ty("text", &[list(Type::Text)]).is_err());
        assert!(ty("join", &[list(Type::Int), Type::Text]).is_err());
    }

    #[test]
    fn optional_arguments_lift_the_result() {
        assert_eq!(ty("lower", &[opt(Type::Text)]), Ok(opt(Type::Text)));
        assert_eq!(
            ty("date", &[opt(Type::Text), Type::Text]),
            Ok(opt(Type::Date))
        );
        assert_eq!(
            ty("concat", &[Type::Text, opt(Type::Text)]),
            Ok(opt(Type::Text))
        );
        // Lifting an already optional result keeps one `?`.
        assert_eq!(ty("family_name", &[opt(Type::Text)]), Ok(opt(Type::Text)));
        assert_eq!(ty("family_name", &[Type::Text]), Ok(opt(Type::Text)));
    }

    #[test]
    fn optional_ok_parameters_take_empties() {
        assert_eq!(ty("required", &[opt(Type::Text)]), Ok(Type::Text));
        assert_eq!(ty("required", &[opt(Type::Date)]), Ok(Type::Date));
        assert_eq!(ty("length", &[opt(Type::Text)]), Ok(Type::Int));
        assert_eq!(
            ty("coalesce", &[opt(Type::Text), Type::Text]),
            Ok(Type::Text)
        );
        assert_eq!(
            ty("coalesce", &[opt(Type::Text), opt(Type::Text)]),
            Ok(opt(Type::Text))
        );
        assert_eq!(
            ty("coalesce", &[opt(Type::Int), Type::Decimal]),
            Ok(Type::Decimal)
        );
    }

    #[test]
    fn element_types() {
        assert_eq!(ty("first", &[list(Type::Text)]), Ok(opt(Type::Text)));
        assert_eq!(ty("last", &[opt(list(Type::Date))]), Ok(opt(Type::Date)));
        assert_eq!(ty("length", &[list(Type::Int)]), Ok(Type::Int));
    }

    #[test]
    fn poison_never_errors() {
        assert_eq!(ty("lower", &[Type::Error]), Ok(Type::Text));
        assert_eq!(ty("required", &[Type::Error]), Ok(Type::Error));
        assert_eq!(ty("first", &[Type::Error]), Ok(Type::Error));
        assert_eq!(ty("coalesce", &[Type::Error, Type::Date]), Ok(Type::Error));
        assert_eq!(ty("coalesce", &[Type::Text, Type::Error]), Ok(Type::Error));
        assert_eq!(ty("join", &[list(Type::Error), Type::Text]), Ok(Type::Text));
        // Arity is still checked: the count of arguments is known even when their types are not.
        assert!(ty("lower", &[Type::Error, Type::Error]).is_err());
    }
}
