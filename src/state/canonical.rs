//! Canonical JSON written straight from `Serialize`: compact, with the keys of every object
//! sorted (byte order) and lists in their order. It is the text `serde_json::to_value`, the
//! keys sorted and printed, gives (the fingerprint's definition), without the value tree: a
//! tree of maps per element, sorted into a second tree and printed through `fmt`, was 0.28 s
//! of CPU for a 95,500-user state, a quarter of a nightly plan's (docs/benchmarks.md,
//! issue 20, seventeenth session).

use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt;

/// The canonical JSON of `value`; `null` for a value `serde_json::to_value` cannot represent
/// (a map key that is not text or a number, a 128-bit number beyond 64 bits), as the
/// fingerprint has always had it.
pub(super) fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    let text = match value.serialize(Writer { out: &mut out }) {
        Ok(()) => String::from_utf8(out).ok(),
        Err(Unrepresentable) => None,
    };
    text.unwrap_or_else(|| "null".to_string())
}

/// Why a value has no canonical JSON.
#[derive(Debug)]
struct Unrepresentable;

impl fmt::Display for Unrepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value JSON cannot represent")
    }
}

impl std::error::Error for Unrepresentable {}

impl ser::Error for Unrepresentable {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unrepresentable
    }
}

/// Scalars are written by serde_json itself, so numbers and escapes are exactly its own.
fn scalar<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Unrepresentable> {
    serde_json::to_writer(out, value).map_err(|_| Unrepresentable)
}

