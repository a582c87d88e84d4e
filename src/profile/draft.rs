//! `wtmap init`: a draft mapping from a profile of the customer's first export.
//!
//! Every decision is taken from evidence in the profile (fill rates, values seen, uniqueness,
//! which field's values are another field's IDs) and written as a comment above the statement
//! it made, so the consultant reviews reasons, not guesses. The draft is kept on the safe side
//! of each choice: a field is mandatory only when every record has it, a date format is one
//! that every value (or all but a few named ones) parses with, a value map always ends in `_`,
//! and the hierarchy uses derived team IDs (never codes that might repeat). The text is run
//! through the formatter, so it is laid out like every other mapping.

use super::{FieldProfile, Profile, infer};
use crate::connectors::{connector, source_kind};
use crate::records::Record;
use crate::schema::SourceKind;
use crate::source::SourceFile;
use std::fmt::Write as _;

/// Where the draft sends people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftTarget {
    /// `winningtemp.files`: teams with parents, segments, every attribute.
    Files,
    /// `winningtemp.scim`: flat teams, names, email, external ID and status.
    Scim,
}

/// What a draft is made from.
pub struct DraftInput<'a> {
    /// The profile of the export.
    pub profile: &'a Profile,
    /// The export's records (one becomes the draft's test).
    pub records: &'a [Record],
    /// The target.
    pub target: DraftTarget,
    /// For file sources: the `path` setting (the records file relative to the mapping).
    pub path: Option<String>,
    /// For csv sources: the delimiter given on the command line.
    pub delimiter: Option<char>,
    /// The encoding given on the command line.
    pub encoding: Option<&'a str>,
}

/// Why no draft could be made.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The source kind is not known.
    #[error("unknown source kind `{0}`")]
    UnknownKind(String),
    /// The export has no records.
    #[error("the records file holds no records; a draft needs at least one")]
    NoRecords,
    /// The formatter refused the draft (a bug: the text is shown).
    #[error("the draft could not be formatted ({0}); this is a bug in `wtmap init`")]
    Format(String),
}

/// The roles the draft gave to fields.
#[derive(Debug, Default)]
struct Roles<'p> {
    external_id: Option<&'p FieldProfile>,
    email: Option<&'p FieldProfile>,
    first: Option<&'p FieldProfile>,
    last: Option<&'p FieldProfile>,
    display: Option<&'p FieldProfile>,
    gender: Option<&'p FieldProfile>,
    status: Option<&'p FieldProfile>,
    birthday: Option<&'p FieldProfile>,
    start: Option<&'p FieldProfile>,
    end: Option<&'p FieldProfile>,
    manager: Option<&'p FieldProfile>,
    levels: Vec<&'p FieldProfile>,
}

/// A name normalised for matching: lower case, without `_`, `-`, spaces and dots.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The last segment of a path, normalised.
fn leaf(f: &FieldProfile) -> String {
    norm(f.path.rsplit('.').next().unwrap_or(&f.path))
}

/// A field nested under another person (`supervisor.email`, `manager.person.id`).
fn about_someone_else(f: &FieldProfile) -> bool {
    f.path.rsplit_once('.').is_some_and(|(parent, _)| {
        let p = parent.to_lowercase();
        ["supervisor", "manager", "person", "chef", "vorgesetzt"]
            .iter()
            .any(|w| p.contains(w))
    })
}

fn is_date(f: &FieldProfile) -> bool {
    f.ty.base == "date" || f.ty.mostly_date.is_some()
}

/// The first field, in profile order, that is filled, not about someone else, passes `ok`, and
/// whose name contains one of `words` (earlier words win).
fn by_words<'p>(
    fields: &'p [FieldProfile],
    words: &[&str],
    ok: impl Fn(&FieldProfile) -> bool,
) -> Option<&'p FieldProfile> {
    words.iter().find_map(|w| {
        fields
            .iter()
            .find(|f| f.filled > 0 && !about_someone_else(f) && ok(f) && leaf(f).contains(w))
    })
}

