//! `wtmap profile`: what an HR export holds, field by field, before a mapping is written.
//!
//! Records are read by the same readers `plan` uses ([`crate::records`]: every format, every
//! source kind's envelope). Each record is folded into an accumulator on the thread that read
//! it; the accumulators are merged at the end, so the result does not depend on how the file
//! was split. For every field (nested objects as dotted paths): how often it is filled, how
//! many distinct values it has (counted up to [`DISTINCT_CAP`], then "at least"), the most
//! common values, the type every value fits, whether it is unique, and hints for a mapping.
//! [`draft`] turns a profile into a draft mapping (`wtmap init`).

pub mod draft;
pub mod infer;
pub mod render;

use crate::records::{Fields, FlatValue, Numbered, ReadOptions, Record, RecordRef, RecordsError};
use foldhash::{HashMap, HashSet};
use serde::Serialize;
use serde_json::Value as Json;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Mutex;

/// The version tag of the JSON profile (`docs/profile-init.md`).
pub const PROFILE_FORMAT: &str = "wtmap.profile/v1";

/// Distinct values counted per field; past it the count is a lower bound and no top values are
/// shown (memory stays bounded whatever the export).
pub const DISTINCT_CAP: usize = 10_000;

/// Values repeated beyond the cap while uniqueness is still tracked: past this many, a field is
/// simply "not unique" and its hashes are dropped.
const DUPLICATE_BUDGET: u64 = 1_000;

/// Most common values listed per field.
pub const TOP_VALUES: usize = 10;

/// The profile of a records file.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Always [`PROFILE_FORMAT`].
    pub format: &'static str,
    /// The source kind the records were read as.
    pub source: String,
    /// The records file as given.
    pub records_file: String,
    /// Number of records.
    pub records: u64,
    /// Every field seen, in the order fields first appear in records.
    pub fields: Vec<FieldProfile>,
}

/// One field of a profile.
#[derive(Debug, Clone, Serialize)]
pub struct FieldProfile {
    /// Dotted path (`department.name`).
    pub path: String,
    /// Records where it holds a value (not missing, `null`, blank text or an empty list).
    pub filled: u64,
    /// `filled` / records, 0 to 1.
    pub fill_rate: f64,
    /// Distinct values (exact when `distinct_exact`, else at least this many).
    pub distinct: u64,
    /// Whether `distinct` is exact.
    pub distinct_exact: bool,
    /// Filled in every record with no value twice.
    pub unique: bool,
    /// Records whose value an earlier record already had (filled − distinct), when known.
    pub duplicates: Option<u64>,
    /// The most common values with their counts (most common first); empty past the cap.
    pub top: Vec<TopValue>,
    /// The type every filled value fits.
    #[serde(rename = "type")]
    pub ty: InferredType,
    /// Hints for a mapping.
    pub hints: Vec<String>,
}

/// A value and how many records have it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TopValue {
    /// The value as text (numbers and booleans written out).
    pub value: String,
    /// Records with it.
    pub count: u64,
}

/// The inferred type of a field.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InferredType {
    /// `text`, `int`, `decimal`, `bool`, `date`, `list` or `empty` (never filled).
    pub base: &'static str,
    /// Empty in some record.
    pub optional: bool,
    /// For `date`: every format that parses every value (ISO 8601 is `%Y-%m-%d`).
    pub date_formats: Vec<&'static str>,
    /// For text that is mostly dates: the format most values parse with, and how many do.
    pub mostly_date: Option<MostlyDate>,
    /// Every value looks like an email address.
    pub email_like: bool,
}

/// A text field most of whose values are dates in one format.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MostlyDate {
    /// The format.
    pub format: &'static str,
    /// Values it parses.
    pub parsed: u64,
    /// Up to five values it does not parse.
    pub others: Vec<String>,
}

