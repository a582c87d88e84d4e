//! The envelopes HR systems wrap records in (see the parent module): Personio pages,
//! Worknice's GraphQL response, Flex's list wrapper. The reader walks them itself and hands
//! each record inside to `Doc::record`.

use super::super::RecordsError;
use super::Doc;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

/// Where Worknice's `people` query puts the people.
const WORKNICE_PATH: [&str; 4] = ["data", "session", "org", "people"];

impl<Out> Doc<'_, Out> {
    /// A Personio page (`{"success": true, "data": …}`) or, inside an array, an employee.
    pub(super) fn personio_object(&mut self, top: bool) -> Result<(), RecordsError> {
        if self.peek() != Some(b'{') {
            return self.record(); // reports the non-object
        }
        let line = self.line_at(self.pos);
        let start = self.pos;
        let mut rest = Map::new();
        let mut page = false;
        self.object(|d, key| match (key.as_str(), d.peek()) {
            ("data", Some(b'[')) => {
                page = true;
                d.array(Doc::record)
            }
            ("data", Some(b'{')) => {
                page = true;
                d.record()
            }
            _ => {
                rest.insert(key, d.value()?);
                Ok(())
            }
        })?;
        if page {
            return Ok(());
        }
        if rest.get("success") == Some(&Value::Bool(false)) {
            return Err(RecordsError::ErrorResponse {
                name: self.name.to_owned(),
                system: "Personio",
                message: personio_message(&rest),
            });
        }
        if top {
            return Err(self.layout_error());
        }
        // An employee of a bare array: a number that would not print back as written keeps
        // its text, as in every other record (exact.rs).
        let rest = self.exact_fields(start)?.unwrap_or(rest);
        self.push(rest, line)
    }

    /// A Worknice GraphQL response.
    /// GraphQL can answer with both `data` and `errors`; then some of the data may be missing
    /// (nulls where a resolver failed), so any error fails the whole read.
    pub(super) fn worknice(&mut self) -> Result<(), RecordsError> {
        let mut errors = None;
        let found = self.descend(&WORKNICE_PATH, &mut errors)?;
        if let Some(message) = errors.as_ref().and_then(graphql_message) {
            return Err(RecordsError::ErrorResponse {
                name: self.name.to_owned(),
                system: "Worknice",
                message,
            });
        }
        if found {
            Ok(())
        } else {
            Err(self.layout_error())
        }
    }

    /// Follows `path` through nested objects to an array of records; true if it was found.
    /// Keeps the top-level GraphQL `errors` for the error message.
    fn descend(&mut self, path: &[&str], errors: &mut Option<Value>) -> Result<bool, RecordsError> {
        let top = path.len() == WORKNICE_PATH.len();
        let mut found = false;
        self.object(|d, key| {
            if let Some((first, rest)) = path.split_first()
                && key == *first
            {
                match (rest.is_empty(), d.peek()) {
                    (true, Some(b'[')) => {
                        found = true;
                        return d.array(Doc::record);
                    }
                    (false, Some(b'{')) => {
                        found |= d.descend(rest, errors)?;
                        return Ok(());
                    }
                    _ => {}
                }
            }
            if top && key == "errors" {
                *errors = Some(d.value()?);
            } else {
                d.value::<IgnoredAny>()?;
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// A Flex list wrapped in an object with exactly one array field.
    pub(super) fn flex_wrapper(&mut self) -> Result<(), RecordsError> {
        let mut arrays = 0;
        self.object(|d, _key| {
            if d.peek() == Some(b'[') {
                arrays += 1;
                if arrays > 1 {
                    return Err(d.layout_error());
                }
                return d.array(Doc::record);
            }
            d.value::<IgnoredAny>().map(drop)
        })?;
        if arrays == 1 {
            Ok(())
        } else {
            Err(self.layout_error())
        }
    }
}

fn personio_message(page: &Map<String, Value>) -> String {
    let error = page.get("error");
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("no message");
    match error.and_then(|e| e.get("code")) {
        Some(code) => format!("{message} (code {code})"),
        None => message.to_owned(),
    }
}

fn graphql_message(errors: &Value) -> Option<String> {
    let first = errors.as_array()?.first()?;
    Some(
        first
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message")
            .to_owned(),
    )
}
