//! The envelopes HR systems wrap records in (see the parent module and [`Envelope`]): pages,
//! a path through nested objects (a GraphQL answer), a one-array wrapper. The reader walks
//! them itself and hands each record inside to `Doc::record`; the key names, paths and error
//! messages are the shape's.
//!
//! [`Envelope`]: super::super::Envelope

use super::super::RecordsError;
use super::super::shape::{NestedPath, Pages};
use super::Doc;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

impl<Out> Doc<'_, Out> {
    /// A page (`{"success": true, "data": …}`) or, inside an array, a record.
    pub(super) fn page(&mut self, pages: Pages, top: bool) -> Result<(), RecordsError> {
        if self.peek() != Some(b'{') {
            return self.record(); // reports the non-object
        }
        let line = self.line_at(self.pos);
        let start = self.pos;
        let mut rest = Map::new();
        let mut page = false;
        self.object(|d, key| match (key == pages.data, d.peek()) {
            (true, Some(b'[')) => {
                page = true;
                d.array(Doc::record)
            }
            (true, Some(b'{')) => {
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
        if rest.get(pages.ok) == Some(&Value::Bool(false)) {
            return Err(RecordsError::ErrorResponse {
                name: self.name.to_owned(),
                system: self.shape.this.system,
                message: (pages.message)(&rest),
            });
        }
        if top {
            return Err(self.layout_error());
        }
        // A record of a bare array: a number that would not print back as written keeps its
        // text, as in every other record (exact.rs).
        let rest = self.exact_fields(start)?.unwrap_or(rest);
        self.push(rest, line)
    }

    /// An answer whose records are the array at `path`.
    /// GraphQL can answer with both `data` and `errors`; then some of the data may be missing
    /// (nulls where a resolver failed), so any error fails the whole read.
    pub(super) fn path(&mut self, path: NestedPath) -> Result<(), RecordsError> {
        let mut found_errors = None;
        let found = self.descend(path.path, Some(path.errors), &mut found_errors)?;
        if let Some(message) = found_errors.as_ref().and_then(path.message) {
            return Err(RecordsError::ErrorResponse {
                name: self.name.to_owned(),
                system: self.shape.this.system,
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
    /// Keeps the value of the field `errors` (at the top level) for the error message.
    fn descend(
        &mut self,
        path: &[&str],
        errors: Option<&str>,
        found_errors: &mut Option<Value>,
    ) -> Result<bool, RecordsError> {
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
                        found |= d.descend(rest, None, found_errors)?;
                        return Ok(());
                    }
                    _ => {}
                }
            }
            if errors == Some(key.as_str()) {
                *found_errors = Some(d.value()?);
            } else {
                d.value::<IgnoredAny>()?;
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// A list wrapped in an object with exactly one array field.
    pub(super) fn one_array_field(&mut self) -> Result<(), RecordsError> {
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