impl InferredType {
    /// The type as a `fields` declaration writes it: `date("%d.%m.%Y")?`, `text`.
    pub fn declaration(&self) -> String {
        let base = match self.base {
            "date" => match self.date_formats.first() {
                Some(&f) if f != infer::DATE_FORMATS[infer::ISO] => format!("date(\"{f}\")"),
                _ => "date".to_string(),
            },
            "int" => "int".into(),
            "decimal" => "decimal".into(),
            "bool" => "bool".into(),
            "list" => "list<text>".into(),
            _ => "text".into(),
        };
        if self.optional {
            format!("{base}?")
        } else {
            base
        }
    }
}

/// Reads a records file with the readers `plan` uses and profiles it.
pub fn profile_file(
    path: &Path,
    opts: &ReadOptions,
    source: &str,
) -> Result<Profile, RecordsError> {
    let pool: Mutex<Vec<Accumulator>> = Mutex::new(Vec::new());
    crate::records::read_file_map(path, opts, &|record| {
        // Nothing panics while the pool is locked; were it poisoned, its contents are still
        // whole accumulators, so they are used as they are rather than lost.
        let lock = || {
            pool.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let mut acc = lock().pop().unwrap_or_default();
        acc.add(record);
        lock().push(acc);
        Seen
    })?;
    let accs = pool
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(finish(accs, source, &path.display().to_string()))
}

/// Profiles records already read (for `init`, which also needs a real record for its test).
pub fn profile_records(records: &[Record], source: &str, records_file: &str) -> Profile {
    let mut acc = Accumulator::default();
    for r in records {
        acc.add(r.as_ref());
    }
    finish(vec![acc], source, records_file)
}

/// What the reader keeps per record: nothing (the record went into an accumulator).
struct Seen;

impl Numbered for Seen {
    fn renumber(&mut self, _by: usize) {}
}

/// How much a field keeps: distinct values counted, and repeats tolerated past that while
/// uniqueness is still tracked. Small in tests, to cross both limits with few records.
#[derive(Debug, Clone, Copy)]
struct Limits {
    cap: usize,
    budget: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cap: DISTINCT_CAP,
            budget: DUPLICATE_BUDGET,
        }
    }
}

/// Fields of some records, folded.
#[derive(Default)]
struct Accumulator {
    limits: Limits,
    records: u64,
    fields: HashMap<String, FieldAcc>,
    /// The path of the object being walked, and each key's index within its object.
    path: String,
    at: Vec<usize>,
}

#[derive(Default)]
struct FieldAcc {
    /// Smallest position of the field within a record, as the index of each key along its
    /// path (its place in file order, whatever other records hold).
    position: Vec<usize>,
    filled: u64,
    int: u64,
    decimal: u64,
    bool: u64,
    email: u64,
    list: u64,
    dates: [u64; infer::DATE_FORMATS.len()],
    values: HashMap<Box<str>, u64>,
    overflow: bool,
    /// Once past the cap, while duplicates are few: the hash of every distinct value.
    hashes: Option<HashSet<u64>>,
    /// Past the cap: values that repeated one seen before (while `hashes` is kept).
    repeats: u64,
}

/// A fixed hasher for uniqueness: the same value hashes the same in every accumulator.
fn value_hash(s: &str) -> u64 {
    foldhash::quality::FixedState::with_seed(0x77746d6170).hash_one(s)
}

impl Accumulator {
    fn add(&mut self, record: RecordRef<'_>) {
        self.records += 1;
        let limits = self.limits;
        match record.fields {
            Fields::Map(map) => {
                for (i, (k, v)) in map.iter().enumerate() {
                    self.add_json(i, k, v);
                }
            }
            Fields::Flat(fields) => {
                for (i, (k, v)) in fields.iter().enumerate() {
                    match v {
                        FlatValue::Text(t) => {
                            self.at.push(i);
                            self.field(k).add_text(t, 1, limits);
                            self.at.pop();
                        }
                        FlatValue::Json(j) => self.add_json(i, k, j),
                    }
                }
            }
        }
    }

