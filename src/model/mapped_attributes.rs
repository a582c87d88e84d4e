//! The attributes of a user a mapping made, packed: which attributes it has and the flags'
//! values as bits, and its texts in one block. A desired user is held for the whole run, and
//! a map of owned entries cost ~500 bytes per user (a vector of 40-byte entries, a block per
//! text, the map's own block); packed they are ~200 (docs/benchmarks.md, issue 20).

use super::AttrValue;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The Winningtemp user attributes, sorted by name: an attribute's key is its place here, so
/// keys in order are names in order. `schema::target` describes each; a test there keeps the
/// two lists the same.
pub const ATTRIBUTE_NAMES: [&str; 16] = [
    "birthday",
    "email",
    "employed_since",
    "employed_until",
    "employee_number",
    "exclude_from_surveys",
    "external_id",
    "first_name",
    "gender",
    "last_name",
    "manager",
    "phone",
    "role",
    "status",
    "title",
    "username",
];

/// One bit per attribute, by key (`the_names_are_sorted_and_each_has_a_bit` keeps them within).
type Mask = u32;

/// A Winningtemp user attribute, by its place in [`ATTRIBUTE_NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttrKey(u8);

impl AttrKey {
    /// `username`, looked up for every user several times: by name, the binary search over
    /// the names and its text comparisons were ~4 % of a 100k plan's perf samples.
    pub const USERNAME: AttrKey = AttrKey::named("username");
    /// `email`, like `username`.
    pub const EMAIL: AttrKey = AttrKey::named("email");

    /// The key of `name`, found when compiling: a name that is not in the list does not
    /// compile.
    const fn named(name: &str) -> AttrKey {
        let mut place = 0;
        while place < ATTRIBUTE_NAMES.len() {
            if same_text(ATTRIBUTE_NAMES[place], name) {
                return AttrKey(place as u8);
            }
            place += 1;
        }
        panic!("not a Winningtemp user attribute")
    }

    /// The attribute called `name`, when Winningtemp has one.
    pub fn of(name: &str) -> Option<AttrKey> {
        let place = ATTRIBUTE_NAMES.binary_search(&name).ok()?;
        u8::try_from(place).ok().map(AttrKey)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        ATTRIBUTE_NAMES[usize::from(self.0)]
    }

    fn bit(self) -> Mask {
        1 << self.0
    }
}

/// `a == b`, for constants (`==` on text is not `const`).
const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
}

/// A name that is not a Winningtemp user attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Winningtemp user attribute")]
pub struct UnknownAttribute(pub String);

/// An attribute's value, borrowed from where it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum AttrRef<'a> {
    /// Text, dates and enum names.
    Text(&'a str),
    /// Flags.
    Bool(bool),
}

impl AttrRef<'_> {
    /// The value, owned.
    pub fn to_value(self) -> AttrValue {
        match self {
            AttrRef::Text(text) => AttrValue::Text(text.into()),
            AttrRef::Bool(flag) => AttrValue::Bool(flag),
        }
    }
}

impl<'a> From<&'a AttrValue> for AttrRef<'a> {
    fn from(value: &'a AttrValue) -> AttrRef<'a> {
        match value {
            AttrValue::Text(text) => AttrRef::Text(text),
            AttrValue::Bool(flag) => AttrRef::Bool(*flag),
        }
    }
}

impl PartialEq<AttrValue> for AttrRef<'_> {
    fn eq(&self, other: &AttrValue) -> bool {
        *self == AttrRef::from(other)
    }
}

impl std::fmt::Display for AttrRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrRef::Text(text) => f.write_str(text),
            AttrRef::Bool(flag) => write!(f, "{flag}"),
        }
    }
}

/// A mapped user's attributes: at most one value per Winningtemp attribute, read in name
/// order. Made once (by the evaluator, or from a plan's JSON) and then only read.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct MappedAttributes {
    /// One bit per attribute held, by key.
    present: Mask,
    /// Of those, the ones holding a flag.
    flags: Mask,
    /// The flags' values.
    set: Mask,
    /// The texts, in key order, one after the other.
    texts: Box<str>,
    /// Where each text ends in `texts`.
    ends: Box<[u32]>,
}

