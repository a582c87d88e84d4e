//! Flex HRM's records as the records reader reads them (a [`Shape`]): a page is a bare array or
//! an object with exactly one array field (the list envelope is undocumented), and top-level
//! keys are made PascalCase, since Flex's newer API writes camelCase (`emailWork`) and its older
//! API and Winningtemp's docs PascalCase (`EmailWork`); mappings are written against PascalCase.
//! Nested objects (`employment`) are left alone.

use super::SYSTEM;
use crate::records::{Envelope, KeyCase, Problem, Shape};

/// The shape of Flex HRM's records.
pub(crate) static SHAPE: Shape = Shape {
    kind: "flex",
    system: SYSTEM,
    envelope: Envelope::OneArrayField,
    keys: KeyCase::Pascal { clash },
    normalise: None,
    expected: "an array of records, or an object with one array of records",
    looks_like: &[
        "EmailWork",
        "EmailPrivate",
        "EmploymentNumber",
        "ImmediateManagerEmployeeId",
        "EmploymentStartDate",
        "EmploymentEndDate",
        "DateOfBirth",
        "CompanyId",
    ],
    is_export: None,
};

/// The problem of a record with two spellings of one Flex field (or one key twice).
fn clash(field: &str) -> Problem {
    Problem::new(
        format!(
            "has field `{field}` twice (Flex keys are read as PascalCase, so `emailWork` is `EmailWork`)"
        ),
        Some("keep one spelling of the field"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::testing::object;
    use crate::records::pascal_case;
    use serde_json::{Map, Value, json};

    fn flex_keys(record: Map<String, Value>) -> Result<Map<String, Value>, Problem> {
        SHAPE.normalise(record, &[])
    }

    #[test]
    fn flex_camel_case_becomes_pascal_case_at_the_top_level_only() {
        let record = object(
            json!({"emailWork": "a@b", "Id": "1", "employment": [{"employmentNumber": "7"}]}),
        );
        let out = flex_keys(record).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"EmailWork": "a@b", "Id": "1", "Employment": [{"employmentNumber": "7"}]})
        );
        assert_eq!(pascal_case("ärende"), "Ärende");
        assert_eq!(pascal_case("_x"), "_x");
        assert_eq!(pascal_case(""), "");
    }

    #[test]
    fn flex_keys_keep_order() {
        let out = flex_keys(object(json!({"lastName": "L", "firstName": "F"}))).unwrap();
        assert_eq!(out.keys().collect::<Vec<_>>(), ["LastName", "FirstName"]);
    }

    #[test]
    fn flex_both_spellings_is_a_problem() {
        let problem = flex_keys(object(json!({"EmailWork": "a", "emailWork": "b"}))).unwrap_err();
        assert!(
            problem.problem.contains("has field `EmailWork` twice"),
            "{problem:?}"
        );
    }
}
