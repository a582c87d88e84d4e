use super::*;
use crate::model::Attributes;
use proptest::prelude::*;
use std::collections::BTreeMap;

#[test]
fn the_names_are_sorted_and_each_has_a_bit() {
    assert!(
        ATTRIBUTE_NAMES.is_sorted_by(|a, b| a < b),
        "sorted, no name twice"
    );
    assert!(ATTRIBUTE_NAMES.len() <= Mask::BITS as usize);
    for (place, name) in ATTRIBUTE_NAMES.iter().enumerate() {
        let key = AttrKey::of(name).unwrap();
        assert_eq!((usize::from(key.0), key.name()), (place, *name));
    }
    assert_eq!(AttrKey::of("usernam"), None);
    assert_eq!(Some(AttrKey::USERNAME), AttrKey::of("username"));
    assert_eq!(Some(AttrKey::EMAIL), AttrKey::of("email"));
    assert_eq!(AttrKey::of(""), None);
}

#[test]
fn a_name_winningtemp_does_not_have_is_refused_by_name() {
    let error = MappedAttributes::from_pairs([("department", AttrValue::Bool(true))]);
    assert_eq!(
        error.map_err(|e| e.to_string()),
        Err("`department` is not a Winningtemp user attribute".to_string())
    );
    let read: Result<MappedAttributes, _> = serde_json::from_str(r#"{"email": "a@x", "x": 1}"#);
    assert!(read.is_err());
    let read: Result<MappedAttributes, _> =
        serde_json::from_str(r#"{"email": "a@x", "zone": "1"}"#);
    assert!(read.is_err_and(|e| {
        e.to_string()
            .contains("`zone` is not a Winningtemp user attribute")
    }));
}

/// Any value an attribute can hold: text (empty, ASCII, multi-byte, control characters) or a flag.
fn value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        any::<bool>().prop_map(AttrValue::Bool),
        "(|[a-z@.]{1,12}|[åäöÅ€𝄞\u{0}\n\"]{1,4}|.{0,20})".prop_map(|t| AttrValue::Text(t.into())),
    ]
}

/// Attributes as a plain sorted map: the model the packed form must read as.
fn attributes() -> impl Strategy<Value = BTreeMap<&'static str, AttrValue>> {
    proptest::collection::btree_map(
        proptest::sample::select(&ATTRIBUTE_NAMES[..]),
        value(),
        0..=16,
    )
}

proptest! {
    /// Packed attributes read exactly as the map they were made from, in every way they are
    /// read, and come back from JSON and from each copy-with-a-change unchanged otherwise.
    #[test]
    fn packed_attributes_read_as_the_map(map in attributes(), other in value()) {
        let packed = MappedAttributes::from_pairs(map.clone()).unwrap();
        let read: Vec<(&str, AttrValue)> = packed.iter().map(|(n, v)| (n, v.to_value())).collect();
        let expected: Vec<(&str, AttrValue)> = map.iter().map(|(n, v)| (*n, v.clone())).collect();
        prop_assert_eq!(&read, &expected);
        prop_assert_eq!((packed.len(), packed.is_empty()), (map.len(), map.is_empty()));
        let keys: Vec<&str> = packed.keys().map(AttrKey::name).collect();
        prop_assert_eq!(keys, map.keys().copied().collect::<Vec<_>>());
        for name in ATTRIBUTE_NAMES {
            let want = map.get(name);
            let got = packed.get(name).map(AttrRef::to_value);
            prop_assert_eq!(got.as_ref(), want);
            prop_assert_eq!(packed.contains(name), want.is_some());
            let text = match want {
                Some(AttrValue::Text(t)) => Some(&**t),
                _ => None,
            };
            prop_assert_eq!(packed.text(name), text);
        }
        let as_map: Attributes = map.iter().map(|(n, v)| (Cow::Borrowed(*n), v.clone())).collect();
        prop_assert_eq!(packed.to_attributes(), as_map.clone());
        prop_assert_eq!(format!("{packed:?}"), format!("{:?}", map.iter().map(|(n, v)| (*n, AttrRef::from(v))).collect::<BTreeMap<_, _>>()));
        let json = serde_json::to_string(&packed).unwrap();
        prop_assert_eq!(&json, &serde_json::to_string(&map).unwrap());
        let back: MappedAttributes = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &packed);
        for name in ATTRIBUTE_NAMES {
            let mut changed = map.clone();
            changed.insert(name, other.clone());
            let mut set = packed.clone();
            set.set(name, other.clone()).unwrap();
            prop_assert_eq!(set, MappedAttributes::from_pairs(changed).unwrap());
        }
    }
}