fn roles<'p>(p: &'p Profile, kind: &SourceKind) -> Roles<'p> {
    let fields = &p.fields;
    let mut r = Roles::default();
    // The external ID: the kind's documented key, else a unique, always filled ID-like field.
    let known = connector(kind.name).map(|c| c.external_id);
    r.external_id = known
        .and_then(|k| fields.iter().find(|f| f.path == k && f.filled > 0))
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.unique && f.hints.iter().any(|h| h.contains("external ID")))
        })
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.unique && !f.ty.email_like && !is_date(f))
        });
    // The email: email-like, most often filled, a work address before a private one.
    let mut emails: Vec<&FieldProfile> = fields
        .iter()
        .filter(|f| f.ty.email_like && !about_someone_else(f))
        .filter(|f| {
            let n = leaf(f);
            !["private", "privat", "personal"]
                .iter()
                .any(|w| n.contains(w))
        })
        .collect();
    emails.sort_by_key(|f| std::cmp::Reverse(f.filled));
    r.email = emails.first().copied();
    let text = |f: &FieldProfile| !is_date(f) && !f.ty.email_like;
    r.first = by_words(
        fields,
        &[
            "firstname",
            "givenname",
            "förnamn",
            "fornamn",
            "vorname",
            "first",
        ],
        text,
    );
    r.last = by_words(
        fields,
        &[
            "lastname",
            "familyname",
            "surname",
            "efternamn",
            "nachname",
            "last",
        ],
        |f| text(f) && !leaf(f).contains("modified") && !leaf(f).contains("working"),
    );
    if r.first.is_none() || r.last.is_none() {
        r.first = None;
        r.last = None;
        r.display = by_words(fields, &["displayname", "fullname", "namn"], text)
            .or_else(|| fields.iter().find(|f| leaf(f) == "name" && f.filled > 0));
    }
    r.gender = fields
        .iter()
        .find(|f| !about_someone_else(f) && f.hints.iter().any(|h| h.contains("gender code")));
    r.status = fields.iter().find(|f| {
        leaf(f) == "status" && !about_someone_else(f) && f.distinct_exact && f.distinct <= 10
    });
    r.birthday = by_words(
        fields,
        &[
            "birth", "födelse", "fodelse", "geburt", "dob", "född", "fodd",
        ],
        is_date,
    );
    r.start = by_words(
        fields,
        &[
            "employmentstart",
            "startdate",
            "hiredate",
            "anställningsdatum",
            "anstallningsdatum",
            "eintritt",
            "start",
            "hire",
        ],
        is_date,
    );
    r.end = by_words(
        fields,
        &[
            "employmentend",
            "terminationdate",
            "enddate",
            "slutdatum",
            "austritt",
            "termination",
            "slut",
        ],
        is_date,
    );
    let key = r.external_id.map(|f| f.path.clone()).unwrap_or_default();
    r.manager = fields
        .iter()
        .find(|f| {
            f.hints
                .iter()
                .any(|h| h.contains(&format!("are `{key}` values")))
        })
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.hints.iter().any(|h| h.contains("a manager")))
        });
    // Hierarchy levels: named like a level, low cardinality; fewer values is higher up.
    let used: Vec<&str> = [
        r.external_id,
        r.email,
        r.first,
        r.last,
        r.display,
        r.gender,
        r.status,
    ]
    .iter()
    .flatten()
    .map(|f| f.path.as_str())
    .collect();
    let mut levels: Vec<&FieldProfile> = fields
        .iter()
        .filter(|f| f.hints.iter().any(|h| h.contains("hierarchy level")))
        .filter(|f| !used.contains(&f.path.as_str()) && !about_someone_else(f))
        .filter(|f| {
            let n = norm(&f.path);
            super::HIERARCHY_WORDS.iter().any(|w| n.contains(w))
        })
        .collect();
    levels.sort_by(|a, b| {
        a.distinct
            .cmp(&b.distinct)
            .then(b.filled.cmp(&a.filled))
            .then(a.path.cmp(&b.path))
    });
    levels.truncate(4);
    r.levels = levels;
    r
}

