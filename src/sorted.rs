//! Sorted vectors instead of trees for collections built once from many items and then only
//! read: one sort beats a tree insert per item, and a `Vec` has no per-node overhead.

use std::cmp::Ordering;

/// Sorts `items` by key (`by_key` compares two items' keys) and keeps, of items with equal
/// keys, the one given last (as inserting them into a map one by one would).
pub fn last_per_key<T>(mut items: Vec<T>, by_key: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    // Stable, so among equal keys the last given stays last.
    items.sort_by(&by_key);
    let mut unique: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match unique.last_mut() {
            Some(last) if by_key(last, &item) == Ordering::Equal => *last = item,
            _ => unique.push(item),
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::last_per_key;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn keeps_what_inserting_into_a_map_keeps(
            items in proptest::collection::vec((0u8..8, any::<u16>()), 0..40)
        ) {
            let map: BTreeMap<u8, u16> = items.iter().copied().collect();
            let kept = last_per_key(items, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(kept, map.into_iter().collect::<Vec<_>>());
        }
    }
}