impl MappedAttributes {
    /// Attributes from (name, value) pairs in any order; a later pair for the same name
    /// replaces an earlier one.
    pub fn from_pairs<N: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, AttrValue)>,
    ) -> Result<MappedAttributes, UnknownAttribute> {
        let mut keyed = std::collections::BTreeMap::new();
        for (name, value) in pairs {
            let name = name.as_ref();
            let key = AttrKey::of(name).ok_or_else(|| UnknownAttribute(name.to_owned()))?;
            keyed.insert(key, value);
        }
        let mut packer = Packer::with_capacity(keyed.len(), keyed.values().map(text_len).sum());
        for (key, value) in &keyed {
            packer.push(*key, value.into());
        }
        Ok(packer.finish())
    }

    /// The value of attribute `name`.
    pub fn get(&self, name: &str) -> Option<AttrRef<'_>> {
        self.get_key(AttrKey::of(name)?)
    }

    /// The value of attribute `key`.
    pub fn get_key(&self, key: AttrKey) -> Option<AttrRef<'_>> {
        let bit = key.bit();
        if self.present & bit == 0 {
            return None;
        }
        if self.flags & bit != 0 {
            return Some(AttrRef::Bool(self.set & bit != 0));
        }
        let texts_before = (self.present & !self.flags & (bit - 1)).count_ones() as usize;
        Some(AttrRef::Text(self.text_at(texts_before)))
    }

    /// Attribute `name`, when it is text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.text_of(AttrKey::of(name)?)
    }

    /// Attribute `key`, when it is text.
    pub fn text_of(&self, key: AttrKey) -> Option<&str> {
        match self.get_key(key)? {
            AttrRef::Text(text) => Some(text),
            AttrRef::Bool(_) => None,
        }
    }

    /// True when attribute `name` has a value.
    pub fn contains(&self, name: &str) -> bool {
        AttrKey::of(name).is_some_and(|key| self.present & key.bit() != 0)
    }

    /// Each attribute with its value, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, AttrRef<'_>)> + '_ {
        self.entries().map(|(key, value)| (key.name(), value))
    }

    /// Each attribute's key with its value, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (AttrKey, AttrRef<'_>)> + '_ {
        let mut texts = 0;
        self.keys().map(move |key| {
            let value = if self.flags & key.bit() != 0 {
                AttrRef::Bool(self.set & key.bit() != 0)
            } else {
                texts += 1;
                AttrRef::Text(self.text_at(texts - 1))
            };
            (key, value)
        })
    }

    /// The attributes held, sorted by name.
    pub fn keys(&self) -> impl Iterator<Item = AttrKey> + use<> {
        let mut left = self.present;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            let place = u8::try_from(left.trailing_zeros()).ok()?;
            left &= left - 1;
            Some(AttrKey(place))
        })
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.present.count_ones() as usize
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }

    /// The attributes as a map of their own (a copy).
    pub fn to_attributes(&self) -> super::Attributes {
        self.iter()
            .map(|(name, value)| (Cow::Borrowed(name), value.to_value()))
            .collect()
    }

    /// Sets attribute `name` to `value` (made again whole: for tests and tools, the evaluator
    /// packs a user once).
    pub fn set(&mut self, name: &str, value: AttrValue) -> Result<(), UnknownAttribute> {
        let mut pairs = self.to_attributes();
        pairs.insert(Cow::Owned(name.to_owned()), value);
        *self = MappedAttributes::from_pairs(pairs)?;
        Ok(())
    }

    /// Text number `n` (0-based) in `texts`. Always a whole text: the ends are where pushed
    /// texts ended, so on character boundaries.
    fn text_at(&self, n: usize) -> &str {
        let end = |n: usize| self.ends.get(n).map_or(0, |end| *end as usize);
        let start = if n == 0 { 0 } else { end(n - 1) };
        self.texts.get(start..end(n)).unwrap_or_default()
    }
}

fn text_len(value: &AttrValue) -> usize {
    match value {
        AttrValue::Text(text) => text.len(),
        AttrValue::Bool(_) => 0,
    }
}

/// Packs attributes pushed in key order into [`MappedAttributes`].
#[derive(Debug, Default)]
pub struct Packer {
    present: Mask,
    flags: Mask,
    set: Mask,
    texts: String,
    ends: Vec<u32>,
}

impl Packer {
    /// A packer with room for `texts` texts of `text_bytes` bytes in all, so that packing
    /// copies each text once and allocates both blocks at their size.
    pub fn with_capacity(texts: usize, text_bytes: usize) -> Packer {
        Packer {
            texts: String::with_capacity(text_bytes),
            ends: Vec::with_capacity(texts),
            ..Packer::default()
        }
    }

    /// Adds attribute `key`; keys come in ascending order, each once (a key not above the last
    /// one pushed is ignored: the evaluator's places are sorted and unique).
    pub fn push(&mut self, key: AttrKey, value: AttrRef<'_>) {
        let bit = key.bit();
        debug_assert!(self.present < bit, "attribute keys pushed out of order");
        if self.present >= bit {
            return;
        }
        self.present |= bit;
        match value {
            AttrRef::Bool(flag) => {
                self.flags |= bit;
                if flag {
                    self.set |= bit;
                }
            }
            AttrRef::Text(text) => {
                self.texts.push_str(text);
                // A user's texts come from one record, read whole into memory: they never
                // reach 4 GiB. Were they to, the text reads as empty rather than wrong.
                self.ends
                    .push(u32::try_from(self.texts.len()).unwrap_or(u32::MAX));
            }
        }
    }

    /// The packed attributes.
    pub fn finish(self) -> MappedAttributes {
        MappedAttributes {
            present: self.present,
            flags: self.flags,
            set: self.set,
            texts: self.texts.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        }
    }
}

impl std::fmt::Debug for MappedAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for MappedAttributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for MappedAttributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = std::collections::BTreeMap::<String, AttrValue>::deserialize(deserializer)?;
        MappedAttributes::from_pairs(pairs).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "mapped_attributes_tests.rs"]
mod tests;