/// A field path as the language writes it: each segment bare when it is a plain identifier,
/// else in backticks.
pub fn path_syntax(path: &str) -> String {
    const RESERVED: &[&str] = &[
        "and", "or", "not", "in", "is", "empty", "if", "then", "else", "true", "false", "today",
    ];
    path.split('.')
        .map(|seg| {
            let mut chars = seg.chars();
            let plain = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
                && !RESERVED.contains(&seg);
            if plain {
                seg.to_string()
            } else {
                format!("`{}`", seg.replace('`', ""))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A comment of one or more lines, wrapped at 96 columns, indented by `indent`.
fn comment(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty()
            && indent.len() + 2 + line.chars().count() + 1 + word.chars().count() > 96
        {
            let _ = writeln!(out, "{indent}# {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}# {line}");
    }
    out
}

/// Text as a string literal.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn pct(f: &FieldProfile, records: u64) -> String {
    if f.filled == records {
        format!("filled in all {records} records")
    } else {
        format!("filled in {} of {records} records", f.filled)
    }
}

/// Values with counts for a comment: `"1" (23), "2" (18), "_" (1)`.
/// `STATEMENT from FIELD ARMS`, under a comment naming the values seen and what the arms not
/// listed do (`rest`).
fn value_map(out: &mut String, statement: &str, f: &FieldProfile, arms: &[String], rest: &str) {
    out.push_str(&comment(
        &format!("`{}` values seen: {}. {rest}", f.path, seen(f, 8)),
        "",
    ));
    let _ = writeln!(
        out,
        "{statement} from {} {}\n",
        path_syntax(&f.path),
        arms.join(" ")
    );
}

fn seen(f: &FieldProfile, max: usize) -> String {
    let mut parts: Vec<String> = f
        .top
        .iter()
        .take(max)
        .map(|t| format!("{} ({})", quote(&t.value), t.count))
        .collect();
    if f.distinct as usize > max {
        parts.push("…".into());
    }
    parts.join(", ")
}

/// The date format a draft declares for a date field, and the values it will not read.
fn date_format(f: &FieldProfile) -> (&'static str, Vec<String>) {
    match (&f.ty.mostly_date, f.ty.date_formats.first()) {
        (_, Some(&format)) => (format, Vec::new()),
        (Some(m), None) => (m.format, m.others.clone()),
        (None, None) => (infer::DATE_FORMATS[infer::ISO], Vec::new()),
    }
}

/// The Winningtemp gender a value stands for, when it says.
fn gender_of(value: &str) -> Option<&'static str> {
    match value.trim().to_lowercase().as_str() {
        "1" | "m" | "male" | "man" | "mann" | "männlich" | "herr" => Some("Male"),
        "2" | "f" | "w" | "k" | "female" | "woman" | "kvinna" | "frau" | "weiblich" => {
            Some("Female")
        }
        "d" | "x" | "diverse" | "divers" | "nonbinary" | "non-binary" | "annat" => {
            Some("NonBinary")
        }
        _ => None,
    }
}

/// The Winningtemp status a value of a status field stands for, when it says.
fn status_of(value: &str) -> Option<&'static str> {
    let v = value.trim().to_lowercase();
    if [
        "inactive",
        "terminated",
        "archived",
        "left",
        "ended",
        "onboarding",
        "invited",
    ]
    .iter()
    .any(|w| v == *w)
    {
        Some("Paused")
    } else if ["active", "leave", "employed", "aktiv"]
        .iter()
        .any(|w| v == *w)
    {
        Some("Active")
    } else {
        None
    }
}

/// A value-map pattern: digits bare (they match text of the same digits and numbers alike),
/// anything else quoted.
fn pattern(value: &str) -> String {
    let digits = !value.is_empty() && value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit());
    if digits && (value == "0" || !value.starts_with('0')) {
        value.to_string()
    } else {
        quote(value)
    }
}