    /// The field `key` of the object being walked; `self.at` ends with the key's index.
    fn field(&mut self, key: &str) -> &mut FieldAcc {
        let at = &self.at;
        let field = if self.path.is_empty() {
            if !self.fields.contains_key(key) {
                self.fields.insert(key.to_owned(), FieldAcc::default());
            }
            self.fields.get_mut(key)
        } else {
            let len = self.path.len();
            self.path.push('.');
            self.path.push_str(key);
            if !self.fields.contains_key(&self.path) {
                self.fields.insert(self.path.clone(), FieldAcc::default());
            }
            let field = self.fields.get_mut(&self.path);
            self.path.truncate(len);
            field
        };
        let field = field.unwrap_or_else(|| unreachable!("inserted above"));
        if field.position.is_empty() || at.as_slice() < field.position.as_slice() {
            field.position.clone_from(at);
        }
        field
    }

    fn add_json(&mut self, index: usize, key: &str, value: &Json) {
        let limits = self.limits;
        self.at.push(index);
        if let Json::Object(map) = value {
            // An object's members are fields of their own; the object itself is not listed
            // (an empty or `null` one leaves its members unfilled).
            let len = self.path.len();
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(key);
            for (i, (k, v)) in map.iter().enumerate() {
                self.add_json(i, k, v);
            }
            self.path.truncate(len);
            self.at.pop();
            return;
        }
        let field = self.field(key);
        match value {
            Json::Null | Json::Object(_) => {}
            Json::String(s) => field.add_text(s, 1, limits),
            Json::Bool(b) => {
                field.bool += 1;
                field.add_value(if *b { "true" } else { "false" }, 1, limits);
            }
            Json::Number(n) => {
                if n.is_i64() || n.is_u64() {
                    field.int += 1;
                }
                field.decimal += 1;
                field.add_value(&n.to_string(), 1, limits);
            }
            Json::Array(items) => {
                if !items.is_empty() {
                    field.list += 1;
                    let text = items
                        .iter()
                        .map(|i| match i {
                            Json::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    field.add_value(&text, 1, limits);
                }
            }
        }
        self.at.pop();
    }

    fn merge(&mut self, other: Accumulator) {
        self.records += other.records;
        for (path, f) in other.fields {
            match self.fields.get_mut(&path) {
                Some(mine) => mine.merge(f, self.limits),
                None => {
                    self.fields.insert(path, f);
                }
            }
        }
    }
}

impl FieldAcc {
    fn add_text(&mut self, text: &str, n: u64, limits: Limits) {
        let s = text.trim();
        if s.is_empty() {
            return;
        }
        if infer::is_int(s) {
            self.int += n;
        }
        if infer::is_decimal(s) {
            self.decimal += n;
        }
        if infer::is_bool_word(s) {
            self.bool += n;
        }
        if infer::is_email_like(s) {
            self.email += n;
        }
        if s.len() >= 10 && s.as_bytes()[0].is_ascii_digit() {
            for (i, count) in self.dates.iter_mut().enumerate() {
                if infer::parse_date(s, i).is_some() {
                    *count += n;
                }
            }
        }
        self.add_value(text, n, limits);
    }

    /// Counts one filled value (`n` times) for fill, distinct counts, top values and
    /// uniqueness.
    fn add_value(&mut self, value: &str, n: u64, limits: Limits) {
        self.filled += n;
        if let Some(count) = self.values.get_mut(value) {
            *count += n;
            if self.overflow {
                self.repeat(n, limits);
            }
            return;
        }
        if !self.overflow {
            if self.values.len() < limits.cap {
                self.values.insert(value.into(), n);
                return;
            }
            self.past_cap(limits);
        }
        if let Some(hashes) = &mut self.hashes {
            let fresh = hashes.insert(value_hash(value));
            self.repeat(if fresh { n - 1 } else { n }, limits);
        }
    }

    /// From here on only the counted values are counted; uniqueness goes on by hashes while
    /// repeats are few.
    fn past_cap(&mut self, limits: Limits) {
        self.overflow = true;
        let seen: u64 = self.values.values().sum();
        self.repeats = seen - self.values.len() as u64;
        self.hashes = (self.repeats <= limits.budget)
            .then(|| self.values.keys().map(|k| value_hash(k)).collect());
    }

    fn repeat(&mut self, n: u64, limits: Limits) {
        if self.hashes.is_none() {
            return;
        }
        self.repeats += n;
        if self.repeats > limits.budget {
            self.hashes = None;
        }
    }

    fn merge(&mut self, other: FieldAcc, limits: Limits) {
        if self.position.is_empty()
            || (!other.position.is_empty() && other.position < self.position)
        {
            self.position = other.position;
        }
        self.int += other.int;
        self.decimal += other.decimal;
        self.bool += other.bool;
        self.email += other.email;
        self.list += other.list;
        for (a, b) in self.dates.iter_mut().zip(other.dates) {
            *a += b;
        }
        // The other's counted values are replayed; past its cap, its hashes (of values not
        // among its counted ones) are joined, or uniqueness is given up when it gave it up.
        let counted: HashSet<u64> = if other.overflow {
            other.values.keys().map(|k| value_hash(k)).collect()
        } else {
            HashSet::default()
        };
        let other_filled = other.filled;
        let counted_filled: u64 = other.values.values().sum();
        for (value, n) in other.values {
            self.add_value(&value, n, limits);
        }
        if other.overflow {
            // The union is past the cap too.
            if !self.overflow {
                self.past_cap(limits);
            }
            self.filled += other_filled - counted_filled;
            match (other.hashes, &mut self.hashes) {
                (Some(theirs), Some(_)) => {
                    // Past its cap the other side counted `theirs.len()` distinct values in
                    // `other_filled` records; those beyond its counted ones are joined here.
                    let uncounted_filled = other_filled - counted_filled;
                    let uncounted_distinct = (theirs.len() - counted.len()) as u64;
                    let mut repeats = uncounted_filled - uncounted_distinct;
                    for h in theirs.into_iter().filter(|h| !counted.contains(h)) {
                        let fresh = self.hashes.as_mut().is_some_and(|mine| mine.insert(h));
                        if !fresh {
                            repeats += 1;
                        }
                    }
                    self.repeat(repeats, limits);
                }
                _ => self.hashes = None,
            }
        }
    }

    fn finish(self, path: String, records: u64) -> FieldProfile {
        let filled = self.filled;
        let (distinct, distinct_exact) = match (&self.hashes, self.overflow) {
            (_, false) => (self.values.len() as u64, true),
            (Some(h), true) => (h.len() as u64, true),
            (None, true) => (self.values.len() as u64, false),
        };
        let duplicates = distinct_exact.then(|| filled - distinct);
        let unique = filled > 0 && filled == records && distinct_exact && distinct == filled;
        let mut top: Vec<TopValue> = if self.overflow {
            Vec::new()
        } else {
            self.values
                .iter()
                .map(|(v, c)| TopValue {
                    value: v.to_string(),
                    count: *c,
                })
                .collect()
        };
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        top.truncate(TOP_VALUES);
        let ty = self.infer(filled, records);
        let mut field = FieldProfile {
            path,
            filled,
            // Four decimals: enough for a percentage with two, and stable in snapshots.
            fill_rate: if records == 0 {
                0.0
            } else {
                (filled as f64 / records as f64 * 10_000.0).round() / 10_000.0
            },
            distinct,
            distinct_exact,
            unique,
            duplicates,
            top,
            ty,
            hints: Vec::new(),
        };
        field.hints = hints(&field, records);
        field
    }

    fn infer(&self, filled: u64, records: u64) -> InferredType {
        let optional = filled < records;
        let all = |n: u64| filled > 0 && n == filled;
        let mut ty = InferredType {
            base: "text",
            optional,
            date_formats: Vec::new(),
            mostly_date: None,
            email_like: all(self.email),
        };
        if filled == 0 {
            ty.base = "empty";
        } else if all(self.list) {
            ty.base = "list";
        } else if all(self.int) {
            ty.base = "int";
        } else if all(self.decimal) {
            ty.base = "decimal";
        } else if all(self.bool) {
            ty.base = "bool";
        } else if let Some(formats) = Some(
            infer::DATE_FORMATS
                .iter()
                .zip(self.dates)
                .filter(|(_, n)| all(*n))
                .map(|(f, _)| *f)
                .collect::<Vec<_>>(),
        ) && !formats.is_empty()
        {
            ty.base = "date";
            ty.date_formats = formats;
        } else if let Some((i, &parsed)) = self
            .dates
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            && parsed * 2 >= filled
            && parsed > 0
        {
            // Past the cap the counted values depend on the order records were read in: no
            // examples then.
            let counted = if self.overflow {
                None
            } else {
                Some(&self.values)
            };
            let mut others: Vec<String> = counted
                .into_iter()
                .flat_map(|values| values.keys())
                .filter(|v| infer::parse_date(v.trim(), i).is_none())
                .map(|v| v.to_string())
                .collect();
            others.sort();
            others.truncate(5);
            ty.mostly_date = Some(MostlyDate {
                format: infer::DATE_FORMATS[i],
                parsed,
                others,
            });
        }
        ty
    }
}

fn finish(accs: Vec<Accumulator>, source: &str, records_file: &str) -> Profile {
    let mut accs = accs.into_iter();
    let mut acc = accs.next().unwrap_or_default();
    for other in accs {
        acc.merge(other);
    }
    let records = acc.records;
    let mut refs = references(&acc.fields, records);
    // A `null` object (`"supervisor": null`) is counted as an unfilled field of its own; its
    // members say more, so it is listed only when it has none.
    let parents: HashSet<String> = acc
        .fields
        .keys()
        .filter_map(|p| p.rsplit_once('.').map(|(parent, _)| parent.to_string()))
        .flat_map(|parent| {
            let mut all = vec![parent.clone()];
            let mut p = parent.as_str();
            while let Some((up, _)) = p.rsplit_once('.') {
                all.push(up.to_string());
                p = up;
            }
            all
        })
        .collect();
    acc.fields
        .retain(|path, f| f.filled > 0 || !parents.contains(path));
    let mut fields: Vec<(Vec<usize>, FieldProfile)> = acc
        .fields
        .into_iter()
        .map(|(path, f)| {
            let reference = refs.remove(&path);
            let position = f.position.clone();
            let mut profile = f.finish(path, records);
            profile.hints.extend(reference);
            (position, profile)
        })
        .collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.path.cmp(&b.1.path)));
    let fields: Vec<FieldProfile> = fields.into_iter().map(|(_, f)| f).collect();
    Profile {
        format: PROFILE_FORMAT,
        source: source.to_string(),
        records_file: records_file.to_string(),
        records,
        fields,
    }
}

