//! Builtins for people's names and email addresses.

use super::{Builtin, BuiltinError, Context, Example, Param, ParamType, Ret, args};
use crate::value::Value;
use unicode_normalization::UnicodeNormalization;

/// `title_case(text) -> text`
pub static TITLE_CASE: Builtin = Builtin {
    name: "title_case",
    params: &[Param::new(
        "value",
        ParamType::Text,
        "the text, typically a name",
    )],
    variadic: false,
    returns: Ret::Text,
    summary: "Upper-cases the first letter of each word and lower-cases the rest; words start \
              after spaces, hyphens and a one-letter prefix with an apostrophe (O'Brien).",
    examples: &[
        Example {
            call: r#"title_case("ANNA-KARIN o'brien")"#,
            result: r#""Anna-Karin O'Brien""#,
        },
        Example {
            call: r#"title_case("åsa öberg")"#,
            result: r#""Åsa Öberg""#,
        },
    ],
    config_only: false,
    run: title_case,
};

fn title_case(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let s = args::text(args, 0)?;
    let mut out = String::with_capacity(s.len());
    // Letters since the last word start, to recognise the `O'` / `D'` prefixes.
    let mut letters_in_word = 0usize;
    let mut word_start = true;
    for c in s.chars() {
        if c.is_alphabetic() {
            if word_start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            word_start = false;
            letters_in_word += 1;
        } else {
            // `don't` stays `Don't`: only a single letter before the apostrophe is a prefix.
            word_start =
                c.is_whitespace() || c == '-' || (is_apostrophe(c) && letters_in_word == 1);
            if word_start {
                letters_in_word = 0;
            }
            out.push(c);
        }
    }
    Ok(Value::Text(out))
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’')
}

/// `normalize_diacritics(text) -> text`
pub static NORMALIZE_DIACRITICS: Builtin = Builtin {
    name: "normalize_diacritics",
    params: &[Param::new("value", ParamType::Text, "the text")],
    variadic: false,
    returns: Ret::Text,
    summary: "Removes accents (å→a, é→e, ü→u) and spells out letters without a decomposition \
              (ß→ss, æ→ae, ø→oe, ł→l, đ→d, þ→th), for usernames and email addresses.",
    examples: &[
        Example {
            call: r#"normalize_diacritics("Åsa Öberg")"#,
            result: r#""Asa Oberg""#,
        },
        Example {
            call: r#"normalize_diacritics("Søren Æbelø Strauß")"#,
            result: r#""Soeren Aebeloe Strauss""#,
        },
    ],
    config_only: false,
    run: normalize_diacritics,
};

/// Letters that NFD does not decompose into base letter + combining mark, and what they become.
/// Upper-case forms are upper-cased in full (`ØRSTED` → `OERSTED`) unless a small letter
/// follows (`Øberg` → `Oeberg`).
const SPELLED_OUT: &[(char, &str)] = &[
    ('ß', "ss"),
    ('ẞ', "SS"),
    ('æ', "ae"),
    ('Æ', "AE"),
    ('ø', "oe"),
    ('Ø', "OE"),
    ('œ', "oe"),
    ('Œ', "OE"),
    ('ł', "l"),
    ('Ł', "L"),
    ('đ', "d"),
    ('Đ', "D"),
    ('ð', "d"),
    ('Ð', "D"),
    ('þ', "th"),
    ('Þ', "TH"),
    ('ı', "i"),
    ('ħ', "h"),
    ('Ħ', "H"),
    ('ŧ', "t"),
    ('Ŧ', "T"),
];

