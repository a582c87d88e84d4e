//! A user's `group path`, kept as one string: the deepest team's derived external ID (the
//! levels' names joined by `/`, a `/` or `\` inside a name escaped with `\`), so two "Finance"
//! departments under different offices are different teams. A million users hold one string
//! each instead of a vector of names; the levels are spelled out again only for the first user
//! of a team (or with `ids [...]`).

/// The levels of a `group path`, top first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamPath {
    /// The levels' names, joined and escaped: the deepest level's derived team ID.
    derived: String,
    /// Per level, the team ID the `ids [...]` expression gave (`None`: derived from the path).
    /// Empty when the mapping has no `ids`.
    ids: Vec<Option<String>>,
}

impl TeamPath {
    /// Adds the next level down. `id` is the level's `ids [...]` value, when the mapping has
    /// `ids` (`Some(None)`: it has, but the value was empty); `None` when it has none.
    pub fn push(&mut self, name: &str, id: Option<Option<String>>) {
        if !self.derived.is_empty() {
            self.derived.push('/');
        }
        push_escaped(&mut self.derived, name);
        if let Some(id) = id {
            self.ids.push(id);
        }
    }

    /// True when the user joins no team.
    pub fn is_empty(&self) -> bool {
        self.derived.is_empty()
    }

    /// The deepest level's derived ID (its team's ID unless `ids [...]` gives one).
    pub fn derived(&self) -> &str {
        &self.derived
    }

    /// True when no level has an ID of its own: every team's ID is derived from the path.
    pub fn derived_only(&self) -> bool {
        self.ids.iter().all(Option::is_none)
    }

    /// Each level, top first: (name, team ID), the ID given by `ids [...]` or else derived.
    pub fn levels(&self) -> Vec<(String, String)> {
        let mut levels = Vec::new();
        let mut name = String::new();
        let mut chars = self.derived.char_indices();
        let level_end = |end: usize, name: &mut String, levels: &mut Vec<(String, String)>| {
            let given = self.ids.get(levels.len()).cloned().flatten();
            let id = given.unwrap_or_else(|| self.derived[..end].to_string());
            levels.push((std::mem::take(name), id));
        };
        while let Some((at, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        name.push(escaped);
                    }
                }
                '/' => level_end(at, &mut name, &mut levels),
                c => name.push(c),
            }
        }
        if !self.derived.is_empty() {
            level_end(self.derived.len(), &mut name, &mut levels);
        }
        levels
    }

    /// The levels' names, top first.
    pub fn names(&self) -> Vec<String> {
        self.levels().into_iter().map(|(name, _)| name).collect()
    }
}

fn push_escaped(out: &mut String, name: &str) {
    if !name.contains(['/', '\\']) {
        out.push_str(name);
        return;
    }
    for c in name.chars() {
        if c == '/' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::TeamPath;
    use proptest::prelude::*;

    fn path(levels: &[(&str, Option<Option<&str>>)]) -> TeamPath {
        let mut p = TeamPath::default();
        for (name, id) in levels {
            p.push(name, id.map(|id| id.map(str::to_string)));
        }
        p
    }

    #[test]
    fn derived_ids_spell_the_path_and_escape_separators() {
        let p = path(&[("Stockholm", None), ("R/D", None), ("a\\b", None)]);
        assert_eq!(p.derived(), "Stockholm/R\\/D/a\\\\b");
        assert_eq!(
            p.levels(),
            [
                ("Stockholm".into(), "Stockholm".into()),
                ("R/D".into(), "Stockholm/R\\/D".into()),
                ("a\\b".into(), "Stockholm/R\\/D/a\\\\b".into()),
            ]
        );
        assert!(p.derived_only());
        assert!(TeamPath::default().is_empty() && TeamPath::default().levels().is_empty());
    }

    #[test]
    fn given_ids_replace_the_derived_ones_level_by_level() {
        let p = path(&[("Acme", Some(Some("10"))), ("Finance", Some(None))]);
        assert!(!p.derived_only());
        assert_eq!(
            p.levels(),
            [
                ("Acme".into(), "10".into()),
                ("Finance".into(), "Acme/Finance".into())
            ]
        );
    }

    proptest! {
        #[test]
        fn names_come_back_as_given(names in proptest::collection::vec("[a-z/\\\\]{1,4}", 0..5)) {
            let mut p = TeamPath::default();
            for name in &names {
                p.push(name, None);
            }
            prop_assert_eq!(p.names(), names);
        }
    }
}