/// Words in field names that suggest a level of the organisation.
pub(crate) const HIERARCHY_WORDS: &[&str] = &[
    "office",
    "department",
    "team",
    "location",
    "division",
    "unit",
    "site",
    "region",
    "company",
    "förvaltning",
    "enhet",
    "avdelning",
    "kontor",
    "abteilung",
    "standort",
    "bereich",
    "cost",
    "kostnad",
];

/// Words in field names that suggest a gender.
const GENDER_WORDS: &[&str] = &["gender", "kön", "sex", "geschlecht", "kon"];

/// Values a gender code is made of.
const GENDER_VALUES: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "_",
    "m",
    "f",
    "w",
    "d",
    "x",
    "male",
    "female",
    "man",
    "woman",
    "kvinna",
    "mann",
    "frau",
    "diverse",
    "other",
    "unknown",
    "männlich",
    "weiblich",
];

/// Words in field names that suggest an identifier.
const ID_WORDS: &[&str] = &["id", "nummer", "number", "code", "key", "nr"];

/// Words in the path of a nested field that say it describes another person.
const PERSON_WORDS: &[&str] = &["supervisor", "manager", "person", "chef", "vorgesetzt"];

/// Named like an identifier (`Id`, `EmploymentNumber`, `Anställningsnummer`), or whole numbers.
fn id_like(f: &FieldProfile) -> bool {
    let name = f.path.rsplit('.').next().unwrap_or(&f.path).to_lowercase();
    (f.ty.base == "int" || ID_WORDS.iter().any(|w| name.ends_with(w)))
        && f.ty.mostly_date.is_none()
        && f.ty.base != "date"
}

