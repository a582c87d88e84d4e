//! "Did you mean" suggestions for unknown names (builtins, fields, attributes, enum values).
//!
//! A tiny Levenshtein distance, as VRL and Cedar use: the candidate lists are short (tens of
//! names), so a quadratic algorithm over chars is plenty.

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
///
/// Comparison ignores case (so `firstname` suggests `FirstName`); the allowed distance grows
/// with the name's length (1 edit up to 5 chars, then one more per 4 chars, at most 3). Ties go
/// to the candidate listed first, so the answer is deterministic for a given candidate order.
/// An exact match is not a suggestion and returns `None`.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    let limit = match wanted.len() {
        0 => return None,
        1..=5 => 1,
        n => (n / 4 + 1).min(3),
    };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            return None;
        }
        let other: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
        let distance = levenshtein(&wanted, &other);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Edit distance (insertions, deletions, substitutions) between two char sequences.
pub fn levenshtein(a: &[char], b: &[char]) -> usize {
    // One row of the classic dynamic-programming table is enough.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let cost = usize::from(ca != cb);
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + cost);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(levenshtein(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(levenshtein(&chars(""), &chars("abc")), 3);
        assert_eq!(levenshtein(&chars("Åsa"), &chars("Asa")), 1);
    }

    #[test]
    fn suggests_close_names_only() {
        let names = ["lower", "upper", "trim", "normalize_diacritics"];
        assert_eq!(did_you_mean("lowr", names), Some("lower"));
        assert_eq!(did_you_mean("uper", names), Some("upper"));
        assert_eq!(
            did_you_mean("normalise_diacritics", names),
            Some("normalize_diacritics")
        );
        assert_eq!(did_you_mean("frobnicate", names), None);
        assert_eq!(did_you_mean("lower", names), None);
        assert_eq!(did_you_mean("", names), None);
    }

    #[test]
    fn ignores_case() {
        assert_eq!(
            did_you_mean("firstname", ["FirstName", "LastName"]),
            Some("FirstName")
        );
        assert_eq!(did_you_mean("emailwrk", ["EmailWork"]), Some("EmailWork"));
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(did_you_mean("ab", ["ac", "ad"]), Some("ac"));
    }
}
