//! The canonical JSON against its definition: the value tree, keys sorted, printed.

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
