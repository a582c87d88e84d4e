//! The static types of the language: what the checker infers and what schemas declare.

use std::fmt;

/// A closed set of named values owned by the Winningtemp target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnumType {
    /// `None`, `Female`, `Male`, `NonBinary`.
    Gender,
    /// `Active`, `Paused`.
    Status,
    /// `User`, `Admin`, `Support`, `SystemAdministrator`, `HrLeader`.
    Role,
}

impl EnumType {
    /// The type's name as users write it.
    pub fn name(self) -> &'static str {
        match self {
            EnumType::Gender => "Gender",
            EnumType::Status => "Status",
            EnumType::Role => "Role",
        }
    }

    /// Every value, in declaration order.
    pub fn variants(self) -> &'static [&'static str] {
        match self {
            EnumType::Gender => &["None", "Female", "Male", "NonBinary"],
            EnumType::Status => &["Active", "Paused"],
            EnumType::Role => &[
                "User",
                "Admin",
                "Support",
                "SystemAdministrator",
                "HrLeader",
            ],
        }
    }

    /// The canonical spelling of a value, if it is one of this type's values.
    pub fn variant(self, name: &str) -> Option<&'static str> {
        self.variants().iter().copied().find(|v| *v == name)
    }
}

/// A type. `Optional` wraps a type whose values may be empty; `Error` is the poison type the
/// checker gives a sub-expression that already failed, so one mistake yields one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// Unicode text.
    Text,
    /// 64-bit integer.
    Int,
    /// Decimal number.
    Decimal,
    /// `true` / `false`.
    Bool,
    /// Calendar date without time zone.
    Date,
    /// Instant with offset.
    DateTime,
    /// A target enum.
    Enum(EnumType),
    /// A homogeneous list.
    List(Box<Type>),
    /// A nested object from a source (Personio `department`): only reachable by dotted paths.
    Object,
    /// A value that may be empty.
    Optional(Box<Type>),
    /// Poison: unifies with everything, reported once.
    Error,
}

impl Type {
    /// `T?` of this type (idempotent).
    pub fn optional(self) -> Type {
        match self {
            Type::Optional(_) | Type::Error => self,
            other => Type::Optional(Box::new(other)),
        }
    }

    /// True for `T?`.
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_))
    }

    /// The type without optionality.
    pub fn base(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }

    /// True for the poison type.
    pub fn is_error(&self) -> bool {
        matches!(self.base(), Type::Error)
    }

    /// Whether a value of `self` may be stored where `expected` is required. Optional values
    /// only fit optional slots; `Error` fits everywhere.
    pub fn is_assignable_to(&self, expected: &Type) -> bool {
        if self.is_error() || expected.is_error() {
            return true;
        }
        match (self, expected) {
            (Type::Optional(a), Type::Optional(b)) => a.is_assignable_to(b),
            (a, Type::Optional(b)) => a.is_assignable_to(b),
            (Type::Optional(_), _) => false,
            (Type::Int, Type::Decimal) => true,
            (Type::List(a), Type::List(b)) => a.is_assignable_to(b),
            (a, b) => a == b,
        }
    }

    /// Same base type, ignoring optionality.
    pub fn same_base(&self, other: &Type) -> bool {
        self.is_error()
            || other.is_error()
            || self.base() == other.base()
            || matches!(
                (self.base(), other.base()),
                (Type::Int, Type::Decimal) | (Type::Decimal, Type::Int)
            )
    }

    /// The type's name for a `fields` block, if it is one users can declare.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "text" => Type::Text,
            "int" => Type::Int,
            "decimal" => Type::Decimal,
            "bool" => Type::Bool,
            "date" => Type::Date,
            "datetime" => Type::DateTime,
            _ => return None,
        })
    }

    /// Names accepted by [`Type::from_name`] plus `list`, for suggestions.
    pub const DECLARABLE: &'static [&'static str] =
        &["text", "int", "decimal", "bool", "date", "datetime", "list"];
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Text => f.write_str("text"),
            Type::Int => f.write_str("int"),
            Type::Decimal => f.write_str("decimal"),
            Type::Bool => f.write_str("bool"),
            Type::Date => f.write_str("date"),
            Type::DateTime => f.write_str("datetime"),
            Type::Enum(e) => f.write_str(e.name()),
            Type::List(inner) => write!(f, "list<{inner}>"),
            Type::Object => f.write_str("object"),
            Type::Optional(inner) => write!(f, "{inner}?"),
            Type::Error => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_values_do_not_fit_required_slots() {
        assert!(!Type::Text.optional().is_assignable_to(&Type::Text));
        assert!(Type::Text.is_assignable_to(&Type::Text.optional()));
        assert!(Type::Error.is_assignable_to(&Type::Date));
        assert!(!Type::Text.is_assignable_to(&Type::Date));
    }

    #[test]
    fn display_reads_like_source() {
        assert_eq!(
            Type::List(Box::new(Type::Text)).optional().to_string(),
            "list<text>?"
        );
        assert_eq!(Type::Enum(EnumType::Gender).to_string(), "Gender");
    }
}