/// Text as a JSON string. Text without a quote, a backslash or a control character, nearly
/// all of a state's, is copied as it is; the rest is escaped by serde_json.
fn text(out: &mut Vec<u8>, text: &str) -> Result<(), Unrepresentable> {
    let plain = !text.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !plain {
        return scalar(out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Serializer methods for the scalars serde_json writes as they are.
macro_rules! written_by_serde_json {
    ($($method:ident: $kind:ty),* $(,)?) => {
        $(fn $method(self, v: $kind) -> Result<(), Unrepresentable> {
            scalar(self.out, &v)
        })*
    };
}

/// Writes one value's canonical JSON at the end of `out`.
struct Writer<'o> {
    out: &'o mut Vec<u8>,
}

impl<'o> ser::Serializer for Writer<'o> {
    type Ok = ();
    type Error = Unrepresentable;
    type SerializeSeq = List<'o>;
    type SerializeTuple = List<'o>;
    type SerializeTupleStruct = List<'o>;
    type SerializeTupleVariant = TupleVariant<'o>;
    type SerializeMap = Object<'o>;
    type SerializeStruct = Object<'o>;
    type SerializeStructVariant = StructVariant<'o>;

    written_by_serde_json! {
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_f64: f64,
        serialize_char: char,
    }

    fn serialize_i128(self, v: i128) -> Result<(), Unrepresentable> {
        // A value holds 64-bit numbers only.
        match (u64::try_from(v), i64::try_from(v)) {
            (Ok(n), _) => scalar(self.out, &n),
            (_, Ok(n)) => scalar(self.out, &n),
            _ => Err(Unrepresentable),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unrepresentable> {
        scalar(self.out, &u64::try_from(v).map_err(|_| Unrepresentable)?)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unrepresentable> {
        // A value keeps an `f32` as the `f64` it widens to, and prints that.
        scalar(self.out, &f64::from(v))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unrepresentable> {
        text(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unrepresentable> {
        // A value holds bytes as a list of numbers.
        scalar(self.out, v)
    }
    fn serialize_none(self) -> Result<(), Unrepresentable> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unrepresentable> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unrepresentable> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unrepresentable> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unrepresentable> {
        scalar(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unrepresentable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unrepresentable> {
        let mut content = Vec::new();
        value.serialize(Writer { out: &mut content })?;
        wrap(self.out, variant, &content)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<List<'o>, Unrepresentable> {
        Ok(List::new(self.out))
    }
    fn serialize_tuple(self, len: usize) -> Result<List<'o>, Unrepresentable> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<List<'o>, Unrepresentable> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<TupleVariant<'o>, Unrepresentable> {
        Ok(TupleVariant {
            out: self.out,
            variant,
            content: Vec::new(),
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'o>, Unrepresentable> {
        Ok(Object::new(self.out))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'o>, Unrepresentable> {
        Ok(Object::new(self.out))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<StructVariant<'o>, Unrepresentable> {
        Ok(StructVariant {
            out: self.out,
            variant,
            fields: Entries::default(),
        })
    }
}

/// A list: elements written in place, in order.
struct List<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> List<'o> {
    fn new(out: &'o mut Vec<u8>) -> List<'o> {
        out.push(b'[');
        List { out, first: true }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unrepresentable> {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        value.serialize(Writer { out: self.out })
    }

    fn close(self) -> Result<(), Unrepresentable> {
        self.out.push(b']');
        Ok(())
    }
}

/// serde's three kinds of list, each written element by element.
macro_rules! list_kind {
    ($kind:ident, $add:ident) => {
        impl ser::$kind for List<'_> {
            type Ok = ();
            type Error = Unrepresentable;
            fn $add<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unrepresentable> {
                self.element(v)
            }
            fn end(self) -> Result<(), Unrepresentable> {
                self.close()
            }
        }
    };
}

list_kind!(SerializeSeq, serialize_element);
list_kind!(SerializeTuple, serialize_element);
list_kind!(SerializeTupleStruct, serialize_field);

/// An object's entries: each value written to a scratch buffer beside its key, then all
/// written in key order. A key given twice keeps its last value, as a map does.
struct Entries {
    /// The values' texts, one after another.
    values: Vec<u8>,
    /// Each key with where its value's text ends in `values` (it starts where the one
    /// before it ends).
    ends: Vec<(Key, usize)>,
    /// The key of the map entry whose value comes next.
    pending: Option<Key>,
}

impl Default for Entries {
    /// Room for a user's or a membership's entries, so that most objects never grow.
    fn default() -> Entries {
        Entries {
            values: Vec::with_capacity(256),
            ends: Vec::with_capacity(8),
            pending: None,
        }
    }
}

/// A key: a struct's field names are static; map keys are made.
type Key = std::borrow::Cow<'static, str>;

impl Entries {
    fn add<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), Unrepresentable> {
        value.serialize(Writer {
            out: &mut self.values,
        })?;
        self.ends.push((key, self.values.len()));
        Ok(())
    }

    fn write_to(self, out: &mut Vec<u8>) -> Result<(), Unrepresentable> {
        let Entries { values, ends, .. } = self;
        let mut spans: Vec<(Key, std::ops::Range<usize>)> = Vec::with_capacity(ends.len());
        let mut start = 0;
        for (key, end) in ends {
            spans.push((key, start..end));
            start = end;
        }
        // Stable: of equal keys the last one given stays last, and is the one kept.
        spans.sort_by(|a, b| a.0.cmp(&b.0));
        out.push(b'{');
        let mut first = true;
        for (n, (key, span)) in spans.iter().enumerate() {
            if spans.get(n + 1).is_some_and(|next| next.0 == *key) {
                continue;
            }
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            text(out, key)?;
            out.push(b':');
            out.extend_from_slice(values.get(span.clone()).unwrap_or_default());
        }
        out.push(b'}');
        Ok(())
    }
}

/// An object (a map or a struct).
struct Object<'o> {
    out: &'o mut Vec<u8>,
    entries: Entries,
}

impl<'o> Object<'o> {
    fn new(out: &'o mut Vec<u8>) -> Object<'o> {
        Object {
            out,
            entries: Entries::default(),
        }
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unrepresentable> {
        self.entries.pending = Some(key.serialize(KeyWriter)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unrepresentable> {
        let key = self.entries.pending.take().ok_or(Unrepresentable)?;
        self.entries.add(key, v)
    }
    fn end(self) -> Result<(), Unrepresentable> {
        self.entries.write_to(self.out)
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unrepresentable> {
        self.entries.add(Key::Borrowed(key), v)
    }
    fn end(self) -> Result<(), Unrepresentable> {
        self.entries.write_to(self.out)
    }
}

/// `{"variant":content}`, as a value holds an enum variant with content.
fn wrap(out: &mut Vec<u8>, variant: &str, content: &[u8]) -> Result<(), Unrepresentable> {
    out.push(b'{');
    scalar(out, variant)?;
    out.push(b':');
    out.extend_from_slice(content);
    out.push(b'}');
    Ok(())
}

/// A tuple variant: its fields as a list, wrapped when done.
struct TupleVariant<'o> {
    out: &'o mut Vec<u8>,
    variant: &'static str,
    /// The fields' texts, comma-separated.
    content: Vec<u8>,
}

impl ser::SerializeTupleVariant for TupleVariant<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unrepresentable> {
        if !self.content.is_empty() {
            self.content.push(b',');
        }
        // A field that writes nothing cannot occur: every value writes at least `null`.
        v.serialize(Writer {
            out: &mut self.content,
        })
    }
    fn end(self) -> Result<(), Unrepresentable> {
        let mut list = Vec::with_capacity(self.content.len() + 2);
        list.push(b'[');
        list.extend_from_slice(&self.content);
        list.push(b']');
        wrap(self.out, self.variant, &list)
    }
}

/// A struct variant: its fields as an object, wrapped when done.
struct StructVariant<'o> {
    out: &'o mut Vec<u8>,
    variant: &'static str,
    fields: Entries,
}

impl ser::SerializeStructVariant for StructVariant<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unrepresentable> {
        self.fields.add(Key::Borrowed(key), v)
    }
    fn end(self) -> Result<(), Unrepresentable> {
        let mut object = Vec::new();
        self.fields.write_to(&mut object)?;
        wrap(self.out, self.variant, &object)
    }
}

/// A map key as a value's map holds it: text, or a number or `bool` as its text, or a unit
/// variant's name; anything else has no canonical JSON.
struct KeyWriter;

/// Key serializer methods for the numbers and `bool`, which are keys as their text.
macro_rules! shown_as_text {
    ($($method:ident: $kind:ty),* $(,)?) => {
        $(fn $method(self, v: $kind) -> Result<Key, Unrepresentable> {
            Ok(Key::Owned(v.to_string()))
        })*
    };
}

impl KeyWriter {
    /// A finite number as serde_json writes it; others are no key.
    fn number<T: Serialize>(value: T, finite: bool) -> Result<Key, Unrepresentable> {
        match finite {
            true => serde_json::to_string(&value)
                .map(Key::Owned)
                .map_err(|_| Unrepresentable),
            false => Err(Unrepresentable),
        }
    }
}

impl ser::Serializer for KeyWriter {
    type Ok = Key;
    type Error = Unrepresentable;
    type SerializeSeq = Impossible<Key, Unrepresentable>;
    type SerializeTuple = Impossible<Key, Unrepresentable>;
    type SerializeTupleStruct = Impossible<Key, Unrepresentable>;
    type SerializeTupleVariant = Impossible<Key, Unrepresentable>;
    type SerializeMap = Impossible<Key, Unrepresentable>;
    type SerializeStruct = Impossible<Key, Unrepresentable>;
    type SerializeStructVariant = Impossible<Key, Unrepresentable>;

    shown_as_text! {
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128,
    }
    fn serialize_f32(self, v: f32) -> Result<Key, Unrepresentable> {
        Self::number(v, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<Key, Unrepresentable> {
        Self::number(v, v.is_finite())
    }
    fn serialize_char(self, v: char) -> Result<Key, Unrepresentable> {
        Ok(Key::Owned(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Key, Unrepresentable> {
        Ok(Key::Owned(v.to_owned()))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Key, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_none(self) -> Result<Key, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Key, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_unit(self) -> Result<Key, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Key, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Key, Unrepresentable> {
        Ok(Key::Borrowed(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Key, Unrepresentable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Key, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unrepresentable> {
        Err(Unrepresentable)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unrepresentable> {
        Err(Unrepresentable)
    }
}

#[cfg(test)]
#[path = "canonical_tests.rs"]
mod tests;