/// The accents NFD splits off Latin, Greek and Cyrillic letters (U+0300–U+036F). Marks of other
/// blocks stay: Devanagari or Thai vowel signs are letters' vowels, not decoration.
fn is_diacritic(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn normalize_diacritics(args: &[Value], _: &Context) -> Result<Value, BuiltinError> {
    let s = args::text(args, 0)?;
    if s.is_ascii() {
        return Ok(Value::Text(s.to_owned()));
    }
    let mut stripped = String::with_capacity(s.len());
    let mut chars = s.nfd().filter(|c| !is_diacritic(*c)).peekable();
    while let Some(c) = chars.next() {
        match SPELLED_OUT.iter().find(|(from, _)| *from == c) {
            // A capital followed by a small letter starts a capitalised word: `Æbelø` → `Aebeloe`.
            Some((_, to)) if c.is_uppercase() && chars.peek().is_some_and(|n| n.is_lowercase()) => {
                let mut letters = to.chars();
                stripped.extend(letters.next());
                stripped.extend(letters.flat_map(char::to_lowercase));
            }
            Some((_, to)) => stripped.push_str(to),
            None => stripped.push(c),
        }
    }
    // Recompose what NFD split without a mark to drop (Hangul syllables), so scripts without
    // diacritics come back unchanged.
    Ok(Value::Text(stripped.nfc().collect()))
}

/// Lower-case name particles that start a family name (`van der Berg`, `de la Cruz`), sorted.
const PARTICLES: &[&str] = &[
    "af", "al", "av", "bin", "da", "das", "de", "degli", "dei", "del", "della", "den", "der",
    "des", "di", "do", "dos", "du", "el", "la", "le", "ten", "ter", "van", "von", "zu",
];

/// Splits a display name into (given names, family name). `None` family for a single word.
fn split_display_name(name: &str) -> (String, Option<String>) {
    // "Berg, Mia" is family-first.
    if let Some((family, given)) = name.split_once(',') {
        let (family, given) = (family.trim(), given.trim());
        if !family.is_empty() && !given.is_empty() {
            return (given.to_owned(), Some(family.to_owned()));
        }
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.len() < 2 {
        return (words.concat(), None);
    }
    // The family name starts at the first particle after the first word, unless the particle is
    // the last word (then it is a name, not a particle); otherwise it is the last word.
    let last = words.len() - 1;
    let family_start = (1..last)
        .find(|&i| {
            PARTICLES
                .binary_search(&words[i].to_lowercase().as_str())
                .is_ok()
        })
        .unwrap_or(last);
    (
        words[..family_start].join(" "),
        Some(words[family_start..].join(" ")),
    )
}

const DISPLAY_NAME: Param = Param::new(
    "display_name",
    ParamType::Text,
    "a full name such as `Mia van der Berg`",
);

/// `given_name(text) -> text`
pub static GIVEN_NAME: Builtin = Builtin {
    name: "given_name",
    params: &[DISPLAY_NAME],
    variadic: false,
    returns: Ret::Text,
    summary: "The given name(s) of a full display name: all words before the family name \
              (see `family_name`); `Berg, Mia` is read family-first.",
    examples: &[
        Example {
            call: r#"given_name("Mia van der Berg")"#,
            result: r#""Mia""#,
        },
        Example {
            call: r#"given_name("Anna Maria Svensson")"#,
            result: r#""Anna Maria""#,
        },
    ],
    config_only: false,
    run: |args, _| Ok(Value::Text(split_display_name(args::text(args, 0)?).0)),
};

/// `family_name(text) -> text?`
pub static FAMILY_NAME: Builtin = Builtin {
    name: "family_name",
    params: &[DISPLAY_NAME],
    variadic: false,
    returns: Ret::Optional(&Ret::Text),
    summary: "The family name of a full display name: from the first particle (van, von, de, af, \
              …) after the first word, else the last word; empty for a single-word name.",
    examples: &[
        Example {
            call: r#"family_name("Mia van der Berg")"#,
            result: r#""van der Berg""#,
        },
        Example {
            call: r#"family_name("Oliver Nguyen")"#,
            result: r#""Nguyen""#,
        },
    ],
    config_only: false,
    run: |args, _| {
        Ok(split_display_name(args::text(args, 0)?)
            .1
            .map_or(Value::Empty, Value::Text))
    },
};

const EMAIL: Param = Param::new("email", ParamType::Text, "an email address");

fn split_email(email: &str) -> Result<(&str, &str), BuiltinError> {
    email
        .trim()
        .rsplit_once('@')
        .filter(|(local, domain)| !local.is_empty() && !domain.is_empty())
        .ok_or_else(|| BuiltinError::new(format!("`{email}` is not an email address")))
}

/// `email_local_part(text) -> text`
pub static EMAIL_LOCAL_PART: Builtin = Builtin {
    name: "email_local_part",
    params: &[EMAIL],
    variadic: false,
    returns: Ret::Text,
    summary: "The part of an email address before the `@`; fails on text that is not an address.",
    examples: &[Example {
        call: r#"email_local_part("anna.berg@acme.se")"#,
        result: r#""anna.berg""#,
    }],
    config_only: false,
    run: |args, _| Ok(Value::Text(split_email(args::text(args, 0)?)?.0.to_owned())),
};

/// `email_domain(text) -> text`
pub static EMAIL_DOMAIN: Builtin = Builtin {
    name: "email_domain",
    params: &[EMAIL],
    variadic: false,
    returns: Ret::Text,
    summary: "The part of an email address after the `@`; fails on text that is not an address.",
    examples: &[Example {
        call: r#"email_domain("anna.berg@acme.se")"#,
        result: r#""acme.se""#,
    }],
    config_only: false,
    run: |args, _| Ok(Value::Text(split_email(args::text(args, 0)?)?.1.to_owned())),
};

#[cfg(test)]
mod tests {
    use super::PARTICLES;
    use crate::builtins::tests::fixtures::{err, ok, t};
    use crate::value::Value;

    #[test]
    fn particles_are_sorted_for_binary_search() {
        assert!(PARTICLES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn title_case_names() {
        assert_eq!(ok("title_case", &[t("ÅSA LINDQVIST")]), t("Åsa Lindqvist"));
        assert_eq!(
            ok("title_case", &[t("jean-luc d'angelo")]),
            t("Jean-Luc D'Angelo")
        );
        assert_eq!(ok("title_case", &[t("don't stop")]), t("Don't Stop"));
        assert_eq!(ok("title_case", &[t("o’neil")]), t("O’Neil"));
        assert_eq!(ok("title_case", &[Value::Empty]), Value::Empty);
    }

    #[test]
    fn diacritics_are_removed() {
        assert_eq!(
            ok("normalize_diacritics", &[t("Åsa Ärlig Öberg")]),
            t("Asa Arlig Oberg")
        );
        assert_eq!(
            ok("normalize_diacritics", &[t("Renée Müller-Łukasz")]),
            t("Renee Muller-Lukasz")
        );
        assert_eq!(
            ok("normalize_diacritics", &[t("Strauß ØRSTED")]),
            t("Strauss OERSTED")
        );
        assert_eq!(
            ok("normalize_diacritics", &[t("Ærø Øberg Þór")]),
            t("Aeroe Oeberg Thor")
        );
        assert_eq!(ok("normalize_diacritics", &[t("plain")]), t("plain"));
        // Precomposed and decomposed input give the same answer.
        assert_eq!(ok("normalize_diacritics", &[t("A\u{30a}sa")]), t("Asa"));
        assert_eq!(ok("normalize_diacritics", &[t("김민준")]), t("김민준"));
        assert_eq!(ok("normalize_diacritics", &[t("प्रिया")]), t("प्रिया"));
        assert_eq!(
            ok("normalize_diacritics", &[t("Nguyễn Thị")]),
            t("Nguyen Thi")
        );
    }

    proptest::proptest! {
        #[test]
        fn normalizing_twice_changes_nothing(s in "\\PC*") {
            let once = ok("normalize_diacritics", &[t(&s)]);
            let twice = match &once {
                Value::Text(x) => ok("normalize_diacritics", &[t(x)]),
                other => other.clone(),
            };
            proptest::prop_assert_eq!(once, twice);
        }

        #[test]
        fn latin_names_become_ascii(s in "[a-zA-ZåäöÅÄÖæøÆØéèüÜßłŁñç -]{0,20}") {
            if let Value::Text(out) = ok("normalize_diacritics", &[t(&s)]) {
                proptest::prop_assert!(out.is_ascii(), "{}", out);
            }
        }

        #[test]
        fn name_splitting_never_loses_words(s in "[A-Za-zÅå ,]{0,30}") {
            let given = ok("given_name", &[t(&s)]).to_string();
            let family = ok("family_name", &[t(&s)]).to_string();
            let words = |x: &str| x.split([' ', ',']).filter(|w| !w.is_empty()).count();
            proptest::prop_assert_eq!(words(&given) + words(&family), words(&s));
        }
    }

    #[test]
    fn display_names_split() {
        let split = |s: &str| (ok("given_name", &[t(s)]), ok("family_name", &[t(s)]));
        assert_eq!(split("Mia van der Berg"), (t("Mia"), t("van der Berg")));
        assert_eq!(
            split("Jean-Luc de la Cruz"),
            (t("Jean-Luc"), t("de la Cruz"))
        );
        assert_eq!(
            split("Anna Maria Svensson"),
            (t("Anna Maria"), t("Svensson"))
        );
        assert_eq!(split("  Åsa   Öberg "), (t("Åsa"), t("Öberg")));
        assert_eq!(split("Berg, Mia"), (t("Mia"), t("Berg")));
        assert_eq!(split("Cher"), (t("Cher"), Value::Empty));
        // A particle as the last word is a name.
        assert_eq!(split("Anna De"), (t("Anna"), t("De")));
        assert_eq!(split("Ulla af Trolle"), (t("Ulla"), t("af Trolle")));
    }

    #[test]
    fn email_parts() {
        assert_eq!(
            ok("email_local_part", &[t("Anna.Berg@acme.se")]),
            t("Anna.Berg")
        );
        assert_eq!(
            ok("email_domain", &[t(" anna@sub.acme.se ")]),
            t("sub.acme.se")
        );
        assert!(err("email_domain", &[t("anna")]).contains("`anna` is not an email address"));
        assert!(err("email_local_part", &[t("@acme.se")]).contains("not an email"));
    }
}