fn name_has(path: &str, words: &[&str]) -> bool {
    let name = path.rsplit('.').next().unwrap_or(path).to_lowercase();
    words.iter().any(|w| name.contains(w))
}

fn hints(f: &FieldProfile, records: u64) -> Vec<String> {
    let mut out = Vec::new();
    if f.filled == 0 {
        out.push("never filled: nothing to map".to_string());
        return out;
    }
    if f.ty.email_like {
        match f.duplicates {
            Some(0) => out.push("email addresses, all different: a username and email candidate".into()),
            Some(d) if d * 10 <= f.filled => out.push(format!(
                "email addresses, {d} repeated: as the username, every record with a repeated address is quarantined (E0406)"
            )),
            Some(_) => out.push(format!(
                "email addresses shared by many records ({} different): someone else's, not a username",
                f.distinct
            )),
            None => out.push("email addresses: a username and email candidate".into()),
        }
    } else if f.unique && id_like(f) {
        out.push("unique and always filled: an external ID candidate".into());
    } else if f.unique && f.ty.base != "date" && f.ty.mostly_date.is_none() {
        out.push("unique and always filled".into());
    }
    let codes = f.distinct_exact
        && f.distinct <= 4
        && f.top
            .iter()
            .all(|t| GENDER_VALUES.contains(&t.value.to_lowercase().as_str()));
    if f.ty.base != "date"
        && (name_has(&f.path, GENDER_WORDS) && f.distinct <= 6
            || codes && f.distinct >= 2 && !matches!(f.ty.base, "bool"))
    {
        let values: Vec<&str> = f.top.iter().map(|t| t.value.as_str()).collect();
        out.push(format!(
            "{} values: {} — looks like a gender code",
            f.distinct,
            values.join(", ")
        ));
    }
    let low = f.distinct_exact
        && f.distinct >= 2
        && f.distinct * 3 <= f.filled.max(6)
        && f.ty.base == "text";
    let about_someone_else = f.path.rsplit_once('.').is_some_and(|(parent, _)| {
        let parent = parent.to_lowercase();
        PERSON_WORDS.iter().any(|w| parent.contains(w))
    });
    if low
        && !about_someone_else
        && !f.ty.email_like
        && (f.path.contains('.') || name_has(&f.path, HIERARCHY_WORDS))
    {
        let under = match f.path.rsplit_once('.') {
            Some((parent, _)) => format!(", nested under {parent}"),
            None => String::new(),
        };
        out.push(format!(
            "low cardinality ({} values){under}: a hierarchy level or segment?",
            f.distinct
        ));
    }
    if let Some(m) = &f.ty.mostly_date {
        out.push(format!(
            "{} of {} values are dates `{}`; the others ({}) would be quarantined (E0402) when read as dates",
            m.parsed,
            f.filled,
            m.format,
            m.others.join(", ")
        ));
    }
    if f.ty.base == "date" && f.ty.date_formats.len() > 1 {
        out.push(format!(
            "every value parses with each of {}: ambiguous, check which one HR means",
            f.ty.date_formats.join(", ")
        ));
    }
    if f.filled < records && f.filled * 10 >= records * 9 {
        out.push(format!(
            "filled in {} of {records} records: mark it optional (`?`) or skip the others",
            f.filled
        ));
    }
    out
}