/// A record's value at a dotted path, as text (numbers written out); `None` when empty.
fn value_at(record: &Record, path: &str) -> Option<String> {
    let segments: Vec<String> = path.split('.').map(String::from).collect();
    let v = crate::eval::read::lookup(&record.fields, &segments)?;
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// Makes the draft mapping's text, formatted.
pub fn draft(input: &DraftInput<'_>) -> Result<String, DraftError> {
    let p = input.profile;
    let kind = source_kind(&p.source).ok_or_else(|| DraftError::UnknownKind(p.source.clone()))?;
    if p.records == 0 {
        return Err(DraftError::NoRecords);
    }
    let n = p.records;
    let r = roles(p, kind);
    let scim = input.target == DraftTarget::Scim;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Draft mapping made by `wtmap init` from `{}` ({n} records of a `{}` source).",
        p.records_file, p.source
    );
    out.push_str(
        "# Each decision below says what in the export it rests on. Review every one, run\n\
         # `wtmap plan` over the export, and replace this header with the customer's story.\n\n",
    );

    // source
    let _ = writeln!(out, "source {} {{", kind.name);
    for s in kind.settings.iter().filter(|s| s.required) {
        let value = match (s.key, &input.path) {
            ("path", Some(path)) => quote(path),
            _ => match s.ty {
                crate::schema::SettingType::TextList => {
                    // Flex's `companies`: the company IDs the export holds.
                    let key = s.key.strip_suffix("ies").map_or_else(
                        || s.key.trim_end_matches('s').to_string(),
                        |stem| format!("{stem}y"),
                    );
                    let stem = norm(&key);
                    let values: Vec<String> = p
                        .fields
                        .iter()
                        .find(|f| {
                            leaf(f).starts_with(&stem) && f.distinct_exact && !f.top.is_empty()
                        })
                        .map(|f| f.top.iter().map(|t| quote(&t.value)).collect())
                        .unwrap_or_else(|| vec![quote("CHANGE-ME")]);
                    format!("[{}]  # as seen in the export", values.join(", "))
                }
                _ => format!(
                    "env({})",
                    quote(&format!("{}_{}", kind.name, s.key).to_uppercase())
                ),
            },
        };
        let _ = writeln!(out, "  {} = {value}", s.key);
    }
    let has = |key: &str| kind.settings.iter().any(|s| s.key == key);
    if let (Some(d), true) = (input.delimiter, has("delimiter")) {
        let d = if d == '\t' {
            "tab".to_string()
        } else {
            d.to_string()
        };
        let _ = writeln!(out, "  delimiter = {}", quote(&d));
    }
    if let (Some(e), true) = (input.encoding, has("encoding")) {
        let _ = writeln!(out, "  encoding = {}  # as given to `wtmap init`", quote(e));
    }
    out.push_str("}\n\n");

    // fields: every field the draft uses that is not built in, or whose optionality or date
    // format the export shows differently.
    let mut decls: Vec<(String, String, String)> = Vec::new();
    let mut declare = |f: &FieldProfile, as_date: bool, text_only: bool| {
        if decls
            .iter()
            .any(|(path, _, _)| *path == path_syntax(&f.path))
        {
            return;
        }
        let builtin = kind.field(&f.path);
        // The email is always optional: records without one are skipped, never quarantined.
        let optional = f.filled < n
            || builtin.is_some_and(|b| b.ty.is_optional())
            || r.email.is_some_and(|e| e.path == f.path);
        let (ty, why) = if as_date {
            let (format, others) = date_format(f);
            let ty = if format == infer::DATE_FORMATS[infer::ISO] {
                "date".to_string()
            } else {
                format!("date({})", quote(format))
            };
            let why = if others.is_empty() {
                format!("every value is a date `{format}`")
            } else {
                format!(
                    "dates `{format}`, except {}: those records are quarantined (E0402) until fixed",
                    others
                        .iter()
                        .map(|o| quote(o))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            (ty, why)
        } else {
            let ty = if text_only || !matches!(f.ty.base, "int" | "decimal" | "bool") {
                "text"
            } else {
                f.ty.base
            };
            (ty.to_string(), String::new())
        };
        if let Some(b) = builtin {
            // A built-in field is declared only to add a date format its readers lack.
            let (format, _) = date_format(f);
            let iso = format == infer::DATE_FORMATS[infer::ISO];
            let covered = b.date_formats.contains(&format)
                || iso && b.date_formats.iter().any(|d| d.starts_with("%Y-%m-%d"));
            if !as_date || b.date_formats.is_empty() || covered {
                return;
            }
        }
        let q = if optional { "?" } else { "" };
        let comment = if why.is_empty() {
            pct(f, n)
        } else {
            format!("{}; {why}", pct(f, n))
        };
        decls.push((path_syntax(&f.path), format!("{ty}{q}"), comment));
    };
    for f in [r.external_id, r.manager].into_iter().flatten() {
        declare(f, false, true);
    }
    for f in [r.email, r.first, r.last, r.display, r.gender, r.status]
        .into_iter()
        .flatten()
    {
        declare(f, false, true);
    }
    for f in [r.birthday, r.start, r.end].into_iter().flatten() {
        declare(f, true, false);
    }
    let levels: Vec<&FieldProfile> = if scim {
        r.levels.iter().take(1).copied().collect()
    } else {
        r.levels.clone()
    };
    for f in &levels {
        declare(f, false, true);
    }
    if !decls.is_empty() {
        out.push_str(
            "# The fields used below that the source kind does not define (or defines without\n\
             # the format this export uses). `?` marks a field some records lack.\n",
        );
        out.push_str("fields {\n");
        for (path, ty, c) in &decls {
            if c.chars().count() > 50 {
                out.push_str(&comment(c, "  "));
                let _ = writeln!(out, "  {path}: {ty}");
            } else {
                let _ = writeln!(out, "  {path}: {ty}  # {c}");
            }
        }
        out.push_str("}\n\n");
    }

    // target
    if scim {
        out.push_str(
            "# SCIM carries names, email, external ID and status; teams are flat.\n\
             target winningtemp.scim {\n  token = env(\"WT_SCIM_TOKEN\")\n}\n\n",
        );
    } else {
        out.push_str(
            "# The file integration carries the team hierarchy, birthdays, gender and dates.\n\
             target winningtemp.files {\n  dir = \"out/draft\"\n}\n\n",
        );
    }

    out.push_str(
        "# Users made by hand in Winningtemp before the integration are linked by email on the\n\
         # first run instead of being created twice; after that the external ID is the key.\n\
         match by external_id, email\n\n",
    );

    // user
    let mut user: Vec<(String, String, String)> = Vec::new();
    let mut attr = |a: &str, e: String, c: String| user.push((a.to_string(), e, c));
    match r.external_id {
        Some(f) => {
            let c = if f.unique {
                format!("unique and {}", pct(f, n))
            } else {
                format!("{}; NOT unique in this export: check it", pct(f, n))
            };
            let e = path_syntax(&f.path);
            let e = if f.filled < n || kind.field(&f.path).is_some_and(|b| b.ty.is_optional()) {
                format!("required({e})")
            } else {
                e
            };
            attr("external_id", e, c);
        }
        None => attr(
            "external_id",
            "required(id)".into(),
            "no unique, always filled field found: name the stable employee ID here".into(),
        ),
    }
    match r.email {
        Some(f) => {
            let e = path_syntax(&f.path);
            let dup = match f.duplicates {
                Some(0) | None => String::new(),
                Some(d) => format!(
                    "; {d} repeated, and every record with a repeated address is quarantined (E0406) until HR fixes it"
                ),
            };
            attr(
                "username",
                format!("lower(trim({e}))"),
                format!(
                    "email-like, {}{dup}; SSO matches on the username",
                    pct(f, n)
                ),
            );
            attr("email", format!("lower(trim({e}))"), String::new());
        }
        None => attr(
            "username",
            "required(email)".into(),
            "no email-like field found: name the login here".into(),
        ),
    }
    let name_expr = |f: &FieldProfile| {
        let e = path_syntax(&f.path);
        if f.filled < n || kind.field(&f.path).is_some_and(|b| b.ty.is_optional()) {
            format!("required({e})")
        } else {
            e
        }
    };
    if let (Some(first), Some(last)) = (r.first, r.last) {
        attr("first_name", name_expr(first), pct(first, n));
        attr("last_name", name_expr(last), pct(last, n));
    } else if let Some(d) = r.display {
        let e = name_expr(d);
        attr(
            "first_name",
            format!("given_name({e})"),
            format!("one name field, `{}`: split in two", d.path),
        );
        attr(
            "last_name",
            format!("family_name({e}) ?? given_name({e})"),
            "a one-word name is both".into(),
        );
    }
    if !scim {
        for (a, f) in [
            ("birthday", r.birthday),
            ("employed_since", r.start),
            ("employed_until", r.end),
        ] {
            if let Some(f) = f {
                let (_, others) = date_format(f);
                let c = if others.is_empty() {
                    pct(f, n)
                } else {
                    format!(
                        "{}; not a date: {} (quarantined, E0402, until HR fixes it)",
                        pct(f, n),
                        others
                            .iter()
                            .map(|o| quote(o))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                attr(a, path_syntax(&f.path), c);
            }
        }
    }
    if let Some(f) = r.manager {
        let why = f
            .hints
            .iter()
            .find(|h| h.contains("values of other records"))
            .cloned()
            .unwrap_or_default();
        attr(
            "manager",
            path_syntax(&f.path),
            why.replace(": a manager (or other person) reference", ""),
        );
    }
    out.push_str("user {\n");
    for (a, e, c) in &user {
        if c.is_empty() {
            let _ = writeln!(out, "  {a} = {e}");
        } else if c.chars().count() > 50 || e.chars().count() + c.chars().count() > 70 {
            out.push_str(&comment(c, "  "));
            let _ = writeln!(out, "  {a} = {e}");
        } else {
            let _ = writeln!(out, "  {a} = {e}  # {c}");
        }
    }
    out.push_str("}\n\n");

    // gender
    if let (Some(f), false) = (r.gender, scim) {
        let mut arms: Vec<String> = Vec::new();
        let mut mapped: Vec<(String, &str)> = Vec::new();
        for t in &f.top {
            if let Some(g) = gender_of(&t.value) {
                let p = pattern(&t.value);
                if !arms.iter().any(|a| a.starts_with(&format!("{p}->"))) {
                    arms.push(format!("{p}->{g}"));
                    mapped.push((t.value.clone(), g));
                }
            }
        }
        arms.push("_->None".into());
        value_map(
            &mut out,
            "gender",
            f,
            &arms,
            "`_` takes every other value and empty ones.",
        );
    }

    // status
    if let Some(f) = r.status {
        let mut arms: Vec<String> = Vec::new();
        for t in &f.top {
            if let Some(s) = status_of(&t.value) {
                arms.push(format!("{}->{s}", quote(&t.value)));
            }
        }
        arms.push("_->Active".into());
        value_map(
            &mut out,
            "status",
            f,
            &arms,
            "A value not listed keeps the account active.",
        );
    }

    // group path
    if !levels.is_empty() {
        let names: Vec<String> = levels.iter().map(|f| path_syntax(&f.path)).collect();
        let evidence: Vec<String> = levels
            .iter()
            .map(|f| format!("`{}` {} values ({})", f.path, f.distinct, pct(f, n)))
            .collect();
        out.push_str(&comment(
            &format!(
                "Teams from the fields named like levels, fewest values on top: {}. An empty \
                 level ends a person's path. Team IDs are the path of names.",
                evidence.join(", ")
            ),
            "",
        ));
        if scim && r.levels.len() > 1 {
            out.push_str("# SCIM teams have no parent: one level only.\n");
        }
        let _ = writeln!(out, "group path = [{}]\n", names.join(", "));
    }

    // segments: suggested only
    let used: Vec<&str> = [
        r.external_id,
        r.email,
        r.first,
        r.last,
        r.display,
        r.gender,
        r.status,
        r.manager,
    ]
    .into_iter()
    .flatten()
    .chain(levels.iter().copied())
    .map(|f| f.path.as_str())
    .collect();
    let segments: Vec<&FieldProfile> = p
        .fields
        .iter()
        .filter(|f| {
            f.ty.base == "text"
                && f.distinct_exact
                && f.distinct >= 2
                && f.distinct <= 20
                && f.distinct * 3 <= f.filled
                && !about_someone_else(f)
                && !used.contains(&f.path.as_str())
        })
        .take(3)
        .collect();
    if !segments.is_empty() && !scim {
        out.push_str(
            "# Segment candidates (few values, often filled); uncomment the ones wanted:\n",
        );
        for f in &segments {
            let mut segments = f.path.rsplit('.');
            let last = segments.next().unwrap_or(&f.path);
            let category = match (last, segments.next()) {
                ("name" | "title" | "value", Some(parent)) => parent,
                _ => last,
            };
            let _ = writeln!(
                out,
                "# segment {} = {}  # {}",
                quote(category),
                path_syntax(&f.path),
                seen(f, 4)
            );
        }
        out.push('\n');
    }

    // skip / pause
    if let Some(f) = r.email {
        let _ = writeln!(
            out,
            "# Without an email nobody can log in; such records wait until HR fills it in\n\
             # (`{}` is {}).\nskip when {} is empty\n",
            f.path,
            pct(f, n),
            path_syntax(&f.path)
        );
    }
    if r.status.is_none() {
        let mut conds = Vec::new();
        let mut why = Vec::new();
        if let Some(f) = r.end {
            conds.push(format!("{} < today", path_syntax(&f.path)));
            why.push(format!("`{}` is {}", f.path, pct(f, n)));
        }
        if let Some(f) = r.start {
            conds.push(format!("{} > today", path_syntax(&f.path)));
            why.push(format!("`{}` is {}", f.path, pct(f, n)));
        }
        if !conds.is_empty() {
            out.push_str(&comment(
                &format!(
                    "Leavers are paused after their last day and new hires until their first ({}).",
                    why.join(", ")
                ),
                "",
            ));
            let _ = writeln!(out, "pause when {}\n", conds.join(" or "));
        }
    }

    out.push_str(
        "rules {\n\
         \x20 user_removal = only_external_id  # people added by hand in Winningtemp are never paused\n\
         \x20 user_status  = overwrite\n\
         \x20 membership   = never             # only memberships the integration made are removed\n\
         }\n\n\
         guard pauses <= 5%\n\
         guard source >= 90% of last_run\n",
    );

    // test
    if let Some(test) = test_block(input, &r, &levels) {
        out.push('\n');
        out.push_str(&test);
    }

    let file = SourceFile::new("draft.wtmap", out);
    crate::format::format_source(&file).map_err(|e| DraftError::Format(e.to_string()))
}

/// A `test` block from the first record the draft maps cleanly: every field it uses filled,
/// its email nobody else's, its dates readable.
fn test_block(input: &DraftInput<'_>, r: &Roles<'_>, levels: &[&FieldProfile]) -> Option<String> {
    let id = r.external_id?;
    let email = r.email?;
    let scim = input.target == DraftTarget::Scim;
    let mut emails: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for rec in input.records {
        if let Some(e) = value_at(rec, &email.path) {
            *emails.entry(e.trim().to_lowercase()).or_default() += 1;
        }
    }
    let names: Vec<&FieldProfile> = [r.first, r.last, r.display].into_iter().flatten().collect();
    let dates: Vec<&FieldProfile> = if scim {
        Vec::new()
    } else {
        [r.birthday, r.start, r.end].into_iter().flatten().collect()
    };
    let record = input.records.iter().find(|rec| {
        let e = value_at(rec, &email.path).map(|e| e.trim().to_lowercase());
        value_at(rec, &id.path).is_some()
            && e.as_ref().is_some_and(|e| emails.get(e) == Some(&1))
            && names.iter().all(|f| value_at(rec, &f.path).is_some())
            && r.gender.is_none_or(|f| value_at(rec, &f.path).is_some())
            && levels
                .first()
                .is_none_or(|f| value_at(rec, &f.path).is_some())
            && dates.iter().all(|f| {
                value_at(rec, &f.path).is_none_or(|v| {
                    let (format, _) = date_format(f);
                    let formats = vec![format.to_string()];
                    crate::dates::parse_date(v.trim(), &formats).is_ok()
                })
            })
    })?;
    let mut given: Vec<String> = Vec::new();
    let mut paths: Vec<&FieldProfile> = vec![id, email];
    paths.extend(names.iter().copied());
    paths.extend(r.gender);
    paths.extend(r.status);
    paths.extend(levels.iter().copied());
    paths.extend(dates.iter().copied());
    for f in paths {
        if let Some(v) = value_at(record, &f.path) {
            given.push(format!("    {} = {}", path_syntax(&f.path), quote(&v)));
        }
    }
    let mut expect: Vec<String> = Vec::new();
    let login = value_at(record, &email.path)?.trim().to_lowercase();
    expect.push(format!("username = {}", quote(&login)));
    if let (Some(first), Some(last)) = (r.first, r.last) {
        expect.push(format!(
            "first_name = {}",
            quote(&value_at(record, &first.path)?)
        ));
        expect.push(format!(
            "last_name = {}",
            quote(&value_at(record, &last.path)?)
        ));
    }
    if let (Some(g), false) = (r.gender, scim) {
        let v = value_at(record, &g.path)?;
        expect.push(format!("gender = {}", gender_of(&v).unwrap_or("None")));
    }
    // The team is the path of names down to the first empty level, joined by `/` (a `/` or
    // `\` inside a name escaped), as derived team IDs are.
    let mut team: Vec<String> = Vec::new();
    for f in levels {
        match value_at(record, &f.path) {
            Some(v) => team.push(v.replace('\\', "\\\\").replace('/', "\\/")),
            None => break,
        }
    }
    if !team.is_empty() {
        expect.push(format!("group = {}", quote(&team.join("/"))));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Built from record #{} of the export: what it must become.",
        record.origin.index + 1
    );
    out.push_str("test \"a record of the export maps as expected\" {\n  given {\n");
    for g in &given {
        out.push_str(g);
        out.push('\n');
    }
    let _ = writeln!(out, "  }}\n  expect {{ {} }}\n}}", expect.join(", "));
    Some(out)
}
