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
pub(super) struct Unrepresentable;

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

    fn serialize_bool(self, v: bool) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Unrepresentable> {
        // A value holds 64-bit numbers only.
        match (u64::try_from(v), i64::try_from(v)) {
            (Ok(n), _) => scalar(self.out, &n),
            (_, Ok(n)) => scalar(self.out, &n),
            _ => Err(Unrepresentable),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unrepresentable> {
        scalar(self.out, &u64::try_from(v).map_err(|_| Unrepresentable)?)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unrepresentable> {
        // A value keeps an `f32` as the `f64` it widens to, and prints that.
        scalar(self.out, &f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Unrepresentable> {
        scalar(self.out, &v)
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

impl ser::SerializeSeq for List<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unrepresentable> {
        self.element(v)
    }
    fn end(self) -> Result<(), Unrepresentable> {
        self.close()
    }
}

impl ser::SerializeTuple for List<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unrepresentable> {
        self.element(v)
    }
    fn end(self) -> Result<(), Unrepresentable> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for List<'_> {
    type Ok = ();
    type Error = Unrepresentable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unrepresentable> {
        self.element(v)
    }
    fn end(self) -> Result<(), Unrepresentable> {
        self.close()
    }
}

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

impl KeyWriter {
    fn shown(value: impl fmt::Display) -> Result<Key, Unrepresentable> {
        Ok(Key::Owned(value.to_string()))
    }

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

    fn serialize_bool(self, v: bool) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_i8(self, v: i8) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_i16(self, v: i16) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_i32(self, v: i32) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_i64(self, v: i64) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_i128(self, v: i128) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_u16(self, v: u16) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_u32(self, v: u32) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_u64(self, v: u64) -> Result<Key, Unrepresentable> {
        Self::shown(v)
    }
    fn serialize_u128(self, v: u128) -> Result<Key, Unrepresentable> {
        Self::shown(v)
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
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};
    use std::collections::BTreeMap;

    /// The definition: `serde_json::to_value`, every object's keys sorted, printed; `null`
    /// when there is no value.
    fn reference<T: Serialize + ?Sized>(value: &T) -> String {
        fn sorted(value: Value) -> Value {
            match value {
                Value::Object(map) => {
                    let mut entries: Vec<(String, Value)> =
                        map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    Value::Object(entries.into_iter().collect())
                }
                Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
                other => other,
            }
        }
        serde_json::to_value(value).map_or_else(|_| "null".to_string(), |v| sorted(v).to_string())
    }

    fn same<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(to_string(value), reference(value));
    }

    #[derive(Serialize)]
    #[allow(dead_code)]
    enum Shape {
        Unit,
        Newtype(Option<i32>),
        Tuple(u8, String, f32),
        Struct { zeta: bool, alpha: Vec<Shape> },
    }

    #[derive(Serialize)]
    struct Fields {
        zulu: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        alpha: f64,
        #[serde(flatten)]
        extra: BTreeMap<String, i64>,
        mike: Shape,
        bravo: (char, i128, u128),
        keyed: BTreeMap<Shape, u8>,
    }

    // Map keys must order; variants compare by their position, which is enough here.
    impl PartialEq for Shape {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other) == std::cmp::Ordering::Equal
        }
    }
    impl Eq for Shape {}
    impl PartialOrd for Shape {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Shape {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            let rank = |s: &Shape| match s {
                Shape::Unit => 0,
                Shape::Newtype(_) => 1,
                Shape::Tuple(..) => 2,
                Shape::Struct { .. } => 3,
            };
            rank(self).cmp(&rank(other))
        }
    }

    /// A map written by hand: keys of any kind, and one key given twice.
    struct Keys(Vec<(Value, Value)>);

    impl Serialize for Keys {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                match k {
                    Value::Number(n) if n.is_f64() => map.serialize_key(&n.as_f64())?,
                    Value::Number(n) if n.is_i64() => map.serialize_key(&n.as_i64())?,
                    Value::Number(n) => map.serialize_key(&n.as_u64())?,
                    other => map.serialize_key(other)?,
                }
                map.serialize_value(v)?;
            }
            map.end()
        }
    }

    /// Bytes, as `serialize_bytes` gives them.
    struct Bytes(&'static [u8]);

    impl Serialize for Bytes {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    #[test]
    fn every_serde_shape_is_written_as_the_value_tree_prints_it() {
        let fields = Fields {
            zulu: None,
            skipped: None,
            alpha: 0.1,
            extra: BTreeMap::from([("charlie".into(), -3), ("Alpha".into(), 7)]),
            mike: Shape::Struct {
                zeta: true,
                alpha: vec![
                    Shape::Unit,
                    Shape::Newtype(Some(-1)),
                    Shape::Newtype(None),
                    Shape::Tuple(255, "t\u{7}\"\\ab\u{2028}".into(), 0.1),
                ],
            },
            bravo: ('\n', i128::from(i64::MIN), u128::from(u64::MAX)),
            keyed: BTreeMap::from([(Shape::Unit, 1)]),
        };
        same(&fields);
        same(&Shape::Tuple(0, String::new(), f32::NAN));
        same(&Shape::Newtype(Some(1)));
        same(&Bytes(b"\x00\xffab"));
        same(&(1e300_f64, -0.0_f64, f64::INFINITY, 1.0_f64, 123456789.0_f32));
        // Beyond 64 bits, and keys JSON has no text for: no value, so `null`.
        same(&(u128::MAX,));
        same(&(i128::MIN,));
        same(&Keys(vec![(json!([1]), json!(1))]));
        same(&Keys(vec![(json!(null), json!(1))]));
        same(&Keys(vec![(json!({}), json!(1))]));
        // Numbers and `bool` as keys; a key given twice keeps its last value, in its place.
        same(&Keys(vec![
            (json!("b"), json!(1)),
            (json!(10), json!(2)),
            (json!(-2), json!(3)),
            (json!(u64::MAX), json!(4)),
            (json!(2.5), json!(5)),
            (json!(true), json!(6)),
            (json!("b"), json!(7)),
            (json!("a"), json!({"y": 1, "x": [{"d": 1, "c": 2}]})),
        ]));
        assert_eq!(
            to_string(&Keys(vec![(json!("b"), json!(1)), (json!("b"), json!(2))])),
            r#"{"b":2}"#
        );
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            "[a-e]{0,2}",
            any::<String>(),
            Just("é\u{0}\u{1f}\"\\/".to_string())
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_is_written_as_the_value_tree_prints_it(value in any_value()) {
            prop_assert_eq!(to_string(&value), reference(&value));
        }
    }
}