/// Cross-field hints: a field whose values are values of a unique field (a manager ID that
/// points at employee IDs). Computed from the counted values before they are dropped.
fn references(fields: &HashMap<String, FieldAcc>, records: u64) -> HashMap<String, String> {
    let mut keys: Vec<(&str, HashSet<u64>)> = Vec::new();
    for (path, f) in fields {
        let all_filled = f.filled == records && f.filled > 0;
        let set: Option<HashSet<u64>> = match (&f.hashes, f.overflow) {
            (_, false) if f.values.len() as u64 == f.filled => {
                Some(f.values.keys().map(|k| value_hash(k)).collect())
            }
            (Some(h), true) if h.len() as u64 == f.filled => Some(h.clone()),
            _ => None,
        };
        let id_named = {
            let name = path.rsplit('.').next().unwrap_or(path).to_lowercase();
            ID_WORDS.iter().any(|w| name.ends_with(w)) || f.int == f.filled
        };
        if let Some(set) = set.filter(|_| all_filled && id_named && f.email * 2 < f.filled) {
            keys.push((path, set));
        }
    }
    keys.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = HashMap::default();
    for (path, f) in fields {
        if f.overflow || f.values.is_empty() || f.filled == records {
            continue;
        }
        for (key, set) in &keys {
            if *key == path {
                continue;
            }
            let found = f
                .values
                .keys()
                .filter(|v| set.contains(&value_hash(v)))
                .count();
            if found * 2 >= f.values.len() && found > 0 {
                out.insert(
                    path.clone(),
                    format!(
                        "{found} of its {} values are `{key}` values of other records: a manager (or other person) reference",
                        f.values.len()
                    ),
                );
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Origin, Record};
    use proptest::prelude::*;
    use serde_json::json;

    fn record(v: Json) -> Record {
        Record {
            fields: v.as_object().cloned().unwrap_or_default(),
            origin: Origin {
                index: 0,
                line: None,
            },
        }
    }

    fn profile_with(records: &[Record], limits: Limits, parts: &[usize]) -> Profile {
        // Cut the records into pieces at `parts`, fold each piece, merge in reverse order (the
        // reader's pool hands accumulators back in any order).
        let mut accs = Vec::new();
        let mut start = 0;
        let mut cuts: Vec<usize> = parts.iter().map(|p| p % (records.len() + 1)).collect();
        cuts.push(records.len());
        cuts.sort_unstable();
        for cut in cuts {
            let mut acc = Accumulator {
                limits,
                ..Accumulator::default()
            };
            for r in &records[start..cut.max(start)] {
                acc.add(r.as_ref());
            }
            start = cut.max(start);
            accs.push(acc);
        }
        accs.reverse();
        finish(accs, "json", "x.json")
    }

    fn field<'p>(p: &'p Profile, path: &str) -> &'p FieldProfile {
        p.fields.iter().find(|f| f.path == path).unwrap()
    }

    #[test]
    fn fields_in_file_order_with_nested_paths_fill_and_types() {
        let records = vec![
            record(
                json!({"Id": "1", "Mail": "a@x.example", "Born": "24.12.1980", "Org": {"Office": "Sthlm", "Code": 7}, "Tags": ["a"]}),
            ),
            record(
                json!({"Id": "2", "Mail": "b@x.example", "Born": "01.02.1990", "Org": null, "Active": true}),
            ),
            record(
                json!({"Id": "3", "Mail": "", "Born": "1985-03-12", "Org": {"Office": "Sthlm", "Code": 8}}),
            ),
        ];
        let p = profile_with(&records, Limits::default(), &[]);
        let paths: Vec<&str> = p.fields.iter().map(|f| f.path.as_str()).collect();
        // `Tags` and `Active` are both the fifth key of a record: a tie, broken by name.
        assert_eq!(
            paths,
            [
                "Id",
                "Mail",
                "Born",
                "Org.Office",
                "Org.Code",
                "Active",
                "Tags"
            ]
        );
        let id = field(&p, "Id");
        assert!(id.unique && id.ty.base == "int" && !id.ty.optional);
        assert!(
            id.hints.iter().any(|h| h.contains("external ID")),
            "{:?}",
            id.hints
        );
        let mail = field(&p, "Mail");
        assert_eq!(
            (mail.filled, mail.ty.email_like, mail.ty.optional),
            (2, true, true)
        );
        let born = field(&p, "Born");
        let mostly = born.ty.mostly_date.as_ref().unwrap();
        assert_eq!((mostly.format, mostly.parsed), ("%d.%m.%Y", 2));
        assert_eq!(mostly.others, ["1985-03-12"]);
        assert_eq!(
            field(&p, "Org.Office").top,
            [TopValue {
                value: "Sthlm".into(),
                count: 2
            }]
        );
        assert_eq!(field(&p, "Org.Code").ty.base, "int");
        assert_eq!(field(&p, "Tags").ty.base, "list");
        assert_eq!(field(&p, "Active").ty.base, "bool");
        assert_eq!(born.ty.declaration(), "text");
        assert_eq!(field(&p, "Org.Office").ty.declaration(), "text?");
    }

    #[test]
    fn a_date_field_lists_every_format_that_reads_all_values() {
        let records = vec![
            record(json!({"D": "01/02/2020"})),
            record(json!({"D": "03/04/2021"})),
        ];
        let p = profile_with(&records, Limits::default(), &[]);
        let d = field(&p, "D");
        assert_eq!(d.ty.date_formats, ["%d/%m/%Y", "%m/%d/%Y"]);
        assert_eq!(d.ty.declaration(), "date(\"%d/%m/%Y\")");
        assert!(d.hints.iter().any(|h| h.contains("ambiguous")));
    }

    #[test]
    fn past_the_cap_distinct_is_a_lower_bound_but_uniqueness_is_kept() {
        let records: Vec<Record> = (0..50)
            .map(|i| record(json!({"Id": format!("e{i}"), "Office": format!("o{}", i % 3), "Day": format!("d{}", i % 20)})))
            .collect();
        let limits = Limits { cap: 10, budget: 5 };
        let p = profile_with(&records, limits, &[]);
        let id = field(&p, "Id");
        assert!(
            id.unique && id.distinct_exact && id.distinct == 50,
            "{id:?}"
        );
        assert!(id.top.is_empty());
        let office = field(&p, "Office");
        assert!(office.distinct_exact && office.distinct == 3);
        let day = field(&p, "Day");
        assert!(
            !day.distinct_exact && day.distinct == 10 && !day.unique,
            "{day:?}"
        );
        assert_eq!(day.duplicates, None);
    }

    #[test]
    fn a_manager_field_is_recognised_by_its_values() {
        let records: Vec<Record> = (0..6)
            .map(|i| record(json!({"Id": format!("{i}"), "Boss": if i == 0 { Json::Null } else { json!(format!("{}", i / 3)) }})))
            .collect();
        let p = profile_with(&records, Limits::default(), &[]);
        let boss = field(&p, "Boss");
        assert!(
            boss.hints.iter().any(|h| h.contains("`Id` values")),
            "{:?}",
            boss.hints
        );
    }

    proptest! {
        /// However the records are split among readers and merged, the profile is the same:
        /// fill, distinct counts (exact or not), uniqueness, top values, types and hints.
        #[test]
        fn the_profile_does_not_depend_on_how_the_file_was_split(
            rows in proptest::collection::vec(
                (0u8..40, proptest::option::of(0u8..6), proptest::option::of("[0-3][0-9]\\.0[1-9]\\.19[89][0-9]")),
                1..60,
            ),
            parts in proptest::collection::vec(0usize..61, 0..5),
            cap in 1usize..12,
            budget in 0u64..8,
        ) {
            let records: Vec<Record> = rows
                .iter()
                .enumerate()
                .map(|(i, (v, o, d))| record(json!({
                    "Id": format!("{i}"),
                    "V": format!("v{v}"),
                    "O": o.map(|o| format!("o{o}")),
                    "D": d,
                })))
                .collect();
            let limits = Limits { cap, budget };
            let whole = serde_json::to_value(profile_with(&records, limits, &[])).unwrap();
            let split = serde_json::to_value(profile_with(&records, limits, &parts)).unwrap();
            prop_assert_eq!(whole, split);
        }
    }
}
